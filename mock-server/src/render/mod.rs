//! Wire forms of the stored records: what each response body looks like.
//!
//! Responses are serialised straight from borrowed records with `serde` (no intermediate
//! `serde_json::Value`), because call detail is the hottest path of the mock. Field order follows
//! the contract's schemas so that bodies read like the examples in `spec/openapi.json`.

use serde::Serialize;

pub(crate) mod detail_cache;
pub(crate) mod json_writer;

use crate::clock::Timestamp;
use crate::derive::cost;
use crate::derive::transcript::{self, TranscriptContext};
use crate::render::detail_cache::{DetailCache, FragmentKey};
use crate::store::Workspace;
use crate::store::ids::{Id, Kind};
use crate::store::model::{AgentData, CallRec, Line};

/// `{ data, total, limit, offset }`.
#[derive(Serialize)]
pub(crate) struct ListOut<T: Serialize> {
    pub(crate) data: Vec<T>,
    pub(crate) total: usize,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

/// Schema `Money`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Money {
    amount_cents: i64,
    currency: &'static str,
}

fn usd(cents: i64) -> Money {
    Money {
        amount_cents: cents,
        currency: "USD",
    }
}

/// Schema `Agent`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgentOut<'a> {
    id: Id,
    #[serde(flatten)]
    data: &'a AgentData,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// Renders agent `seq`.
pub(crate) fn agent(ws: &Workspace, seq: u32) -> AgentOut<'_> {
    let a = &ws.agents[seq as usize];
    AgentOut {
        id: ws.id(Kind::Agent, seq),
        data: &a.data,
        created_at: Timestamp::from_secs(a.created_at),
        updated_at: Timestamp::from_secs(a.updated_at),
    }
}

/// Schema `PhoneNumber`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NumberOut<'a> {
    id: Id,
    number: &'a str,
    #[serde(flatten)]
    line: LineOut,
    agent_id: Option<Id>,
    monthly_cost: Money,
    created_at: Timestamp,
}

/// The location fields shared by owned and available numbers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LineOut {
    country: &'static str,
    area_code: &'static str,
    locality: &'static str,
    region: &'static str,
    capabilities: &'static [&'static str],
}

fn line(l: &Line) -> LineOut {
    LineOut {
        country: l.country,
        area_code: l.area_code,
        locality: l.locality,
        region: l.region,
        capabilities: if l.sms { &["voice", "sms"] } else { &["voice"] },
    }
}

/// Renders owned number `seq`.
pub(crate) fn number(ws: &Workspace, seq: u32) -> NumberOut<'_> {
    let n = &ws.numbers[seq as usize];
    NumberOut {
        id: ws.id(Kind::PhoneNumber, seq),
        number: &n.number,
        line: line(&n.line),
        agent_id: n.agent.map(|a| ws.id(Kind::Agent, a)),
        monthly_cost: usd(n.line.monthly_cents),
        created_at: Timestamp::from_secs(n.created_at),
    }
}

/// Schema `AvailablePhoneNumber`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AvailableOut<'a> {
    number: &'a str,
    #[serde(flatten)]
    line: LineOut,
    monthly_cost: Money,
}

/// Renders an inventory entry.
pub(crate) fn available<'a>(number: &'a str, l: &Line) -> AvailableOut<'a> {
    AvailableOut {
        number,
        line: line(l),
        monthly_cost: usd(l.monthly_cents),
    }
}

/// Schema `Contact`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactOut<'a> {
    id: Id,
    phone: &'a str,
    name: Option<&'a str>,
    email: Option<&'a str>,
    custom_fields: serde_json::Map<String, serde_json::Value>,
    do_not_call: bool,
    list_ids: Vec<Id>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// Renders contact `seq`.
pub(crate) fn contact(ws: &Workspace, seq: u32) -> ContactOut<'_> {
    let c = &ws.contacts[seq as usize];
    ContactOut {
        id: ws.id(Kind::Contact, seq),
        phone: &c.phone,
        name: c.name.as_deref(),
        email: c.email.as_deref(),
        custom_fields: c
            .custom_fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
        do_not_call: c.do_not_call,
        list_ids: c
            .lists
            .iter()
            .map(|&l| ws.id(Kind::ContactList, l))
            .collect(),
        created_at: Timestamp::from_secs(c.created_at),
        updated_at: Timestamp::from_secs(c.updated_at),
    }
}

/// The fields shared by `CallSummary` and `Call`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallCommon<'a> {
    id: Id,
    agent_id: Option<Id>,
    contact_id: Option<Id>,
    phone_number_id: Id,
    direction: &'static str,
    from: &'a str,
    to: &'a str,
    status: &'static str,
    failure_reason: Option<&'static str>,
    started_at: Timestamp,
    connected_at: Option<Timestamp>,
    ended_at: Option<Timestamp>,
    duration_sec: u32,
    has_recording: bool,
}

