//! How long the in-process pipeline takes to turn one profile into a signed bundle, measured
//! beside the floor it cannot go below: the signature and the encoding of the same document.
//!
//! Every group works on one representative profile, shaped like `images-only` in
//! `policies/images.toml`: a key with `starts_with` and a value, a `Content-Type` the uploader
//! fills, a fixed `success_action_status` and a `content_length` range. The SigV2 variant is
//! the same profile with `signature = "v2"`. The clock and the AWS documentation's example key
//! are fixed, so every iteration signs the same bytes.
//!
//! - `bundle/{sigv4,sigv2}/from-profile`: a validated [`Profile`] to the bundle's JSON text:
//!   compile, encode, sign, lay out the bundle, print it. The signer is new in every
//!   iteration (made outside the timing), so SigV4 pays for the key derivation, as the floor
//!   does.
//! - `bundle/sigv4/from-profile-cached-key`: the same with one signer kept across iterations,
//!   as `compile --all` keeps it: the SigV4 key is derived once per day and region.
//! - `bundle/{sigv4,sigv2}/from-toml`: the same, starting from the TOML text: parse, resolve,
//!   validate (with its lints), then compile, sign and print.
//! - `floor/sigv4-sign`: [`SigningKey::derive`] then the HMAC-SHA256 over the base64 policy.
//! - `floor/sigv2-sign`: [`sign_v2`], the HMAC-SHA1 over the base64 policy.
//! - `floor/{sigv4,sigv2}-encode`: [`PolicyDocument::to_base64`], the policy's JSON and base64.
//! - `floor/{sigv4,sigv2}`: encode then sign, one after the other: the whole floor in one
//!   figure.
//! - `parts/sigv4-*`: the steps of `bundle/sigv4/from-profile` one by one, to see which one
//!   makes the distance to the floor: `compile`, `Signer::sign` (encoding, key derivation and
//!   HMAC, with a new signer), `Bundle::new` and `Bundle::to_json`.
//!
//! Every benchmark frees what it makes inside the timing, so allocation costs the same on both
//! sides of the ratio.
//!
//! Reading the ratio: divide `bundle/sigv4/from-profile` by `floor/sigv4` from the same run.
//! Everything above 1 is what the pipeline adds to the work no implementation can skip:
//! building the conditions and the form plan, the allocations, the bundle's JSON. The same
//! holds for SigV2. `from-toml` minus `from-profile` is the price of reading and validating
//! the profile text, which `compile` pays once per profile and process.
//!
//! `cargo bench --bench compile` runs them; `bench/compare.sh` runs them too and prints the
//! ratios beside the times of other tools making the same bundles.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use postpolicy::bundle::Bundle;
use postpolicy::compile::compile;
use postpolicy::credentials::{AccessKey, Credentials, Secret};
use postpolicy::diag::Diagnostics;
use postpolicy::load::Catalog;
use postpolicy::policy::PolicyDocument;
use postpolicy::sign::{Signer, SigningKey, sign_v2};
use postpolicy::source::Sources;
use postpolicy::time::Timestamp;
use postpolicy::validate::{Profile, ValidationContext, validate};

/// 2026-12-03T18:00:00Z, the clock of every signature.
const NOW: u64 = 1_796_320_800;

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const SIGV4_PROFILE: &str = r#"
[profile.images-only]
description = "Images up to 10 MiB into uploads/images/, answered with 201 and an XML receipt"
bucket = "acme-uploads"
region = "eu-west-1"
expires_in = "15m"
content_length = { min = 1, max = "10 MiB" }
fields.key = { starts_with = "uploads/images/", value = "uploads/images/${filename}" }
fields.Content-Type = { starts_with = "image/" }
fields.success_action_status = "201"
"#;

const SIGV2_PROFILE: &str = r#"
[profile.images-only]
description = "Images up to 10 MiB into uploads/images/, answered with 201 and an XML receipt"
bucket = "acme-uploads"
region = "eu-west-1"
signature = "v2"
allow = ["signature-v2"]
expires_in = "15m"
content_length = { min = 1, max = "10 MiB" }
fields.key = { starts_with = "uploads/images/", value = "uploads/images/${filename}" }
fields.Content-Type = { starts_with = "image/" }
fields.success_action_status = "201"
"#;

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn credentials() -> Credentials {
    Credentials {
        access_key: AccessKey {
            id: ACCESS_KEY_ID.to_owned(),
            session_token: None,
        },
        secret: Secret::new(SECRET_ACCESS_KEY.to_owned()),
    }
}

/// Parses, resolves and validates the single profile of `text`; `None` if it has errors.
fn load_profile(text: &str) -> Option<Profile> {
    let mut sources = Sources::new();
    let file = sources.add("bench.toml", text.to_owned());
    let mut diagnostics = Diagnostics::new();
    let mut catalog = Catalog::default();
    catalog.add_file(file, &sources, &mut diagnostics);

    let context = ValidationContext {
        sources: &sources,
        now: now(),
    };
    let raw = catalog.resolve("images-only", &mut diagnostics)?;
    let profile = validate(&raw, &context, &mut diagnostics)?;

    (!diagnostics.has_errors()).then_some(profile)
}

