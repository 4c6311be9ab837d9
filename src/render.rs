//! Renderers: a bundle as something a person can use at once, beside the JSON of
//! [`crate::bundle`].
//!
//! `compile --format html` writes a self-contained upload page: the pre-filled fields as hidden
//! inputs in sending order, the `fill` fields as inputs that show their constraint, and the file
//! input last. Nothing is loaded from elsewhere and every value is HTML-escaped.
//! `compile --format curl` writes a ready `curl` command line that sends the same form.

use std::fmt::Write as _;

use crate::bundle::Bundle;
use crate::size::format_size;

/// A complete HTML page with one upload form per bundle.
pub fn html_page(bundles: &[Bundle]) -> String {
    let title = match bundles {
        [only] => format!("Upload: {}", only.profile),
        _ => "Uploads".to_owned(),
    };

    let mut page = String::new();
    page.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(page, "<title>{}</title>", escape(&title));
    page.push_str(STYLE);
    page.push_str("</head>\n<body>\n<main>\n");
    for bundle in bundles {
        page.push_str(&html_form(bundle));
    }
    page.push_str("</main>\n");
    page.push_str(SCRIPT);
    page.push_str("</body>\n</html>\n");
    page
}

const STYLE: &str = "<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
main { max-width: 40rem; }
section { border: 1px solid #ccc; border-radius: 6px; padding: 1rem 1.5rem; margin-bottom: 2rem; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
input[type=text] { width: 100%; box-sizing: border-box; font: inherit; padding: .3rem; }
small { display: block; color: #555; font-weight: normal; }
button { margin-top: 1.2rem; font: inherit; padding: .4rem 1.2rem; }
code { background: #f2f2f2; padding: 0 .2rem; }
</style>
";

/// Sets an empty or untouched `Content-Type` input from the type of the file picked.
const SCRIPT: &str = "<script>
for (const form of document.querySelectorAll('form[data-postpolicy]')) {
  const file = form.querySelector('input[type=file]');
  const type = form.querySelector('input[name=\"Content-Type\"]');
  if (!file || !type) continue;
  file.addEventListener('change', () => {
    const picked = file.files[0];
    if (picked && picked.type && (type.value === '' || type.value === type.defaultValue)) {
      type.value = picked.type;
    }
  });
}
</script>
";

fn html_form(bundle: &Bundle) -> String {
    let mut form = String::new();
    let _ = writeln!(form, "<section>\n<h1>{}</h1>", escape(&bundle.profile));
    let mut facts = vec![format!("Valid until {}.", bundle.expires_at)];
    if let Some((min, max)) = bundle.content_length_range {
        facts.push(format!(
            "Files from {} to {}.",
            format_size(min),
            format_size(max)
        ));
    }
    let _ = writeln!(form, "<p>{}</p>", escape(&facts.join(" ")));

    let _ = writeln!(
        form,
        "<form data-postpolicy action=\"{}\" method=\"post\" enctype=\"multipart/form-data\">",
        escape(&bundle.url)
    );
    for (name, value) in &bundle.fields {
        let _ = writeln!(
            form,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }

    for (name, prefix) in &bundle.fill {
        let constraint = if prefix.is_empty() {
            "Any value.".to_owned()
        } else {
            format!("Must start with <code>{}</code>.", escape(prefix))
        };
        let _ = writeln!(
            form,
            "<label>{name}\n<input type=\"text\" name=\"{name}\" value=\"{prefix}\" \
                pattern=\"{pattern}\">\n\
             <small>{constraint}</small></label>",
            name = escape(name),
            prefix = escape(prefix),
            pattern = escape(&format!("{}.*", regex_escape(prefix))),
        );
    }

    let accept = bundle
        .fill
        .iter()
        .chain(&bundle.fields)
        .find(|(name, _)| name == "Content-Type")
        .and_then(|(_, value)| accept_attribute(value));
    let accept = accept
        .map(|types| format!(" accept=\"{}\"", escape(&types)))
        .unwrap_or_default();
    let _ = writeln!(
        form,
        "<label>File\n<input type=\"file\" name=\"file\" required{accept}></label>\n\
         <button type=\"submit\">Upload</button>\n</form>\n</section>"
    );
    form
}

/// The file input's `accept` for a `Content-Type` value or prefix, such as `image/*`.
fn accept_attribute(content_type: &str) -> Option<String> {
    match content_type.split_once('/') {
        Some((kind, "")) if !kind.is_empty() => Some(format!("{kind}/*")),
        Some((kind, subtype)) if !kind.is_empty() && !subtype.is_empty() => {
            Some(content_type.to_owned())
        }
        _ => None,
    }
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes the characters that mean something in a `pattern` attribute's regular expression.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "^$\\.*+?()[]{}|/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `curl` command lines that send each bundle's form, the file taken from `$FILE`.
pub fn curl_commands(bundles: &[Bundle]) -> String {
    let mut out = String::new();
    for (index, bundle) in bundles.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&curl_command(bundle));
    }
    out
}

fn curl_command(bundle: &Bundle) -> String {
    let mut out = format!("# {}: set FILE to the file to upload", bundle.profile);
    for (name, prefix) in &bundle.fill {
        let _ = write!(out, "; set {name:?} (it must start with {prefix:?})");
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "curl --fail-with-body --silent --show-error {} \\",
        shell_quote(&bundle.url)
    );
    for (name, value) in bundle.fields.iter().chain(&bundle.fill) {
        let _ = writeln!(
            out,
            "  --form-string {} \\",
            shell_quote(&format!("{name}={value}"))
        );
    }
    out.push_str("  --form \"file=@${FILE:?set FILE to the file to upload}\"\n");
    out
}

/// Quotes `text` for a POSIX shell: single quotes, with `'` written as `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn bundle() -> Bundle {
        Bundle {
            profile: "images-only".into(),
            url: "https://b.s3.eu-west-1.amazonaws.com/?a=1&b=\"2\"".into(),
            expires_at: Timestamp::from_unix(1_796_321_700),
            fields: vec![
                ("key".into(), "uploads/<x>/${filename}".into()),
                (
                    "x-amz-meta-note".into(),
                    "it's \"quoted\" & <b>bold</b>".into(),
                ),
            ],
            fill: vec![("Content-Type".into(), "image/".into())],
            content_length_range: Some((1, 10 << 20)),
        }
    }

    #[test]
    fn every_value_is_escaped() {
        let page = html_page(&[bundle()]);

        assert!(
            page.contains("value=\"uploads/&lt;x&gt;/${filename}\""),
            "{page}"
        );
        assert!(page.contains("it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
        assert!(
            page.contains(
                "action=\"https://b.s3.eu-west-1.amazonaws.com/?a=1&amp;b=&quot;2&quot;\""
            )
        );
        assert!(!page.contains("<b>bold"));
    }

    #[test]
    fn fill_fields_show_their_constraint_and_the_file_comes_last() {
        let page = html_page(&[bundle()]);
        let content_type = page.find("name=\"Content-Type\"").unwrap();
        let file = page.find("type=\"file\"").unwrap();
        let last_hidden = page.rfind("type=\"hidden\"").unwrap();

        assert!(page.contains("pattern=\"image\\/.*\""), "{page}");
        assert!(page.contains("Must start with <code>image/</code>."));
        assert!(page.contains("accept=\"image/*\""));
        assert!(last_hidden < content_type && content_type < file);
    }

    #[test]
    fn nothing_is_loaded_from_elsewhere() {
        let page = html_page(&[bundle()]);

        for outside in ["src=", "href=", "http-equiv", "@import", "url("] {
            assert!(!page.contains(outside), "{outside}");
        }
    }

    #[test]
    fn curl_sends_values_literally_and_the_file_last() {
        let command = curl_commands(&[bundle()]);
        let lines: Vec<&str> = command.lines().collect();

        assert!(
            command.contains("--form-string 'x-amz-meta-note=it'\\''s \"quoted\" & <b>bold</b>'")
        );
        assert!(command.contains("--form-string 'key=uploads/<x>/${filename}'"));
        assert_eq!(
            lines.last().unwrap(),
            &"  --form \"file=@${FILE:?set FILE to the file to upload}\""
        );
        assert!(lines[0].contains(r#"set "Content-Type" (it must start with "image/")"#));
    }
}
