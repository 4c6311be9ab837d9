//! The evaluator against the real server: for hundreds of generated uploads, `postpolicy
//! verify` must give the verdict radosgw gives.
//!
//! Each case starts from the upload an example bundle allows (both signature versions, and
//! bundles that have already expired) and applies up to three random changes: a key outside
//! the prefix, another Content-Type, a fill field left out, an extra or ignored field, a
//! changed exact value, a file size at or around the bounds of the range, a field name in
//! other letters, a tampered policy or signature, a signature left out. The generator is
//! seeded, so every run tries the same cases.
//!
//! radosgw differs from S3 in two ways the generator therefore never exercises: it does not
//! check the region of a SigV4 credential scope, and it does not read a `starts-with`
//! Content-Type as a comma-separated list. No case changes the region or sends a comma in a
//! Content-Type.

use std::process::Command;

use base64::Engine as _;
use postpolicy::time::Timestamp;

use crate::bundles::{Bundle, Bundles};
use crate::form::Upload;
use crate::s3;
use crate::support::{self, Server, Signature};

/// How many uploads are generated.
const CASES: usize = 240;

/// Sizes above this are not generated around a range's maximum, to keep the run short.
const LARGEST_GENERATED_FILE: u64 = 16 << 20;

#[test]
fn verify_agrees_with_the_server_on_generated_uploads() {
    let Some(suite) = support::suite() else {
        return;
    };
    let now = Timestamp::now();
    let expired = Bundles::compile(
        &suite.server.url,
        &suite.server.credentials,
        Timestamp::from_unix(now.unix() - 2 * 60 * 60),
    );
    let examples = &suite.bundles.examples;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let scratch = tempfile::tempdir().expect("a temporary directory");

    let mut disagreements = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..CASES {
        let example = &examples[rng.below(examples.len())];
        let signature = Signature::BOTH[rng.below(2)];
        let use_expired = rng.below(10) == 0;
        let bundle = if use_expired {
            expired.local(example, signature)
        } else {
            suite.bundle(example, signature)
        };

        let mut upload = Upload::allowed(bundle, &format!("differential-{case}"));
        let mut changes = Vec::new();
        if use_expired {
            changes.push("signed two hours ago".to_owned());
        }
        for _ in 0..rng.below(4) {
            changes.push(change(&mut upload, bundle, &mut rng));
        }

        let expected = verify(
            suite.server,
            &upload,
            &scratch.path().join(format!("{case}.json")),
        );
        let stored = server_accepts(suite.server, &upload);
        if stored {
            accepted += 1;
        } else {
            refused += 1;
        }
        if expected != stored {
            disagreements.push(format!(
                "case {case} ({}): verify says {}, the server {}\n{}",
                changes.join(", "),
                verdict(expected),
                verdict(stored),
                upload.describe()
            ));
        }
    }

    assert!(
        disagreements.is_empty(),
        "{} of {CASES} verdicts differ:\n\n{}",
        disagreements.len(),
        disagreements.join("\n\n")
    );
    assert!(
        accepted >= CASES / 5 && refused >= CASES / 5,
        "the cases should mix accepted ({accepted}) and refused ({refused}) uploads"
    );
}

fn verdict(accepted: bool) -> &'static str {
    if accepted { "accept" } else { "refuse" }
}

/// Applies one random change to `upload`, returning what it did.
fn change(upload: &mut Upload, bundle: &Bundle, rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => {
            upload.set_field("key", "elsewhere/${filename}");
            "a key outside the prefix".to_owned()
        }
        1 => {
            let types = [
                "image/png",
                "image/jpeg",
                "video/mp4",
                "application/pdf",
                "IMAGE/PNG",
            ];
            let chosen = types[rng.below(types.len())];
            upload.set_field("Content-Type", chosen);
            format!("Content-Type {chosen}")
        }
        2 => match bundle.fill.0.get(rng.below(bundle.fill.0.len().max(1))) {
            Some((name, _)) => {
                upload.drop_field(name);
                format!("no {name}")
            }
            None => "nothing (no field to fill)".to_owned(),
        },
        3 => {
            upload.set_field("x-amz-meta-extra", "1");
            "an uncovered x-amz-meta-extra".to_owned()
        }
        4 => {
            upload.set_field("x-ignore-note", "sent by the uploader");
            "an x-ignore- field".to_owned()
        }
        5 => {
            let exact = [
                "success_action_status",
                "x-amz-meta-client",
                "x-amz-storage-class",
            ];
            match exact.iter().find(|name| upload.field(name).is_some()) {
                Some(name) => {
                    upload.set_field(name, "200");
                    format!("{name} changed")
                }
                None => "nothing (no exact field)".to_owned(),
            }
        }
        6 | 7 => {
            let size = boundary_size(bundle, rng);
            upload.set_file_size(size);
            format!("a file of {size} bytes")
        }
        8 => {
            let respelled = [
                ("key", "Key"),
                ("policy", "Policy"),
                ("x-amz-date", "X-Amz-Date"),
            ];
            let (name, spelling) = respelled[rng.below(respelled.len())];
            upload.respell_field(name, spelling);
            format!("`{name}` sent as `{spelling}`")
        }
        9 => {
            let field = bundle.signature_field();
            let signature = upload.field(field).unwrap_or_default().to_owned();
            upload.set_field(field, &tamper(&signature, rng));
            "a tampered signature".to_owned()
        }
        10 => {
            upload.set_field("policy", &widened_policy(bundle));
            "a policy changed after signing".to_owned()
        }
        _ => {
            let field = bundle.signature_field();
            upload.drop_field(field);
            format!("no {field}")
        }
    }
}

