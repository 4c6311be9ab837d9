//! The validator: the second stage, from a [`RawProfile`] to a [`Profile`].
//!
//! Every setting is checked against what S3 accepts: bucket names, regions, endpoints, expiry,
//! sizes, and each field against the condition schema of [`crate::schema`] (which matching it
//! admits, which values are legal, where `${filename}` may stand). Every problem becomes a
//! [`Diagnostic`]; a [`Profile`] comes out only when there was no error, so nothing
//! unvalidated reaches the compiler.

use std::time::Duration;

use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::evaluate::ViolationCode;
use crate::lint::lint;
use crate::load::{RawField, RawLengthRange, RawProfile, RawRule, RawSize, RawTest};
use crate::schema::{self, FieldKind, FieldSpec, Matching};
use crate::size::{format_size, parse_size};
use crate::source::{FileId, Sources, Span, Spanned};
use crate::time::Timestamp;

/// The largest object a single POST may upload: 5 GiB.
pub const S3_MAX_POST_SIZE: u64 = 5 << 30;

/// The longest a SigV4 signing key is valid: seven days.
pub const SIGV4_MAX_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

/// The default region.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The default `expires_in`.
pub const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(3600);

/// The variable S3 replaces with the uploaded file's name.
pub const FILENAME_VARIABLE: &str = "${filename}";

/// Which signature a profile asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureVersion {
    /// AWS4-HMAC-SHA256.
    V4,
    /// HMAC-SHA1, for legacy stores.
    V2,
}

/// When the policy expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// This long after signing.
    In(Duration),
    /// At this instant.
    At(Timestamp),
}

impl Expiry {
    /// The instant the policy expires when signed at `now`, `None` past the year 9999.
    pub fn at(self, now: Timestamp) -> Option<Timestamp> {
        match self {
            Expiry::In(duration) => now.checked_add(duration),
            Expiry::At(instant) => Some(instant),
        }
    }
}

/// `content_length`, in bytes, inclusive at both ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthRange {
    /// The smallest size allowed.
    pub min: u64,
    /// The largest size allowed.
    pub max: u64,
}

/// How a field is matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The field must equal the text; the bundle pre-fills it.
    Eq(String),
    /// The field must start with `prefix`; the bundle pre-fills `value` when there is one,
    /// and otherwise lists the field among those the uploader fills.
    StartsWith {
        prefix: String,
        value: Option<String>,
    },
    /// Any value; the uploader fills the field.
    Any,
}

/// One field of a validated profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRule {
    /// S3's canonical spelling.
    pub name: String,
    /// How it is matched.
    pub rule: Rule,
}

/// What a test case expects S3 to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// The upload is stored.
    Accept,
    /// The upload is refused.
    Reject,
}

/// A validated test case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    /// What the case shows.
    pub name: String,
    /// Form fields laid over the bundle's.
    pub fields: Vec<(String, String)>,
    /// The uploaded file's name.
    pub filename: Option<String>,
    /// The uploaded file's size in bytes.
    pub size: u64,
    /// The verdict expected.
    pub expect: Expectation,
    /// With `Reject`, what should fail.
    pub reason: Option<String>,
    /// Where the case is written.
    pub span: Span,
}

/// A profile that satisfies S3's schema, ready to compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The kebab-case name.
    pub name: String,
    /// The one-line description.
    pub description: Option<String>,
    /// The file the profile is written in.
    pub file: FileId,
    /// The bucket name.
    pub bucket: String,
    /// The region of the credential scope and of the default URL.
    pub region: String,
    /// Which signature to make.
    pub signature: SignatureVersion,
    /// An S3-compatible endpoint (`scheme://host[:port][/path]`, no trailing slash).
    pub endpoint: Option<String>,
    /// Whether the bucket goes in the path rather than the host name.
    pub path_style: bool,
    /// Where the form is posted, from [`upload_url`].
    pub url: String,
    /// When the policy expires.
    pub expiry: Expiry,
    /// The allowed file sizes.
    pub content_length: Option<LengthRange>,
    /// The fields, in the compiler's emitting order.
    pub fields: Vec<FieldRule>,
    /// The profile's own test cases.
    pub tests: Vec<TestCase>,
    /// Warning codes the profile accepts knowingly.
    pub allow: Vec<Code>,
}

impl Profile {
    /// The rule for the canonical field `name`.
    pub fn field(&self, name: &str) -> Option<&Rule> {
        self.fields
            .iter()
            .find(|field| field.name == name)
            .map(|field| &field.rule)
    }

    /// Whether the profile accepts warnings of `code` knowingly.
    pub fn allows(&self, code: Code) -> bool {
        self.allow.contains(&code)
    }
}

/// The upload URL: AWS virtual-hosted (`https://BUCKET.s3.REGION.amazonaws.com/`) by default,
/// or the endpoint, with the bucket in the path when `path_style` asks for it.
pub fn upload_url(bucket: &str, region: &str, endpoint: Option<&str>, path_style: bool) -> String {
    let aws_host;
    let (scheme, host_and_path) = match endpoint {
        Some(endpoint) => endpoint.split_once("://").unwrap_or(("https", endpoint)),
        None => {
            aws_host = format!("s3.{region}.amazonaws.com");
            ("https", aws_host.as_str())
        }
    };

    if path_style {
        format!("{scheme}://{host_and_path}/{bucket}/")
    } else {
        format!("{scheme}://{bucket}.{host_and_path}/")
    }
}

/// The validator's own warnings; with [`crate::lint::LINTS`], what `allow` may name.
pub const WARNINGS: &[Code] = &[
    Code::LongExpiry,
    Code::DottedBucketTls,
    Code::DeprecatedField,
    Code::ExceedsPostLimit,
    Code::UnknownVariable,
    Code::UnusableRedirect,
    Code::CustomerKeyInBundle,
    Code::ZeroMaxSize,
    Code::DoubleDollar,
];

