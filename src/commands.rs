//! The commands: where the pipeline stages meet the outside world.
//!
//! Each command reads the profiles, runs the stages it needs and decides the exit code. All
//! I/O happens here: results go to standard output (or `--output`, written whole or not at
//! all), diagnostics to standard error, and a closed pipe counts as success.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::bundle::{Bundle, bundles_to_json};
use crate::cli::{Cli, ColorChoice, Command, Format};
use crate::compile::compile;
use crate::credentials::{CredentialSources, Credentials};
use crate::diag::{Color, Diagnostics, render_all};
use crate::load::Catalog;
use crate::sign::Signer;
use crate::source::Sources;
use crate::time::Timestamp;
use crate::validate::{Profile, ValidationContext, validate};

/// The exit codes of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: everything asked for was done.
    Success,
    /// 1: a profile is invalid, or a check failed.
    Failure,
    /// 2: a usage error or unreadable input.
    Usage,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Usage => ExitCode::from(2),
        }
    }
}

/// A problem that ends a command before or outside the diagnostics: printed as one line.
#[derive(Debug)]
struct Fatal {
    message: String,
    status: Status,
}

impl Fatal {
    fn usage(message: impl Into<String>) -> Fatal {
        Fatal {
            message: message.into(),
            status: Status::Usage,
        }
    }
}

type CommandResult = Result<Status, Fatal>;

/// Runs a parsed command line and returns its exit status.
pub fn run(cli: Cli) -> Status {
    let color = color_for_stderr(cli.color);
    let outcome = match &cli.command {
        Command::List => list(&cli, color),
        Command::Explain { name } => explain(&cli, color, name),
        Command::Check {
            names,
            deny_warnings,
        } => check(&cli, color, names, *deny_warnings),
        Command::Compile {
            name,
            all,
            output,
            format,
        } => compile_command(
            &cli,
            color,
            name.as_deref(),
            *all,
            output.as_deref(),
            *format,
        ),
    };

    match outcome {
        Ok(status) => status,
        Err(fatal) => {
            let prefix = match color {
                Color::Always => "\x1b[1;31merror\x1b[0m",
                Color::Never => "error",
            };
            let _ = writeln!(io::stderr().lock(), "{prefix}: {}", fatal.message);
            fatal.status
        }
    }
}

fn color_for_stderr(choice: ColorChoice) -> Color {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    match choice {
        _ if no_color => Color::Never,
        ColorChoice::Always => Color::Always,
        ColorChoice::Never => Color::Never,
        ColorChoice::Auto if io::stderr().is_terminal() => Color::Always,
        ColorChoice::Auto => Color::Never,
    }
}

/// The profiles of a run with the files they came from and what was found on the way.
struct Workspace {
    sources: Sources,
    catalog: Catalog,
    diagnostics: Diagnostics,
    now: Timestamp,
    color: Color,
}

impl Workspace {
    fn open(cli: &Cli, color: Color) -> Result<Workspace, Fatal> {
        let now = clock(cli.now.as_deref())?;
        let mut sources = Sources::new();
        let mut diagnostics = Diagnostics::new();
        let catalog = Catalog::load_dir(&cli.policies, &mut sources, &mut diagnostics)
            .map_err(|error| Fatal::usage(error.to_string()))?;

        Ok(Workspace {
            sources,
            catalog,
            diagnostics,
            now,
            color,
        })
    }

    /// The names asked for, or every profile; unknown names are a usage error.
    fn select(&self, names: &[String]) -> Result<Vec<String>, Fatal> {
        if names.is_empty() {
            return Ok(self
                .catalog
                .profiles()
                .iter()
                .map(|profile| profile.name.value.clone())
                .collect());
        }
        for name in names {
            if self.catalog.get(name).is_none() {
                let hint = match self.catalog.suggest(name) {
                    Some(suggestion) => format!("; did you mean `{suggestion}`?"),
                    None => "; `postpolicy list` shows the profiles".to_owned(),
                };
                return Err(Fatal::usage(format!("no profile named `{name}`{hint}")));
            }
        }
        Ok(names.to_vec())
    }

    /// Resolves and validates each named profile, in order.
    fn validate(&mut self, names: &[String]) -> Vec<Profile> {
        let context = ValidationContext {
            sources: &self.sources,
            now: self.now,
        };
        let mut profiles = Vec::new();

        for name in names {
            let Some(raw) = self.catalog.resolve(name, &mut self.diagnostics) else {
                continue;
            };
            if raw.malformed {
                continue;
            }
            if let Some(profile) = validate(&raw, &context, &mut self.diagnostics) {
                profiles.push(profile);
            }
        }
        profiles
    }

    fn print_diagnostics(&self) {
        if !self.diagnostics.is_empty() {
            let text = render_all(&self.diagnostics, &self.sources, self.color);
            let _ = io::stderr().lock().write_all(text.as_bytes());
        }
    }
}

