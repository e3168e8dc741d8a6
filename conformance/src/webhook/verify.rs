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
