//! Compiling the example profiles with the real binary, aimed at the test server.
//!
//! The examples in `policies/` post to AWS or to made-up hosts. For each example `NAME` the
//! suite adds `NAME-local`, which `extends` it and changes only where the form goes (the test
//! server, path style) and signs with Signature Version 4, and `NAME-local-v2`, the same with
//! Version 2. The signature is spelled out on both so that an example that signs with V2 is
//! also tried with V4. Their conditions, and so the policies under test, are the examples' own.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use postpolicy::time::Timestamp;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::support::{Credentials, Signature};

/// A credentials bundle as `postpolicy compile` prints it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Bundle {
    pub(crate) profile: String,
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) expires_at: String,
    /// Every field to send as it is, in sending order.
    pub(crate) fields: Ordered<String>,
    /// The fields the uploader fills, in order, with the prefix each value must start with.
    pub(crate) fill: Ordered<FillRule>,
    pub(crate) content_length_range: Option<(u64, u64)>,
}

/// How the uploader must fill a field.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FillRule {
    pub(crate) starts_with: String,
}

impl Bundle {
    /// The value the bundle gives form field `name`.
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The bucket of a path-style upload URL, `http://HOST/BUCKET/`.
    pub(crate) fn bucket(&self) -> &str {
        let after_scheme = self.url.split_once("://").map_or("", |(_, rest)| rest);
        let path = after_scheme.split_once('/').map_or("", |(_, path)| path);
        let bucket = path.trim_end_matches('/');

        assert!(
            !bucket.is_empty() && !bucket.contains('/'),
            "{}: `{}` is not a path-style bucket URL",
            self.profile,
            self.url
        );
        bucket
    }

    /// The field that carries the signature: `x-amz-signature` (V4) or `signature` (V2).
    pub(crate) fn signature_field(&self) -> &'static str {
        if self.field("x-amz-signature").is_some() {
            "x-amz-signature"
        } else {
            "signature"
        }
    }

    /// The policy document, decoded from the `policy` field.
    pub(crate) fn policy_document(&self) -> serde_json::Value {
        let policy = self.field("policy").expect("every bundle has a policy");
        let json = base64::engine::general_purpose::STANDARD
            .decode(policy)
            .expect("the policy is base64");

        serde_json::from_slice(&json).expect("the policy is JSON")
    }
}

/// A JSON object read as a list of entries in document order.
#[derive(Clone, Debug)]
pub(crate) struct Ordered<V>(pub(crate) Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesInOrder<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesInOrder<V> {
            type Value = Ordered<V>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }

        deserializer.deserialize_map(EntriesInOrder(PhantomData))
    }
}

/// The compiled bundles of the example profiles and their local variants, by profile name.
#[derive(Debug)]
pub(crate) struct Bundles {
    /// The example profiles' names, as `policies/*.toml` define them.
    pub(crate) examples: Vec<String>,
    by_name: BTreeMap<String, Bundle>,
}

impl Bundles {
    /// Compiles every profile (examples and local variants) signed at `now`.
    ///
    /// # Panics
    ///
    /// When the binary fails or prints something other than bundles.
    pub(crate) fn compile(endpoint_url: &str, credentials: &Credentials, now: Timestamp) -> Self {
        let examples = example_profile_names();
        let policies = write_policies_dir(&examples, endpoint_url);

        let by_name = compile_all(policies.path(), credentials, now);

        Bundles { examples, by_name }
    }

    /// The bundle of the local variant of `example` signed with `signature`.
    pub(crate) fn local(&self, example: &str, signature: Signature) -> &Bundle {
        let name = signature.local_profile(example);
        self.by_name
            .get(&name)
            .unwrap_or_else(|| panic!("no bundle for profile {name}"))
    }

    /// Every bucket the local bundles post to.
    pub(crate) fn buckets(&self) -> Vec<String> {
        let mut buckets: Vec<String> = self
            .examples
            .iter()
            .flat_map(|example| Signature::BOTH.map(|signature| self.local(example, signature)))
            .map(|bundle| bundle.bucket().to_owned())
            .collect();
        buckets.sort();
        buckets.dedup();
        buckets
    }
}

