//! S3's condition schema: which form fields a profile may set, how each may be matched, and
//! which values the enumerated ones admit.
//!
//! The validator asks [`lookup`] about every field name a profile writes; names match
//! case-insensitively and come back in S3's canonical spelling, which is what the compiler
//! emits. The table follows the "Conditions" table of AWS's POST policy documentation.

/// How a field may be matched in a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    /// Exact matching only: S3 refuses `starts-with` on these.
    Exact,
    /// Exact matching or `starts-with`.
    ExactOrPrefix,
}

/// A form field S3 knows.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The canonical spelling.
    pub name: &'static str,
    /// Which matching S3 admits.
    pub matching: Matching,
    /// The legal values, when S3 enumerates them.
    pub values: Option<&'static [&'static str]>,
}

/// The canned ACLs.
pub const CANNED_ACLS: &[&str] = &[
    "private",
    "public-read",
    "public-read-write",
    "aws-exec-read",
    "authenticated-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
];

/// ACLs that let anyone read (or write) the object.
pub const PUBLIC_ACLS: &[&str] = &["public-read", "public-read-write"];

/// The values of `success_action_status`.
pub const SUCCESS_STATUSES: &[&str] = &["200", "201", "204"];

/// The storage classes.
pub const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "GLACIER_IR",
    "DEEP_ARCHIVE",
    "EXPRESS_ONEZONE",
];

/// The server-side encryption algorithms.
pub const SSE_ALGORITHMS: &[&str] = &["AES256", "aws:kms", "aws:kms:dsse"];

/// The checksum algorithms, each with the field that carries its value.
pub const CHECKSUM_ALGORITHMS: &[(&str, &str)] = &[
    ("CRC32", "x-amz-checksum-crc32"),
    ("CRC32C", "x-amz-checksum-crc32c"),
    ("SHA1", "x-amz-checksum-sha1"),
    ("SHA256", "x-amz-checksum-sha256"),
];

const fn field(name: &'static str, matching: Matching) -> FieldSpec {
    FieldSpec {
        name,
        matching,
        values: None,
    }
}

const fn enumerated(
    name: &'static str,
    matching: Matching,
    values: &'static [&'static str],
) -> FieldSpec {
    FieldSpec {
        name,
        matching,
        values: Some(values),
    }
}

/// Every named field, in the order the compiler emits their conditions.
pub const FIELDS: &[FieldSpec] = &[
    field("key", Matching::ExactOrPrefix),
    enumerated("acl", Matching::ExactOrPrefix, CANNED_ACLS),
    enumerated("success_action_status", Matching::Exact, SUCCESS_STATUSES),
    field("success_action_redirect", Matching::ExactOrPrefix),
    field("redirect", Matching::ExactOrPrefix),
    field("Cache-Control", Matching::ExactOrPrefix),
    field("Content-Type", Matching::ExactOrPrefix),
    field("Content-Disposition", Matching::ExactOrPrefix),
    field("Content-Encoding", Matching::ExactOrPrefix),
    field("Expires", Matching::ExactOrPrefix),
    field("tagging", Matching::ExactOrPrefix),
    enumerated("x-amz-storage-class", Matching::Exact, STORAGE_CLASSES),
    field("x-amz-website-redirect-location", Matching::Exact),
    enumerated(
        "x-amz-server-side-encryption",
        Matching::Exact,
        SSE_ALGORITHMS,
    ),
    field(
        "x-amz-server-side-encryption-aws-kms-key-id",
        Matching::Exact,
    ),
    field("x-amz-server-side-encryption-context", Matching::Exact),
    enumerated(
        "x-amz-server-side-encryption-bucket-key-enabled",
        Matching::Exact,
        &["true", "false"],
    ),
    enumerated(
        "x-amz-server-side-encryption-customer-algorithm",
        Matching::Exact,
        &["AES256"],
    ),
    field("x-amz-server-side-encryption-customer-key", Matching::Exact),
    field(
        "x-amz-server-side-encryption-customer-key-MD5",
        Matching::Exact,
    ),
    enumerated(
        "x-amz-checksum-algorithm",
        Matching::Exact,
        &["CRC32", "CRC32C", "SHA1", "SHA256"],
    ),
    field("x-amz-checksum-crc32", Matching::Exact),
    field("x-amz-checksum-crc32c", Matching::Exact),
    field("x-amz-checksum-sha1", Matching::Exact),
    field("x-amz-checksum-sha256", Matching::Exact),
    field("Content-MD5", Matching::Exact),
];

/// The prefix of user metadata fields.
pub const META_PREFIX: &str = "x-amz-meta-";

/// Fields the signer writes; a profile cannot set them.
pub const SIGNER_OWNED: &[&str] = &[
    "policy",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-signature",
    "x-amz-security-token",
    "AWSAccessKeyId",
    "signature",
    "file",
];