/// `--now`, else `SOURCE_DATE_EPOCH`, else the system clock.
fn clock(now: Option<&str>) -> Result<Timestamp, Fatal> {
    if let Some(text) = now {
        return Timestamp::parse_rfc3339(text)
            .map_err(|reason| Fatal::usage(format!("`--now`: {reason}")));
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<u64>()
            .map(Timestamp::from_unix)
            .map_err(|_| {
                Fatal::usage(format!(
                    "`SOURCE_DATE_EPOCH` must be whole seconds since 1970, not `{text}`"
                ))
            }),
        _ => Ok(Timestamp::now()),
    }
}

fn list(cli: &Cli, color: Color) -> CommandResult {
    let workspace = Workspace::open(cli, color)?;
    workspace.print_diagnostics();

    let profiles = workspace.catalog.profiles();
    let rows: Vec<(&str, String, &str)> = profiles
        .iter()
        .map(|profile| {
            let file = workspace
                .sources
                .get(profile.file)
                .path()
                .display()
                .to_string();
            let description = profile
                .description
                .as_ref()
                .map_or("", |text| text.value.as_str());
            (profile.name.value.as_str(), file, description)
        })
        .collect();
    let name_width = rows.iter().map(|row| row.0.len()).max().unwrap_or(0);
    let file_width = rows.iter().map(|row| row.1.len()).max().unwrap_or(0);

    let mut out = String::new();
    for (name, file, description) in rows {
        let line = format!("{name:name_width$}  {file:file_width$}  {description}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    write_stdout(out.as_bytes())?;

    Ok(if workspace.diagnostics.has_errors() {
        Status::Failure
    } else {
        Status::Success
    })
}

fn check(cli: &Cli, color: Color, names: &[String], deny_warnings: bool) -> CommandResult {
    let mut workspace = Workspace::open(cli, color)?;
    let names = workspace.select(names)?;
    let profiles = workspace.validate(&names);
    workspace.print_diagnostics();

    let (errors, warnings) = workspace.diagnostics.counts();
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    if !failed {
        let summary = format!("{} valid\n", crate::diag::plural(profiles.len(), "profile"));
        let _ = io::stderr().lock().write_all(summary.as_bytes());
    }
    Ok(if failed {
        Status::Failure
    } else {
        Status::Success
    })
}

fn compile_command(
    cli: &Cli,
    color: Color,
    name: Option<&str>,
    all: bool,
    output: Option<&Path>,
    format: Format,
) -> CommandResult {
    let mut workspace = Workspace::open(cli, color)?;
    let requested: Vec<String> = name.map(str::to_owned).into_iter().collect();
    let names = workspace.select(if all { &[] } else { &requested })?;
    let profiles = workspace.validate(&names);
    workspace.print_diagnostics();
    if workspace.diagnostics.has_errors() {
        return Ok(Status::Failure);
    }

    let credentials = find_credentials(cli)?;
    let mut signer = Signer::new(credentials);
    let mut bundles = Vec::with_capacity(profiles.len());
    for profile in &profiles {
        let unsigned =
            compile(profile, signer.access_key(), workspace.now).map_err(|error| Fatal {
                message: error.to_string(),
                status: Status::Failure,
            })?;
        bundles.push(Bundle::new(&signer.sign(unsigned)));
    }

    let text = match (format, all) {
        (Format::Json, true) => bundles_to_json(&bundles),
        (Format::Json, false) => bundles.first().map(Bundle::to_json).unwrap_or_default(),
        (Format::Html, _) => crate::render::html_page(&bundles),
        (Format::Curl, _) => crate::render::curl_commands(&bundles),
    };
    match output {
        Some(path) => write_file_atomically(path, text.as_bytes())?,
        None => write_stdout(text.as_bytes())?,
    }
    Ok(Status::Success)
}

fn explain(cli: &Cli, color: Color, name: &str) -> CommandResult {
    let mut workspace = Workspace::open(cli, color)?;
    let names = workspace.select(&[name.to_owned()])?;
    let profiles = workspace.validate(&names);
    workspace.print_diagnostics();
    let Some(profile) = profiles.first() else {
        return Ok(Status::Failure);
    };

    let file = workspace
        .sources
        .get(profile.file)
        .path()
        .display()
        .to_string();
    write_stdout(crate::explain::explain(profile, &file).as_bytes())?;
    Ok(Status::Success)
}

fn find_credentials(cli: &Cli) -> Result<Credentials, Fatal> {
    let var = |name: &str| std::env::var(name).ok();
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let sources = CredentialSources {
        var: &var,
        aws_profile: cli.aws_profile.as_deref(),
        home,
    };

    Credentials::find(&sources).map_err(|error| Fatal::usage(error.to_string()))
}

fn write_stdout(bytes: &[u8]) -> Result<(), Fatal> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Fatal::usage(format!(
            "cannot write to standard output: {error}"
        ))),
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place, so `path`
/// holds either the old content or the whole new one.
fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), Fatal> {
    let cannot =
        |error: io::Error| Fatal::usage(format!("cannot write `{}`: {error}", path.display()));
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Fatal::usage(format!("`{}` is not a file path", path.display())))?;

    let temporary = directory.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(error) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(cannot(error));
    }
    Ok(())
}
