//! Deliveries: one event to one endpoint, with every attempt it took.
//!
//! A delivery keeps one id (a UUID) across all its attempts, so receivers can drop duplicates;
//! each attempt carries its own timestamp and signature. Only a 2xx answer counts as delivered.
//! Anything else (another status, a connection error, no answer within the timeout) is retried
//! on [`RETRY_DELAYS_SEC`], each delay stretched by up to [`JITTER_PERCENT`] percent. When the
//! schedule runs out the delivery is `failed` but stays in the log, where a manual redelivery
//! can send it again: nothing is dropped.

use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use super::signature::{self, SignatureScheme};
use crate::clock::Timestamp;
use crate::test_hooks::Tamper;

/// Delays before the 2nd, 3rd, … attempt, in seconds of virtual time (before jitter):
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. Eight attempts over about 28 hours, the shape of
/// Standard Webhooks' schedule.
pub(crate) const RETRY_DELAYS_SEC: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// Jitter: each delay is stretched by 0 to this many percent (deterministic per delivery and
/// attempt), so retries of many deliveries do not arrive in lockstep.
pub(crate) const JITTER_PERCENT: i64 = 10;
/// Attempts before a delivery is given up as `failed`.
pub(crate) const MAX_ATTEMPTS: u32 = RETRY_DELAYS_SEC.len() as u32 + 1;

/// The delay after failed attempt number `attempt` (1-based), with jitter drawn from `salt`;
/// `None` when no attempt is left.
pub(crate) fn retry_delay_ms(attempt: u32, salt: u64) -> Option<i64> {
    let base = *RETRY_DELAYS_SEC.get(attempt.checked_sub(1)? as usize)? * 1000;
    let mixed = crate::determinism::mix(salt, u64::from(attempt));
    let jitter = base * JITTER_PERCENT / 100 * (mixed % 1001) as i64 / 1000;
    Some(base + jitter)
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryState {
    /// Not delivered yet; an attempt is scheduled.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every scheduled attempt failed (or the endpoint was removed); redeliver by hand.
    Failed,
}

/// One try at a delivery.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attempt {
    pub(crate) number: u32,
    /// Virtual time of the attempt.
    #[serde(serialize_with = "ser_ms")]
    pub(crate) at: i64,
    /// The `X-VICIagent-Timestamp` sent.
    pub(crate) timestamp: i64,
    /// The receiver's status code, if it answered.
    pub(crate) response_code: Option<u16>,
    /// Real time from sending to the answer (or the error).
    pub(crate) latency_ms: u64,
    /// `delivered` (2xx) or `failed`.
    pub(crate) outcome: &'static str,
    /// Why it failed, when it did.
    pub(crate) error: Option<String>,
    /// Asked for through the control API or the settings page.
    pub(crate) manual: bool,
    /// A fault injected by chaos settings (`failed_first_attempt`, `duplicate`).
    pub(crate) chaos: Option<&'static str>,
}

fn ser_ms<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(Timestamp::from_secs(ms.div_euclid(1000)).as_str())
}

/// One event on its way to one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    /// The log position (creation order).
    pub(crate) seq: u64,
    pub(crate) id: uuid::Uuid,
    pub(crate) key: String,
    pub(crate) endpoint_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    /// The call the event is about, if any (for filtering the log).
    pub(crate) call_id: Option<String>,
    pub(crate) body: Bytes,
    pub(crate) created_ms: i64,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) state: DeliveryState,
    pub(crate) next_attempt_ms: Option<i64>,
    /// Held back once by out-of-order chaos.
    pub(crate) held: bool,
    /// The seed of this delivery's draws (its id, its chaos), from its workspace's seed and its
    /// index among the workspace's deliveries ([`crate::determinism`]).
    pub(crate) draws: u64,
}

impl Delivery {
    /// The wire form on the control API.
    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(DeliveryOut {
            id: self.id,
            key: &self.key,
            endpoint_id: &self.endpoint_id,
            event_id: &self.event_id,
            event_type: &self.event_type,
            call_id: self.call_id.as_deref(),
            state: self.state,
            created_at: Timestamp::from_secs(self.created_ms.div_euclid(1000)).to_string(),
            next_attempt_at: self
                .next_attempt_ms
                .map(|m| Timestamp::from_secs(m.div_euclid(1000)).to_string()),
            attempts: &self.attempts,
            payload: serde_json::from_slice(&self.body).unwrap_or(Value::Null),
        })
        .unwrap_or(Value::Null)
    }

    /// A salt for this delivery's jitter.
    pub(crate) fn salt(&self) -> u64 {
        let (hi, lo) = self.id.as_u64_pair();
        hi ^ lo
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryOut<'a> {
    id: uuid::Uuid,
    key: &'a str,
    endpoint_id: &'a str,
    event_id: &'a str,
    event_type: &'a str,
    call_id: Option<&'a str>,
    state: DeliveryState,
    created_at: String,
    next_attempt_at: Option<String>,
    attempts: &'a [Attempt],
    payload: Value,
}

