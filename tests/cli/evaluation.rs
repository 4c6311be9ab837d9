//! `verify` and `test`: the evaluator at work from the command line.

use crate::support::{NOW, policies_dir, postpolicy, postpolicy_run, run};

/// Compiles `profile` of the examples into a bundle file in `dir`.
fn bundle_file(dir: &tempfile::TempDir, profile: &str) -> String {
    let path = dir.path().join(format!("{profile}.json"));
    let compiled = postpolicy_run(&[
        "compile",
        profile,
        "--now",
        NOW,
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_eq!(compiled.code, 0, "{}", compiled.stderr);
    path.to_str().unwrap().to_owned()
}

/// Runs `verify` on `bundle` with `arguments`, at the fixed clock.
fn verify(bundle: &str, arguments: &[&str]) -> crate::support::Run {
    let mut all = vec!["verify", bundle];
    all.extend_from_slice(arguments);
    all.extend_from_slice(&["--now", NOW]);
    postpolicy_run(&all)
}

#[test]
fn verify_accepts_what_the_profile_allows() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(&dir, "images-only");
    let verified = verify(
        &bundle,
        &[
            "--field",
            "Content-Type=image/png",
            "--size",
            "2 MiB",
            "--filename",
            "cat.png",
        ],
    );

    assert_eq!(verified.code, 0, "{}", verified.stdout);
    assert_eq!(
        verified.stdout,
        "accepted: S3 would store the upload as `uploads/images/cat.png`\n"
    );
}

#[test]
fn verify_lists_every_violation() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(&dir, "images-only");
    let verified = verify(
        &bundle,
        &[
            "--field",
            "Content-Type=image/png,text/html",
            "--field",
            "key=elsewhere/${filename}",
            "--field",
            "x-amz-meta-extra=1",
            "--size",
            "0",
            "--filename",
            "cat.png",
        ],
    );

    assert_eq!(verified.code, 1);
    insta::assert_snapshot!(verified.stdout);
}

#[test]
fn verify_checks_expiry_and_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(&dir, "avatars");
    let late = postpolicy_run(&[
        "verify",
        &bundle,
        "--field",
        "Content-Type=image/png",
        "--size",
        "10",
        "--now",
        "2026-12-03T19:00:00Z",
    ]);
    let other_secret = run(postpolicy()
        .env("AWS_SECRET_ACCESS_KEY", "not-the-signing-secret")
        .args([
            "verify",
            &bundle,
            "--field",
            "Content-Type=image/png",
            "--size",
            "10",
            "--now",
            NOW,
            "--format",
            "json",
        ]));
    let verdict: serde_json::Value = serde_json::from_str(&other_secret.stdout).unwrap();

    assert_eq!(late.code, 1);
    assert!(late.stdout.contains("- policy-expired:"), "{}", late.stdout);
    assert_eq!(other_secret.code, 1);
    assert_eq!(verdict["signature_checked"], true);
    assert_eq!(verdict["violations"][0]["code"], "signature-mismatch");
    assert_eq!(verdict["violations"][0]["s3_code"], "SignatureDoesNotMatch");
}

#[test]
fn verify_takes_a_real_file_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(&dir, "images-only");
    let file = dir.path().join("photo.jpg");
    std::fs::write(&file, vec![0u8; 2048]).unwrap();

    let mut command = postpolicy();
    command.args([
        "verify",
        "-",
        "--field",
        "Content-Type=image/jpeg",
        "--file",
        file.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    command.stdin(std::fs::File::open(&bundle).unwrap());
    let verified = run(&mut command);

    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert!(verified.stdout.contains("`uploads/images/photo.jpg`"));
}

#[test]
fn verify_refuses_what_is_not_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\n  \"fields\": [1,\n").unwrap();
    let verified = postpolicy_run(&["verify", path.to_str().unwrap(), "--size", "1"]);

    assert_eq!(verified.code, 2);
    assert!(
        verified.stderr.contains("broken.json:3:"),
        "{}",
        verified.stderr
    );
}

#[test]
fn example_profile_tests_pass() {
    let tested = postpolicy_run(&["test", "--now", NOW]);

    assert_eq!(tested.code, 0, "{}", tested.stdout);
    insta::assert_snapshot!(tested.stdout);
}

