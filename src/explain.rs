//! Explanations: what a validated profile allows, in plain sentences for reviewers.
//!
//! `postpolicy explain NAME` prints this beside the diff of a profile, so that someone who does
//! not read POST policies can still tell what an upload form signed from it will accept.

use std::fmt::Write as _;

use crate::size::format_size;
use crate::validate::{Expiry, Profile, Rule, SignatureVersion};

/// The explanation of `profile`, one sentence a line, ending in a newline.
pub fn explain(profile: &Profile, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({file})", profile.name);
    if let Some(description) = &profile.description {
        let _ = writeln!(out, "  {description}");
    }
    out.push('\n');

    let signature = match profile.signature {
        SignatureVersion::V4 => format!(
            "Signature Version 4, scoped to the region {}",
            profile.region
        ),
        SignatureVersion::V2 => "Signature Version 2".to_owned(),
    };
    sentence(
        &mut out,
        format!(
            "Uploads go to the bucket `{}` at {}, signed with {signature}.",
            profile.bucket, profile.url
        ),
    );

    let expiry = match profile.expiry {
        Expiry::In(duration) => format!(
            "for {} after it is compiled",
            humantime::format_duration(duration)
        ),
        Expiry::At(instant) => format!("until {instant}"),
    };
    sentence(
        &mut out,
        format!("A form is accepted {expiry}; after that S3 answers \"Policy expired\"."),
    );

    match profile.content_length {
        Some(range) if range.min == range.max => {
            sentence(
                &mut out,
                format!("The file must be exactly {}.", format_size(range.min)),
            );
        }
        Some(range) => sentence(
            &mut out,
            format!(
                "The file must be between {} and {}, both included.",
                format_size(range.min),
                format_size(range.max)
            ),
        ),
        None => sentence(
            &mut out,
            "The file may have any size S3 takes in one POST (up to 5 GiB).".to_owned(),
        ),
    }

    for field in &profile.fields {
        sentence(&mut out, describe_field(&field.name, &field.rule));
    }
    sentence(
        &mut out,
        "S3 refuses any other form field, except those whose names start with `x-ignore-`."
            .to_owned(),
    );
    out
}

fn describe_field(name: &str, rule: &Rule) -> String {
    let subject = if name == "key" {
        "The object key".to_owned()
    } else {
        format!("`{name}`")
    };
    let mut text = match rule {
        Rule::Eq(value) => format!("{subject} must be exactly `{value}`; the form sends it as is."),
        Rule::StartsWith {
            prefix,
            value: Some(value),
        } if prefix.is_empty() => {
            format!("{subject} may be anything; the form suggests `{value}`.")
        }
        Rule::StartsWith {
            prefix,
            value: Some(value),
        } => {
            format!("{subject} must start with `{prefix}`; the form suggests `{value}`.")
        }
        Rule::StartsWith {
            prefix,
            value: None,
        } if prefix.is_empty() => {
            format!("{subject} may be anything, and the uploader must send it.")
        }
        Rule::StartsWith {
            prefix,
            value: None,
        } => {
            format!("{subject} must start with `{prefix}`, filled in by the uploader.")
        }
        Rule::Any => format!("{subject} may be anything, and the uploader must send it."),
    };

    if let Rule::StartsWith {
        value: Some(value), ..
    } = rule
        && value.ends_with("${filename}")
    {
        text.push_str(" S3 replaces `${filename}` with the uploaded file's name.");
    }
    let open = matches!(rule, Rule::Any)
        || matches!(rule, Rule::StartsWith { prefix, .. } if prefix.is_empty());
    match (name, rule) {
        ("key", _) if open => {
            text.push_str(" An upload may therefore overwrite any object in the bucket.");
        }
        ("success_action_status", Rule::Eq(status)) if status == "201" => {
            text.push_str(" S3 answers 201 with an XML document naming the stored object.");
        }
        ("success_action_status", Rule::Eq(status)) => {
            text.push_str(&format!(" S3 answers {status} with an empty body."));
        }
        ("acl", Rule::Eq(acl)) if acl.starts_with("public-") => {
            text.push_str(" Anyone on the internet can read the uploaded objects.");
        }
        _ => {}
    }
    text
}

fn sentence(out: &mut String, text: String) {
    let _ = writeln!(out, "- {text}");
}
