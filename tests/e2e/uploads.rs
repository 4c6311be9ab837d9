//! Proves that every example profile's allowed upload is stored, with both signatures.
//!
//! For each profile of `policies/` and each signature version, the form a well-behaved
//! uploader sends with the compiled bundle is accepted with the status `success_action_status`
//! asks for (201 with a `PostResponse` naming the key, 200, or 204 by default), and the object
//! lands under the key that `${filename}` expands to.

use crate::form::{Upload, assert_stored, check_stored};
use crate::support::{self, Signature};

#[test]
fn every_example_profile_stores_its_allowed_upload_with_both_signatures() {
    let Some(suite) = support::suite() else {
        return;
    };

    let mut failures = Vec::new();
    for example in &suite.bundles.examples {
        for signature in Signature::BOTH {
            let bundle = suite.bundle(example, signature);
            let upload = Upload::allowed(bundle, &format!("allowed-{}", signature.setting()));

            if let Err(failure) = check_stored(suite.server, &upload) {
                failures.push(failure);
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} allowed uploads failed:\n\n{}",
        failures.len(),
        suite.bundles.examples.len() * Signature::BOTH.len(),
        failures.join("\n\n")
    );
}

#[test]
fn file_sizes_at_both_bounds_of_the_range_are_stored() {
    let Some(suite) = support::suite() else {
        return;
    };

    for signature in Signature::BOTH {
        let avatars = suite.bundle("avatars", signature);
        let (_, max) = avatars
            .content_length_range
            .expect("avatars have a size range");
        let mut largest = Upload::allowed(avatars, "largest");
        largest.set_file_size(max);
        assert_stored(suite.server, &largest);

        let streaming = suite.bundle("streaming-with-meta-header", signature);
        let (min, _) = streaming
            .content_length_range
            .expect("stream segments have a size range");
        let mut smallest = Upload::allowed(streaming, "smallest");
        smallest.set_file_size(min);
        assert_stored(suite.server, &smallest);
    }
}
