//! One API key's workspace: its agents, numbers, inventory, contacts, lists and calls, and every
//! operation on them.
//!
//! Operations either succeed completely or change nothing: each checks everything first and
//! mutates last, so a rejected request never leaves partial state behind (a failed PATCH with
//! side effects is a classic fault that conformance runners look for).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::call_index::{CallIndex, CallQuery};
use super::ids::{self, Kind};
use super::model::{
    AgentData, AgentRec, AgentScript, CallRec, ContactListRec, ContactRec, Line, NumberRec,
};
use crate::store::csv_import::ParsedCsv;

/// Why a store operation was refused. The API layer maps each to its error response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum StoreError {
    /// No such resource in this workspace.
    #[error("no {} '{id}' in this workspace", kind.resource())]
    NotFound { kind: Kind, id: String },
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict { message: String, details: Value },
    /// A well-formed body is invalid where the schema cannot say so (422).
    #[error("{reason}")]
    Invalid { pointer: String, reason: String },
}

/// A page of results: the total number of matches and the items of this page.
pub(crate) struct Page<T> {
    pub(crate) total: usize,
    pub(crate) items: Vec<T>,
}

/// The outcome of a CSV import (schema `ContactListImport`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImportReport {
    pub(crate) list: u32,
    pub(crate) rows: u64,
    pub(crate) created: u64,
    pub(crate) merged: u64,
    pub(crate) rejected: u64,
}

/// The state of one API key.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    pub(crate) key: String,
    pub(crate) tag: String,
    pub(crate) seed: u64,
    pub(crate) company: String,
    pub(crate) agents: Vec<AgentRec>,
    /// Sequence numbers of agents that are not deleted, in creation (= list) order.
    live_agents: Vec<u32>,
    pub(crate) numbers: Vec<NumberRec>,
    pub(crate) inventory: BTreeMap<String, Line>,
    pub(crate) contacts: Vec<ContactRec>,
    by_phone: HashMap<String, u32>,
    pub(crate) contact_lists: Vec<ContactListRec>,
    pub(crate) calls: Vec<CallRec>,
    index: CallIndex,
}

/// A workspace's records without its indexes, for building one from several sources (a seeded
/// workspace with fixtures added).
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub(crate) agents: Vec<AgentRec>,
    pub(crate) numbers: Vec<NumberRec>,
    pub(crate) inventory: BTreeMap<String, Line>,
    pub(crate) contacts: Vec<ContactRec>,
    pub(crate) by_phone: HashMap<String, u32>,
    pub(crate) contact_lists: Vec<ContactListRec>,
    pub(crate) calls: Vec<CallRec>,
}

impl Workspace {
    /// Takes the workspace apart into its records (indexes are rebuilt by [`Workspace::from_records`]).
    pub(crate) fn into_parts(self) -> Parts {
        Parts {
            agents: self.agents,
            numbers: self.numbers,
            inventory: self.inventory,
            contacts: self.contacts,
            by_phone: self.by_phone,
            contact_lists: self.contact_lists,
            calls: self.calls,
        }
    }

    /// Assembles a workspace from its records (seeded, imported or from fixtures), building the
    /// call indexes.
    pub(crate) fn from_records(
        key: String,
        tag: String,
        seed: u64,
        company: String,
        p: Parts,
    ) -> Workspace {
        let index = CallIndex::build(&p.calls);
        let Parts {
            agents,
            numbers,
            inventory,
            contacts,
            by_phone,
            contact_lists,
            calls,
        } = p;
        let live_agents = (0..agents.len() as u32)
            .filter(|&i| !agents[i as usize].deleted)
            .collect();
        Workspace {
            key,
            tag,
            seed,
            company,
            agents,
            live_agents,
            numbers,
            inventory,
            contacts,
            by_phone,
            contact_lists,
            calls,
            index,
        }
    }

    /// The id of resource `seq` of `kind` in this workspace.
    pub(crate) fn id(&self, kind: Kind, seq: u32) -> ids::Id {
        ids::encode(kind, &self.tag, seq)
    }

