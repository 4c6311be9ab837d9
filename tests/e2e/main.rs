//! End-to-end tests: forms signed by the `postpolicy` binary, posted to a real S3 server.
//!
//! Every test compiles the example profiles of `policies/` with the real binary, aimed at a
//! local Ceph radosgw (`scripts/s3-server start`), posts browser-style multipart forms to it
//! and checks both the answer and what the server stored. Together they show that a form the
//! tool signs is accepted as it stands, and that breaking any condition of its policy gets the
//! upload refused with nothing stored.
//!
//! Without a server every test fails and says how to start one; `POSTPOLICY_E2E=skip` turns
//! that into one skip line per test on standard error.

mod browser;
mod bundles;
mod conditions;
mod differential;
mod form;
mod http;
mod s3;
mod session;
mod support;
mod uploads;
