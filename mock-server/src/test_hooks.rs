//! Test-only hooks: a sender or a signer that misbehaves on purpose, for proving a runner's
//! checks (the e2e crate's `WEBHOOK_DEVIANTS` and recording deviants). Not reachable through the
//! `vici-mock` binary (see `Config::outgoing_hook` and `Config::signing_faults`).
//!
//! These are only the types, so that `config` can hold them without depending on the code that
//! applies them: the outgoing hook is applied in `sim/delivery.rs`, the signing faults in
//! `derive/signing.rs`.
//!
//! The outgoing hook is a field of [`crate::Config`] that no flag or environment variable sets
//! (`#[arg(skip)]`), so nothing of it is reachable through the `vici-mock` binary: only a
//! program that builds its configuration in code can install one. When none is installed (always,
//! outside tests) an attempt pays one `Option` check. Faults a user may ask for (failed first
//! attempts, duplicates, reordering) are chaos settings (D-CHAOS), not this hook.

use std::sync::Arc;

use bytes::Bytes;

/// One attempt as it is about to be signed and sent; the hook may change any field.
#[derive(Debug, Clone)]
pub struct Tamper {
    /// The attempt's number (1 for the first), for the hook to read.
    pub attempt: u32,
    /// The `X-VICIagent-Event` value.
    pub event_type: String,
    /// The `X-VICIagent-Delivery` value.
    pub delivery_id: uuid::Uuid,
    /// The `X-VICIagent-Timestamp` value and the signature's `t=`.
    pub timestamp: i64,
    /// The HMAC key.
    pub secret: String,
    /// The body that is sent, and signed unless `signed_body` says otherwise.
    pub body: Bytes,
    /// Bytes signed instead of `body` (a signature over the wrong bytes).
    pub signed_body: Option<Bytes>,
    /// Headers left out of the request, by name.
    pub omit_headers: Vec<String>,
    /// Whether the attempt is sent at all; an attempt not sent counts as failed.
    pub send: bool,
}

/// The hook: called once per attempt (duplicates sent by chaos included), under no lock.
#[derive(Clone)]
pub struct OutgoingHook(pub Arc<dyn Fn(&mut Tamper) + Send + Sync>);

impl OutgoingHook {
    /// A hook from a closure.
    pub fn new(f: impl Fn(&mut Tamper) + Send + Sync + 'static) -> OutgoingHook {
        OutgoingHook(Arc::new(f))
    }
}

impl std::fmt::Debug for OutgoingHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutgoingHook")
    }
}

/// Test-only faults of the signer, for proving that a runner catches a server that signs
/// badly (the e2e crate's deviants). No flag or environment variable sets them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigningFaults {
    /// A genuine signature past its expiry is accepted.
    pub ignore_expiry: bool,
    /// The signature covers only the expiry, not the path: one call's signature opens every
    /// call's recording.
    pub unbound_path: bool,
}
