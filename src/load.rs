//! The loader: the first stage, from `*.toml` files to [`RawProfile`]s.
//!
//! It reads every `*.toml` file of the policies directory, parses it with spans kept for every
//! key and value, and checks the shape of each `[profile.NAME]` table: known keys only (with a
//! "did you mean" for the others), the right TOML type for each, unique names across files.
//! It then resolves `extends`, merging a profile over its ancestors, so the validator sees one
//! [`RawProfile`] per name with every setting pointing back at the line that wrote it.
//!
//! What a value *means* (is this a bucket name, is this duration legal) is the validator's
//! business; the loader only makes sure it has the form the schema asks for.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::parallel::map_runs;
use crate::source::{FileId, Sources, Span, Spanned};

/// A size as written: an integer of bytes or a string such as `"10 MiB"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawSize {
    /// A TOML integer.
    Bytes(i64),
    /// A TOML string, read by [`crate::size::parse_size`].
    Text(String),
}

/// `content_length = { min, max }` as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawLengthRange {
    /// The whole table.
    pub span: Span,
    /// The smallest size allowed.
    pub min: Option<Spanned<RawSize>>,
    /// The largest size allowed.
    pub max: Option<Spanned<RawSize>>,
}

/// A field rule as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawRule {
    /// `"text"` or `{ eq = "text" }`.
    Eq(Spanned<String>),
    /// `{ starts_with = "prefix" }`, optionally with `value`.
    StartsWith {
        prefix: Spanned<String>,
        value: Option<Spanned<String>>,
    },
    /// `{ any = true }`.
    Any,
}

/// One entry of `fields`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawField {
    /// The field name as written.
    pub name: Spanned<String>,
    /// The rule.
    pub rule: RawRule,
    /// The whole rule value.
    pub span: Span,
}

/// One `[[profile.NAME.tests]]` entry as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawTest {
    /// The whole table.
    pub span: Span,
    /// What the case shows.
    pub name: Option<Spanned<String>>,
    /// Form fields laid over the bundle's.
    pub fields: Vec<(Spanned<String>, Spanned<String>)>,
    /// The file's name, for `${filename}`.
    pub filename: Option<Spanned<String>>,
    /// The file's size.
    pub size: Option<Spanned<RawSize>>,
    /// `"accept"` or `"reject"`.
    pub expect: Option<Spanned<String>>,
    /// With `reject`, what should fail.
    pub reason: Option<Spanned<String>>,
}

/// A profile as written, or merged over its ancestors by [`Catalog::resolve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawProfile {
    /// The name from the `[profile.NAME]` header.
    pub name: Spanned<String>,
    /// The file the profile's own table is in.
    pub file: FileId,
    /// `description`.
    pub description: Option<Spanned<String>>,
    /// `extends`.
    pub extends: Option<Spanned<String>>,
    /// `bucket`.
    pub bucket: Option<Spanned<String>>,
    /// `region`.
    pub region: Option<Spanned<String>>,
    /// `signature`.
    pub signature: Option<Spanned<String>>,
    /// `endpoint`.
    pub endpoint: Option<Spanned<String>>,
    /// `path_style`.
    pub path_style: Option<Spanned<bool>>,
    /// `expires_in`.
    pub expires_in: Option<Spanned<String>>,
    /// `expires_at`.
    pub expires_at: Option<Spanned<String>>,
    /// `content_length`.
    pub content_length: Option<RawLengthRange>,
    /// `fields`, in the order written (ancestors' first).
    pub fields: Vec<RawField>,
    /// `tests`, never inherited.
    pub tests: Vec<RawTest>,
    /// `allow`.
    pub allow: Option<Vec<Spanned<String>>>,
    /// The chain of ancestors merged in, nearest first; empty for a profile without `extends`.
    pub ancestors: Vec<String>,
    /// Whether the loader already reported a problem in this profile or an ancestor, which
    /// leaves settings missing: validating it would only add misleading follow-on errors.
    pub malformed: bool,
}

impl RawProfile {
    /// Whether the profile sets nothing but `tests`.
    fn only_tests(&self) -> bool {
        !self.tests.is_empty()
            && self.description.is_none()
            && self.extends.is_none()
            && self.bucket.is_none()
            && self.region.is_none()
            && self.signature.is_none()
            && self.endpoint.is_none()
            && self.path_style.is_none()
            && self.expires_in.is_none()
            && self.expires_at.is_none()
            && self.content_length.is_none()
            && self.fields.is_empty()
            && self.allow.is_none()
    }
}

/// Keys a profile table may hold.
pub const PROFILE_KEYS: &[&str] = &[
    "description",
    "extends",
    "bucket",
    "region",
    "signature",
    "endpoint",
    "path_style",
    "expires_in",
    "expires_at",
    "content_length",
    "fields",
    "tests",
    "allow",
];

