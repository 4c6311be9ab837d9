//! The commands: where the pipeline stages meet the outside world.
//!
//! Each command reads the profiles, runs the stages it needs and decides the exit code. All
//! I/O happens here: results go to standard output (or `--output`, written whole or not at
//! all), diagnostics to standard error, and a closed pipe counts as success.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::bundle::{Bundle, KeyedObject};
use crate::cli::{Cli, ColorChoice, Command, Format, VerdictFormat};
use crate::compile::compile;
use crate::credentials::{AccessKey, CredentialSources, Credentials, Secret};
use crate::diag::{Color, Diagnostics, render_all};
use crate::evaluate::{Context, Evaluation, Violation, ViolationCode, evaluate};
use crate::load::Catalog;
use crate::parallel::map_runs;
use crate::sign::Signer;
use crate::source::{FileId, Sources};
use crate::time::Timestamp;
use crate::upload::{Outcome, judge, test_upload};
use crate::validate::{Profile, TestCase, ValidationContext, validate};

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
    /// The reader of standard output went away, which ends the output but is no failure.
    pipe_closed: bool,
}

impl Fatal {
    fn usage(message: impl Into<String>) -> Fatal {
        Fatal {
            message: message.into(),
            status: Status::Usage,
            pipe_closed: false,
        }
    }

    fn invalid(error: impl std::fmt::Display) -> Fatal {
        Fatal {
            message: error.to_string(),
            status: Status::Failure,
            pipe_closed: false,
        }
    }
}

type CommandResult = Result<Status, Fatal>;

