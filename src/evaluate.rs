//! The evaluator: decides, as Amazon S3 does, whether a browser POST upload would be accepted.
//!
//! It stands beside the compile pipeline rather than in it. It reads a policy document (the
//! base64 `policy` field of a form, or a hand-written JSON text through [`parse_policy`]) and one
//! upload (the text fields in sending order, the file's name and size), and returns every
//! violation S3 would find, not only the first. It backs the `verify` command and the test cases
//! that profiles carry. It does no I/O: the clock, the credentials, the bucket posted to and the
//! bucket's region all come in through [`Context`].
//!
//! The checks run in the order S3 answers them: the size of the form before the file, the
//! required fields, the credentials and the signature, the policy document, its expiry, its
//! conditions, the fields no condition names, and last the file's size.
//!
//! Where S3's behaviour is not established, this module decides as follows:
//!
//! - A field sent more than once (names compared without case) has its values joined with
//!   commas, in sending order, as the Signature Version 2 guide describes (`Ninja,Stallman`).
//! - The Content-Type list rule of `starts-with` splits the value at commas and trims spaces
//!   and tabs around each element, as HTTP lists are read, so `image/png, image/gif` passes
//!   `image/`. `eq` compares the whole value, and every other field is a plain string.
//! - `x-amz-signature` is exempt from the coverage rule under both signature versions;
//!   `AWSAccessKeyId` and `signature` only under Version 2.
//! - `starts-with` is applied to any field, also to those AWS documents as exact-only (such as
//!   `bucket`): whether S3 refuses them is not established, so they are applied as written.
//! - A `bucket` condition is checked against the bucket posted to when it is known, and against
//!   a `bucket` form field when there is one; with neither it cannot fail.
//! - An array condition whose field lacks the `$` parses, and fails when evaluated, as S3
//!   answers "Policy Condition failed" for it; it covers no form field.
//! - Unknown top-level keys of the document are ignored; a repeated `expiration` or
//!   `conditions` is refused. Object conditions are counted with their repeated keys.
//! - `content-length-range` conditions intersect (largest minimum, smallest maximum). With the
//!   minimum above the maximum no file fits. Without a range, S3's 5 GiB POST limit applies.
//! - The 20 KB limit is checked against an estimate of the multipart encoding (see
//!   [`form_overhead_bytes`]).
//! - The policy's base64 may omit its padding; anything else that is not standard base64 is an
//!   invalid policy.
//! - A `key` that is empty (after expansion) counts as missing, as S3 answers for an empty field.
//! - `x-amz-date` is checked only through its policy condition; its agreement with the
//!   credential scope's day and its age are not checked, as nothing establishes that S3 does.
//! - With temporary credentials the form must carry their session token; with long-term ones
//!   it must carry none.

use std::fmt;

use base64::Engine as _;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::credentials::Credentials;
use crate::policy::Condition;
use crate::sign::{self, SigningKey};
use crate::time::Timestamp;
use crate::validate::{FILENAME_VARIABLE, SignatureVersion};

/// S3's limit on the bytes of a POST form before the file's content: 20 KB.
pub const MAX_FORM_BYTES: usize = 20_480;

/// The largest file one browser POST may upload: 5 GiB.
pub const MAX_POST_FILE_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// The longest object key S3 stores, in bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;

/// The boundary length assumed when estimating the multipart encoding. Browsers and curl use 38
/// to 57 characters; the estimate takes a little more, so it errs towards the limit.
const ESTIMATED_BOUNDARY_BYTES: usize = 60;

/// The fields that make a form a Signature Version 4 upload; all four are then required.
const V4_FIELDS: [&str; 4] = [
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-signature",
];

/// The fields that make a form a Signature Version 2 upload; both are then required.
const V2_FIELDS: [&str; 2] = ["AWSAccessKeyId", "signature"];

/// One form upload as a browser sends it: the text fields in order (the file excluded), and the
/// file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The text fields, in sending order, before the file.
    pub fields: Vec<(String, String)>,
    /// The `filename` parameter of the file part; `None` when the part has none, in which case
    /// `${filename}` stays as written.
    pub file_name: Option<String>,
    /// The file's size in bytes.
    pub file_size: u64,
}

/// What the evaluator may check beyond the policy: the clock, and optionally the credentials
/// that verify the signature, the bucket the form is posted to and the region it lives in.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The instant of the upload.
    pub now: Timestamp,
    /// The credentials the form should be signed with; without them the signature's presence
    /// and shape are checked, not its value.
    pub credentials: Option<&'a Credentials>,
    /// The bucket the form is posted to, which `bucket` conditions must match.
    pub bucket: Option<&'a str>,
    /// The region the bucket lives in, which the SigV4 credential scope must name.
    pub region: Option<&'a str>,
}

/// The verdict on one upload.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Every violation found, in the order S3 checks; empty when S3 would accept the upload.
    pub violations: Vec<Violation>,
    /// The object key after `${filename}` expansion, when the form has one.
    pub key: Option<String>,
    /// The signature version told from the form's fields (`x-amz-*` for V4, `AWSAccessKeyId`
    /// and `signature` for V2); `None` for an anonymous form.
    pub signature_version: Option<SignatureVersion>,
    /// Whether the signature was computed with the given credentials and matched.
    pub signature_verified: bool,
    /// The policy document, when the form carries one that parses.
    pub policy: Option<ParsedPolicy>,
}

impl Evaluation {
    /// Whether S3 would accept the upload.
    pub fn accepted(&self) -> bool {
        self.violations.is_empty()
    }
}

/// One reason S3 would refuse the upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What kind of violation this is.
    pub code: ViolationCode,
    /// The form field concerned, spelt as the form spells it (or as the condition does when the
    /// form lacks the field).
    pub field: Option<String>,
    /// The condition concerned, as S3 echoes it: `["starts-with", "$key", "uploads/"]`, with
    /// object conditions written as `eq` arrays.
    pub condition: Option<String>,
    /// The offending value, after `${filename}` expansion.
    pub value: Option<String>,
    /// What is wrong, lowercase and without a final period.
    pub message: String,
    /// How to fix it, where that is clear.
    pub fix: Option<String>,
    /// The message S3 answers with, verbatim, where it is known.
    pub s3_message: Option<String>,
}

impl Violation {
    fn new(code: ViolationCode, message: impl Into<String>) -> Violation {
        Violation {
            code,
            field: None,
            condition: None,
            value: None,
            message: message.into(),
            fix: None,
            s3_message: None,
        }
    }

    fn with_field(mut self, field: &str) -> Violation {
        self.field = Some(field.to_owned());
        self
    }

    fn with_condition(mut self, condition: &str) -> Violation {
        self.condition = Some(condition.to_owned());
        self
    }

    fn with_value(mut self, value: impl Into<String>) -> Violation {
        self.value = Some(value.into());
        self
    }

    fn with_fix(mut self, fix: impl Into<String>) -> Violation {
        self.fix = Some(fix.into());
        self
    }

    fn with_s3(mut self, message: impl Into<String>) -> Violation {
        self.s3_message = Some(message.into());
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The kinds of violation, each with a stable kebab-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationCode {
    /// The fields before the file exceed 20 KB.
    FormTooLarge,
    /// No `key` field, or an empty one.
    MissingKey,
    /// The key exceeds 1024 bytes.
    KeyTooLong,
    /// Neither a policy nor a signature: an anonymous upload, which a private bucket refuses.
    AnonymousUpload,
    /// Signature fields without a `policy`.
    MissingPolicy,
    /// No `x-amz-signature` (or `signature`) where the form needs one.
    MissingSignature,
    /// `x-amz-algorithm`, `x-amz-credential`, `x-amz-date` or `AWSAccessKeyId` missing.
    MissingAuthField,
    /// `x-amz-algorithm` is not `AWS4-HMAC-SHA256`.
    UnsupportedAlgorithm,
    /// `x-amz-credential` is not `<key>/<yyyymmdd>/<region>/s3/aws4_request`.
    MalformedCredential,
    /// The signature cannot be one: not 64 lowercase hex digits (v4), not a base64 SHA-1 (v2).
    MalformedSignature,
    /// The access key id is not the one of the given credentials.
    UnknownAccessKey,
    /// The credential scope names another region than the bucket's.
    WrongRegion,
    /// The session token is missing, unexpected or not the credentials' one.
    InvalidSecurityToken,
    /// The signature does not match the policy as sent.
    SignatureMismatch,
    /// The policy is not base64, not JSON, or not a well-formed policy document.
    InvalidPolicy,
    /// The policy's expiration has passed.
    PolicyExpired,
    /// A condition does not hold for the field's value.
    ConditionFailed,
    /// A condition names a field the form does not have.
    MissingField,
    /// A form field that no condition names.
    ExtraField,
    /// The file is larger than `content-length-range` (or 5 GiB) allows.
    TooLarge,
    /// The file is smaller than `content-length-range` allows.
    TooSmall,
}

impl ViolationCode {
    /// Every code, in the order S3 checks.
    pub const ALL: [ViolationCode; 21] = [
        ViolationCode::FormTooLarge,
        ViolationCode::MissingKey,
        ViolationCode::KeyTooLong,
        ViolationCode::AnonymousUpload,
        ViolationCode::MissingPolicy,
        ViolationCode::MissingSignature,
        ViolationCode::MissingAuthField,
        ViolationCode::UnsupportedAlgorithm,
        ViolationCode::MalformedCredential,
        ViolationCode::MalformedSignature,
        ViolationCode::UnknownAccessKey,
        ViolationCode::WrongRegion,
        ViolationCode::InvalidSecurityToken,
        ViolationCode::SignatureMismatch,
        ViolationCode::InvalidPolicy,
        ViolationCode::PolicyExpired,
        ViolationCode::ConditionFailed,
        ViolationCode::MissingField,
        ViolationCode::ExtraField,
        ViolationCode::TooLarge,
        ViolationCode::TooSmall,
    ];

    /// The stable kebab-case name, as diagnostics and `reason` in test cases write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationCode::FormTooLarge => "form-too-large",
            ViolationCode::MissingKey => "missing-key",
            ViolationCode::KeyTooLong => "key-too-long",
            ViolationCode::AnonymousUpload => "anonymous-upload",
            ViolationCode::MissingPolicy => "missing-policy",
            ViolationCode::MissingSignature => "missing-signature",
            ViolationCode::MissingAuthField => "missing-auth-field",
            ViolationCode::UnsupportedAlgorithm => "unsupported-algorithm",
            ViolationCode::MalformedCredential => "malformed-credential",
            ViolationCode::MalformedSignature => "malformed-signature",
            ViolationCode::UnknownAccessKey => "unknown-access-key",
            ViolationCode::WrongRegion => "wrong-region",
            ViolationCode::InvalidSecurityToken => "invalid-security-token",
            ViolationCode::SignatureMismatch => "signature-mismatch",
            ViolationCode::InvalidPolicy => "invalid-policy",
            ViolationCode::PolicyExpired => "policy-expired",
            ViolationCode::ConditionFailed => "condition-failed",
            ViolationCode::MissingField => "missing-field",
            ViolationCode::ExtraField => "extra-field",
            ViolationCode::TooLarge => "too-large",
            ViolationCode::TooSmall => "too-small",
        }
    }

    /// The HTTP status S3 answers with.
    pub fn s3_status(self) -> u16 {
        match self {
            ViolationCode::FormTooLarge
            | ViolationCode::MissingKey
            | ViolationCode::KeyTooLong
            | ViolationCode::MissingPolicy
            | ViolationCode::MissingSignature
            | ViolationCode::MissingAuthField
            | ViolationCode::UnsupportedAlgorithm
            | ViolationCode::MalformedCredential
            | ViolationCode::WrongRegion
            | ViolationCode::InvalidSecurityToken
            | ViolationCode::InvalidPolicy
            | ViolationCode::TooLarge
            | ViolationCode::TooSmall => 400,
            ViolationCode::AnonymousUpload
            | ViolationCode::MalformedSignature
            | ViolationCode::UnknownAccessKey
            | ViolationCode::SignatureMismatch
            | ViolationCode::PolicyExpired
            | ViolationCode::ConditionFailed
            | ViolationCode::MissingField
            | ViolationCode::ExtraField => 403,
        }
    }

    /// The error code of S3's XML answer.
    pub fn s3_error_code(self) -> &'static str {
        match self {
            ViolationCode::FormTooLarge => "MaxPostPreDataLengthExceeded",
            ViolationCode::KeyTooLong => "KeyTooLongError",
            ViolationCode::MissingKey
            | ViolationCode::MissingPolicy
            | ViolationCode::MissingSignature
            | ViolationCode::MissingAuthField
            | ViolationCode::UnsupportedAlgorithm
            | ViolationCode::MalformedCredential
            | ViolationCode::WrongRegion => "InvalidArgument",
            ViolationCode::UnknownAccessKey => "InvalidAccessKeyId",
            ViolationCode::InvalidSecurityToken => "InvalidToken",
            ViolationCode::MalformedSignature | ViolationCode::SignatureMismatch => {
                "SignatureDoesNotMatch"
            }
            ViolationCode::InvalidPolicy => "InvalidPolicyDocument",
            ViolationCode::AnonymousUpload
            | ViolationCode::PolicyExpired
            | ViolationCode::ConditionFailed
            | ViolationCode::MissingField
            | ViolationCode::ExtraField => "AccessDenied",
            ViolationCode::TooLarge => "EntityTooLarge",
            ViolationCode::TooSmall => "EntityTooSmall",
        }
    }
}