/// A size at or next to a bound of the bundle's range, or a small one without a range.
fn boundary_size(bundle: &Bundle, rng: &mut Rng) -> u64 {
    let Some((min, max)) = bundle.content_length_range else {
        return [0, 1, 4096][rng.below(3)];
    };
    let mut sizes = vec![min, min + 1, min.saturating_sub(1)];
    if max <= LARGEST_GENERATED_FILE {
        sizes.extend([max, max - 1, max + 1]);
    }
    sizes[rng.below(sizes.len())]
}

/// `signature` with one character replaced by another of the same alphabet.
fn tamper(signature: &str, rng: &mut Rng) -> String {
    let mut characters: Vec<char> = signature.chars().collect();
    if characters.is_empty() {
        return "0".to_owned();
    }
    let at = rng.below(characters.len().saturating_sub(1));
    characters[at] = if characters[at] == 'a' { 'b' } else { 'a' };
    characters.into_iter().collect()
}

/// The bundle's policy with every `starts-with` prefix emptied, which allows more than was
/// signed, re-encoded without a new signature.
fn widened_policy(bundle: &Bundle) -> String {
    let mut document = bundle.policy_document();
    if let Some(conditions) = document["conditions"].as_array_mut() {
        for condition in conditions {
            if condition[0] == "starts-with" {
                condition[2] = serde_json::Value::from("");
            }
        }
    }
    base64::engine::general_purpose::STANDARD.encode(document.to_string())
}

/// Whether `postpolicy verify` says S3 would accept `upload`, checking the signature with the
/// server's credentials.
fn verify(server: &Server, upload: &Upload, bundle_path: &std::path::Path) -> bool {
    let fields: serde_json::Map<String, serde_json::Value> = upload
        .fields()
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::from(value.as_str())))
        .collect();
    let bundle = serde_json::json!({ "fields": fields });
    std::fs::write(bundle_path, bundle.to_string()).expect("the bundle can be written");

    let output = Command::new(env!("CARGO_BIN_EXE_postpolicy"))
        .env("AWS_ACCESS_KEY_ID", &server.credentials.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &server.credentials.secret)
        .env_remove("AWS_SESSION_TOKEN")
        .env("NO_COLOR", "1")
        .arg("verify")
        .arg(bundle_path)
        .args([
            "--size",
            &upload.file_size().to_string(),
            "--filename",
            upload.filename(),
        ])
        .args(["--format", "json"])
        .output()
        .expect("the postpolicy binary runs");
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "verify printed no verdict: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });

    assert_eq!(
        answer["signature_checked"], true,
        "verify must check the signature"
    );
    assert_eq!(
        output.status.success(),
        answer["accepted"] == true,
        "exit code and verdict agree"
    );
    answer["accepted"] == true
}

/// Whether the server accepts `upload`: a 2xx answer, and the object stored.
fn server_accepts(server: &Server, upload: &Upload) -> bool {
    let response = upload.post();
    let stored = upload
        .field("key")
        .is_some_and(|_| s3::object_exists(server, upload.bucket(), &upload.object_key()));

    let accepted = (200..300).contains(&response.status);
    assert_eq!(
        accepted,
        stored,
        "the server answered {} but the object {} stored:\n{}",
        response.status,
        if stored { "was" } else { "was not" },
        upload.describe()
    );
    accepted
}

/// A small xorshift generator, so that every run tries the same cases.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound.max(1) as u64) as usize
    }
}
