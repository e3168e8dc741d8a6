//! Verification: every webhook check over the attempts a receiver recorded.

use std::time::Duration;

use spec::Contract;

use super::attempt::{self, Context};
use super::clock::{DEFAULT_TOLERANCE, TargetClock};
use super::receiver::Recorded;
use super::sequence;
use super::signature::Scheme;
use super::verdict::{Subject, Verdict};

/// Every webhook check id, in catalogue order.
pub const CHECKS: &[&str] = &[
    "webhook_headers",
    "webhook_signature",
    "webhook_replay",
    "webhook_timestamp",
    "webhook_delivery_id",
    "webhook_event_type",
    "webhook_payload",
    "webhook_order",
    "webhook_retry",
];

/// What verification needs to know about the endpoint and the target.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The contract (schemas, header forms, the signature scheme).
    pub contract: &'static Contract,
    /// The endpoint's secret (the HMAC key), as registered with the sender.
    pub secret: Vec<u8>,
    /// The target's clock, for freshness.
    pub clock: TargetClock,
    /// How far a timestamp may be from the target's clock.
    pub tolerance: Duration,
}

impl Verification {
    /// Verification against the v1 contract with `secret`, the wall clock and a 300 s tolerance.
    pub fn new(secret: impl Into<Vec<u8>>) -> Verification {
        Verification {
            contract: Contract::v1(),
            secret: secret.into(),
            clock: TargetClock::Wall,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// The same, judged against `clock`.
    pub fn with_clock(mut self, clock: TargetClock) -> Verification {
        self.clock = clock;
        self
    }

    /// Every check over `attempts` (in arrival order, as [`super::Receiver::recorded`] gives
    /// them): first the per-attempt checks of each attempt, then the checks across attempts.
    /// Verify after the retries had time to come (`Receiver::wait_for_retries`): a refused
    /// delivery with no retry yet fails `webhook_retry`.
    pub fn verify(&self, attempts: &[Recorded]) -> Vec<Verdict> {
        let scheme = Scheme::of(self.contract);
        let ctx = Context {
            contract: self.contract,
            scheme: &scheme,
            secret: &self.secret,
            clock: &self.clock,
            tolerance: self.tolerance,
        };
        let mut out = Vec::new();
        for r in attempts {
            let subject = Subject::attempt(r);
            let (sig, replay) = attempt::signature(&ctx, r);
            for (check, applied) in [
                ("webhook_headers", super::headers::check(self.contract, r)),
                ("webhook_signature", sig),
                ("webhook_replay", replay),
                ("webhook_timestamp", attempt::timestamp(&ctx, r)),
                ("webhook_delivery_id", attempt::delivery_id_form(r)),
                ("webhook_event_type", attempt::event_type(r)),
                ("webhook_payload", attempt::payload(&ctx, r)),
            ] {
                out.push(Verdict {
                    check,
                    subject: subject.clone(),
                    applied,
                });
            }
        }
        out.extend(sequence::delivery_ids(attempts));
        out.extend(sequence::order(attempts));
        out.extend(sequence::retry(attempts));
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use axum::body::Bytes;
    use serde_json::{Value, json};
    use spec::Binding;

    use super::*;
    use crate::checks::response::Applied;
    use crate::webhook::signature::{hmac_hex, signed_bytes};

    const SECRET: &str = "whsec_unit";
    const T: i64 = 1_778_688_000;
    const ID: &str = "3f8a6c1e-5b2d-4e7f-9a0c-1d2e3f4a5b6c";

    fn payload(event: &str, call: &str, created: &str) -> Value {
        let status = event.strip_prefix("call.").unwrap_or("queued");
        json!({"id": format!("evt_{call}{status}"), "type": event, "createdAt": created,
               "data": {"call": {"id": call, "status": status}}})
    }

    /// An attempt as a faithful sender makes it; `edit` breaks it.
    fn attempt(seq: usize, id: &str, body: &Value, edit: impl Fn(&mut Recorded)) -> Recorded {
        let body = Bytes::from(serde_json::to_vec(body).unwrap());
        let sig = format!("t={T},v1={}", hmac_hex(SECRET.as_bytes(), &body));
        let mut r = Recorded {
            seq,
            method: "POST".into(),
            path: "/webhooks".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (
                    "x-viciagent-event".into(),
                    body_type(&body).unwrap_or_default(),
                ),
                ("x-viciagent-delivery".into(), id.into()),
                ("x-viciagent-timestamp".into(), T.to_string()),
                ("x-viciagent-signature".into(), sig),
            ],
            body,
            arrived: UNIX_EPOCH + std::time::Duration::from_secs(T as u64),
            answered: 200,
        };
        edit(&mut r);
        r
    }

    fn body_type(b: &[u8]) -> Option<String> {
        serde_json::from_slice::<Value>(b).ok()?["type"]
            .as_str()
            .map(str::to_owned)
    }

    fn set(r: &mut Recorded, name: &str, value: &str) {
        r.headers.retain(|(n, _)| n != name);
        r.headers.push((name.to_owned(), value.to_owned()));
    }

    /// The binding of `check`'s first failure, or `None` when it passed everywhere.
    fn failed(attempts: &[Recorded], check: &str) -> Option<Binding> {
        let v = Verification::new(SECRET).verify(attempts);
        assert!(
            v.iter().any(|v| v.check == check && v.applied()),
            "{check} never applied"
        );
        v.iter().find_map(|v| match &v.applied {
            Applied::Fail(f) if v.check == check => Some(
                f.rule
                    .as_ref()
                    .map_or_else(|| catalogue_binding(check), |r| r.binding),
            ),
            _ => None,
        })
    }

    fn catalogue_binding(check: &str) -> Binding {
        crate::checks::catalogue::info(check).unwrap().binding
    }

    fn good() -> Value {
        payload("call.queued", "call_1", "2026-05-13T16:00:00Z")
    }

    #[test]
    fn signatures_pass_over_the_body_and_fail_over_t_dot_body_or_another_secret() {
        let ok = attempt(0, ID, &good(), |_| {});
        assert_eq!(failed(std::slice::from_ref(&ok), "webhook_signature"), None);
        let stripe = attempt(0, ID, &good(), |r| {
            let v1 = hmac_hex(
                SECRET.as_bytes(),
                &signed_bytes("{timestamp}.{body}", &T.to_string(), &r.body),
            );
            set(r, "x-viciagent-signature", &format!("t={T},v1={v1}"));
        });
        assert_eq!(failed(&[stripe], "webhook_signature"), Some(Binding::Page));
        let other = attempt(0, ID, &good(), |r| {
            let v1 = hmac_hex(b"another", &r.body);
            set(r, "x-viciagent-signature", &format!("t={T},v1={v1}"));
        });
        assert_eq!(failed(&[other], "webhook_signature"), Some(Binding::Page));
        // Uppercase hex verifies; the header check notes it at contract level.
        let upper = attempt(0, ID, &good(), |r| {
            let v1 = hmac_hex(SECRET.as_bytes(), &r.body).to_uppercase();
            set(r, "x-viciagent-signature", &format!("t={T},v1={v1}"));
        });
        assert_eq!(
            failed(std::slice::from_ref(&upper), "webhook_signature"),
            None
        );
        assert_eq!(failed(&[upper], "webhook_headers"), Some(Binding::Contract));
        // The body-only scheme is noted for replay, never more.
        assert_eq!(failed(&[ok], "webhook_replay"), Some(Binding::Contract));
    }

    #[test]
    fn headers_timestamps_ids_and_types_are_judged_at_their_bindings() {
        let missing = attempt(0, ID, &good(), |r| {
            r.headers.retain(|(n, _)| n != "x-viciagent-timestamp")
        });
        assert_eq!(failed(&[missing], "webhook_headers"), Some(Binding::Page));
        let not_json = attempt(0, ID, &good(), |r| set(r, "content-type", "text/plain"));
        assert_eq!(
            failed(&[not_json], "webhook_headers"),
            Some(Binding::Contract)
        );
        let t_differs = attempt(0, ID, &good(), |r| {
            set(r, "x-viciagent-timestamp", &(T + 1).to_string())
        });
        assert_eq!(
            failed(&[t_differs], "webhook_timestamp"),
            Some(Binding::Contract)
        );
        let old = attempt(0, ID, &good(), |r| r.arrived = SystemTime::now());
        assert_eq!(failed(&[old], "webhook_timestamp"), Some(Binding::Contract));
        let not_uuid = attempt(0, "delivery-1", &good(), |_| {});
        assert_eq!(
            failed(&[not_uuid], "webhook_delivery_id"),
            Some(Binding::Page)
        );
        let other_type = attempt(0, ID, &good(), |r| {
            set(r, "x-viciagent-event", "call.connected")
        });
        assert_eq!(
            failed(&[other_type], "webhook_event_type"),
            Some(Binding::Contract)
        );
        let mut drift = good();
        drift["data"]["call"]["status"] = json!(7);
        let drift = attempt(0, ID, &drift, |_| {});
        assert!(failed(&[drift], "webhook_payload").is_some());
    }

    #[test]
    fn order_ids_and_retries_are_judged_across_attempts() {
        let id2 = "3f8a6c1e-5b2d-4e7f-9a0c-1d2e3f4a5b6d";
        let queued = good();
        let connected = payload("call.connected", "call_1", "2026-05-13T16:00:05Z");
        let in_order = [
            attempt(0, ID, &queued, |_| {}),
            attempt(1, id2, &connected, |_| {}),
        ];
        assert_eq!(failed(&in_order, "webhook_order"), None);
        let reversed = [
            attempt(0, id2, &connected, |_| {}),
            attempt(1, ID, &queued, |_| {}),
        ];
        assert_eq!(failed(&reversed, "webhook_order"), Some(Binding::Mock));
        let mut early = connected.clone();
        early["createdAt"] = json!("2026-05-13T15:59:00Z");
        let contradicts = [
            attempt(0, ID, &queued, |_| {}),
            attempt(1, id2, &early, |_| {}),
        ];
        assert_eq!(
            failed(&contradicts, "webhook_order"),
            Some(Binding::Contract)
        );

        let refused = |seq, id| attempt(seq, id, &queued, |r| r.answered = 500);
        assert_eq!(
            failed(&[refused(0, ID)], "webhook_retry"),
            Some(Binding::Contract)
        );
        let retried = [refused(0, ID), attempt(1, ID, &queued, |_| {})];
        assert_eq!(failed(&retried, "webhook_retry"), None);
        assert!(crate::webhook::sequence::unretried(&retried).is_empty());
        let new_id = [refused(0, ID), attempt(1, id2, &queued, |_| {})];
        assert_eq!(
            failed(&new_id, "webhook_delivery_id"),
            Some(Binding::Contract)
        );
        let other_body = [refused(0, ID), attempt(1, ID, &connected, |_| {})];
        assert_eq!(
            failed(&other_body, "webhook_retry"),
            Some(Binding::Contract)
        );
    }
}
