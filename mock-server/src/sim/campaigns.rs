//! Simulated campaigns: an agent calls every contact of a list, one outbound call at a time.
//!
//! `POST /_mock/campaigns` starts one (`campaign.started`); a step every `spacingSec` of virtual
//! time places the next call. Before each call the compliance rules are checked, in this order:
//! a contact flagged do-not-call, then the calling window (UTC time of day on the virtual clock).
//! A rule that fails pauses the campaign (`campaign.compliance_paused` with the reason, the
//! contact and a message); `POST /_mock/campaigns/{id}/resume` goes on, skipping a do-not-call
//! contact. After the last contact the campaign is `completed` (the page names no event for it).

use super::{Invalid, invalid};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::Timestamp;
use crate::store::Workspace;
use crate::store::ids::Kind;

/// Smallest and largest spacing between calls.
const MAX_SPACING_SEC: u32 = 86_400;

/// The body of `POST /_mock/campaigns`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CampaignRequest {
    pub(crate) key: Option<String>,
    pub(crate) agent_id: Option<String>,
    pub(crate) contact_list_id: Option<String>,
    pub(crate) phone_number_id: Option<String>,
    pub(crate) spacing_sec: Option<u32>,
    pub(crate) duration_sec: Option<u32>,
    pub(crate) calling_window: Option<Window>,
}

/// A daily calling window in UTC, `"HH:MM"` to `"HH:MM"` (end exclusive; may wrap midnight).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Window {
    pub(crate) start: String,
    pub(crate) end: String,
}

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl Window {
    fn bounds(&self) -> Option<(u32, u32)> {
        Some((minutes(&self.start)?, minutes(&self.end)?))
    }

    /// Whether `at_s` (Unix seconds) falls inside the window.
    pub(crate) fn contains(&self, at_s: i64) -> bool {
        let Some((start, end)) = self.bounds() else {
            return false;
        };
        let now = (at_s.rem_euclid(86_400) / 60) as u32;
        if start <= end {
            (start..end).contains(&now)
        } else {
            now >= start || now < end
        }
    }
}

/// Where a campaign stands (schema `Campaign.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Running,
    CompliancePaused,
    Completed,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::CompliancePaused => "compliance_paused",
            Status::Completed => "completed",
        }
    }
}

/// Why a campaign paused (schema `CampaignCompliancePausedEvent.data.reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pause {
    pub(crate) reason: &'static str,
    pub(crate) contact: Option<u32>,
    pub(crate) message: String,
}

/// A running or finished campaign.
#[derive(Debug, Clone)]
pub(crate) struct Campaign {
    pub(crate) seq: u32,
    pub(crate) key: String,
    pub(crate) agent: u32,
    pub(crate) list: u32,
    pub(crate) number: Option<u32>,
    pub(crate) spacing_sec: u32,
    pub(crate) duration_sec: Option<u32>,
    pub(crate) window: Option<Window>,
    pub(crate) status: Status,
    pub(crate) created_ms: i64,
    /// Index into the list of the next contact to call.
    pub(crate) next: usize,
    pub(crate) pause: Option<Pause>,
    /// Calls placed, by slot.
    pub(crate) calls: Vec<u32>,
}

/// Checks a `POST /_mock/campaigns` body against the workspace.
pub(crate) fn plan(
    ws: &Workspace,
    req: &CampaignRequest,
    seq: u32,
    key: &str,
    now_ms: i64,
) -> Result<Campaign, Invalid> {
    let agent = match &req.agent_id {
        Some(id) => ws
            .resolve(Kind::Agent, id)
            .ok_or_else(|| invalid("agentId", format!("no agent '{id}' in this workspace")))?,
        None => ws
            .first_live_agent()
            .ok_or_else(|| invalid("agentId", "the workspace has no agent: create one first"))?,
    };
    let list = match &req.contact_list_id {
        Some(id) => ws.resolve(Kind::ContactList, id).ok_or_else(|| {
            invalid(
                "contactListId",
                format!("no contact list '{id}' in this workspace"),
            )
        })?,
        None => {
            return Err(invalid(
                "contactListId",
                "required: import a CSV with POST /contact-lists and use its id",
            ));
        }
    };
    let number = match &req.phone_number_id {
        Some(id) => Some(ws.resolve(Kind::PhoneNumber, id).ok_or_else(|| {
            invalid(
                "phoneNumberId",
                format!("no phone number '{id}' in this workspace"),
            )
        })?),
        None => None,
    };
    if ws.numbers.is_empty() {
        return Err(invalid(
            "phoneNumberId",
            "the workspace owns no phone number: buy one with POST /phone-numbers first",
        ));
    }
    let spacing_sec = req.spacing_sec.unwrap_or(60);
    if !(1..=MAX_SPACING_SEC).contains(&spacing_sec) {
        return Err(invalid(
            "spacingSec",
            format!("must be 1 to {MAX_SPACING_SEC} seconds"),
        ));
    }
    if let Some(d) = req.duration_sec
        && !(1..=super::lifecycle::MAX_DURATION_SEC).contains(&d)
    {
        return Err(invalid(
            "durationSec",
            format!(
                "must be 1 to {} seconds",
                super::lifecycle::MAX_DURATION_SEC
            ),
        ));
    }
    if let Some(w) = &req.calling_window
        && w.bounds().is_none()
    {
        return Err(invalid(
            "callingWindow",
            "start and end must be \"HH:MM\" (UTC, 24-hour)",
        ));
    }
    Ok(Campaign {
        seq,
        key: key.to_owned(),
        agent,
        list,
        number,
        spacing_sec,
        duration_sec: req.duration_sec,
        window: req.calling_window.clone(),
        status: Status::Running,
        created_ms: now_ms,
        next: 0,
        pause: None,
        calls: Vec::new(),
    })
}

