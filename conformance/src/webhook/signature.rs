//! The signature scheme, read from the contract's `x-vici-webhook-signature`, and the HMAC
//! computations that judge a delivery by it (D-WEBHOOK-SIGNATURE).
//!
//! The extension names the bytes the page's rule signs (`signedPayload: "{body}"`) and the
//! readings a sender may have chosen instead, each with its verdict and binding: the
//! Stripe-style `"{timestamp}.{body}"` fails at page level, because a receiver that follows the
//! page rejects it. The checker tries the page's template first, then the alternatives, and
//! reports the first that verifies.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use spec::{Binding, Contract, Rule};

/// How a checker judges a reading of the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Verifies as the page says.
    Pass,
    /// Reported, never a failure.
    Note,
    /// Fails, at the reading's binding.
    Fail,
}

/// One way of computing `v1`: the template of the signed bytes and how a sender using it is
/// judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// `{body}`, `{timestamp}.{body}`, …
    pub signed_payload: String,
    /// The verdict on a sender whose `v1` verifies only under this reading.
    pub judgement: Judgement,
    /// Its binding and source.
    pub rule: Rule,
    /// Why, in words (empty for the page's reading).
    pub reason: String,
}

impl Reading {
    /// Whether the reading covers the timestamp.
    pub fn signs_timestamp(&self) -> bool {
        self.signed_payload.contains("{timestamp}")
    }
}

/// The scheme: header names, the page's reading, its alternatives and the replay note.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheme {
    /// `X-VICIagent-Signature`.
    pub header: String,
    /// `X-VICIagent-Timestamp`.
    pub timestamp_header: String,
    /// The page's reading first, then the alternatives, in document order.
    pub readings: Vec<Reading>,
    /// The replay note's rule and text (timestamp outside the signature).
    pub replay: (Rule, String),
}

fn judgement(s: &str) -> Judgement {
    match s {
        "pass" => Judgement::Pass,
        "note" => Judgement::Note,
        _ => Judgement::Fail,
    }
}

fn rule(v: &Value, default: &Rule) -> Rule {
    let binding = v
        .get("binding")
        .and_then(Value::as_str)
        .and_then(Binding::parse);
    match binding {
        Some(b) => Rule::new(
            b,
            v.get("source").and_then(Value::as_str).unwrap_or_default(),
        ),
        None => default.clone(),
    }
}

impl Scheme {
    /// The scheme of `contract`, or the page's own one when the document has no extension.
    pub fn of(contract: &Contract) -> Scheme {
        let page = Rule::new(
            Binding::Page,
            "\"Verify by recomputing HMAC-SHA256(secret, body) and matching the v1= value\"",
        );
        let ext = &contract.document()["x-vici-webhook-signature"];
        let text = |k: &str, d: &str| ext.get(k).and_then(Value::as_str).unwrap_or(d).to_owned();
        let own_rule = Rule::of(ext).unwrap_or_else(|| page.clone());
        let mut readings = vec![Reading {
            signed_payload: text("signedPayload", "{body}"),
            judgement: judgement(&text("verdict", "pass")),
            rule: own_rule.clone(),
            reason: String::new(),
        }];
        for alt in ext
            .get("alternatives")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(signed) = alt.get("signedPayload").and_then(Value::as_str) else {
                continue;
            };
            readings.push(Reading {
                signed_payload: signed.to_owned(),
                judgement: judgement(alt.get("verdict").and_then(Value::as_str).unwrap_or("fail")),
                rule: rule(alt, &own_rule),
                reason: alt
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        let replay = &ext["replay"];
        Scheme {
            header: text("header", super::headers::SIGNATURE),
            timestamp_header: text("timestampHeader", super::headers::TIMESTAMP),
            readings,
            replay: (
                rule(replay, &Rule::new(Binding::Contract, "D-WEBHOOK-SIGNATURE")),
                replay
                    .get("note")
                    .and_then(Value::as_str)
                    .unwrap_or("the timestamp is outside the signature")
                    .to_owned(),
            ),
        }
    }
}

/// The bytes a `signedPayload` template names for a delivery stamped `t` with `body`.
pub fn signed_bytes(template: &str, t: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    for (i, part) in template.split("{body}").enumerate() {
        if i > 0 {
            out.extend_from_slice(body);
        }
        out.extend_from_slice(part.replace("{timestamp}", t).as_bytes());
    }
    out
}

/// Lowercase hex HMAC-SHA256 of `msg` under `key`.
pub fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(msg);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// A parsed `X-VICIagent-Signature`: `t=` and every `v1=`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The `t=` value, if present.
    pub t: Option<String>,
    /// Every `v1=` value, in order (several during secret rotation).
    pub v1: Vec<String>,
}

/// Parses `t=…,v1=…[,v1=…]`; unknown parts are ignored.
pub fn parse(header: &str) -> Parsed {
    let mut p = Parsed::default();
    for part in header.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            p.t.get_or_insert_with(|| t.to_owned());
        } else if let Some(v) = part.strip_prefix("v1=") {
            p.v1.push(v.to_owned());
        }
    }
    p
}