/// Runs a parsed command line and returns its exit status.
pub fn run(cli: Cli) -> Status {
    let color = color_for_stderr(cli.color);
    let outcome = match &cli.command {
        Command::List => list(&cli, color),
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
        Command::Verify {
            bundle,
            fields,
            file,
            size,
            filename,
            format,
        } => {
            let file_input = match (file, size) {
                (Some(path), _) => FileInput::Path(path.clone()),
                (None, size) => FileInput::Described {
                    size: size.clone().unwrap_or_default(),
                    name: filename.clone(),
                },
            };
            verify(&cli, bundle, fields, &file_input, *format)
        }
        Command::Test { names } => test(&cli, color, names),
        Command::Explain { name } => explain(&cli, color, name),
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

    /// The path of `file`, as diagnostics show it.
    fn file_name(&self, file: FileId) -> String {
        self.sources.get(file).path().display().to_string()
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
            let file = workspace.file_name(profile.file);
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
    let now = workspace.now;
    let mut signer = Signer::new(credentials.clone());
    let mut bundles = profiles
        .iter()
        .map(|profile| sign_bundle(profile, &mut signer, now));

    let write = |out: &mut dyn Write| -> Result<(), Fatal> {
        match (format, all) {
            (Format::Json, true) => {
                let mut object = KeyedObject::new();
                for batch in profiles.chunks(PARALLEL_BATCH) {
                    for entries in keyed_entries_in_parallel(batch, &credentials, now)? {
                        object.write_entries(out, &entries)?;
                    }
                }
                object.finish(out).map_err(Fatal::from)
            }
            (Format::Json, false) => match bundles.next().transpose()? {
                Some(bundle) => write_all(out, bundle.to_json().as_bytes()),
                None => Ok(()),
            },
            (Format::Html, _) => {
                let bundles = bundles.collect::<Result<Vec<_>, _>>()?;
                write_all(out, crate::render::html_page(&bundles).as_bytes())
            }
            (Format::Curl, _) => {
                let bundles = bundles.collect::<Result<Vec<_>, _>>()?;
                write_all(out, crate::render::curl_commands(&bundles).as_bytes())
            }
        }
    };
    match output {
        Some(path) => write_file_atomically(path, write)?,
        None => stream_stdout(write)?,
    }

    // The process ends right after; freeing every profile's small allocations one by one
    // would take longer than compiling them did.
    std::mem::forget(profiles);
    std::mem::forget(workspace);
    Ok(Status::Success)
}

/// How many profiles `compile --all` lays out between writes: enough to keep every core busy,
/// few enough that the text held stays small.
const PARALLEL_BATCH: usize = 1024;

/// Compiles, signs and lays out `profiles` as entries of the `compile --all` object, on as
/// many threads as there are cores, each with its own [`Signer`]; each text holds the entries
/// of one run of consecutive profiles, and the texts come in the order of `profiles`.
fn keyed_entries_in_parallel(
    profiles: &[Profile],
    credentials: &Credentials,
    now: Timestamp,
) -> Result<Vec<String>, Fatal> {
    let lay_out = |run: &[Profile]| -> Result<String, Fatal> {
        let mut signer = Signer::new(credentials.clone());
        let mut text = String::with_capacity(run.len() * 1600);
        for (index, profile) in run.iter().enumerate() {
            let bundle = sign_bundle(profile, &mut signer, now)?;
            if index > 0 {
                text.push_str(",\n");
            }
            bundle.write_keyed_json(&mut text);
        }
        Ok(text)
    };

    map_runs(profiles, 64, lay_out).into_iter().collect()
}

/// The bundle of `profile`, compiled and signed at `now`.
fn sign_bundle(profile: &Profile, signer: &mut Signer, now: Timestamp) -> Result<Bundle, Fatal> {
    let unsigned = compile(profile, signer.access_key(), now).map_err(Fatal::invalid)?;
    Ok(Bundle::new(signer.sign(unsigned)))
}

fn write_all(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Fatal> {
    out.write_all(bytes).map_err(Fatal::from)
}

impl From<io::Error> for Fatal {
    fn from(error: io::Error) -> Fatal {
        Fatal {
            pipe_closed: error.kind() == io::ErrorKind::BrokenPipe,
            ..Fatal::usage(format!("cannot write the output: {error}"))
        }
    }
}

fn explain(cli: &Cli, color: Color, name: &str) -> CommandResult {
    let mut workspace = Workspace::open(cli, color)?;
    let names = workspace.select(&[name.to_owned()])?;
    let profiles = workspace.validate(&names);
    workspace.print_diagnostics();
    let Some(profile) = profiles.first() else {
        return Ok(Status::Failure);
    };

    let file = workspace.file_name(profile.file);
    write_stdout(crate::explain::explain(profile, &file).as_bytes())?;
    Ok(Status::Success)
}

/// The file `verify` judges: a real one, or a size and a name.
enum FileInput {
    Path(std::path::PathBuf),
    Described { size: String, name: Option<String> },
}

fn verify(
    cli: &Cli,
    bundle_path: &Path,
    overrides: &[(String, String)],
    file: &FileInput,
    format: VerdictFormat,
) -> CommandResult {
    let now = clock(cli.now.as_deref())?;
    let input = read_verify_input(bundle_path)?;
    let (file_name, file_size) = match file {
        FileInput::Path(path) => {
            let metadata = std::fs::metadata(path).map_err(|error| {
                Fatal::usage(format!("cannot read `{}`: {error}", path.display()))
            })?;
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned());
            (name, metadata.len())
        }
        FileInput::Described { size, name } => {
            let bytes = crate::size::parse_size(size)
                .map_err(|reason| Fatal::usage(format!("`--size`: {reason}")))?;
            (name.clone(), bytes)
        }
    };

    let bundle_fields = match &input {
        VerifyInput::Bundle(fields) => fields.clone(),
        VerifyInput::PolicyDocument(text) => {
            use base64::Engine as _;
            let policy = base64::engine::general_purpose::STANDARD.encode(text);
            vec![("policy".to_owned(), policy)]
        }
    };
    let upload = crate::upload::upload(&bundle_fields, overrides, file_name, file_size);
    let credentials = find_credentials(cli).ok();
    let access_key_id = field_value(&upload.fields, "x-amz-credential")
        .and_then(|credential| credential.split('/').next())
        .or_else(|| field_value(&upload.fields, "AWSAccessKeyId"));
    let signing_credentials = credentials
        .as_ref()
        .filter(|credentials| Some(credentials.access_key.id.as_str()) == access_key_id);
    let context = Context {
        now,
        credentials: signing_credentials,
        bucket: None,
        region: None,
    };
    let mut evaluation = evaluate(&upload, &context);
    let unchecked_signature = match input {
        VerifyInput::PolicyDocument(_) => {
            evaluation
                .violations
                .retain(|violation| !about_the_missing_signature(violation));
            Some("a hand-written policy document carries none")
        }
        VerifyInput::Bundle(_) if signing_credentials.is_none() => {
            Some("no credentials for its access key are at hand")
        }
        VerifyInput::Bundle(_) => None,
    };

    let text = match format {
        VerdictFormat::Text => verdict_text(&evaluation, unchecked_signature),
        VerdictFormat::Json => verdict_json(&evaluation, unchecked_signature.is_none()),
    };
    write_stdout(text.as_bytes())?;
    Ok(if evaluation.accepted() {
        Status::Success
    } else {
        Status::Failure
    })
}

/// What `verify` judges: a bundle, or a hand-written policy document.
enum VerifyInput {
    /// A bundle's `fields`, in order.
    Bundle(Vec<(String, String)>),
    /// The text of a policy document, to be sent as it is (base64-encoded) and not signed.
    PolicyDocument(String),
}

/// Reads a bundle (a JSON object with `fields`) or else a policy document. Text that is not
/// JSON counts as a policy document when it looks like one, so that it gets S3's verdict
/// ("Invalid JSON"); otherwise it is refused with its line and column.
fn read_verify_input(path: &Path) -> Result<VerifyInput, Fatal> {
    let shown = path.display();
    let text = if path == Path::new("-") {
        let mut text = String::new();
        io::Read::read_to_string(&mut io::stdin().lock(), &mut text)
            .map_err(|error| Fatal::usage(format!("cannot read standard input: {error}")))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|error| Fatal::usage(format!("cannot read `{shown}`: {error}")))?
    };

    let parsed: serde_json::Value = match serde_json::from_str(&text) {
        Ok(parsed) => parsed,
        Err(_) if text.contains("\"conditions\"") || text.contains("\"expiration\"") => {
            return Ok(VerifyInput::PolicyDocument(text));
        }
        Err(error) => {
            return Err(Fatal::usage(format!(
                "{shown}:{}:{}: neither a bundle nor a policy document: {error}",
                error.line(),
                error.column()
            )));
        }
    };
    let Some(fields) = parsed.get("fields") else {
        return Ok(VerifyInput::PolicyDocument(text));
    };
    let Some(fields) = fields.as_object() else {
        return Err(Fatal::usage(format!(
            "`{shown}`: `fields` is not an object"
        )));
    };

    let mut pairs = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let Some(value) = value.as_str() else {
            return Err(Fatal::usage(format!(
                "`{shown}`: the field `{name}` is not a string"
            )));
        };
        pairs.push((name.clone(), value.to_owned()));
    }
    Ok(VerifyInput::Bundle(pairs))
}