    /// Resolves an id of this workspace to its slot, whatever its form; `None` when it names
    /// nothing here (another workspace's id, a deleted agent, garbage).
    pub(crate) fn resolve(&self, kind: Kind, id: &str) -> Option<u32> {
        let (tag, seq) = ids::decode(kind, id)?;
        if tag != self.tag {
            return None;
        }
        let exists = match kind {
            Kind::Agent => self.agents.get(seq as usize).is_some_and(|a| !a.deleted),
            Kind::PhoneNumber => (seq as usize) < self.numbers.len(),
            Kind::Contact => (seq as usize) < self.contacts.len(),
            Kind::ContactList => (seq as usize) < self.contact_lists.len(),
            Kind::Call => (seq as usize) < self.calls.len(),
            Kind::Event | Kind::Campaign => false,
        };
        exists.then_some(seq)
    }

    fn require(&self, kind: Kind, id: &str) -> Result<u32, StoreError> {
        self.resolve(kind, id).ok_or_else(|| StoreError::NotFound {
            kind,
            id: id.to_owned(),
        })
    }

    // ----- agents -----

    /// The first live agent, if any.
    pub(crate) fn first_live_agent(&self) -> Option<u32> {
        self.live_agents.first().copied()
    }

    /// A page of live agents in creation order.
    pub(crate) fn list_agents(&self, offset: usize, limit: usize) -> Page<u32> {
        Page {
            total: self.live_agents.len(),
            items: self
                .live_agents
                .iter()
                .skip(offset)
                .take(limit)
                .copied()
                .collect(),
        }
    }

    /// Creates an agent from a validated `AgentCreate` body.
    pub(crate) fn create_agent(
        &mut self,
        body: &Map<String, Value>,
        now: i64,
    ) -> Result<u32, StoreError> {
        let data = agent_data(&self.company, body)?;
        let seq = self.agents.len() as u32;
        self.agents.push(AgentRec {
            script: AgentScript::of(&data),
            data,
            created_at: now,
            updated_at: now,
            deleted: false,
        });
        self.live_agents.push(seq);
        Ok(seq)
    }

    /// Applies a validated `AgentUpdate` body to agent `id`.
    pub(crate) fn update_agent(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        now: i64,
    ) -> Result<u32, StoreError> {
        let seq = self.require(Kind::Agent, id)?;
        let agent = &mut self.agents[seq as usize];
        // Apply to a copy so a field that fails to convert leaves the agent untouched.
        let mut data = agent.data.clone();
        apply_agent_fields(&mut data, body)?;
        agent.script = AgentScript::of(&data);
        agent.data = data;
        agent.updated_at = now.max(agent.updated_at);
        Ok(seq)
    }

    /// Deletes agent `id` and clears the routing of its numbers.
    pub(crate) fn delete_agent(&mut self, id: &str) -> Result<(), StoreError> {
        let seq = self.require(Kind::Agent, id)?;
        self.agents[seq as usize].deleted = true;
        self.live_agents.retain(|&s| s != seq);
        for n in &mut self.numbers {
            if n.agent == Some(seq) {
                n.agent = None;
            }
        }
        Ok(())
    }

    // ----- phone numbers -----

    /// A page of owned numbers in purchase order.
    pub(crate) fn list_numbers(&self, offset: usize, limit: usize) -> Page<u32> {
        Page {
            total: self.numbers.len(),
            items: (0..self.numbers.len() as u32)
                .skip(offset)
                .take(limit)
                .collect(),
        }
    }

    /// Sets or clears the inbound routing of number `id`.
    pub(crate) fn route_number(
        &mut self,
        id: &str,
        agent_id: Option<&str>,
    ) -> Result<u32, StoreError> {
        let seq = self.require(Kind::PhoneNumber, id)?;
        let agent = match agent_id {
            None => None,
            // An agent this workspace does not have (never had, deleted, another key's)
            // conflicts with its state, like buying a number it does not offer (D-NUMBERS).
            Some(a) => Some(
                self.resolve(Kind::Agent, a)
                    .ok_or_else(|| StoreError::Conflict {
                        message: format!(
                            "no agent '{a}' in this workspace; route to one of its agents, or null"
                        ),
                        details: serde_json::json!({ "agentId": a }),
                    })?,
            ),
        };
        self.numbers[seq as usize].agent = agent;
        Ok(seq)
    }

