//! The commands' contract: exit codes, where output goes, credentials, colour.

use crate::support::{EXAMPLE_SECRET, NOW, policies_dir, postpolicy, postpolicy_run, run};

const VALID: &str = r#"
[profile.uploads]
description = "Anything into uploads/"
bucket = "acme-uploads"
fields.key = "uploads/${filename}"
"#;

const LONG_EXPIRY: &str = r#"
[profile.week]
bucket = "acme-uploads"
expires_in = "10days"
fields.key = "uploads/${filename}"
"#;

#[test]
fn help_lists_the_commands() {
    let help = postpolicy_run(&["--help"]);

    assert_eq!(help.code, 0);
    insta::assert_snapshot!(help.stdout);
}

#[test]
fn every_command_has_help() {
    for command in ["list", "check", "compile", "verify", "test", "explain"] {
        let help = postpolicy_run(&[command, "--help"]);

        assert_eq!(help.code, 0, "{command}");
        insta::assert_snapshot!(format!("help_{command}"), help.stdout);
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(postpolicy_run(&["compile"]).code, 2);
    assert_eq!(postpolicy_run(&["frobnicate"]).code, 2);
    assert_eq!(postpolicy_run(&["compile", "images-only", "--all"]).code, 2);
}

#[test]
fn unknown_profile_is_a_usage_error_with_a_suggestion() {
    let compiled = postpolicy_run(&["compile", "image-only", "--now", NOW]);

    assert_eq!(compiled.code, 2);
    assert_eq!(
        compiled.stderr,
        "error: no profile named `image-only`; did you mean `images-only`?\n"
    );
}

#[test]
fn missing_policies_directory_exits_2() {
    let listed = postpolicy_run(&["--policies", "does/not/exist", "list"]);

    assert_eq!(listed.code, 2);
    assert!(
        listed.stderr.contains("does/not/exist"),
        "{}",
        listed.stderr
    );
}

#[test]
fn policies_directory_comes_from_the_environment() {
    let dir = policies_dir(&[("uploads.toml", VALID)]);
    let listed = run(postpolicy().env("POSTPOLICY_DIR", dir.path()).arg("list"));

    assert_eq!(listed.code, 0);
    assert!(listed.stdout.starts_with("uploads  "), "{}", listed.stdout);
    assert!(listed.stdout.contains("Anything into uploads/"));
}

#[test]
fn non_utf8_profile_file_is_unreadable_input() {
    let dir = policies_dir(&[]);
    std::fs::write(
        dir.path().join("bad.toml"),
        b"[profile.a]\nbucket = \"\xff\"\n",
    )
    .unwrap();
    let checked = postpolicy_run(&["--policies", dir.path().to_str().unwrap(), "check"]);

    assert_eq!(checked.code, 2);
    assert!(
        checked
            .stderr
            .contains("not UTF-8 text (line 2, column 11)"),
        "{}",
        checked.stderr
    );
}

#[test]
fn check_passes_the_examples() {
    let checked = postpolicy_run(&["check", "--now", NOW]);

    assert_eq!(checked.code, 0, "{}", checked.stderr);
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let dir = policies_dir(&[("week.toml", LONG_EXPIRY)]);
    let policies = dir.path().to_str().unwrap();

    let lenient = postpolicy_run(&["--policies", policies, "check", "--now", NOW]);
    let strict = postpolicy_run(&[
        "--policies",
        policies,
        "check",
        "--deny-warnings",
        "--now",
        NOW,
    ]);

    assert_eq!(lenient.code, 0);
    assert!(
        lenient.stderr.contains("warning[long-expiry]"),
        "{}",
        lenient.stderr
    );
    assert_eq!(strict.code, 1);
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    let to_file = postpolicy_run(&[
        "compile",
        "images-only",
        "--now",
        NOW,
        "--output",
        path.to_str().unwrap(),
    ]);
    let to_stdout = postpolicy_run(&["compile", "images-only", "--now", NOW]);

    assert_eq!(to_file.code, 0);
    assert!(to_file.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), to_stdout.stdout);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a temporary file was left"
    );
}

#[test]
fn invalid_profile_leaves_an_existing_output_untouched() {
    let dir = policies_dir(&[(
        "bad.toml",
        "[profile.bad]\nbucket = \"x\"\nfields.key = \"k\"\n",
    )]);
    let output = dir.path().join("out.json");
    std::fs::write(&output, "previous").unwrap();

    let compiled = postpolicy_run(&[
        "--policies",
        dir.path().to_str().unwrap(),
        "compile",
        "bad",
        "--output",
        output.to_str().unwrap(),
    ]);

    assert_eq!(compiled.code, 1);
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous");
}

#[test]
fn missing_credentials_say_where_they_were_looked_for() {
    let compiled = run(postpolicy()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["compile", "images-only", "--now", NOW]));

    assert_eq!(compiled.code, 2);
    assert!(compiled.stdout.is_empty());
    insta::assert_snapshot!(compiled.stderr);
}

