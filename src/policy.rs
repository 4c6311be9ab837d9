//! The policy document: what [`crate::compile`] produces and the signers sign.
//!
//! A document is an expiration and a list of conditions. Its JSON is canonical: compact, keys
//! in the order `expiration`, `conditions`, strings escaped by `serde_json` (so never the `\$`
//! of AWS's escape table, which strict parsers refuse), exact matches in the object form
//! `{"field":"value"}`, prefix matches as `["starts-with","$field","prefix"]`. The same document
//! always gives the same bytes, and so the same signature.

use base64::Engine as _;

use crate::time::Timestamp;

/// One condition of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The field must equal the value exactly.
    Eq { field: String, value: String },
    /// The field must start with the prefix; an empty prefix allows any value.
    StartsWith { field: String, prefix: String },
    /// The file's size in bytes must lie within `min..=max`.
    ContentLengthRange { min: u64, max: u64 },
}

impl Condition {
    /// The form field the condition names, `None` for `content-length-range`.
    pub fn field(&self) -> Option<&str> {
        match self {
            Condition::Eq { field, .. } | Condition::StartsWith { field, .. } => Some(field),
            Condition::ContentLengthRange { .. } => None,
        }
    }

    /// The condition as it appears in the policy JSON.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Condition::Eq { field, value } => {
                out.push('{');
                push_json_string(out, field);
                out.push(':');
                push_json_string(out, value);
                out.push('}');
            }
            Condition::StartsWith { field, prefix } => {
                out.push_str("[\"starts-with\",");
                push_json_string(out, &format!("${field}"));
                out.push(',');
                push_json_string(out, prefix);
                out.push(']');
            }
            Condition::ContentLengthRange { min, max } => {
                out.push_str(&format!("[\"content-length-range\",{min},{max}]"));
            }
        }
    }
}

/// A complete policy document, ready to encode and sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDocument {
    /// When S3 stops accepting uploads under this policy.
    pub expiration: Timestamp,
    /// Every condition, in the order they are written.
    pub conditions: Vec<Condition>,
}

impl PolicyDocument {
    /// The canonical JSON text of the document.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 + 64 * self.conditions.len());
        out.push_str("{\"expiration\":");
        push_json_string(&mut out, &self.expiration.rfc3339());
        out.push_str(",\"conditions\":[");
        for (index, condition) in self.conditions.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            condition.write_json(&mut out);
        }
        out.push_str("]}");
        out
    }

    /// The standard base64 (with padding) of the JSON: the form's `policy` field and the text
    /// the signers sign.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.to_json())
    }
}

/// Whether any byte of `bytes` is a control character, `"` or `\\`, tested eight bytes at a
/// time: texts here are mostly long base64 and hex that need no escape at all.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let has_byte_below_space = |word: u64| word.wrapping_sub(0x20 * ONES) & !word & HIGHS != 0;
    let special = |byte: &u8| *byte < 0x20 || *byte == b'"' || *byte == b'\\';

    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        if has_byte_below_space(word)
            || has_zero_byte(word ^ (u64::from(b'"') * ONES))
            || has_zero_byte(word ^ (u64::from(b'\\') * ONES))
        {
            return true;
        }
    }
    words.remainder().iter().any(special)
}

/// Appends `text` as a JSON string, escaped as `serde_json` escapes: `"`, `\\` and control
/// characters only, so `$` and `/` stay as they are.
pub(crate) fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    if !needs_escape(text.as_bytes()) {
        out.push_str(text);
        out.push('"');
        return;
    }

    let mut plain_from = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[plain_from..index]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
        plain_from = index + 1;
    }
    out.push_str(&text[plain_from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_compact_and_ordered() {
        let document = PolicyDocument {
            expiration: Timestamp::from_unix(1_451_433_600),
            conditions: vec![
                Condition::StartsWith {
                    field: "key".into(),
                    prefix: "user/user1/".into(),
                },
                Condition::ContentLengthRange {
                    min: 0,
                    max: 3_000_000,
                },
                Condition::Eq {
                    field: "bucket".into(),
                    value: "rust-s3".into(),
                },
            ],
        };

        assert_eq!(
            document.to_json(),
            concat!(
                r#"{"expiration":"2015-12-30T00:00:00Z","conditions":["#,
                r#"["starts-with","$key","user/user1/"],["content-length-range",0,3000000],"#,
                r#"{"bucket":"rust-s3"}]}"#
            )
        );
    }

    #[test]
    fn dollars_and_quotes_are_strict_json() {
        let condition = Condition::Eq {
            field: "key".into(),
            value: "a$b\"c\\d\u{7}".into(),
        };

        assert_eq!(condition.to_json(), r#"{"key":"a$b\"c\\d\u0007"}"#);
        serde_json::from_str::<serde_json::Value>(&condition.to_json()).unwrap();
    }

    #[test]
    fn the_word_test_finds_every_byte_that_needs_escaping_at_every_position() {
        let naive = |bytes: &[u8]| bytes.iter().any(|b| *b < 0x20 || *b == b'"' || *b == b'\\');
        for filler in [b'a', 0x7f, 0xc3, 0xff, 0x21, 0x5b, 0x5d] {
            for byte in 0..=255u8 {
                for position in 0..19 {
                    let mut bytes = vec![filler; 19];
                    bytes[position] = byte;
                    assert_eq!(
                        needs_escape(&bytes),
                        naive(&bytes),
                        "{filler} {byte} {position}"
                    );
                }
            }
        }
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        let samples = [
            "plain",
            "",
            "quote \" backslash \\ slash / dollar $",
            "controls \u{0}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1f}\u{7f}",
            "unicode é 𝄞 \u{2028}",
        ];

        for sample in samples {
            let mut ours = String::new();
            push_json_string(&mut ours, sample);
            assert_eq!(ours, serde_json::to_string(sample).unwrap(), "{sample:?}");
        }
    }

    #[test]
    fn matches_the_rust_s3_vector_bytes() {
        let document = PolicyDocument {
            expiration: Timestamp::from_unix(1_451_347_200 + 86_400),
            conditions: vec![
                Condition::StartsWith {
                    field: "key".into(),
                    prefix: "user/user1/".into(),
                },
                Condition::ContentLengthRange {
                    min: 0,
                    max: 3_000_000,
                },
                Condition::Eq {
                    field: "bucket".into(),
                    value: "rust-s3".into(),
                },
                Condition::Eq {
                    field: "x-amz-algorithm".into(),
                    value: "AWS4-HMAC-SHA256".into(),
                },
                Condition::Eq {
                    field: "x-amz-credential".into(),
                    value: "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request".into(),
                },
                Condition::Eq {
                    field: "x-amz-date".into(),
                    value: "20151229T000000Z".into(),
                },
            ],
        };

        assert_eq!(
            document.to_base64(),
            concat!(
                "eyJleHBpcmF0aW9uIjoiMjAxNS0xMi0zMFQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbWyJz",
                "dGFydHMtd2l0aCIsIiRrZXkiLCJ1c2VyL3VzZXIxLyJdLFsiY29udGVudC1sZW5ndGgtcmFu",
                "Z2UiLDAsMzAwMDAwMF0seyJidWNrZXQiOiJydXN0LXMzIn0seyJ4LWFtei1hbGdvcml0aG0i",
                "OiJBV1M0LUhNQUMtU0hBMjU2In0seyJ4LWFtei1jcmVkZW50aWFsIjoiQUtJQUlPU0ZPRE5O",
                "N0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LHsieC1hbXot",
                "ZGF0ZSI6IjIwMTUxMjI5VDAwMDAwMFoifV19"
            )
        );
    }
}
