//! Signers: the last stage of the pipeline, turning the base64 policy text into a signature.
//!
//! S3 signs a browser POST over the base64 policy exactly as it is sent, never over a canonical
//! request. Signature Version 4 chains HMAC-SHA256 from the secret through the date, region,
//! service and terminator into a signing key, then signs the policy with it (lowercase hex).
//! Signature Version 2 is one HMAC-SHA1 of the policy under the secret itself (base64).
//!
//! This module knows nothing of profiles or documents; [`crate::compile`] hands it a finished
//! policy and the [`crate::credentials::Secret`] never leaves it in any other form.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

use crate::compile::UnsignedPolicy;
use crate::credentials::{Credentials, Secret};
use crate::validate::SignatureVersion;

type HmacSha256 = Hmac<Sha256>;
type HmacSha1 = Hmac<Sha1>;

/// The SigV4 algorithm name, as sent in `x-amz-algorithm`.
pub const SIGV4_ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service every S3 credential scope names.
pub const S3_SERVICE: &str = "s3";

/// The last element of every SigV4 credential scope.
pub const SCOPE_TERMINATOR: &str = "aws4_request";

/// A SigV4 signing key, derived once for one secret, day and region.
///
/// The key depends only on those three, so one derivation serves every policy signed for the
/// same region on the same day. Its `Debug` output never shows the key bytes.
#[derive(Clone)]
pub struct SigningKey {
    bytes: [u8; 32],
    date: String,
    region: String,
}

impl SigningKey {
    /// Derives the key for `date` (`YYYYMMDD`) and `region` with the service `s3`.
    pub fn derive(secret: &Secret, date: &str, region: &str) -> SigningKey {
        let steps = derivation_steps(secret, date, region, S3_SERVICE);

        SigningKey {
            bytes: steps[3],
            date: date.to_owned(),
            region: region.to_owned(),
        }
    }