/// Every warning code a profile may list in `allow`.
pub fn allowable() -> impl Iterator<Item = Code> + Clone {
    WARNINGS.iter().chain(crate::lint::LINTS).copied()
}

/// What validation needs besides the profile.
pub struct ValidationContext<'a> {
    /// The files the spans point into.
    pub sources: &'a Sources,
    /// The clock, for `expires_at` and the seven-day limit.
    pub now: Timestamp,
}

/// Validates a (merged) raw profile, pushing every problem to `diagnostics`.
///
/// Returns the profile only when no error was found; warnings do not stop it, except those
/// the profile's `allow` list silences, which are not reported at all.
pub fn validate(
    raw: &RawProfile,
    context: &ValidationContext<'_>,
    diagnostics: &mut Diagnostics,
) -> Option<Profile> {
    let mut checker = Checker {
        name: &raw.name.value,
        sources: context.sources,
        problems: Vec::new(),
    };

    let allow = checker.allow(raw.allow.as_deref().unwrap_or_default());
    checker.description(raw.description.as_ref());
    let bucket = checker.bucket(raw);
    let region = checker.region(raw.region.as_ref());
    let signature = checker.signature(raw.signature.as_ref());
    let endpoint = checker.endpoint(raw);
    let expiry = checker.expiry(raw, signature, context);
    let content_length = raw
        .content_length
        .as_ref()
        .and_then(|range| checker.length_range(range));
    let fields = checker.fields(raw);
    let tests = checker.tests(
        &raw.tests,
        content_length,
        fields.as_deref().unwrap_or_default(),
    );

    if let (Some(bucket), None, false) = (
        &bucket,
        &raw.endpoint,
        raw.path_style.as_ref().is_some_and(|p| p.value),
    ) && bucket.value.contains('.')
    {
        checker.problems.push(
            Diagnostic::warning(
                Code::DottedBucketTls,
                format!(
                    "bucket `{}` has dots, which break HTTPS for virtual-hosted URLs",
                    bucket.value
                ),
            )
            .at(bucket.span)
            .help("set `path_style = true`, or choose a bucket name without dots"),
        );
    }

    let failed = checker.problems.iter().any(Diagnostic::is_error);
    let profile = if failed {
        None
    } else {
        let bucket = bucket?.value;
        let path_style = raw.path_style.as_ref().is_some_and(|flag| flag.value);
        Some(Profile {
            name: raw.name.value.clone(),
            description: raw.description.as_ref().map(|text| text.value.clone()),
            file: raw.file,
            url: upload_url(&bucket, &region, endpoint.as_deref(), path_style),
            bucket,
            region,
            signature,
            endpoint,
            path_style,
            expiry: expiry?,
            content_length,
            fields: fields?,
            tests: tests?,
            allow: allow.clone(),
        })
    };
    if let Some(profile) = &profile {
        checker.problems.extend(lint(raw, profile, context.now));
    }

    for problem in checker.problems {
        if problem.is_error() || !allow.contains(&problem.code) {
            diagnostics.push(problem);
        }
    }
    profile
}