#[test]
fn credentials_come_from_the_shared_file_by_profile() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials");
    std::fs::write(
        &file,
        format!(
            "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = {EXAMPLE_SECRET}\n\
             \n\
             [ci]\naws_access_key_id = CIKEY\naws_secret_access_key = {EXAMPLE_SECRET}\n"
        ),
    )
    .unwrap();
    let compile = |extra: &[&str], aws_profile: Option<&str>| {
        let mut command = postpolicy();
        command
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_SHARED_CREDENTIALS_FILE", &file)
            .args(["compile", "images-only", "--now", NOW])
            .args(extra);
        if let Some(name) = aws_profile {
            command.env("AWS_PROFILE", name);
        }
        let bundle: serde_json::Value = serde_json::from_str(&run(&mut command).stdout).unwrap();
        bundle["fields"]["x-amz-credential"]
            .as_str()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned()
    };

    assert_eq!(compile(&[], None), "DEFAULTKEY");
    assert_eq!(compile(&[], Some("ci")), "CIKEY");
    assert_eq!(
        compile(&["--aws-profile", "default"], Some("ci")),
        "DEFAULTKEY"
    );
}

#[test]
fn bad_clock_values_are_usage_errors() {
    let bad_now = postpolicy_run(&[
        "compile",
        "images-only",
        "--now",
        "2026-12-03T18:00:00+01:00",
    ]);
    let bad_epoch = run(postpolicy()
        .env("SOURCE_DATE_EPOCH", "soon")
        .args(["compile", "images-only"]));

    assert_eq!(bad_now.code, 2);
    assert!(bad_now.stderr.contains("UTC"), "{}", bad_now.stderr);
    assert_eq!(bad_epoch.code, 2);
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let dir = policies_dir(&[("week.toml", LONG_EXPIRY)]);
    let policies = dir.path().to_str().unwrap();

    let plain = postpolicy_run(&["--policies", policies, "check", "--now", NOW]);
    let forced = run(postpolicy().env_remove("NO_COLOR").args([
        "--policies",
        policies,
        "--color",
        "always",
        "check",
    ]));
    let vetoed = run(postpolicy().args(["--policies", policies, "--color", "always", "check"]));

    assert!(!plain.stderr.contains('\x1b'));
    assert!(forced.stderr.contains('\x1b'));
    assert!(!vetoed.stderr.contains('\x1b'));
}

#[test]
fn broken_pipe_is_not_an_error() {
    use std::process::Stdio;

    let mut child = postpolicy()
        .args(["compile", "--all", "--now", NOW])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();

    assert!(
        output.status.code() == Some(0),
        "{:?}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn explain_describes_every_example_profile() {
    for profile in ["images-only", "classic-public-upload", "legacy-store-v2"] {
        let explained = postpolicy_run(&["explain", profile]);

        assert_eq!(explained.code, 0, "{}", explained.stderr);
        insta::assert_snapshot!(format!("explain_{profile}"), explained.stdout);
    }
}

#[test]
fn check_warns_about_the_classic_recipe() {
    let checked = postpolicy_run(&["check", "--now", NOW]);

    assert_eq!(checked.code, 0);
    insta::assert_snapshot!(checked.stderr);
}

#[test]
fn lints_name_what_they_see_and_allow_silences_them() {
    let long_note = "n".repeat(17_000);
    let risky = format!(
        r#"
[profile.risky]
bucket = "acme-uploads"
signature = "v2"
fields.key = {{ any = true }}
fields.acl = {{ starts_with = "public-" }}
fields.success_action_redirect = "http://example.com/done"
fields.x-amz-meta-note = "{long_note}"
fields.Cache-Control = {{ any = true }}

[profile.risky-allowed]
extends = "risky"
allow = ["unbounded-size", "any-key", "public-acl", "signature-v2", "insecure-redirect",
         "form-size", "any-field"]
"#
    );
    let dir = policies_dir(&[("risky.toml", &risky)]);
    let policies = dir.path().to_str().unwrap();

    let risky = postpolicy_run(&["--policies", policies, "check", "risky", "--now", NOW]);
    let allowed = postpolicy_run(&[
        "--policies",
        policies,
        "check",
        "risky-allowed",
        "--now",
        NOW,
    ]);
    let codes: Vec<&str> = risky
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("warning["))
        .filter_map(|rest| rest.split(']').next())
        .collect();

    assert_eq!(
        codes,
        [
            "unbounded-size",
            "any-key",
            "public-acl",
            "signature-v2",
            "insecure-redirect",
            "any-field",
            "form-size"
        ]
    );
    assert_eq!(allowed.code, 0);
    assert!(!allowed.stderr.contains("warning"), "{}", allowed.stderr);
}