const TEST_KEYS: &[&str] = &["name", "fields", "filename", "size", "expect", "reason"];

/// A problem that stops the run before any profile is looked at: exit code 2.
#[derive(Debug)]
pub enum LoadError {
    /// The policies directory is missing or unreadable.
    Directory { path: PathBuf, reason: String },
    /// A profile file could not be read, or is not UTF-8.
    File { path: PathBuf, reason: String },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Directory { path, reason } => {
                write!(
                    f,
                    "cannot read the policies directory `{}`: {reason}",
                    path.display()
                )
            }
            LoadError::File { path, reason } => {
                write!(f, "cannot read `{}`: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Every profile read in one run, by name.
#[derive(Debug, Default)]
pub struct Catalog {
    profiles: Vec<RawProfile>,
    by_name: HashMap<String, usize>,
}

impl Catalog {
    /// Reads every `*.toml` file of `dir` (in name order), or `dir` itself when it is a file,
    /// registering each in `sources`.
    ///
    /// Problems inside files go to `diagnostics`; the files are still all read.
    ///
    /// # Errors
    ///
    /// [`LoadError`] when the directory or one of its files cannot be read at all.
    pub fn load_dir(
        dir: &Path,
        sources: &mut Sources,
        diagnostics: &mut Diagnostics,
    ) -> Result<Catalog, LoadError> {
        let paths = if dir.is_file() {
            vec![dir.to_owned()]
        } else {
            toml_files_in(dir)?
        };

        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|error| LoadError::File {
                path: path.clone(),
                reason: error.to_string(),
            })?;
            let text = String::from_utf8(bytes).map_err(|error| {
                let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
                let line_start = valid
                    .iter()
                    .rposition(|&byte| byte == b'\n')
                    .map_or(0, |at| at + 1);
                let column = String::from_utf8_lossy(&valid[line_start..])
                    .chars()
                    .count()
                    + 1;
                LoadError::File {
                    path: path.clone(),
                    reason: format!("it is not UTF-8 text (line {line}, column {column})"),
                }
            })?;
            files.push(sources.add(path, text));
        }

        let mut catalog = Catalog::default();
        for (profiles, found) in parse_files(&files, sources) {
            diagnostics.extend(found);
            catalog.add_profiles(profiles, sources, diagnostics);
        }

        catalog.report_orphan_tests(diagnostics);
        if catalog.profiles.is_empty() && !diagnostics.has_errors() {
            diagnostics.push(
                Diagnostic::error(
                    Code::NoProfiles,
                    format!("no profiles in `{}`", dir.display()),
                )
                .help(
                    "write a `[profile.NAME]` table in a `*.toml` file, or pass `--policies DIR`",
                ),
            );
        }
        Ok(catalog)
    }

    /// Parses one registered file and adds its profiles.
    pub fn add_file(&mut self, file: FileId, sources: &Sources, diagnostics: &mut Diagnostics) {
        let profiles = parse_file(file, sources, diagnostics);
        self.add_profiles(profiles, sources, diagnostics);
    }

    /// Adds parsed profiles, reporting names already taken.
    fn add_profiles(
        &mut self,
        profiles: Vec<RawProfile>,
        sources: &Sources,
        diagnostics: &mut Diagnostics,
    ) {
        for profile in profiles {
            if let Some(&first) = self.by_name.get(&profile.name.value) {
                let first_at = sources.location(self.profiles[first].name.span);
                diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateProfile,
                        format!("profile `{}` is defined twice", profile.name.value),
                    )
                    .at(profile.name.span)
                    .label("second definition")
                    .note(format!("first defined at {first_at}"))
                    .help("profile names are unique across all files; rename one of them"),
                );
                continue;
            }
            self.by_name
                .insert(profile.name.value.clone(), self.profiles.len());
            self.profiles.push(profile);
        }
    }

    /// Reports profiles that hold nothing but `tests`: a `[[profile.NAME.tests]]` header with
    /// a misspelt name creates such a profile, and "no bucket" would hide the real mistake.
    pub fn report_orphan_tests(&mut self, diagnostics: &mut Diagnostics) {
        let known: Vec<String> = self
            .profiles
            .iter()
            .filter(|profile| !profile.only_tests())
            .map(|profile| profile.name.value.clone())
            .collect();

        for profile in self
            .profiles
            .iter_mut()
            .filter(|profile| profile.only_tests())
        {
            let mut diagnostic = Diagnostic::error(
                Code::TestsWithoutProfile,
                format!(
                    "test cases for `{}`, which defines nothing else",
                    profile.name.value
                ),
            )
            .at(profile.name.span);
            diagnostic = match did_you_mean(&profile.name.value, known.iter().map(String::as_str)) {
                Some(name) => diagnostic.label(format!("did you mean `{name}`?")),
                None => diagnostic.help("write the tests under the profile they test"),
            };
            diagnostics.push(diagnostic);
            profile.malformed = true;
        }
    }

    /// Every profile as written, in file order.
    pub fn profiles(&self) -> &[RawProfile] {
        &self.profiles
    }

    /// The profile called `name`, as written.
    pub fn get(&self, name: &str) -> Option<&RawProfile> {
        self.by_name.get(name).map(|&index| &self.profiles[index])
    }

    /// The known name closest to `name`, for "did you mean".
    pub fn suggest(&self, name: &str) -> Option<&str> {
        did_you_mean(
            name,
            self.profiles
                .iter()
                .map(|profile| profile.name.value.as_str()),
        )
    }

    /// The profile `name` merged over its ancestors: `fields` merge field by field (a child's
    /// rule for a field replaces its parent's), every other setting is replaced whole, and
    /// `tests` are the child's own.
    ///
    /// A profile without `extends` comes back as it is written, borrowed. Unknown parents and
    /// cycles are reported to `diagnostics` and yield `None`.
    pub fn resolve(
        &self,
        name: &str,
        diagnostics: &mut Diagnostics,
    ) -> Option<Cow<'_, RawProfile>> {
        let mut chain = vec![self.get(name)?];
        let mut seen = HashSet::from([name]);

        while let Some(parent) = &chain.last()?.extends {
            let Some(next) = self.get(&parent.value) else {
                let mut diagnostic = Diagnostic::error(
                    Code::UnknownParent,
                    format!(
                        "profile `{}` extends `{}`, which does not exist",
                        chain.last()?.name.value,
                        parent.value
                    ),
                )
                .at(parent.span);
                if let Some(suggestion) = self.suggest(&parent.value) {
                    diagnostic = diagnostic.label(format!("did you mean `{suggestion}`?"));
                }
                diagnostics.push(diagnostic);
                return None;
            };
            if !seen.insert(&next.name.value) {
                diagnostics.push(cycle_diagnostic(&chain, &next.name.value));
                return None;
            }
            chain.push(next);
        }

        if let [alone] = chain[..] {
            return Some(Cow::Borrowed(alone));
        }
        let mut merged = chain.pop()?.clone();
        while let Some(child) = chain.pop() {
            merged = merge(merged, child);
        }
        Some(Cow::Owned(merged))
    }
}

