//! The evaluator's tests: table-driven cases, AWS's and the SDKs' signed examples, and the
//! messages and limits of single violations.

use super::*;
use crate::credentials::{AccessKey, Secret};

const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SCOPE: &str = "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request";
const AMZ_DATE: &str = "20151229T000000Z";
/// 2015-12-29T00:00:00Z, the day of every published SigV4 POST vector.
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

/// The AWS SigV4 POST example (sigv4-post-example):
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

/// The SigV2 johnsmith example of AWS's POST guide, signed with the legacy doc secret.
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

/// botocore's generate_presigned_post with a session token, in eu-west-1.
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
    // Without its token, S3 does not know a temporary access key: InvalidAccessKeyId.
    assert_eq!(
        codes(&without),
        [ViolationCode::UnknownAccessKey, ViolationCode::MissingField]
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
