//! Simulated calls: `POST /_mock/calls` plans a call, and the call moves `queued` →
//! `connected` → `completed` (or `queued` → `failed`) as the virtual clock reaches each step.
//!
//! Every step is a pure change of one `CallRec` at a given virtual time; the caller
//! (`sim::Sim`) schedules the next step and emits the event each step names. On completion the
//! call gets its duration, cost and recording, from which the transcript, line items and WAV
//! derive exactly as for seeded calls.

use super::{Invalid, invalid};
use std::sync::Arc;

use serde::Deserialize;

use crate::derive::cost;
use crate::fake;
use crate::store::Workspace;
use crate::store::ids::Kind;
use crate::store::model::{AgentScript, CallRec, CallStatus, FailureReason};

/// Longest talk time a simulated call may have: a day.
pub(crate) const MAX_DURATION_SEC: u32 = 86_400;
/// Longest ringing time: ten minutes.
pub(crate) const MAX_RING_SEC: u32 = 600;

/// The body of `POST /_mock/calls`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CallRequest {
    pub(crate) key: Option<String>,
    pub(crate) direction: Option<String>,
    pub(crate) phone_number_id: Option<String>,
    pub(crate) agent_id: Option<String>,
    pub(crate) contact_id: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) outcome: Option<String>,
    pub(crate) failure_reason: Option<String>,
    pub(crate) ring_sec: Option<u32>,
    pub(crate) duration_sec: Option<u32>,
    pub(crate) recording: Option<bool>,
}

/// The next change of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallStep {
    /// Both parties on the line; completes `duration_sec` later.
    Connect { duration_sec: u32, recording: bool },
    /// The call ends normally.
    Complete { duration_sec: u32, recording: bool },
    /// The call ends without a conversation.
    Fail(FailureReason),
}

/// A call ready to be inserted, with its first step and how long it rings before it.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub(crate) outbound: bool,
    pub(crate) number: u32,
    pub(crate) agent: Option<u32>,
    pub(crate) contact: Option<u32>,
    pub(crate) caller: Option<String>,
    pub(crate) ring_sec: u32,
    pub(crate) first: CallStep,
}

/// Checks a `POST /_mock/calls` body against the workspace and plans the call.
///
/// Defaults: outbound; the agent's routed number (or the first) as caller id; the first live
/// agent; the first contact; 5 s of ringing; 60 s of talk; recorded; completed. Two outcomes
/// are forced by the workspace, as the real service would: an inbound call to a number without
/// a routing agent fails with `unassigned_number`, and an outbound call to a contact flagged
/// do-not-call fails with `compliance_blocked`.
pub(crate) fn plan(ws: &Workspace, req: &CallRequest) -> Result<Planned, Invalid> {
    let outbound = match req.direction.as_deref() {
        None | Some("outbound") => true,
        Some("inbound") => false,
        Some(other) => {
            return Err(invalid(
                "direction",
                format!("'{other}' is neither 'inbound' nor 'outbound'"),
            ));
        }
    };
    if ws.numbers.is_empty() {
        return Err(invalid(
            "phoneNumberId",
            "the workspace owns no phone number: buy one with POST /phone-numbers first",
        ));
    }
    let ring_sec = req.ring_sec.unwrap_or(5);
    if ring_sec > MAX_RING_SEC {
        return Err(invalid(
            "ringSec",
            format!("must be at most {MAX_RING_SEC}"),
        ));
    }
    let duration_sec = req.duration_sec.unwrap_or(60);
    if !(1..=MAX_DURATION_SEC).contains(&duration_sec) {
        return Err(invalid(
            "durationSec",
            format!("must be 1 to {MAX_DURATION_SEC} seconds"),
        ));
    }
    let requested_failure = match (req.outcome.as_deref(), req.failure_reason.as_deref()) {
        (None | Some("completed"), None) => None,
        (None | Some("completed"), Some(_)) => {
            return Err(invalid(
                "failureReason",
                "only a failed call has a failure reason (set outcome to 'failed')",
            ));
        }
        (Some("failed"), None) => Some(FailureReason::NoAnswer),
        (Some("failed"), Some(r)) => Some(FailureReason::parse(r).ok_or_else(|| {
            invalid("failureReason", format!("'{r}' is not a CallFailureReason"))
        })?),
        (Some(other), _) => {
            return Err(invalid(
                "outcome",
                format!("'{other}' is neither 'completed' nor 'failed'"),
            ));
        }
    };
    let number = match &req.phone_number_id {
        Some(id) => ws.resolve(Kind::PhoneNumber, id).ok_or_else(|| {
            invalid(
                "phoneNumberId",
                format!("no phone number '{id}' in this workspace"),
            )
        })?,
        None => 0,
    };
    let contact =
        match &req.contact_id {
            Some(id) => Some(ws.resolve(Kind::Contact, id).ok_or_else(|| {
                invalid("contactId", format!("no contact '{id}' in this workspace"))
            })?),
            None => None,
        };
    let recording = req.recording.unwrap_or(true);
    let connect = CallStep::Connect {
        duration_sec,
        recording,
    };
    if outbound {
        if req.from.is_some() {
            return Err(invalid(
                "from",
                "an outbound call is placed from phoneNumberId; 'from' is for inbound callers",
            ));
        }
        let agent = match &req.agent_id {
            Some(id) => ws
                .resolve(Kind::Agent, id)
                .ok_or_else(|| invalid("agentId", format!("no agent '{id}' in this workspace")))?,
            None => ws.first_live_agent().ok_or_else(|| {
                invalid("agentId", "the workspace has no agent: create one first")
            })?,
        };
        let contact = match contact {
            Some(c) => c,
            None if !ws.contacts.is_empty() => 0,
            None => {
                return Err(invalid(
                    "contactId",
                    "the workspace has no contact to call: import some first",
                ));
            }
        };
        // Without an explicit number, call from the agent's own routed number if it has one.
        let number = match req.phone_number_id {
            Some(_) => number,
            None => ws
                .numbers
                .iter()
                .position(|n| n.agent == Some(agent))
                .unwrap_or(0) as u32,
        };
        let first = if ws.contacts[contact as usize].do_not_call {
            CallStep::Fail(FailureReason::ComplianceBlocked)
        } else {
            requested_failure.map_or(connect, CallStep::Fail)
        };
        return Ok(Planned {
            outbound,
            number,
            agent: Some(agent),
            contact: Some(contact),
            caller: None,
            ring_sec,
            first,
        });
    }
    if req.agent_id.is_some() {
        return Err(invalid(
            "agentId",
            "an inbound call goes to the number's routing agent; set it with PATCH /phone-numbers/{id}",
        ));
    }
    let agent = ws.numbers[number as usize].agent;
    let (contact, caller) = match (contact, &req.from) {
        (Some(_), Some(_)) => {
            return Err(invalid("from", "give either contactId or from, not both"));
        }
        (Some(c), None) => (Some(c), None),
        (None, Some(from)) => {
            if !fake::is_e164(from) {
                return Err(invalid("from", format!("'{from}' is not an E.164 number")));
            }
            match ws.contacts.iter().position(|c| c.phone == *from) {
                Some(c) => (Some(c as u32), None),
                None => (None, Some(from.clone())),
            }
        }
        (None, None) => {
            let n = ws.calls.len() as u64;
            (None, Some(format!("+1415555{:04}", n % 10_000)))
        }
    };
    let first = if agent.is_none() {
        CallStep::Fail(FailureReason::UnassignedNumber)
    } else {
        requested_failure.map_or(connect, CallStep::Fail)
    };
    Ok(Planned {
        outbound,
        number,
        agent,
        contact,
        caller,
        ring_sec,
        first,
    })
}