/// What a campaign step decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Call this contact now, then step again `spacing_sec` later.
    Call(u32),
    /// A compliance rule stopped the campaign.
    Paused,
    /// Every contact has been called.
    Completed,
}

/// Decides the next step at `at_s` and updates the campaign (pause or completion).
pub(crate) fn step(c: &mut Campaign, ws: &Workspace, at_s: i64) -> Step {
    let Some(list) = ws.contact_lists.get(c.list as usize) else {
        c.status = Status::Completed;
        return Step::Completed;
    };
    let Some(&contact) = list.contacts.get(c.next) else {
        c.status = Status::Completed;
        return Step::Completed;
    };
    let rec = &ws.contacts[contact as usize];
    if rec.do_not_call {
        c.status = Status::CompliancePaused;
        c.pause = Some(Pause {
            reason: "do_not_call",
            contact: Some(contact),
            message: format!(
                "{} is on the do-not-call list; resume to skip this contact",
                rec.phone
            ),
        });
        return Step::Paused;
    }
    if let Some(w) = &c.window
        && !w.contains(at_s)
    {
        c.status = Status::CompliancePaused;
        c.pause = Some(Pause {
            reason: "calling_window",
            contact: Some(contact),
            message: format!(
                "{} is outside the calling window {}–{} UTC; resume inside the window",
                Timestamp::from_secs(at_s),
                w.start,
                w.end
            ),
        });
        return Step::Paused;
    }
    c.next += 1;
    Step::Call(contact)
}

/// Resumes a paused campaign: a do-not-call contact is skipped, a calling window is checked
/// again at the next step. `false` when the campaign was not paused.
pub(crate) fn resume(c: &mut Campaign) -> bool {
    if c.status != Status::CompliancePaused {
        return false;
    }
    if c.pause.as_ref().is_some_and(|p| p.reason == "do_not_call") {
        c.next += 1;
    }
    c.status = Status::Running;
    c.pause = None;
    true
}

/// Schema `Campaign`: the object events carry.
pub(crate) fn wire(c: &Campaign, ws: &Workspace) -> Value {
    json!({
        "id": ws.id(Kind::Campaign, c.seq),
        "agentId": ws.id(Kind::Agent, c.agent),
        "contactListId": ws.id(Kind::ContactList, c.list),
        "status": c.status.as_str(),
        "createdAt": Timestamp::from_secs(c.created_ms.div_euclid(1000)),
    })
}

/// The control API's view: the schema's fields plus progress.
pub(crate) fn control_view(c: &Campaign, ws: &Workspace) -> Value {
    let mut v = wire(c, ws);
    if let Some(obj) = v.as_object_mut() {
        let total = ws
            .contact_lists
            .get(c.list as usize)
            .map_or(0, |l| l.contacts.len());
        obj.insert("contacts".into(), json!(total));
        obj.insert("nextContact".into(), json!(c.next));
        obj.insert(
            "callIds".into(),
            json!(
                c.calls
                    .iter()
                    .map(|&s| ws.id(Kind::Call, s))
                    .collect::<Vec<_>>()
            ),
        );
        obj.insert("spacingSec".into(), json!(c.spacing_sec));
        obj.insert(
            "callingWindow".into(),
            serde_json::to_value(&c.window).unwrap_or(Value::Null),
        );
        obj.insert(
            "pause".into(),
            match &c.pause {
                None => Value::Null,
                Some(p) => json!({
                    "reason": p.reason,
                    "contactId": p.contact.map(|ct| ws.id(Kind::Contact, ct)),
                    "message": p.message,
                }),
            },
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(a: &str, b: &str) -> Window {
        Window {
            start: a.into(),
            end: b.into(),
        }
    }

    #[test]
    fn windows_include_start_exclude_end_and_wrap() {
        let day = 20_000 * 86_400;
        let at = |h: i64, m: i64| day + h * 3600 + m * 60;
        let office = w("09:00", "17:30");
        assert!(office.contains(at(9, 0)) && office.contains(at(17, 29)));
        assert!(!office.contains(at(8, 59)) && !office.contains(at(17, 30)));
        let night = w("22:00", "06:00");
        assert!(night.contains(at(23, 0)) && night.contains(at(5, 59)));
        assert!(!night.contains(at(6, 0)) && !night.contains(at(12, 0)));
        assert!(w("9:00", "17:00").bounds().is_none());
        assert!(w("24:00", "17:00").bounds().is_none());
        assert!(!w("xx", "yy").contains(at(10, 0)));
    }
}
