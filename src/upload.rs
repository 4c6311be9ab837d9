//! Uploads to judge: the form a browser would send, built from a bundle and what a user (with
//! `verify --field`) or a profile's test case lays over it, for [`crate::evaluate`].
//!
//! Fields keep the bundle's sending order. A field laid over the bundle replaces the bundle's
//! field of the same name (names compared without case, as S3 compares them) in place, and
//! any other field is sent after the bundle's, before the file.

use crate::bundle::Bundle;
use crate::evaluate::{Evaluation, Upload, Violation};
use crate::validate::{Expectation, TestCase};

/// The form of `bundle` with `overrides` laid over it and a file of `file_size` bytes.
pub fn upload(
    bundle_fields: &[(String, String)],
    overrides: &[(String, String)],
    file_name: Option<String>,
    file_size: u64,
) -> Upload {
    let mut fields = bundle_fields.to_vec();
    for (name, value) in overrides {
        match fields
            .iter_mut()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
        {
            Some(field) => field.1.clone_from(value),
            None => fields.push((name.clone(), value.clone())),
        }
    }

    Upload {
        fields,
        file_name,
        file_size,
    }
}

/// The upload a test case describes: the bundle's fields with the case's laid over them, and
/// a file of the case's size named by its `filename` (default `upload.bin`).
pub fn test_upload(bundle: &Bundle, case: &TestCase) -> Upload {
    let file_name = case
        .filename
        .clone()
        .unwrap_or_else(|| "upload.bin".to_owned());
    upload(&bundle.fields, &case.fields, Some(file_name), case.size)
}

/// How a test case fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The verdict (and the reason, when one was given) is as expected.
    Passed,
    /// S3 would accept an upload the case expects refused.
    UnexpectedAccept,
    /// S3 would refuse an upload the case expects accepted.
    UnexpectedReject,
    /// S3 would refuse the upload, but not for the reason the case names.
    OtherReason,
}

/// Compares an evaluation with what `case` expects.
pub fn judge(case: &TestCase, evaluation: &Evaluation) -> Outcome {
    match (case.expect, evaluation.accepted()) {
        (Expectation::Accept, true) => Outcome::Passed,
        (Expectation::Accept, false) => Outcome::UnexpectedReject,
        (Expectation::Reject, true) => Outcome::UnexpectedAccept,
        (Expectation::Reject, false) => match &case.reason {
            Some(reason) if !evaluation.violations.iter().any(|v| names(v, reason)) => {
                Outcome::OtherReason
            }
            _ => Outcome::Passed,
        },
    }
}

/// Whether `violation` is about `reason`: its field, its code, or the condition it quotes.
pub fn names(violation: &Violation, reason: &str) -> bool {
    let field = violation
        .field
        .as_deref()
        .is_some_and(|field| field.eq_ignore_ascii_case(reason));
    let condition = violation.condition.as_deref().is_some_and(|condition| {
        condition
            .to_ascii_lowercase()
            .contains(&reason.to_ascii_lowercase())
    });

    field || condition || violation.code.as_str() == reason
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn overrides_replace_in_place_and_append_the_rest() {
        let bundle = pairs(&[
            ("key", "uploads/${filename}"),
            ("policy", "p"),
            ("x-amz-signature", "s"),
        ]);
        let upload = upload(
            &bundle,
            &pairs(&[("KEY", "other"), ("Content-Type", "image/png")]),
            None,
            5,
        );

        assert_eq!(
            upload.fields,
            pairs(&[
                ("key", "other"),
                ("policy", "p"),
                ("x-amz-signature", "s"),
                ("Content-Type", "image/png")
            ])
        );
        assert_eq!(upload.file_size, 5);
    }
}
