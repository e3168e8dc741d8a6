//! Signed recording URLs (spec/DECISIONS.md, D-RECORDING).
//!
//! Only the path and the expiry are signed, as S3 and CloudFront do, so a player can reuse one URL
//! for every range request. The signature is hex HMAC-SHA256 under a server secret of
//! `"{path}\n{expires}"`; the newline keeps the two fields from running into each other. The
//! secret derives from the seed by default, so the same seed gives the same URLs (byte-identical
//! responses), and can be set explicitly. Verification is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a recording URL stays valid.
pub(crate) const URL_TTL_SECS: i64 = 3_600;

/// Why a recording URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlCheck {
    /// Signature matches and the URL has not expired.
    Valid,
    /// Missing, malformed or wrong signature or expiry: 403 `invalid_signature`.
    Invalid,
    /// A genuine URL past its expiry (Unix seconds): 403 `url_expired`.
    Expired(i64),
}

/// Signs and checks recording URLs.
#[derive(Clone)]
pub(crate) struct UrlSigner {
    secret: Vec<u8>,
}

impl UrlSigner {
    /// A signer with the given secret.
    pub(crate) fn new(secret: impl Into<Vec<u8>>) -> UrlSigner {
        UrlSigner {
            secret: secret.into(),
        }
    }

    fn mac(&self, path: &str, expires: i64) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail; an empty key is still a key.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The hex signature of `path` valid until `expires`.
    pub(crate) fn sign(&self, path: &str, expires: i64) -> String {
        hex::encode(self.mac(path, expires).finalize().into_bytes())
    }

    /// The query string (`expires=…&signature=…`) for `path`, valid until `expires`.
    pub(crate) fn query(&self, path: &str, expires: i64) -> String {
        format!("expires={expires}&signature={}", self.sign(path, expires))
    }

    /// Checks the raw `expires` and `signature` values of a request at time `now` (seconds).
    pub(crate) fn check(
        &self,
        path: &str,
        expires: Option<&str>,
        signature: Option<&str>,
        now: i64,
    ) -> UrlCheck {
        let (Some(expires), Some(signature)) = (expires, signature) else {
            return UrlCheck::Invalid;
        };
        if expires.is_empty() || expires.len() > 12 || !expires.bytes().all(|b| b.is_ascii_digit())
        {
            return UrlCheck::Invalid;
        }
        let Ok(exp) = expires.parse::<i64>() else {
            return UrlCheck::Invalid;
        };
        // Compare the canonical decimal form: "0123" would sign differently from "123".
        if exp.to_string() != expires {
            return UrlCheck::Invalid;
        }
        let Ok(sig) = hex::decode(signature) else {
            return UrlCheck::Invalid;
        };
        if signature.bytes().any(|b| b.is_ascii_uppercase()) {
            return UrlCheck::Invalid;
        }
        if self.mac(path, exp).verify_slice(&sig).is_err() {
            return UrlCheck::Invalid;
        }
        if now >= exp {
            UrlCheck::Expired(exp)
        } else {
            UrlCheck::Valid
        }
    }
}

#[cold]
fn unreachable_hmac() -> Hmac<Sha256> {
    // `new_from_slice` for HMAC never fails (any key length is valid); keep a total function anyway.
    <Hmac<Sha256> as KeyInit>::new_from_slice(b"")
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/api/v1/calls/call_abcdef000001/recording.wav";

    #[test]
    fn hmac_matches_the_independent_test_vector() {
        // ANCHORS.md: key "It's a Secret to Everybody", message "Hello, World!".
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(b"It's a Secret to Everybody").unwrap();
        mac.update(b"Hello, World!");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn valid_until_expiry_then_expired() {
        let s = UrlSigner::new("secret");
        let sig = s.sign(PATH, 1_000);
        assert_eq!(
            s.check(PATH, Some("1000"), Some(&sig), 999),
            UrlCheck::Valid
        );
        assert_eq!(
            s.check(PATH, Some("1000"), Some(&sig), 1_000),
            UrlCheck::Expired(1_000)
        );
    }

    #[test]
    fn tampering_with_anything_is_invalid() {
        let s = UrlSigner::new("secret");
        let sig = s.sign(PATH, 1_000);
        let other_path = PATH.replace("000001", "000002");
        assert_eq!(
            s.check(&other_path, Some("1000"), Some(&sig), 0),
            UrlCheck::Invalid
        );
        assert_eq!(
            s.check(PATH, Some("1001"), Some(&sig), 0),
            UrlCheck::Invalid
        );
        assert_eq!(
            s.check(PATH, Some("01000"), Some(&sig), 0),
            UrlCheck::Invalid
        );
        assert_eq!(
            s.check(PATH, Some("1000"), Some(&sig.to_uppercase()), 0),
            UrlCheck::Invalid
        );
        assert_eq!(
            s.check(PATH, Some("1000"), Some(&sig[..62]), 0),
            UrlCheck::Invalid
        );
        assert_eq!(s.check(PATH, Some("1000"), None, 0), UrlCheck::Invalid);
        assert_eq!(s.check(PATH, None, Some(&sig), 0), UrlCheck::Invalid);
        assert_eq!(s.check(PATH, Some("-5"), Some(&sig), 0), UrlCheck::Invalid);
        assert_eq!(
            UrlSigner::new("other").check(PATH, Some("1000"), Some(&sig), 0),
            UrlCheck::Invalid
        );
    }
}
