//! Resources the run makes for its own cases, and the cleanup at its end.
//!
//! Updates, deletes, routing and id mutations aim at agents and numbers the run created, never
//! at what discovery found: before the phases the runner creates a few tagged agents and, where
//! purchases are allowed, buys one number; after them it deletes every agent the run created
//! (the guard's ledger knows them all, fuzz-created ones included). v1 cannot release a number or
//! delete a contact, so those stay, and the summary says so.

use spec::Operation;

use crate::case::{Auth, Body, Case, Expectation, Phase};
use crate::fixtures::Fixtures;
use crate::http::Target;

/// Agents the run creates for its own updates and routing.
pub const OWNED_AGENTS: usize = 3;

/// Whether the selection needs agents of its own: an update of agents, routing of numbers, or
/// the stateful flows.
pub(crate) fn needs_agents(ops: &[&Operation], stateful: bool) -> bool {
    stateful
        || ops
            .iter()
            .any(|o| matches!(o.id.as_str(), "updateAgent" | "updatePhoneNumber"))
}

/// Whether the selection routes numbers, so needs a number of its own.
pub(crate) fn needs_number(ops: &[&Operation]) -> bool {
    ops.iter().any(|o| o.id == "updatePhoneNumber")
}

fn request(id: &str, method: &str, path: String, body: Option<serde_json::Value>) -> Case {
    Case {
        id: id.to_owned(),
        operation_id: None,
        phase: Phase::Scenario,
        method: method.to_owned(),
        path,
        query: Vec::new(),
        headers: Vec::new(),
        auth: Auth::Primary,
        body: body.map(|v| Body {
            content_type: Some("application/json".to_owned()),
            bytes: serde_json::to_vec(&v).unwrap_or_default(),
        }),
        expect: Expectation::Observe,
        note: "the run's own resources".to_owned(),
    }
}

/// Why routing is not tested when purchases are off (for the plan and the dry run).
pub(crate) const NO_NUMBER: &str = "updatePhoneNumber: purchases are off, so the run has no \
     number of its own to route; only its unknown-id and credential probes run \
     (--allow-purchases 1 to test routing)";

/// What the setup could not make, for the plan ("updatePhoneNumber: no number of the run's own
/// (purchases off); only its unknown-id and credential probes run").
pub type SetupNotes = Vec<String>;

/// Creates the run's own agents and number (as far as the guard allows) into `fx`.
pub async fn setup(
    target: &Target,
    fx: &mut Fixtures,
    ops: &[&Operation],
    stateful: bool,
) -> SetupNotes {
    let mut notes = Vec::new();
    if target.guard().policy().read_only {
        return notes;
    }
    let tag = target.guard().tag().to_owned();
    if needs_agents(ops, stateful) {
        for i in 1..=OWNED_AGENTS {
            let case = request(
                "setup/agent",
                "POST",
                "/agents".to_owned(),
                Some(serde_json::json!({
                    "name": format!("{tag} fixture {i}"),
                    "mission": "Owned by a vici-conformance run; deleted when it ends",
                })),
            );
            let r = target.send(&case).await;
            match r.as_ref().ok().filter(|e| e.status == 201).and_then(|e| {
                e.json_ref()
                    .and_then(|v| v["id"].as_str())
                    .map(str::to_owned)
            }) {
                Some(id) => fx.owned_agents.push(id),
                None => {
                    notes.push(format!(
                        "could not create the run's own agents ({}): updates of agents and \
                         routing of numbers are not tested",
                        outcome(&r)
                    ));
                    break;
                }
            }
        }
    }
    if needs_number(ops) {
        let inventory = fx.inventory.clone();
        match target.guard().purchases_left() {
            Some(0) => notes.push(NO_NUMBER.to_owned()),
            _ => {
                // From the end of the inventory: the examples and coverage buy from its start.
                if let Some(number) = inventory.last() {
                    let case = request(
                        "setup/number",
                        "POST",
                        "/phone-numbers".to_owned(),
                        Some(serde_json::json!({ "number": number })),
                    );
                    let r = target.send(&case).await;
                    match r.as_ref().ok().filter(|e| e.status == 201).and_then(|e| {
                        e.json_ref()
                            .and_then(|v| v["id"].as_str())
                            .map(str::to_owned)
                    }) {
                        Some(id) => fx.owned_numbers.push((id, number.clone())),
                        None => notes.push(format!(
                            "updatePhoneNumber: could not buy a number of the run's own ({}); \
                             routing is not tested",
                            outcome(&r)
                        )),
                    }
                } else {
                    notes.push(
                        "updatePhoneNumber: the inventory is empty, so the run has no number of \
                         its own; routing is not tested"
                            .to_owned(),
                    );
                }
            }
        }
    }
    notes
}

fn outcome(r: &Result<crate::http::Exchange, crate::http::TransportError>) -> String {
    match r {
        Ok(e) => format!("the target answered {}", e.status),
        Err(e) => e.to_string(),
    }
}

/// Deletes every agent the run created and has not deleted yet; the ledger counts the deletions
/// that failed (a 404 counts as done: the agent is gone).
pub async fn cleanup(target: &Target) {
    let left: Vec<String> = target
        .guard()
        .changes()
        .agents_left()
        .into_iter()
        .cloned()
        .collect();
    let mut failed = 0;
    for id in left {
        let case = request(
            "cleanup/agent",
            "DELETE",
            format!("/agents/{}", crate::case::encode_segment(&id)),
            None,
        );
        match target.send_cleanup(&case).await {
            Ok(e) if e.status == 404 => target.guard().mark_deleted(&id),
            Ok(e) if (200..300).contains(&e.status) => {}
            _ => failed += 1,
        }
    }
    target.guard().cleanup_failed(failed);
}