/// Collects the problems of one profile.
struct Checker<'a> {
    name: &'a str,
    sources: &'a Sources,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, code: Code, span: Span, message: String) -> &mut Diagnostic {
        self.problems
            .push(Diagnostic::error(code, message).at(span));
        self.problems.last_mut().expect("just pushed")
    }

    fn allow(&mut self, entries: &[Spanned<String>]) -> Vec<Code> {
        let mut allowed = Vec::new();
        for entry in entries {
            match allowable().find(|code| code.as_str() == entry.value) {
                Some(code) => allowed.push(code),
                None => {
                    let names: Vec<&str> = allowable().map(Code::as_str).collect();
                    let suggestion = did_you_mean(&entry.value, names.iter().copied());
                    let diagnostic = self.error(
                        Code::UnknownLint,
                        entry.span,
                        format!(
                            "`{}` is not a warning that `allow` can silence",
                            entry.value
                        ),
                    );
                    match suggestion {
                        Some(name) => {
                            *diagnostic =
                                diagnostic.clone().label(format!("did you mean `{name}`?"))
                        }
                        None => {
                            *diagnostic = diagnostic.clone().help(format!(
                                "warnings that can be allowed: {}",
                                names.join(", ")
                            ))
                        }
                    }
                }
            }
        }
        allowed
    }

    fn description(&mut self, description: Option<&Spanned<String>>) {
        if let Some(description) = description
            && description.value.contains(['\n', '\r'])
        {
            let message = "`description` is one line, which `list` shows".to_owned();
            self.error(Code::MultilineDescription, description.span, message)
                .add_help("keep the first line here and put the rest in a comment");
        }
    }

    fn bucket(&mut self, raw: &RawProfile) -> Option<Spanned<String>> {
        let Some(bucket) = &raw.bucket else {
            self.error(
                Code::MissingBucket,
                raw.name.span,
                format!("profile `{}` has no `bucket`", self.name),
            )
            .add_help("add `bucket = \"my-bucket\"` to the profile");
            return None;
        };

        if let Err(reason) = check_bucket_name(&bucket.value) {
            self.error(
                Code::BadBucketName,
                bucket.span,
                format!("`{}` is not a valid S3 bucket name: {reason}", bucket.value),
            )
            .add_note("bucket names are 3 to 63 lowercase letters, digits, dots and hyphens");
            return None;
        }
        Some(bucket.clone())
    }

    fn region(&mut self, region: Option<&Spanned<String>>) -> String {
        let Some(region) = region else {
            return DEFAULT_REGION.to_owned();
        };

        let legal = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if region.value.is_empty() || !region.value.chars().all(legal) {
            let reason = match region.value.chars().find(|c| !legal(*c)) {
                Some(c) if c.is_whitespace() => ": it contains a space",
                Some(c) if c.is_ascii_uppercase() => ": it has capital letters",
                Some('_') => ": it has `_` where a hyphen belongs",
                _ => "",
            };
            self.error(
                Code::BadRegion,
                region.span,
                format!("`{}` is not a region name{reason}", region.value),
            )
            .add_help("regions are lowercase letters, digits and hyphens, as in `eu-west-1`");
        }
        region.value.clone()
    }

    fn signature(&mut self, signature: Option<&Spanned<String>>) -> SignatureVersion {
        match signature.map(|text| text.value.as_str()) {
            None | Some("v4") => SignatureVersion::V4,
            Some("v2") => SignatureVersion::V2,
            Some(other) => {
                let span = signature.map(|text| text.span).expect("matched Some");
                self.error(
                    Code::BadSignatureVersion,
                    span,
                    format!("`{other}` is not a signature version"),
                )
                .add_help("write `signature = \"v4\"` (the default) or `\"v2\"` for legacy stores");
                SignatureVersion::V4
            }
        }
    }

    fn endpoint(&mut self, raw: &RawProfile) -> Option<String> {
        let endpoint = raw.endpoint.as_ref()?;
        let normalized = match check_endpoint(&endpoint.value) {
            Ok(normalized) => normalized,
            Err(reason) => {
                let message = format!("`{}` is not an endpoint URL: {reason}", endpoint.value);
                self.error(Code::BadEndpoint, endpoint.span, message)
                    .add_help(
                        "write the store's base URL, as in `https://s3.example.com` or \
                     `http://127.0.0.1:7480`",
                    );
                return None;
            }
        };

        let path_style = raw.path_style.as_ref().is_some_and(|flag| flag.value);
        let bucket = raw
            .bucket
            .as_ref()
            .map_or("", |bucket| bucket.value.as_str());
        let problem = if path_style {
            let names_bucket = normalized.ends_with(&format!("/{bucket}")) && !bucket.is_empty();
            names_bucket.then(|| format!("the path already names the bucket `{bucket}`; drop it"))
        } else {
            virtual_host_problem(&normalized, bucket)
        };
        if let Some(problem) = problem {
            let message = format!("`{}` cannot be used as it is: {problem}", endpoint.value);
            self.error(Code::BadEndpoint, endpoint.span, message);
            return None;
        }
        Some(normalized)
    }

    fn expiry(
        &mut self,
        raw: &RawProfile,
        signature: SignatureVersion,
        context: &ValidationContext<'_>,
    ) -> Option<Expiry> {
        let expiry = match (&raw.expires_in, &raw.expires_at) {
            (Some(_), Some(at)) => {
                let other = raw
                    .expires_in
                    .as_ref()
                    .map(|d| context.sources.location(d.span))
                    .unwrap_or_default();
                let message = "`expires_in` and `expires_at` are both set".to_owned();
                self.error(Code::ConflictingExpiry, at.span, message)
                    .add_note(format!("`expires_in` is set at {other}"))
                    .add_help("keep one of them");
                return None;
            }
            (Some(duration), None) => match parse_duration(&duration.value) {
                Ok(parsed) if parsed.as_secs() > 0 => Expiry::In(parsed),
                Ok(_) => {
                    self.error(
                        Code::BadDuration,
                        duration.span,
                        "`expires_in` must be at least one second".into(),
                    );
                    return None;
                }
                Err(reason) => {
                    self.error(
                        Code::BadDuration,
                        duration.span,
                        format!("`{}` is not a duration: {reason}", duration.value),
                    )
                    .add_help("write a duration such as `\"15m\"`, `\"1h 30m\"` or `\"2days\"`");
                    return None;
                }
            },
            (None, Some(at)) => match Timestamp::parse_rfc3339(&at.value) {
                Ok(instant) if instant <= context.now => {
                    self.error(
                        Code::AlreadyExpired,
                        at.span,
                        format!(
                            "`expires_at` {} is already past (now is {})",
                            instant, context.now
                        ),
                    )
                    .add_help("move `expires_at` into the future, or use `expires_in`");
                    return None;
                }
                Ok(instant) => Expiry::At(instant),
                Err(reason) => {
                    self.error(
                        Code::BadExpiresAt,
                        at.span,
                        format!("`expires_at` cannot be used: {reason}"),
                    );
                    return None;
                }
            },
            (None, None) => Expiry::In(DEFAULT_EXPIRES_IN),
        };

        let Some(expires) = expiry.at(context.now) else {
            let span = raw.expires_in.as_ref().map_or(raw.name.span, |d| d.span);
            self.error(
                Code::BadDuration,
                span,
                "`expires_in` reaches past the year 9999".into(),
            );
            return None;
        };
        let validity = Duration::from_secs(expires.seconds_since(context.now));
        if signature == SignatureVersion::V4 && validity > SIGV4_MAX_VALIDITY {
            let span = raw
                .expires_in
                .as_ref()
                .or(raw.expires_at.as_ref())
                .map_or(raw.name.span, |d| d.span);
            self.problems.push(
                Diagnostic::warning(
                    Code::LongExpiry,
                    format!(
                        "the policy stays valid {} after signing, longer than a SigV4 signing \
                            key's 7 days",
                        humantime::format_duration(validity)
                    ),
                )
                .at(span)
                .note("S3 may refuse uploads signed with a key older than 7 days")
                .help("shorten the expiry, or add `allow = [\"long-expiry\"]` to accept it"),
            );
        }
        Some(expiry)
    }

    fn length_range(&mut self, range: &RawLengthRange) -> Option<LengthRange> {
        if range.min.is_none() && range.max.is_none() {
            self.error(
                Code::LengthRangeEmpty,
                range.span,
                "`content_length` sets neither `min` nor `max`".into(),
            )
            .add_help("write `content_length = { min = 1, max = \"10 MiB\" }`");
            return None;
        }
        let min = match &range.min {
            Some(size) => self.size(size, "content_length.min")?,
            None => 0,
        };
        let max = match &range.max {
            Some(size) => self.size(size, "content_length.max")?,
            None => S3_MAX_POST_SIZE,
        };

        if min > max {
            let span = range.min.as_ref().map_or(range.span, |size| size.span);
            self.error(
                Code::LengthRangeInverted,
                span,
                format!(
                    "`content_length.min` ({}) is larger than `max` ({})",
                    format_size(min),
                    format_size(max)
                ),
            );
            return None;
        }
        if max == 0 {
            let span = range.max.as_ref().map_or(range.span, |size| size.span);
            self.problems.push(
                Diagnostic::warning(
                    Code::ZeroMaxSize,
                    "`content_length.max = 0` allows only empty files",
                )
                .at(span)
                .note(
                    "some S3-compatible stores, MinIO among them, read a zero maximum as no limit",
                ),
            );
        }
        if max > S3_MAX_POST_SIZE {
            let span = range.max.as_ref().map_or(range.span, |size| size.span);
            self.problems.push(
                Diagnostic::warning(
                    Code::ExceedsPostLimit,
                    format!(
                        "`content_length.max` ({}) exceeds the 5 GiB S3 accepts in one POST",
                        format_size(max)
                    ),
                )
                .at(span)
                .note(
                    "larger objects need a multipart upload, which a POST policy cannot authorise",
                ),
            );
        }
        Some(LengthRange { min, max })
    }

    fn size(&mut self, size: &Spanned<RawSize>, key: &str) -> Option<u64> {
        let parsed = match &size.value {
            RawSize::Bytes(bytes) => {
                u64::try_from(*bytes).map_err(|_| format!("`{key}` cannot be negative"))
            }
            RawSize::Text(text) => parse_size(text),
        };
        match parsed {
            Ok(bytes) => Some(bytes),
            Err(reason) => {
                self.error(Code::BadSize, size.span, reason);
                None
            }
        }
    }

    fn fields(&mut self, raw: &RawProfile) -> Option<Vec<FieldRule>> {
        let mut fields: Vec<(FieldRule, Span)> = Vec::new();
        let mut ok = true;

        for field in &raw.fields {
            let Some(rule) = self.field(field) else {
                ok = false;
                continue;
            };
            if let Some((_, first)) = fields
                .iter()
                .find(|(existing, _)| existing.name == rule.name)
            {
                let first = self.sources.location(*first);
                let message = format!(
                    "`{}` is the same field as `{}`",
                    field.name.value, rule.name
                );
                self.error(Code::DuplicateField, field.name.span, message)
                    .add_note(format!(
                        "field names are case-insensitive; `{}` is first set at {first}",
                        rule.name
                    ));
                ok = false;
                continue;
            }
            fields.push((rule, field.name.span));
        }

        let key_written = raw
            .fields
            .iter()
            .any(|field| field.name.value.eq_ignore_ascii_case("key"));
        if !key_written {
            self.error(
                Code::MissingKey,
                raw.name.span,
                format!("profile `{}` has no `key` field", self.name),
            )
            .add_help("S3 needs a key; add e.g. `fields.key = \"uploads/${filename}\"`");
            ok = false;
        }
        ok &= self.companions(&fields);

        fields.sort_by(|a, b| schema::emit_rank(&a.0.name).cmp(&schema::emit_rank(&b.0.name)));
        ok.then(|| fields.into_iter().map(|(field, _)| field).collect())
    }

    fn field(&mut self, field: &RawField) -> Option<FieldRule> {
        let written = &field.name.value;
        let name_span = field.name.span;
        let (name, spec) = match schema::lookup(written) {
            FieldKind::Known(spec) => (spec.name.to_owned(), Some(spec)),
            FieldKind::Meta(name) => (name, None),
            FieldKind::SignerOwned(owned) => {
                let note = if owned == "file" {
                    "the uploader adds the file itself, as the last part of the form"
                } else {
                    "the bundle adds the policy, its signature and the credential fields itself"
                };
                let message = format!("`{written}` is written by the signer, not by a profile");
                self.error(Code::SignerOwnedField, name_span, message)
                    .add_note(note);
                return None;
            }
            FieldKind::SetElsewhere { instead, .. } => {
                self.error(
                    Code::NotAField,
                    name_span,
                    format!("`{written}` cannot be set under `fields`"),
                )
                .add_help(format!("use {instead}"));
                return None;
            }
            FieldKind::Ignored => {
                self.error(
                    Code::NotAField,
                    name_span,
                    format!("`{written}` is ignored by S3, so a policy cannot constrain it"),
                )
                .add_help("an uploader may send `x-ignore-*` fields without any rule");
                return None;
            }
            FieldKind::Unknown
                if written
                    .to_ascii_lowercase()
                    .starts_with(schema::META_PREFIX) =>
            {
                let reason = if written.len() == schema::META_PREFIX.len() {
                    "it needs a name after `x-amz-meta-`"
                } else {
                    "metadata names are letters, digits and `-_.!#$%&'*+^`|~`, without spaces"
                };
                let message = format!("`{written}` is not a usable metadata field: {reason}");
                self.error(Code::UnknownField, name_span, message);
                return None;
            }
            FieldKind::Unknown => {
                let suggestion = did_you_mean(written, schema::suggestion_candidates());
                let diagnostic = self.error(
                    Code::UnknownField,
                    name_span,
                    format!("`{written}` is not a form field S3 knows"),
                );
                let help = match suggestion {
                    Some(name) => format!("did you mean `{name}`?"),
                    None => "custom metadata goes in `x-amz-meta-NAME` fields".to_owned(),
                };
                diagnostic.label = Some(help);
                return None;
            }
        };

        let rule = self.rule(&name, spec, &field.rule, field.span)?;
        Some(FieldRule { name, rule })
    }

    fn rule(
        &mut self,
        name: &str,
        spec: Option<&FieldSpec>,
        rule: &RawRule,
        span: Span,
    ) -> Option<Rule> {
        let matching = spec.map_or(Matching::ExactOrPrefix, |spec| spec.matching);
        let legal = spec.and_then(|spec| spec.values);

        match rule {
            RawRule::Eq(text) => {
                if name == "key"
                    && let Some(prefix) = text.value.strip_suffix(FILENAME_VARIABLE)
                {
                    self.variables(name, prefix, text.span)?;
                    return Some(Rule::StartsWith {
                        prefix: prefix.to_owned(),
                        value: Some(text.value.clone()),
                    });
                }
                self.variables(name, &text.value, text.span)?;
                self.legal_value(name, legal, text)?;
                self.field_specific(name, text)?;
                Some(Rule::Eq(text.value.clone()))
            }
            RawRule::StartsWith { prefix, value } => {
                self.prefix_allowed(name, matching, prefix.span)?;
                self.variables(name, &prefix.value, prefix.span)?;
                if let Some(legal) = legal
                    && !legal.iter().any(|value| value.starts_with(&prefix.value))
                {
                    self.error(
                        Code::IllegalValue,
                        prefix.span,
                        format!("no legal value of `{name}` starts with `{}`", prefix.value),
                    )
                    .add_note(format!("`{name}` is one of {}", legal.join(", ")));
                    return None;
                }
                let Some(value) = value else {
                    return Some(Rule::StartsWith {
                        prefix: prefix.value.clone(),
                        value: None,
                    });
                };

                let literal = if name == "key" {
                    value
                        .value
                        .strip_suffix(FILENAME_VARIABLE)
                        .unwrap_or(&value.value)
                } else {
                    &value.value
                };
                self.variables(name, literal, value.span)?;
                if !value.value.starts_with(&prefix.value) {
                    self.error(
                        Code::ValueOutsidePrefix,
                        value.span,
                        format!("`value` of `{name}` does not start with `{}`", prefix.value),
                    )
                    .add_note(
                        "S3 would refuse the pre-filled value; make it start with the prefix",
                    );
                    return None;
                }
                self.legal_value(name, legal, value)?;
                self.content_type_list(name, &prefix.value, value)?;
                Some(Rule::StartsWith {
                    prefix: prefix.value.clone(),
                    value: Some(value.value.clone()),
                })
            }
            RawRule::Any => {
                self.prefix_allowed(name, matching, span)?;
                Some(Rule::Any)
            }
        }
    }

    fn prefix_allowed(&mut self, name: &str, matching: Matching, span: Span) -> Option<()> {
        if matching == Matching::Exact {
            self.error(
                Code::PrefixNotAllowed,
                span,
                format!("S3 matches `{name}` exactly; it cannot take `starts_with` or `any`"),
            )
            .add_help(format!("give `{name}` one value, as in `{name} = \"...\"`"));
            return None;
        }
        Some(())
    }

    fn legal_value(
        &mut self,
        name: &str,
        legal: Option<&[&str]>,
        text: &Spanned<String>,
    ) -> Option<()> {
        let Some(legal) = legal else { return Some(()) };
        if legal.contains(&text.value.as_str()) {
            return Some(());
        }

        let suggestion = did_you_mean(&text.value, legal.iter().copied());
        let diagnostic = self.error(
            Code::IllegalValue,
            text.span,
            format!("`{}` is not a legal value of `{name}`", text.value),
        );
        match suggestion {
            Some(value) => diagnostic.label = Some(format!("did you mean `{value}`?")),
            None => {
                diagnostic.add_note(format!("`{name}` is one of {}", legal.join(", ")));
            }
        }
        None
    }

    fn variables(&mut self, name: &str, text: &str, span: Span) -> Option<()> {
        if text.contains(FILENAME_VARIABLE) {
            let help = if name == "key" {
                "`${filename}` may only end the key, as in `uploads/${filename}`"
            } else {
                "only `key` may use `${filename}`, and only at its end"
            };
            let message = format!("`${{filename}}` cannot stand here in `{name}`");
            self.error(Code::FilenameVariableMisplaced, span, message)
                .add_note(
                    "S3 expands variables before matching, so the policy cannot describe the \
                     expanded value",
                )
                .add_help(help);
            return None;
        }
        if text.contains("${") {
            self.problems.push(
                Diagnostic::warning(
                    Code::UnknownVariable,
                    format!("`{name}` contains `${{`, but S3 knows only `${{filename}}`"),
                )
                .at(span)
                .note("the text is sent and matched literally"),
            );
        }
        if text.contains("$$") {
            self.problems.push(
                Diagnostic::warning(
                    Code::DoubleDollar,
                    format!("`{name}` contains `$$`, which S3 has been seen to fail to match"),
                )
                .at(span)
                .note(
                    "uploads whose key holds `$$` have been refused by S3 against an exact \
                    condition",
                )
                .help("avoid `$$` in keys and values"),
            );
        }
        Some(())
    }

    fn field_specific(&mut self, name: &str, text: &Spanned<String>) -> Option<()> {
        if name == "x-amz-website-redirect-location" {
            let value = &text.value;
            if !(value.starts_with('/')
                || value.starts_with("http://")
                || value.starts_with("https://"))
            {
                self.error(
                    Code::IllegalValue,
                    text.span,
                    format!("`{name}` must start with `/`, `http://` or `https://`"),
                );
                return None;
            }
            if value.len() > 2048 {
                self.error(
                    Code::IllegalValue,
                    text.span,
                    format!("`{name}` is limited to 2 KB"),
                );
                return None;
            }
        }
        if name == "key" && text.value.is_empty() {
            self.error(
                Code::IllegalValue,
                text.span,
                "the key cannot be empty".into(),
            )
            .add_help("S3 stores every object under a non-empty key");
            return None;
        }
        if name == "redirect" {
            self.problems.push(
                Diagnostic::warning(Code::DeprecatedField, "`redirect` is deprecated")
                    .at(text.span)
                    .help("use `success_action_redirect`"),
            );
        }
        let is_redirect = name == "redirect" || name == "success_action_redirect";
        if is_redirect && !(text.value.starts_with("https://") || text.value.starts_with("http://"))
        {
            self.problems.push(
                Diagnostic::warning(
                    Code::UnusableRedirect,
                    format!("`{name}` is not an absolute `http(s)://` URL"),
                )
                .at(text.span)
                .note("S3 ignores a redirect it cannot interpret and answers 204 instead"),
            );
        }
        if name.starts_with("x-amz-server-side-encryption-customer-key") {
            self.problems.push(
                Diagnostic::warning(
                    Code::CustomerKeyInBundle,
                    format!("`{name}` puts the encryption key into every bundle and policy"),
                )
                .at(text.span)
                .note("S3 matches it exactly, so the key travels to every browser that uploads")
                .help("let the uploader send the key, or use SSE-S3 or SSE-KMS instead"),
            );
        }
        Some(())
    }

    /// S3 reads a `Content-Type` under `starts-with` as a comma-separated list, every item
    /// of which must start with the prefix; a pre-filled value must pass that test.
    fn content_type_list(
        &mut self,
        name: &str,
        prefix: &str,
        value: &Spanned<String>,
    ) -> Option<()> {
        if name != "Content-Type" || !value.value.contains(',') {
            return Some(());
        }
        let outside = value
            .value
            .split(',')
            .map(str::trim)
            .find(|item| !item.starts_with(prefix));
        if let Some(item) = outside {
            self.error(
                Code::ValueOutsidePrefix,
                value.span,
                format!("`{item}` in the `Content-Type` list does not start with `{prefix}`"),
            )
            .add_note("S3 checks every comma-separated type against the prefix");
            return None;
        }
        Some(())
    }

    fn companions(&mut self, fields: &[(FieldRule, Span)]) -> bool {
        let find = |name: &str| fields.iter().find(|(field, _)| field.name == name);
        let mut ok = true;

        if let Some((
            FieldRule {
                rule: Rule::Eq(algorithm),
                ..
            },
            span,
        )) = find("x-amz-checksum-algorithm")
            && let Some((_, value_field)) = schema::CHECKSUM_ALGORITHMS
                .iter()
                .find(|(name, _)| name == algorithm)
            && find(value_field).is_none()
        {
            self.error(
                Code::MissingCompanionField,
                *span,
                format!(
                    "`x-amz-checksum-algorithm = \"{algorithm}\"` needs the field `{value_field}`"
                ),
            )
            .add_note("S3 answers 400 when the checksum named is missing");
            ok = false;
        }

        const SSE_C: [&str; 3] = [
            "x-amz-server-side-encryption-customer-algorithm",
            "x-amz-server-side-encryption-customer-key",
            "x-amz-server-side-encryption-customer-key-MD5",
        ];
        let present: Vec<&(FieldRule, Span)> = SSE_C.iter().filter_map(|name| find(name)).collect();
        if !present.is_empty() && present.len() < SSE_C.len() {
            let missing: Vec<&str> = SSE_C
                .iter()
                .copied()
                .filter(|name| find(name).is_none())
                .collect();
            self.error(
                Code::MissingCompanionField,
                present[0].1,
                "customer-provided encryption needs all three `-customer-*` fields".into(),
            )
            .add_help(format!("add {}", missing.join(", ")));
            ok = false;
        }

        if let Some((_, span)) = find("x-amz-server-side-encryption-aws-kms-key-id") {
            let kms = match find("x-amz-server-side-encryption") {
                Some((
                    FieldRule {
                        rule: Rule::Eq(value),
                        ..
                    },
                    _,
                )) => value.starts_with("aws:kms"),
                _ => false,
            };
            if !kms {
                self.error(
                    Code::MissingCompanionField,
                    *span,
                    "a KMS key id needs `x-amz-server-side-encryption = \"aws:kms\"`".into(),
                );
                ok = false;
            }
        }
        ok
    }

    /// A `reason` names a field of the profile or the case, a condition S3 checks without a
    /// field (`bucket`, `content-length-range`), or a violation code of the evaluator.
    fn reason_is_known(
        &mut self,
        reason: &Spanned<String>,
        fields: &[FieldRule],
        test: &RawTest,
    ) -> bool {
        let field_names = fields.iter().map(|field| field.name.as_str());
        let case_fields = test.fields.iter().map(|(name, _)| name.value.as_str());
        let codes = ViolationCode::ALL.iter().map(|code| code.as_str());
        let known: Vec<&str> = ["bucket", "content-length-range", "policy", "signature"]
            .into_iter()
            .chain(field_names)
            .chain(case_fields)
            .chain(codes)
            .collect();
        if known
            .iter()
            .any(|name| name.eq_ignore_ascii_case(&reason.value))
        {
            return true;
        }

        let message = format!(
            "`reason` names `{}`, which no condition of this profile checks",
            reason.value
        );
        let suggestion = did_you_mean(&reason.value, known.iter().copied());
        let diagnostic = self.error(Code::BadTestCase, reason.span, message);
        match suggestion {
            Some(name) => diagnostic.label = Some(format!("did you mean `{name}`?")),
            None => {
                diagnostic.add_help(
                    "name a field, `content-length-range`, or a violation code such as \
                     `policy-expired`",
                );
            }
        }
        false
    }

    fn tests(
        &mut self,
        tests: &[RawTest],
        range: Option<LengthRange>,
        fields: &[FieldRule],
    ) -> Option<Vec<TestCase>> {
        let mut cases = Vec::new();
        let mut ok = true;

        for (index, test) in tests.iter().enumerate() {
            let name = test
                .name
                .as_ref()
                .map_or_else(|| format!("case {}", index + 1), |name| name.value.clone());
            let expect = match test.expect.as_ref().map(|text| text.value.as_str()) {
                Some("accept") => Some(Expectation::Accept),
                Some("reject") => Some(Expectation::Reject),
                Some(other) => {
                    let span = test.expect.as_ref().map_or(test.span, |text| text.span);
                    let message =
                        format!("`expect` must be \"accept\" or \"reject\", not `{other}`");
                    let diagnostic = self.error(Code::BadTestCase, span, message);
                    if let Some(suggestion) = did_you_mean(other, ["accept", "reject"]) {
                        diagnostic.label = Some(format!("did you mean `{suggestion}`?"));
                    }
                    None
                }
                None => {
                    self.error(
                        Code::BadTestCase,
                        test.span,
                        format!("test `{name}` has no `expect`"),
                    )
                    .add_help("add `expect = \"accept\"` or `expect = \"reject\"`");
                    None
                }
            };
            if let (Some(reason), Some(Expectation::Accept)) = (&test.reason, expect) {
                self.error(
                    Code::BadTestCase,
                    reason.span,
                    "`reason` only goes with `expect = \"reject\"`".into(),
                );
                ok = false;
            }
            if let Some(reason) = &test.reason
                && !self.reason_is_known(reason, fields, test)
            {
                ok = false;
            }
            let size = match &test.size {
                Some(size) => self.size(size, "size"),
                None => Some(range.map_or(1, |range| range.min.max(1).min(range.max))),
            };

            match (expect, size) {
                (Some(expect), Some(size)) => cases.push(TestCase {
                    name,
                    fields: test
                        .fields
                        .iter()
                        .map(|(k, v)| (k.value.clone(), v.value.clone()))
                        .collect(),
                    filename: test.filename.as_ref().map(|text| text.value.clone()),
                    size,
                    expect,
                    reason: test.reason.as_ref().map(|text| text.value.clone()),
                    span: test.span,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(cases)
    }
}

/// Checks S3's bucket naming rules; the error says which one is broken.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    if name.len() < 3 || name.len() > 63 {
        return Err(format!("it is {} characters long, not 3 to 63", name.len()));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Err(format!(
            "`{bad}` is not allowed (only lowercase letters, digits, `.` and `-`)"
        ));
    }
    let first_and_last = [name.as_bytes()[0], name.as_bytes()[name.len() - 1]];
    if !first_and_last.iter().all(u8::is_ascii_alphanumeric) {
        return Err("it must begin and end with a letter or digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Err("dots may not stand next to each other or to a hyphen".into());
    }
    if name.split('.').count() == 4 && name.split('.').all(|part| part.parse::<u8>().is_ok()) {
        return Err("it may not look like an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Err(format!("the prefix `{prefix}` is reserved"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Err(format!("the suffix `{suffix}` is reserved"));
        }
    }
    Ok(())
}

/// Reads a duration such as `"15m"`, `"1h 30m"` or `"2days"`, refusing the spellings that
/// mean something other than they seem.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let mut chars = text.chars();
    if matches!(chars.next(), Some('P' | 'p'))
        && matches!(chars.next(), Some('0'..='9' | 'T' | 't'))
    {
        return Err("ISO 8601 durations are not read here; write `\"15m\"` or `\"1h 30m\"`".into());
    }

    let words = text.split(|c: char| c.is_ascii_digit() || c.is_whitespace());
    if words.clone().any(|unit| unit == "M") {
        return Err(
            "`M` would mean months; write `m` or `min` for minutes, `months` for months".into(),
        );
    }

    humantime::parse_duration(text).map_err(|error| match error {
        humantime::DurationError::UnknownUnit { unit, .. } => {
            format!("unknown unit `{unit}`; use `s`, `m`, `h`, `days` or `weeks`")
        }
        humantime::DurationError::NumberOverflow => "it is too long".to_owned(),
        humantime::DurationError::Empty => "it is empty".to_owned(),
        _ => "write numbers each followed by a unit, as in `\"1h 30m\"`".to_owned(),
    })
}

/// Checks an endpoint URL and returns it without a trailing slash.
pub fn check_endpoint(url: &str) -> Result<String, String> {
    if url.contains(char::is_whitespace) {
        return Err("it contains a space".into());
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("it has no `http://` or `https://`".into());
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("the scheme `{scheme}` is not `http` or `https`"));
    }
    if rest.contains(['?', '#']) {
        return Err("it may not have a query or a fragment".into());
    }

    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err("it may not carry a user name or password".into());
    }
    let (host, port) = split_host_port(authority);
    if host.is_empty() || host == "[]" {
        return Err("it has no host".into());
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |port| port == 0)
    {
        return Err(format!("`{port}` is not a port number"));
    }
    Ok(format!("{scheme}://{}", rest.trim_end_matches('/')))
}

