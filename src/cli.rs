//! The command line: clap's derive structs and nothing else.
//!
//! [`crate::commands`] turns a parsed [`Cli`] into work; this module only says what may be
//! typed, with the help text users read.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Compiles declarative TOML upload profiles into signed S3 browser-POST policies.
#[derive(Debug, Parser)]
#[command(name = "postpolicy", version, about, propagate_version = true)]
#[command(
    after_help = "Exit status: 0 success, 1 invalid profile or failed check, 2 usage error or \
        unreadable input."
)]
pub struct Cli {
    /// The directory of `*.toml` profile files.
    #[arg(
        long,
        global = true,
        env = "POSTPOLICY_DIR",
        default_value = "policies",
        value_name = "DIR"
    )]
    pub policies: PathBuf,

    /// When to colour diagnostics; `NO_COLOR` always turns colour off.
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    #[arg(default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// The time to sign or judge at, RFC 3339 in UTC (default: `SOURCE_DATE_EPOCH`, else the
    /// clock).
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,

    /// The profile of the shared credentials file to use (default: `AWS_PROFILE`, else `default`).
    #[arg(long, global = true, value_name = "NAME")]
    pub aws_profile: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lists the profiles with their descriptions and files.
    List,

    /// Validates profiles (all by default) and prints every problem and warning found.
    Check {
        /// Profiles to check.
        names: Vec<String>,

        /// Fail on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },

    /// Compiles and signs profiles into credentials bundles.
    Compile {
        /// The profile to compile.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        name: Option<String>,

        /// Compile every profile, printing one JSON object keyed by profile name.
        #[arg(long)]
        all: bool,

        /// Write to this file instead of standard output (whole, or not at all).
        #[arg(long, short, value_name = "PATH")]
        output: Option<PathBuf>,

        /// The output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },

    /// Says whether S3 would accept an upload made with a bundle, listing every violation.
    Verify {
        /// The bundle as `compile` prints it, a hand-written policy document, or `-` for
        /// standard input.
        bundle: PathBuf,

        /// A form field to add or replace, as `NAME=VALUE`; repeatable.
        #[arg(long = "field", value_name = "NAME=VALUE", value_parser = parse_field)]
        fields: Vec<(String, String)>,

        /// The file to upload, for its name and size.
        #[arg(long, value_name = "PATH", conflicts_with_all = ["size", "filename"])]
        file: Option<PathBuf>,

        /// The file's size, in bytes or as a size such as "10 MiB".
        #[arg(long, value_name = "SIZE", required_unless_present = "file")]
        size: Option<String>,

        /// The file's name, which `${filename}` stands for.
        #[arg(long, value_name = "NAME", requires = "size")]
        filename: Option<String>,

        /// How to print the verdict.
        #[arg(long, value_enum, default_value_t = VerdictFormat::Text)]
        format: VerdictFormat,
    },

    /// Runs the test cases of profiles (all by default), signed with a throw-away key.
    Test {
        /// Profiles whose tests to run.
        names: Vec<String>,
    },

    /// Says what a profile allows, in plain sentences, for reviewers.
    Explain {
        /// The profile to explain.
        name: String,
    },
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard error is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// How `compile` writes a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The credentials bundle as JSON.
    Json,
    /// A self-contained HTML page with the upload form.
    Html,
    /// A `curl` command line that uploads the file named by `$FILE`.
    Curl,
}

/// How `verify` prints its verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VerdictFormat {
    /// Sentences for people.
    Text,
    /// One JSON object for programs.
    Json,
}

/// Reads `NAME=VALUE`.
fn parse_field(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