/// Whether `violation` only says that a form lacks its signature, which a hand-written policy
/// document cannot carry.
fn about_the_missing_signature(violation: &Violation) -> bool {
    let signature_field = violation.field.as_deref().is_some_and(|field| {
        field.eq_ignore_ascii_case("x-amz-signature") || field.eq_ignore_ascii_case("signature")
    });
    match violation.code {
        ViolationCode::MissingSignature => true,
        ViolationCode::MissingAuthField => signature_field,
        _ => false,
    }
}

fn field_value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(field, _)| field.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// The verdict for people; `unchecked_signature` says why the signature was not checked.
fn verdict_text(evaluation: &Evaluation, unchecked_signature: Option<&str>) -> String {
    let mut out = String::new();
    if evaluation.accepted() {
        let key = evaluation.key.as_deref().unwrap_or("");
        out.push_str(&format!("accepted: S3 would store the upload as `{key}`\n"));
    } else {
        let count = crate::diag::plural(evaluation.violations.len(), "violation");
        out.push_str(&format!("rejected: {count}\n"));
        for violation in &evaluation.violations {
            out.push_str(&format!("- {}: {}\n", violation.code, violation.message));
            if let Some(condition) = &violation.condition {
                out.push_str(&format!("    condition: {condition}\n"));
            }
            if let Some(answer) = &violation.s3_message {
                out.push_str(&format!("    S3 answers: {answer}\n"));
            }
            if let Some(fix) = &violation.fix {
                out.push_str(&format!("    fix: {fix}\n"));
            }
        }
    }
    if let Some(reason) = unchecked_signature {
        out.push_str(&format!("note: the signature was not checked: {reason}\n"));
    }
    out
}

