//! The bundle: the last stage, the credentials a browser uploader takes as they are.
//!
//! A [`Bundle`] is made only from a [`SignedPolicy`], so nothing unsigned is ever printed. Its
//! JSON keeps a fixed key order and lists `fields` in sending order: the pre-filled fields,
//! the signer's fields, `policy`, then the signature. The uploader adds the `fill` fields and
//! the file, last. `{method, url, fields}` is the shape Uppy's S3 plugin, boto3 and the
//! JavaScript SDK use.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};

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
    pub fn new(signed: &SignedPolicy) -> Bundle {
        let unsigned = signed.unsigned();
        let signature_field = match unsigned.version {
            SignatureVersion::V4 => "x-amz-signature",
            SignatureVersion::V2 => "signature",
        };

        let mut fields = Vec::with_capacity(unsigned.fields.len() + 2);
        fields.extend(unsigned.fields.iter().cloned());
        fields.push(("policy".to_owned(), signed.policy().to_owned()));
        fields.push((signature_field.to_owned(), signed.signature().to_owned()));

        Bundle {
            profile: unsigned.profile.clone(),
            url: unsigned.url.clone(),
            expires_at: unsigned.document.expiration,
            fields,
            fill: unsigned.fill.clone(),
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
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

impl Serialize for Bundle {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut bundle = serializer.serialize_struct("Bundle", 7)?;
        bundle.serialize_field("profile", &self.profile)?;
        bundle.serialize_field("method", "POST")?;
        bundle.serialize_field("url", &self.url)?;
        bundle.serialize_field("expires_at", &self.expires_at.rfc3339())?;
        bundle.serialize_field("fields", &OrderedFields(&self.fields))?;
        bundle.serialize_field("fill", &Fill(&self.fill))?;
        bundle.serialize_field("content_length_range", &self.content_length_range)?;
        bundle.end()
    }
}

struct OrderedFields<'a>(&'a [(String, String)]);

impl Serialize for OrderedFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

struct Fill<'a>(&'a [(String, String)]);

impl Serialize for Fill<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Constraint<'a> {
            starts_with: &'a str,
        }

        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, prefix) in self.0 {
            map.serialize_entry(
                name,
                &Constraint {
                    starts_with: prefix,
                },
            )?;
        }
        map.end()
    }
}

/// Several bundles as one JSON object keyed by profile name, in the order given.
pub fn bundles_to_json(bundles: &[Bundle]) -> String {
    struct ByName<'a>(&'a [Bundle]);

    impl Serialize for ByName<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for bundle in self.0 {
                map.serialize_entry(&bundle.profile, bundle)?;
            }
            map.end()
        }
    }

    let mut text = serde_json::to_string_pretty(&ByName(bundles)).unwrap_or_default();
    text.push('\n');
    text
}
