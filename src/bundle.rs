//! The bundle: the last stage, the credentials a browser uploader takes as they are.
//!
//! A [`Bundle`] is made only from a [`SignedPolicy`], so nothing unsigned is ever printed. Its
//! JSON keeps a fixed key order and lists `fields` in sending order: the pre-filled fields,
//! the signer's fields, `policy`, then the signature. The uploader adds the `fill` fields and
//! the file, last. `{method, url, fields}` is the shape Uppy's S3 plugin, boto3 and the
//! JavaScript SDK use.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::policy::push_json_string;
use crate::sign::SignedPolicy;
use crate::time::Timestamp;
use crate::validate::SignatureVersion;

/// The credentials bundle of one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The profile's name.
    pub profile: String,
    /// Where the form is posted.
    pub url: String,
    /// When the policy expires.
    pub expires_at: Timestamp,
    /// Every form field to send as it is, in sending order.
    pub fields: Vec<(String, String)>,
    /// Fields the uploader fills, with the prefix each value must start with.
    pub fill: Vec<(String, String)>,
    /// The allowed file sizes, inclusive.
    pub content_length_range: Option<(u64, u64)>,
}

impl Bundle {
    /// Lays out the form of a signed policy.
    pub fn new(signed: SignedPolicy) -> Bundle {
        let (unsigned, policy, signature) = signed.into_parts();
        let signature_field = match unsigned.version {
            SignatureVersion::V4 => "x-amz-signature",
            SignatureVersion::V2 => "signature",
        };

        let mut fields = unsigned.fields;
        fields.reserve(2);
        fields.push(("policy".to_owned(), policy));
        fields.push((signature_field.to_owned(), signature));

        Bundle {
            profile: unsigned.profile,
            url: unsigned.url,
            expires_at: unsigned.document.expiration,
            fields,
            fill: unsigned.fill,
            content_length_range: unsigned.content_length.map(|range| (range.min, range.max)),
        }
    }

    /// The value of form field `name`, if the bundle pre-fills it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// Pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = String::with_capacity(2048);
        self.write_json(&mut text, 0);
        text.push('\n');
        text
    }

    /// Appends `  "PROFILE": {...}`, the bundle as an entry of the object that `compile --all`
    /// prints.
    pub fn write_keyed_json(&self, out: &mut String) {
        out.push_str("  ");
        push_json_string(out, &self.profile);
        out.push_str(": ");
        self.write_json(out, 1);
    }

    /// Appends the bundle's JSON, pretty-printed with two spaces a level, as an object nested
    /// `depth` levels deep: `{` opens where the text is, the closing `}` is indented.
    ///
    /// Keys come in a fixed order: `profile`, `method`, `url`, `expires_at`, `fields` (in
    /// sending order), `fill`, `content_length_range`.
    pub fn write_json(&self, out: &mut String, depth: usize) {
        let inner = indentation(depth + 1);
        let entry = |out: &mut String, key: &str| {
            out.push_str(inner);
            push_json_string(out, key);
            out.push_str(": ");
        };

        out.push_str("{\n");
        for (key, value) in [
            ("profile", self.profile.as_str()),
            ("method", "POST"),
            ("url", &self.url),
        ] {
            entry(out, key);
            push_json_string(out, value);
            out.push_str(",\n");
        }
        entry(out, "expires_at");
        push_json_string(out, &self.expires_at.rfc3339());
        out.push_str(",\n");

        entry(out, "fields");
        write_object(out, depth + 1, &self.fields, |out, value| {
            push_json_string(out, value)
        });
        out.push_str(",\n");

        entry(out, "fill");
        write_object(out, depth + 1, &self.fill, |out, prefix| {
            write_object(out, depth + 2, &[("starts_with", prefix)], |out, prefix| {
                push_json_string(out, prefix);
            });
        });
        out.push_str(",\n");

        entry(out, "content_length_range");
        match self.content_length_range {
            Some((min, max)) => {
                let _ = write!(out, "[\n{inner}  {min},\n{inner}  {max}\n{inner}]");
            }
            None => out.push_str("null"),
        }
        out.push('\n');
        out.push_str(indentation(depth));
        out.push('}');
    }
}

/// Appends an object of `entries` at nesting `depth`, each value written by `value`; an empty
/// object is `{}`.
fn write_object<V: AsRef<str>>(
    out: &mut String,
    depth: usize,
    entries: &[(impl AsRef<str>, V)],
    mut value: impl FnMut(&mut String, &str),
) {
    if entries.is_empty() {
        out.push_str("{}");
        return;
    }

    let inner = indentation(depth + 1);
    out.push_str("{\n");
    for (index, (key, item)) in entries.iter().enumerate() {
        if index > 0 {
            out.push_str(",\n");
        }
        out.push_str(inner);
        push_json_string(out, key.as_ref());
        out.push_str(": ");
        value(out, item.as_ref());
    }
    out.push('\n');
    out.push_str(indentation(depth));
    out.push('}');
}

/// Two spaces a level; bundles nest four levels deep at most.
fn indentation(depth: usize) -> &'static str {
    const SPACES: &str = "                ";
    &SPACES[..(2 * depth).min(SPACES.len())]
}

