//! Diagnostics: every problem the loader and validator find, and how a user sees them.
//!
//! Stages never stop at the first problem; they push [`Diagnostic`]s and carry on, so one run
//! reports everything. Each diagnostic has a stable kebab-case [`Code`], a span into a
//! [`Sources`] file where there is one, and renders as
//!
//! ```text
//! error[unknown-key]: unknown key `bukcet` in profile `images-only`
//!   --> policies/images.toml:4:1
//!    |
//!  4 | bukcet = "acme-uploads"
//!    | ^^^^^^ did you mean `bucket`?
//! ```
//!
//! with colour only when the caller asks for it.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::source::{Sources, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; `check --deny-warnings` turns it into a failure.
    Warning,
    /// The profile cannot be compiled.
    Error,
}

macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// The stable identity of a kind of problem, printed in kebab-case.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $text] $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case name users see and `allow` lists refer to.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    TomlSyntax => "toml-syntax",
    NoProfiles => "no-profiles",
    UnknownKey => "unknown-key",
    WrongType => "wrong-type",
    BadProfileName => "bad-profile-name",
    DuplicateProfile => "duplicate-profile",
    UnknownParent => "unknown-parent",
    ExtendsCycle => "extends-cycle",
    MultilineDescription => "multiline-description",
    MissingBucket => "missing-bucket",
    BadBucketName => "bad-bucket-name",
    BadRegion => "bad-region",
    BadSignatureVersion => "bad-signature-version",
    BadEndpoint => "bad-endpoint",
    BadDuration => "bad-duration",
    BadExpiresAt => "bad-expires-at",
    ConflictingExpiry => "conflicting-expiry",
    AlreadyExpired => "already-expired",
    LongExpiry => "long-expiry",
    BadSize => "bad-size",
    LengthRangeInverted => "length-range-inverted",
    LengthRangeEmpty => "length-range-empty",
    ExceedsPostLimit => "exceeds-post-limit",
    MissingKey => "missing-key",
    UnknownField => "unknown-field",
    DuplicateField => "duplicate-field",
    SignerOwnedField => "signer-owned-field",
    NotAField => "not-a-field",
    BadFieldRule => "bad-field-rule",
    PrefixNotAllowed => "prefix-not-allowed",
    IllegalValue => "illegal-value",
    ValueOutsidePrefix => "value-outside-prefix",
    FilenameVariableMisplaced => "filename-variable-misplaced",
    UnknownVariable => "unknown-variable",
    MissingCompanionField => "missing-companion-field",
    BadTestCase => "bad-test-case",
    TestsWithoutProfile => "tests-without-profile",
    UnknownLint => "unknown-lint",
    DottedBucketTls => "dotted-bucket-tls",
    DeprecatedField => "deprecated-field",
    UnusableRedirect => "unusable-redirect",
    CustomerKeyInBundle => "customer-key-in-bundle",
    ZeroMaxSize => "zero-max-size",
    DoubleDollar => "double-dollar",
    UnboundedSize => "unbounded-size",
    AnyKey => "any-key",
    PublicAcl => "public-acl",
    SignatureV2 => "signature-v2",
    InsecureRedirect => "insecure-redirect",
    FormSize => "form-size",
    AnyField => "any-field",
}

/// One problem, with where it is and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// One lowercase line, without a final period.
    pub message: String,
    /// Where the problem is, if it is in a file.
    pub span: Option<Span>,
    /// A short text printed under the underline.
    pub label: Option<String>,
    /// `help:` and `note:` lines printed after the snippet.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error with `code` and `message`.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            notes: Vec::new(),
        }
    }

    /// A warning with `code` and `message`.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Points the diagnostic at `span`.
    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// Sets the text printed under the underline.
    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Adds a `note:` line.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("note: {}", note.into()));
        self
    }

    /// Adds a `help:` line to a diagnostic already pushed.
    pub fn add_help(&mut self, help: impl Into<String>) -> &mut Diagnostic {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Adds a `note:` line to a diagnostic already pushed.
    pub fn add_note(&mut self, note: impl Into<String>) -> &mut Diagnostic {
        self.notes.push(format!("note: {}", note.into()));
        self
    }

    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of a run, in the order found.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    reported: HashSet<(Code, Span, Severity)>,
    errors: usize,
}

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Adds `diagnostic`, unless the same code at the same place was already reported, which
    /// happens when a setting is inherited by several profiles.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        if let Some(span) = diagnostic.span {
            let first_time = self
                .reported
                .insert((diagnostic.code, span, diagnostic.severity));
            if !first_time {
                return;
            }
        }

        self.errors += usize::from(diagnostic.is_error());
        self.items.push(diagnostic);
    }

    /// Whether any error was pushed.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// The number of errors and of warnings.
    pub fn counts(&self) -> (usize, usize) {
        (self.errors, self.items.len() - self.errors)
    }

    /// Every diagnostic, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        for diagnostic in iter {
            self.push(diagnostic);
        }
    }
}

/// Whether rendered text carries ANSI colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Bold red errors, yellow warnings, blue gutters.
    Always,
    /// Plain text.
    Never,
}

