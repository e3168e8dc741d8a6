//! Webhook signatures (spec/DECISIONS.md, D-WEBHOOK-SIGNATURE).
//!
//! `X-VICIagent-Signature: t=<unix seconds>,v1=<hex>` where `v1` is the lowercase hex
//! HMAC-SHA256 of the raw body under the endpoint's secret, exactly as the reference page says.
//! The Stripe-style reading, which signs `"{t}.{body}"` and so binds the timestamp, is an option
//! (`--webhook-signature timestamp-body`) for integrators whose verifier expects it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub(crate) use crate::config::SignatureScheme;

/// The hex HMAC-SHA256 of `body` (or `"{t}.{body}"`) under `secret`.
pub(crate) fn v1(secret: &[u8], t: i64, body: &[u8], scheme: SignatureScheme) -> String {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    if scheme == SignatureScheme::TimestampBody {
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `X-VICIagent-Signature` value.
pub(crate) fn header(secret: &[u8], t: i64, body: &[u8], scheme: SignatureScheme) -> String {
    format!("t={t},v1={}", v1(secret, t, body, scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_2: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn body_scheme_is_plain_hmac_of_the_body() {
        assert_eq!(
            v1(
                b"Jefe",
                1,
                b"what do ya want for nothing?",
                SignatureScheme::Body
            ),
            RFC4231_2
        );
        assert_eq!(
            header(
                b"Jefe",
                1715616000,
                b"what do ya want for nothing?",
                SignatureScheme::Body
            ),
            format!("t=1715616000,v1={RFC4231_2}")
        );
    }

    #[test]
    fn matches_the_anchor_vector() {
        assert_eq!(
            v1(
                b"It's a Secret to Everybody",
                0,
                b"Hello, World!",
                SignatureScheme::Body
            ),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn timestamp_scheme_signs_t_dot_body() {
        let direct = v1(b"k", 0, b"1715616000.{}", SignatureScheme::Body);
        assert_eq!(
            v1(b"k", 1715616000, b"{}", SignatureScheme::TimestampBody),
            direct
        );
        assert_ne!(direct, v1(b"k", 1715616000, b"{}", SignatureScheme::Body));
    }
}