impl fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy document as S3 reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPolicy {
    /// The expiration, truncated to the second.
    pub expiration: Timestamp,
    /// The expiration as written.
    pub expiration_text: String,
    /// The conditions, in the order written.
    pub conditions: Vec<PolicyCondition>,
    /// The fraction of a second after `expiration`, in nanoseconds.
    expiration_nanos: u32,
}

impl ParsedPolicy {
    /// Whether the policy has expired at `now`: S3 refuses it from the instant of its
    /// expiration on.
    pub fn is_expired_at(&self, now: Timestamp) -> bool {
        if self.expiration_nanos == 0 {
            self.expiration <= now
        } else {
            self.expiration < now
        }
    }

    /// The file sizes every `content-length-range` admits together: the largest minimum and
    /// the smallest maximum, or `None` without such a condition.
    pub fn content_length_range(&self) -> Option<(u64, u64)> {
        self.conditions
            .iter()
            .fold(None, |range, condition| match condition.test {
                ConditionTest::ContentLengthRange { min, max } => match range {
                    None => Some((min, max)),
                    Some((low, high)) => Some((low.max(min), high.min(max))),
                },
                _ => range,
            })
    }
}

/// One condition of a parsed policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCondition {
    /// What the condition tests.
    pub test: ConditionTest,
    /// The condition as S3 echoes it in "Policy Condition failed": the policy's own spelling,
    /// object conditions written as `["eq", "$field", "value"]`.
    pub written: String,
}

impl PolicyCondition {
    /// The form field the condition names (without `$`), `None` for `content-length-range` and
    /// for a field written without its `$`.
    pub fn field(&self) -> Option<&str> {
        match &self.test {
            ConditionTest::Eq { field, .. } | ConditionTest::StartsWith { field, .. } => {
                Some(field)
            }
            ConditionTest::ContentLengthRange { .. } | ConditionTest::UnprefixedField { .. } => {
                None
            }
        }
    }

    /// The condition in the compiler's terms, `None` for one that can never hold.
    pub fn to_condition(&self) -> Option<Condition> {
        match &self.test {
            ConditionTest::Eq { field, value } => Some(Condition::Eq {
                field: field.clone(),
                value: value.clone(),
            }),
            ConditionTest::StartsWith { field, prefix } => Some(Condition::StartsWith {
                field: field.clone(),
                prefix: prefix.clone(),
            }),
            ConditionTest::ContentLengthRange { min, max } => Some(Condition::ContentLengthRange {
                min: *min,
                max: *max,
            }),
            ConditionTest::UnprefixedField { .. } => None,
        }
    }
}

/// What one condition tests. Field names are kept as written, without the `$`, and compared
/// without regard to case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionTest {
    /// The field equals the value.
    Eq { field: String, value: String },
    /// The field starts with the prefix (for `Content-Type`, every comma-separated element
    /// does).
    StartsWith { field: String, prefix: String },
    /// The file's size lies within `min..=max`.
    ContentLengthRange { min: u64, max: u64 },
    /// An `eq` or `starts-with` whose field lacks the leading `$`; S3 fails it.
    UnprefixedField { name: String },
}

/// Why a policy document is malformed; S3 answers `400 InvalidPolicyDocument`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// Not JSON at all (strict RFC 8259: `\$` and `\v` are not escapes).
    InvalidJson { detail: String },
    /// Valid JSON, but not an object.
    NotAnObject,
    /// `expiration` or `conditions` written twice.
    DuplicateKey { key: &'static str },
    /// No `expiration` key (keys are case-sensitive).
    MissingExpiration,
    /// An `expiration` that is not a UTC `YYYY-MM-DDTHH:MM:SS(.sss)Z` string.
    InvalidExpiration { value: String },
    /// No `conditions` key (keys are case-sensitive).
    MissingConditions,
    /// `conditions` is not an array.
    ConditionsNotArray,
    /// A condition that is neither an object nor an array; `index` counts from 0.
    NotACondition { index: usize },
    /// An object condition without exactly one property.
    SimpleConditionProperties { index: usize, count: usize },
    /// An object condition whose value is not a string.
    SimpleConditionValue { index: usize, field: String },
    /// An array condition that does not start with a string.
    MissingOperator { index: usize },
    /// An operator other than `eq`, `starts-with`, `content-length-range` (in any case).
    UnknownOperator { index: usize, operator: String },
    /// An array condition without exactly three elements.
    WrongArity {
        index: usize,
        operator: String,
        count: usize,
    },
    /// An `eq` or `starts-with` with a field or value that is not a string.
    NonStringArgument { index: usize, operator: String },
    /// A `content-length-range` bound that is not a non-negative integer or a string of digits.
    InvalidRangeBound {
        index: usize,
        bound: String,
        is_float: bool,
    },
}

