//! `postpolicy` compiles declarative upload profiles into signed S3 browser-POST policies.
//!
//! The pipeline reads from the module names, with a new type at every hand-off:
//!
//! ```text
//! load      *.toml files          -> RawProfile      (shape checked, spans kept)
//! validate  RawProfile            -> Profile         (S3's condition schema enforced)
//! compile   Profile + access key  -> UnsignedPolicy  (canonical policy document + form plan)
//! sign      UnsignedPolicy + secret -> SignedPolicy
//! bundle    SignedPolicy          -> Bundle          (the JSON a browser uploader takes)
//! ```
//!
//! [`diag`] renders every problem found on the way, [`schema`] holds S3's form fields and the
//! matching each admits, and [`credentials`] keeps the secret out of every output.

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
pub mod policy;
pub mod render;
pub mod schema;
pub mod sign;
pub mod size;
pub mod source;
pub mod time;
pub mod upload;
pub mod validate;