/// The `*.toml` files directly in `dir`, sorted by name.
fn toml_files_in(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let directory_error = |error: std::io::Error| LoadError::Directory {
        path: dir.to_owned(),
        reason: error.to_string(),
    };

    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(directory_error)? {
        let path = entry.map_err(directory_error)?.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// The cycle that `chain` closes by extending `repeated`, reported from its member written
/// first, so that every profile on the cycle yields the same diagnostic.
fn cycle_diagnostic(chain: &[&RawProfile], repeated: &str) -> Diagnostic {
    let start = chain
        .iter()
        .position(|profile| profile.name.value == repeated)
        .unwrap_or(0);
    let mut cycle: Vec<&RawProfile> = chain[start..].to_vec();
    let first = (0..cycle.len())
        .min_by_key(|&index| cycle[index].name.span)
        .unwrap_or(0);
    cycle.rotate_left(first);

    let mut names: Vec<&str> = cycle
        .iter()
        .map(|profile| profile.name.value.as_str())
        .collect();
    names.push(names[0]);
    let span = cycle[0]
        .extends
        .as_ref()
        .map_or(cycle[0].name.span, |extends| extends.span);

    Diagnostic::error(
        Code::ExtendsCycle,
        format!("`extends` goes round in a circle: {}", names.join(" -> ")),
    )
    .at(span)
    .help("a profile cannot extend itself, directly or through others")
}

/// `child` over `parent`, as [`Catalog::resolve`] describes.
fn merge(parent: RawProfile, child: &RawProfile) -> RawProfile {
    let mut fields = parent.fields;
    for field in &child.fields {
        let same_field =
            |existing: &RawField| existing.name.value.eq_ignore_ascii_case(&field.name.value);
        match fields.iter_mut().find(|existing| same_field(existing)) {
            Some(existing) => *existing = field.clone(),
            None => fields.push(field.clone()),
        }
    }

    let child_sets_expiry = child.expires_in.is_some() || child.expires_at.is_some();
    let (expires_in, expires_at) = if child_sets_expiry {
        (child.expires_in.clone(), child.expires_at.clone())
    } else {
        (parent.expires_in, parent.expires_at)
    };

    let mut ancestors = vec![parent.name.value.clone()];
    ancestors.extend(parent.ancestors);

    RawProfile {
        name: child.name.clone(),
        file: child.file,
        description: child.description.clone().or(parent.description),
        extends: child.extends.clone(),
        bucket: child.bucket.clone().or(parent.bucket),
        region: child.region.clone().or(parent.region),
        signature: child.signature.clone().or(parent.signature),
        endpoint: child.endpoint.clone().or(parent.endpoint),
        path_style: child.path_style.clone().or(parent.path_style),
        expires_in,
        expires_at,
        content_length: child.content_length.clone().or(parent.content_length),
        fields,
        tests: child.tests.clone(),
        allow: child.allow.clone().or(parent.allow),
        ancestors,
        malformed: child.malformed || parent.malformed,
    }
}

/// Parses `files` on as many threads as there are cores, returning each file's profiles and
/// problems in the order of `files`.
fn parse_files(files: &[FileId], sources: &Sources) -> Vec<(Vec<RawProfile>, Diagnostics)> {
    let parse = |file: &FileId| {
        let mut found = Diagnostics::new();
        let profiles = parse_file(*file, sources, &mut found);
        (profiles, found)
    };

    map_runs(files, 2, |run| run.iter().map(parse).collect::<Vec<_>>())
        .into_iter()
        .flatten()
        .collect()
}

/// Parses one file into the profiles it defines, reporting every problem found.
pub fn parse_file(
    file: FileId,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) -> Vec<RawProfile> {
    let text = sources.get(file).text();
    let (document, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let mut repeated_table_line = None;
        for error in errors {
            let span = Span::new(file, error.span().unwrap_or(0..0));
            let message = first_line(error.message());
            if message == "duplicate key" {
                let line = sources.get(file).line_col(span.start).0;
                let inside_repeated_table = repeated_table_line.is_some_and(|header| {
                    line > header && !has_header_between(sources, span, header)
                });
                if inside_repeated_table {
                    continue;
                }
                let diagnostic = duplicate_key(sources, span);
                if diagnostic.code == Code::DuplicateProfile {
                    repeated_table_line = Some(line);
                }
                diagnostics.push(diagnostic);
                continue;
            }
            diagnostics.push(syntax_error(sources, span, message));
        }
        return Vec::new();
    }

    let reader = Reader {
        file,
        text,
        diagnostics,
    };
    reader.document(document.get_ref())
}

/// A TOML syntax error, pointed at the opening quote when a string is left open.
fn syntax_error(sources: &Sources, span: Span, message: &str) -> Diagnostic {
    let file = sources.get(span.file);
    let (line, _) = file.line_col(span.start);
    let unclosed = message.contains("string, expected");

    if unclosed && let Some(quote) = file.line_text(line).find(['"', '\'']) {
        let line_offset = file
            .text()
            .get(..span.start)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |index| index + 1);
        return Diagnostic::error(Code::TomlSyntax, "invalid TOML: a string is not closed")
            .at(Span::new(
                span.file,
                line_offset + quote..line_offset + quote + 1,
            ))
            .label("this string does not end before the line does")
            .help("close it with the same quote, or use `\"\"\"` for text over several lines");
    }
    Diagnostic::error(Code::TomlSyntax, format!("invalid TOML: {message}")).at(span)
}

/// A key or table written twice, named, with where it was first written.
fn duplicate_key(sources: &Sources, span: Span) -> Diagnostic {
    let file = sources.get(span.file);
    let (line, _) = file.line_col(span.start);
    let key = sources.text(span).trim_matches(['"', '\'']).to_owned();
    let header = file.line_text(line).trim_start().starts_with('[');

    let first = (1..line).find(|&earlier| {
        let text = file.line_text(earlier).trim();
        if header {
            text == file.line_text(line).trim()
        } else {
            text.strip_prefix(key.as_str())
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        }
    });
    let first_note =
        first.map(|earlier| format!("first written at {}:{earlier}", file.path().display()));

    let mut diagnostic = if header && file.line_text(line).contains("profile.") {
        Diagnostic::error(
            Code::DuplicateProfile,
            format!("profile `{key}` is defined twice"),
        )
        .label("second definition")
        .help("profile names are unique across all files; rename one of them")
    } else {
        Diagnostic::error(
            Code::TomlSyntax,
            format!("invalid TOML: `{key}` is set twice"),
        )
        .label("set again here")
    };
    if let Some(note) = first_note {
        diagnostic = diagnostic.note(note);
    }
    diagnostic.at(span)
}

/// Whether a table header stands between line `header` and `span`.
fn has_header_between(sources: &Sources, span: Span, header: usize) -> bool {
    let file = sources.get(span.file);
    let (line, _) = file.line_col(span.start);
    (header + 1..line).any(|between| file.line_text(between).trim_start().starts_with('['))
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("").trim_end_matches('.')
}

type Value<'i> = toml::Spanned<DeValue<'i>>;

/// Walks one parsed document, turning tables into raw profiles and problems into diagnostics.
struct Reader<'a> {
    file: FileId,
    text: &'a str,
    diagnostics: &'a mut Diagnostics,
}

