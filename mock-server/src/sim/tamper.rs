//! A test-only hook on outgoing webhook attempts, for proving that a receiver's checks catch a
//! sender that misbehaves (the e2e crate's `WEBHOOK_DEVIANTS`).
//!
//! The hook is a field of [`crate::Config`] that no flag or environment variable sets
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use crate::Config;

    #[test]
    fn no_flag_or_environment_variable_installs_the_hook() {
        assert!(Config::parse_from(["vici-mock"]).outgoing_hook.is_none());
        let cmd = Config::command();
        assert!(
            cmd.get_arguments().all(|a| a.get_id() != "outgoing_hook"
                && a.get_env()
                    .is_none_or(|e| !e.to_string_lossy().contains("OUTGOING"))),
            "the hook is settable from outside"
        );
        let help = cmd.clone().render_long_help().to_string().to_lowercase();
        assert!(
            !help.contains("tamper") && !help.contains("outgoing"),
            "{help}"
        );
    }
}