impl Color {
    fn paint(self, style: &str, text: &str) -> String {
        match self {
            Color::Always => format!("\x1b[{style}m{text}\x1b[0m"),
            Color::Never => text.to_owned(),
        }
    }
}

const BOLD_RED: &str = "1;31";
const BOLD_YELLOW: &str = "1;33";
const BOLD_BLUE: &str = "1;34";
const BOLD: &str = "1";

/// Renders one diagnostic, ending in a newline.
pub fn render(diagnostic: &Diagnostic, sources: &Sources, color: Color) -> String {
    let (word, style) = match diagnostic.severity {
        Severity::Error => ("error", BOLD_RED),
        Severity::Warning => ("warning", BOLD_YELLOW),
    };
    let mut out = String::new();
    let heading = format!("{word}[{}]", diagnostic.code.as_str());
    let _ = writeln!(
        out,
        "{}{}",
        color.paint(style, &heading),
        color.paint(BOLD, &format!(": {}", diagnostic.message))
    );

    let Some(span) = diagnostic.span else {
        for note in &diagnostic.notes {
            let _ = writeln!(out, "  = {note}");
        }
        return out;
    };

    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start);
    let line_text = file.line_text(line).replace('\t', " ");
    let gutter_width = line.to_string().len();
    let blank_gutter = " ".repeat(gutter_width);
    let bar = color.paint(BOLD_BLUE, "|");

    let _ = writeln!(
        out,
        "{blank_gutter}{} {}:{line}:{column}",
        color.paint(BOLD_BLUE, "-->"),
        file.path().display()
    );
    let _ = writeln!(out, "{blank_gutter} {bar}");
    let _ = writeln!(
        out,
        "{} {bar} {line_text}",
        color.paint(BOLD_BLUE, &line.to_string())
    );

    let underline_width = sources
        .text(span)
        .lines()
        .next()
        .map_or(1, |first| first.chars().count().max(1))
        .min(line_text.chars().count().saturating_sub(column - 1).max(1));
    let underline = color.paint(style, &"^".repeat(underline_width));
    let label = diagnostic
        .label
        .as_deref()
        .map(|label| format!(" {}", color.paint(style, label)));
    let _ = writeln!(
        out,
        "{blank_gutter} {bar} {}{underline}{}",
        " ".repeat(column - 1),
        label.unwrap_or_default()
    );

    for note in &diagnostic.notes {
        let _ = writeln!(out, "{blank_gutter} = {note}");
    }
    out
}

/// Renders every diagnostic followed by a one-line summary, or nothing if there are none.
pub fn render_all(diagnostics: &Diagnostics, sources: &Sources, color: Color) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics.iter() {
        out.push_str(&render(diagnostic, sources, color));
        out.push('\n');
    }

    let (errors, warnings) = diagnostics.counts();
    let summary = match (errors, warnings) {
        (0, 0) => return out,
        (0, w) => format!("{} emitted", plural(w, "warning")),
        (e, 0) => format!("{} found", plural(e, "error")),
        (e, w) => format!("{} and {} found", plural(e, "error"), plural(w, "warning")),
    };
    let _ = writeln!(out, "{summary}");
    out
}

/// `1 error`, `2 errors`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The closest of `candidates` to `given`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let given = given.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&given, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{text} is not kebab-case"
            );
        }
    }

    #[test]
    fn renders_location_line_and_underline() {
        let mut sources = Sources::new();
        let file = sources.add("p.toml", "[profile.a]\nbukcet = \"x\"\n".to_owned());
        let diagnostic = Diagnostic::error(Code::UnknownKey, "unknown key `bukcet`")
            .at(Span::new(file, 12..18))
            .label("did you mean `bucket`?")
            .help("keys are listed in the README");

        let text = render(&diagnostic, &sources, Color::Never);

        assert_eq!(
            text,
            "error[unknown-key]: unknown key `bukcet`\n \
             --> p.toml:2:1\n  |\n2 | bukcet = \"x\"\n  | ^^^^^^ did you mean `bucket`?\n  \
             = help: keys are listed in the README\n"
        );
    }

    #[test]
    fn colour_is_only_added_when_asked() {
        let sources = Sources::new();
        let diagnostic = Diagnostic::warning(Code::LongExpiry, "long");

        assert!(!render(&diagnostic, &sources, Color::Never).contains('\x1b'));
        assert!(render(&diagnostic, &sources, Color::Always).contains("\x1b[1;33m"));
    }

    #[test]
    fn same_code_at_same_place_is_reported_once() {
        let mut sources = Sources::new();
        let file = sources.add("p.toml", "x".to_owned());
        let mut diagnostics = Diagnostics::new();
        let diagnostic = Diagnostic::error(Code::BadRegion, "bad").at(Span::new(file, 0..1));

        diagnostics.push(diagnostic.clone());
        diagnostics.push(diagnostic);

        assert_eq!(diagnostics.counts(), (1, 0));
    }

    #[test]
    fn suggestions_need_a_close_match() {
        assert_eq!(did_you_mean("bukcet", ["bucket", "region"]), Some("bucket"));
        assert_eq!(did_you_mean("zzz", ["bucket", "region"]), None);
    }
}
