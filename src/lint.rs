//! Lints: warnings about profiles that S3 accepts but that are probably not what was meant.
//!
//! The validator runs them on every profile it lets through, after the schema checks, and
//! drops the ones the profile's `allow` list names. `check --deny-warnings` makes them fail.
//! Each has a stable code that `allow` refers to.

use crate::compile::compile;
use crate::credentials::AccessKey;
use crate::diag::{Code, Diagnostic};
use crate::evaluate::form_overhead_bytes;
use crate::load::RawProfile;
use crate::schema::PUBLIC_ACLS;
use crate::size::format_size;
use crate::time::Timestamp;
use crate::validate::{Profile, Rule, SignatureVersion};

pub use crate::evaluate::MAX_FORM_BYTES as FORM_LIMIT;

/// Above this many bytes of non-file form data, `form-size` warns.
pub const FORM_WARNING: usize = 16_384;

/// The lint codes, which `allow` may name along with the validator's own warnings.
pub const LINTS: &[Code] = &[
    Code::UnboundedSize,
    Code::AnyKey,
    Code::PublicAcl,
    Code::SignatureV2,
    Code::InsecureRedirect,
    Code::FormSize,
    Code::AnyField,
];

/// The lints of a validated profile, pointing into its raw form for spans.
pub fn lint(raw: &RawProfile, profile: &Profile, now: Timestamp) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let field_span = |name: &str| {
        raw.fields
            .iter()
            .find(|field| field.name.value.eq_ignore_ascii_case(name))
            .map_or(raw.name.span, |field| field.span)
    };

    if profile.content_length.is_none() {
        warnings.push(
            Diagnostic::warning(
                Code::UnboundedSize,
                format!(
                    "profile `{}` sets no `content_length`, so uploads of any size up to 5 \
                    GiB are accepted",
                    profile.name
                ),
            )
            .at(raw.name.span)
            .help("add `content_length = { min = 1, max = \"10 MiB\" }` with the sizes you expect"),
        );
    }

    let key_is_open = match profile.field("key") {
        Some(Rule::StartsWith { prefix, .. }) => prefix.is_empty(),
        Some(Rule::Any) => true,
        _ => false,
    };
    if key_is_open {
        warnings.push(
            Diagnostic::warning(
                Code::AnyKey,
                "the key may be anything, so an upload can \
                overwrite any object in the bucket",
            )
            .at(field_span("key"))
            .help(
                "give the key a prefix, as in `{ starts_with = \"uploads/\", value = \
                    \"uploads/${filename}\" }`",
            ),
        );
    }

    if let Some(acl) = public_acl(profile.field("acl")) {
        warnings.push(
            Diagnostic::warning(
                Code::PublicAcl,
                format!(
                    "uploaded objects may be `{acl}`, \
                readable by anyone on the internet"
                ),
            )
            .at(field_span("acl"))
            .help(
                "serve public files through a CDN or bucket policy, or add `allow = \
                    [\"public-acl\"]` if this is intended",
            ),
        );
    }

    if profile.signature == SignatureVersion::V2 {
        let span = raw
            .signature
            .as_ref()
            .map_or(raw.name.span, |signature| signature.span);
        warnings.push(
            Diagnostic::warning(
                Code::SignatureV2,
                "Signature Version 2 is not accepted in AWS regions opened since 2014",
            )
            .at(span)
            .note("keep it only for stores that cannot check Signature Version 4"),
        );
    }

    for name in ["success_action_redirect", "redirect"] {
        let insecure = match profile.field(name) {
            Some(Rule::Eq(url)) => url.starts_with("http://"),
            Some(Rule::StartsWith { prefix, value }) => {
                prefix.starts_with("http://")
                    || value
                        .as_deref()
                        .is_some_and(|url| url.starts_with("http://"))
            }
            _ => false,
        };
        if insecure {
            warnings.push(
                Diagnostic::warning(
                    Code::InsecureRedirect,
                    format!("`{name}` sends the browser to plain `http://` after the upload"),
                )
                .at(field_span(name))
                .help("use an `https://` URL"),
            );
        }
    }

    for field in &profile.fields {
        if field.rule == Rule::Any && field.name != "key" {
            warnings.push(
                Diagnostic::warning(
                    Code::AnyField,
                    format!("`{}` accepts any value", field.name),
                )
                .at(field_span(&field.name))
                .help("constrain it with `starts_with`, or give it a fixed value"),
            );
        }
    }

    let form_bytes = if form_bytes_upper_bound(profile) > FORM_WARNING {
        estimated_form_bytes(profile, now)
    } else {
        0
    };
    if form_bytes > FORM_WARNING {
        warnings.push(
            Diagnostic::warning(
                Code::FormSize,
                format!(
                    "the form's fields take about {} of the {} bytes S3 accepts before the \
                    file",
                    format_size(form_bytes as u64),
                    FORM_LIMIT
                ),
            )
            .at(raw.name.span)
            .note(
                "S3 refuses larger forms with MaxPostPreDataLengthExceeded; long values and \
                many fields add up",
            ),
        );
    }
    warnings
}

