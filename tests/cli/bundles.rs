//! Snapshots of the bundle of every example profile, and what makes a bundle right.

use base64::Engine as _;

use crate::support::{NOW, postpolicy, postpolicy_run, run};

const EXAMPLE_PROFILES: &[&str] = &[
    "images-only",
    "avatars",
    "streaming-with-meta-header",
    "classic-public-upload",
    "legacy-store-v2",
    "images-local",
];

#[test]
fn every_example_profile_is_listed_here() {
    let listed = postpolicy_run(&["list"]);
    let names: Vec<&str> = listed
        .stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();

    let mut expected = EXAMPLE_PROFILES.to_vec();
    expected.sort_unstable();
    let mut names = names;
    names.sort_unstable();
    assert_eq!(names, expected);
}

#[test]
fn example_profile_bundles() {
    for profile in EXAMPLE_PROFILES {
        let compiled = postpolicy_run(&["compile", profile, "--now", NOW]);

        assert_eq!(compiled.code, 0, "{}", compiled.stderr);
        insta::assert_snapshot!(format!("bundle_{profile}"), compiled.stdout);
    }
}

#[test]
fn example_profile_policies() {
    for profile in EXAMPLE_PROFILES {
        let compiled = postpolicy_run(&["compile", profile, "--now", NOW]);
        let bundle: serde_json::Value = serde_json::from_str(&compiled.stdout).unwrap();
        let policy = base64::engine::general_purpose::STANDARD
            .decode(bundle["fields"]["policy"].as_str().unwrap())
            .unwrap();

        insta::assert_snapshot!(
            format!("policy_{profile}"),
            String::from_utf8(policy).unwrap()
        );
    }
}

#[test]
fn session_token_is_a_field_and_a_condition() {
    let compiled = run(postpolicy()
        .env("AWS_SESSION_TOKEN", "FQoGZXIvYXdzEXAMPLETOKEN")
        .args(["compile", "images-only", "--now", NOW]));
    let bundle: serde_json::Value = serde_json::from_str(&compiled.stdout).unwrap();
    let policy = base64::engine::general_purpose::STANDARD
        .decode(bundle["fields"]["policy"].as_str().unwrap())
        .unwrap();

    assert_eq!(
        bundle["fields"]["x-amz-security-token"],
        "FQoGZXIvYXdzEXAMPLETOKEN"
    );
    assert!(
        String::from_utf8(policy)
            .unwrap()
            .contains(r#"{"x-amz-security-token":"FQoGZXIvYXdzEXAMPLETOKEN"}"#)
    );
    insta::assert_snapshot!("bundle_images-only_with_session_token", compiled.stdout);
}

#[test]
fn compile_all_is_one_object_keyed_by_profile() {
    let compiled = postpolicy_run(&["compile", "--all", "--now", NOW]);
    let bundles: serde_json::Value = serde_json::from_str(&compiled.stdout).unwrap();
    let single = postpolicy_run(&["compile", "avatars", "--now", NOW]);
    let avatars: serde_json::Value = serde_json::from_str(&single.stdout).unwrap();

    assert_eq!(compiled.code, 0);
    assert_eq!(bundles.as_object().unwrap().len(), EXAMPLE_PROFILES.len());
    assert_eq!(bundles["avatars"], avatars);
}

#[test]
fn same_clock_same_bytes_and_source_date_epoch_fixes_the_clock() {
    let first = postpolicy_run(&["compile", "images-only", "--now", NOW]);
    let second = postpolicy_run(&["compile", "images-only", "--now", NOW]);
    let epoch = run(postpolicy()
        .env("SOURCE_DATE_EPOCH", "1796320800")
        .args(["compile", "images-only"]));

    assert_eq!(first.stdout, second.stdout);
    assert_eq!(epoch.stdout, first.stdout);
}

#[test]
fn fields_are_in_sending_order_with_the_signature_last() {
    for profile in EXAMPLE_PROFILES {
        let compiled = postpolicy_run(&["compile", profile, "--now", NOW]);
        let fields: Vec<String> = compiled
            .stdout
            .lines()
            .skip_while(|line| !line.contains("\"fields\""))
            .skip(1)
            .take_while(|line| !line.trim_start().starts_with('}'))
            .map(|line| line.trim().split('"').nth(1).unwrap().to_owned())
            .collect();

        assert_eq!(fields[0], "key", "{profile}");
        let last_two = &fields[fields.len() - 2..];
        assert!(
            last_two == ["policy", "x-amz-signature"] || last_two == ["policy", "signature"],
            "{profile}: {fields:?}"
        );
    }
}

#[test]
fn compile_all_of_many_profiles_keeps_their_order_and_matches_single_compiles() {
    let mut text = String::new();
    // More than two batches of the parallel layout, with runs of profiles ending mid-batch.
    for index in 0..2_100 {
        text.push_str(&format!(
            "[profile.app-{index:04}]\nbucket = \"acme-uploads\"\nregion = \"{}\"\n\
             content_length = {{ max = \"1 MiB\" }}\n\
             fields.key = \"app-{index}/${{filename}}\"\n\n",
            ["eu-west-1", "us-east-1", "ap-south-1"][index % 3]
        ));
    }
    let dir = crate::support::policies_dir(&[("many.toml", &text)]);
    let policies = dir.path().to_str().unwrap();

    let all = postpolicy_run(&["--policies", policies, "compile", "--all", "--now", NOW]);
    let bundles: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&all.stdout).unwrap();

    let names: Vec<&String> = bundles.keys().collect();
    let expected: Vec<String> = (0..2_100).map(|index| format!("app-{index:04}")).collect();
    assert_eq!(names, expected.iter().collect::<Vec<_>>());
    for name in [
        "app-0000", "app-0511", "app-0512", "app-1023", "app-1024", "app-2099",
    ] {
        let single = postpolicy_run(&["--policies", policies, "compile", name, "--now", NOW]);
        let single: serde_json::Value = serde_json::from_str(&single.stdout).unwrap();
        assert_eq!(bundles[name], single, "{name}");
    }
}
