//! The compiler: the third stage, from a validated [`Profile`] to an [`UnsignedPolicy`].
//!
//! It builds the canonical policy document and, beside it, the form plan: which fields the
//! bundle pre-fills (in sending order) and which the uploader fills. The two are built from
//! the same list, which is what keeps S3's coverage rule: every form field is named by a
//! condition, and every condition but `bucket` and `content-length-range` is backed by a form
//! field, pre-filled or to fill. Breaking either half is what makes S3 answer "Extra input
//! fields" or "Policy Condition failed".
//!
//! The signer-owned conditions (`x-amz-algorithm`, `x-amz-credential`, `x-amz-date`,
//! `x-amz-security-token`) need the access key id and the clock, never the secret.

use crate::credentials::AccessKey;
use crate::policy::{Condition, PolicyDocument};
use crate::sign::{SIGV4_ALGORITHM, credential_scope};
use crate::time::Timestamp;
use crate::validate::{LengthRange, Profile, Rule, SignatureVersion};

/// A compiled policy waiting for its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedPolicy {
    /// The profile it was compiled from.
    pub profile: String,
    /// Where the form is posted.
    pub url: String,
    /// Which signature it needs.
    pub version: SignatureVersion,
    /// The region of the credential scope.
    pub region: String,
    /// The instant of signing, which is also `x-amz-date`.
    pub signed_at: Timestamp,
    /// The document to sign.
    pub document: PolicyDocument,
    /// Form fields to send as they are, in order, without `policy` and the signature.
    pub fields: Vec<(String, String)>,
    /// Fields the uploader fills, with the prefix their value must start with.
    pub fill: Vec<(String, String)>,
    /// The allowed file sizes.
    pub content_length: Option<LengthRange>,
}

/// Why a validated profile could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The expiry falls outside what a policy can write (after the year 9999).
    ExpiryOutOfRange { profile: String },
    /// The expiry is not after the signing time.
    ExpiredAtSigning {
        profile: String,
        expires_at: Timestamp,
        now: Timestamp,
    },
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::ExpiryOutOfRange { profile } => {
                write!(f, "the expiry of profile `{profile}` is past the year 9999")
            }
            CompileError::ExpiredAtSigning {
                profile,
                expires_at,
                now,
            } => write!(
                f,
                "profile `{profile}` expires at {expires_at}, not after the signing time {now}"
            ),
        }
    }
}

impl std::error::Error for CompileError {}

