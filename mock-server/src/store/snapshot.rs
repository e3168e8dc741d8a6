//! State export and import (`GET`/`POST /_mock/state`): a workspace as one JSON document.
//!
//! The document is lossless (export, import, export gives the same bytes) and versioned. Indexes
//! are not exported; import rebuilds them. Agent scripts (what past calls' transcripts derive
//! from) are exported once in a table and referenced by index, as calls share them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fake::AREA_CODES;
use crate::store::Workspace;
use crate::store::model::{
    AgentData, AgentRec, AgentScript, CallRec, CallStatus, ContactListRec, ContactRec,
    FailureReason, Line, NumberRec,
};
use crate::store::seed::line_of;
use crate::store::workspace::Parts;

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Snapshot {
    version: u32,
    key: String,
    tag: String,
    /// A string: JSON numbers lose precision above 2^53.
    seed: String,
    company: String,
    scripts: Vec<ScriptSnap>,
    agents: Vec<AgentSnap>,
    numbers: Vec<NumberSnap>,
    inventory: Vec<LineSnap>,
    contacts: Vec<ContactSnap>,
    contact_lists: Vec<ListSnap>,
    calls: Vec<CallSnap>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScriptSnap {
    first_name: String,
    first_message: String,
    mission: String,
    voice_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AgentSnap {
    data: AgentData,
    created_at: i64,
    updated_at: i64,
    deleted: bool,
    script: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NumberSnap {
    number: String,
    country: String,
    area_code: String,
    agent: Option<u32>,
    created_at: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LineSnap {
    number: String,
    country: String,
    area_code: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContactSnap {
    phone: String,
    name: Option<String>,
    email: Option<String>,
    custom_fields: Vec<(String, String)>,
    do_not_call: bool,
    lists: Vec<u32>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListSnap {
    name: String,
    created_at: i64,
    contacts: Vec<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CallSnap {
    agent: Option<u32>,
    contact: Option<u32>,
    number: u32,
    outbound: bool,
    status: String,
    failure: Option<String>,
    started_at: i64,
    connected_at: Option<i64>,
    ended_at: Option<i64>,
    duration_sec: u32,
    has_recording: bool,
    cost_cents: u32,
    caller: Option<String>,
    script: usize,
}

/// The workspace as a JSON document.
pub(crate) fn export(ws: &Workspace) -> Value {
    let mut scripts: Vec<Arc<AgentScript>> = Vec::new();
    let mut script_ix: HashMap<*const AgentScript, usize> = HashMap::new();
    let mut intern = |s: &Arc<AgentScript>| -> usize {
        *script_ix.entry(Arc::as_ptr(s)).or_insert_with(|| {
            scripts.push(s.clone());
            scripts.len() - 1
        })
    };
    let agents: Vec<AgentSnap> = ws
        .agents
        .iter()
        .map(|a| AgentSnap {
            data: a.data.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            deleted: a.deleted,
            script: intern(&a.script),
        })
        .collect();
    let calls: Vec<CallSnap> = ws
        .calls
        .iter()
        .map(|c| CallSnap {
            agent: c.agent,
            contact: c.contact,
            number: c.number,
            outbound: c.outbound,
            status: c.status.as_str().to_owned(),
            failure: c.failure.map(|f| f.as_str().to_owned()),
            started_at: c.started_at,
            connected_at: c.connected_at,
            ended_at: c.ended_at,
            duration_sec: c.duration_sec,
            has_recording: c.has_recording,
            cost_cents: c.cost_cents,
            caller: c.caller.as_deref().map(str::to_owned),
            script: intern(&c.script),
        })
        .collect();
    let snap = Snapshot {
        version: VERSION,
        key: ws.key.clone(),
        tag: ws.tag.clone(),
        seed: ws.seed.to_string(),
        company: ws.company.clone(),
        scripts: scripts
            .iter()
            .map(|s| ScriptSnap {
                first_name: s.first_name.clone(),
                first_message: s.first_message.clone(),
                mission: s.mission.clone(),
                voice_id: s.voice_id.clone(),
            })
            .collect(),
        agents,
        numbers: ws
            .numbers
            .iter()
            .map(|n| NumberSnap {
                number: n.number.clone(),
                country: n.line.country.to_owned(),
                area_code: n.line.area_code.to_owned(),
                agent: n.agent,
                created_at: n.created_at,
            })
            .collect(),
        inventory: ws
            .inventory
            .iter()
            .map(|(n, l)| LineSnap {
                number: n.clone(),
                country: l.country.to_owned(),
                area_code: l.area_code.to_owned(),
            })
            .collect(),
        contacts: ws
            .contacts
            .iter()
            .map(|c| ContactSnap {
                phone: c.phone.clone(),
                name: c.name.clone(),
                email: c.email.clone(),
                custom_fields: c.custom_fields.clone(),
                do_not_call: c.do_not_call,
                lists: c.lists.clone(),
                created_at: c.created_at,
                updated_at: c.updated_at,
            })
            .collect(),
        contact_lists: ws
            .contact_lists
            .iter()
            .map(|l| ListSnap {
                name: l.name.clone(),
                created_at: l.created_at,
                contacts: l.contacts.clone(),
            })
            .collect(),
        calls,
    };
    serde_json::to_value(snap).unwrap_or(Value::Null)
}

fn line(country: &str, area_code: &str) -> Result<Line, String> {
    AREA_CODES
        .iter()
        .find(|a| a.country == country && a.area_code == area_code)
        .map(line_of)
        .ok_or_else(|| format!("unknown line {country} {area_code}"))
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what()) }
}

/// A workspace from a document made by [`export`]; every cross-reference is checked.
pub(crate) fn import(doc: &Value) -> Result<Workspace, String> {
    let snap: Snapshot = serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
    check(snap.version == VERSION, || {
        format!(
            "version {} is not supported (expected {VERSION})",
            snap.version
        )
    })?;
    check(crate::config::well_formed_key(&snap.key), || {
        "key is not a well-formed API key".to_owned()
    })?;
    check(
        snap.tag.len() == crate::store::ids::TAG_LEN
            && snap.tag.bytes().all(|b| b.is_ascii_alphanumeric()),
        || "tag must be 6 letters or digits".to_owned(),
    )?;
    let seed: u64 = snap
        .seed
        .parse()
        .map_err(|_| "seed must be a decimal u64 string".to_owned())?;
    let scripts: Vec<Arc<AgentScript>> = snap
        .scripts
        .into_iter()
        .map(|s| {
            Arc::new(AgentScript {
                first_name: s.first_name,
                first_message: s.first_message,
                mission: s.mission,
                voice_id: s.voice_id,
            })
        })
        .collect();
    let script = |i: usize| {
        scripts
            .get(i)
            .cloned()
            .ok_or_else(|| format!("script {i} does not exist"))
    };
    let n_agents = snap.agents.len() as u32;
    let n_contacts = snap.contacts.len() as u32;
    let n_lists = snap.contact_lists.len() as u32;
    let agents = snap
        .agents
        .into_iter()
        .map(|a| {
            Ok(AgentRec {
                script: script(a.script)?,
                data: a.data,
                created_at: a.created_at,
                updated_at: a.updated_at,
                deleted: a.deleted,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let numbers = snap
        .numbers
        .into_iter()
        .map(|n| {
            check(n.agent.is_none_or(|a| a < n_agents), || {
                format!("number {} routes to a missing agent", n.number)
            })?;
            Ok(NumberRec {
                line: line(&n.country, &n.area_code)?,
                number: n.number,
                agent: n.agent,
                created_at: n.created_at,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let n_numbers = numbers.len() as u32;
    let inventory = snap
        .inventory
        .into_iter()
        .map(|l| Ok((l.number, line(&l.country, &l.area_code)?)))
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    let mut by_phone = HashMap::new();
    let contacts = snap
        .contacts
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            check(c.lists.iter().all(|&l| l < n_lists), || {
                format!("contact {i} is in a missing list")
            })?;
            check(by_phone.insert(c.phone.clone(), i as u32).is_none(), || {
                format!("phone {} appears twice", c.phone)
            })?;
            Ok(ContactRec {
                phone: c.phone,
                name: c.name,
                email: c.email,
                custom_fields: c.custom_fields,
                do_not_call: c.do_not_call,
                lists: c.lists,
                created_at: c.created_at,
                updated_at: c.updated_at,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let contact_lists = snap
        .contact_lists
        .into_iter()
        .map(|l| {
            check(l.contacts.iter().all(|&c| c < n_contacts), || {
                format!("list '{}' has a missing contact", l.name)
            })?;
            Ok(ContactListRec {
                name: l.name,
                created_at: l.created_at,
                contacts: l.contacts,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let calls = snap
        .calls
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            check(c.agent.is_none_or(|a| a < n_agents), || {
                format!("call {i} has a missing agent")
            })?;
            check(c.contact.is_none_or(|a| a < n_contacts), || {
                format!("call {i} has a missing contact")
            })?;
            check(c.number < n_numbers, || {
                format!("call {i} has a missing number")
            })?;
            check(c.contact.is_some() || c.caller.is_some(), || {
                format!("call {i} has neither contact nor caller")
            })?;
            Ok(CallRec {
                agent: c.agent,
                contact: c.contact,
                number: c.number,
                outbound: c.outbound,
                status: CallStatus::parse(&c.status)
                    .ok_or_else(|| format!("call {i} has unknown status '{}'", c.status))?,
                failure: match c.failure {
                    None => None,
                    Some(f) => Some(
                        FailureReason::parse(&f)
                            .ok_or_else(|| format!("call {i} has unknown failure '{f}'"))?,
                    ),
                },
                started_at: c.started_at,
                connected_at: c.connected_at,
                ended_at: c.ended_at,
                duration_sec: c.duration_sec,
                has_recording: c.has_recording,
                cost_cents: c.cost_cents,
                caller: c.caller.map(String::into_boxed_str),
                script: script(c.script)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Workspace::from_records(
        snap.key,
        snap.tag,
        seed,
        snap.company,
        Parts {
            agents,
            numbers,
            inventory,
            contacts,
            by_phone,
            contact_lists,
            calls,
        },
    ))
}
