//! Event payloads (`{ id, type, createdAt, data }`, D-WEBHOOK-DELIVERY) and the sample data of
//! `POST /_mock/events`, which emits any event type like `stripe trigger` does.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::campaigns;
use crate::clock::Timestamp;
use crate::render;
use crate::store::Workspace;
use crate::store::ids::Kind;

/// The body of `POST /_mock/events`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TriggerRequest {
    pub(crate) key: Option<String>,
    #[serde(rename = "type")]
    pub(crate) event_type: Option<String>,
    /// The call a `call.*` event is about (default: the workspace's newest call).
    pub(crate) call_id: Option<String>,
    /// Merged into the generated `data` (objects merge key by key, anything else replaces).
    pub(crate) data: Option<Value>,
    /// Check the final payload against the contract (default true).
    pub(crate) validate: Option<bool>,
}

/// A whole payload.
pub(crate) fn payload(id: &str, event_type: &str, at_ms: i64, data: Value) -> Value {
    json!({
        "id": id,
        "type": event_type,
        "createdAt": Timestamp::from_secs(at_ms.div_euclid(1000)),
        "data": data,
    })
}

/// `data` of a `call.*` event.
pub(crate) fn call_data(ws: &Workspace, seq: u32) -> Value {
    json!({ "call": render::call_summary(ws, seq) })
}

/// `data` of a campaign event.
pub(crate) fn campaign_data(c: &campaigns::Campaign, ws: &Workspace) -> Value {
    let mut data = Map::new();
    data.insert("campaign".into(), campaigns::wire(c, ws));
    if let Some(p) = &c.pause {
        data.insert("reason".into(), json!(p.reason));
        data.insert(
            "contactId".into(),
            json!(p.contact.map(|ct| ws.id(Kind::Contact, ct))),
        );
        data.insert("message".into(), json!(p.message));
    }
    Value::Object(data)
}

/// Sample `data` for a triggered event of `event_type`, before overrides; `Err` says why none
/// can be made (an unknown call id, a workspace without calls).
pub(crate) fn sample_data(
    ws: &Workspace,
    event_type: &str,
    call_id: Option<&str>,
    campaign_seq: u32,
    now_ms: i64,
) -> Result<Value, (&'static str, String)> {
    if let Some(status) = event_type.strip_prefix("call.") {
        let seq = match call_id {
            Some(id) => ws
                .resolve(Kind::Call, id)
                .ok_or(("callId", format!("no call '{id}' in this workspace")))?,
            // The newest call already in the event's state, or else the newest call.
            None => (0..ws.calls.len() as u32)
                .rev()
                .find(|&s| ws.calls[s as usize].status.as_str() == status)
                .or_else(|| ws.calls.len().checked_sub(1).map(|n| n as u32))
                .ok_or((
                    "callId",
                    "the workspace has no call yet; start one with POST /_mock/calls".to_owned(),
                ))?,
        };
        let mut data = call_data(ws, seq);
        if let Some(call) = data.get_mut("call").and_then(Value::as_object_mut) {
            as_if(call, status);
        }
        return Ok(data);
    }
    let paused = event_type == "campaign.compliance_paused";
    let agent = ws.first_live_agent().unwrap_or(0);
    let first_contact = (!ws.contacts.is_empty()).then_some(0u32);
    let c = campaigns::Campaign {
        seq: campaign_seq,
        key: ws.key.clone(),
        agent,
        // The first list (in a workspace without lists, the id its first import will get).
        list: 0,
        number: None,
        spacing_sec: 60,
        duration_sec: None,
        window: None,
        status: if paused {
            campaigns::Status::CompliancePaused
        } else {
            campaigns::Status::Running
        },
        created_ms: now_ms,
        next: 0,
        pause: paused.then(|| campaigns::Pause {
            reason: "do_not_call",
            contact: first_contact,
            message: "the contact is on the do-not-call list".into(),
        }),
        calls: Vec::new(),
    };
    Ok(campaign_data(&c, ws))
}

/// Makes a call summary read as a call in `status`, when the chosen call is in another one: the
/// fields that state implies (times, duration, recording, cost, failure reason) are made
/// consistent with it, so a triggered `call.completed` never shows a call without an end.
fn as_if(call: &mut Map<String, Value>, status: &str) {
    if call.get("status").and_then(Value::as_str) == Some(status) {
        return;
    }
    let secs = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(crate::clock::parse_rfc3339)
            .map(|ms| ms.div_euclid(1000))
    };
    let started = secs(call.get("startedAt")).unwrap_or(0);
    let connected = secs(call.get("connectedAt")).unwrap_or(started + 5);
    let duration = call
        .get("durationSec")
        .and_then(Value::as_i64)
        .filter(|d| *d > 0)
        .unwrap_or(60);
    let not_connected = |call: &mut Map<String, Value>| {
        call.insert("durationSec".into(), json!(0));
        call.insert("hasRecording".into(), json!(false));
        call.insert("cost".into(), json!({"currency": "USD", "totalCents": 0}));
    };
    call.insert("status".into(), json!(status));
    call.insert("failureReason".into(), Value::Null);
    match status {
        "queued" => {
            call.insert("connectedAt".into(), Value::Null);
            call.insert("endedAt".into(), Value::Null);
            not_connected(call);
        }
        "connected" => {
            call.insert("connectedAt".into(), json!(Timestamp::from_secs(connected)));
            call.insert("endedAt".into(), Value::Null);
            not_connected(call);
        }
        "completed" => {
            call.insert("connectedAt".into(), json!(Timestamp::from_secs(connected)));
            call.insert(
                "endedAt".into(),
                json!(Timestamp::from_secs(connected + duration)),
            );
            call.insert("durationSec".into(), json!(duration));
        }
        _ => {
            call.insert("connectedAt".into(), Value::Null);
            call.insert("endedAt".into(), json!(Timestamp::from_secs(started + 5)));
            call.insert("failureReason".into(), json!("no_answer"));
            not_connected(call);
        }
    }
}

/// Merges `over` into `base`: objects key by key (recursively), anything else replaces.
pub(crate) fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_deep_for_objects_and_replaces_the_rest() {
        let mut base = json!({"call": {"id": "a", "cost": {"totalCents": 1}}, "x": [1]});
        merge(
            &mut base,
            json!({"call": {"cost": {"totalCents": 5}, "status": "failed"}, "x": [2, 3]}),
        );
        assert_eq!(
            base,
            json!({"call": {"id": "a", "cost": {"totalCents": 5}, "status": "failed"}, "x": [2, 3]})
        );
    }

    #[test]
    fn payload_has_the_envelope_fields_in_order() {
        let p = payload("evt_x", "call.queued", 1_778_688_000_000, json!({}));
        let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "type", "createdAt", "data"]);
        assert_eq!(p["createdAt"], "2026-05-13T16:00:00Z");
    }
}