fn verdict_json(evaluation: &Evaluation, signature_checked: bool) -> String {
    let violations: Vec<serde_json::Value> = evaluation
        .violations
        .iter()
        .map(|violation| {
            serde_json::json!({
                "code": violation.code.as_str(),
                "field": violation.field,
                "condition": violation.condition,
                "value": violation.value,
                "message": violation.message,
                "fix": violation.fix,
                "s3_status": violation.code.s3_status(),
                "s3_code": violation.code.s3_error_code(),
                "s3_message": violation.s3_message,
            })
        })
        .collect();
    let verdict = serde_json::json!({
        "accepted": evaluation.accepted(),
        "key": evaluation.key,
        "signature_checked": signature_checked,
        "violations": violations,
    });

    let mut text = serde_json::to_string_pretty(&verdict).unwrap_or_default();
    text.push('\n');
    text
}

/// The key `test` signs with: it only has to agree with itself.
fn throwaway_credentials() -> Credentials {
    Credentials {
        access_key: AccessKey {
            id: "AKIAPOSTPOLICYTESTS0".to_owned(),
            session_token: None,
        },
        secret: Secret::new("postpolicy-test-cases-throwaway-signing-key".to_owned()),
    }
}

fn test(cli: &Cli, color: Color, names: &[String]) -> CommandResult {
    let mut workspace = Workspace::open(cli, color)?;
    let names = workspace.select(names)?;
    let profiles = workspace.validate(&names);
    let failed_to_validate = workspace.diagnostics.has_errors();
    workspace.print_diagnostics();
    if failed_to_validate {
        return Ok(Status::Failure);
    }

    let credentials = throwaway_credentials();
    let mut signer = Signer::new(credentials.clone());
    let (mut passed, mut failed) = (0, 0);
    let mut out = String::new();
    for profile in profiles.iter().filter(|profile| !profile.tests.is_empty()) {
        let bundle = sign_bundle(profile, &mut signer, workspace.now)?;
        let context = Context {
            now: workspace.now,
            credentials: Some(&credentials),
            bucket: Some(&profile.bucket),
            region: Some(&profile.region),
        };

        for case in &profile.tests {
            let evaluation = evaluate(&test_upload(&bundle, case), &context);
            let outcome = judge(case, &evaluation);
            if outcome == Outcome::Passed {
                passed += 1;
                out.push_str(&format!("ok    {} :: {}\n", profile.name, case.name));
                continue;
            }

            failed += 1;
            let location = workspace.sources.location(case.span);
            out.push_str(&format!(
                "FAIL  {} :: {}  ({location})\n",
                profile.name, case.name
            ));
            out.push_str(&format!("      {}\n", outcome_text(&outcome, case)));
            for violation in &evaluation.violations {
                out.push_str(&format!("      - {violation}\n"));
            }
        }
    }

    out.push_str(&format!("\n{passed} passed, {failed} failed\n"));
    write_stdout(out.as_bytes())?;
    Ok(if failed > 0 {
        Status::Failure
    } else {
        Status::Success
    })
}

fn outcome_text(outcome: &Outcome, case: &TestCase) -> String {
    match outcome {
        Outcome::Passed => "as expected".to_owned(),
        Outcome::UnexpectedAccept => {
            "expected S3 to refuse the upload, but it would accept it".to_owned()
        }
        Outcome::UnexpectedReject => {
            "expected S3 to accept the upload, but it would refuse it:".to_owned()
        }
        Outcome::OtherReason => format!(
            "expected a refusal because of `{}`, but S3 would refuse it for other reasons:",
            case.reason.as_deref().unwrap_or("")
        ),
    }
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
    stream_stdout(|out| write_all(out, bytes))
}

/// Runs `write` on buffered standard output; a closed pipe ends it without an error.
fn stream_stdout(write: impl FnOnce(&mut dyn Write) -> Result<(), Fatal>) -> Result<(), Fatal> {
    let mut stdout = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let written = write(&mut stdout).and_then(|()| stdout.flush().map_err(Fatal::from));

    match written {
        Err(fatal) if fatal.pipe_closed => Ok(()),
        other => other,
    }
}

/// Runs `write` on a buffered temporary file beside `path`, then renames it into place, so
/// `path` holds either its old content or the whole new one.
fn write_file_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), Fatal>,
) -> Result<(), Fatal> {
    let cannot =
        |reason: &str| Fatal::usage(format!("cannot write `{}`: {reason}", path.display()));
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

    let file = std::fs::File::create(&temporary).map_err(|error| cannot(&error.to_string()))?;
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, file);
    let finish = |buffered: io::BufWriter<std::fs::File>| -> io::Result<()> {
        let file = buffered
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    let written = write(&mut buffered)
        .and_then(|()| finish(buffered).map_err(|error| cannot(&error.to_string())));

    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