/// The validated profile of `text`; the benchmark stops here if its own profile is invalid.
fn expect_profile(text: &str) -> Profile {
    load_profile(text).expect("the benchmark profile is valid")
}

/// Makes the bundle JSON of `profile` signed by `signer` and returns its length, so the text
/// is freed inside the timing, as the floor's strings are.
fn bundle_json_len(profile: &Profile, signer: &mut Signer) -> usize {
    let unsigned =
        compile(profile, signer.access_key(), now()).expect("the benchmark profile compiles");
    black_box(Bundle::new(signer.sign(unsigned)).to_json()).len()
}

/// The policy document of `profile`, compiled with the benchmark's key and clock.
fn document(profile: &Profile) -> PolicyDocument {
    compile(profile, &credentials().access_key, now())
        .expect("the benchmark profile compiles")
        .document
}

fn bundle(c: &mut Criterion) {
    let mut group = c.benchmark_group("bundle");

    for (name, text) in [("sigv4", SIGV4_PROFILE), ("sigv2", SIGV2_PROFILE)] {
        let profile = expect_profile(text);

        group.bench_function(format!("{name}/from-profile"), |b| {
            b.iter_batched_ref(
                || Signer::new(credentials()),
                |signer| bundle_json_len(black_box(&profile), signer),
                BatchSize::SmallInput,
            )
        });

        group.bench_function(format!("{name}/from-toml"), |b| {
            b.iter_batched_ref(
                || Signer::new(credentials()),
                |signer| {
                    let profile = expect_profile(black_box(text));
                    bundle_json_len(&profile, signer)
                },
                BatchSize::SmallInput,
            )
        });
    }

    let profile = expect_profile(SIGV4_PROFILE);
    let mut signer = Signer::new(credentials());
    group.bench_function("sigv4/from-profile-cached-key", |b| {
        b.iter(|| bundle_json_len(black_box(&profile), &mut signer))
    });

    group.finish();
}

fn floor(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    let secret = Secret::new(SECRET_ACCESS_KEY.to_owned());
    let scope_date = now().scope_date();

    for (name, text) in [("sigv4", SIGV4_PROFILE), ("sigv2", SIGV2_PROFILE)] {
        let document = document(&expect_profile(text));
        group.bench_function(format!("{name}-encode"), |b| {
            b.iter(|| black_box(&document).to_base64())
        });
    }

    let v4_document = document(&expect_profile(SIGV4_PROFILE));
    let v4_base64 = v4_document.to_base64();
    group.bench_function("sigv4-sign", |b| {
        b.iter(|| SigningKey::derive(&secret, &scope_date, "eu-west-1").sign(black_box(&v4_base64)))
    });
    group.bench_function("sigv4", |b| {
        b.iter(|| {
            let policy = black_box(&v4_document).to_base64();
            let signature = SigningKey::derive(&secret, &scope_date, "eu-west-1").sign(&policy);
            (policy, signature)
        })
    });

    let v2_document = document(&expect_profile(SIGV2_PROFILE));
    let v2_base64 = v2_document.to_base64();
    group.bench_function("sigv2-sign", |b| {
        b.iter(|| sign_v2(&secret, black_box(&v2_base64)))
    });
    group.bench_function("sigv2", |b| {
        b.iter(|| {
            let policy = black_box(&v2_document).to_base64();
            let signature = sign_v2(&secret, &policy);
            (policy, signature)
        })
    });

    group.finish();
}

fn parts(c: &mut Criterion) {
    let mut group = c.benchmark_group("parts");
    let profile = expect_profile(SIGV4_PROFILE);
    let access_key = credentials().access_key;
    let unsigned = compile(&profile, &access_key, now()).expect("the benchmark profile compiles");
    let signed = Signer::new(credentials()).sign(unsigned.clone());
    let bundle = Bundle::new(signed.clone());

    group.bench_function("sigv4-compile", |b| {
        b.iter(|| compile(black_box(&profile), &access_key, now()))
    });
    group.bench_function("sigv4-sign", |b| {
        b.iter_batched_ref(
            || (Signer::new(credentials()), Some(unsigned.clone())),
            |(signer, unsigned)| {
                unsigned
                    .take()
                    .map(|policy| signer.sign(policy).policy().len())
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("sigv4-bundle-layout", |b| {
        b.iter_batched(
            || signed.clone(),
            |signed| Bundle::new(black_box(signed)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("sigv4-bundle-json", |b| {
        b.iter(|| black_box(&bundle).to_json())
    });

    group.finish();
}

criterion_group!(benches, bundle, floor, parts);
criterion_main!(benches);