/// What [`lookup`] found out about a field name.
#[derive(Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A field of [`FIELDS`].
    Known(&'static FieldSpec),
    /// `x-amz-meta-NAME`, with its canonical (lowercase) spelling.
    Meta(String),
    /// A field the signer owns, in canonical spelling.
    SignerOwned(&'static str),
    /// A name that is set elsewhere in a profile, with where.
    SetElsewhere {
        name: &'static str,
        instead: &'static str,
    },
    /// `x-ignore-*`: S3 ignores the field, so a policy cannot constrain it.
    Ignored,
    /// Nothing S3 knows.
    Unknown,
}

/// Classifies a field name, case-insensitively.
pub fn lookup(name: &str) -> FieldKind {
    if let Some(spec) = FIELDS
        .iter()
        .find(|spec| spec.name.eq_ignore_ascii_case(name))
    {
        return FieldKind::Known(spec);
    }
    if let Some(owned) = SIGNER_OWNED
        .iter()
        .find(|owned| owned.eq_ignore_ascii_case(name))
    {
        return FieldKind::SignerOwned(owned);
    }
    if name.eq_ignore_ascii_case("bucket") {
        return FieldKind::SetElsewhere {
            name: "bucket",
            instead: "the profile's `bucket` key",
        };
    }
    if name.eq_ignore_ascii_case("content-length-range")
        || name.eq_ignore_ascii_case("Content-Length")
    {
        return FieldKind::SetElsewhere {
            name: "content-length-range",
            instead: "`content_length = { min, max }`",
        };
    }

    let lower = name.to_ascii_lowercase();
    if lower.starts_with("x-ignore-") {
        return FieldKind::Ignored;
    }
    match lower.strip_prefix(META_PREFIX) {
        Some(suffix) if !suffix.is_empty() && suffix.bytes().all(is_header_name_byte) => {
            FieldKind::Meta(lower)
        }
        _ => FieldKind::Unknown,
    }
}

/// The field names a misspelt one is compared with for a suggestion.
pub fn suggestion_candidates() -> impl Iterator<Item = &'static str> {
    FIELDS
        .iter()
        .map(|spec| spec.name)
        .chain(SIGNER_OWNED.iter().copied())
}

/// The position of a canonical field name in the emitted order: named fields first, in table
/// order, then metadata by name.
pub fn emit_rank(canonical: &str) -> (usize, &str) {
    match FIELDS.iter().position(|spec| spec.name == canonical) {
        Some(index) => (index, ""),
        None => (FIELDS.len(), canonical),
    }
}

fn is_header_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_case_insensitively_and_come_back_canonical() {
        let FieldKind::Known(spec) = lookup("content-type") else {
            panic!("not found")
        };
        assert_eq!(spec.name, "Content-Type");

        let FieldKind::Known(spec) = lookup("X-AMZ-SERVER-SIDE-ENCRYPTION-CUSTOMER-KEY-md5") else {
            panic!("not found")
        };
        assert_eq!(spec.name, "x-amz-server-side-encryption-customer-key-MD5");
    }

    #[test]
    fn metadata_is_lowercased_and_needs_a_name() {
        assert_eq!(
            lookup("X-Amz-Meta-Uploader"),
            FieldKind::Meta("x-amz-meta-uploader".into())
        );
        assert_eq!(lookup("x-amz-meta-"), FieldKind::Unknown);
        assert_eq!(lookup("x-amz-meta-a b"), FieldKind::Unknown);
    }

    #[test]
    fn signer_fields_and_elsewhere_fields_are_recognised() {
        assert_eq!(
            lookup("X-Amz-Signature"),
            FieldKind::SignerOwned("x-amz-signature")
        );
        assert_eq!(
            lookup("awsaccesskeyid"),
            FieldKind::SignerOwned("AWSAccessKeyId")
        );
        assert!(matches!(
            lookup("Bucket"),
            FieldKind::SetElsewhere { name: "bucket", .. }
        ));
        assert_eq!(lookup("x-ignore-flash"), FieldKind::Ignored);
        assert_eq!(lookup("x-amz-storage-clas"), FieldKind::Unknown);
    }

    #[test]
    fn exact_only_fields_follow_the_aws_table() {
        let exact: Vec<_> = FIELDS
            .iter()
            .filter(|spec| spec.matching == Matching::Exact)
            .map(|spec| spec.name)
            .collect();

        assert!(exact.contains(&"success_action_status"));
        assert!(
            exact
                .iter()
                .filter(|name| name.starts_with("x-amz-"))
                .count()
                >= 12
        );
        assert!(!exact.contains(&"key"));
        assert!(!exact.contains(&"Content-Type"));
    }

    #[test]
    fn emit_rank_puts_key_first_and_metadata_last() {
        assert!(emit_rank("key") < emit_rank("acl"));
        assert!(emit_rank("x-amz-checksum-sha256") < emit_rank("x-amz-meta-a"));
        assert!(emit_rank("x-amz-meta-a") < emit_rank("x-amz-meta-b"));
    }
}