    /// Inventory numbers of `country` (and `area_code`), by number.
    pub(crate) fn search_inventory(
        &self,
        country: &str,
        area_code: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Page<(&str, &Line)> {
        let matches = self
            .inventory
            .iter()
            .filter(|(_, l)| l.country == country && area_code.is_none_or(|a| l.area_code == a));
        let total = matches.clone().count();
        Page {
            total,
            items: matches
                .skip(offset)
                .take(limit)
                .map(|(n, l)| (n.as_str(), l))
                .collect(),
        }
    }

    /// Buys `number` from the inventory.
    pub(crate) fn buy_number(&mut self, number: &str, now: i64) -> Result<u32, StoreError> {
        let Some(line) = self.inventory.remove(number) else {
            let owned = self.numbers.iter().any(|n| n.number == number);
            return Err(StoreError::Conflict {
                message: if owned {
                    format!("{number} already belongs to this workspace")
                } else {
                    format!("{number} is not available in this workspace's inventory")
                },
                details: serde_json::json!({ "number": number }),
            });
        };
        let seq = self.numbers.len() as u32;
        self.numbers.push(NumberRec {
            number: number.to_owned(),
            line,
            agent: None,
            created_at: now,
        });
        Ok(seq)
    }

    // ----- contacts -----

    /// A page of contacts in creation order.
    pub(crate) fn list_contacts(&self, offset: usize, limit: usize) -> Page<u32> {
        Page {
            total: self.contacts.len(),
            items: (0..self.contacts.len() as u32)
                .skip(offset)
                .take(limit)
                .collect(),
        }
    }

    /// Imports parsed CSV rows as a new contact list, merging rows whose phone is already known.
    pub(crate) fn import_contacts(
        &mut self,
        name: String,
        parsed: ParsedCsv,
        now: i64,
    ) -> ImportReport {
        let list = self.contact_lists.len() as u32;
        let mut members: Vec<u32> = Vec::new();
        let (mut created, mut merged) = (0, 0);
        for row in parsed.rows {
            let seq = match self.by_phone.get(&row.phone) {
                Some(&seq) => {
                    merged += 1;
                    let c = &mut self.contacts[seq as usize];
                    if row.name.is_some() {
                        c.name = row.name;
                    }
                    if row.email.is_some() {
                        c.email = row.email;
                    }
                    if let Some(d) = row.do_not_call {
                        c.do_not_call = d;
                    }
                    for (k, v) in row.custom_fields {
                        match c.custom_fields.iter_mut().find(|(ek, _)| *ek == k) {
                            Some(slot) => slot.1 = v,
                            None => c.custom_fields.push((k, v)),
                        }
                    }
                    c.updated_at = now.max(c.updated_at);
                    seq
                }
                None => {
                    created += 1;
                    let seq = self.contacts.len() as u32;
                    self.by_phone.insert(row.phone.clone(), seq);
                    self.contacts.push(ContactRec {
                        phone: row.phone,
                        name: row.name,
                        email: row.email,
                        custom_fields: row.custom_fields,
                        do_not_call: row.do_not_call.unwrap_or(false),
                        lists: Vec::new(),
                        created_at: now,
                        updated_at: now,
                    });
                    seq
                }
            };
            let c = &mut self.contacts[seq as usize];
            if !c.lists.contains(&list) {
                c.lists.push(list);
                members.push(seq);
            }
        }
        self.contact_lists.push(ContactListRec {
            name,
            created_at: now,
            contacts: members,
        });
        ImportReport {
            list,
            rows: parsed.data_rows,
            created,
            merged,
            rejected: parsed.data_rows.saturating_sub(created + merged),
        }
    }

    // ----- calls -----

    /// A page of calls matching `q`, newest first.
    pub(crate) fn list_calls(&self, q: &CallQuery, offset: usize, limit: usize) -> Page<u32> {
        let (total, items) = self.index.query(&self.calls, q, offset, limit);
        Page { total, items }
    }

    /// Resolves a filter value to a slot; a filter that names nothing matches nothing.
    pub(crate) fn resolve_filter(&self, kind: Kind, id: &str) -> Option<u32> {
        let (tag, seq) = ids::decode(kind, id)?;
        (tag == self.tag).then_some(seq)
    }

    /// The per-call seed that transcripts, costs and audio derive from.
    pub(crate) fn call_seed(&self, seq: u32) -> u64 {
        crate::determinism::mix(self.seed, u64::from(seq))
    }

    /// The phone number on the other end of a call.
    pub(crate) fn remote_party<'a>(&'a self, c: &'a CallRec) -> &'a str {
        match (&c.caller, c.contact) {
            (Some(p), _) => p,
            (None, Some(ct)) => &self.contacts[ct as usize].phone,
            (None, None) => "+10000000000",
        }
    }

    /// Adds a call and indexes it; used by the lifecycle simulation.
    pub(crate) fn push_call(&mut self, call: CallRec) -> u32 {
        let seq = self.calls.len() as u32;
        self.calls.push(call);
        self.index.insert(&self.calls, seq);
        seq
    }

    /// Changes a call through `f`, keeping the indexes in step.
    pub(crate) fn update_call(&mut self, seq: u32, f: impl FnOnce(&mut CallRec)) {
        self.index.remove(&self.calls, seq);
        f(&mut self.calls[seq as usize]);
        self.index.insert(&self.calls, seq);
    }
}

/// An agent's fields from a validated `AgentCreate` body, with the defaults of `POST /agents`.
pub(crate) fn agent_data(
    company: &str,
    body: &Map<String, Value>,
) -> Result<AgentData, StoreError> {
    let mut data = default_agent(company);
    apply_agent_fields(&mut data, body)?;
    Ok(data)
}

/// The defaults of `POST /agents` for omitted fields (documented in `AgentCreate`).
fn default_agent(company: &str) -> AgentData {
    AgentData {
        name: String::new(),
        soul: String::new(),
        mission: String::new(),
        playbook: Vec::new(),
        knowledge_base: Vec::new(),
        first_message: format!("Hi, thanks for calling {company}. How can I help you today?"),
        voice: super::model::Voice {
            voice_id: "aria".to_owned(),
            language: "en-US".to_owned(),
            speed: 1.0,
        },
        transfer: None,
    }
}

/// Copies the present fields of a validated agent body into `data`. The schema has already
/// checked types and bounds; a conversion failure here means the schema and the model disagree,
/// reported as a 422 at that field rather than a panic.
fn apply_agent_fields(data: &mut AgentData, body: &Map<String, Value>) -> Result<(), StoreError> {
    fn conv<T: serde::de::DeserializeOwned>(field: &str, v: &Value) -> Result<T, StoreError> {
        serde_json::from_value(v.clone()).map_err(|e| StoreError::Invalid {
            pointer: format!("/{field}"),
            reason: e.to_string(),
        })
    }
    for (k, v) in body {
        match k.as_str() {
            "name" => data.name = conv(k, v)?,
            "soul" => data.soul = conv(k, v)?,
            "mission" => data.mission = conv(k, v)?,
            "playbook" => data.playbook = conv(k, v)?,
            "knowledgeBase" => data.knowledge_base = conv(k, v)?,
            "firstMessage" => data.first_message = conv(k, v)?,
            "voice" => data.voice = conv(k, v)?,
            "transfer" => data.transfer = conv(k, v)?,
            other => {
                return Err(StoreError::Invalid {
                    pointer: format!("/{}", other.replace('~', "~0").replace('/', "~1")),
                    reason: format!("unknown field '{other}'"),
                });
            }
        }
    }
    Ok(())
}
