//! The browser path: the page of `compile --format html`, opened in a real headless Chromium,
//! a file picked and the form submitted to the test server, which stores the object.
//!
//! Chromium is driven through ChromeDriver's WebDriver HTTP interface, spoken with the suite's
//! own HTTP client. Both come from Debian's `chromium` and `chromium-driver` packages, which
//! `scripts/test` installs; without them the test fails and says so, unless
//! `POSTPOLICY_E2E=skip` asks to skip.

use std::io::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use postpolicy::time::Timestamp;
use serde_json::{Value, json};

use crate::bundles::compile_html_page;
use crate::http::{self, Endpoint};
use crate::s3;
use crate::support::{Signature, suite, unique_filename};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key WebDriver gives element references under.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

#[test]
fn a_browser_submits_the_html_page_and_the_object_is_stored() {
    let Some(suite) = suite() else { return };
    if !browser_installed() {
        return;
    }
    let server = suite.server;

    let scratch = tempfile::tempdir().expect("a temporary directory");
    let page = scratch.path().join("upload.html");
    let html = compile_html_page(
        &server.url,
        &server.credentials,
        Timestamp::now(),
        "images-only",
        Signature::V4,
    );
    std::fs::write(&page, html).expect("the page can be written");
    let file_name = unique_filename("browser").replace(".bin", ".png");
    let picked = scratch.path().join(&file_name);
    std::fs::write(&picked, PNG_PIXEL).expect("the picture can be written");

    let driver = ChromeDriver::start();
    let session = driver.new_session(&scratch.path().join("profile"));
    session.open(&format!("file://{}", page.display()));
    let file_input = session.find("input[type=file]");
    session.type_into(&file_input, &picked.display().to_string());
    let content_type = session.find("input[name=\"Content-Type\"]");
    let chosen_type = session.property(&content_type, "value");
    session.click(&session.find("button[type=submit]"));
    let answer = session.wait_for_source_containing("PostResponse");
    drop(session);

    let key = format!("uploads/images/{file_name}");
    assert_eq!(
        chosen_type, "image/png",
        "the page sets Content-Type from the file picked"
    );
    assert!(
        answer.contains(&format!("<Key>{key}</Key>")),
        "S3 answered:\n{answer}"
    );
    assert!(
        s3::object_exists(server, "acme-uploads", &key),
        "{key} was not stored"
    );
}

/// A one-pixel PNG.
const PNG_PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Whether Chromium and ChromeDriver are installed; without them the test fails, or is skipped
/// with a line on standard error when `POSTPOLICY_E2E=skip`.
fn browser_installed() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    if std::env::var("POSTPOLICY_E2E").is_ok_and(|value| value == "skip") {
        let line = "end-to-end browser test skipped: Chromium or ChromeDriver is missing; \
                    scripts/test installs them\n";
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
        return false;
    }
    panic!(
        "the browser test needs {CHROMIUM} and {CHROMEDRIVER} (Debian's chromium and \
         chromium-driver; scripts/test installs them), or POSTPOLICY_E2E=skip"
    );
}

/// A ChromeDriver process on a free loopback port, killed when dropped.
struct ChromeDriver {
    process: Child,
    endpoint: Endpoint,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let (endpoint, _) =
            Endpoint::split_url(&format!("http://127.0.0.1:{port}")).expect("a loopback URL");
        let driver = ChromeDriver { process, endpoint };

        let ready = poll(Duration::from_secs(20), || {
            let status = driver.call("GET", "/status", None).ok()?;
            status["value"]["ready"].as_bool().filter(|ready| *ready)
        });
        assert!(ready.is_some(), "chromedriver did not become ready");
        driver
    }

    fn new_session(&self, profile_dir: &Path) -> Session<'_> {
        let arguments = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            format!("--user-data-dir={}", profile_dir.display()),
        ];
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": CHROMIUM, "args": arguments },
            }}
        });

        let answer = self
            .call("POST", "/session", Some(&capabilities))
            .unwrap_or_else(|error| panic!("no browser session: {error}"));
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {answer}"))
            .to_owned();
        Session { driver: self, id }
    }

    /// One WebDriver call; the answer's JSON, or the error it reports.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let body = body.map(Value::to_string).unwrap_or_default();
        let headers = [("Content-Type", "application/json".to_owned())];
        let response = http::send(&self.endpoint, method, path, &headers, body.as_bytes())
            .map_err(|error| error.to_string())?;
        let answer: Value = serde_json::from_slice(&response.body)
            .map_err(|error| format!("{method} {path}: not JSON ({error})"))?;

        if response.status == 200 {
            Ok(answer)
        } else {
            Err(format!(
                "{method} {path}: HTTP {}: {answer}",
                response.status
            ))
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A browser session of a [`ChromeDriver`].
struct Session<'a> {
    driver: &'a ChromeDriver,
    id: String,
}

impl Session<'_> {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.id);
        self.driver
            .call(method, &path, body)
            .unwrap_or_else(|error| panic!("browser: {error}"))
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(&json!({ "url": url })));
    }

    fn find(&self, selector: &str) -> String {
        let query = json!({ "using": "css selector", "value": selector });
        let answer = self.call("POST", "/element", Some(&query));
        answer["value"][ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {selector}: {answer}"))
            .to_owned()
    }

    fn type_into(&self, element: &str, text: &str) {
        let path = format!("/element/{element}/value");
        self.call("POST", &path, Some(&json!({ "text": text })));
    }

    fn property(&self, element: &str, name: &str) -> String {
        let answer = self.call("GET", &format!("/element/{element}/property/{name}"), None);
        answer["value"].as_str().unwrap_or_default().to_owned()
    }

    fn click(&self, element: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    /// The page source once it contains `text`, waiting for the form's answer to load.
    fn wait_for_source_containing(&self, text: &str) -> String {
        let source = poll(Duration::from_secs(20), || {
            let answer = self
                .driver
                .call("GET", &format!("/session/{}/source", self.id), None);
            let source = answer.ok()?["value"].as_str()?.to_owned();
            source.contains(text).then_some(source)
        });
        source.unwrap_or_else(|| {
            let now = self.call("GET", "/source", None);
            panic!(
                "the browser never showed `{text}`; the page is:\n{}",
                now["value"]
            )
        })
    }
}

impl Drop for Session<'_> {
    /// Ends the session, which quits the browser, also when a step of the test failed.
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}

/// Calls `probe` every 100 ms until it returns something or `limit` passes.
fn poll<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
