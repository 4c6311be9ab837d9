//! Proves that an upload breaking any one condition of a signed policy is refused, and that
//! nothing is stored, with both signature versions.
//!
//! Each test posts the upload the bundle allows and checks that it is stored, then posts it
//! again under a new key with exactly one thing broken: a prefix, an exact value, a required
//! field, the size range, an uncovered field, the expiry, or the integrity of the policy or of
//! its signature. The stored control shows that the refusal is owed to that one change.

use base64::Engine as _;
use postpolicy::time::Timestamp;

use crate::bundles::{Bundle, Bundles};
use crate::form::{Upload, assert_refused, assert_stored};
use crate::support::{self, Server, Signature};

#[test]
fn key_outside_the_prefix_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("images-only", signature);

        assert_change_is_refused(suite.server, bundle, "a key outside the prefix", |upload| {
            upload.set_field("key", "elsewhere/${filename}");
        });
    }
}

#[test]
fn content_type_outside_the_prefix_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("images-only", signature);

        assert_change_is_refused(suite.server, bundle, "a pdf Content-Type", |upload| {
            upload.set_field("Content-Type", "application/pdf");
        });
    }
}

#[test]
fn missing_fill_field_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("images-only", signature);

        assert_change_is_refused(suite.server, bundle, "no Content-Type field", |upload| {
            upload.remove_field("Content-Type");
        });
    }
}

#[test]
fn file_one_byte_over_the_maximum_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("avatars", signature);
        let (_, max) = bundle
            .content_length_range
            .expect("avatars have a size range");

        assert_change_is_refused(suite.server, bundle, "one byte too many", |upload| {
            upload.set_file_size(max + 1);
        });
    }
}

#[test]
fn file_one_byte_under_the_minimum_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("streaming-with-meta-header", signature);
        let (min, _) = bundle
            .content_length_range
            .expect("stream segments have a size range");
        assert!(min >= 1, "the test needs a minimum of at least one byte");

        assert_change_is_refused(suite.server, bundle, "one byte too few", |upload| {
            upload.set_file_size(min - 1);
        });
    }
}

#[test]
fn field_the_policy_does_not_cover_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("images-only", signature);

        assert_change_is_refused(suite.server, bundle, "an uncovered field", |upload| {
            upload.set_field("x-amz-meta-extra", "not in the policy");
        });
    }
}

#[test]
fn changed_success_action_status_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("images-only", signature);
        assert_eq!(bundle.field("success_action_status"), Some("201"));

        assert_change_is_refused(
            suite.server,
            bundle,
            "status 200 instead of 201",
            |upload| {
                upload.set_field("success_action_status", "200");
            },
        );
    }
}

#[test]
fn changed_metadata_value_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("streaming-with-meta-header", signature);
        assert_eq!(bundle.field("x-amz-meta-client"), Some("web-uploader"));

        assert_change_is_refused(
            suite.server,
            bundle,
            "another client in metadata",
            |upload| {
                upload.set_field("x-amz-meta-client", "other-uploader");
            },
        );
    }
}

#[test]
fn expired_policy_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };
    let now = Timestamp::now();
    let two_hours_ago = Timestamp::from_unix(now.unix() - 2 * 60 * 60);

    let signed_long_ago =
        Bundles::compile(&suite.server.url, &suite.server.credentials, two_hours_ago);

    for signature in Signature::BOTH {
        let current = suite.bundle("streaming-with-meta-header", signature);
        assert_stored(suite.server, &Upload::allowed(current, "expiry-control"));

        let expired = signed_long_ago.local("streaming-with-meta-header", signature);
        let expires_at = Timestamp::parse_rfc3339(&expired.expires_at).expect("an RFC 3339 time");
        assert!(
            expires_at < now,
            "a 1h policy signed two hours ago must have expired, it expires {}",
            expired.expires_at
        );
        let upload = Upload::allowed(expired, "expired");

        assert_refused(suite.server, &upload, "a policy that expired an hour ago");
    }
}

#[test]
fn policy_changed_after_signing_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("images-only", signature);

        let mut document = bundle.policy_document();
        let conditions = document["conditions"]
            .as_array_mut()
            .expect("a policy has conditions");
        let content_type = conditions
            .iter_mut()
            .find(|condition| condition[1] == "$Content-Type")
            .expect("images-only has a Content-Type prefix condition");
        assert_eq!(content_type[2], "image/");
        content_type[2] = "".into();
        let widened = serde_json::to_string(&document).expect("JSON");
        let widened = base64::engine::general_purpose::STANDARD.encode(widened);

        // The upload meets both the signed policy and the widened one, so only the
        // signature check can refuse it.
        assert_change_is_refused(suite.server, bundle, "a policy widened later", |upload| {
            upload.set_field("policy", &widened);
        });
    }
}

#[test]
fn changed_signature_is_refused() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let bundle = suite.bundle("images-only", signature);
        let signature_field = bundle.signature_field();
        let signed = bundle.field(signature_field).expect("a signed bundle");
        let first = if signed.starts_with('a') { "b" } else { "a" };
        let changed = format!("{first}{}", &signed[1..]);

        assert_change_is_refused(suite.server, bundle, "a changed signature", |upload| {
            upload.set_field(signature_field, &changed);
        });
    }
}

/// Checks that the upload `bundle` allows is stored, and that the same upload under a new key,
/// with `change` applied, is refused and not stored.
fn assert_change_is_refused(
    server: &Server,
    bundle: &Bundle,
    broken: &str,
    change: impl FnOnce(&mut Upload),
) {
    let label = broken.replace(' ', "-");
    let allowed = Upload::allowed(bundle, &format!("{label}-control"));
    assert_stored(server, &allowed);

    let mut changed = allowed.renamed(&label);
    change(&mut changed);

    assert_refused(server, &changed, broken);
}
