//! Webhooks: a receiver that records every delivery attempt, and the checks that judge them.
//!
//! A scenario that expects events starts a [`Receiver`], registers its [`Receiver::url`] and a
//! secret with the target, causes the events, awaits them ([`Receiver::wait_for`] with a
//! [`Matcher`], or [`Receiver::wait_for_retries`] when the receiver refuses first attempts),
//! then hands [`Receiver::recorded`] to [`Verification::verify`], which returns one [`Verdict`]
//! per check and subject. [`findings`] turns the verdicts into the runner's [`Finding`]s under
//! a profile.
//!
//! What is judged, and on what binding (spec/DECISIONS.md, D-WEBHOOK-SIGNATURE,
//! D-WEBHOOK-DELIVERY, D-RETRIES, D-WEBHOOK-CHECKS): the four headers and their forms; the
//! signature, which must verify as HMAC-SHA256(secret, body), the page's own rule (a signature
//! that verifies only over `"{t}.{body}"` fails at page level); the replay note, never a
//! failure, when the timestamp is outside the signature; `t=` against the timestamp header and
//! both against the target's clock; delivery ids (UUIDs, one per event, the same on retries);
//! the event header against the payload's `type`; the payload against the contract's schema
//! for its type; lifecycle order per call; and the retry of a refused first attempt.
//!
//! # Layout
//!
//! - `receiver`: the HTTP server, the record of attempts, waiting with deadlines.
//! - `matcher`: which attempts a wait is for (event type, payload pattern).
//! - `clock`: the target's clock (wall, or readings of the mock's virtual clock).
//! - `signature`: the scheme from `x-vici-webhook-signature`, HMAC, header parsing.
//! - `headers`: header names and `webhook_headers`.
//! - `attempt`: the checks of one attempt.
//! - `sequence`: the checks across attempts (delivery ids, order, retries).
//! - `rig`: the receiver of one run, its secret, registrations and clock readings.
//! - `verdict`: verdicts, their subjects, and findings under a profile.
//! - `verify`: all checks over a record.
//!
//! [`Finding`]: crate::finding::Finding

pub mod attempt;
pub mod clock;
pub mod headers;
pub mod matcher;
pub mod receiver;
pub mod rig;
pub mod sequence;
pub mod signature;
pub mod verdict;
pub mod verify;

pub use clock::{ClockReading, DEFAULT_TOLERANCE, TargetClock, read_mock_clock};
pub use matcher::Matcher;
pub use receiver::{Receiver, ReceiverConfig, ReceiverError, Recorded, Timeout};
pub use rig::{Endpoint, Rig};
pub use verdict::{INFORMATIONAL, Subject, Verdict, findings};
pub use verify::{CHECKS, Verification};
