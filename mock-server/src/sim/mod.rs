//! The simulation: call lifecycles, campaigns, events and signed webhook deliveries, all driven
//! by the virtual clock.
//!
//! Everything that happens later is a job in one [`Schedule`]: the next step of a call, the next
//! call of a campaign, a delivery attempt. [`Sim::run_due`] runs every job whose time has come, in
//! (time, insertion) order, one at a time. It runs
//! - after every control request that starts something or moves the clock (`POST /_mock/calls`,
//!   `/_mock/events`, `/_mock/campaigns`, clock advance, freeze and unfreeze), before the answer
//!   is sent: when `POST /_mock/clock/advance` returns, every transition and every first delivery
//!   attempt that was due by then has happened, so tests never wait or sleep;
//! - from a background task ([`drive`]) while the clock runs on its own, waking when the next job
//!   is due in real time.
//!
//! Deliveries are sent one at a time, in job order: the first attempts of one call's events go
//! out in lifecycle order, and a receiver sees the same sequence on every run. A receiver that
//! answers slowly holds the queue for up to `--webhook-timeout-ms`; that is the price of the
//! ordering. (A receiver must not call the control API's clock or trigger routes from inside its
//! handler: those wait for the queue, which waits for the handler, until the timeout.)

pub(crate) mod campaigns;
pub(crate) mod delivery;
pub(crate) mod endpoints;
pub(crate) mod events;
mod flows;
pub(crate) mod lifecycle;
mod outbox;
mod registry;
mod schedule;
pub(crate) mod signature;

pub(crate) use outbox::{DeliveryFilter, Emitted};
pub(crate) use registry::EndpointRequest;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use spec::Contract;

use crate::clock::Clock;
use crate::config::Config;
use crate::store::Store;
use delivery::Delivery;
use endpoints::Endpoint;
use lifecycle::CallStep;
use schedule::Schedule;
use signature::SignatureScheme;

/// Webhook faults for integrators to test against; all off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WebhookChaos {
    /// The first this-many attempts of every delivery are not sent (logged as failed), so the
    /// receiver only sees retries.
    #[serde(default)]
    pub(crate) fail_first_attempts: u32,
    /// Probability that a delivered event is sent once more (same delivery id).
    #[serde(default)]
    pub(crate) duplicate_rate: f64,
    /// Probability that a first attempt is held back until the next delivery to the same
    /// endpoint has gone out (out-of-order delivery; at most 60 s of virtual time).
    #[serde(default)]
    pub(crate) reorder_rate: f64,
}

impl WebhookChaos {
    /// Refuses rates outside 0..=1: the field (as the control API names it) and why.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        for (name, r) in [
            ("duplicateRate", self.duplicate_rate),
            ("reorderRate", self.reorder_rate),
        ] {
            if !(0.0..=1.0).contains(&r) {
                return Err((name, format!("must be between 0 and 1, not {r}")));
            }
        }
        if self.fail_first_attempts >= delivery::MAX_ATTEMPTS {
            return Err((
                "failFirstAttempts",
                format!(
                    "must be below {} (the attempts a delivery gets)",
                    delivery::MAX_ATTEMPTS
                ),
            ));
        }
        Ok(())
    }
}

/// Fixed settings of the simulation, from the command line.
#[derive(Debug, Clone)]
pub(crate) struct SimSettings {
    pub(crate) scheme: SignatureScheme,
    pub(crate) timeout: Duration,
    pub(crate) seed: u64,
    /// When the virtual clock starts (ms): the creation time of the `--webhook` endpoints.
    pub(crate) start_ms: i64,
    /// The test-only hook on outgoing attempts (`test_hooks.rs`); `None` outside tests.
    pub(crate) hook: Option<crate::test_hooks::OutgoingHook>,
}

/// Something that happens at a time.
#[derive(Debug, Clone)]
enum Job {
    /// The next step of a simulated call.
    Call {
        key: String,
        seq: u32,
        step: CallStep,
    },
    /// The next call (or compliance check) of a campaign.
    Campaign { key: String, seq: u32 },
    /// An attempt of a delivery (by log position).
    Attempt {
        delivery: u64,
        endpoint: String,
        manual: bool,
    },
}

