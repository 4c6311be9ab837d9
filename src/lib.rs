//! `postpolicy` compiles declarative upload profiles into signed S3 browser-POST policies.
//!
//! The pipeline reads from the module names, with a new type at every hand-off:
//!
//! ```text
//! load      *.toml files            -> RawProfile      (shape checked, spans kept)
//! validate  RawProfile              -> Profile         (S3's schema enforced, lints run)
//! compile   Profile + access key    -> UnsignedPolicy  (canonical policy document + form plan)
//! sign      UnsignedPolicy + secret -> SignedPolicy
//! bundle    SignedPolicy            -> Bundle          (the JSON a browser uploader takes)
//! ```
//!
//! Beside the pipeline, [`evaluate`] decides as S3 does whether an upload would be accepted,
//! for `verify` and the profiles' own tests (built by [`upload`]); [`lint`] warns about
//! profiles S3 accepts but that are probably not what was meant; [`explain`] and [`render`]
//! put profiles and bundles in words, HTML and `curl` for people.
//!
//! [`diag`] renders every problem found on the way, [`schema`] holds S3's form fields and the
//! matching each admits, [`credentials`] keeps the secret out of every output, and
//! [`commands`] is where all of it meets files, standard output and exit codes.

pub mod bundle;
pub mod cli;
pub mod commands;
pub mod compile;
pub mod credentials;
pub mod diag;
pub mod evaluate;
pub mod explain;
pub mod lint;
pub mod load;
mod parallel;
pub mod policy;
pub mod render;
pub mod schema;
pub mod sign;
pub mod size;
pub mod source;
pub mod time;
pub mod upload;
pub mod validate;
