//! Running the binary the way a user does, with a controlled environment.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The AWS documentation's example access key id.
pub(crate) const EXAMPLE_ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";

/// The AWS documentation's example secret; it must never appear in any output.
pub(crate) const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The fixed signing time of every snapshot.
pub(crate) const NOW: &str = "2026-12-03T18:00:00Z";

/// What a run printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// The exit code and standard error, as snapshots show them.
    pub(crate) fn report(&self) -> String {
        format!("exit: {}\n{}", self.code, self.stderr)
    }
}

/// The crate's root, where `policies/` and `tests/` live.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command for the binary, run from the crate root, with no inherited AWS settings, colour
/// off and the example credentials.
pub(crate) fn postpolicy() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_postpolicy"));
    command.current_dir(root());
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("AWS_")
            || name.starts_with("POSTPOLICY_")
            || name == "SOURCE_DATE_EPOCH"
        {
            command.env_remove(name);
        }
    }
    command
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent-home")
        .env("AWS_ACCESS_KEY_ID", EXAMPLE_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET);
    command
}

/// Runs `command` to completion.
pub(crate) fn run(command: &mut Command) -> Run {
    let output = command.output().expect("the binary runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };

    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked:\n{}",
        run.stderr
    );
    assert!(
        !run.stdout.contains(EXAMPLE_SECRET) && !run.stderr.contains(EXAMPLE_SECRET),
        "the secret leaked"
    );
    run
}

/// Runs the binary with `args`.
pub(crate) fn postpolicy_run(args: &[&str]) -> Run {
    run(postpolicy().args(args))
}

/// `path` relative to the crate root, with `/` separators, for stable snapshots.
pub(crate) fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A scratch policies directory holding `files` (name, text).
pub(crate) fn policies_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("writable");
    }
    dir
}