impl Job {
    fn key(&self) -> Option<&str> {
        match self {
            Job::Call { key, .. } | Job::Campaign { key, .. } => Some(key),
            Job::Attempt { .. } => None,
        }
    }
}

/// Per-workspace counters of minted ids.
#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    events: u32,
    campaigns: u32,
    /// Webhook endpoints added to this workspace.
    endpoints: u32,
    /// Deliveries made for this workspace: the index of each one's draws (its id, its chaos).
    deliveries: u64,
}

/// The mutable part, behind one lock that is never held across an `.await`.
struct SimState {
    schedule: Schedule<Job>,
    endpoints: Vec<Endpoint>,
    deliveries: BTreeMap<u64, Delivery>,
    delivery_by_id: HashMap<uuid::Uuid, u64>,
    next_delivery: u64,
    counters: HashMap<String, Counters>,
    campaigns: Vec<campaigns::Campaign>,
    chaos: WebhookChaos,
    /// Per endpoint, the delivery held back for out-of-order chaos.
    held: HashMap<String, u64>,
}

/// Why a control request about the simulation was refused.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SimError {
    /// A body field is wrong (422, with the field).
    Invalid { field: &'static str, reason: String },
    /// No such thing (404).
    NotFound(String),
    /// Not possible in the current state (409).
    Conflict(String),
}

/// A refused request body: the field and why (turned into a 422 at `/field`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid {
    pub(crate) field: &'static str,
    pub(crate) reason: String,
}

/// An [`Invalid`].
pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Invalid {
    Invalid {
        field,
        reason: reason.into(),
    }
}

impl From<Invalid> for SimError {
    fn from(i: Invalid) -> SimError {
        SimError::Invalid {
            field: i.field,
            reason: i.reason,
        }
    }
}

/// What the simulation reads from the running mock: the workspaces, the virtual clock, the
/// contract (webhook payload schemas) and the configuration. Built from the application state by
/// `AppState::sim_env`, so the simulation does not depend on `state`.
pub(crate) struct Env<'a> {
    pub(crate) store: &'a Store,
    pub(crate) clock: &'a Clock,
    pub(crate) contract: &'static Contract,
    pub(crate) config: &'a Config,
}

/// The simulation of one running mock.
pub(crate) struct Sim {
    state: Mutex<SimState>,
    /// Serialises [`Sim::run_due`]: one job at a time, in order.
    run_lock: tokio::sync::Mutex<()>,
    /// Wakes the background driver when a job is added.
    wake: tokio::sync::Notify,
    client: reqwest::Client,
    settings: SimSettings,
}

