//! The run's webhook rig: one receiver, the secret its endpoint is registered with, the
//! endpoints registered through a control API, and the readings of the target's clock that
//! timestamps are judged against. The scenario engine drives it; this module knows nothing of
//! scenarios.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use parking_lot::Mutex;
use serde_json::Value;

use super::clock::{ClockReading, TargetClock};
use super::receiver::{Receiver, ReceiverConfig, ReceiverError};
use super::verify::Verification;

/// How a run receives webhooks (`--webhook-listen`, `--webhook-secret`, `--webhook-wait`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where the receiver listens; `127.0.0.1:0` (a free loopback port) by default.
    pub listen: SocketAddr,
    /// The secret of an endpoint the user configured at the target for the receiver. Without
    /// a control API, the receiver runs only with it.
    pub secret: Option<String>,
    /// How long an `await_event` waits by default: 5 s against a mock (which has sent all that
    /// is due before its control API answers), 120 s against a real target.
    pub wait: Option<std::time::Duration>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret: None,
            wait: None,
        }
    }
}

/// How the target learns where to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The runner registers the receiver through the target's control API (vici-mock).
    Registered,
    /// The user configured the receiver's URL at the target, with the secret they passed.
    Configured,
}

/// The receiver of one run and what goes with it.
pub struct Rig {
    /// The receiver.
    pub receiver: Receiver,
    /// The HMAC key the endpoint is registered with.
    pub secret: String,
    /// How the target learns the receiver's URL.
    pub endpoint: Endpoint,
    readings: Mutex<Vec<ClockReading>>,
    /// Per key: the control API's answer to the registration (with the endpoint's `id`).
    registered: Mutex<BTreeMap<String, Value>>,
}

impl Rig {
    /// Starts the receiver on `addr`. Without a `secret` (a mock, whose endpoint the runner
    /// registers) one is made from the run's seed, so a run can be repeated byte for byte.
    pub async fn start(
        addr: SocketAddr,
        secret: Option<String>,
        endpoint: Endpoint,
        seed: u64,
    ) -> Result<Rig, ReceiverError> {
        let receiver = Receiver::start(ReceiverConfig {
            addr,
            fail_first_attempt: false,
        })
        .await?;
        Ok(Rig {
            receiver,
            secret: secret.unwrap_or_else(|| format!("whsec_conformance_{seed:016x}")),
            endpoint,
            readings: Mutex::new(Vec::new()),
            registered: Mutex::new(BTreeMap::new()),
        })
    }

    /// Keeps a reading of the target's clock.
    pub fn note(&self, r: ClockReading) {
        self.readings.lock().push(r);
    }

    /// The target's clock: the readings kept, or the wall clock when there are none.
    pub fn clock(&self) -> TargetClock {
        let r = self.readings.lock();
        if r.is_empty() {
            TargetClock::Wall
        } else {
            TargetClock::Readings(r.clone())
        }
    }

    /// The verification of this rig's deliveries.
    pub fn verification(&self) -> Verification {
        Verification::new(self.secret.clone()).with_clock(self.clock())
    }

    /// The registration answer for `key`, if its workspace has the receiver registered.
    pub fn registration(&self, key: &str) -> Option<Value> {
        self.registered.lock().get(key).cloned()
    }

    /// Remembers that `key`'s workspace has the receiver registered, as `answer` says.
    pub fn remember(&self, key: &str, answer: Value) {
        self.registered.lock().insert(key.to_owned(), answer);
    }

    /// Every registration: the key and the endpoint id (for removing them at the end).
    pub fn registrations(&self) -> Vec<(String, String)> {
        self.registered
            .lock()
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.get("id")?.as_str()?.to_owned())))
            .collect()
    }
}