impl PolicyError {
    /// A stable kebab-case name for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::InvalidJson { .. } => "invalid-json",
            PolicyError::NotAnObject => "not-an-object",
            PolicyError::DuplicateKey { .. } => "duplicate-key",
            PolicyError::MissingExpiration => "missing-expiration",
            PolicyError::InvalidExpiration { .. } => "invalid-expiration",
            PolicyError::MissingConditions => "missing-conditions",
            PolicyError::ConditionsNotArray => "conditions-not-array",
            PolicyError::NotACondition { .. } => "not-a-condition",
            PolicyError::SimpleConditionProperties { .. } => "simple-condition-properties",
            PolicyError::SimpleConditionValue { .. } => "simple-condition-value",
            PolicyError::MissingOperator { .. } => "missing-operator",
            PolicyError::UnknownOperator { .. } => "unknown-operator",
            PolicyError::WrongArity { .. } => "wrong-arity",
            PolicyError::NonStringArgument { .. } => "non-string-argument",
            PolicyError::InvalidRangeBound { .. } => "invalid-range-bound",
        }
    }

    /// S3's message for this error, verbatim, where it is known.
    pub fn s3_message(&self) -> Option<String> {
        const INVALID_JSON: &str = "Invalid Policy: Invalid JSON.";

        match self {
            PolicyError::InvalidJson { .. } => Some(INVALID_JSON.to_owned()),
            PolicyError::InvalidRangeBound { is_float: true, .. } => Some(INVALID_JSON.to_owned()),
            PolicyError::InvalidExpiration { value } => Some(format!(
                "Invalid Policy: Invalid 'expiration' value: '{value}'"
            )),
            PolicyError::SimpleConditionProperties { .. } => Some(
                "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly \
                 one property specified."
                    .to_owned(),
            ),
            PolicyError::SimpleConditionValue { .. } => {
                Some("Invalid Policy: Invalid Simple-Condition: value must be a string.".to_owned())
            }
            PolicyError::MissingOperator { .. } => {
                Some("Invalid Policy: Invalid Condition: missing operation identifier.".to_owned())
            }
            _ => None,
        }
    }

    /// How to fix it, where that is clear.
    pub fn fix(&self) -> Option<&'static str> {
        match self {
            PolicyError::InvalidJson { .. } => {
                Some("write strict JSON: no trailing commas, and `$` needs no escape")
            }
            PolicyError::MissingExpiration | PolicyError::InvalidExpiration { .. } => {
                Some("write `\"expiration\": \"2030-01-01T00:00:00Z\"` (UTC, ending in `Z`)")
            }
            PolicyError::MissingConditions | PolicyError::ConditionsNotArray => {
                Some("write `\"conditions\": [ ... ]`, lowercase")
            }
            PolicyError::SimpleConditionProperties { .. } => {
                Some("write one object per condition, such as `{\"acl\": \"private\"}`")
            }
            PolicyError::InvalidRangeBound { .. } => {
                Some("write the bounds as integers: `[\"content-length-range\", 1, 10485760]`")
            }
            _ => None,
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::InvalidJson { detail } => {
                write!(f, "the policy is not valid JSON: {detail}")
            }
            PolicyError::NotAnObject => {
                f.write_str("the policy must be a JSON object with `expiration` and `conditions`")
            }
            PolicyError::DuplicateKey { key } => write!(f, "the policy has more than one `{key}`"),
            PolicyError::MissingExpiration => {
                f.write_str("the policy has no `expiration` (top-level keys are case-sensitive)")
            }
            PolicyError::InvalidExpiration { value } => write!(
                f,
                "`expiration` must be a UTC time written `YYYY-MM-DDTHH:MM:SS.sssZ` or \
                 `YYYY-MM-DDTHH:MM:SSZ`, not `{value}`"
            ),
            PolicyError::MissingConditions => {
                f.write_str("the policy has no `conditions` (top-level keys are case-sensitive)")
            }
            PolicyError::ConditionsNotArray => f.write_str("`conditions` must be a JSON array"),
            PolicyError::NotACondition { index } => write!(
                f,
                "condition {} must be an object such as `{{\"acl\": \"private\"}}` or an array \
                 such as `[\"starts-with\", \"$key\", \"uploads/\"]`",
                index + 1
            ),
            PolicyError::SimpleConditionProperties { index, count } => write!(
                f,
                "condition {} has {count} properties; an object condition has exactly one",
                index + 1
            ),
            PolicyError::SimpleConditionValue { index, field } => write!(
                f,
                "condition {}: the value of `{field}` must be a string",
                index + 1
            ),
            PolicyError::MissingOperator { index } => write!(
                f,
                "condition {} must start with `eq`, `starts-with` or `content-length-range`",
                index + 1
            ),
            PolicyError::UnknownOperator { index, operator } => write!(
                f,
                "condition {}: unknown operator `{operator}`; use `eq`, `starts-with` or \
                 `content-length-range`",
                index + 1
            ),
            PolicyError::WrongArity {
                index,
                operator,
                count,
            } => write!(
                f,
                "condition {}: `{operator}` takes exactly two arguments, not {}",
                index + 1,
                count.saturating_sub(1)
            ),
            PolicyError::NonStringArgument { index, operator } => write!(
                f,
                "condition {}: the field and the value of `{operator}` must be strings",
                index + 1
            ),
            PolicyError::InvalidRangeBound { index, bound, .. } => write!(
                f,
                "condition {}: the bounds of `content-length-range` must be non-negative \
                 integers, not `{bound}`",
                index + 1
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

/// Reads a policy document as S3 does: strict JSON, case-sensitive `expiration` and
/// `conditions`, an expiration in UTC, and well-formed conditions.
///
/// # Errors
///
/// The first malformation found, as a [`PolicyError`] whose [`PolicyError::s3_message`] gives
/// S3's own words where they are known.
pub fn parse_policy(json_text: &str) -> Result<ParsedPolicy, PolicyError> {
    let document: Json =
        serde_json::from_str(json_text).map_err(|error| PolicyError::InvalidJson {
            detail: error.to_string(),
        })?;
    let Json::Object(members) = document else {
        return Err(PolicyError::NotAnObject);
    };

    let expiration =
        unique_member(&members, "expiration")?.ok_or(PolicyError::MissingExpiration)?;
    let conditions =
        unique_member(&members, "conditions")?.ok_or(PolicyError::MissingConditions)?;

    let (expiration, expiration_nanos, expiration_text) = parse_expiration(expiration)?;

    let Json::Array(items) = conditions else {
        return Err(PolicyError::ConditionsNotArray);
    };
    let conditions = items
        .iter()
        .enumerate()
        .map(|(index, item)| parse_condition(index, item))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(ParsedPolicy {
        expiration,
        expiration_text,
        conditions,
        expiration_nanos,
    })
}

/// The bytes a browser sends before the file's content, estimated from the multipart encoding:
/// for each field a boundary line, a `Content-Disposition` header, a blank line, the value and a
/// line break; then the file part's boundary line and headers. This is what S3 holds to
/// [`MAX_FORM_BYTES`].
///
/// The boundary is taken as 60 characters, a little longer than browsers' and curl's. Quotes and
/// line breaks in names count as the three bytes of their percent-escape, and bare line breaks in
/// values as the two of CRLF, as browsers encode them.
pub fn form_overhead_bytes(fields: &[(String, String)], file_name: Option<&str>) -> usize {
    const DISPOSITION: &str = "Content-Disposition: form-data; name=\"\"\r\n";
    let boundary_line = 2 + ESTIMATED_BOUNDARY_BYTES + 2;

    let text_parts: usize = fields
        .iter()
        .map(|(name, value)| {
            boundary_line + DISPOSITION.len() + escaped_len(name) + 2 + crlf_len(value) + 2
        })
        .sum();

    let file_part = boundary_line
        + DISPOSITION.len()
        + "file".len()
        + match file_name {
            Some(name) => "; filename=\"\"".len() + escaped_len(name) + CONTENT_TYPE_LINE.len(),
            None => 0,
        }
        + 2;

    text_parts + file_part
}

/// The file part's content type line assumed by the estimate.
const CONTENT_TYPE_LINE: &str = "Content-Type: application/octet-stream\r\n";

/// Decides whether S3 would accept `upload`, and lists every reason it would not.
pub fn evaluate(upload: &Upload, context: &Context<'_>) -> Evaluation {
    let form = Form::read(upload);
    let mut violations = Vec::new();

    check_form_size(upload, &mut violations);

    let key = check_key(&form, &mut violations);

    let signature_version = detect_signature_version(&form, &mut violations);
    let signature_verified = match signature_version {
        Some(SignatureVersion::V4) => check_v4_signature(&form, context, &mut violations),
        Some(SignatureVersion::V2) => check_v2_signature(&form, context, &mut violations),
        None => false,
    };

    let policy = read_policy(&form, signature_version, &mut violations);

    if let Some(policy) = &policy {
        check_expiration(policy, context.now, &mut violations);
        check_conditions(policy, &form, context, &mut violations);
        check_coverage(policy, &form, signature_version, &mut violations);
    }

    check_file_size(policy.as_ref(), upload.file_size, &mut violations);

    Evaluation {
        violations,
        key,
        signature_version,
        signature_verified,
        policy,
    }
}

/// The form as S3 sees it: names compared without case, repeated fields joined with commas, and
/// `${filename}` expanded in every value.
struct Form {
    fields: Vec<FormField>,
}

struct FormField {
    /// The name as first sent.
    name: String,
    /// The value after expansion, repeated values joined with commas.
    value: String,
}

impl Form {
    fn read(upload: &Upload) -> Form {
        let file_name = upload.file_name.as_deref().map(base_name);
        let mut fields: Vec<FormField> = Vec::new();

        for (name, value) in &upload.fields {
            let value = match file_name {
                Some(file_name) => value.replace(FILENAME_VARIABLE, file_name),
                None => value.clone(),
            };

            match fields
                .iter_mut()
                .find(|field| field.name.eq_ignore_ascii_case(name))
            {
                Some(field) => {
                    field.value.push(',');
                    field.value.push_str(&value);
                }
                None => fields.push(FormField {
                    name: name.clone(),
                    value,
                }),
            }
        }

        Form { fields }
    }

    fn get(&self, name: &str) -> Option<&FormField> {
        self.fields
            .iter()
            .find(|field| field.name.eq_ignore_ascii_case(name))
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(|field| field.value.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The text after the last `/` or `\`: what S3 puts in place of `${filename}`.
fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn check_form_size(upload: &Upload, violations: &mut Vec<Violation>) {
    let bytes = form_overhead_bytes(&upload.fields, upload.file_name.as_deref());
    if bytes <= MAX_FORM_BYTES {
        return;
    }

    violations.push(
        Violation::new(
            ViolationCode::FormTooLarge,
            format!(
                "the form fields before the file take about {bytes} bytes; S3 accepts at most \
                 {MAX_FORM_BYTES}"
            ),
        )
        .with_value(bytes.to_string())
        .with_fix("shorten the policy and the field values, or drop conditions and fields")
        .with_s3("Your POST request fields preceding the upload file were too large."),
    );
}

fn check_key(form: &Form, violations: &mut Vec<Violation>) -> Option<String> {
    const S3_MISSING_KEY: &str = "Bucket POST must contain a field named 'key'.  If it is \
                                  specified, please check the order of the fields.";

    let Some(field) = form.get("key") else {
        violations.push(
            Violation::new(ViolationCode::MissingKey, "the form has no `key` field")
                .with_field("key")
                .with_fix("add a `key` field, before the file")
                .with_s3(S3_MISSING_KEY),
        );
        return None;
    };

    if field.value.is_empty() {
        violations.push(
            Violation::new(ViolationCode::MissingKey, "the `key` field is empty")
                .with_field(&field.name)
                .with_value("")
                .with_fix("give the `key` field a value, such as `uploads/${filename}`")
                .with_s3(S3_MISSING_KEY),
        );
    } else if field.value.len() > MAX_KEY_BYTES {
        violations.push(
            Violation::new(
                ViolationCode::KeyTooLong,
                format!(
                    "the key is {} bytes long; S3 keys are at most {MAX_KEY_BYTES} bytes",
                    field.value.len()
                ),
            )
            .with_field(&field.name)
            .with_value(field.value.clone())
            .with_fix(format!("shorten the key to at most {MAX_KEY_BYTES} bytes"))
            .with_s3("Your key is too long"),
        );
    }

    Some(field.value.clone())
}

/// Tells the signature version from the fields present and reports the fields it then lacks.
fn detect_signature_version(
    form: &Form,
    violations: &mut Vec<Violation>,
) -> Option<SignatureVersion> {
    let (version, required): (SignatureVersion, &[&str]) =
        if V4_FIELDS.iter().any(|name| form.has(name)) {
            (SignatureVersion::V4, &V4_FIELDS)
        } else if V2_FIELDS.iter().any(|name| form.has(name)) {
            (SignatureVersion::V2, &V2_FIELDS)
        } else {
            violations.push(unsigned_form(form));
            return None;
        };

    for name in required.iter().filter(|name| !form.has(name)) {
        violations.push(missing_signature_field(name, version));
    }

    Some(version)
}

fn unsigned_form(form: &Form) -> Violation {
    if form.has("policy") {
        return Violation::new(
            ViolationCode::MissingSignature,
            "the form has a `policy` but no signature fields",
        )
        .with_fix("add `x-amz-algorithm`, `x-amz-credential`, `x-amz-date` and `x-amz-signature`")
        .with_s3("Access Denied");
    }

    Violation::new(
        ViolationCode::AnonymousUpload,
        "the form has neither a `policy` nor a signature, so S3 takes it for an anonymous \
         upload, which a private bucket refuses",
    )
    .with_fix("sign a policy and send it with its signature fields")
    .with_s3("Access Denied")
}

fn missing_signature_field(name: &str, version: SignatureVersion) -> Violation {
    let (code, s3_name) = match name {
        "x-amz-signature" => (ViolationCode::MissingSignature, "X-Amz-Signature"),
        "signature" => (ViolationCode::MissingSignature, "Signature"),
        "x-amz-algorithm" => (ViolationCode::MissingAuthField, "X-Amz-Algorithm"),
        "x-amz-credential" => (ViolationCode::MissingAuthField, "X-Amz-Credential"),
        "x-amz-date" => (ViolationCode::MissingAuthField, "X-Amz-Date"),
        _ => (ViolationCode::MissingAuthField, name),
    };
    let version_name = match version {
        SignatureVersion::V4 => "Signature Version 4",
        SignatureVersion::V2 => "Signature Version 2",
    };

    Violation::new(
        code,
        format!("the form has no `{name}` field, which a {version_name} upload requires"),
    )
    .with_field(name)
    .with_fix(format!("add the `{name}` field before the file"))
    .with_s3(format!(
        "Bucket POST must contain a field named '{s3_name}'.  If it is specified, please check \
         the order of the fields."
    ))
}

/// The parts of `x-amz-credential`.
struct CredentialScope<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
}

impl<'a> CredentialScope<'a> {
    fn parse(text: &'a str) -> Option<CredentialScope<'a>> {
        let mut parts = text.split('/');
        let access_key_id = parts.next()?;
        let date = parts.next()?;
        let region = parts.next()?;
        let service = parts.next()?;
        let terminator = parts.next()?;

        let well_formed = parts.next().is_none()
            && !access_key_id.is_empty()
            && date.len() == 8
            && date.bytes().all(|byte| byte.is_ascii_digit())
            && !region.is_empty()
            && service == sign::S3_SERVICE
            && terminator == sign::SCOPE_TERMINATOR;

        well_formed.then_some(CredentialScope {
            access_key_id,
            date,
            region,
        })
    }
}

/// Checks the SigV4 fields' values; returns whether the signature was verified.
fn check_v4_signature(form: &Form, context: &Context<'_>, violations: &mut Vec<Violation>) -> bool {
    let algorithm_supported = match form.get("x-amz-algorithm") {
        Some(field) if field.value != sign::SIGV4_ALGORITHM => {
            violations.push(
                Violation::new(
                    ViolationCode::UnsupportedAlgorithm,
                    format!(
                        "`x-amz-algorithm` is `{}`; S3 supports only `AWS4-HMAC-SHA256`",
                        field.value
                    ),
                )
                .with_field(&field.name)
                .with_value(field.value.clone())
                .with_fix("set `x-amz-algorithm` to `AWS4-HMAC-SHA256`"),
            );
            false
        }
        Some(_) => true,
        None => false,
    };

    let scope = form.get("x-amz-credential").and_then(|field| {
        let scope = CredentialScope::parse(&field.value);
        if scope.is_none() {
            violations.push(malformed_credential(field));
        }
        scope
    });

    if let (Some(scope), Some(region)) = (&scope, context.region)
        && scope.region != region
    {
        violations.push(
            Violation::new(
                ViolationCode::WrongRegion,
                format!(
                    "the region '{}' is wrong; expecting '{region}'",
                    scope.region
                ),
            )
            .with_field("x-amz-credential")
            .with_value(scope.region)
            .with_fix(format!(
                "sign for `{region}`, the region the bucket lives in"
            ))
            .with_s3(format!(
                "the region '{}' is wrong; expecting '{region}'",
                scope.region
            )),
        );
    }

    let signature = form.get("x-amz-signature").and_then(|field| {
        let well_formed = field.value.len() == 64
            && field
                .value
                .bytes()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'));
        if !well_formed {
            violations.push(malformed_signature(field, "64 lowercase hex digits"));
        }
        well_formed.then_some(field.value.as_str())
    });

    let Some(credentials) = context.credentials else {
        return false;
    };
    let Some(scope) = scope else {
        return false;
    };
    if !access_key_matches(
        scope.access_key_id,
        "x-amz-credential",
        credentials,
        violations,
    ) {
        return false;
    }
    check_session_token(form, credentials, violations);

    let (Some(policy), Some(signature), true) =
        (form.value("policy"), signature, algorithm_supported)
    else {
        return false;
    };
    let expected = SigningKey::derive(&credentials.secret, scope.date, scope.region).sign(policy);
    if sign::signatures_equal(&expected, signature) {
        return true;
    }

    violations.push(signature_mismatch(
        "x-amz-signature",
        signature,
        &format!(
            "the secret of `{}` for {} in {}",
            credentials.access_key.id, scope.date, scope.region
        ),
    ));
    false
}

/// Checks the SigV2 fields' values; returns whether the signature was verified.
fn check_v2_signature(form: &Form, context: &Context<'_>, violations: &mut Vec<Violation>) -> bool {
    let signature = form.get("signature").and_then(|field| {
        let decoded = base64::engine::general_purpose::STANDARD.decode(&field.value);
        let well_formed = decoded.is_ok_and(|bytes| bytes.len() == 20);
        if !well_formed {
            violations.push(malformed_signature(
                field,
                "the base64 of a 20-byte HMAC-SHA1",
            ));
        }
        well_formed.then_some(field.value.as_str())
    });

    let Some(credentials) = context.credentials else {
        return false;
    };
    let Some(access_key_id) = form.value("AWSAccessKeyId") else {
        return false;
    };
    if !access_key_matches(access_key_id, "AWSAccessKeyId", credentials, violations) {
        return false;
    }
    check_session_token(form, credentials, violations);

    let (Some(policy), Some(signature)) = (form.value("policy"), signature) else {
        return false;
    };
    let expected = sign::sign_v2(&credentials.secret, policy);
    if sign::signatures_equal(&expected, signature) {
        return true;
    }

    violations.push(signature_mismatch(
        "signature",
        signature,
        &format!("the secret of `{}`", credentials.access_key.id),
    ));
    false
}

fn malformed_credential(field: &FormField) -> Violation {
    Violation::new(
        ViolationCode::MalformedCredential,
        "`x-amz-credential` is not `<access-key-id>/<yyyymmdd>/<region>/s3/aws4_request`",
    )
    .with_field(&field.name)
    .with_value(field.value.clone())
    .with_fix("send the credential scope the policy was signed with")
    .with_s3(
        "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \
         \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
    )
}

fn malformed_signature(field: &FormField, shape: &str) -> Violation {
    Violation::new(
        ViolationCode::MalformedSignature,
        format!("`{}` is not a signature: it must be {shape}", field.name),
    )
    .with_field(&field.name)
    .with_value(field.value.clone())
    .with_fix("send the signature exactly as the signer returned it")
    .with_s3(SIGNATURE_DOES_NOT_MATCH)
}

fn signature_mismatch(field: &str, given: &str, signed_with: &str) -> Violation {
    Violation::new(
        ViolationCode::SignatureMismatch,
        format!("the signature does not match the policy as sent, signed with {signed_with}"),
    )
    .with_field(field)
    .with_value(given)
    .with_fix("sign the base64 `policy` text exactly as it is sent, and send it unchanged")
    .with_s3(SIGNATURE_DOES_NOT_MATCH)
}

const SIGNATURE_DOES_NOT_MATCH: &str = "The request signature we calculated does not match the \
                                        signature you provided. Check your key and signing \
                                        method.";

fn access_key_matches(
    given: &str,
    field: &str,
    credentials: &Credentials,
    violations: &mut Vec<Violation>,
) -> bool {
    if given == credentials.access_key.id {
        return true;
    }

    violations.push(
        Violation::new(
            ViolationCode::UnknownAccessKey,
            format!("the access key `{given}` is not the one of the credentials given"),
        )
        .with_field(field)
        .with_value(given)
        .with_fix(format!(
            "sign with the access key `{}`",
            credentials.access_key.id
        ))
        .with_s3("The AWS Access Key Id you provided does not exist in our records."),
    );
    false
}

/// Temporary credentials need their session token in `x-amz-security-token`; long-term ones
/// take none. The token's value never appears in a violation.
fn check_session_token(form: &Form, credentials: &Credentials, violations: &mut Vec<Violation>) {
    const S3_INVALID_TOKEN: &str = "The provided token is malformed or otherwise invalid.";

    let expected = credentials.access_key.session_token.as_deref();
    let given = form.value("x-amz-security-token");
    let violation = match (expected, given) {
        (Some(expected), Some(given)) if sign::signatures_equal(expected, given) => return,
        (None, None) => return,
        (Some(_), Some(_)) => Violation::new(
            ViolationCode::InvalidSecurityToken,
            "`x-amz-security-token` is not the session token of the credentials given",
        )
        .with_fix("send the session token of the credentials that signed")
        .with_s3(S3_INVALID_TOKEN),
        (Some(_), None) => Violation::new(
            ViolationCode::InvalidSecurityToken,
            "temporary credentials need their session token in an `x-amz-security-token` field",
        )
        .with_fix("add the `x-amz-security-token` field and a condition for it")
        .with_s3("The AWS Access Key Id you provided does not exist in our records."),
        (None, Some(_)) => Violation::new(
            ViolationCode::InvalidSecurityToken,
            "the form has an `x-amz-security-token`, but the credentials given have no session \
             token",
        )
        .with_fix("drop the `x-amz-security-token` field, or sign with the temporary credentials")
        .with_s3(S3_INVALID_TOKEN),
    };

    violations.push(violation.with_field("x-amz-security-token"));
}

fn read_policy(
    form: &Form,
    signature_version: Option<SignatureVersion>,
    violations: &mut Vec<Violation>,
) -> Option<ParsedPolicy> {
    let Some(field) = form.get("policy") else {
        if signature_version.is_some() {
            violations.push(
                Violation::new(
                    ViolationCode::MissingPolicy,
                    "the form is signed but has no `policy`",
                )
                .with_field("policy")
                .with_fix("add the `policy` field, before the file"),
            );
        }
        return None;
    };

    let invalid = |message: String| {
        Violation::new(ViolationCode::InvalidPolicy, message).with_field(&field.name)
    };

    let Ok(bytes) = base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT.decode(&field.value)
    else {
        violations.push(
            invalid("the `policy` field is not standard base64".to_owned())
                .with_value(field.value.clone())
                .with_fix("send the base64 of the policy JSON, unchanged"),
        );
        return None;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        violations.push(
            invalid("the policy is not UTF-8 text".to_owned())
                .with_s3("Invalid Policy: Invalid JSON."),
        );
        return None;
    };

    match parse_policy(&text) {
        Ok(policy) => Some(policy),
        Err(error) => {
            let mut violation = invalid(error.to_string());
            violation.s3_message = error.s3_message();
            violation.fix = error.fix().map(str::to_owned);
            violations.push(violation);
            None
        }
    }
}

fn check_expiration(policy: &ParsedPolicy, now: Timestamp, violations: &mut Vec<Violation>) {
    if !policy.is_expired_at(now) {
        return;
    }

    violations.push(
        Violation::new(
            ViolationCode::PolicyExpired,
            format!(
                "the policy expired at {} (the upload is at {now})",
                policy.expiration_text
            ),
        )
        .with_value(policy.expiration_text.clone())
        .with_fix("sign a new policy with a later expiration")
        .with_s3("Invalid according to Policy: Policy expired."),
    );
}

fn check_conditions(
    policy: &ParsedPolicy,
    form: &Form,
    context: &Context<'_>,
    violations: &mut Vec<Violation>,
) {
    for condition in &policy.conditions {
        match &condition.test {
            ConditionTest::ContentLengthRange { .. } => {}
            ConditionTest::UnprefixedField { name } => {
                violations.push(
                    condition_failed(
                        condition,
                        format!(
                            "`{name}` names no form field: an array condition writes its field \
                             with a leading `$`"
                        ),
                    )
                    .with_field(name)
                    .with_fix(format!("write `${name}` in the condition")),
                );
            }
            ConditionTest::Eq { field, .. } | ConditionTest::StartsWith { field, .. } => {
                if field.eq_ignore_ascii_case("bucket") {
                    check_bucket_condition(condition, form, context, violations);
                } else {
                    check_field_condition(condition, field, form, violations);
                }
            }
        }
    }
}

fn check_field_condition(
    condition: &PolicyCondition,
    field: &str,
    form: &Form,
    violations: &mut Vec<Violation>,
) {
    let Some(form_field) = form.get(field) else {
        violations.push(
            Violation::new(
                ViolationCode::MissingField,
                format!(
                    "the policy has a condition on `{field}`, but the form has no such field \
                     (S3 fails it even for `starts-with \"\"`)"
                ),
            )
            .with_field(field)
            .with_condition(&condition.written)
            .with_fix(missing_field_fix(&condition.test, field))
            .with_s3(condition_failed_s3(condition)),
        );
        return;
    };

    if condition_holds(&condition.test, &form_field.value) {
        return;
    }

    violations.push(
        condition_failed(
            condition,
            mismatch_message(&condition.test, &form_field.name, &form_field.value),
        )
        .with_field(&form_field.name)
        .with_value(form_field.value.clone())
        .with_fix(mismatch_fix(&condition.test, &form_field.name)),
    );
}

