//! Browser-style uploads: the `multipart/form-data` POST an HTML form sends, byte for byte.
//!
//! An [`Upload`] starts as what a well-behaved uploader sends with a bundle: the bundle's
//! fields in its order, then the `fill` fields with values that meet their prefixes, then the
//! file, last, with a `filename`. Tests then break one thing at a time. The checks at the end
//! judge an outcome by the status class and by whether the object exists afterwards, never by
//! the server's error codes, which differ from AWS's.

use crate::bundles::Bundle;
use crate::http::{self, Endpoint, Response};
use crate::s3;
use crate::support::{Server, unique_filename};

/// Values a browser would send for fields to fill, tried in order against the prefix.
const SAMPLE_VALUES: [(&str, &str); 4] = [
    ("Content-Type", "image/png"),
    ("Content-Type", "video/mp4"),
    ("Content-Type", "application/pdf"),
    ("Content-Disposition", "attachment; filename=\"upload.bin\""),
];

/// The file size of an allowed upload, when the policy's range admits it.
const USUAL_FILE_SIZE: u64 = 4 * 1024;

/// One form post: fields in sending order and a file of `file_size` bytes.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    profile: String,
    url: String,
    bucket: String,
    fields: Vec<(String, String)>,
    filename: String,
    file_size: u64,
}

impl Upload {
    /// The upload `bundle` allows, under a file name unique to this call.
    pub(crate) fn allowed(bundle: &Bundle, label: &str) -> Upload {
        let mut fields = bundle.fields.0.clone();
        for (name, rule) in &bundle.fill.0 {
            fields.push((name.clone(), sample_value(name, &rule.starts_with)));
        }

        let file_size = match bundle.content_length_range {
            Some((min, max)) => USUAL_FILE_SIZE.clamp(min, max),
            None => USUAL_FILE_SIZE,
        };

        Upload {
            profile: bundle.profile.clone(),
            url: bundle.url.clone(),
            bucket: bundle.bucket().to_owned(),
            fields,
            filename: unique_filename(label),
            file_size,
        }
    }

    /// The value sent for `name`, compared without case as S3 does.
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Sends `value` for `name`: in place if the field is there (under any spelling), else
    /// after the others. A form never gets the same field twice this way.
    pub(crate) fn set_field(&mut self, name: &str, value: &str) {
        match self
            .fields
            .iter_mut()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
        {
            Some((_, existing)) => *existing = value.to_owned(),
            None => self.fields.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Leaves field `name` out of the form.
    ///
    /// # Panics
    ///
    /// When the form has no such field, which would make the test prove nothing.
    pub(crate) fn remove_field(&mut self, name: &str) {
        let before = self.fields.len();
        self.fields.retain(|(field, _)| field != name);

        assert_ne!(before, self.fields.len(), "the form has no field {name}");
    }

    /// Every field, in sending order.
    pub(crate) fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// Leaves out every field called `name` (compared without case); whether there was one.
    pub(crate) fn drop_field(&mut self, name: &str) -> bool {
        let before = self.fields.len();
        self.fields
            .retain(|(field, _)| !field.eq_ignore_ascii_case(name));
        before != self.fields.len()
    }

    /// Sends field `name` under another spelling, keeping its place and value.
    pub(crate) fn respell_field(&mut self, name: &str, spelling: &str) {
        if let Some((field, _)) = self.fields.iter_mut().find(|(field, _)| field == name) {
            *field = spelling.to_owned();
        }
    }

    /// The file's name, as the file part's `filename` sends it.
    pub(crate) fn filename(&self) -> &str {
        &self.filename
    }

    /// The file's size in bytes.
    pub(crate) fn file_size(&self) -> u64 {
        self.file_size
    }

    /// Sends a file of `file_size` bytes.
    pub(crate) fn set_file_size(&mut self, file_size: u64) {
        self.file_size = file_size;
    }

    /// The same upload under a new unique file name, hence to a new object key.
    pub(crate) fn renamed(&self, label: &str) -> Upload {
        Upload {
            filename: unique_filename(label),
            ..self.clone()
        }
    }

    /// The bucket the form posts to.
    pub(crate) fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The object key the server stores the file under: `key` with `${filename}` expanded.
    pub(crate) fn object_key(&self) -> String {
        self.field("key")
            .expect("the form has a key")
            .replace("${filename}", &self.filename)
    }

    /// The status S3 answers an accepted upload with, as `success_action_status` asks.
    pub(crate) fn success_status(&self) -> u16 {
        match self.field("success_action_status") {
            Some("200") => 200,
            Some("201") => 201,
            _ => 204,
        }
    }

    /// POSTs the form to the bundle's URL.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or gives no HTTP answer.
    pub(crate) fn post(&self) -> Response {
        let (endpoint, target) = Endpoint::split_url(&self.url).expect("a bundle URL");
        let boundary = format!("postpolicy-e2e-boundary-{}", self.filename);
        let body = self.multipart_body(&boundary);

        let headers = [(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )];
        http::send(&endpoint, "POST", &target, &headers, &body)
            .unwrap_or_else(|error| panic!("POST {} failed: {error}", self.url))
    }

    fn multipart_body(&self, boundary: &str) -> Vec<u8> {
        let file_size = usize::try_from(self.file_size).expect("the file fits in memory");
        let mut body = Vec::with_capacity(file_size + 4096);

        for (name, value) in &self.fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n\
                     {value}\r\n"
                )
                .as_bytes(),
            );
        }

        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                self.filename
            )
            .as_bytes(),
        );
        body.resize(body.len() + file_size, b'u');
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());

        body
    }

    /// The request in words, for failure messages: URL, fields in order, file.
    pub(crate) fn describe(&self) -> String {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(name, value)| format!("    {name} = {value}"))
            .collect();
        format!(
            "profile {}: POST {}\n{}\n    file = \"{}\" ({} bytes)",
            self.profile,
            self.url,
            fields.join("\n"),
            self.filename,
            self.file_size
        )
    }
}