impl Sim {
    /// A simulation with the command line's endpoints (for every workspace).
    pub(crate) fn new(settings: SimSettings, cli_urls: &[String], cli_secret: &str) -> Sim {
        install_crypto();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "vici-mock/",
                env!("CARGO_PKG_VERSION"),
                " (webhooks)"
            ))
            .build()
            .unwrap_or_default();
        let endpoints = cli_urls
            .iter()
            .enumerate()
            .map(|(i, url)| Endpoint {
                id: format!("whk_cli{:06}", i + 1),
                key: None,
                url: url.clone(),
                secret: cli_secret.to_owned(),
                events: Vec::new(),
                enabled: true,
                created_ms: settings.start_ms,
            })
            .collect();
        Sim {
            state: Mutex::new(SimState {
                schedule: Schedule::default(),
                endpoints,
                deliveries: BTreeMap::new(),
                delivery_by_id: HashMap::new(),
                next_delivery: 1,
                counters: HashMap::new(),
                campaigns: Vec::new(),
                chaos: WebhookChaos::default(),
                held: HashMap::new(),
            }),
            run_lock: tokio::sync::Mutex::new(()),
            wake: tokio::sync::Notify::new(),
            client,
            settings,
        }
    }

    /// The signature scheme deliveries use.
    pub(crate) fn scheme(&self) -> SignatureScheme {
        self.settings.scheme
    }

    /// Jobs waiting (for health and tests).
    pub(crate) fn pending_jobs(&self) -> usize {
        self.state.lock().schedule.len()
    }

    fn push(&self, due_ms: i64, job: Job) {
        self.state.lock().schedule.push(due_ms, job);
        self.wake.notify_one();
    }

    // ----- running jobs -----

    /// Runs every job due by now, in order (see the module documentation).
    pub(crate) async fn run_due(&self, app: &Env<'_>) {
        let _one_at_a_time = self.run_lock.lock().await;
        loop {
            let now = app.clock.now_ms();
            let next = self.state.lock().schedule.pop_due(now);
            let Some((due, job)) = next else { break };
            match job {
                Job::Call { key, seq, step } => self.call_step(app, &key, seq, step, due),
                Job::Campaign { key, seq } => self.campaign_step(app, &key, seq, due),
                Job::Attempt {
                    delivery,
                    endpoint,
                    manual,
                } => self.attempt(app, delivery, &endpoint, manual, due).await,
            }
        }
    }

    // ----- chaos, reset -----

    /// The webhook faults in force.
    pub(crate) fn chaos(&self) -> WebhookChaos {
        self.state.lock().chaos.clone()
    }

    /// Sets the webhook faults.
    pub(crate) fn set_chaos(&self, chaos: WebhookChaos) {
        self.state.lock().chaos = chaos;
    }

    /// Forgets one workspace's simulation: its scheduled steps, campaigns, endpoints, counters
    /// and deliveries. Command-line endpoints stay.
    pub(crate) fn forget_key(&self, key: &str) {
        let mut st = self.state.lock();
        st.schedule.retain(|j| j.key() != Some(key));
        st.campaigns.retain(|c| c.key != key);
        st.endpoints.retain(|e| e.key.as_deref() != Some(key));
        st.counters.remove(key);
        let gone: Vec<u64> = st
            .deliveries
            .values()
            .filter(|d| d.key == key)
            .map(|d| d.seq)
            .collect();
        for seq in gone {
            if let Some(d) = st.deliveries.remove(&seq) {
                st.delivery_by_id.remove(&d.id);
            }
        }
        let live: std::collections::HashSet<u64> = st.deliveries.keys().copied().collect();
        st.schedule.retain(|j| match j {
            Job::Attempt { delivery, .. } => live.contains(delivery),
            _ => true,
        });
    }

    /// Forgets every workspace's simulation.
    pub(crate) fn forget_all(&self) {
        let mut st = self.state.lock();
        st.schedule = Schedule::default();
        st.campaigns.clear();
        st.endpoints.retain(|e| e.key.is_none());
        st.counters.clear();
        st.held.clear();
        st.deliveries.clear();
        st.delivery_by_id.clear();
    }

    /// When the next job is due.
    fn next_due(&self) -> Option<i64> {
        self.state.lock().schedule.next_due()
    }
}

/// Now on the virtual clock, rounded down to the second: simulated times are whole seconds.
fn now_whole_ms(app: &Env<'_>) -> i64 {
    app.clock.now_ms().div_euclid(1000) * 1000
}

/// Runs due jobs for as long as the server lives: wakes when a job is added, when the clock is
/// moved, and (while the clock runs) when the next job is due in real time.
pub(crate) async fn drive(sim: &Sim, env: &Env<'_>) {
    let mut clock = env.clock.subscribe();
    loop {
        sim.run_due(env).await;
        let wait = match sim.next_due() {
            Some(due) if !env.clock.is_frozen() => Some(Duration::from_millis(
                (due - env.clock.now_ms()).clamp(0, 60_000) as u64 + 1,
            )),
            _ => None,
        };
        tokio::select! {
            changed = clock.changed() => if changed.is_err() { return },
            () = sim.wake.notified() => {}
            () = async {
                match wait {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}

/// Installs the process's TLS crypto provider (ring) for webhook deliveries to `https://` URLs.
/// Idempotent; a provider installed earlier (by an embedding program) is kept.
pub(crate) fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