impl CallCommon<'_> {
    /// Appends these fields as a JSON object without its closing brace, byte-identical to
    /// serialising the struct with `serde_json` (`write_open_object_matches_serde` checks it)
    /// but several times cheaper (see `json_writer`).
    fn write_open_object(&self, out: &mut Vec<u8>) {
        use crate::render::json_writer::{bool, opt_str, str, uint};
        out.extend_from_slice(b"{\"id\":");
        str(out, self.id.as_str());
        out.extend_from_slice(b",\"agentId\":");
        opt_str(out, self.agent_id.as_ref().map(Id::as_str));
        out.extend_from_slice(b",\"contactId\":");
        opt_str(out, self.contact_id.as_ref().map(Id::as_str));
        out.extend_from_slice(b",\"phoneNumberId\":");
        str(out, self.phone_number_id.as_str());
        out.extend_from_slice(b",\"direction\":");
        str(out, self.direction);
        out.extend_from_slice(b",\"from\":");
        str(out, self.from);
        out.extend_from_slice(b",\"to\":");
        str(out, self.to);
        out.extend_from_slice(b",\"status\":");
        str(out, self.status);
        out.extend_from_slice(b",\"failureReason\":");
        opt_str(out, self.failure_reason);
        out.extend_from_slice(b",\"startedAt\":");
        str(out, self.started_at.as_str());
        out.extend_from_slice(b",\"connectedAt\":");
        opt_str(out, self.connected_at.as_ref().map(Timestamp::as_str));
        out.extend_from_slice(b",\"endedAt\":");
        opt_str(out, self.ended_at.as_ref().map(Timestamp::as_str));
        out.extend_from_slice(b",\"durationSec\":");
        uint(out, u64::from(self.duration_sec));
        out.extend_from_slice(b",\"hasRecording\":");
        bool(out, self.has_recording);
    }
}

fn call_common<'a>(ws: &'a Workspace, seq: u32, c: &'a CallRec) -> CallCommon<'a> {
    let ours = ws.numbers[c.number as usize].number.as_str();
    let theirs = ws.remote_party(c);
    let (from, to) = if c.outbound {
        (ours, theirs)
    } else {
        (theirs, ours)
    };
    CallCommon {
        id: ws.id(Kind::Call, seq),
        agent_id: c.agent.map(|a| ws.id(Kind::Agent, a)),
        contact_id: c.contact.map(|ct| ws.id(Kind::Contact, ct)),
        phone_number_id: ws.id(Kind::PhoneNumber, c.number),
        direction: if c.outbound { "outbound" } else { "inbound" },
        from,
        to,
        status: c.status.as_str(),
        failure_reason: c.failure.map(|f| f.as_str()),
        started_at: Timestamp::from_secs(c.started_at),
        connected_at: c.connected_at.map(Timestamp::from_secs),
        ended_at: c.ended_at.map(Timestamp::from_secs),
        duration_sec: c.duration_sec,
        has_recording: c.has_recording,
    }
}

/// Schema `CallSummary`.
#[derive(Serialize)]
pub(crate) struct CallSummaryOut<'a> {
    #[serde(flatten)]
    common: CallCommon<'a>,
    cost: CostSummaryOut,
}

/// Schema `CallCostSummary`: the fields of `CallCost` without the line items (D-MONEY).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CostSummaryOut {
    currency: &'static str,
    total_cents: i64,
}

/// Renders call `seq` as a list item.
pub(crate) fn call_summary(ws: &Workspace, seq: u32) -> CallSummaryOut<'_> {
    let c = &ws.calls[seq as usize];
    CallSummaryOut {
        common: call_common(ws, seq, c),
        cost: CostSummaryOut {
            currency: cost::CURRENCY,
            total_cents: i64::from(c.cost_cents),
        },
    }
}

/// Schema `CallCost`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CostOut {
    currency: &'static str,
    total_cents: i64,
    line_items: Vec<LineItemOut>,
}

/// Schema `CostLineItem`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LineItemOut {
    kind: &'static str,
    description: String,
    quantity: f64,
    unit: &'static str,
    unit_price_cents: f64,
    amount_cents: i64,
}

/// Schema `TranscriptTurn`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TurnOut {
    speaker: &'static str,
    text: String,
    start_sec: f64,
    end_sec: f64,
}

/// Whether a call's transcript, line items and recording exist yet: only once it completed.
fn finished(c: &CallRec) -> bool {
    c.status == crate::store::model::CallStatus::Completed
}

