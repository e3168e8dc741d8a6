//! Signed recording URLs (spec/DECISIONS.md, D-RECORDING).
//!
//! Only the path and the expiry are signed, as S3 and CloudFront do, so a player can reuse one URL
//! for every range request. The signature is hex HMAC-SHA256 under a server secret of
//! `"{path}\n{expires}"`; the newline keeps the two fields from running into each other. The
//! secret derives from the seed by default, so the same seed gives the same URLs (byte-identical
//! responses), and can be set explicitly. Verification is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::test_hooks::SigningFaults;

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
    /// HMAC keyed with the secret, before any message: cloned per signature, so the key
    /// schedule (two SHA-256 blocks) is computed once rather than per URL.
    keyed: Hmac<Sha256>,
    faults: SigningFaults,
}

/// A hex signature, on the stack.
#[derive(Clone, Copy)]
pub(crate) struct Signature([u8; 64]);

impl Signature {
    /// The 64 lowercase hex digits.
    pub(crate) fn as_str(&self) -> &str {
        // Only hex digits are written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl UrlSigner {
    /// A signer with the given secret.
    pub(crate) fn new(secret: impl Into<Vec<u8>>) -> UrlSigner {
        // HMAC accepts keys of any length, so this cannot fail; an empty key is still a key.
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret.into())
            .unwrap_or_else(|_| unreachable_hmac());
        UrlSigner {
            keyed,
            faults: SigningFaults::default(),
        }
    }

    /// The same signer with test-only `faults`.
    pub(crate) fn with_faults(mut self, faults: SigningFaults) -> UrlSigner {
        self.faults = faults;
        self
    }

    fn mac(&self, path: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        let path = if self.faults.unbound_path { "" } else { path };
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(itoa::Buffer::new().format(expires).as_bytes());
        mac
    }

    /// The hex signature of `path` valid until `expires`.
    pub(crate) fn signature(&self, path: &str, expires: i64) -> Signature {
        let mut out = Signature([b'0'; 64]);
        // 32 bytes of MAC are exactly 64 hex digits, so this cannot fail.
        let _ = hex::encode_to_slice(self.mac(path, expires).finalize().into_bytes(), &mut out.0);
        out
    }

    /// The hex signature of `path` valid until `expires`, as a `String`.
    #[cfg(test)]
    pub(crate) fn sign(&self, path: &str, expires: i64) -> String {
        self.signature(path, expires).as_str().to_owned()
    }

    /// Appends the query string (`?expires=…&signature=…`) signing `url[path_start..]`, the
    /// path, valid until `expires`: the URL is built in one `String`.
    pub(crate) fn sign_url(&self, url: &mut String, path_start: usize, expires: i64) {
        let signature = self.signature(&url[path_start..], expires);
        url.push_str("?expires=");
        url.push_str(itoa::Buffer::new().format(expires));
        url.push_str("&signature=");
        url.push_str(signature.as_str());
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
        if now >= exp && !self.faults.ignore_expiry {
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
    fn the_test_only_faults_are_off_by_default_and_do_what_they_say() {
        let other = "/api/v1/calls/call_abcdef000002/recording.wav";
        let faithful = UrlSigner::new("k");
        let sig = faithful.sign(PATH, 100);
        assert_eq!(
            faithful.check(PATH, Some("100"), Some(&sig), 200),
            UrlCheck::Expired(100)
        );
        assert_eq!(
            faithful.check(other, Some("100"), Some(&sig), 50),
            UrlCheck::Invalid
        );
        let lax = UrlSigner::new("k").with_faults(SigningFaults {
            ignore_expiry: true,
            unbound_path: false,
        });
        assert_eq!(
            lax.check(PATH, Some("100"), Some(&sig), 200),
            UrlCheck::Valid
        );
        let unbound = UrlSigner::new("k").with_faults(SigningFaults {
            ignore_expiry: false,
            unbound_path: true,
        });
        let sig = unbound.sign(PATH, 100);
        assert_eq!(
            unbound.check(other, Some("100"), Some(&sig), 50),
            UrlCheck::Valid
        );
    }

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
    fn signed_urls_append_expiry_and_signature_of_the_path() {
        let s = UrlSigner::new("secret");
        let mut url = format!("http://host{PATH}");
        s.sign_url(&mut url, "http://host".len(), 1_000);
        assert_eq!(
            url,
            format!(
                "http://host{PATH}?expires=1000&signature={}",
                s.sign(PATH, 1_000)
            )
        );
        // The signature is HMAC-SHA256 of "{path}\n{expires}" under the secret.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"secret").unwrap();
        mac.update(format!("{PATH}\n1000").as_bytes());
        assert_eq!(
            s.sign(PATH, 1_000),
            hex::encode(mac.finalize().into_bytes())
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
