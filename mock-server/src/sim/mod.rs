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
pub(crate) mod lifecycle;
mod schedule;
pub(crate) mod signature;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use parking_lot::Mutex;
use rand::{RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::{AppState, Shared};
use crate::store::Workspace;
use crate::store::ids::Kind;
use delivery::{Attempt, Delivery, DeliveryState, Outgoing};
use endpoints::Endpoint;
use lifecycle::CallStep;
use schedule::Schedule;
use signature::SignatureScheme;

/// Deliveries kept in the log; beyond this the oldest finished ones are forgotten (pending ones
/// never are).
const MAX_DELIVERIES: usize = 10_000;

/// How long out-of-order chaos holds a delivery back when no other delivery overtakes it.
const REORDER_HOLD_MS: i64 = 60_000;

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
    /// Refuses rates outside 0..=1.
    pub(crate) fn check(&self) -> Result<(), String> {
        for (name, r) in [
            ("duplicateRate", self.duplicate_rate),
            ("reorderRate", self.reorder_rate),
        ] {
            if !(0.0..=1.0).contains(&r) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if self.fail_first_attempts >= delivery::MAX_ATTEMPTS {
            return Err(format!(
                "failFirstAttempts must be below {} (the attempts a delivery gets)",
                delivery::MAX_ATTEMPTS
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
}

/// The mutable part, behind one lock that is never held across an `.await`.
struct SimState {
    schedule: Schedule<Job>,
    endpoints: Vec<Endpoint>,
    next_endpoint: u64,
    deliveries: BTreeMap<u64, Delivery>,
    delivery_by_id: HashMap<uuid::Uuid, u64>,
    next_delivery: u64,
    counters: HashMap<String, Counters>,
    campaigns: Vec<campaigns::Campaign>,
    chaos: WebhookChaos,
    /// Per endpoint, the delivery held back for out-of-order chaos.
    held: HashMap<String, u64>,
    /// Delivery ids and chaos draws, seeded.
    rng: ChaCha8Rng,
}

/// An event as emitted: its payload and the deliveries it made.
#[derive(Debug, Clone)]
pub(crate) struct Emitted {
    pub(crate) payload: Value,
    pub(crate) deliveries: Vec<uuid::Uuid>,
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

impl From<lifecycle::Invalid> for SimError {
    fn from(i: lifecycle::Invalid) -> SimError {
        SimError::Invalid {
            field: i.field,
            reason: i.reason,
        }
    }
}

impl From<endpoints::Invalid> for SimError {
    fn from(i: endpoints::Invalid) -> SimError {
        SimError::Invalid {
            field: i.field,
            reason: i.reason,
        }
    }
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

/// A new endpoint's settings (control API and settings page).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct EndpointRequest {
    pub(crate) key: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) events: Option<Vec<String>>,
    pub(crate) enabled: Option<bool>,
}

/// Filters of the delivery log.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryFilter {
    pub(crate) key: Option<String>,
    pub(crate) endpoint_id: Option<String>,
    pub(crate) event_type: Option<String>,
    pub(crate) call_id: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) limit: Option<usize>,
}

impl Sim {
    /// A simulation with the command line's endpoints (for every workspace).
    pub(crate) fn new(settings: SimSettings, cli_urls: &[String], cli_secret: &str) -> Sim {
        crate::install_crypto();
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
                created_ms: 0,
            })
            .collect();
        Sim {
            state: Mutex::new(SimState {
                schedule: Schedule::default(),
                endpoints,
                next_endpoint: 1,
                deliveries: BTreeMap::new(),
                delivery_by_id: HashMap::new(),
                next_delivery: 1,
                counters: HashMap::new(),
                campaigns: Vec::new(),
                chaos: WebhookChaos::default(),
                held: HashMap::new(),
                rng: ChaCha8Rng::seed_from_u64(crate::store::seed::mix(settings.seed, 0x5eb_400c)),
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
    pub(crate) async fn run_due(&self, app: &AppState) {
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

    fn call_step(&self, app: &AppState, key: &str, seq: u32, step: CallStep, due_ms: i64) {
        let Some(ws) = app.store.existing(key) else {
            return;
        };
        let mut ws = ws.write();
        let at_s = due_ms.div_euclid(1000);
        let Some((event, next)) = lifecycle::apply(&mut ws, seq, step, at_s) else {
            return;
        };
        let data = events::call_data(&ws, seq);
        let call_id = ws.id(Kind::Call, seq);
        self.emit(app, &ws, event, data, due_ms, Some(call_id));
        if let Some((at, step)) = next {
            self.push(
                at * 1000,
                Job::Call {
                    key: key.to_owned(),
                    seq,
                    step,
                },
            );
        }
    }

    /// Emits one event of `ws`: mints its id, builds the payload and makes one delivery per
    /// endpoint that wants it, each with a first attempt due at `at_ms`.
    fn emit(
        &self,
        app: &AppState,
        ws: &Workspace,
        event_type: &str,
        data: Value,
        at_ms: i64,
        call_id: Option<String>,
    ) -> Emitted {
        let mut st = self.state.lock();
        let counters = st.counters.entry(ws.key.clone()).or_default();
        let n = counters.events;
        counters.events += 1;
        let id = ws.id(Kind::Event, n);
        let payload = events::payload(&id, event_type, at_ms, data);
        if app.config.validate_responses
            && let Some(hook) = app.contract.webhook(event_type)
        {
            let violations = hook.payload.validator.violations(&payload);
            if !violations.is_empty() {
                tracing::error!(
                    target: "vici_mock::webhooks",
                    event = event_type,
                    ?violations,
                    "event payload does not match the contract"
                );
            }
        }
        let body = bytes::Bytes::from(serde_json::to_vec(&payload).unwrap_or_default());
        let targets: Vec<String> = st
            .endpoints
            .iter()
            .filter(|e| e.wants(&ws.key, event_type))
            .map(|e| e.id.clone())
            .collect();
        let mut made = Vec::with_capacity(targets.len());
        for endpoint in targets {
            let dseq = st.next_delivery;
            st.next_delivery += 1;
            let uuid = uuid::Builder::from_random_bytes(st.rng.random()).into_uuid();
            st.deliveries.insert(
                dseq,
                Delivery {
                    seq: dseq,
                    id: uuid,
                    key: ws.key.clone(),
                    endpoint_id: endpoint.clone(),
                    event_id: id.clone(),
                    event_type: event_type.to_owned(),
                    call_id: call_id.clone(),
                    body: body.clone(),
                    created_ms: at_ms,
                    attempts: Vec::new(),
                    state: DeliveryState::Pending,
                    next_attempt_ms: Some(at_ms),
                    held: false,
                },
            );
            st.delivery_by_id.insert(uuid, dseq);
            st.schedule.push(
                at_ms,
                Job::Attempt {
                    delivery: dseq,
                    endpoint,
                    manual: false,
                },
            );
            made.push(uuid);
        }
        trim_log(&mut st);
        drop(st);
        if !made.is_empty() {
            self.wake.notify_one();
        }
        Emitted {
            payload,
            deliveries: made,
        }
    }

    async fn attempt(&self, app: &AppState, dseq: u64, endpoint: &str, manual: bool, due: i64) {
        // Copy what the attempt needs, deciding chaos faults, under the lock.
        let (out, number, fault) = {
            let mut st = self.state.lock();
            let chaos = st.chaos.clone();
            let Some(d) = st.deliveries.get(&dseq) else {
                return;
            };
            // A retry made stale by a manual redelivery that succeeded, or rescheduled.
            if !manual && (d.state != DeliveryState::Pending || d.next_attempt_ms != Some(due)) {
                return;
            }
            let number = d.attempts.len() as u32 + 1;
            let first = d.attempts.is_empty();
            let salt = d.salt();
            let Some(ep) = st.endpoints.iter().find(|e| e.id == endpoint).cloned() else {
                let now = app.clock.now_ms();
                if let Some(d) = st.deliveries.get_mut(&dseq) {
                    d.attempts.push(Attempt {
                        number,
                        at: now,
                        timestamp: now.div_euclid(1000),
                        response_code: None,
                        latency_ms: 0,
                        outcome: "failed",
                        error: Some("the endpoint was removed".into()),
                        manual,
                        chaos: None,
                    });
                    // A delivered event stays delivered; only an undelivered one has failed.
                    if d.state != DeliveryState::Delivered {
                        d.state = DeliveryState::Failed;
                    }
                    d.next_attempt_ms = None;
                }
                return;
            };
            // Out of order: hold a first attempt back until the next delivery to this endpoint
            // has gone out (or for REORDER_HOLD_MS, if none comes).
            let held_once = st.deliveries.get(&dseq).is_some_and(|d| d.held);
            if first
                && !manual
                && !held_once
                && chaos.reorder_rate > 0.0
                && !st.held.contains_key(endpoint)
                && st.rng.random_bool(chaos.reorder_rate)
            {
                let at = due + REORDER_HOLD_MS;
                if let Some(d) = st.deliveries.get_mut(&dseq) {
                    d.next_attempt_ms = Some(at);
                    d.held = true;
                }
                st.held.insert(endpoint.to_owned(), dseq);
                st.schedule.push(
                    at,
                    Job::Attempt {
                        delivery: dseq,
                        endpoint: endpoint.to_owned(),
                        manual: false,
                    },
                );
                return;
            }
            let fault =
                (!manual && number <= chaos.fail_first_attempts).then_some("failed_first_attempt");
            let _ = salt;
            // A held delivery going out on its own (its hold ran out) is no longer held.
            if st.held.get(endpoint) == Some(&dseq) {
                st.held.remove(endpoint);
            }
            let d = &st.deliveries[&dseq];
            let out = Outgoing {
                url: ep.url.clone(),
                secret: ep.secret.clone(),
                delivery_id: d.id,
                event_type: d.event_type.clone(),
                body: d.body.clone(),
            };
            let out = if ep.enabled || manual {
                Some(out)
            } else {
                None
            };
            (out, number, fault)
        };
        // A scheduled attempt happens at its time on the virtual clock (one clock jump runs a
        // whole backlog, each attempt at its own time); a manual one now.
        let now = if manual { app.clock.now_ms() } else { due };
        let t = now.div_euclid(1000);
        let answer = match (&out, fault) {
            (Some(out), None) => {
                delivery::send(
                    &self.client,
                    out,
                    t,
                    self.settings.scheme,
                    self.settings.timeout,
                )
                .await
            }
            (_, Some(_)) => delivery::Answer {
                response_code: None,
                latency_ms: 0,
                error: Some("not sent: chaos failFirstAttempts".into()),
            },
            (None, None) => delivery::Answer {
                response_code: None,
                latency_ms: 0,
                error: Some("not sent: the endpoint is disabled".into()),
            },
        };
        let delivered = answer.delivered();
        let duplicate = {
            let mut st = self.state.lock();
            let dup_rate = st.chaos.duplicate_rate;
            let Some(d) = st.deliveries.get_mut(&dseq) else {
                return;
            };
            d.attempts.push(Attempt {
                number,
                at: now,
                timestamp: t,
                response_code: answer.response_code,
                latency_ms: answer.latency_ms,
                outcome: if delivered { "delivered" } else { "failed" },
                error: answer.error.clone(),
                manual,
                chaos: fault,
            });
            let salt = d.salt();
            if delivered {
                d.state = DeliveryState::Delivered;
                d.next_attempt_ms = None;
            } else if manual {
                // A manual attempt is one shot; a pending delivery keeps its schedule.
            } else {
                match delivery::retry_delay_ms(number, salt) {
                    Some(delay) => {
                        d.next_attempt_ms = Some(now + delay);
                        st.schedule.push(
                            now + delay,
                            Job::Attempt {
                                delivery: dseq,
                                endpoint: endpoint.to_owned(),
                                manual: false,
                            },
                        );
                    }
                    None => {
                        d.state = DeliveryState::Failed;
                        d.next_attempt_ms = None;
                    }
                }
            }
            // The delivery this endpoint held back goes out right after this one.
            if let Some(h) = st.held.get(endpoint).copied().filter(|&h| h != dseq) {
                st.held.remove(endpoint);
                if let Some(d) = st.deliveries.get_mut(&h) {
                    d.next_attempt_ms = Some(due);
                }
                st.schedule.push(
                    due,
                    Job::Attempt {
                        delivery: h,
                        endpoint: endpoint.to_owned(),
                        manual: false,
                    },
                );
            }
            delivered && !manual && dup_rate > 0.0 && st.rng.random_bool(dup_rate)
        };
        if duplicate && let Some(out) = &out {
            let answer = delivery::send(
                &self.client,
                out,
                t,
                self.settings.scheme,
                self.settings.timeout,
            )
            .await;
            let mut st = self.state.lock();
            if let Some(d) = st.deliveries.get_mut(&dseq) {
                d.attempts.push(Attempt {
                    number: number + 1,
                    at: now,
                    timestamp: t,
                    response_code: answer.response_code,
                    latency_ms: answer.latency_ms,
                    outcome: if answer.delivered() {
                        "delivered"
                    } else {
                        "failed"
                    },
                    error: answer.error,
                    manual: false,
                    chaos: Some("duplicate"),
                });
            }
        }
    }

    // ----- calls -----

    /// Starts a simulated call in `key`'s workspace (`POST /_mock/calls`); returns its slot.
    pub(crate) fn start_call(
        &self,
        app: &AppState,
        ws: &mut Workspace,
        req: &lifecycle::CallRequest,
    ) -> Result<u32, SimError> {
        let planned = lifecycle::plan(ws, req)?;
        Ok(self.place_call(app, ws, &planned, now_whole_ms(app)))
    }

    fn place_call(
        &self,
        app: &AppState,
        ws: &mut Workspace,
        planned: &lifecycle::Planned,
        now_ms: i64,
    ) -> u32 {
        // Every time of a call is a whole second (the wire has second precision), and its
        // events and steps must agree on them, or a step due at the floored second could run
        // before the queued event due a few milliseconds later.
        let now_s = now_ms.div_euclid(1000);
        let seq = lifecycle::insert(ws, planned, now_s);
        let data = events::call_data(ws, seq);
        let call_id = ws.id(Kind::Call, seq);
        self.emit(
            app,
            ws,
            lifecycle::QUEUED,
            data,
            now_s * 1000,
            Some(call_id),
        );
        self.push(
            (now_s + i64::from(planned.ring_sec)) * 1000,
            Job::Call {
                key: ws.key.clone(),
                seq,
                step: planned.first,
            },
        );
        seq
    }

    // ----- campaigns -----

    /// Starts a campaign (`POST /_mock/campaigns`); returns its slot.
    pub(crate) fn start_campaign(
        &self,
        app: &AppState,
        ws: &Workspace,
        req: &campaigns::CampaignRequest,
    ) -> Result<u32, SimError> {
        let now = now_whole_ms(app);
        let seq = {
            let st = self.state.lock();
            st.counters.get(&ws.key).map_or(0, |c| c.campaigns)
        };
        let campaign = campaigns::plan(ws, req, seq, &ws.key, now)?;
        let data = events::campaign_data(&campaign, ws);
        {
            let mut st = self.state.lock();
            st.counters.entry(ws.key.clone()).or_default().campaigns += 1;
            st.campaigns.push(campaign);
        }
        self.emit(app, ws, "campaign.started", data, now, None);
        self.push(
            now,
            Job::Campaign {
                key: ws.key.clone(),
                seq,
            },
        );
        Ok(seq)
    }

    fn campaign_step(&self, app: &AppState, key: &str, seq: u32, due_ms: i64) {
        let Some(ws) = app.store.existing(key) else {
            return;
        };
        let mut ws = ws.write();
        let at_s = due_ms.div_euclid(1000);
        let (decision, campaign) = {
            let mut st = self.state.lock();
            let Some(c) = st
                .campaigns
                .iter_mut()
                .find(|c| c.key == key && c.seq == seq)
            else {
                return;
            };
            if c.status != campaigns::Status::Running {
                return;
            }
            (campaigns::step(c, &ws, at_s), c.clone())
        };
        match decision {
            campaigns::Step::Completed => {}
            campaigns::Step::Paused => {
                let data = events::campaign_data(&campaign, &ws);
                self.emit(app, &ws, "campaign.compliance_paused", data, due_ms, None);
            }
            campaigns::Step::Call(contact) => {
                let req = lifecycle::CallRequest {
                    contact_id: Some(ws.id(Kind::Contact, contact)),
                    agent_id: Some(ws.id(Kind::Agent, campaign.agent)),
                    phone_number_id: campaign.number.map(|n| ws.id(Kind::PhoneNumber, n)),
                    duration_sec: Some(campaign.duration_sec.unwrap_or_else(|| {
                        // Talk times vary per contact, deterministically.
                        30 + (crate::store::seed::mix(ws.seed, u64::from(contact)) % 240) as u32
                    })),
                    ..Default::default()
                };
                match lifecycle::plan(&ws, &req) {
                    Ok(planned) => {
                        let call = self.place_call(app, &mut ws, &planned, due_ms);
                        let mut st = self.state.lock();
                        if let Some(c) = st
                            .campaigns
                            .iter_mut()
                            .find(|c| c.key == key && c.seq == seq)
                        {
                            c.calls.push(call);
                        }
                    }
                    Err(e) => {
                        // The agent was deleted mid-campaign, say: the campaign ends.
                        tracing::warn!(target: "vici_mock::campaigns", campaign = seq, reason = %e.reason, "campaign stopped");
                        let mut st = self.state.lock();
                        if let Some(c) = st
                            .campaigns
                            .iter_mut()
                            .find(|c| c.key == key && c.seq == seq)
                        {
                            c.status = campaigns::Status::Completed;
                        }
                        return;
                    }
                }
                self.push(
                    due_ms + i64::from(campaign.spacing_sec) * 1000,
                    Job::Campaign {
                        key: key.to_owned(),
                        seq,
                    },
                );
            }
        }
    }

    /// Resumes a paused campaign.
    pub(crate) fn resume_campaign(
        &self,
        app: &AppState,
        key: &str,
        seq: u32,
    ) -> Result<(), SimError> {
        let mut st = self.state.lock();
        let c = st
            .campaigns
            .iter_mut()
            .find(|c| c.key == key && c.seq == seq)
            .ok_or_else(|| SimError::NotFound("no such campaign in this workspace".into()))?;
        if !campaigns::resume(c) {
            return Err(SimError::Conflict(format!(
                "the campaign is {}, not compliance_paused",
                c.status.as_str()
            )));
        }
        st.schedule.push(
            now_whole_ms(app),
            Job::Campaign {
                key: key.to_owned(),
                seq,
            },
        );
        drop(st);
        self.wake.notify_one();
        Ok(())
    }

    /// The campaigns of `key`, as the control API shows them.
    pub(crate) fn campaigns_view(&self, ws: &Workspace, seq: Option<u32>) -> Vec<Value> {
        let st = self.state.lock();
        st.campaigns
            .iter()
            .filter(|c| c.key == ws.key && seq.is_none_or(|s| s == c.seq))
            .map(|c| campaigns::control_view(c, ws))
            .collect()
    }

    // ----- events -----

    /// Emits any event type with sample data and overrides (`POST /_mock/events`).
    pub(crate) fn trigger(
        &self,
        app: &AppState,
        ws: &Workspace,
        req: events::TriggerRequest,
    ) -> Result<Emitted, SimError> {
        let event_type = req.event_type.as_deref().unwrap_or_default();
        let Some(hook) = app.contract.webhook(event_type) else {
            return Err(SimError::Invalid {
                field: "type",
                reason: format!(
                    "'{event_type}' is not an event type of the contract ({})",
                    app.contract
                        .webhooks()
                        .iter()
                        .map(|w| w.event_type.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        let now = now_whole_ms(app);
        let campaign_seq = {
            let mut st = self.state.lock();
            let c = st.counters.entry(ws.key.clone()).or_default();
            // A triggered campaign event names a campaign id of its own.
            let s = c.campaigns;
            if event_type.starts_with("campaign.") {
                c.campaigns += 1;
            }
            s
        };
        let mut data =
            events::sample_data(ws, event_type, req.call_id.as_deref(), campaign_seq, now)
                .map_err(|(field, reason)| SimError::Invalid { field, reason })?;
        if let Some(over) = req.data {
            if !over.is_object() {
                return Err(SimError::Invalid {
                    field: "data",
                    reason: "must be an object (merged into the event's data)".into(),
                });
            }
            events::merge(&mut data, over);
        }
        if req.validate.unwrap_or(true) {
            let probe = events::payload(&ws.id(Kind::Event, 0), event_type, now, data.clone());
            let violations = hook.payload.validator.violations(&probe);
            if let Some(v) = violations.first() {
                return Err(SimError::Invalid {
                    field: "data",
                    reason: format!(
                        "the payload would not match the contract's {event_type} schema at '{}': {} (send \"validate\": false to emit it anyway)",
                        v.instance_pointer, v.message
                    ),
                });
            }
        }
        let call_id = data
            .pointer("/call/id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(self.emit(app, ws, event_type, data, now, call_id))
    }

    // ----- endpoints -----

    /// The endpoints `key` sees (all with `None`).
    pub(crate) fn endpoints(&self, key: Option<&str>) -> Vec<Endpoint> {
        self.state
            .lock()
            .endpoints
            .iter()
            .filter(|e| e.visible_to(key))
            .cloned()
            .collect()
    }

    /// Adds an endpoint to `key`'s workspace.
    pub(crate) fn add_endpoint(
        &self,
        key: &str,
        req: &EndpointRequest,
        now_ms: i64,
    ) -> Result<Endpoint, SimError> {
        let url = req.url.as_deref().ok_or(SimError::Invalid {
            field: "url",
            reason: "required".into(),
        })?;
        endpoints::check_url(url)?;
        let events = endpoints::check_events(req.events.as_deref().unwrap_or(&[]))?;
        let mut st = self.state.lock();
        let n = st.next_endpoint;
        st.next_endpoint += 1;
        let secret = match &req.secret {
            Some(s) => {
                endpoints::check_secret(s)?;
                s.clone()
            }
            None => format!(
                "whsec_{:016x}",
                crate::store::seed::mix(self.settings.seed, n ^ 0x5ec)
            ),
        };
        let ep = Endpoint {
            id: format!("whk_{n:06}"),
            key: Some(key.to_owned()),
            url: url.to_owned(),
            secret,
            events,
            enabled: req.enabled.unwrap_or(true),
            created_ms: now_ms,
        };
        st.endpoints.push(ep.clone());
        Ok(ep)
    }

    /// Changes an endpoint of `key` (only the fields given).
    pub(crate) fn update_endpoint(
        &self,
        key: Option<&str>,
        id: &str,
        req: &EndpointRequest,
    ) -> Result<Endpoint, SimError> {
        if let Some(url) = &req.url {
            endpoints::check_url(url)?;
        }
        if let Some(secret) = &req.secret {
            endpoints::check_secret(secret)?;
        }
        let events = req
            .events
            .as_deref()
            .map(endpoints::check_events)
            .transpose()?;
        let mut st = self.state.lock();
        let ep = find_managed(&mut st.endpoints, key, id)?;
        if let Some(url) = &req.url {
            ep.url = url.clone();
        }
        if let Some(secret) = &req.secret {
            ep.secret = secret.clone();
        }
        if let Some(events) = events {
            ep.events = events;
        }
        if let Some(enabled) = req.enabled {
            ep.enabled = enabled;
        }
        Ok(ep.clone())
    }

    /// Removes an endpoint of `key`; its pending deliveries fail at their next attempt.
    pub(crate) fn remove_endpoint(&self, key: Option<&str>, id: &str) -> Result<(), SimError> {
        let mut st = self.state.lock();
        find_managed(&mut st.endpoints, key, id)?;
        st.endpoints.retain(|e| e.id != id);
        Ok(())
    }

    // ----- the delivery log -----

    /// Deliveries matching `f`, newest first, and how many matched.
    pub(crate) fn deliveries(&self, f: &DeliveryFilter) -> (usize, Vec<Value>) {
        let st = self.state.lock();
        let limit = f.limit.unwrap_or(100);
        let mut total = 0;
        let mut out = Vec::new();
        for d in st.deliveries.values().rev() {
            let state = match d.state {
                DeliveryState::Pending => "pending",
                DeliveryState::Delivered => "delivered",
                DeliveryState::Failed => "failed",
            };
            let keep = f.key.as_deref().is_none_or(|k| k == d.key)
                && f.endpoint_id.as_deref().is_none_or(|e| e == d.endpoint_id)
                && f.event_type.as_deref().is_none_or(|t| t == d.event_type)
                && f.call_id
                    .as_deref()
                    .is_none_or(|c| d.call_id.as_deref() == Some(c))
                && f.state.as_deref().is_none_or(|s| s == state);
            if keep {
                total += 1;
                if out.len() < limit {
                    out.push(d.to_json());
                }
            }
        }
        (total, out)
    }

    /// One delivery.
    pub(crate) fn delivery(&self, id: &str) -> Option<Value> {
        let uuid = uuid::Uuid::parse_str(id).ok()?;
        let st = self.state.lock();
        let seq = st.delivery_by_id.get(&uuid)?;
        st.deliveries.get(seq).map(Delivery::to_json)
    }

    /// Schedules a manual attempt of a delivery, due now.
    pub(crate) fn redeliver(&self, app: &AppState, id: &str) -> Result<(), SimError> {
        let not_found = || SimError::NotFound(format!("no delivery '{id}' in the log"));
        let uuid = uuid::Uuid::parse_str(id).map_err(|_| not_found())?;
        let mut st = self.state.lock();
        let seq = *st.delivery_by_id.get(&uuid).ok_or_else(not_found)?;
        let endpoint = st
            .deliveries
            .get(&seq)
            .map(|d| d.endpoint_id.clone())
            .ok_or_else(not_found)?;
        st.schedule.push(
            app.clock.now_ms(),
            Job::Attempt {
                delivery: seq,
                endpoint,
                manual: true,
            },
        );
        drop(st);
        self.wake.notify_one();
        Ok(())
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
fn now_whole_ms(app: &AppState) -> i64 {
    app.clock.now_ms().div_euclid(1000) * 1000
}

/// The endpoint `id` if `key` may manage it (command-line endpoints are managed by nobody).
fn find_managed<'a>(
    endpoints: &'a mut [Endpoint],
    key: Option<&str>,
    id: &str,
) -> Result<&'a mut Endpoint, SimError> {
    let ep = endpoints
        .iter_mut()
        .find(|e| e.id == id && e.visible_to(key))
        .ok_or_else(|| SimError::NotFound(format!("no webhook endpoint '{id}'")))?;
    if ep.key.is_none() {
        return Err(SimError::Conflict(
            "endpoints given with --webhook are fixed for the life of the process".into(),
        ));
    }
    Ok(ep)
}

/// Forgets the oldest finished deliveries beyond [`MAX_DELIVERIES`].
fn trim_log(st: &mut SimState) {
    if st.deliveries.len() <= MAX_DELIVERIES {
        return;
    }
    let excess = st.deliveries.len() - MAX_DELIVERIES;
    let drop: Vec<u64> = st
        .deliveries
        .values()
        .filter(|d| d.state != DeliveryState::Pending)
        .take(excess)
        .map(|d| d.seq)
        .collect();
    for seq in drop {
        if let Some(d) = st.deliveries.remove(&seq) {
            st.delivery_by_id.remove(&d.id);
        }
    }
}

/// Runs due jobs for as long as the server lives: wakes when a job is added, when the clock is
/// moved, and (while the clock runs) when the next job is due in real time.
pub(crate) async fn drive(app: Shared) {
    let mut clock = app.clock.subscribe();
    loop {
        app.sim.run_due(&app).await;
        let wait = match app.sim.next_due() {
            Some(due) if !app.clock.is_frozen() => Some(Duration::from_millis(
                (due - app.clock.now_ms()).clamp(0, 60_000) as u64 + 1,
            )),
            _ => None,
        };
        tokio::select! {
            changed = clock.changed() => if changed.is_err() { return },
            () = app.sim.wake.notified() => {}
            () = async {
                match wait {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}