fn public_acl(rule: Option<&Rule>) -> Option<&str> {
    match rule? {
        Rule::Eq(acl) => PUBLIC_ACLS.contains(&acl.as_str()).then_some(acl.as_str()),
        Rule::StartsWith { prefix, value } => match value {
            Some(acl) if PUBLIC_ACLS.contains(&acl.as_str()) => Some(acl.as_str()),
            _ => PUBLIC_ACLS
                .iter()
                .copied()
                .find(|acl| acl.starts_with(prefix.as_str())),
        },
        Rule::Any => Some(PUBLIC_ACLS[0]),
    }
}

/// A bound the form of `profile` cannot exceed, from lengths alone, so that the estimate of
/// [`estimated_form_bytes`], which compiles the profile, is only made for the rare profiles
/// that might come near the limit.
///
/// Every text of the profile goes into the policy (at most six bytes a byte once escaped) and
/// into the form; each condition and each form part adds less than 128 bytes of its own, and
/// the signer's fields, a session token of 1,000 characters included, less than 1,500.
fn form_bytes_upper_bound(profile: &Profile) -> usize {
    const PER_PART: usize = 128;
    const SIGNER: usize = 1_500;
    const TYPICAL_VALUE: usize = 64;

    let rule_length = |rule: &Rule| match rule {
        Rule::Eq(value) => value.len(),
        Rule::StartsWith { prefix, value } => {
            prefix.len() + value.as_ref().map_or(TYPICAL_VALUE, String::len)
        }
        Rule::Any => TYPICAL_VALUE,
    };
    let texts: usize = profile.bucket.len()
        + profile
            .fields
            .iter()
            .map(|field| field.name.len() + rule_length(&field.rule))
            .sum::<usize>();
    let parts = profile.fields.len() + 8;

    let policy_json = 6 * texts + PER_PART * parts + SIGNER;
    let policy_base64 = policy_json.div_ceil(3) * 4;
    policy_base64 + texts + PER_PART * parts + SIGNER + TYPICAL_VALUE
}

/// The size of the multipart form without the file's bytes, for a bundle of `profile` signed
/// with a typical access key and a session token as long as STS issues, and a file name and
/// fill values of 64 characters. The policy is compiled but not signed: the base64 text and
/// the signature have lengths known in advance.
pub fn estimated_form_bytes(profile: &Profile, now: Timestamp) -> usize {
    const TYPICAL_VALUE: usize = 64;
    let access_key = AccessKey {
        id: "A".repeat(20),
        session_token: Some("T".repeat(1_000)),
    };
    let Ok(unsigned) = compile(profile, &access_key, now) else {
        return 0;
    };

    let policy_length = unsigned.document.to_json().len().div_ceil(3) * 4;
    let (signature_field, signature_length) = match profile.signature {
        SignatureVersion::V4 => ("x-amz-signature", 64),
        SignatureVersion::V2 => ("signature", 28),
    };
    let mut fields = unsigned.fields;
    fields.push(("policy".to_owned(), "p".repeat(policy_length)));
    fields.push((signature_field.to_owned(), "s".repeat(signature_length)));
    for (name, prefix) in unsigned.fill {
        fields.push((name, format!("{prefix}{}", "v".repeat(TYPICAL_VALUE))));
    }

    form_overhead_bytes(&fields, Some(&"f".repeat(TYPICAL_VALUE)))
}