/// The host and the port of `host[:port]` or `[v6]:port`.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.split_once("]:") {
            Some((host, port)) => (&authority[..host.len() + 1], Some(port)),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

/// Why a virtual-hosted URL cannot be built on `endpoint` for `bucket`, if it cannot.
fn virtual_host_problem(endpoint: &str, bucket: &str) -> Option<String> {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let (host, _) = split_host_port(rest.split('/').next().unwrap_or(""));

    let is_ip = host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok();
    if is_ip || host.eq_ignore_ascii_case("localhost") {
        return Some(format!(
            "the bucket cannot go in front of `{host}`; set `path_style = true` for this endpoint"
        ));
    }
    if host.starts_with(&format!("{bucket}.")) {
        return Some(format!(
            "the host already names the bucket `{bucket}`; drop it from the endpoint"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_file;

    fn run(text: &str) -> (Option<Profile>, Vec<&'static str>) {
        let mut sources = Sources::new();
        let file = sources.add("p.toml", text.to_owned());
        let mut diagnostics = Diagnostics::new();
        let raw = parse_file(file, &sources, &mut diagnostics).remove(0);
        let context = ValidationContext {
            sources: &sources,
            now: Timestamp::from_unix(1_780_000_000),
        };
        let profile = validate(&raw, &context, &mut diagnostics);
        (
            profile,
            diagnostics.iter().map(|d| d.code.as_str()).collect(),
        )
    }

    #[test]
    fn a_complete_profile_validates_with_canonical_names_in_order() {
        let (profile, codes) = run(r#"[profile.p]
bucket = "acme-uploads"
region = "eu-west-1"
expires_in = "15m"
content_length = { min = 1, max = "10 MiB" }
fields.x-amz-meta-Uploader = { starts_with = "" }
fields.content-type = { starts_with = "image/" }
fields.key = "uploads/${filename}"
fields.ACL = "private"
"#);

        assert!(codes.is_empty(), "{codes:?}");
        let profile = profile.unwrap();
        let names: Vec<_> = profile.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["key", "acl", "Content-Type", "x-amz-meta-uploader"]);
        assert_eq!(
            profile.fields[0].rule,
            Rule::StartsWith {
                prefix: "uploads/".into(),
                value: Some("uploads/${filename}".into())
            }
        );
        assert_eq!(
            profile.content_length,
            Some(LengthRange {
                min: 1,
                max: 10 << 20
            })
        );
        assert_eq!(profile.expiry, Expiry::In(Duration::from_secs(900)));
        assert_eq!(
            profile.url,
            "https://acme-uploads.s3.eu-west-1.amazonaws.com/"
        );
    }

    #[test]
    fn schema_violations_are_each_reported() {
        let (profile, codes) = run(r#"[profile.p]
bucket = "Bad_Bucket"
fields.key = "a/${filename}/b"
fields.success_action_status = { starts_with = "2" }
fields.acl = "public"
fields.x-amz-storage-class = "STANDARD"
fields.Content-Typo = "x"
fields.policy = "x"
"#);

        assert!(profile.is_none());
        assert_eq!(
            codes,
            [
                "bad-bucket-name",
                "filename-variable-misplaced",
                "prefix-not-allowed",
                "illegal-value",
                "unknown-field",
                "signer-owned-field",
            ]
        );
    }

    #[test]
    fn expiry_rules() {
        let (_, both) = run(
            "[profile.p]\nbucket = \"abc\"\nfields.key = \"k\"\nexpires_in = \
                \"1h\"\nexpires_at = \"2030-01-01T00:00:00Z\"\n",
        );
        let (_, past) = run(
            "[profile.p]\nbucket = \"abc\"\nfields.key = \"k\"\nexpires_at = \
                \"2020-01-01T00:00:00Z\"\n",
        );
        let (long, warning) =
            run("[profile.p]\nbucket = \"abc\"\nfields.key = \"k\"\nexpires_in = \"8days\"\n");
        let (_, allowed) = run(
            "[profile.p]\nbucket = \"abc\"\nfields.key = \"k\"\nexpires_in = \"8days\"\nallow \
                = [\"long-expiry\"]\n",
        );

        assert_eq!(both, ["conflicting-expiry"]);
        assert_eq!(past, ["already-expired"]);
        assert!(long.is_some());
        assert_eq!(warning, ["long-expiry", "unbounded-size"]);
        assert_eq!(allowed, ["unbounded-size"]);
    }

    #[test]
    fn double_dollars_are_warned_about() {
        let (profile, codes) = run(
            "[profile.p]\nbucket = \"abc\"\ncontent_length = { max = 10 }\n\
             fields.key = \"price$$list\"\n",
        );

        assert!(profile.is_some());
        assert_eq!(codes, ["double-dollar"]);
    }

    #[test]
    fn starts_with_value_must_fit_the_prefix() {
        let (_, codes) = run(
            "[profile.p]\nbucket = \"abc\"\nfields.key = { starts_with = \"a/\", value = \
                \"b/${filename}\" }\n",
        );

        assert_eq!(codes, ["value-outside-prefix"]);
    }

    #[test]
    fn sizes_must_be_ordered() {
        let (_, codes) = run(
            "[profile.p]\nbucket = \"abc\"\nfields.key = \"k\"\ncontent_length = { min = \"2 \
                MiB\", max = \"1 MiB\" }\n",
        );

        assert_eq!(codes, ["length-range-inverted"]);
    }

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("acme-uploads").is_ok());
        assert!(check_bucket_name("a.b.c").is_ok());
        assert!(check_bucket_name("ab").is_err());
        assert!(check_bucket_name("-abc").is_err());
        assert!(check_bucket_name("a..b").is_err());
        assert!(check_bucket_name("192.168.5.4").is_err());
        assert!(check_bucket_name("xn--abc").is_err());
        assert!(check_bucket_name("abc-s3alias").is_err());
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            check_endpoint("http://127.0.0.1:7480/").unwrap(),
            "http://127.0.0.1:7480"
        );
        assert_eq!(
            check_endpoint("https://s3.example.com/base").unwrap(),
            "https://s3.example.com/base"
        );
        assert!(check_endpoint("ftp://x").is_err());
        assert!(check_endpoint("s3.example.com").is_err());
        assert!(check_endpoint("https://").is_err());
        assert!(check_endpoint("https://u:p@host").is_err());
        assert!(check_endpoint("https://host?x=1").is_err());
    }

    #[test]
    fn urls_follow_the_endpoint_and_path_style() {
        let (profile, _) = run(
            "[profile.p]\nbucket = \"abc\"\nfields.key = \"k\"\nendpoint = \
                \"http://127.0.0.1:7480/\"\npath_style = true\n",
        );
        assert_eq!(profile.unwrap().url, "http://127.0.0.1:7480/abc/");

        let (profile, _) = run(
            "[profile.p]\nbucket = \"abc\"\nfields.key = \"k\"\nendpoint = \
                \"https://store.example\"\n",
        );
        assert_eq!(profile.unwrap().url, "https://abc.store.example/");
    }
}