impl Reader<'_> {
    fn source_text(&self, range: std::ops::Range<usize>) -> &str {
        self.text.get(range).unwrap_or("")
    }

    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    fn document(mut self, document: &DeTable<'_>) -> Vec<RawProfile> {
        let mut profiles = Vec::new();

        for (key, value) in document.iter() {
            if key.get_ref() != "profile" {
                self.unknown_key(key, &["profile"], "at the top of a profile file");
                continue;
            }
            let Some(table) = self.table(value, "`profile`") else {
                continue;
            };
            for (name, body) in table.iter() {
                if let Some(profile) = self.profile(name, body) {
                    profiles.push(profile);
                }
            }
        }
        profiles
    }

    fn profile(
        &mut self,
        name: &toml::Spanned<std::borrow::Cow<'_, str>>,
        body: &Value<'_>,
    ) -> Option<RawProfile> {
        let name = Spanned::new(name.get_ref().to_string(), self.span(name.span()));
        if !is_kebab_case(&name.value) {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::BadProfileName,
                    format!("profile name `{}` is not kebab-case", name.value),
                )
                .at(name.span)
                .help("use lowercase letters, digits and single hyphens, as in `images-only`"),
            );
        }
        let table = self.table(body, &format!("profile `{}`", name.value))?;

        let mut profile = RawProfile {
            name,
            file: self.file,
            description: None,
            extends: None,
            bucket: None,
            region: None,
            signature: None,
            endpoint: None,
            path_style: None,
            expires_in: None,
            expires_at: None,
            content_length: None,
            fields: Vec::new(),
            tests: Vec::new(),
            allow: None,
            ancestors: Vec::new(),
            malformed: false,
        };
        let problems_before = self.diagnostics.counts().0;

        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "description" => profile.description = self.string(value, "description"),
                "extends" => profile.extends = self.string(value, "extends"),
                "bucket" => profile.bucket = self.string(value, "bucket"),
                "region" => profile.region = self.string(value, "region"),
                "signature" => profile.signature = self.string(value, "signature"),
                "endpoint" => profile.endpoint = self.string(value, "endpoint"),
                "path_style" => profile.path_style = self.boolean(value, "path_style"),
                "expires_in" => profile.expires_in = self.string(value, "expires_in"),
                "expires_at" => profile.expires_at = self.time(value, "expires_at"),
                "content_length" => profile.content_length = self.length_range(value),
                "fields" => profile.fields = self.fields(value),
                "tests" => profile.tests = self.tests(value),
                "allow" => profile.allow = self.string_list(value, "allow"),
                _ => self.unknown_key(
                    key,
                    PROFILE_KEYS,
                    &format!("in profile `{}`", profile.name.value),
                ),
            }
        }
        profile.malformed = self.diagnostics.counts().0 > problems_before;
        Some(profile)
    }

    fn length_range(&mut self, value: &Value<'_>) -> Option<RawLengthRange> {
        let table = self.table(value, "`content_length`")?;
        let mut range = RawLengthRange {
            span: self.span(value.span()),
            min: None,
            max: None,
        };

        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "min" => range.min = self.size(value, "content_length.min"),
                "max" => range.max = self.size(value, "content_length.max"),
                _ => self.unknown_key(key, &["min", "max"], "in `content_length`"),
            }
        }
        Some(range)
    }

    fn fields(&mut self, value: &Value<'_>) -> Vec<RawField> {
        let Some(table) = self.table(value, "`fields`") else {
            return Vec::new();
        };
        let mut fields = Vec::new();

        for (name, rule_value) in table.iter() {
            let name = Spanned::new(name.get_ref().to_string(), self.span(name.span()));
            if let Some(rule) = self.rule(&name.value, rule_value) {
                fields.push(RawField {
                    name,
                    rule,
                    span: self.span(rule_value.span()),
                });
            }
        }
        fields
    }

    fn rule(&mut self, field: &str, value: &Value<'_>) -> Option<RawRule> {
        let span = self.span(value.span());
        let table =
            match value.get_ref() {
                DeValue::String(text) => {
                    return Some(RawRule::Eq(Spanned::new(text.to_string(), span)));
                }
                DeValue::Table(table) => table,
                other => {
                    let help = match other {
                    DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => format!(
                        "quote it: `\"{}\"`; form fields are text",
                        self.source_text(value.span())
                    ),
                    _ => "write `\"text\"`, `{ eq = \"text\" }`, `{ starts_with = \"prefix\" }` or \
                          `{ any = true }`"
                        .to_owned(),
                };
                    self.diagnostics.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "the rule for field `{field}` must be a string or a table, found {}",
                            type_name(other)
                        ),
                    )
                    .at(span)
                    .help(help),
                );
                    return None;
                }
            };

        let (mut eq, mut prefix, mut value_text, mut any) = (None, None, None, None);
        for (key, item) in table.iter() {
            match key.get_ref().as_ref() {
                "eq" => eq = self.string(item, "eq"),
                "starts_with" => prefix = self.string(item, "starts_with"),
                "value" => value_text = self.string(item, "value"),
                "any" => any = self.boolean(item, "any"),
                _ => self.unknown_key(
                    key,
                    &["eq", "starts_with", "value", "any"],
                    &format!("in the rule for `{field}`"),
                ),
            }
        }

        let bad_rule = |message: String| {
            Diagnostic::error(Code::BadFieldRule, message).at(span).help(
                "a rule is one of `\"text\"`, `{ eq = \"text\" }`, `{ starts_with = \"prefix\" }`, \
                 `{ starts_with = \"prefix\", value = \"...\" }` or `{ any = true }`",
            )
        };
        let kinds =
            usize::from(eq.is_some()) + usize::from(prefix.is_some()) + usize::from(any.is_some());
        if kinds > 1 {
            let used: Vec<&str> = [
                ("eq", eq.is_some()),
                ("starts_with", prefix.is_some()),
                ("any", any.is_some()),
            ]
            .into_iter()
            .filter_map(|(name, present)| present.then_some(name))
            .collect();
            self.diagnostics.push(bad_rule(format!(
                "the rule for `{field}` mixes {}",
                quoted_list_and(&used)
            )));
            return None;
        }
        if let Some(value_text) = &value_text
            && prefix.is_none()
        {
            self.diagnostics.push(
                bad_rule(format!(
                    "`value` in the rule for `{field}` needs `starts_with`"
                ))
                .at(value_text.span),
            );
            return None;
        }

        match (eq, prefix, any) {
            (Some(eq), None, None) => Some(RawRule::Eq(eq)),
            (None, Some(prefix), None) => Some(RawRule::StartsWith {
                prefix,
                value: value_text,
            }),
            (None, None, Some(any)) if any.value => Some(RawRule::Any),
            (None, None, Some(any)) => {
                self.diagnostics.push(
                    bad_rule(format!(
                        "`any = false` in the rule for `{field}` allows nothing"
                    ))
                    .at(any.span)
                    .help(format!(
                        "remove the field `{field}` to leave it out of the form"
                    )),
                );
                None
            }
            _ => {
                self.diagnostics
                    .push(bad_rule(format!("the rule for `{field}` is empty")));
                None
            }
        }
    }

    fn tests(&mut self, value: &Value<'_>) -> Vec<RawTest> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                value,
                "`tests`",
                "an array of tables (`[[profile.NAME.tests]]`)",
            );
            return Vec::new();
        };
        let mut tests = Vec::new();

        for item in items.iter() {
            let Some(table) = self.table(item, "a test case") else {
                continue;
            };
            let mut test = RawTest {
                span: self.span(item.span()),
                name: None,
                fields: Vec::new(),
                filename: None,
                size: None,
                expect: None,
                reason: None,
            };
            for (key, value) in table.iter() {
                match key.get_ref().as_ref() {
                    "name" => test.name = self.string(value, "name"),
                    "filename" => test.filename = self.string(value, "filename"),
                    "size" => test.size = self.size(value, "size"),
                    "expect" => test.expect = self.string(value, "expect"),
                    "reason" => test.reason = self.string(value, "reason"),
                    "fields" => test.fields = self.test_fields(value),
                    _ => self.unknown_key(key, TEST_KEYS, "in a test case"),
                }
            }
            tests.push(test);
        }
        tests
    }

    fn test_fields(&mut self, value: &Value<'_>) -> Vec<(Spanned<String>, Spanned<String>)> {
        let Some(table) = self.table(value, "the test's `fields`") else {
            return Vec::new();
        };
        let mut fields = Vec::new();

        for (name, value) in table.iter() {
            let name = Spanned::new(name.get_ref().to_string(), self.span(name.span()));
            if let Some(text) = self.string(value, &name.value) {
                fields.push((name, text));
            }
        }
        fields
    }

    fn string_list(&mut self, value: &Value<'_>, key: &str) -> Option<Vec<Spanned<String>>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(value, &format!("`{key}`"), "an array of strings");
            return None;
        };
        Some(
            items
                .iter()
                .filter_map(|item| self.string(item, key))
                .collect(),
        )
    }

    fn table<'v, 'i>(&mut self, value: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                self.wrong_type(value, what, "a table");
                None
            }
        }
    }

    fn string(&mut self, value: &Value<'_>, key: &str) -> Option<Spanned<String>> {
        let written = match value.get_ref() {
            DeValue::String(text) => {
                return Some(Spanned::new(text.to_string(), self.span(value.span())));
            }
            DeValue::Integer(number) => Some(number.to_string()),
            DeValue::Float(number) => Some(number.to_string()),
            DeValue::Boolean(flag) => Some(flag.to_string()),
            _ => None,
        };

        let mut diagnostic = self.type_mismatch(value, &format!("`{key}`"), "a string");
        let help = match (key, written) {
            ("expires_in", _) => {
                Some("write a duration such as `\"1h\"` or `\"3600s\"`".to_owned())
            }
            (_, Some(written)) => Some(format!("quote it: `\"{written}\"`; form fields are text")),
            (_, None) => None,
        };
        if let Some(help) = help {
            diagnostic = diagnostic.help(help);
        }
        self.diagnostics.push(diagnostic);
        None
    }

    /// A time, written as a string or as a TOML datetime.
    fn time(&mut self, value: &Value<'_>, key: &str) -> Option<Spanned<String>> {
        match value.get_ref() {
            DeValue::Datetime(time) => {
                Some(Spanned::new(time.to_string(), self.span(value.span())))
            }
            _ => self.string(value, key),
        }
    }

    fn boolean(&mut self, value: &Value<'_>, key: &str) -> Option<Spanned<bool>> {
        match value.get_ref() {
            DeValue::Boolean(flag) => Some(Spanned::new(*flag, self.span(value.span()))),
            _ => {
                self.wrong_type(value, &format!("`{key}`"), "`true` or `false`");
                None
            }
        }
    }

    fn size(&mut self, value: &Value<'_>, key: &str) -> Option<Spanned<RawSize>> {
        let span = self.span(value.span());
        match value.get_ref() {
            DeValue::String(text) => Some(Spanned::new(RawSize::Text(text.to_string()), span)),
            DeValue::Integer(integer) => {
                let digits = integer.as_str().replace('_', "");
                match i64::from_str_radix(&digits, integer.radix()) {
                    Ok(bytes) => Some(Spanned::new(RawSize::Bytes(bytes), span)),
                    Err(_) => {
                        self.wrong_type(value, &format!("`{key}`"), "a size that fits in 64 bits");
                        None
                    }
                }
            }
            _ => {
                self.wrong_type(
                    value,
                    &format!("`{key}`"),
                    "a number of bytes or a size such as \"10 MiB\"",
                );
                None
            }
        }
    }

    fn wrong_type(&mut self, value: &Value<'_>, what: &str, expected: &str) {
        let diagnostic = self.type_mismatch(value, what, expected);
        self.diagnostics.push(diagnostic);
    }

    fn type_mismatch(&self, value: &Value<'_>, what: &str, expected: &str) -> Diagnostic {
        let found = type_name(value.get_ref());
        Diagnostic::error(
            Code::WrongType,
            format!("{what} must be {expected}, found {found}"),
        )
        .at(self.span(value.span()))
    }

    fn unknown_key(
        &mut self,
        key: &toml::Spanned<std::borrow::Cow<'_, str>>,
        known: &[&str],
        place: &str,
    ) {
        let mut diagnostic = Diagnostic::error(
            Code::UnknownKey,
            format!("unknown key `{}` {place}", key.get_ref()),
        )
        .at(self.span(key.span()));
        match did_you_mean(key.get_ref(), known.iter().copied()) {
            Some(suggestion) => {
                diagnostic = diagnostic.label(format!("did you mean `{suggestion}`?"))
            }
            None => diagnostic = diagnostic.help(format!("expected one of {}", quoted_list(known))),
        }
        self.diagnostics.push(diagnostic);
    }
}