/// The transcript of call `seq`, derived from its seed; empty until the call completed.
pub(crate) fn transcript_of(ws: &Workspace, seq: u32) -> Vec<transcript::Turn> {
    let c = &ws.calls[seq as usize];
    if !finished(c) {
        return Vec::new();
    }
    let contact_name = c
        .contact
        .and_then(|ct| ws.contacts[ct as usize].name.as_deref());
    transcript::transcript(
        ws.call_seed(seq),
        &TranscriptContext {
            agent_first_name: &c.script.first_name,
            first_message: &c.script.first_message,
            company: &ws.company,
            contact_name,
            mission: &c.script.mission,
            outbound: c.outbound,
            duration_sec: c.duration_sec,
        },
    )
}

/// The `cost` and `transcript` fields of schema `Call`, in the schema's order.
#[derive(Serialize)]
struct CostAndTranscript {
    cost: CostOut,
    transcript: Vec<TurnOut>,
}

fn cost_and_transcript(ws: &Workspace, seq: u32) -> CostAndTranscript {
    let c = &ws.calls[seq as usize];
    let cost = cost::call_cost(
        ws.call_seed(seq),
        c.duration_sec,
        c.outbound,
        c.has_recording,
        &c.script.voice_id,
    );
    let transcript = transcript_of(ws, seq)
        .into_iter()
        .map(|t| TurnOut {
            speaker: t.speaker.as_str(),
            text: t.text,
            start_sec: t.start_sec,
            end_sec: t.end_sec,
        })
        .collect();
    CostAndTranscript {
        cost: CostOut {
            currency: cost.currency,
            total_cents: cost.total_cents,
            line_items: cost
                .line_items
                .into_iter()
                .map(|l| LineItemOut {
                    kind: l.kind,
                    description: l.description,
                    quantity: l.quantity,
                    unit: l.unit,
                    unit_price_cents: l.unit_price_cents,
                    amount_cents: l.amount_cents,
                })
                .collect(),
        },
        transcript,
    }
}

/// Renders call `seq` in full (schema `Call`) as JSON bytes. `recording` is the signed URL and
/// its expiry, made by the caller (it knows the origin and the clock).
///
/// The body is written in three pieces rather than from one struct, so that its costly middle
/// (`cost` and `transcript`, derived from the call's seed) can come from `cache`: the common
/// fields as an object whose closing brace is dropped, then `,"cost":…,"transcript":[…]`, then
/// the recording fields and the brace. Compact JSON of a struct is exactly `{` fields joined by
/// `,` `}`, so the bytes are the same as serialising one struct with all the fields.
pub(crate) fn call_detail_json(
    ws: &Workspace,
    seq: u32,
    recording: Option<(String, i64)>,
    cache: &DetailCache,
) -> serde_json::Result<Vec<u8>> {
    let c = &ws.calls[seq as usize];
    // A typical detail is 5 to 8 KiB: one allocation instead of the doublings from 128 bytes.
    let mut out = Vec::with_capacity(8 * 1024);
    call_common(ws, seq, c).write_open_object(&mut out);
    let key = FragmentKey {
        call_seed: ws.call_seed(seq),
        duration_sec: c.duration_sec,
        outbound: c.outbound,
        has_recording: c.has_recording,
        finished: finished(c),
        script: &c.script,
        company: &ws.company,
        contact_name: c
            .contact
            .and_then(|ct| ws.contacts[ct as usize].name.as_deref()),
    };
    cache.append(&key, &mut out, |o| {
        let start = o.len();
        serde_json::to_writer(&mut *o, &cost_and_transcript(ws, seq))?;
        // `{"cost":…,"transcript":[…]}` continues the object as `,"cost":…,"transcript":[…]`.
        o[start] = b',';
        o.pop();
        Ok(())
    })?;
    let (recording_url, recording_expires_at) = match recording {
        Some((url, exp)) if c.has_recording => (Some(url), Some(Timestamp::from_secs(exp))),
        _ => (None, None),
    };
    out.extend_from_slice(b",\"recordingUrl\":");
    crate::render::json_writer::opt_str(&mut out, recording_url.as_deref());
    out.extend_from_slice(b",\"recordingExpiresAt\":");
    crate::render::json_writer::opt_str(
        &mut out,
        recording_expires_at.as_ref().map(Timestamp::as_str),
    );
    out.push(b'}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SeedConfig;
    use crate::store::seed::seed_workspace;

    #[test]
    fn write_open_object_matches_serde() {
        let ws = seed_workspace(
            &SeedConfig {
                seed: 7,
                agents: 4,
                numbers: 3,
                contacts: 20,
                calls: 300,
                anchor_secs: 1_778_688_000,
            },
            "va_test_0123456789abcdef",
        );
        for seq in 0..ws.calls.len() as u32 {
            let common = call_common(&ws, seq, &ws.calls[seq as usize]);
            let mut manual = Vec::new();
            common.write_open_object(&mut manual);
            manual.push(b'}');
            assert_eq!(
                String::from_utf8(manual).unwrap(),
                serde_json::to_string(&common).unwrap(),
                "call {seq}"
            );
        }
    }
}
