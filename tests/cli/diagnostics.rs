//! The rendered diagnostics of a corpus of broken profiles, one mistake a file.

use crate::support::{NOW, postpolicy_run, relative};

#[test]
fn broken_profiles() {
    insta::glob!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/broken"),
        "*.toml",
        |path| {
            let path = relative(path);
            let checked = postpolicy_run(&["--policies", &path, "check", "--now", NOW]);

            assert_ne!(checked.code, 0, "{path} was accepted");
            assert!(
                checked.stderr.contains("error"),
                "{path}: {}",
                checked.stderr
            );
            insta::assert_snapshot!(checked.report());
        }
    );
}

#[test]
fn broken_profiles_never_yield_an_output_file() {
    insta::glob!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/broken"),
        "*.toml",
        |path| {
            let path = relative(path);
            let dir = tempfile::tempdir().unwrap();
            let output = dir.path().join("bundle.json");
            let compiled = postpolicy_run(&[
                "--policies",
                &path,
                "compile",
                "--all",
                "--now",
                NOW,
                "--output",
                output.to_str().unwrap(),
            ]);

            assert_ne!(compiled.code, 0, "{path}");
            assert!(compiled.stdout.is_empty(), "{path}");
            assert_eq!(
                std::fs::read_dir(dir.path()).unwrap().count(),
                0,
                "{path} left a file"
            );
        }
    );
}

#[test]
fn profile_names_clash_across_files() {
    let checked = postpolicy_run(&[
        "--policies",
        "tests/broken/duplicate-profile-across-files",
        "check",
        "--now",
        NOW,
    ]);

    assert_eq!(checked.code, 1);
    insta::assert_snapshot!(checked.report());
}