/// `` `a`, `b` or `c` ``.
pub fn quoted_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => format!("`{only}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|item| format!("`{item}`")).collect();
            format!("{} or `{last}`", init.join(", "))
        }
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// `` `a`, `b` and `c` ``.
fn quoted_list_and(items: &[&str]) -> String {
    quoted_list(items).replacen(" or ", " and ", 1)
}

/// Whether `name` is lowercase letters and digits in hyphen-separated words.
pub fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<RawProfile>, Diagnostics, Sources) {
        let mut sources = Sources::new();
        let file = sources.add("p.toml", text.to_owned());
        let mut diagnostics = Diagnostics::new();
        let profiles = parse_file(file, &sources, &mut diagnostics);
        (profiles, diagnostics, sources)
    }

    fn codes(diagnostics: &Diagnostics) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn reads_settings_fields_and_tests_with_spans() {
        let (profiles, diagnostics, sources) = parse(
            r#"
[profile.images-only]
bucket = "acme"
content_length = { min = 1, max = "10 MiB" }
fields.key = { starts_with = "uploads/", value = "uploads/${filename}" }
fields.Content-Type = { starts_with = "image/" }
fields.acl = "private"

[[profile.images-only.tests]]
name = "png"
fields = { Content-Type = "image/png" }
size = 10
expect = "accept"
"#,
        );

        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let profile = &profiles[0];
        assert_eq!(profile.name.value, "images-only");
        assert_eq!(
            sources.text(profile.bucket.as_ref().unwrap().span),
            "\"acme\""
        );
        assert_eq!(profile.fields.len(), 3);
        assert_eq!(profile.fields[0].name.value, "key");
        assert!(matches!(profile.fields[2].rule, RawRule::Eq(ref text) if text.value == "private"));
        assert_eq!(
            profile
                .content_length
                .as_ref()
                .unwrap()
                .max
                .as_ref()
                .unwrap()
                .value,
            RawSize::Text("10 MiB".into())
        );
        assert_eq!(
            profile.tests[0].size.as_ref().unwrap().value,
            RawSize::Bytes(10)
        );
    }

    #[test]
    fn reports_every_shape_problem_in_one_pass() {
        let (_, diagnostics, _) = parse(
            r#"
[profile.Bad_Name]
bukcet = "x"
region = 5
fields.key = { eq = "a", starts_with = "b" }
fields.acl = { any = false }
"#,
        );

        assert_eq!(
            codes(&diagnostics),
            [
                "bad-profile-name",
                "unknown-key",
                "wrong-type",
                "bad-field-rule",
                "bad-field-rule"
            ]
        );
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let (profiles, diagnostics, sources) = parse("[profile.a]\nbucket = \n");

        assert!(profiles.is_empty());
        let diagnostic = diagnostics.iter().next().unwrap();
        assert_eq!(diagnostic.code, Code::TomlSyntax);
        assert!(
            sources
                .location(diagnostic.span.unwrap())
                .starts_with("p.toml:2:")
        );
    }

    #[test]
    fn extends_merges_fields_and_replaces_other_settings() {
        let mut sources = Sources::new();
        let file = sources.add(
            "p.toml",
            r#"
[profile.base]
bucket = "a"
expires_at = "2030-01-01T00:00:00Z"
fields.key = "k"
fields.acl = "private"
[[profile.base.tests]]
expect = "accept"

[profile.child]
extends = "base"
expires_in = "5m"
fields.acl = "public-read"
fields.Content-Type = "text/plain"
"#
            .to_owned(),
        );
        let mut diagnostics = Diagnostics::new();
        let mut catalog = Catalog::default();
        catalog.add_file(file, &sources, &mut diagnostics);

        let child = catalog
            .resolve("child", &mut diagnostics)
            .unwrap()
            .into_owned();

        assert!(diagnostics.is_empty());
        assert_eq!(child.bucket.unwrap().value, "a");
        assert_eq!(child.expires_in.unwrap().value, "5m");
        assert!(child.expires_at.is_none());
        let names: Vec<_> = child.fields.iter().map(|f| f.name.value.as_str()).collect();
        assert_eq!(names, ["key", "acl", "Content-Type"]);
        assert!(
            matches!(child.fields[1].rule, RawRule::Eq(ref text) if text.value == "public-read")
        );
        assert!(child.tests.is_empty());
        assert_eq!(child.ancestors, ["base"]);
    }

    #[test]
    fn cycles_and_unknown_parents_are_reported() {
        let mut sources = Sources::new();
        let file = sources.add(
            "p.toml",
            "[profile.a]\nextends = \"b\"\n[profile.b]\nextends = \"a\"\n[profile.c]\nextends \
                = \"bb\"\n"
                .to_owned(),
        );
        let mut diagnostics = Diagnostics::new();
        let mut catalog = Catalog::default();
        catalog.add_file(file, &sources, &mut diagnostics);

        assert!(catalog.resolve("a", &mut diagnostics).is_none());
        assert!(catalog.resolve("c", &mut diagnostics).is_none());
        assert_eq!(codes(&diagnostics), ["extends-cycle", "unknown-parent"]);
    }

    #[test]
    fn kebab_case_names() {
        assert!(is_kebab_case("images-only"));
        assert!(is_kebab_case("v2"));
        assert!(!is_kebab_case("Images"));
        assert!(!is_kebab_case("a--b"));
        assert!(!is_kebab_case("-a"));
        assert!(!is_kebab_case(""));
    }
}