/// A value for the fill field `name` that starts with `prefix`.
fn sample_value(name: &str, prefix: &str) -> String {
    SAMPLE_VALUES
        .iter()
        .find(|(field, value)| field.eq_ignore_ascii_case(name) && value.starts_with(prefix))
        .map_or_else(|| format!("{prefix}e2e"), |(_, value)| (*value).to_owned())
}

/// Posts `upload` and checks that it is stored, answered as `success_action_status` asks.
///
/// # Panics
///
/// With the request and the answer, when the upload is refused, answered with another status,
/// or not found afterwards.
pub(crate) fn assert_stored(server: &Server, upload: &Upload) {
    if let Err(failure) = check_stored(server, upload) {
        panic!("{failure}");
    }
}

/// What [`assert_stored`] checks, with the failure as a message instead of a panic.
pub(crate) fn check_stored(server: &Server, upload: &Upload) -> Result<(), String> {
    let response = upload.post();
    let expected_status = upload.success_status();
    let key = upload.object_key();

    if response.status != expected_status {
        return Err(format!(
            "expected HTTP {expected_status} for\n{}\ngot: {}",
            upload.describe(),
            summary(&response)
        ));
    }
    let body = response.body_text();
    if expected_status == 201
        && !(body.contains("<PostResponse") && body.contains(&format!("<Key>{key}</Key>")))
    {
        return Err(format!(
            "a 201 answer must be a PostResponse naming key {key}, got: {body}\nfor\n{}",
            upload.describe()
        ));
    }
    if !s3::object_exists(server, upload.bucket(), &key) {
        return Err(format!(
            "the server accepted\n{}\nbut {}/{key} does not exist",
            upload.describe(),
            upload.bucket()
        ));
    }
    Ok(())
}

/// Posts `upload`, which breaks the policy because of `broken`, and checks that it is refused
/// with a 4xx and that nothing is stored.
///
/// # Panics
///
/// With the request and the answer, when the upload is accepted, or answered with anything
/// but a 4xx, or an object exists afterwards.
pub(crate) fn assert_refused(server: &Server, upload: &Upload, broken: &str) {
    let response = upload.post();
    let key = upload.object_key();

    assert!(
        (400..500).contains(&response.status),
        "an upload with {broken} must be refused with a 4xx:\n{}\ngot: {}",
        upload.describe(),
        summary(&response)
    );
    assert!(
        !s3::object_exists(server, upload.bucket(), &key),
        "the server refused an upload with {broken} but stored {}/{key} anyway:\n{}",
        upload.bucket(),
        upload.describe()
    );
}

fn summary(response: &Response) -> String {
    format!("HTTP {} {}", response.status, response.body_text())
}