/// `bucket` is the one field S3 knows without the form: it is checked against the bucket
/// posted to, and against a `bucket` form field when the form has one.
fn check_bucket_condition(
    condition: &PolicyCondition,
    form: &Form,
    context: &Context<'_>,
    violations: &mut Vec<Violation>,
) {
    if let Some(bucket) = context.bucket
        && !condition_holds(&condition.test, bucket)
    {
        violations.push(
            condition_failed(
                condition,
                format!("the form is posted to bucket `{bucket}`, which the condition refuses"),
            )
            .with_field("bucket")
            .with_value(bucket)
            .with_fix("post the form to the bucket the policy names, or sign for this one"),
        );
    }

    if let Some(field) = form.get("bucket")
        && !condition_holds(&condition.test, &field.value)
    {
        violations.push(
            condition_failed(
                condition,
                mismatch_message(&condition.test, &field.name, &field.value),
            )
            .with_field(&field.name)
            .with_value(field.value.clone())
            .with_fix(mismatch_fix(&condition.test, &field.name)),
        );
    }
}

/// Whether `value` satisfies an `eq` or `starts-with` condition.
fn condition_holds(test: &ConditionTest, value: &str) -> bool {
    match test {
        ConditionTest::Eq {
            value: expected, ..
        } => value == expected,
        ConditionTest::StartsWith { field, prefix } if is_content_type(field) => {
            value.split(',').all(|element| {
                element
                    .trim_matches([' ', '\t'])
                    .starts_with(prefix.as_str())
            })
        }
        ConditionTest::StartsWith { prefix, .. } => value.starts_with(prefix.as_str()),
        ConditionTest::ContentLengthRange { .. } | ConditionTest::UnprefixedField { .. } => false,
    }
}

fn is_content_type(field: &str) -> bool {
    field.eq_ignore_ascii_case("Content-Type")
}

fn condition_failed(condition: &PolicyCondition, message: String) -> Violation {
    Violation::new(ViolationCode::ConditionFailed, message)
        .with_condition(&condition.written)
        .with_s3(condition_failed_s3(condition))
}

fn condition_failed_s3(condition: &PolicyCondition) -> String {
    format!(
        "Invalid according to Policy: Policy Condition failed: {}",
        condition.written
    )
}

fn mismatch_message(test: &ConditionTest, name: &str, value: &str) -> String {
    match test {
        ConditionTest::Eq {
            value: expected, ..
        } => {
            format!("`{name}` is `{value}`, but the policy requires `{expected}`")
        }
        ConditionTest::StartsWith { field, prefix } if is_content_type(field) => format!(
            "`{name}` is `{value}`; every comma-separated element must start with `{prefix}`"
        ),
        ConditionTest::StartsWith { prefix, .. } => {
            format!("`{name}` is `{value}`, which does not start with `{prefix}`")
        }
        ConditionTest::ContentLengthRange { .. } | ConditionTest::UnprefixedField { .. } => {
            format!("`{name}` is `{value}`")
        }
    }
}

fn mismatch_fix(test: &ConditionTest, name: &str) -> String {
    match test {
        ConditionTest::Eq { value, .. } => format!("set `{name}` to `{value}`"),
        ConditionTest::StartsWith { prefix, .. } => {
            format!("the {name} must start with `{prefix}`")
        }
        ConditionTest::ContentLengthRange { .. } | ConditionTest::UnprefixedField { .. } => {
            format!("change `{name}`")
        }
    }
}

fn missing_field_fix(test: &ConditionTest, field: &str) -> String {
    match test {
        ConditionTest::Eq { value, .. } => {
            format!("add a `{field}` field with the value `{value}`")
        }
        ConditionTest::StartsWith { prefix, .. } if prefix.is_empty() => {
            format!("add a `{field}` field (an empty value will do) or drop the condition")
        }
        ConditionTest::StartsWith { prefix, .. } => {
            format!("add a `{field}` field that starts with `{prefix}`")
        }
        ConditionTest::ContentLengthRange { .. } | ConditionTest::UnprefixedField { .. } => {
            format!("add a `{field}` field")
        }
    }
}

/// Every form field must be named by some condition, except those S3 exempts.
fn check_coverage(
    policy: &ParsedPolicy,
    form: &Form,
    signature_version: Option<SignatureVersion>,
    violations: &mut Vec<Violation>,
) {
    for field in &form.fields {
        if is_exempt_from_coverage(&field.name, signature_version) {
            continue;
        }
        let covered = policy
            .conditions
            .iter()
            .filter_map(PolicyCondition::field)
            .any(|name| name.eq_ignore_ascii_case(&field.name));
        if covered {
            continue;
        }

        violations.push(
            Violation::new(
                ViolationCode::ExtraField,
                format!(
                    "the form field `{}` is named by no condition of the policy",
                    field.name
                ),
            )
            .with_field(&field.name)
            .with_value(field.value.clone())
            .with_fix(format!(
                "add a condition for `{}` or prefix it with `x-ignore-`",
                field.name
            ))
            .with_s3(format!(
                "Invalid according to Policy: Extra input fields: {}",
                field.name
            )),
        );
    }
}

fn is_exempt_from_coverage(name: &str, signature_version: Option<SignatureVersion>) -> bool {
    let always = ["x-amz-signature", "file", "policy"]
        .iter()
        .any(|exempt| name.eq_ignore_ascii_case(exempt));
    let ignored = name
        .get(.."x-ignore-".len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("x-ignore-"));
    let signature_v2 = signature_version == Some(SignatureVersion::V2)
        && V2_FIELDS
            .iter()
            .any(|exempt| name.eq_ignore_ascii_case(exempt));

    always || ignored || signature_v2
}

fn check_file_size(policy: Option<&ParsedPolicy>, size: u64, violations: &mut Vec<Violation>) {
    let ranges: Vec<(&PolicyCondition, u64, u64)> = policy
        .map(|policy| policy.conditions.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|condition| match condition.test {
            ConditionTest::ContentLengthRange { min, max } => Some((condition, min, max)),
            _ => None,
        })
        .collect();

    let tightest_max = ranges.iter().min_by_key(|(_, _, max)| *max);
    let tightest_min = ranges.iter().max_by_key(|(_, min, _)| *min);

    if size > MAX_POST_FILE_BYTES {
        violations.push(too_large(size, MAX_POST_FILE_BYTES, None));
    } else if let Some((condition, _, max)) = tightest_max
        && size > *max
    {
        violations.push(too_large(size, *max, Some(condition)));
    }

    if let Some((condition, min, _)) = tightest_min
        && size < *min
    {
        violations.push(
            Violation::new(
                ViolationCode::TooSmall,
                format!(
                    "the file is {}; the policy requires at least {}",
                    bytes(size),
                    bytes(*min)
                ),
            )
            .with_field("file")
            .with_condition(&condition.written)
            .with_value(size.to_string())
            .with_fix(format!("upload at least {}", bytes(*min)))
            .with_s3("Your proposed upload is smaller than the minimum allowed size"),
        );
    }
}

/// `1 byte`, `2048 bytes`: sizes in messages, exact as S3 counts them.
fn bytes(count: u64) -> String {
    if count == 1 {
        "1 byte".to_owned()
    } else {
        format!("{count} bytes")
    }
}

fn too_large(size: u64, max: u64, condition: Option<&PolicyCondition>) -> Violation {
    let (message, fix) = match condition {
        Some(_) => (
            format!(
                "the file is {}; the policy allows at most {}",
                bytes(size),
                bytes(max)
            ),
            format!("upload at most {}", bytes(max)),
        ),
        None => (
            format!(
                "the file is {}; one POST uploads at most 5 GiB",
                bytes(size)
            ),
            "upload files over 5 GiB with a multipart upload instead".to_owned(),
        ),
    };

    let violation = Violation::new(ViolationCode::TooLarge, message)
        .with_field("file")
        .with_value(size.to_string())
        .with_fix(fix)
        .with_s3("Your proposed upload exceeds the maximum allowed size");
    match condition {
        Some(condition) => violation.with_condition(&condition.written),
        None => violation,
    }
}

/// The length of a name or file name in a `Content-Disposition` header: browsers percent-escape
/// quotes and line breaks.
fn escaped_len(text: &str) -> usize {
    text.len()
        + 2 * text
            .bytes()
            .filter(|byte| matches!(byte, b'"' | b'\r' | b'\n'))
            .count()
}

/// The length of a value once browsers have turned every line break into CRLF.
fn crlf_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let bare_breaks = bytes
        .iter()
        .enumerate()
        .filter(|(index, byte)| match byte {
            b'\n' => index.checked_sub(1).and_then(|before| bytes.get(before)) != Some(&b'\r'),
            b'\r' => bytes.get(index + 1) != Some(&b'\n'),
            _ => false,
        })
        .count();

    text.len() + bare_breaks
}