/// Whether `candidate` (hex, either case) equals `expected` (lowercase hex), compared in time
/// independent of where they differ.
pub fn hex_eq(candidate: &str, expected: &str) -> bool {
    let c = candidate.to_ascii_lowercase();
    c.len() == expected.len()
        && c.bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The first reading under which some `v1` verifies, if any.
pub fn verifying<'a>(
    scheme: &'a Scheme,
    secret: &[u8],
    t: &str,
    body: &[u8],
    v1: &[String],
) -> Option<&'a Reading> {
    scheme.readings.iter().find(|r| {
        let want = hmac_hex(secret, &signed_bytes(&r.signed_payload, t, body));
        v1.iter().any(|v| hex_eq(v, &want))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_independent_vector() {
        assert_eq!(
            hmac_hex(b"It's a Secret to Everybody", b"Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn the_contract_names_the_body_reading_first_and_fails_the_stripe_one() {
        let s = Scheme::of(Contract::v1());
        assert_eq!(s.header, "X-VICIagent-Signature");
        assert_eq!(s.timestamp_header, "X-VICIagent-Timestamp");
        assert_eq!(s.readings[0].signed_payload, "{body}");
        assert_eq!(s.readings[0].judgement, Judgement::Pass);
        assert_eq!(s.readings[0].rule.binding, Binding::Page);
        let stripe = &s.readings[1];
        assert_eq!(stripe.signed_payload, "{timestamp}.{body}");
        assert_eq!(
            (stripe.judgement, stripe.rule.binding),
            (Judgement::Fail, Binding::Page)
        );
        assert!(stripe.signs_timestamp() && !s.readings[0].signs_timestamp());
        assert_eq!(
            s.replay.0,
            Rule::new(Binding::Contract, "D-WEBHOOK-SIGNATURE")
        );
    }

    #[test]
    fn readings_are_told_apart() {
        let s = Scheme::of(Contract::v1());
        let body = br#"{"a":1}"#;
        let page = hmac_hex(b"k", body);
        let stripe = hmac_hex(b"k", b"17.{\"a\":1}");
        assert_eq!(
            signed_bytes("{timestamp}.{body}", "17", body),
            b"17.{\"a\":1}"
        );
        let v = |x: &str| vec![x.to_owned()];
        assert_eq!(
            verifying(&s, b"k", "17", body, &v(&page)),
            Some(&s.readings[0])
        );
        assert_eq!(
            verifying(&s, b"k", "17", body, &v(&page.to_uppercase())),
            Some(&s.readings[0]),
            "uppercase hex verifies (the header check notes it)"
        );
        assert_eq!(
            verifying(&s, b"k", "17", body, &v(&stripe)),
            Some(&s.readings[1])
        );
        assert_eq!(verifying(&s, b"other", "17", body, &v(&page)), None);
        // Rotation: any v1 may match.
        assert!(verifying(&s, b"k", "17", body, &[stripe.clone(), page.clone()]).is_some());
    }

    #[test]
    fn headers_parse_with_several_v1_values() {
        assert_eq!(
            parse("t=17,v1=ab,v1=cd"),
            Parsed {
                t: Some("17".into()),
                v1: vec!["ab".into(), "cd".into()]
            }
        );
        assert_eq!(parse("garbage"), Parsed::default());
        assert!(hex_eq("ABcd", "abcd") && !hex_eq("abc", "abcd") && !hex_eq("abce", "abcd"));
    }
}
