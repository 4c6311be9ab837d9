//! No input makes the pipeline panic: thousands of deterministic mutations of the example
//! profiles go through loading, validation, compiling, signing and rendering.

use postpolicy::bundle::Bundle;
use postpolicy::compile::compile;
use postpolicy::credentials::{AccessKey, Credentials, Secret};
use postpolicy::diag::{Color, Diagnostics, render_all};
use postpolicy::load::Catalog;
use postpolicy::sign::Signer;
use postpolicy::source::Sources;
use postpolicy::time::Timestamp;
use postpolicy::validate::{ValidationContext, validate};

/// A small xorshift generator, so every run tries the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// Fragments that tend to reach interesting corners of the schema.
const FRAGMENTS: &[&str] = &[
    "\"",
    "'",
    "=",
    "[",
    "]",
    "{",
    "}",
    "\n",
    ".",
    ",",
    "${filename}",
    "${",
    "$",
    "\\",
    "-",
    "0",
    "-1",
    "99999999999999999999",
    "1e3",
    "true",
    "\u{e9}",
    "\u{1F600}",
    "\t",
    "\r\n",
    "#",
    "[profile.x]",
    "extends = \"images-only\"",
    "[[profile.images-only.tests]]",
    "key",
    "starts_with",
    "any = true",
    "eq",
    "value",
    "\"10 MiB\"",
    "\"1.5 KiB\"",
    "expires_at",
    "\"2001-01-01T00:00:00Z\"",
    "fields.",
    "x-amz-meta-",
    "content_length",
    "min",
    "max",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(3) {
            0 => {
                let end = (at + rng.below(12)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes();
                bytes.splice(at..at, fragment.iter().copied());
            }
            _ => {
                let from = rng.below(bytes.len() + 1);
                let end = (from + rng.below(40)).min(bytes.len());
                let copied: Vec<u8> = bytes[from..end].to_vec();
                bytes.splice(at..at, copied);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn run_pipeline(text: String) {
    let now = Timestamp::from_unix(1_796_320_800);
    let mut sources = Sources::new();
    let file = sources.add("mutated.toml", text);
    let mut diagnostics = Diagnostics::new();
    let mut catalog = Catalog::default();
    catalog.add_file(file, &sources, &mut diagnostics);

    let context = ValidationContext {
        sources: &sources,
        now,
    };
    let mut signer = Signer::new(Credentials {
        access_key: AccessKey {
            id: "AKIAIOSFODNN7EXAMPLE".into(),
            session_token: Some("t".into()),
        },
        secret: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
    });
    let names: Vec<String> = catalog
        .profiles()
        .iter()
        .map(|p| p.name.value.clone())
        .collect();
    for name in names {
        let Some(raw) = catalog.resolve(&name, &mut diagnostics) else {
            continue;
        };
        let Some(profile) = validate(&raw, &context, &mut diagnostics) else {
            continue;
        };
        if let Ok(unsigned) = compile(&profile, signer.access_key(), now) {
            let bundle = Bundle::new(signer.sign(unsigned));
            serde_json::from_str::<serde_json::Value>(&bundle.to_json()).expect("bundles are JSON");
        }
    }

    render_all(&diagnostics, &sources, Color::Always);
}

#[test]
fn mutated_example_profiles_never_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut files: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);

    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for _ in 0..1500 {
            run_pipeline(mutate(&text, &mut rng));
        }
    }
}

#[test]
fn hostile_documents_never_panic() {
    let documents = [
        String::new(),
        "\u{feff}".into(),
        "profile = 1".into(),
        "[profile]".into(),
        "[profile.a]\n".into(),
        "[profile.a]\nfields = []".into(),
        "[profile.a]\nfields.key = {}".into(),
        "[profile.a]\ntests = [1, \"x\", {}]".into(),
        "[profile.a]\ncontent_length = { min = 0x7fffffffffffffff, max = -0 }".into(),
        "[profile.a]\nexpires_in = \"584942417355years\"\nbucket = \"abc\"\nfields.key = \"k\""
            .into(),
        "[profile.a]\nexpires_at = \"9999-12-31T23:59:59Z\"\nbucket = \"abc\"\nfields.key = \"k\""
            .into(),
        format!("[profile.a]\nbucket = \"{}\"", "a".repeat(100_000)),
        format!(
            "[profile.a]\n{}",
            "fields.x-amz-meta-a = \"b\"\n".repeat(2_000)
        ),
        "[profile.a]\nextends = \"a\"".into(),
        "\t[profile.\u{e9}]\n\tbucket\t=\t1".into(),
    ];

    for document in documents {
        run_pipeline(document);
    }
}