/// Inserts a planned call as `queued` at `now_s`; returns its slot.
pub(crate) fn insert(ws: &mut Workspace, p: &Planned, now_s: i64) -> u32 {
    let script = script_for(ws, p.agent);
    ws.push_call(CallRec {
        agent: p.agent,
        contact: p.contact,
        number: p.number,
        outbound: p.outbound,
        status: CallStatus::Queued,
        failure: None,
        started_at: now_s,
        connected_at: None,
        ended_at: None,
        duration_sec: 0,
        has_recording: false,
        cost_cents: 0,
        caller: p.caller.clone().map(String::into_boxed_str),
        script,
    })
}

/// The script a call's transcript is told with: its agent as it is now (as seeding does, the
/// first agent's when none was routed; a neutral one in a workspace without agents).
fn script_for(ws: &Workspace, agent: Option<u32>) -> Arc<AgentScript> {
    let idx = agent.or_else(|| (!ws.agents.is_empty()).then_some(0));
    match idx {
        Some(i) => ws.agents[i as usize].script.clone(),
        None => Arc::new(AgentScript {
            first_name: "Ava".to_owned(),
            first_message: format!("Hi, thanks for calling {}.", ws.company),
            mission: String::new(),
            voice_id: "aria".to_owned(),
        }),
    }
}

/// Applies `step` to call `seq` at `at_s`. Returns the event type the step emits and the next
/// step with its time, or `None` when the call no longer exists (a reset or an import replaced
/// the workspace) or has already ended.
pub(crate) fn apply(
    ws: &mut Workspace,
    seq: u32,
    step: CallStep,
    at_s: i64,
) -> Option<(&'static str, Option<(i64, CallStep)>)> {
    let c = ws.calls.get(seq as usize)?;
    if matches!(c.status, CallStatus::Completed | CallStatus::Failed) {
        return None;
    }
    let call_seed = ws.call_seed(seq);
    Some(match step {
        CallStep::Connect {
            duration_sec,
            recording,
        } => {
            ws.update_call(seq, |c| {
                c.status = CallStatus::Connected;
                c.connected_at = Some(at_s);
            });
            (
                "call.connected",
                Some((
                    at_s + i64::from(duration_sec),
                    CallStep::Complete {
                        duration_sec,
                        recording,
                    },
                )),
            )
        }
        CallStep::Complete {
            duration_sec,
            recording,
        } => {
            ws.update_call(seq, |c| {
                let total = cost::call_cost(
                    call_seed,
                    duration_sec,
                    c.outbound,
                    recording,
                    &c.script.voice_id,
                )
                .stored_cents();
                c.status = CallStatus::Completed;
                c.ended_at = Some(at_s);
                c.duration_sec = duration_sec;
                c.has_recording = recording;
                c.cost_cents = total;
            });
            ("call.completed", None)
        }
        CallStep::Fail(reason) => {
            ws.update_call(seq, |c| {
                c.status = CallStatus::Failed;
                c.failure = Some(reason);
                c.ended_at = Some(at_s);
            });
            ("call.failed", None)
        }
    })
}

/// The event type of a call's creation.
pub(crate) const QUEUED: &str = "call.queued";
