//! What every end-to-end test needs: the server, its credentials and the compiled bundles.
//!
//! The server is found through `POSTPOLICY_S3_ENDPOINT` (default `http://127.0.0.1:7480`),
//! `POSTPOLICY_S3_ACCESS_KEY` and `POSTPOLICY_S3_SECRET_KEY` (defaults: the fixed test keys of
//! `scripts/s3-server`). When nothing answers there, a test fails and says how to start the
//! server, unless `POSTPOLICY_E2E=skip` asks to skip: then it writes one line to standard
//! error and returns. It never passes silently.

use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postpolicy::time::Timestamp;

use crate::bundles::{Bundle, Bundles};
use crate::http::{self, Endpoint};
use crate::s3;

const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:7480";
const DEFAULT_ACCESS_KEY: &str = "POSTPOLICYE2EACCESS1";
const DEFAULT_SECRET_KEY: &str = "postpolicyE2eSecretKeyForLoopbackOnly0001";

/// An access key pair, with the session token of temporary credentials.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) access_key: String,
    pub(crate) secret: String,
    pub(crate) session_token: Option<String>,
}

/// The S3 server the uploads go to.
pub(crate) struct Server {
    /// The endpoint URL as configured, e.g. `http://127.0.0.1:7480`.
    pub(crate) url: String,
    pub(crate) endpoint: Endpoint,
    /// The server user's own long-term keys.
    pub(crate) credentials: Credentials,
}

/// The signature version a local profile signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signature {
    V4,
    V2,
}

impl Signature {
    pub(crate) const BOTH: [Signature; 2] = [Signature::V4, Signature::V2];

    /// The profile's `signature` setting.
    pub(crate) fn setting(self) -> &'static str {
        match self {
            Signature::V4 => "v4",
            Signature::V2 => "v2",
        }
    }

    /// The name of the local variant of `example`: `NAME-local` or `NAME-local-v2`.
    pub(crate) fn local_profile(self, example: &str) -> String {
        match self {
            Signature::V4 => format!("{example}-local"),
            Signature::V2 => format!("{example}-local-v2"),
        }
    }
}

/// The server with the buckets of every example created, and the bundles compiled now.
pub(crate) struct Suite {
    pub(crate) server: &'static Server,
    pub(crate) bundles: Bundles,
}

impl Suite {
    /// The bundle of the local variant of `example` signed with `signature`.
    pub(crate) fn bundle(&self, example: &str, signature: Signature) -> &Bundle {
        self.bundles.local(example, signature)
    }
}

/// The shared suite, or `None` when the server is absent and `POSTPOLICY_E2E=skip` is set.
///
/// # Panics
///
/// When the server is absent and skipping was not asked for, or the setup fails.
pub(crate) fn suite() -> Option<&'static Suite> {
    static SUITE: OnceLock<Suite> = OnceLock::new();

    let server = server()?;
    Some(SUITE.get_or_init(|| {
        let bundles = Bundles::compile(&server.url, &server.credentials, Timestamp::now());
        for bucket in bundles.buckets() {
            s3::create_bucket(server, &bucket);
        }

        Suite { server, bundles }
    }))
}

/// The server, once it has answered, or `None` when it is absent and skipping is asked for.
///
/// # Panics
///
/// When the server is absent and `POSTPOLICY_E2E` is not `skip`.
fn server() -> Option<&'static Server> {
    static REACHABLE: OnceLock<Result<Server, String>> = OnceLock::new();

    let reachable = REACHABLE.get_or_init(|| {
        let server = settings()?;
        http::send(&server.endpoint, "GET", "/", &[], b"")
            .map(|_| server)
            .map_err(|error| error.to_string())
    });

    match reachable {
        Ok(server) => Some(server),
        Err(reason) => {
            let endpoint = endpoint_url();
            if std::env::var("POSTPOLICY_E2E").is_ok_and(|value| value == "skip") {
                let line = format!(
                    "end-to-end test skipped: no S3 server at {endpoint}; \
                     start one with scripts/s3-server start\n"
                );
                // Written past the test harness's capture, so the skip shows in every run.
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
                return None;
            }
            panic!(
                "the S3 server of the end-to-end tests is not running: nothing answers at \
                 {endpoint} ({reason}). Start it with `scripts/s3-server start`, or set \
                 POSTPOLICY_E2E=skip to skip these tests"
            );
        }
    }
}

fn endpoint_url() -> String {
    std::env::var("POSTPOLICY_S3_ENDPOINT").unwrap_or_else(|_| DEFAULT_ENDPOINT.to_owned())
}

fn settings() -> Result<Server, String> {
    let url = endpoint_url().trim_end_matches('/').to_owned();
    let (endpoint, _) = Endpoint::split_url(&url)?;
    let variable =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());

    let credentials = Credentials {
        access_key: variable("POSTPOLICY_S3_ACCESS_KEY", DEFAULT_ACCESS_KEY),
        secret: variable("POSTPOLICY_S3_SECRET_KEY", DEFAULT_SECRET_KEY),
        session_token: None,
    };
    Ok(Server {
        url,
        endpoint,
        credentials,
    })
}

/// A file name no other upload of any run uses: `LABEL-RUN-N.bin`.
///
/// Object keys come from the file name (`${filename}`), so tests running in parallel, and
/// runs repeated against the same server, never see each other's objects.
pub(crate) fn unique_filename(label: &str) -> String {
    static RUN: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let run = RUN.get_or_init(|| {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        format!("{:x}-{}", started.as_micros(), std::process::id())
    });
    let number = COUNTER.fetch_add(1, Ordering::Relaxed);

    format!("{label}-{run}-{number}.bin")
}
