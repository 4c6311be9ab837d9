//! The `postpolicy` binary: parses the command line and hands it to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = postpolicy::cli::Cli::parse();
    postpolicy::commands::run(cli).into()
}
