//! The evaluator: decides, as Amazon S3 does, whether a browser POST upload would be accepted.
//!
//! It stands beside the compile pipeline rather than in it. It reads a policy document (the
//! base64 `policy` field of a form, or a hand-written JSON text through [`parse_policy`]) and one
//! upload (the text fields in sending order, the file's name and size), and returns every
//! violation S3 would find, not only the first. It backs the `verify` command and the test cases
//! that profiles carry. It does no I/O: the clock, the credentials, the bucket posted to and the
//! bucket's region all come in through [`Context`].
//!
//! The policy document itself is read in the `document` submodule, whose items are
//! re-exported here.
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

mod document;
#[cfg(test)]
mod tests;

use std::fmt;

use base64::Engine as _;

use crate::credentials::Credentials;
use crate::sign::{self, SigningKey};
use crate::time::Timestamp;
use crate::validate::{FILENAME_VARIABLE, SignatureVersion};

pub use document::{ConditionTest, ParsedPolicy, PolicyCondition, PolicyError, parse_policy};

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
/// take none. The violations of this check never quote the token; a failed policy condition
/// on `x-amz-security-token` quotes the condition, which the form itself carries.
///
/// Without its token a temporary access key is unknown to S3, hence `unknown-access-key`.
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
            ViolationCode::UnknownAccessKey,
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