/// A JSON value that keeps what S3's reading depends on and `serde_json::Value` loses: repeated
/// object keys, and whether a number was written as an integer.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Integer(i128),
    Float(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value written back as JSON, with `", "` between elements as S3 echoes conditions.
    fn render(&self) -> String {
        match self {
            Json::Null => "null".to_owned(),
            Json::Bool(value) => value.to_string(),
            Json::Integer(value) => value.to_string(),
            Json::Float(value) => format!("{value:?}"),
            Json::String(text) => json_string(text),
            Json::Array(items) => {
                let items: Vec<String> = items.iter().map(Json::render).collect();
                format!("[{}]", items.join(", "))
            }
            Json::Object(members) => {
                let members: Vec<String> = members
                    .iter()
                    .map(|(name, value)| format!("{}: {}", json_string(name), value.render()))
                    .collect();
                format!("{{{}}}", members.join(", "))
            }
        }
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Integer(i128::from(value)))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Integer(i128::from(value)))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Json, E> {
        Ok(Json::Float(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Json, E> {
        Ok(Json::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Json, E> {
        Ok(Json::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = sequence.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry::<String, Json>()? {
            members.push(member);
        }
        Ok(Json::Object(members))
    }
}

/// The value of a top-level key, which may appear at most once.
fn unique_member<'a>(
    members: &'a [(String, Json)],
    key: &'static str,
) -> Result<Option<&'a Json>, PolicyError> {
    let mut found = members
        .iter()
        .filter(|(name, _)| name == key)
        .map(|(_, value)| value);
    let first = found.next();
    if found.next().is_some() {
        return Err(PolicyError::DuplicateKey { key });
    }
    Ok(first)
}

/// Reads `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.fffZ` (one to nine fraction digits), in
/// UTC only, as S3 does. Times before 1970 are valid and long expired.
fn parse_expiration(value: &Json) -> Result<(Timestamp, u32, String), PolicyError> {
    let Json::String(text) = value else {
        return Err(PolicyError::InvalidExpiration {
            value: value.render(),
        });
    };
    let invalid = || PolicyError::InvalidExpiration {
        value: text.clone(),
    };

    if !has_expiration_shape(text) {
        return Err(invalid());
    }
    if text.get(..4).is_some_and(|year| year < "1970") {
        return Ok((Timestamp::from_unix(0), 0, text.clone()));
    }

    let time = humantime::parse_rfc3339(text).map_err(|_| invalid())?;
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| invalid())?;

    Ok((
        Timestamp::from_unix(since_epoch.as_secs()),
        since_epoch.subsec_nanos(),
        text.clone(),
    ))
}

fn has_expiration_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let byte_is = |index: usize, expected: u8| bytes.get(index) == Some(&expected);

    let date_and_time = digits(0..4)
        && byte_is(4, b'-')
        && digits(5..7)
        && byte_is(7, b'-')
        && digits(8..10)
        && byte_is(10, b'T')
        && digits(11..13)
        && byte_is(13, b':')
        && digits(14..16)
        && byte_is(16, b':')
        && digits(17..19);
    if !date_and_time {
        return false;
    }

    match bytes.get(19..) {
        Some(b"Z") => true,
        Some([b'.', fraction @ .., b'Z']) => {
            (1..=9).contains(&fraction.len()) && fraction.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

fn parse_condition(index: usize, item: &Json) -> Result<PolicyCondition, PolicyError> {
    match item {
        Json::Object(members) => parse_simple_condition(index, members),
        Json::Array(elements) => parse_array_condition(index, elements),
        _ => Err(PolicyError::NotACondition { index }),
    }
}

/// `{"field": "value"}`: an exact match, echoed by S3 as `["eq", "$field", "value"]`.
fn parse_simple_condition(
    index: usize,
    members: &[(String, Json)],
) -> Result<PolicyCondition, PolicyError> {
    let [(field, value)] = members else {
        return Err(PolicyError::SimpleConditionProperties {
            index,
            count: members.len(),
        });
    };
    let Json::String(value) = value else {
        return Err(PolicyError::SimpleConditionValue {
            index,
            field: field.clone(),
        });
    };

    Ok(PolicyCondition {
        written: format!(
            "[\"eq\", {}, {}]",
            json_string(&format!("${field}")),
            json_string(value)
        ),
        test: ConditionTest::Eq {
            field: field.clone(),
            value: value.clone(),
        },
    })
}

/// `[operator, argument, argument]`, with the operator in any case.
fn parse_array_condition(index: usize, elements: &[Json]) -> Result<PolicyCondition, PolicyError> {
    let Some(Json::String(operator)) = elements.first() else {
        return Err(PolicyError::MissingOperator { index });
    };
    let operator_name = operator.to_ascii_lowercase();
    if !matches!(
        operator_name.as_str(),
        "eq" | "starts-with" | "content-length-range"
    ) {
        return Err(PolicyError::UnknownOperator {
            index,
            operator: operator.clone(),
        });
    }
    let [_, first, second] = elements else {
        return Err(PolicyError::WrongArity {
            index,
            operator: operator.clone(),
            count: elements.len(),
        });
    };
    let written = Json::Array(elements.to_vec()).render();

    if operator_name == "content-length-range" {
        let min = range_bound(index, first)?;
        let max = range_bound(index, second)?;
        return Ok(PolicyCondition {
            test: ConditionTest::ContentLengthRange { min, max },
            written,
        });
    }

    let (Json::String(field), Json::String(value)) = (first, second) else {
        return Err(PolicyError::NonStringArgument {
            index,
            operator: operator.clone(),
        });
    };
    let test = match (field.strip_prefix('$'), operator_name.as_str()) {
        (None, _) => ConditionTest::UnprefixedField {
            name: field.clone(),
        },
        (Some(name), "eq") => ConditionTest::Eq {
            field: name.to_owned(),
            value: value.clone(),
        },
        (Some(name), _) => ConditionTest::StartsWith {
            field: name.to_owned(),
            prefix: value.clone(),
        },
    };

    Ok(PolicyCondition { test, written })
}

/// A `content-length-range` bound: a non-negative JSON integer, or a string of digits.
fn range_bound(index: usize, value: &Json) -> Result<u64, PolicyError> {
    let bound = match value {
        Json::Integer(number) => u64::try_from(*number).ok(),
        Json::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()
        }
        _ => None,
    };

    bound.ok_or_else(|| PolicyError::InvalidRangeBound {
        index,
        bound: value.render(),
        is_float: matches!(value, Json::Float(_)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{AccessKey, Secret};

    const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const SCOPE: &str = "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request";
    const AMZ_DATE: &str = "20151229T000000Z";
    /// 2015-12-29T00:00:00Z, the day of every SigV4 vector in the reference.
    const DAY: u64 = 1_451_347_200;
    const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    const AUTH: [&str; 3] = [
        r#"{"x-amz-algorithm":"AWS4-HMAC-SHA256"}"#,
        r#"{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"}"#,
        r#"{"x-amz-date":"20151229T000000Z"}"#,
    ];

    fn credentials(id: &str, secret: &str, session_token: Option<&str>) -> Credentials {
        Credentials {
            access_key: AccessKey {
                id: id.to_owned(),
                session_token: session_token.map(str::to_owned),
            },
            secret: Secret::new(secret.to_owned()),
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    fn at(time: &str) -> Timestamp {
        Timestamp::parse_rfc3339(time).unwrap()
    }

    /// How a case's form is signed.
    #[derive(Clone, Copy)]
    enum Signing {
        /// `AUTH` conditions appended; the SigV4 fields sent after the case's, in lowercase.
        V4,
        /// As `V4`, with the field names spelt as the AWS example form spells them.
        V4Capitalised,
        /// `AWSAccessKeyId`, `policy`, `signature` sent after the case's fields.
        V2,
        /// Only the case's fields; `AUTH` in the conditions and `{policy}`, `{v4}`,
        /// `{v4:REGION}`, `{v2}` in values are filled in.
        Raw,
    }

    struct Case {
        name: &'static str,
        conditions: &'static [&'static str],
        expiration: &'static str,
        fields: &'static [(&'static str, &'static str)],
        signing: Signing,
        file_name: Option<&'static str>,
        size: u64,
        credentials: bool,
        bucket: Option<&'static str>,
        region: Option<&'static str>,
        /// Violation codes in order, each optionally `code@field`.
        expect: &'static [&'static str],
    }

    const BASE: Case = Case {
        name: "",
        conditions: &[
            r#"{"bucket":"uploads-bucket"}"#,
            r#"["starts-with","$key","uploads/"]"#,
        ],
        expiration: "2015-12-30T00:00:00Z",
        fields: &[("key", "uploads/${filename}")],
        signing: Signing::V4,
        file_name: Some("cat.png"),
        size: 1024,
        credentials: true,
        bucket: Some("uploads-bucket"),
        region: Some("us-east-1"),
        expect: &[],
    };

    fn run(case: &Case) -> Evaluation {
        let mut conditions: Vec<&str> = Vec::new();
        for condition in case.conditions {
            match *condition {
                "AUTH" => conditions.extend(AUTH),
                other => conditions.push(other),
            }
        }
        if matches!(case.signing, Signing::V4 | Signing::V4Capitalised) {
            conditions.extend(AUTH);
        }
        let json = format!(
            r#"{{"expiration":"{}","conditions":[{}]}}"#,
            case.expiration,
            conditions.join(",")
        );
        let policy = base64::engine::general_purpose::STANDARD.encode(json);
        let signer = credentials(ACCESS_KEY, SECRET, None);
        let sign_v4 =
            |region: &str| SigningKey::derive(&signer.secret, "20151229", region).sign(&policy);
        let fill = |value: &str| match value {
            "{policy}" => policy.clone(),
            "{v4}" => sign_v4("us-east-1"),
            "{v2}" => sign::sign_v2(&signer.secret, &policy),
            _ => match value
                .strip_prefix("{v4:")
                .and_then(|rest| rest.strip_suffix('}'))
            {
                Some(region) => sign_v4(region),
                None => value.to_owned(),
            },
        };

        let mut form: Vec<(String, String)> = case
            .fields
            .iter()
            .map(|(name, value)| (name.to_string(), fill(value)))
            .collect();
        let signing_fields: Vec<(&str, String)> = match case.signing {
            Signing::V4 => vec![
                ("x-amz-algorithm", "AWS4-HMAC-SHA256".to_owned()),
                ("x-amz-credential", SCOPE.to_owned()),
                ("x-amz-date", AMZ_DATE.to_owned()),
                ("policy", policy.clone()),
                ("x-amz-signature", sign_v4("us-east-1")),
            ],
            Signing::V4Capitalised => vec![
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_owned()),
                ("X-Amz-Credential", SCOPE.to_owned()),
                ("X-Amz-Date", AMZ_DATE.to_owned()),
                ("Policy", policy.clone()),
                ("X-Amz-Signature", sign_v4("us-east-1")),
            ],
            Signing::V2 => vec![
                ("AWSAccessKeyId", ACCESS_KEY.to_owned()),
                ("policy", policy.clone()),
                ("signature", sign::sign_v2(&signer.secret, &policy)),
            ],
            Signing::Raw => Vec::new(),
        };
        form.extend(
            signing_fields
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value)),
        );

        let upload = Upload {
            fields: form,
            file_name: case.file_name.map(str::to_owned),
            file_size: case.size,
        };
        let context = Context {
            now: Timestamp::from_unix(DAY),
            credentials: case.credentials.then_some(&signer),
            bucket: case.bucket,
            region: case.region,
        };
        evaluate(&upload, &context)
    }

    fn matches_expectation(violation: &Violation, expected: &str) -> bool {
        match expected.split_once('@') {
            Some((code, field)) => {
                violation.code.as_str() == code && violation.field.as_deref() == Some(field)
            }
            None => violation.code.as_str() == expected,
        }
    }

    #[test]
    fn evaluates_as_s3_does() {
        let cases = [
            Case {
                name: "S3: a SigV4 form whose every field has a condition is accepted",
                ..BASE
            },
            Case {
                name: "AWS docs: form field names are case-insensitive (X-Amz-Date, Policy)",
                signing: Signing::V4Capitalised,
                ..BASE
            },
            Case {
                name: "S3: condition field names and operators are case-insensitive",
                conditions: &[
                    r#"{"BuCkEt":"uploads-bucket"}"#,
                    r#"["StArTs-WiTh","$KeY","uploads/"]"#,
                ],
                ..BASE
            },
            Case {
                name: "S3 as observed: values are case-sensitive",
                fields: &[("key", "Uploads/${filename}")],
                expect: &["condition-failed@key"],
                ..BASE
            },
            Case {
                name: "S3: the form needs a key field, and the key condition fails too",
                fields: &[],
                expect: &["missing-key", "missing-field@key"],
                ..BASE
            },
            Case {
                name: "S3: an empty key counts as missing",
                fields: &[("key", "")],
                expect: &["missing-key@key", "condition-failed@key"],
                ..BASE
            },
            Case {
                name: "AWS docs: without policy and signature, a private bucket refuses it",
                signing: Signing::Raw,
                fields: &[("key", "uploads/cat.png")],
                expect: &["anonymous-upload"],
                ..BASE
            },
            Case {
                name: "S3: a policy without signature fields is refused",
                signing: Signing::Raw,
                fields: &[("key", "uploads/cat.png"), ("policy", "{policy}")],
                expect: &["missing-signature"],
                ..BASE
            },
            Case {
                name: "S3: SigV4 requires x-amz-date, and its condition then fails",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    "AUTH",
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    ("x-amz-credential", SCOPE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", "{v4}"),
                ],
                expect: &["missing-auth-field@x-amz-date", "missing-field@x-amz-date"],
                ..BASE
            },
            Case {
                name: "S3: SigV4 requires x-amz-signature",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    "AUTH",
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    ("x-amz-credential", SCOPE),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                ],
                expect: &["missing-signature@x-amz-signature"],
                ..BASE
            },
            Case {
                name: "S3: x-amz-algorithm must be AWS4-HMAC-SHA256",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    "AUTH",
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA1"),
                    ("x-amz-credential", SCOPE),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", "{v4}"),
                ],
                expect: &["unsupported-algorithm", "condition-failed@x-amz-algorithm"],
                ..BASE
            },
            Case {
                name: "S3: , S3: a SigV2 form is accepted; AWSAccessKeyId, signature are exempt",
                signing: Signing::V2,
                ..BASE
            },
            Case {
                name: "S3: SigV2 requires signature next to AWSAccessKeyId",
                signing: Signing::Raw,
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("AWSAccessKeyId", ACCESS_KEY),
                    ("policy", "{policy}"),
                ],
                expect: &["missing-signature@signature"],
                ..BASE
            },
            Case {
                name: "S3: an access key other than the signer's is unknown",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"{"x-amz-algorithm":"AWS4-HMAC-SHA256"}"#,
                    r#"{"x-amz-credential":"AKIDOTHEREXAMPLE/20151229/us-east-1/s3/aws4_request"}"#,
                    r#"{"x-amz-date":"20151229T000000Z"}"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    (
                        "x-amz-credential",
                        "AKIDOTHEREXAMPLE/20151229/us-east-1/s3/aws4_request",
                    ),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", "{v4}"),
                ],
                expect: &["unknown-access-key@x-amz-credential"],
                ..BASE
            },
            Case {
                name: "S3 as observed: a scope for another region than the bucket's is wrong",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"{"x-amz-algorithm":"AWS4-HMAC-SHA256"}"#,
                    concat!(
                        r#"{"x-amz-credential":"#,
                        r#""AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request"}"#
                    ),
                    r#"{"x-amz-date":"20151229T000000Z"}"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    (
                        "x-amz-credential",
                        "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request",
                    ),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", "{v4:eu-west-1}"),
                ],
                expect: &["wrong-region@x-amz-credential"],
                ..BASE
            },
            Case {
                name: "S3: a signature that does not match the policy as sent",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    "AUTH",
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    ("x-amz-credential", SCOPE),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", ZEROS),
                ],
                expect: &["signature-mismatch@x-amz-signature"],
                ..BASE
            },
            Case {
                name: "S3: without credentials the signature's value is not checked",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    "AUTH",
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    ("x-amz-credential", SCOPE),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", ZEROS),
                ],
                credentials: false,
                ..BASE
            },
            Case {
                name: "S3: the signature's shape (64 lowercase hex) is checked even so",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    "AUTH",
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    ("x-amz-credential", SCOPE),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", "8AFDBF40"),
                ],
                credentials: false,
                expect: &["malformed-signature@x-amz-signature"],
                ..BASE
            },
            Case {
                name: "S3: x-amz-credential must be <key>/<yyyymmdd>/<region>/s3/aws4_request",
                signing: Signing::Raw,
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    "AUTH",
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    (
                        "x-amz-credential",
                        "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3",
                    ),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "{policy}"),
                    ("x-amz-signature", "{v4}"),
                ],
                expect: &["malformed-credential", "condition-failed@x-amz-credential"],
                ..BASE
            },
            Case {
                name: "S3: a policy is expired from the instant of its \
                    expiration",
                expiration: "2015-12-29T00:00:00Z",
                expect: &["policy-expired"],
                ..BASE
            },
            Case {
                name: "S3: one second before the expiration the policy holds",
                expiration: "2015-12-29T00:00:01Z",
                ..BASE
            },
            Case {
                name: "S3: the milliseconds of the expiration count",
                expiration: "2015-12-29T00:00:00.500Z",
                ..BASE
            },
            Case {
                name: "AWS docs: ${filename} is the text after the last backslash",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"{"key":"uploads/cat.png"}"#,
                ],
                file_name: Some(r"C:\photos\cat.png"),
                ..BASE
            },
            Case {
                name: "AWS docs: ${filename} is the text after the last slash",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"{"key":"uploads/cat.png"}"#,
                ],
                file_name: Some("photos/2015/cat.png"),
                ..BASE
            },
            Case {
                name: "S3 as observed: without a filename parameter ${filename} stays literal",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"{"key":"uploads/${filename}"}"#,
                ],
                file_name: None,
                ..BASE
            },
            Case {
                name: "S3 as observed: an empty filename expands to nothing",
                conditions: &[r#"{"bucket":"uploads-bucket"}"#, r#"{"key":"uploads/"}"#],
                file_name: Some(""),
                ..BASE
            },
            Case {
                name: "AWS docs: ${filename} is expanded in every field, not only key",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"{"x-amz-meta-original":"cat.png"}"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-meta-original", "${filename}"),
                ],
                ..BASE
            },
            Case {
                name: "AWS docs: conditions see the expanded value, not a ${filename} template",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"{"key":"uploads/${filename}"}"#,
                ],
                expect: &["condition-failed@key"],
                ..BASE
            },
            Case {
                name: "S3: eq is an exact match",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"{"acl":"private"}"#,
                ],
                fields: &[("key", "uploads/${filename}"), ("acl", "public-read")],
                expect: &["condition-failed@acl"],
                ..BASE
            },
            Case {
                name: "S3: starts-with is a prefix match",
                fields: &[("key", "other/${filename}")],
                expect: &["condition-failed@key"],
                ..BASE
            },
            Case {
                name: "AWS docs: a Content-Type list passes when every element has the prefix",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["starts-with","$Content-Type","image/"]"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("Content-Type", "image/jpg,image/png,image/gif"),
                ],
                ..BASE
            },
            Case {
                name: "AWS docs: image/jpg,text/plain fails starts-with image/",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["starts-with","$Content-Type","image/"]"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("Content-Type", "image/jpg,text/plain"),
                ],
                expect: &["condition-failed@Content-Type"],
                ..BASE
            },
            Case {
                name: "S3: (decision): spaces after a Content-Type list's commas are ignored",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["starts-with","$content-type","image/"]"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("Content-Type", "image/jpg, image/png"),
                ],
                ..BASE
            },
            Case {
                name: "AWS docs: commas are plain text in fields other than Content-Type",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["starts-with","$Content-Disposition","attachment"]"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("Content-Disposition", "attachment,inline"),
                ],
                ..BASE
            },
            Case {
                name: "AWS docs: the list rule is for starts-with; eq compares the whole value",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"{"Content-Type":"image/png"}"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("Content-Type", "image/png,image/gif"),
                ],
                expect: &["condition-failed@Content-Type"],
                ..BASE
            },
            Case {
                name: "S3 as observed: starts-with \"\" on an absent field fails",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["starts-with","$Content-Type",""]"#,
                ],
                expect: &["missing-field@Content-Type"],
                ..BASE
            },
            Case {
                name: "S3: an empty value satisfies starts-with \"\"",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["starts-with","$Content-Type",""]"#,
                ],
                fields: &[("key", "uploads/${filename}"), ("Content-Type", "")],
                ..BASE
            },
            Case {
                name: "S3: bucket needs no form field; it is checked against the bucket used",
                bucket: Some("other-bucket"),
                expect: &["condition-failed@bucket"],
                ..BASE
            },
            Case {
                name: "S3: a bucket form field must satisfy the bucket condition too",
                fields: &[("key", "uploads/${filename}"), ("bucket", "other-bucket")],
                expect: &["condition-failed@bucket"],
                ..BASE
            },
            Case {
                name: "SDK: a bucket form field is covered by the bucket condition",
                fields: &[("key", "uploads/${filename}"), ("bucket", "uploads-bucket")],
                ..BASE
            },
            Case {
                name: "S3: (decision): without a known bucket the bucket condition cannot fail",
                conditions: &[
                    r#"{"bucket":"somewhere-else"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                ],
                bucket: None,
                ..BASE
            },
            Case {
                name: "S3 as observed: a field no condition names is an extra input field",
                fields: &[("key", "uploads/${filename}"), ("x-amz-meta-foo", "1")],
                expect: &["extra-field@x-amz-meta-foo"],
                ..BASE
            },
            Case {
                name: "AWS docs: fields prefixed x-ignore- need no condition, in any case",
                fields: &[("key", "uploads/${filename}"), ("X-Ignore-Flash", "1")],
                ..BASE
            },
            Case {
                name: "AWS docs: AWSAccessKeyId and signature are exempt only under SigV2",
                fields: &[("key", "uploads/${filename}"), ("signature", "x")],
                expect: &["extra-field@signature"],
                ..BASE
            },
            Case {
                name: "S3 as observed: content-length-range includes its lower bound",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",5,10]"#,
                ],
                size: 5,
                ..BASE
            },
            Case {
                name: "S3 as observed: content-length-range includes its upper bound",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",5,10]"#,
                ],
                size: 10,
                ..BASE
            },
            Case {
                name: "S3: one byte over the range is too large",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",5,10]"#,
                ],
                size: 11,
                expect: &["too-large@file"],
                ..BASE
            },
            Case {
                name: "S3: one byte under the range is too small",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",5,10]"#,
                ],
                size: 4,
                expect: &["too-small@file"],
                ..BASE
            },
            Case {
                name: "S3: several ranges intersect; the smallest maximum wins",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",0,100]"#,
                    r#"["content-length-range",10,50]"#,
                ],
                size: 60,
                expect: &["too-large"],
                ..BASE
            },
            Case {
                name: "S3: several ranges intersect; the largest minimum wins",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",10,100]"#,
                    r#"["content-length-range",0,50]"#,
                ],
                size: 5,
                expect: &["too-small"],
                ..BASE
            },
            Case {
                name: "S3: s3-tests upload_size_limit_exceeded: [0,0] refuses a one-byte file",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",0,0]"#,
                ],
                size: 1,
                expect: &["too-large"],
                ..BASE
            },
            Case {
                name: "S3 as observed: numeric strings are accepted as range bounds",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range","5","10"]"#,
                ],
                size: 7,
                ..BASE
            },
            Case {
                name: "S3 POST uploads at most 5 GiB, whatever the policy",
                size: MAX_POST_FILE_BYTES + 1,
                expect: &["too-large@file"],
                ..BASE
            },
            Case {
                name: "S3: [AWS v2] (decision): a repeated field's values are joined with commas",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"{"x-amz-meta-tag":"Ninja,Stallman"}"#,
                ],
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-meta-tag", "Ninja"),
                    ("X-Amz-Meta-Tag", "Stallman"),
                ],
                ..BASE
            },
            Case {
                name: "S3 as observed: an array condition whose field lacks the $ fails",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["eq","key","uploads/cat.png"]"#,
                ],
                expect: &["condition-failed@key", "extra-field@key"],
                ..BASE
            },
            Case {
                name: "S3: a policy that is not strict JSON is invalid",
                conditions: &[r#"["starts-with","$key",]"#],
                expect: &["invalid-policy"],
                ..BASE
            },
            Case {
                name: "S3: steps 4-5: a policy that is not base64 fails signature and parse",
                signing: Signing::Raw,
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                    ("x-amz-credential", SCOPE),
                    ("x-amz-date", AMZ_DATE),
                    ("policy", "not base64!"),
                    ("x-amz-signature", "{v4}"),
                ],
                expect: &["signature-mismatch", "invalid-policy@policy"],
                ..BASE
            },
            Case {
                name: "S3: every violation is reported, in S3's order",
                conditions: &[
                    r#"{"bucket":"uploads-bucket"}"#,
                    r#"["starts-with","$key","uploads/"]"#,
                    r#"["content-length-range",1,10]"#,
                ],
                expiration: "2015-12-28T00:00:00Z",
                fields: &[("key", "other/${filename}"), ("x-amz-meta-foo", "1")],
                size: 11,
                expect: &[
                    "policy-expired",
                    "condition-failed@key",
                    "extra-field@x-amz-meta-foo",
                    "too-large@file",
                ],
                ..BASE
            },
            Case {
                name: "S3: a SigV2 signature that does not match the policy",
                signing: Signing::Raw,
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("AWSAccessKeyId", ACCESS_KEY),
                    ("policy", "{policy}"),
                    ("signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                ],
                expect: &["signature-mismatch@signature"],
                ..BASE
            },
            Case {
                name: "S3: a SigV2 access key other than the signer's is unknown",
                signing: Signing::Raw,
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("AWSAccessKeyId", "0PN5J17HBGZHT7JJ3X82"),
                    ("policy", "{policy}"),
                    ("signature", "{v2}"),
                ],
                expect: &["unknown-access-key@AWSAccessKeyId"],
                ..BASE
            },
            Case {
                name: "S3: a SigV2 signature is the base64 of a 20-byte HMAC-SHA1",
                signing: Signing::Raw,
                fields: &[
                    ("key", "uploads/${filename}"),
                    ("AWSAccessKeyId", ACCESS_KEY),
                    ("policy", "{policy}"),
                    ("signature", "abc"),
                ],
                credentials: false,
                expect: &["malformed-signature@signature"],
                ..BASE
            },
        ];

        let mut failures = Vec::new();
        for case in &cases {
            let evaluation = run(case);
            let found: Vec<String> = evaluation
                .violations
                .iter()
                .map(|v| format!("{}@{}", v.code, v.field.as_deref().unwrap_or("-")))
                .collect();
            let as_expected = evaluation.violations.len() == case.expect.len()
                && evaluation
                    .violations
                    .iter()
                    .zip(case.expect)
                    .all(|(violation, expected)| matches_expectation(violation, expected));
            if !as_expected || evaluation.accepted() != case.expect.is_empty() {
                failures.push(format!(
                    "{}\n  expected {:?}\n  found    {found:?}",
                    case.name, case.expect
                ));
            }
        }

        assert!(cases.len() >= 40, "only {} cases", cases.len());
        assert!(
            failures.is_empty(),
            "{} case(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn parses_policies_as_s3_does() {
        enum Document {
            Whole(&'static str),
            /// The conditions of a policy that is otherwise well formed.
            Conditions(&'static str),
        }
        use Document::{Conditions, Whole};

        let cases: &[(&str, Document, Result<(), &str>)] = &[
            (
                "S3: object and array conditions, any operator case",
                Conditions(concat!(
                    r#"{"acl":"private"},["EQ","$key","a"],["Starts-With","$key",""],"#,
                    r#"["content-length-range",0,10]"#
                )),
                Ok(()),
            ),
            (
                "SDK: conditions may come before expiration",
                Whole(r#"{"conditions":[],"expiration":"2015-12-30T12:00:00Z"}"#),
                Ok(()),
            ),
            (
                "S3: milliseconds in the expiration",
                Whole(r#"{"expiration":"2015-12-30T12:00:00.000Z","conditions":[]}"#),
                Ok(()),
            ),
            ("S3: not JSON", Whole("{expiration"), Err("invalid-json")),
            (
                "S3: `\\$` is not a JSON escape",
                Conditions(r#"{"key":"\$foo"}"#),
                Err("invalid-json"),
            ),
            (
                "S3: a trailing comma is not JSON",
                Conditions(r#"{"acl":"private"},"#),
                Err("invalid-json"),
            ),
            (
                "a JSON array is not a policy",
                Whole("[]"),
                Err("not-an-object"),
            ),
            (
                "S3: [AWS v2]: expiration is required",
                Whole(r#"{"conditions":[]}"#),
                Err("missing-expiration"),
            ),
            (
                "S3: s3-tests expires_is_case_sensitive: EXPIRATION is not expiration",
                Whole(r#"{"EXPIRATION":"2030-01-01T00:00:00Z","conditions":[]}"#),
                Err("missing-expiration"),
            ),
            (
                "S3: s3-tests condition_is_case_sensitive: CONDITIONS is not conditions",
                Whole(r#"{"expiration":"2030-01-01T00:00:00Z","CONDITIONS":[]}"#),
                Err("missing-conditions"),
            ),
            (
                "S3 as observed: a UTC offset is an invalid expiration",
                Whole(r#"{"expiration":"2011-09-13T07:52:58+02:00","conditions":[]}"#),
                Err("invalid-expiration"),
            ),
            (
                "S3 as observed: a space separator is an invalid expiration",
                Whole(r#"{"expiration":"2015-10-17 03:15:59 UTC","conditions":[]}"#),
                Err("invalid-expiration"),
            ),
            (
                "S3: an expiration without Z is invalid",
                Whole(r#"{"expiration":"2015-10-17T03:15:59","conditions":[]}"#),
                Err("invalid-expiration"),
            ),
            (
                "S3: a month 13 is an invalid expiration",
                Whole(r#"{"expiration":"2015-13-17T03:15:59Z","conditions":[]}"#),
                Err("invalid-expiration"),
            ),
            (
                "S3: a numeric expiration is invalid",
                Whole(r#"{"expiration":1451347200,"conditions":[]}"#),
                Err("invalid-expiration"),
            ),
            (
                "S3: aws-sdk-php SigV2 vector: conditions as an object is not a policy for S3",
                Whole(
                    r#"{"expiration":"2007-12-01T12:00:00Z","conditions":{"acl":"public-read"}}"#,
                ),
                Err("conditions-not-array"),
            ),
            (
                "S3: (decision): a repeated expiration is refused",
                Whole(concat!(
                    r#"{"expiration":"2030-01-01T00:00:00Z","#,
                    r#""expiration":"2031-01-01T00:00:00Z","conditions":[]}"#
                )),
                Err("duplicate-key"),
            ),
            (
                "S3 as observed: a simple condition with two properties",
                Conditions(r#"{"acl":"private","key":"a"}"#),
                Err("simple-condition-properties"),
            ),
            (
                "S3 as observed: a simple condition with a repeated property still has two",
                Conditions(r#"{"acl":"private","acl":"x"}"#),
                Err("simple-condition-properties"),
            ),
            (
                "S3 as observed: a simple condition with no property",
                Conditions(r#"{}"#),
                Err("simple-condition-properties"),
            ),
            (
                "S3 as observed: {\"Content-Length\":6199034} has a non-string value",
                Conditions(r#"{"Content-Length":6199034}"#),
                Err("simple-condition-value"),
            ),
            (
                "S3: an empty array condition has no operation identifier",
                Conditions(r#"[]"#),
                Err("missing-operator"),
            ),
            (
                "S3: an unknown operator",
                Conditions(r#"["ends-with","$key","x"]"#),
                Err("unknown-operator"),
            ),
            (
                "S3: an array condition has exactly three elements",
                Conditions(r#"["eq","$key"]"#),
                Err("wrong-arity"),
            ),
            (
                "S3: four elements are too many",
                Conditions(r#"["eq","$key","a","b"]"#),
                Err("wrong-arity"),
            ),
            (
                "S3: eq takes strings",
                Conditions(r#"["eq","$key",5]"#),
                Err("non-string-argument"),
            ),
            (
                "S3: a condition is an object or an array",
                Conditions(r#""acl""#),
                Err("not-a-condition"),
            ),
            (
                "S3 as observed: a float range bound such as 512.0",
                Conditions(r#"["content-length-range",512.0,1024]"#),
                Err("invalid-range-bound"),
            ),
            (
                "S3: a negative range bound",
                Conditions(r#"["content-length-range",-1,1024]"#),
                Err("invalid-range-bound"),
            ),
            (
                "S3: a range bound string must be digits only",
                Conditions(r#"["content-length-range","1.5","10"]"#),
                Err("invalid-range-bound"),
            ),
        ];

        let mut failures = Vec::new();
        for (name, document, expected) in cases {
            let json = match document {
                Whole(json) => json.to_string(),
                Conditions(conditions) => {
                    format!(
                        r#"{{"expiration":"2030-01-01T00:00:00Z","conditions":[{conditions}]}}"#
                    )
                }
            };
            let found = parse_policy(&json)
                .map(|_| ())
                .map_err(|error| error.code());
            if found != *expected {
                failures.push(format!(
                    "{name}\n  expected {expected:?}\n  found    {found:?}"
                ));
            }
        }

        assert!(
            failures.is_empty(),
            "{} case(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// The AWS SigV4 POST example, reference S3:
    const AWS_EXAMPLE_POLICY: &str = concat!(
        "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6",
        "IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRo",
        "IiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAg",
        "IHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5h",
        "bWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwg",
        "IiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUx",
        "MjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0s",
        "DQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16",
        "LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3",
        "czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwN",
        "CiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9",
    );
    const AWS_EXAMPLE_SIGNATURE: &str =
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

    fn aws_example_upload(signature: &str) -> Upload {
        Upload {
            fields: fields(&[
                ("key", "user/user1/${filename}"),
                ("acl", "public-read"),
                (
                    "success_action_redirect",
                    "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html",
                ),
                ("Content-Type", "image/jpeg"),
                ("x-amz-meta-uuid", "14365123651274"),
                ("x-amz-server-side-encryption", "AES256"),
                ("X-Amz-Credential", SCOPE),
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                ("X-Amz-Date", AMZ_DATE),
                ("x-amz-meta-tag", ""),
                ("Policy", AWS_EXAMPLE_POLICY),
                ("X-Amz-Signature", signature),
            ]),
            file_name: Some("photo.jpg".to_owned()),
            file_size: 4096,
        }
    }

    fn aws_example_context<'a>(now: &str, signer: &'a Credentials) -> Context<'a> {
        Context {
            now: at(now),
            credentials: Some(signer),
            bucket: Some("sigv4examplebucket"),
            region: Some("us-east-1"),
        }
    }

    #[test]
    fn aws_sigv4_example_is_accepted_before_its_expiration() {
        let signer = credentials(ACCESS_KEY, SECRET, None);
        let upload = aws_example_upload(AWS_EXAMPLE_SIGNATURE);

        let evaluation = evaluate(
            &upload,
            &aws_example_context("2015-12-29T00:00:00Z", &signer),
        );

        assert!(evaluation.accepted(), "{:#?}", evaluation.violations);
        assert!(evaluation.signature_verified);
        assert_eq!(evaluation.signature_version, Some(SignatureVersion::V4));
        assert_eq!(evaluation.key.as_deref(), Some("user/user1/photo.jpg"));
        assert_eq!(evaluation.policy.map(|p| p.conditions.len()), Some(11));
    }

    #[test]
    fn aws_sigv4_example_is_refused_once_expired() {
        let signer = credentials(ACCESS_KEY, SECRET, None);
        let upload = aws_example_upload(AWS_EXAMPLE_SIGNATURE);

        let evaluation = evaluate(
            &upload,
            &aws_example_context("2015-12-30T12:00:00Z", &signer),
        );

        let codes: Vec<ViolationCode> = evaluation.violations.iter().map(|v| v.code).collect();
        assert_eq!(codes, [ViolationCode::PolicyExpired]);
        assert_eq!(
            evaluation.violations[0].s3_message.as_deref(),
            Some("Invalid according to Policy: Policy expired.")
        );
        assert_eq!(
            evaluation.violations[0].value.as_deref(),
            Some("2015-12-30T12:00:00.000Z")
        );
    }

    #[test]
    fn aws_sigv4_example_is_refused_with_a_tampered_signature() {
        let signer = credentials(ACCESS_KEY, SECRET, None);
        let tampered = AWS_EXAMPLE_SIGNATURE.replace("699e", "699f");
        let upload = aws_example_upload(&tampered);

        let evaluation = evaluate(
            &upload,
            &aws_example_context("2015-12-29T00:00:00Z", &signer),
        );

        let codes: Vec<ViolationCode> = evaluation.violations.iter().map(|v| v.code).collect();
        assert_eq!(codes, [ViolationCode::SignatureMismatch]);
        assert!(!evaluation.signature_verified);
    }

    #[test]
    fn aws_sigv4_example_is_refused_with_another_secret() {
        let signer = credentials(ACCESS_KEY, "uV3F3YluFJax1cknvbcGwgjvx4QpvB+leU8dUj2o", None);
        let upload = aws_example_upload(AWS_EXAMPLE_SIGNATURE);

        let evaluation = evaluate(
            &upload,
            &aws_example_context("2015-12-29T00:00:00Z", &signer),
        );

        let codes: Vec<ViolationCode> = evaluation.violations.iter().map(|v| v.code).collect();
        assert_eq!(codes, [ViolationCode::SignatureMismatch]);
    }

    /// The SigV2 johnsmith example, reference S3: (a), signed with the legacy doc secret.
    fn johnsmith_upload(signature: &str) -> Upload {
        const POLICY: &str = concat!(
            "eyAiZXhwaXJhdGlvbiI6ICIyMDA3LTEyLTAxVDEyOjAwOjAwLjAwMFoiLAogICJjb25kaXRpb25zIjog",
            "WwogICAgeyJidWNrZXQiOiAiam9obnNtaXRoIn0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAi",
            "dXNlci9lcmljLyJdLAogICAgeyJhY2wiOiAicHVibGljLXJlYWQifSwKICAgIHsic3VjY2Vzc19hY3Rp",
            "b25fcmVkaXJlY3QiOiAiaHR0cDovL2pvaG5zbWl0aC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxf",
            "dXBsb2FkLmh0bWwifSwKICAgIFsic3RhcnRzLXdpdGgiLCAiJENvbnRlbnQtVHlwZSIsICJpbWFnZS8i",
            "XSwKICAgIHsieC1hbXotbWV0YS11dWlkIjogIjE0MzY1MTIzNjUxMjc0In0sCiAgICBbInN0YXJ0cy13",
            "aXRoIiwgIiR4LWFtei1tZXRhLXRhZyIsICIiXQogIF0KfQo=",
        );

        Upload {
            fields: fields(&[
                ("key", "user/eric/${filename}"),
                ("AWSAccessKeyId", "0PN5J17HBGZHT7JJ3X82"),
                ("acl", "public-read"),
                (
                    "success_action_redirect",
                    "http://johnsmith.s3.amazonaws.com/successful_upload.html",
                ),
                ("Content-Type", "image/jpeg"),
                ("x-amz-meta-uuid", "14365123651274"),
                ("x-amz-meta-tag", ""),
                ("policy", POLICY),
                ("signature", signature),
            ]),
            file_name: Some("/home/eric/photo.jpg".to_owned()),
            file_size: 4096,
        }
    }

    #[test]
    fn johnsmith_sigv2_example_is_accepted_and_tampering_is_caught() {
        let signer = credentials(
            "0PN5J17HBGZHT7JJ3X82",
            "uV3F3YluFJax1cknvbcGwgjvx4QpvB+leU8dUj2o",
            None,
        );
        let context = |now: &str| Context {
            now: at(now),
            credentials: Some(&signer),
            bucket: Some("johnsmith"),
            region: None,
        };

        let accepted = evaluate(
            &johnsmith_upload("0RavWzkygo6QX9caELEqKi9kDbU="),
            &context("2007-11-30T00:00:00Z"),
        );
        let tampered = evaluate(
            &johnsmith_upload("0RavWzkygo6QX9caELEqKi9kDbA="),
            &context("2007-11-30T00:00:00Z"),
        );
        let expired = evaluate(
            &johnsmith_upload("0RavWzkygo6QX9caELEqKi9kDbU="),
            &context("2007-12-01T12:00:00Z"),
        );

        assert!(accepted.accepted(), "{:#?}", accepted.violations);
        assert!(accepted.signature_verified);
        assert_eq!(accepted.signature_version, Some(SignatureVersion::V2));
        assert_eq!(accepted.key.as_deref(), Some("user/eric/photo.jpg"));
        let codes = |evaluation: &Evaluation| -> Vec<ViolationCode> {
            evaluation.violations.iter().map(|v| v.code).collect()
        };
        assert_eq!(codes(&tampered), [ViolationCode::SignatureMismatch]);
        assert_eq!(codes(&expired), [ViolationCode::PolicyExpired]);
    }

    /// botocore vector 3 of reference S3: session token, eu-west-1.
    fn session_upload(token: Option<&str>) -> Upload {
        const POLICY: &str = concat!(
            "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDA6MTA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNr",
            "ZXQiOiAiZXhhbXBsZWJ1Y2tldCJ9LCBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXBsb2Fkcy8iXSwg",
            "eyJ4LWFtei1hbGdvcml0aG0iOiAiQVdTNC1ITUFDLVNIQTI1NiJ9LCB7IngtYW16LWNyZWRlbnRpYWwi",
            "OiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvZXUtd2VzdC0xL3MzL2F3czRfcmVxdWVzdCJ9",
            "LCB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiJ9LCB7IngtYW16LXNlY3VyaXR5LXRva2Vu",
            "IjogIkZRb0daWEl2WVhkekVYQU1QTEVUT0tFTiJ9XX0=",
        );

        let mut form = fields(&[
            ("key", "uploads/${filename}"),
            ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
            (
                "x-amz-credential",
                "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request",
            ),
            ("x-amz-date", AMZ_DATE),
        ]);
        if let Some(token) = token {
            form.push(("x-amz-security-token".to_owned(), token.to_owned()));
        }
        form.extend(fields(&[
            ("policy", POLICY),
            (
                "x-amz-signature",
                "f74381082df4bdf1f2340fb4f6bf176f80582e24381e78c72026f7c4a6845b3c",
            ),
        ]));

        Upload {
            fields: form,
            file_name: Some("report.pdf".to_owned()),
            file_size: 10,
        }
    }

    #[test]
    fn session_credentials_need_their_token() {
        let signer = credentials(ACCESS_KEY, SECRET, Some("FQoGZXIvYXdzEXAMPLETOKEN"));
        let context = Context {
            now: Timestamp::from_unix(DAY),
            credentials: Some(&signer),
            bucket: Some("examplebucket"),
            region: Some("eu-west-1"),
        };

        let accepted = evaluate(&session_upload(Some("FQoGZXIvYXdzEXAMPLETOKEN")), &context);
        let without = evaluate(&session_upload(None), &context);
        let wrong = evaluate(&session_upload(Some("FQoGZXIvYXdzOTHERTOKEN")), &context);

        assert!(accepted.accepted(), "{:#?}", accepted.violations);
        let codes = |evaluation: &Evaluation| -> Vec<ViolationCode> {
            evaluation.violations.iter().map(|v| v.code).collect()
        };
        assert_eq!(
            codes(&without),
            [
                ViolationCode::InvalidSecurityToken,
                ViolationCode::MissingField
            ]
        );
        assert_eq!(
            codes(&wrong),
            [
                ViolationCode::InvalidSecurityToken,
                ViolationCode::ConditionFailed
            ]
        );
        assert!(
            wrong
                .violations
                .iter()
                .all(|v| v.value.as_deref() != Some("FQoGZXIvYXdzEXAMPLETOKEN"))
        );
    }

    #[test]
    fn a_failed_condition_is_echoed_as_written_with_a_fix() {
        let evaluation = run(&Case {
            conditions: &[
                r#"{"bucket":"uploads-bucket"}"#,
                r#"["starts-with","$Key","uploads/"]"#,
                r#"{"ACL":"private"}"#,
            ],
            fields: &[("key", "other/${filename}"), ("acl", "public-read")],
            ..BASE
        });

        let [key, acl] = evaluation.violations.as_slice() else {
            panic!("{:#?}", evaluation.violations);
        };
        assert_eq!(
            key.condition.as_deref(),
            Some(r#"["starts-with", "$Key", "uploads/"]"#)
        );
        assert_eq!(key.value.as_deref(), Some("other/cat.png"));
        assert_eq!(
            key.fix.as_deref(),
            Some("the key must start with `uploads/`")
        );
        assert_eq!(
            key.s3_message.as_deref(),
            Some(concat!(
                "Invalid according to Policy: Policy Condition failed: ",
                r#"["starts-with", "$Key", "uploads/"]"#
            ))
        );
        assert_eq!(
            acl.condition.as_deref(),
            Some(r#"["eq", "$ACL", "private"]"#)
        );
        assert_eq!(acl.field.as_deref(), Some("acl"));
        assert_eq!(acl.fix.as_deref(), Some("set `acl` to `private`"));
    }

    #[test]
    fn an_extra_field_names_itself_and_the_way_out() {
        let evaluation = run(&Case {
            fields: &[("key", "uploads/${filename}"), ("x-amz-meta-foo", "bar")],
            ..BASE
        });

        let [extra] = evaluation.violations.as_slice() else {
            panic!("{:#?}", evaluation.violations);
        };
        assert_eq!(extra.value.as_deref(), Some("bar"));
        assert_eq!(
            extra.fix.as_deref(),
            Some("add a condition for `x-amz-meta-foo` or prefix it with `x-ignore-`")
        );
        assert_eq!(
            extra.s3_message.as_deref(),
            Some("Invalid according to Policy: Extra input fields: x-amz-meta-foo")
        );
        assert_eq!(
            (extra.code.s3_status(), extra.code.s3_error_code()),
            (403, "AccessDenied")
        );
    }

    #[test]
    fn size_violations_cite_the_binding_range() {
        let evaluation = run(&Case {
            conditions: &[
                r#"{"bucket":"uploads-bucket"}"#,
                r#"["starts-with","$key","uploads/"]"#,
                r#"["content-length-range",0,100]"#,
                r#"["content-length-range","10","50"]"#,
            ],
            size: 51,
            ..BASE
        });

        let [too_large] = evaluation.violations.as_slice() else {
            panic!("{:#?}", evaluation.violations);
        };
        assert_eq!(
            too_large.condition.as_deref(),
            Some(r#"["content-length-range", "10", "50"]"#)
        );
        assert_eq!(too_large.value.as_deref(), Some("51"));
        assert_eq!(
            evaluation.policy.and_then(|p| p.content_length_range()),
            Some((10, 50))
        );
    }

    #[test]
    fn no_secret_and_no_expected_signature_reach_a_violation() {
        let signer = credentials(ACCESS_KEY, SECRET, None);
        let upload = aws_example_upload(ZEROS);

        let evaluation = evaluate(
            &upload,
            &aws_example_context("2015-12-29T00:00:00Z", &signer),
        );
        let printed = format!("{evaluation:?}");

        assert_eq!(evaluation.violations.len(), 1, "{printed}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(!printed.contains(AWS_EXAMPLE_SIGNATURE), "{printed}");
        assert!(printed.contains(ZEROS), "{printed}");
    }

    #[test]
    fn form_overhead_counts_the_multipart_encoding() {
        let form = fields(&[("key", "a"), ("acl", "private")]);
        let boundary_line = 2 + 60 + 2;
        let disposition = "Content-Disposition: form-data; name=\"\"\r\n".len();
        let key_part = boundary_line + disposition + 3 + 2 + 1 + 2;
        let acl_part = boundary_line + disposition + 3 + 2 + 7 + 2;
        let file_part = boundary_line
            + disposition
            + 4
            + "; filename=\"\"".len()
            + 7
            + "Content-Type: application/octet-stream\r\n".len()
            + 2;

        assert_eq!(
            form_overhead_bytes(&form, Some("cat.png")),
            key_part + acl_part + file_part
        );
        assert_eq!(
            form_overhead_bytes(&fields(&[("key", "a\nb")]), None),
            form_overhead_bytes(&fields(&[("key", "a\r\nb")]), None)
        );
    }

    #[test]
    fn a_form_over_20_kb_before_the_file_is_refused() {
        let filler = "a".repeat(MAX_FORM_BYTES);
        let conditions =
            r#"{"bucket":"b"},["starts-with","$key",""],["starts-with","$x-amz-meta-filler",""]"#;
        let policy = base64::engine::general_purpose::STANDARD.encode(format!(
            r#"{{"expiration":"2030-01-01T00:00:00Z","conditions":[{conditions}]}}"#
        ));
        let upload = |filler: &str| Upload {
            fields: fields(&[
                ("key", "k"),
                ("x-amz-meta-filler", filler),
                ("AWSAccessKeyId", ACCESS_KEY),
                ("policy", &policy),
                ("signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            ]),
            file_name: Some("f".to_owned()),
            file_size: 1,
        };
        let context = Context {
            now: Timestamp::from_unix(DAY),
            credentials: None,
            bucket: None,
            region: None,
        };

        let small = evaluate(&upload("short"), &context);
        let large = evaluate(&upload(&filler), &context);

        assert!(small.accepted(), "{:#?}", small.violations);
        let codes: Vec<ViolationCode> = large.violations.iter().map(|v| v.code).collect();
        assert_eq!(codes, [ViolationCode::FormTooLarge]);
        assert_eq!(
            large.violations[0].code.s3_error_code(),
            "MaxPostPreDataLengthExceeded"
        );
    }

    #[test]
    fn a_key_over_1024_bytes_is_too_long() {
        let key = format!("uploads/{}", "k".repeat(MAX_KEY_BYTES));
        let policy = base64::engine::general_purpose::STANDARD.encode(
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["starts-with","$key",""]]}"#,
        );
        let upload = Upload {
            fields: fields(&[
                ("key", &key),
                ("AWSAccessKeyId", ACCESS_KEY),
                ("policy", &policy),
                ("signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            ]),
            file_name: Some("f".to_owned()),
            file_size: 1,
        };
        let context = Context {
            now: Timestamp::from_unix(DAY),
            credentials: None,
            bucket: None,
            region: None,
        };

        let evaluation = evaluate(&upload, &context);

        let codes: Vec<ViolationCode> = evaluation.violations.iter().map(|v| v.code).collect();
        assert_eq!(codes, [ViolationCode::KeyTooLong]);
    }

    #[test]
    fn policy_errors_carry_s3_wording_where_known() {
        let error = |json: &str| parse_policy(json).unwrap_err();

        assert_eq!(
            error("nope").s3_message().as_deref(),
            Some("Invalid Policy: Invalid JSON.")
        );
        assert_eq!(
            error(r#"{"expiration":"2011-09-13T07:52:58+02:00","conditions":[]}"#)
                .s3_message()
                .as_deref(),
            Some("Invalid Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'")
        );
        let float_bound = r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["#.to_owned()
            + r#""content-length-range",5.0,9]]}"#;
        assert_eq!(
            error(&float_bound).s3_message().as_deref(),
            Some("Invalid Policy: Invalid JSON.")
        );
        assert_eq!(
            error(
                r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{"Content-Length":6199034}]}"#
            )
            .s3_message()
            .as_deref(),
            Some("Invalid Policy: Invalid Simple-Condition: value must be a string.")
        );
        let message =
            error(r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{},{"a":"b","c":"d"}]}"#)
                .to_string();
        assert_eq!(
            message,
            "condition 1 has 0 properties; an object condition has exactly one"
        );
    }

    #[test]
    fn a_parsed_policy_converts_to_the_compilers_conditions() {
        let policy = parse_policy(concat!(
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{"acl":"private"},"#,
            r#"["starts-with","$key","u/"],["content-length-range","1",2],["eq","key","x"]]}"#,
        ))
        .unwrap();

        let converted: Vec<Option<Condition>> = policy
            .conditions
            .iter()
            .map(PolicyCondition::to_condition)
            .collect();
        assert_eq!(
            converted,
            [
                Some(Condition::Eq {
                    field: "acl".into(),
                    value: "private".into()
                }),
                Some(Condition::StartsWith {
                    field: "key".into(),
                    prefix: "u/".into()
                }),
                Some(Condition::ContentLengthRange { min: 1, max: 2 }),
                None,
            ]
        );
        assert_eq!(policy.expiration, at("2030-01-01T00:00:00Z"));
    }

    #[test]
    fn every_truncated_policy_is_refused_without_a_panic() {
        let json = concat!(
            r#"{"expiration":"2030-01-01T00:00:00.250Z","conditions":[{"acl":"private"},"#,
            r#"["starts-with","$key","é/"],["content-length-range","1",2]]}"#,
        );
        assert!(parse_policy(json).is_ok());

        for (end, _) in json.char_indices().skip(1) {
            let prefix = &json[..end];
            assert!(parse_policy(prefix).is_err(), "{prefix}");

            let policy = base64::engine::general_purpose::STANDARD.encode(prefix);
            let upload = Upload {
                fields: fields(&[("key", "é/${filename}"), ("policy", &policy)]),
                file_name: Some("\\".to_owned()),
                file_size: 0,
            };
            let context = Context {
                now: Timestamp::from_unix(DAY),
                credentials: None,
                bucket: None,
                region: None,
            };
            let evaluation = evaluate(&upload, &context);
            assert!(!evaluation.accepted(), "{prefix}");
        }
    }

    #[test]
    fn violation_codes_are_unique_kebab_case() {
        let mut names: Vec<&str> = ViolationCode::ALL
            .iter()
            .map(|code| code.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();

        assert_eq!(names.len(), ViolationCode::ALL.len());
        assert!(
            names
                .iter()
                .all(|name| name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
    }
}
