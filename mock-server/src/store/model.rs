//! The records a workspace keeps, and their wire forms.
//!
//! Agents are stored in their wire form (`AgentData` deserialises from a validated request body
//! and serialises into the response) because they are few and fully mutable. Calls are the
//! opposite: there may be a million of them, so `CallRec` is compact and everything bulky
//! (transcript, line items, recording) is derived on demand from a per-call seed.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// An agent's voice settings (schema `Voice`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Voice {
    pub(crate) voice_id: String,
    pub(crate) language: String,
    pub(crate) speed: f64,
}

/// Live transfer settings (schema `TransferSettings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Transfer {
    pub(crate) phone_number: String,
    #[serde(default = "default_transfer_mode")]
    pub(crate) mode: String,
    #[serde(default)]
    pub(crate) conditions: String,
}

fn default_transfer_mode() -> String {
    "warm".to_owned()
}

/// One playbook step (schema `PlaybookStep`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlaybookStep {
    pub(crate) title: String,
    pub(crate) instructions: String,
}

/// One knowledge-base entry (schema `KnowledgeBaseEntry`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KnowledgeEntry {
    pub(crate) title: String,
    pub(crate) content: String,
}

/// The editable fields of an agent, in wire order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgentData {
    pub(crate) name: String,
    pub(crate) soul: String,
    pub(crate) mission: String,
    pub(crate) playbook: Vec<PlaybookStep>,
    pub(crate) knowledge_base: Vec<KnowledgeEntry>,
    pub(crate) first_message: String,
    pub(crate) voice: Voice,
    pub(crate) transfer: Option<Transfer>,
}

/// What a call's transcript and cost are derived from: the agent as it was when the call was
/// made, so that editing an agent later does not rewrite the history of its past calls.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AgentScript {
    pub(crate) first_name: String,
    pub(crate) first_message: String,
    pub(crate) mission: String,
    pub(crate) voice_id: String,
}

impl AgentScript {
    /// Snapshots an agent's current settings.
    pub(crate) fn of(data: &AgentData) -> Arc<AgentScript> {
        let first_name = data
            .name
            .split(|c: char| c.is_whitespace() || c == '—' || c == '-')
            .find(|s| !s.is_empty())
            .unwrap_or("Ava")
            .to_owned();
        Arc::new(AgentScript {
            first_name,
            first_message: data.first_message.clone(),
            mission: data.mission.clone(),
            voice_id: data.voice.voice_id.clone(),
        })
    }
}

/// A stored agent.
#[derive(Debug, Clone)]
pub(crate) struct AgentRec {
    pub(crate) data: AgentData,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) deleted: bool,
    pub(crate) script: Arc<AgentScript>,
}

/// A number the workspace owns.
#[derive(Debug, Clone)]
pub(crate) struct NumberRec {
    pub(crate) number: String,
    pub(crate) line: Line,
    pub(crate) agent: Option<u32>,
    pub(crate) created_at: i64,
}

/// Where a number is and what it costs; shared by owned numbers and the inventory.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) country: &'static str,
    pub(crate) area_code: &'static str,
    pub(crate) locality: &'static str,
    pub(crate) region: &'static str,
    pub(crate) sms: bool,
    pub(crate) monthly_cents: i64,
}

/// A contact.
#[derive(Debug, Clone)]
pub(crate) struct ContactRec {
    pub(crate) phone: String,
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) custom_fields: Vec<(String, String)>,
    pub(crate) do_not_call: bool,
    pub(crate) lists: Vec<u32>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A contact list made by an import.
#[derive(Debug, Clone)]
pub(crate) struct ContactListRec {
    pub(crate) name: String,
    pub(crate) created_at: i64,
    pub(crate) contacts: Vec<u32>,
}

/// Call lifecycle states (D-CALLS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CallStatus {
    Queued,
    Connected,
    Completed,
    Failed,
}

impl CallStatus {
    pub(crate) const ALL: [CallStatus; 4] = [
        CallStatus::Queued,
        CallStatus::Connected,
        CallStatus::Completed,
        CallStatus::Failed,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CallStatus::Queued => "queued",
            CallStatus::Connected => "connected",
            CallStatus::Completed => "completed",
            CallStatus::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<CallStatus> {
        CallStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// When a call in this state, started at `started_at` and answered (or given up) `ring`
    /// seconds later, connected and ended (Unix seconds); `duration_sec` counts for a completed
    /// call only.
    pub(crate) fn times(
        self,
        started_at: i64,
        ring: i64,
        duration_sec: u32,
    ) -> (Option<i64>, Option<i64>) {
        let answered = started_at + ring;
        match self {
            CallStatus::Completed => (Some(answered), Some(answered + i64::from(duration_sec))),
            CallStatus::Connected => (Some(answered), None),
            CallStatus::Queued => (None, None),
            CallStatus::Failed => (None, Some(answered)),
        }
    }
}

/// Why a call failed (schema `CallFailureReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureReason {
    NoAnswer,
    Busy,
    UnassignedNumber,
    InvalidNumber,
    ComplianceBlocked,
    CarrierError,
    AgentError,
}

impl FailureReason {
    pub(crate) const ALL: [FailureReason; 7] = [
        FailureReason::NoAnswer,
        FailureReason::Busy,
        FailureReason::UnassignedNumber,
        FailureReason::InvalidNumber,
        FailureReason::ComplianceBlocked,
        FailureReason::CarrierError,
        FailureReason::AgentError,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FailureReason::NoAnswer => "no_answer",
            FailureReason::Busy => "busy",
            FailureReason::UnassignedNumber => "unassigned_number",
            FailureReason::InvalidNumber => "invalid_number",
            FailureReason::ComplianceBlocked => "compliance_blocked",
            FailureReason::CarrierError => "carrier_error",
            FailureReason::AgentError => "agent_error",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<FailureReason> {
        FailureReason::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A call, compact: a million of these must fit in memory (about 100 bytes each with indexes).
#[derive(Debug, Clone)]
pub(crate) struct CallRec {
    pub(crate) agent: Option<u32>,
    pub(crate) contact: Option<u32>,
    pub(crate) number: u32,
    pub(crate) outbound: bool,
    pub(crate) status: CallStatus,
    pub(crate) failure: Option<FailureReason>,
    pub(crate) started_at: i64,
    pub(crate) connected_at: Option<i64>,
    pub(crate) ended_at: Option<i64>,
    pub(crate) duration_sec: u32,
    pub(crate) has_recording: bool,
    pub(crate) cost_cents: u32,
    /// The remote party when it is not a contact (an unknown inbound caller).
    pub(crate) caller: Option<Box<str>>,
    pub(crate) script: Arc<AgentScript>,
}
