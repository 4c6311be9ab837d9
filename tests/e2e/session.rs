//! Proves that temporary credentials sign working forms: the session token travels in the
//! `x-amz-security-token` field, and the server needs it.
//!
//! The server hands out temporary credentials (STS GetSessionToken) through
//! `scripts/s3-server session-token`. Bundles compiled with them (`AWS_SESSION_TOKEN` set)
//! carry the token; the upload is stored with it and refused without it, for both signature
//! versions.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use postpolicy::time::Timestamp;

use crate::bundles::Bundles;
use crate::form::{Upload, assert_refused, assert_stored};
use crate::support::{self, Credentials, Server, Signature, Suite};

const TOKEN_FIELD: &str = "x-amz-security-token";

#[test]
fn upload_signed_with_temporary_credentials_is_stored_with_the_token() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = session_bundles(suite).local("images-only", signature);
        assert!(
            bundle
                .field(TOKEN_FIELD)
                .is_some_and(|token| !token.is_empty()),
            "{}: a bundle signed with temporary credentials must carry {TOKEN_FIELD}",
            bundle.profile
        );
        let upload = Upload::allowed(bundle, "session-with-token");

        assert_stored(suite.server, &upload);
    }
}

#[test]
fn upload_signed_with_temporary_credentials_is_refused_without_the_token() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = session_bundles(suite).local("images-only", signature);
        let mut upload = Upload::allowed(bundle, "session-without-token");
        upload.remove_field(TOKEN_FIELD);

        assert_refused(
            suite.server,
            &upload,
            "temporary credentials but no session token",
        );
    }
}

/// Bundles signed with one set of temporary credentials, shared by the tests of this module.
fn session_bundles(suite: &Suite) -> &'static Bundles {
    static SESSION_BUNDLES: OnceLock<Bundles> = OnceLock::new();

    SESSION_BUNDLES.get_or_init(|| {
        let credentials = temporary_credentials(suite.server);
        Bundles::compile(&suite.server.url, &credentials, Timestamp::now())
    })
}

/// Asks the server for temporary credentials with `scripts/s3-server session-token`.
///
/// The script reaches the server on 127.0.0.1 at `POSTPOLICY_S3_PORT`, with the user's keys.
fn temporary_credentials(server: &Server) -> Credentials {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(root.join("scripts/s3-server"))
        .arg("session-token")
        .current_dir(root)
        .env("POSTPOLICY_S3_PORT", server.endpoint.port.to_string())
        .env("POSTPOLICY_S3_ACCESS_KEY", &server.credentials.access_key)
        .env("POSTPOLICY_S3_SECRET_KEY", &server.credentials.secret)
        .output()
        .expect("scripts/s3-server runs");
    assert!(
        output.status.success(),
        "scripts/s3-server session-token failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    let stdout = String::from_utf8(output.stdout).expect("the credentials are UTF-8");
    let value = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("scripts/s3-server session-token printed no {name}"))
    };
    Credentials {
        access_key: value("AWS_ACCESS_KEY_ID"),
        secret: value("AWS_SECRET_ACCESS_KEY"),
        session_token: Some(value("AWS_SESSION_TOKEN")),
    }
}