/// Compiles `profile` for `access_key`, signed at `now`.
///
/// # Errors
///
/// [`CompileError`] when the expiry cannot be written or is not after `now`; validation with
/// the same clock already reports both.
pub fn compile(
    profile: &Profile,
    access_key: &AccessKey,
    now: Timestamp,
) -> Result<UnsignedPolicy, CompileError> {
    let expiration = profile
        .expiry
        .at(now)
        .ok_or_else(|| CompileError::ExpiryOutOfRange {
            profile: profile.name.clone(),
        })?;
    if expiration <= now {
        return Err(CompileError::ExpiredAtSigning {
            profile: profile.name.clone(),
            expires_at: expiration,
            now,
        });
    }

    let mut conditions = Vec::with_capacity(profile.fields.len() + 6);
    conditions.push(Condition::Eq {
        field: "bucket".into(),
        value: profile.bucket.clone(),
    });
    let mut fields = Vec::with_capacity(profile.fields.len() + 6);
    let mut fill = Vec::new();

    for field in &profile.fields {
        let name = field.name.clone();
        match &field.rule {
            Rule::Eq(value) => {
                conditions.push(Condition::Eq {
                    field: name.clone(),
                    value: value.clone(),
                });
                fields.push((name, value.clone()));
            }
            Rule::StartsWith { prefix, value } => {
                conditions.push(Condition::StartsWith {
                    field: name.clone(),
                    prefix: prefix.clone(),
                });
                match value {
                    Some(value) => fields.push((name, value.clone())),
                    None => fill.push((name, prefix.clone())),
                }
            }
            Rule::Any => {
                conditions.push(Condition::StartsWith {
                    field: name.clone(),
                    prefix: String::new(),
                });
                fill.push((name, String::new()));
            }
        }
    }

    if let Some(range) = profile.content_length {
        conditions.push(Condition::ContentLengthRange {
            min: range.min,
            max: range.max,
        });
    }

    let mut signer_fields = Vec::new();
    match profile.signature {
        SignatureVersion::V4 => {
            let credential = credential_scope(&access_key.id, &now.scope_date(), &profile.region);
            signer_fields.push(("x-amz-algorithm".to_owned(), SIGV4_ALGORITHM.to_owned()));
            signer_fields.push(("x-amz-credential".to_owned(), credential));
            signer_fields.push(("x-amz-date".to_owned(), now.amz_date()));
        }
        SignatureVersion::V2 => fields.push(("AWSAccessKeyId".to_owned(), access_key.id.clone())),
    }
    if let Some(token) = &access_key.session_token {
        signer_fields.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    for (field, value) in &signer_fields {
        conditions.push(Condition::Eq {
            field: field.clone(),
            value: value.clone(),
        });
    }
    fields.extend(signer_fields);

    Ok(UnsignedPolicy {
        profile: profile.name.clone(),
        url: profile.url.clone(),
        version: profile.signature,
        region: profile.region.clone(),
        signed_at: now,
        document: PolicyDocument {
            expiration,
            conditions,
        },
        fields,
        fill,
        content_length: profile.content_length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;
    use crate::validate::{Expiry, FieldRule};
    use std::time::Duration;

    fn profile(signature: SignatureVersion) -> Profile {
        let mut sources = Sources::new();
        Profile {
            name: "images-only".into(),
            description: None,
            file: sources.add("p.toml", String::new()),
            bucket: "sigv4examplebucket".into(),
            region: "us-east-1".into(),
            signature,
            endpoint: None,
            path_style: false,
            url: "https://sigv4examplebucket.s3.us-east-1.amazonaws.com/".into(),
            expiry: Expiry::In(Duration::from_secs(86_400)),
            content_length: Some(LengthRange {
                min: 1,
                max: 10_485_760,
            }),
            fields: vec![
                FieldRule {
                    name: "key".into(),
                    rule: Rule::StartsWith {
                        prefix: "user/user1/".into(),
                        value: Some("user/user1/${filename}".into()),
                    },
                },
                FieldRule {
                    name: "acl".into(),
                    rule: Rule::Eq("public-read".into()),
                },
                FieldRule {
                    name: "Content-Type".into(),
                    rule: Rule::StartsWith {
                        prefix: "image/".into(),
                        value: None,
                    },
                },
                FieldRule {
                    name: "x-amz-meta-tag".into(),
                    rule: Rule::Any,
                },
            ],
            tests: Vec::new(),
            allow: Vec::new(),
        }
    }

    fn example_key(token: Option<&str>) -> AccessKey {
        AccessKey {
            id: "AKIAIOSFODNN7EXAMPLE".into(),
            session_token: token.map(str::to_owned),
        }
    }

    #[test]
    fn every_field_has_a_condition_and_every_condition_a_field() {
        let now = Timestamp::from_unix(1_451_347_200);
        for version in [SignatureVersion::V4, SignatureVersion::V2] {
            for token in [None, Some("tok")] {
                let unsigned = compile(&profile(version), &example_key(token), now).unwrap();
                let named: Vec<&str> = unsigned
                    .document
                    .conditions
                    .iter()
                    .filter_map(Condition::field)
                    .collect();
                let sent: Vec<&str> = unsigned
                    .fields
                    .iter()
                    .chain(&unsigned.fill)
                    .map(|(name, _)| name.as_str())
                    .collect();

                for field in &sent {
                    let exempt = version == SignatureVersion::V2 && *field == "AWSAccessKeyId";
                    assert!(exempt || named.contains(field), "{field} has no condition");
                }
                for field in &named {
                    assert!(
                        *field == "bucket" || sent.contains(field),
                        "{field} has no form field"
                    );
                }
            }
        }
    }

    #[test]
    fn v4_policy_orders_conditions_and_fields() {
        let now = Timestamp::from_unix(1_451_347_200);
        let unsigned = compile(
            &profile(SignatureVersion::V4),
            &example_key(Some("tok")),
            now,
        )
        .unwrap();

        assert_eq!(
            unsigned.document.to_json(),
            concat!(
                r#"{"expiration":"2015-12-30T00:00:00Z","conditions":["#,
                r#"{"bucket":"sigv4examplebucket"},"#,
                r#"["starts-with","$key","user/user1/"],{"acl":"public-read"},"#,
                r#"["starts-with","$Content-Type","image/"],["starts-with","$x-amz-meta-tag",""],"#,
                r#"["content-length-range",1,10485760],{"x-amz-algorithm":"AWS4-HMAC-SHA256"},"#,
                r#"{"x-amz-credential":"#,
                r#""AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},"#,
                r#"{"x-amz-date":"20151229T000000Z"},{"x-amz-security-token":"tok"}]}"#
            )
        );
        let names: Vec<&str> = unsigned
            .fields
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "key",
                "acl",
                "x-amz-algorithm",
                "x-amz-credential",
                "x-amz-date",
                "x-amz-security-token"
            ]
        );
        assert_eq!(
            unsigned.fill,
            [
                ("Content-Type".to_owned(), "image/".to_owned()),
                ("x-amz-meta-tag".to_owned(), String::new())
            ]
        );
    }

    #[test]
    fn v2_policy_has_no_sigv4_conditions() {
        let now = Timestamp::from_unix(1_451_347_200);
        let unsigned = compile(&profile(SignatureVersion::V2), &example_key(None), now).unwrap();

        let json = unsigned.document.to_json();
        for field in [
            "x-amz-algorithm",
            "x-amz-credential",
            "x-amz-date",
            "x-amz-security-token",
        ] {
            assert!(!json.contains(field), "{json}");
        }
        assert_eq!(
            unsigned.fields.last().unwrap(),
            &(
                "AWSAccessKeyId".to_owned(),
                "AKIAIOSFODNN7EXAMPLE".to_owned()
            )
        );
    }

    #[test]
    fn same_inputs_same_bytes() {
        let now = Timestamp::from_unix(1_451_347_200);
        let first = compile(&profile(SignatureVersion::V4), &example_key(None), now).unwrap();
        let second = compile(&profile(SignatureVersion::V4), &example_key(None), now).unwrap();

        assert_eq!(first.document.to_base64(), second.document.to_base64());
    }
}