    /// The day (`YYYYMMDD`) this key signs for.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The region this key signs for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Signs the base64 policy text; the result is 64 lowercase hex digits.
    pub fn sign(&self, policy_base64: &str) -> String {
        hex(&hmac_sha256(&self.bytes, policy_base64.as_bytes()))
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("date", &self.date)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// The four keys of the SigV4 derivation: `kDate`, `kRegion`, `kService`, `kSigning`.
///
/// Public so the derivation can be checked step by step against published vectors.
pub fn derivation_steps(secret: &Secret, date: &str, region: &str, service: &str) -> [[u8; 32]; 4] {
    let mut seed = Vec::with_capacity(4 + secret.expose().len());
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret.expose().as_bytes());

    let k_date = hmac_sha256(&seed, date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    let k_signing = hmac_sha256(&k_service, SCOPE_TERMINATOR.as_bytes());

    [k_date, k_region, k_service, k_signing]
}

/// The SigV4 credential scope value of `x-amz-credential`.
pub fn credential_scope(access_key_id: &str, date: &str, region: &str) -> String {
    format!("{access_key_id}/{date}/{region}/{S3_SERVICE}/{SCOPE_TERMINATOR}")
}

/// Signs the base64 policy text with Signature Version 2: base64 of HMAC-SHA1 under the secret.
pub fn sign_v2(secret: &Secret, policy_base64: &str) -> String {
    use base64::Engine as _;

    let mut mac = <HmacSha1 as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(policy_base64.as_bytes());

    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A policy with its signature: the only input the bundle stage takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPolicy {
    unsigned: UnsignedPolicy,
    policy: String,
    signature: String,
}

impl SignedPolicy {
    /// What was signed.
    pub fn unsigned(&self) -> &UnsignedPolicy {
        &self.unsigned
    }

    /// The base64 policy, as sent in the `policy` field.
    pub fn policy(&self) -> &str {
        &self.policy
    }

    /// The signature, as sent in `x-amz-signature` (SigV4) or `signature` (SigV2).
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// What was signed, the base64 policy and the signature, for the bundle to take over.
    pub fn into_parts(self) -> (UnsignedPolicy, String, String) {
        (self.unsigned, self.policy, self.signature)
    }
}

/// Signs compiled policies with one credential.
///
/// The SigV4 signing key depends only on the secret, the day and the region, so the signer
/// keeps every key it derives and reuses it for every policy of that day and region: one
/// derivation a region serves a whole `compile --all`.
#[derive(Debug)]
pub struct Signer {
    credentials: Credentials,
    derived_keys: Vec<SigningKey>,
}

impl Signer {
    /// A signer for `credentials`.
    pub fn new(credentials: Credentials) -> Signer {
        Signer {
            credentials,
            derived_keys: Vec::new(),
        }
    }

    /// The credentials' public half, which the compiler needs.
    pub fn access_key(&self) -> &crate::credentials::AccessKey {
        &self.credentials.access_key
    }

    /// Encodes and signs `unsigned`.
    pub fn sign(&mut self, unsigned: UnsignedPolicy) -> SignedPolicy {
        let policy = unsigned.document.to_base64();
        let signature = match unsigned.version {
            SignatureVersion::V4 => self
                .signing_key(&unsigned.signed_at.scope_date(), &unsigned.region)
                .sign(&policy),
            SignatureVersion::V2 => sign_v2(&self.credentials.secret, &policy),
        };

        SignedPolicy {
            unsigned,
            policy,
            signature,
        }
    }

    fn signing_key(&mut self, date: &str, region: &str) -> &SigningKey {
        let known = self
            .derived_keys
            .iter()
            .position(|key| key.date() == date && key.region() == region);
        let index = match known {
            Some(index) => index,
            None => {
                let key = SigningKey::derive(&self.credentials.secret, date, region);
                self.derived_keys.push(key);
                self.derived_keys.len() - 1
            }
        };
        &self.derived_keys[index]
    }
}

/// Compares two signatures in time independent of where they first differ.
pub fn signatures_equal(expected: &str, given: &str) -> bool {
    let (expected, given) = (expected.as_bytes(), given.as_bytes());
    if expected.len() != given.len() {
        return false;
    }

    expected
        .iter()
        .zip(given)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);

    mac.finalize().into_bytes().into()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";

    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const LEGACY_SECRET: &str = "uV3F3YluFJax1cknvbcGwgjvx4QpvB+leU8dUj2o";

    fn secret(text: &str) -> Secret {
        Secret::new(text.to_owned())
    }

    #[test]
    fn sigv4_derivation_matches_the_aws_post_example_step_by_step() {
        let steps = derivation_steps(&secret(EXAMPLE_SECRET), "20151229", "us-east-1", "s3");

        assert_eq!(
            hex(&steps[0]),
            "7db2090321aa187aa0f1a82253d0b901e0fc85109ad025b356a2521ffb06471d"
        );
        assert_eq!(
            hex(&steps[1]),
            "c750077a983369dd1824310e1e52c28a89e135dfe4dc9ad384fbb0bc70728e35"
        );
        assert_eq!(
            hex(&steps[2]),
            "ab698634f0c69649415f2f729ac91f6f10c29e989abdf947cb6b0cad94cbd4a4"
        );
        assert_eq!(
            hex(&steps[3]),
            "cbcef1ebeaefc82cce6530b9f0a9ae598846065f5c5bae0674bd5ebc4ba52d28"
        );
    }

    #[test]
    fn signing_key_debug_hides_the_key() {
        let key = SigningKey::derive(&secret(EXAMPLE_SECRET), "20151229", "us-east-1");
        let printed = format!("{key:?}");

        assert!(printed.contains("20151229"), "{printed}");
        assert!(!printed.contains("cbcef1eb"), "{printed}");
        assert!(!printed.contains(EXAMPLE_SECRET), "{printed}");
    }

    #[test]
    fn v2_signature_is_base64_of_hmac_sha1() {
        let policy = concat!(
            "eyJleHBpcmF0aW9uIjoiMjAwNy0xMi0wMVQxMjowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6",
            "eyJhY2wiOiJwdWJsaWMtcmVhZCJ9fQ=="
        );

        assert_eq!(
            sign_v2(&secret(&"X".repeat(35)), policy),
            "ffajJbr1afVRb3qoFwdn9RK+qfM="
        );
        assert_ne!(
            sign_v2(&secret(LEGACY_SECRET), policy),
            "ffajJbr1afVRb3qoFwdn9RK+qfM="
        );
    }

    #[test]
    fn signature_comparison_needs_every_byte() {
        assert!(signatures_equal("abc", "abc"));
        assert!(!signatures_equal("abc", "abd"));
        assert!(!signatures_equal("abc", "ab"));
        assert!(!signatures_equal("", "a"));
    }

    #[test]
    fn derived_keys_are_reused_only_for_their_own_day_and_region() {
        let secret = secret(EXAMPLE_SECRET);
        let mut signer = Signer::new(Credentials {
            access_key: crate::credentials::AccessKey {
                id: "AKID".into(),
                session_token: None,
            },
            secret: secret.clone(),
        });
        let scopes = [
            ("20151229", "us-east-1"),
            ("20151229", "eu-west-1"),
            ("20151230", "us-east-1"),
        ];

        for round in 0..2 {
            for (date, region) in scopes {
                let fresh = SigningKey::derive(&secret, date, region).sign("cG9saWN5");
                assert_eq!(
                    signer.signing_key(date, region).sign("cG9saWN5"),
                    fresh,
                    "{round}"
                );
            }
        }
        assert_eq!(signer.derived_keys.len(), scopes.len());
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
