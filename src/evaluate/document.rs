//! The policy document: reads it as S3 does, for the evaluator and for `verify` of
//! hand-written policies.
//!
//! It sits inside the evaluator, beside the compile pipeline. [`parse_policy`] takes the JSON
//! text (the decoded `policy` field of a form, or a document written by hand) and returns a
//! [`ParsedPolicy`], whose conditions the evaluator matches against the form, or the first
//! [`PolicyError`] found, with S3's own words where they are known. It reads the text into its
//! own JSON value rather than `serde_json::Value`, which would lose what S3's reading depends
//! on: repeated keys, and whether a number was written as an integer (`512.0` is not `512`).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::policy::Condition;
use crate::time::Timestamp;

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
        // The clock starts in 1970; the rest of an earlier date is still checked, in 1970.
        let same_date_in_1970 = format!("1970{}", text.get(4..).unwrap_or(""));
        humantime::parse_rfc3339(&same_date_in_1970).map_err(|_| invalid())?;
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

    fn at(time: &str) -> Timestamp {
        Timestamp::parse_rfc3339(time).unwrap()
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
            (
                "a time before 1970 is a valid, long expired expiration",
                Whole(r#"{"expiration":"1969-07-20T20:17:40Z","conditions":[]}"#),
                Ok(()),
            ),
            (
                "a date before 1970 is still checked",
                Whole(r#"{"expiration":"1969-13-45T99:99:99Z","conditions":[]}"#),
                Err("invalid-expiration"),
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
}