/// Everything one HTTP attempt needs, copied out of the state so no lock is held while sending.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) url: String,
    pub(crate) secret: String,
    pub(crate) delivery_id: uuid::Uuid,
    pub(crate) event_type: String,
    pub(crate) body: Bytes,
}

/// What the receiver did with one attempt.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) response_code: Option<u16>,
    pub(crate) latency_ms: u64,
    pub(crate) error: Option<String>,
}

impl Answer {
    /// Only a 2xx counts as delivered.
    pub(crate) fn delivered(&self) -> bool {
        self.response_code.is_some_and(|c| (200..300).contains(&c))
    }
}

impl Outgoing {
    /// The attempt as the tamper hook sees it, before signing.
    pub(crate) fn attempt(&self, number: u32, t: i64) -> Tamper {
        Tamper {
            attempt: number,
            event_type: self.event_type.clone(),
            delivery_id: self.delivery_id,
            timestamp: t,
            secret: self.secret.clone(),
            body: self.body.clone(),
            signed_body: None,
            omit_headers: Vec::new(),
            send: true,
        }
    }
}

/// Sends one attempt to `url`: `POST` with the four `X-VICIagent-*` headers, signed at its
/// timestamp.
pub(crate) async fn send(
    client: &reqwest::Client,
    url: &str,
    a: &Tamper,
    scheme: SignatureScheme,
    timeout: Duration,
) -> Answer {
    let started = crate::clock::Stopwatch::start();
    let signed = a.signed_body.as_ref().unwrap_or(&a.body);
    let sig = signature::header(a.secret.as_bytes(), a.timestamp, signed, scheme);
    let headers = [
        (
            http::header::CONTENT_TYPE.as_str(),
            "application/json".to_owned(),
        ),
        ("X-VICIagent-Event", a.event_type.clone()),
        ("X-VICIagent-Delivery", a.delivery_id.to_string()),
        ("X-VICIagent-Timestamp", a.timestamp.to_string()),
        ("X-VICIagent-Signature", sig),
    ];
    let mut req = client.post(url).timeout(timeout);
    for (name, value) in headers {
        if !a.omit_headers.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            req = req.header(name, value);
        }
    }
    let res = req.body(a.body.clone()).send().await;
    let (response_code, error) = match res {
        Ok(r) => {
            let code = r.status().as_u16();
            // Read (and discard) the answer so the connection can be reused; a receiver that
            // never finishes its body is cut off by the same timeout.
            let _ = r.bytes().await;
            let error = (!(200..300).contains(&code)).then(|| format!("answered {code}"));
            (Some(code), error)
        }
        Err(e) if e.is_timeout() => (
            None,
            Some(format!("no answer within {} ms", timeout.as_millis())),
        ),
        Err(e) if e.is_connect() => (None, Some(format!("could not connect: {}", chain(&e)))),
        Err(e) => (None, Some(chain(&e))),
    };
    Answer {
        response_code,
        latency_ms: started.elapsed().as_millis() as u64,
        error,
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_grows_within_jitter_and_ends() {
        let mut prev = 0;
        for (i, base) in RETRY_DELAYS_SEC.iter().enumerate() {
            let attempt = i as u32 + 1;
            for salt in [0u64, 1, 42, u64::MAX] {
                let d = retry_delay_ms(attempt, salt).unwrap();
                assert!(d >= base * 1000, "attempt {attempt}: {d}");
                assert!(
                    d <= base * 1000 * (100 + JITTER_PERCENT) / 100,
                    "attempt {attempt}: {d}"
                );
                assert!(d >= prev);
            }
            prev = base * 1000;
        }
        assert_eq!(retry_delay_ms(MAX_ATTEMPTS, 7), None);
        assert_eq!(retry_delay_ms(0, 7), None);
        // Deterministic per salt, different across salts.
        assert_eq!(retry_delay_ms(3, 9), retry_delay_ms(3, 9));
        let spread: std::collections::BTreeSet<i64> =
            (0..50).map(|s| retry_delay_ms(4, s).unwrap()).collect();
        assert!(spread.len() > 10);
    }

    #[test]
    fn only_2xx_is_delivered() {
        let a = |c: Option<u16>| Answer {
            response_code: c,
            latency_ms: 0,
            error: None,
        };
        assert!(a(Some(200)).delivered() && a(Some(204)).delivered());
        assert!(!a(Some(301)).delivered() && !a(Some(500)).delivered() && !a(None).delivered());
    }
}
