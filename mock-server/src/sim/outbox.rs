//! The outbox: events become deliveries, deliveries become signed attempts, and the log keeps
//! every attempt (see `delivery.rs` for the schedule and the wire format).

use serde::Deserialize;
use serde_json::Value;

use super::Env;
use super::delivery::{self, Attempt, Delivery, DeliveryState, Outgoing};
use super::{Job, Sim, SimError, SimState, events};
use crate::store::Workspace;
use crate::store::ids::Kind;

/// Deliveries kept in the log; beyond this the oldest finished ones are forgotten (pending ones
/// never are).
const MAX_DELIVERIES: usize = 10_000;

/// How long out-of-order chaos holds a delivery back when no other delivery overtakes it.
const REORDER_HOLD_MS: i64 = 60_000;

/// An event as emitted: its payload and the deliveries it made.
#[derive(Debug, Clone)]
pub(crate) struct Emitted {
    pub(crate) payload: Value,
    pub(crate) deliveries: Vec<uuid::Uuid>,
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
    /// Emits one event of `ws`: mints its id, builds the payload and makes one delivery per
    /// endpoint that wants it, each with a first attempt due at `at_ms`.
    pub(super) fn emit(
        &self,
        app: &Env<'_>,
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
        let id = ws.id(Kind::Event, n).to_string();
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
            // Drawn from this workspace's own sequence: another key's traffic changes nothing.
            let counters = st.counters.entry(ws.key.clone()).or_default();
            let draws = crate::determinism::draw(ws.seed, "webhook delivery", counters.deliveries);
            counters.deliveries += 1;
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&crate::determinism::mix(draws, 1).to_le_bytes());
            bytes[8..].copy_from_slice(&crate::determinism::mix(draws, 2).to_le_bytes());
            let uuid = uuid::Builder::from_random_bytes(bytes).into_uuid();
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
                    draws,
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

    pub(super) async fn attempt(
        &self,
        app: &Env<'_>,
        dseq: u64,
        endpoint: &str,
        manual: bool,
        due: i64,
    ) {
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
            let draws = st.deliveries.get(&dseq).map_or(0, |d| d.draws);
            if first
                && !manual
                && !held_once
                && chaos.reorder_rate > 0.0
                && !st.held.contains_key(endpoint)
                && crate::determinism::chance(draws, "reorder", 0, chaos.reorder_rate)
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
        // The wire form of the attempt, after the test-only hook (none outside tests) had its say.
        let wire = out.as_ref().map(|o| {
            let mut a = o.attempt(number, t);
            if let Some(hook) = &self.settings.hook {
                (hook.0)(&mut a);
            }
            a
        });
        let answer = match (&out, &wire, fault) {
            (Some(out), Some(wire), None) if wire.send => {
                delivery::send(
                    &self.client,
                    &out.url,
                    wire,
                    self.settings.scheme,
                    self.settings.timeout,
                )
                .await
            }
            (Some(_), _, None) => delivery::Answer {
                response_code: None,
                latency_ms: 0,
                error: Some("not sent: held back by the test hook".into()),
            },
            (_, _, Some(_)) => delivery::Answer {
                response_code: None,
                latency_ms: 0,
                error: Some("not sent: chaos failFirstAttempts".into()),
            },
            (None, _, None) => delivery::Answer {
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
            let draws = d.draws;
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
            delivered
                && !manual
                && crate::determinism::chance(draws, "duplicate", u64::from(number), dup_rate)
        };
        if duplicate && let Some(out) = &out {
            let mut again = out.attempt(number + 1, t);
            if let Some(hook) = &self.settings.hook {
                (hook.0)(&mut again);
            }
            let answer = delivery::send(
                &self.client,
                &out.url,
                &again,
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
    pub(crate) fn redeliver(&self, app: &Env<'_>, id: &str) -> Result<(), SimError> {
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
