//! End-to-end tests of the `postpolicy` binary: one test binary, one module per topic.
//!
//! Every test runs the real executable with a clean environment, the AWS documentation's
//! example key and a fixed clock, so outputs are byte-for-byte reproducible.

mod bundles;
mod commands;
mod diagnostics;
mod evaluation;
mod support;