/// The crate's example profiles directory.
fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("policies/ is readable")
        .map(|entry| entry.expect("policies/ is readable").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .collect();
    files.sort();
    files
}

/// The names of the `[profile.NAME]` tables of `policies/*.toml`.
fn example_profile_names() -> Vec<String> {
    let mut names = Vec::new();
    for file in example_files() {
        let text = std::fs::read_to_string(&file).expect("example profiles are readable");
        let document: toml::Table = toml::from_str(&text)
            .unwrap_or_else(|error| panic!("{} is not TOML: {error}", file.display()));

        if let Some(toml::Value::Table(profiles)) = document.get("profile") {
            names.extend(profiles.keys().cloned());
        }
    }

    assert!(!names.is_empty(), "policies/ defines no profiles");
    names
}

/// A scratch policies directory: copies of the examples plus their local variants.
fn write_policies_dir(examples: &[String], endpoint_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for file in example_files() {
        let name = file.file_name().expect("a file name");
        std::fs::copy(&file, dir.path().join(name)).expect("the examples can be copied");
    }

    let endpoint = toml::Value::String(endpoint_url.to_owned());
    let mut local_profiles = String::new();
    for example in examples {
        for signature in Signature::BOTH {
            local_profiles.push_str(&format!(
                "[profile.{}]\nextends = \"{example}\"\nendpoint = {endpoint}\n\
                 path_style = true\nsignature = \"{}\"\n\n",
                signature.local_profile(example),
                signature.setting(),
            ));
        }
    }
    std::fs::write(dir.path().join("e2e-local.toml"), local_profiles)
        .expect("the scratch directory is writable");

    dir
}

/// Compiles the local variant of `example` signed with `signature` as an HTML upload page.
pub(crate) fn compile_html_page(
    endpoint_url: &str,
    credentials: &Credentials,
    now: Timestamp,
    example: &str,
    signature: Signature,
) -> String {
    let policies = write_policies_dir(&example_profile_names(), endpoint_url);
    let profile = signature.local_profile(example);
    let mut command = postpolicy(policies.path(), credentials);
    command.args([
        "compile",
        &profile,
        "--format",
        "html",
        "--now",
        &now.rfc3339(),
    ]);

    run(&mut command, credentials)
}

/// The binary, reading `policies`, with `credentials` and nothing else of the environment's
/// AWS settings.
fn postpolicy(policies: &Path, credentials: &Credentials) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_postpolicy"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("AWS_") || name == "POSTPOLICY_DIR" || name == "SOURCE_DATE_EPOCH" {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", "/nonexistent-home")
        .env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &credentials.secret);
    if let Some(token) = &credentials.session_token {
        command.env("AWS_SESSION_TOKEN", token);
    }
    command.arg("--policies").arg(policies);
    command
}

/// Runs `command` and returns its standard output.
///
/// # Panics
///
/// When it fails, or prints the secret.
fn run(command: &mut Command, credentials: &Credentials) -> String {
    let output = command.output().expect("the postpolicy binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(
        !stdout.contains(&credentials.secret) && !stderr.contains(&credentials.secret),
        "postpolicy printed the secret access key"
    );
    assert!(
        output.status.success(),
        "postpolicy failed ({}):\n{stderr}",
        output.status
    );
    stdout
}

/// Runs `postpolicy compile --all` on `policies` with `credentials` and the clock at `now`.
fn compile_all(
    policies: &Path,
    credentials: &Credentials,
    now: Timestamp,
) -> BTreeMap<String, Bundle> {
    let mut command = postpolicy(policies, credentials);
    command.args(["compile", "--all", "--now", &now.rfc3339()]);
    let stdout = run(&mut command, credentials);

    let bundles: BTreeMap<String, Bundle> = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("compile --all printed no bundles ({error}):\n{stdout}"));
    for (name, bundle) in &bundles {
        assert_eq!(
            &bundle.profile, name,
            "a bundle is filed under another profile"
        );
        assert_eq!(bundle.method, "POST", "{name}: a browser form is a POST");
    }
    bundles
}