#[test]
fn a_wrong_expectation_fails_naming_the_case() {
    let wrong = r#"
[profile.pngs]
bucket = "acme-uploads"
content_length = { max = "1 MiB" }
fields.key = "pngs/${filename}"
fields.Content-Type = "image/png"

[[profile.pngs.tests]]
name = "a png is accepted"
fields = { Content-Type = "image/png" }
size = 100
expect = "accept"

[[profile.pngs.tests]]
name = "a gif is accepted, wrongly expected"
fields = { Content-Type = "image/gif" }
size = 100
expect = "accept"

[[profile.pngs.tests]]
name = "too big, but blamed on the type"
fields = { Content-Type = "image/png" }
size = "2 MiB"
expect = "reject"
reason = "Content-Type"
"#;
    let dir = policies_dir(&[("pngs.toml", wrong)]);
    let tested = postpolicy_run(&[
        "--policies",
        dir.path().to_str().unwrap(),
        "test",
        "--now",
        NOW,
    ]);
    let report = tested.stdout.replace(dir.path().to_str().unwrap(), "[dir]");

    assert_eq!(tested.code, 1);
    assert!(
        report.contains("FAIL  pngs :: a gif is accepted, wrongly expected"),
        "{report}"
    );
    assert!(report.ends_with("1 passed, 2 failed\n"), "{report}");
    insta::assert_snapshot!(report);
}

#[test]
fn verify_reads_hand_written_policies_with_s3s_errors() {
    let expiration = r#""expiration": "2030-01-01T00:00:00Z""#;
    let documents = [
        (
            "two-properties.json",
            format!(r#"{{{expiration}, "conditions": [{{"acl": "private", "key": "a"}}]}}"#),
        ),
        (
            "escaped-dollar.json",
            format!(r#"{{{expiration}, "conditions": [["eq", "$key", "a\$b"]]}}"#),
        ),
        (
            "not-a-string.json",
            format!(r#"{{{expiration}, "conditions": [{{"Content-Length": 6199034}}]}}"#),
        ),
        (
            "offset-expiration.json",
            r#"{"expiration": "2030-01-01T00:00:00+02:00", "conditions": []}"#.to_owned(),
        ),
        ("no-conditions.json", format!("{{{expiration}}}")),
        (
            "float-range.json",
            format!(r#"{{{expiration}, "conditions": [["content-length-range", 0, 512.0]]}}"#),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();

    let mut report = String::new();
    for (name, document) in documents {
        let path = dir.path().join(name);
        std::fs::write(&path, document).unwrap();
        let verified = verify(path.to_str().unwrap(), &["--field", "key=a", "--size", "1"]);

        assert_eq!(verified.code, 1, "{name}: {}", verified.stdout);
        report.push_str(&format!("== {name}\n{}\n", verified.stdout));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn verify_accepts_a_sound_hand_written_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    let document = r#"{"expiration": "2030-01-01T00:00:00.000Z", "conditions": [
        ["starts-with", "$key", "user/"],
        {"Content-Type": "text/plain"},
        ["content-length-range", 1, 10]
    ]}"#;
    std::fs::write(&path, document).unwrap();

    let verified = verify(
        path.to_str().unwrap(),
        &[
            "--field",
            "key=user/${filename}",
            "--field",
            "Content-Type=text/plain",
            "--size",
            "10",
            "--filename",
            "C:\\docs\\notes.txt",
        ],
    );

    assert_eq!(verified.code, 0, "{}", verified.stdout);
    assert!(
        verified
            .stdout
            .starts_with("accepted: S3 would store the upload as `user/notes.txt`")
    );
    assert!(
        verified
            .stdout
            .contains("a hand-written policy document carries none")
    );
}

#[test]
fn the_readme_shows_what_verify_prints() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = bundle_file(&dir, "images-only");
    let verified = verify(
        &bundle,
        &[
            "--field",
            "Content-Type=text/html",
            "--size",
            "12 MiB",
            "--filename",
            "page.html",
        ],
    );
    let readme = std::fs::read_to_string(crate::support::root().join("README.md")).unwrap();

    assert_eq!(verified.code, 1);
    assert!(
        readme.contains(&verified.stdout),
        "README.md shows another verdict than:\n{}",
        verified.stdout
    );
}