/// The object `compile --all` prints, keyed by profile name, written a run of entries at a
/// time so that no more than a run is ever held.
#[derive(Debug, Default)]
pub struct KeyedObject {
    opened: bool,
}

impl KeyedObject {
    /// An object nothing of which is written yet.
    pub fn new() -> KeyedObject {
        KeyedObject::default()
    }

    /// Writes `entries`, made by [`Bundle::write_keyed_json`] and joined by `,\n`; an empty
    /// text writes nothing.
    ///
    /// # Errors
    ///
    /// The error of `out`.
    pub fn write_entries(
        &mut self,
        out: &mut (impl Write + ?Sized),
        entries: &str,
    ) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        out.write_all(if self.opened { b",\n" } else { b"{\n" })?;
        self.opened = true;
        out.write_all(entries.as_bytes())
    }

    /// Closes the object; without entries it is `{}`.
    ///
    /// # Errors
    ///
    /// The error of `out`.
    pub fn finish(self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        out.write_all(if self.opened { b"\n}\n" } else { b"{}\n" })
    }
}

/// Writes bundles as one JSON object keyed by profile name, in the order given, each bundle
/// written as soon as it is made, through `out`.
///
/// # Errors
///
/// The first error of `bundles` or of `out`.
pub fn write_bundles_json<E: From<io::Error>>(
    out: &mut impl Write,
    bundles: impl IntoIterator<Item = Result<Bundle, E>>,
) -> Result<(), E> {
    let mut object = KeyedObject::new();
    let mut text = String::with_capacity(4096);
    for bundle in bundles {
        bundle?.write_keyed_json(&mut text);
        object.write_entries(out, &text)?;
        text.clear();
    }
    object.finish(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(fill: &[(&str, &str)], range: Option<(u64, u64)>) -> Bundle {
        Bundle {
            profile: "p".into(),
            url: "https://b.s3.us-east-1.amazonaws.com/".into(),
            expires_at: Timestamp::from_unix(1_796_321_700),
            fields: vec![
                ("key".into(), "a\"b/${filename}".into()),
                ("policy".into(), "e30=".into()),
            ],
            fill: fill
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            content_length_range: range,
        }
    }

    /// The bundle as a `serde_json` value, whose pretty printing the writer must match.
    fn serde_value(bundle: &Bundle) -> serde_json::Value {
        let fields: serde_json::Map<String, serde_json::Value> = bundle
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().into()))
            .collect();
        let fill: serde_json::Map<String, serde_json::Value> = bundle
            .fill
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!({ "starts_with": v })))
            .collect();
        serde_json::json!({
            "profile": bundle.profile,
            "method": "POST",
            "url": bundle.url,
            "expires_at": bundle.expires_at.rfc3339(),
            "fields": fields,
            "fill": fill,
            "content_length_range": bundle.content_length_range,
        })
    }

    fn pretty(value: &serde_json::Value) -> String {
        serde_json::to_string_pretty(value).unwrap() + "\n"
    }

    #[test]
    fn json_is_laid_out_as_serde_json_pretty_prints_it() {
        for bundle in [
            bundle(&[], None),
            bundle(&[("Content-Type", "image/")], Some((1, 10))),
            bundle(&[("a", ""), ("b", "\u{1}")], Some((0, 0))),
        ] {
            assert_eq!(bundle.to_json(), pretty(&serde_value(&bundle)));
        }
    }

    #[test]
    fn several_bundles_nest_under_their_names() {
        let first = bundle(&[], Some((1, 2)));
        let second = Bundle {
            profile: "q".into(),
            ..bundle(&[("x", "y")], None)
        };
        let mut written = Vec::new();
        write_bundles_json::<io::Error>(&mut written, [Ok(first.clone()), Ok(second.clone())])
            .unwrap();

        let expected = serde_json::json!({ "p": serde_value(&first), "q": serde_value(&second) });
        assert_eq!(String::from_utf8(written).unwrap(), pretty(&expected));
    }

    #[test]
    fn runs_of_entries_join_into_the_same_object() {
        let first = bundle(&[], Some((1, 2)));
        let second = Bundle {
            profile: "q".into(),
            ..bundle(&[("x", "y")], None)
        };
        let third = Bundle {
            profile: "r".into(),
            ..bundle(&[], None)
        };
        let mut run = String::new();
        first.write_keyed_json(&mut run);
        run.push_str(",\n");
        second.write_keyed_json(&mut run);
        let mut last_run = String::new();
        third.write_keyed_json(&mut last_run);

        let mut joined = Vec::new();
        let mut object = KeyedObject::new();
        for entries in [run.as_str(), "", last_run.as_str()] {
            object.write_entries(&mut joined, entries).unwrap();
        }
        object.finish(&mut joined).unwrap();
        let mut streamed = Vec::new();
        write_bundles_json::<io::Error>(&mut streamed, [Ok(first), Ok(second), Ok(third)]).unwrap();

        assert_eq!(
            String::from_utf8(joined).unwrap(),
            String::from_utf8(streamed).unwrap()
        );
    }

    #[test]
    fn no_bundles_is_an_empty_object() {
        let mut written = Vec::new();
        write_bundles_json::<io::Error>(&mut written, []).unwrap();

        assert_eq!(written, b"{}\n");
    }
}
