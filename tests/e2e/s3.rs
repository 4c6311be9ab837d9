//! The server side of the checks: creating buckets and asking whether an object exists.
//!
//! These are ordinary S3 API calls signed with Signature Version 4 in the `Authorization`
//! header (payload `UNSIGNED-PAYLOAD`), independent of the POST policies under test. The
//! signing key comes from `postpolicy::sign::SigningKey`, whose derivation the crate's own
//! tests pin against AWS's published vectors.

use postpolicy::credentials::Secret;
use postpolicy::sign::{SigningKey, hex};
use postpolicy::time::Timestamp;
use sha2::{Digest, Sha256};

use crate::http::{self, Response};
use crate::support::Server;

/// radosgw does not check the region of a credential scope; any fixed one will do.
const REGION: &str = "us-east-1";

const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Creates `bucket` unless the server's user owns it already.
///
/// # Panics
///
/// When the server refuses, with its answer.
pub(crate) fn create_bucket(server: &Server, bucket: &str) {
    let response = signed_request(server, "PUT", &format!("/{bucket}"));

    let already_owned =
        response.status == 409 && response.body_text().contains("BucketAlreadyOwnedByYou");
    assert!(
        response.status == 200 || already_owned,
        "creating bucket {bucket} answered HTTP {}: {}",
        response.status,
        response.body_text()
    );
}

/// Whether `bucket/key` exists, by a signed HEAD.
///
/// # Panics
///
/// When the answer is neither 200 nor 404.
pub(crate) fn object_exists(server: &Server, bucket: &str, key: &str) -> bool {
    let response = signed_request(server, "HEAD", &format!("/{bucket}/{key}"));

    match response.status {
        200 => true,
        404 => false,
        other => panic!("HEAD {bucket}/{key} answered HTTP {other}"),
    }
}

/// Sends a body-less request for `path` (unencoded), signed with the server's own keys.
fn signed_request(server: &Server, method: &str, path: &str) -> Response {
    let now = Timestamp::now();
    let amz_date = now.amz_date();
    let scope_date = now.scope_date();
    let host = server.endpoint.host_header();
    let encoded_path = uri_encode_path(path);

    let signed_headers = "host;x-amz-content-sha256;x-amz-date";
    let canonical_request = format!(
        "{method}\n{encoded_path}\n\nhost:{host}\nx-amz-content-sha256:{UNSIGNED_PAYLOAD}\n\
         x-amz-date:{amz_date}\n\n{signed_headers}\n{UNSIGNED_PAYLOAD}"
    );
    let scope = format!("{scope_date}/{REGION}/s3/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );

    let secret = Secret::new(server.credentials.secret.clone());
    let signature = SigningKey::derive(&secret, &scope_date, REGION).sign(&string_to_sign);
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, \
         Signature={signature}",
        server.credentials.access_key
    );

    let headers = [
        ("x-amz-content-sha256", UNSIGNED_PAYLOAD.to_owned()),
        ("x-amz-date", amz_date),
        ("Authorization", authorization),
    ];
    http::send(&server.endpoint, method, &encoded_path, &headers, b"")
        .unwrap_or_else(|error| panic!("{method} {path} failed: {error}"))
}

/// Percent-encodes everything but S3's unreserved characters and `/`, as SigV4 wants.
fn uri_encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
