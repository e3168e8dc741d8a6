//! Checks across attempts: one delivery id per event (the same on every retry), lifecycle order
//! per call, and the retry that a refused first attempt must get.
//!
//! The receiver is assumed to be registered once with the sender, so one event reaches it as one
//! delivery; the event is recognised by its payload `id`.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use spec::{Binding, Rule};

use crate::checks::response::{Applied, fail_as};

use super::receiver::Recorded;
use super::verdict::{Subject, Verdict, call_id};

fn delivery_rule() -> Rule {
    Rule::new(Binding::Contract, "D-WEBHOOK-DELIVERY")
}

/// The payload's event id (`evt_…`).
fn event_id(r: &Recorded) -> Option<String> {
    r.json()?.get("id")?.as_str().map(str::to_owned)
}

/// Attempts grouped by delivery id, in order of first arrival; attempts without one are left
/// out.
fn by_delivery(attempts: &[Recorded]) -> Vec<(String, Vec<&Recorded>)> {
    let mut order: Vec<(String, Vec<&Recorded>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for r in attempts {
        let Some(id) = r.delivery_id() else { continue };
        match index.get(id) {
            Some(&i) => order[i].1.push(r),
            None => {
                index.insert(id, order.len());
                order.push((id.to_owned(), vec![r]));
            }
        }
    }
    order
}

fn delivery_subject(id: &str, first: &Recorded) -> Subject {
    Subject::Delivery {
        id: id.to_owned(),
        event_type: first.event_type(),
    }
}

/// The cross-attempt half of `webhook_delivery_id`: an event arrives under one delivery id,
/// and a delivery id names one event.
pub fn delivery_ids(attempts: &[Recorded]) -> Vec<Verdict> {
    let groups = by_delivery(attempts);
    let mut first_id_of_event: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for (id, group) in &groups {
        let events: Vec<String> = {
            let mut e: Vec<String> = group.iter().filter_map(|r| event_id(r)).collect();
            e.dedup();
            e
        };
        let applied = if events.len() > 1 {
            fail_as(
                delivery_rule(),
                "one delivery id names several events",
                format!("events {}", events.join(", ")),
            )
        } else if let Some(e) = events.first() {
            match first_id_of_event.get(e) {
                Some(earlier) if earlier != id => fail_as(
                    delivery_rule(),
                    "one event arrived under several delivery ids",
                    format!(
                        "event {e} came first as delivery {earlier}; a retry keeps its delivery id"
                    ),
                ),
                _ => {
                    first_id_of_event.insert(e.clone(), id.clone());
                    Applied::Pass
                }
            }
        } else {
            Applied::Skip
        };
        out.push(Verdict {
            check: "webhook_delivery_id",
            subject: delivery_subject(id, group[0]),
            applied,
        });
    }
    out
}

/// The place of a `call.*` event in a call's lifecycle.
fn rank(event_type: &str) -> Option<u8> {
    match event_type {
        "call.queued" => Some(0),
        "call.connected" => Some(1),
        "call.completed" | "call.failed" => Some(2),
        _ => None,
    }
}

/// `webhook_order`: per call, the first attempts of its events arrive in lifecycle order (the
/// mock's promise, D-RETRIES) and their `createdAt` follow it (the contract's).
pub fn order(attempts: &[Recorded]) -> Vec<Verdict> {
    // First arrivals only: a retry may legitimately arrive after later events.
    let mut firsts: Vec<&Recorded> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in attempts {
        if r.delivery_id().is_none_or(|d| seen.insert(d.to_owned())) {
            firsts.push(r);
        }
    }
    let mut calls: BTreeMap<String, Vec<(u8, String, Option<String>)>> = BTreeMap::new();
    for r in firsts {
        let Some(v) = r.json() else { continue };
        let Some(t) = v.get("type").and_then(Value::as_str) else {
            continue;
        };
        let (Some(rank), Some(call)) = (rank(t), call_id(&v)) else {
            continue;
        };
        let created = v
            .get("createdAt")
            .and_then(Value::as_str)
            .map(str::to_owned);
        calls
            .entry(call.to_owned())
            .or_default()
            .push((rank, t.to_owned(), created));
    }
    let mut out = Vec::new();
    for (call, events) in calls {
        if events.len() < 2 {
            continue;
        }
        let arrived: Vec<&str> = events.iter().map(|(_, t, _)| t.as_str()).collect();
        let mut applied = Applied::Pass;
        // createdAt against the lifecycle (RFC 3339 UTC with second precision compares as text).
        for a in &events {
            for b in &events {
                if let (Some(ca), Some(cb)) = (&a.2, &b.2)
                    && a.0 < b.0
                    && ca > cb
                {
                    applied = fail_as(
                        delivery_rule(),
                        "an event's createdAt contradicts the call's lifecycle",
                        format!("{} at {ca} is later than {} at {cb}", a.1, b.1),
                    );
                }
            }
        }
        if applied == Applied::Pass
            && let Some(w) = events.windows(2).find(|w| w[0].0 > w[1].0)
        {
            applied = crate::webhook::verdict::fail_default(
                format!("{} arrived before {}", w[1].1, w[0].1),
                format!("arrival order: {}", arrived.join(", ")),
            );
        }
        out.push(Verdict {
            check: "webhook_order",
            subject: Subject::Call { id: call },
            applied,
        });
    }
    out
}

/// First attempts the receiver refused (non-2xx) that no later attempt of the same delivery id
/// followed.
pub fn unretried(attempts: &[Recorded]) -> Vec<&Recorded> {
    by_delivery(attempts)
        .into_iter()
        .filter(|(_, g)| !g[0].accepted() && g.len() == 1)
        .map(|(_, g)| g[0])
        .collect()
}

/// `webhook_retry`: every delivery whose first attempt the receiver refused is attempted again,
/// with the same delivery id and the same body.
pub fn retry(attempts: &[Recorded]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for (id, group) in by_delivery(attempts) {
        let first = group[0];
        if first.accepted() {
            continue;
        }
        let applied = match group.get(1) {
            None => fail_as(
                delivery_rule(),
                "a refused delivery was not retried",
                format!(
                    "the receiver answered {} and no attempt with the same delivery id followed",
                    first.answered
                ),
            ),
            Some(again) if again.body != first.body => fail_as(
                delivery_rule(),
                "a retry carries another body",
                format!(
                    "first {} bytes, retry {} bytes",
                    first.body.len(),
                    again.body.len()
                ),
            ),
            Some(_) => Applied::Pass,
        };
        out.push(Verdict {
            check: "webhook_retry",
            subject: delivery_subject(&id, first),
            applied,
        });
    }
    out
}
