//! What a run offers the scenarios: the capabilities a scenario may `require`, which of them
//! hold here, and why a missing one makes a scenario skipped or not applicable.

use std::collections::BTreeMap;

use super::model::{Capability, Scenario};
use crate::context::Shared;
use crate::events::ScenarioStatus;
use crate::fixtures::Fixtures;

/// What the run offers the scenarios.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// Which capabilities hold.
    pub have: Vec<Capability>,
    /// Capabilities that do not hold because of how the target was set up on purpose, with
    /// the reason: a scenario that needs one is not applicable (rather than skipped).
    pub inapplicable: BTreeMap<Capability, String>,
}

/// v1's rate limit, which the rate-limit suite tests (D-RATE).
const V1_RATE_LIMIT: u64 = 300;

impl Capabilities {
    /// What a run with `shared`'s settings and `fx`'s fixtures offers.
    pub(crate) fn of(shared: &Shared, fx: &Fixtures) -> Capabilities {
        let policy = shared.exec.target.guard().policy();
        let mut have = Vec::new();
        let mut inapplicable = BTreeMap::new();
        if !policy.read_only {
            have.push(Capability::Writes);
        }
        if shared.exec.target.config.api_key_b.is_some() {
            have.push(Capability::SecondKey);
        }
        if fx.recording.is_some() {
            have.push(Capability::Recording);
        }
        if shared.is_mock() {
            have.push(Capability::ControlApi);
        }
        if !policy.read_only && shared.exec.target.guard().purchases_left() != Some(0) {
            have.push(Capability::Spending);
        }
        if !policy.read_only && shared.exec.target.guard().imports_left() != Some(0) {
            have.push(Capability::Imports);
        }
        if shared.mock.as_ref().is_some_and(|m| m.open_keys) {
            inapplicable.insert(
                Capability::IssuedKeys,
                "the mock's open key policy gives any well-formed key a workspace \
                 (start it with --key-policy strict to test unknown keys)"
                    .to_owned(),
            );
        } else {
            have.push(Capability::IssuedKeys);
        }
        match shared.mock.as_ref().map(|m| m.rate_limit) {
            // A mock at v1's limit costs nothing to exhaust: its clock is virtual.
            Some(Some(V1_RATE_LIMIT)) => have.push(Capability::RateLimit),
            Some(Some(n)) => {
                inapplicable.insert(
                    Capability::RateLimit,
                    format!(
                        "the mock admits {n} requests a minute, not v1's {V1_RATE_LIMIT} \
                         (start it without --rate-limit to test the limit)"
                    ),
                );
            }
            _ if shared.cfg.safety.exhaust_rate_limit => have.push(Capability::RateLimit),
            _ => {}
        }
        if let Some(endpoint) = shared.webhook_endpoint {
            have.push(Capability::WebhookReceiver);
            match endpoint {
                crate::webhook::Endpoint::Configured => have.push(Capability::ConfiguredEndpoint),
                crate::webhook::Endpoint::Registered => {
                    inapplicable.insert(
                        Capability::ConfiguredEndpoint,
                        "vici-mock's events are caused through its control API, by the other \
                         webhook scenarios"
                            .to_owned(),
                    );
                }
            }
        }
        Capabilities { have, inapplicable }
    }

    /// Why `sc` cannot run here, and whether that makes it not applicable (rather than skipped).
    pub(super) fn missing(&self, sc: &Scenario) -> Option<(ScenarioStatus, String)> {
        let missing: Vec<Capability> = sc
            .requires
            .iter()
            .copied()
            .filter(|c| !self.have.contains(c))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
        let why: Vec<String> = missing
            .iter()
            .map(|c| {
                if let Some(r) = self.inapplicable.get(c) {
                    return r.clone();
                }
                match c {
                    Capability::Writes => "the run is read-only",
                    Capability::SecondKey => "no --api-key-b",
                    Capability::Recording => "the target has no call with a recording",
                    Capability::ControlApi => "no control API (--control-url of vici-mock)",
                    Capability::Spending => "purchases are off (--allow-purchases N)",
                    Capability::Imports => "CSV imports are off (--allow-imports N)",
                    Capability::IssuedKeys => "the target gives any key a workspace",
                    Capability::WebhookReceiver | Capability::ConfiguredEndpoint => {
                        "no webhook receiver: configure http://ADDR/webhooks at the target as an \
                         endpoint (--webhook-listen ADDR) and pass its secret (--webhook-secret)"
                    }
                    Capability::RateLimit => {
                        "it spends the key's whole rate limit, about a minute and 301 requests \
                         (add --include rate-limit)"
                    }
                }
                .to_owned()
            })
            .collect();
        // Only what the target was set up to do on purpose makes a scenario inapplicable; any
        // other missing capability is a skip.
        let status = if missing.iter().all(|c| self.inapplicable.contains_key(c)) {
            ScenarioStatus::NotApplicable
        } else {
            ScenarioStatus::Skipped
        };
        Some((
            status,
            format!("needs {}: {}", names.join(", "), why.join("; ")),
        ))
    }
}
