//! Seeding a new workspace deterministically from the root seed and the API key.
//!
//! Every value comes from an RNG derived from (workspace seed, purpose, index), never from a
//! shared stream, so the same seed and key give the same workspace whatever the sizes of the
//! other collections, and the same bytes on every machine. Times are anchored on the clock's
//! start, not on the moment a key is first used, so two runs with the same `--start-time` agree.

use std::collections::{BTreeMap, HashMap};

use rand::RngExt as _;

use super::model::{
    AgentData, AgentRec, AgentScript, CallRec, CallStatus, ContactListRec, ContactRec,
    FailureReason, KnowledgeEntry, Line, NumberRec, PlaybookStep, Transfer, Voice,
};
use super::workspace::{Parts, Workspace};
use crate::derive::cost;
use crate::fake::{self, AREA_CODES, AreaCode, Rng, rng_for};
use crate::store::ids;

/// How big a seeded workspace is, and where its timeline sits.
#[derive(Debug, Clone)]
pub(crate) struct SeedConfig {
    pub(crate) seed: u64,
    pub(crate) agents: u32,
    pub(crate) numbers: u32,
    pub(crate) contacts: u32,
    pub(crate) calls: u32,
    /// Unix seconds that the seeded history ends at (the clock's start).
    pub(crate) anchor_secs: i64,
}

const DAY: i64 = 86_400;

use crate::determinism::mix;

/// The monthly price of a number on the given line.
fn monthly_cents(area: &AreaCode) -> i64 {
    match area.country {
        "GB" => 150,
        "CA" => 125,
        _ => 115,
    }
}

/// The line (location and price) of an area code.
pub(crate) fn line_of(area: &'static AreaCode) -> Line {
    Line {
        country: area.country,
        area_code: area.area_code,
        locality: area.locality,
        region: area.region,
        sms: area.country != "GB",
        monthly_cents: monthly_cents(area),
    }
}

/// Inventory numbers per area code (drawn; the 415 area code also offers
/// [`EXAMPLE_INVENTORY_NUMBER`]).
const INVENTORY_PER_AREA: u64 = 8;

/// The number of the contract's purchase example (`buyPhoneNumber` in `spec/openapi.json`): every
/// workspace's inventory offers it, so the contract's own example buys a number on a fresh
/// workspace (D-NUMBERS). It is reserved before any number is drawn, so no seeded number,
/// inventory entry or contact takes it.
pub(crate) const EXAMPLE_INVENTORY_NUMBER: &str = "+14155550199";

/// The seed of `key`'s workspace and the tag in its ids: the same whatever the workspace starts
/// from (seeded data, fixtures, or an export imported under this key).
pub(crate) fn identity(root_seed: u64, key: &str) -> (u64, String) {
    let ws_seed = crate::determinism::workspace_seed(root_seed, key);
    (ws_seed, ids::tag_from_hash(mix(ws_seed, 0x7A6)))
}

/// The company of a workspace whose seed is `ws_seed`.
pub(crate) fn company_of(ws_seed: u64) -> String {
    fake::company(&mut rng_for(ws_seed, "company", 0))
}

/// Builds the workspace of `key`.
pub(crate) fn seed_workspace(cfg: &SeedConfig, key: &str) -> Workspace {
    let (ws_seed, tag) = identity(cfg.seed, key);
    let anchor = cfg.anchor_secs;
    let company = company_of(ws_seed);
    let mut taken: HashMap<String, ()> = HashMap::new();
    taken.insert(EXAMPLE_INVENTORY_NUMBER.to_owned(), ());
    let mut fresh_phone = |rng: &mut Rng, area: &AreaCode| loop {
        let p = fake::phone_in(rng, area.country, area.area_code);
        if taken.insert(p.clone(), ()).is_none() {
            return p;
        }
    };

    let agents: Vec<AgentRec> = (0..cfg.agents)
        .map(|i| {
            let mut rng = rng_for(ws_seed, "agent", u64::from(i));
            let p = fake::agent_profile(&mut rng, &company);
            let data = AgentData {
                name: p.name,
                soul: p.soul,
                mission: p.mission,
                playbook: p
                    .playbook
                    .into_iter()
                    .map(|(title, instructions)| PlaybookStep {
                        title,
                        instructions,
                    })
                    .collect(),
                knowledge_base: p
                    .knowledge_base
                    .into_iter()
                    .map(|(title, content)| KnowledgeEntry { title, content })
                    .collect(),
                first_message: p.first_message,
                voice: Voice {
                    voice_id: p.voice_id.to_owned(),
                    language: p.language.to_owned(),
                    speed: p.speed,
                },
                transfer: p.transfer.map(|t| Transfer {
                    phone_number: t.phone_number,
                    mode: t.mode.to_owned(),
                    conditions: t.conditions,
                }),
            };
            let at = anchor - 60 * DAY + i64::from(i) * 3_600;
            AgentRec {
                script: AgentScript::of(&data),
                data,
                created_at: at,
                updated_at: at,
                deleted: false,
            }
        })
        .collect();

    // Owned numbers come from the US area codes first, one per area code in table order.
    let mut numbers: Vec<NumberRec> = Vec::new();
    for i in 0..cfg.numbers {
        let area = &AREA_CODES[i as usize % AREA_CODES.len()];
        let mut rng = rng_for(ws_seed, "number", u64::from(i));
        let number = fresh_phone(&mut rng, area);
        // Every number routes to an agent except the last, so unassigned routing is seeded too.
        let agent = (!agents.is_empty() && (i + 1 < cfg.numbers || cfg.numbers == 1))
            .then(|| i % cfg.agents);
        numbers.push(NumberRec {
            number,
            line: line_of(area),
            agent,
            created_at: anchor - 59 * DAY + i64::from(i) * 60,
        });
    }

    let mut inventory = BTreeMap::new();
    for (a, area) in AREA_CODES.iter().enumerate() {
        for j in 0..INVENTORY_PER_AREA {
            let mut rng = rng_for(ws_seed, "inventory", a as u64 * 1_000 + j);
            let number = fresh_phone(&mut rng, area);
            inventory.insert(number, line_of(area));
        }
        if area.country == "US" && area.area_code == "415" {
            inventory.insert(EXAMPLE_INVENTORY_NUMBER.to_owned(), line_of(area));
        }
    }

    let mut contacts: Vec<ContactRec> = Vec::with_capacity(cfg.contacts as usize);
    let mut by_phone = HashMap::with_capacity(cfg.contacts as usize);
    for i in 0..cfg.contacts {
        let mut rng = rng_for(ws_seed, "contact", u64::from(i));
        let area = &AREA_CODES[rng.random_range(0..AREA_CODES.len())];
        let phone = fresh_phone(&mut rng, area);
        let name = fake::person_name(&mut rng);
        let their_company = fake::company(&mut rng);
        let email = fake::email_for(&name, &their_company, &mut rng);
        let at = anchor - 45 * DAY + i64::from(i) * 30;
        by_phone.insert(phone.clone(), i);
        contacts.push(ContactRec {
            phone,
            name: Some(name),
            email: Some(email),
            custom_fields: vec![("company".to_owned(), their_company)],
            do_not_call: rng.random_ratio(1, 30),
            lists: vec![0],
            created_at: at,
            updated_at: at,
        });
    }
    let contact_lists = vec![ContactListRec {
        name: "Seeded leads".to_owned(),
        created_at: anchor - 45 * DAY,
        contacts: (0..cfg.contacts).collect(),
    }];

    let calls = seed_calls(cfg, ws_seed, &agents, &numbers, &contacts, &mut taken);
    Workspace::from_records(
        key.to_owned(),
        tag,
        ws_seed,
        company,
        Parts {
            agents,
            numbers,
            inventory,
            contacts,
            by_phone,
            contact_lists,
            calls,
        },
    )
}

fn seed_calls(
    cfg: &SeedConfig,
    ws_seed: u64,
    agents: &[AgentRec],
    numbers: &[NumberRec],
    contacts: &[ContactRec],
    taken: &mut HashMap<String, ()>,
) -> Vec<CallRec> {
    if numbers.is_empty() || agents.is_empty() {
        return Vec::new();
    }
    let n = cfg.calls as usize;
    let window = 30 * DAY;
    let mut starts: Vec<i64> = (0..n)
        .map(|i| {
            let mut rng = rng_for(ws_seed, "call-start", i as u64);
            cfg.anchor_secs - 120 - rng.random_range(0..window)
        })
        .collect();
    starts.sort_unstable();
    let mut calls = Vec::with_capacity(n);
    for (i, started_at) in starts.into_iter().enumerate() {
        let seq = i as u32;
        let mut rng = rng_for(ws_seed, "call", u64::from(seq));
        let outbound = !contacts.is_empty() && rng.random_ratio(65, 100);
        let (agent, number, contact, caller) = if outbound {
            let agent = rng.random_range(0..agents.len()) as u32;
            let number = numbers
                .iter()
                .position(|nr| nr.agent == Some(agent))
                .unwrap_or(0) as u32;
            let contact = rng.random_range(0..contacts.len()) as u32;
            (Some(agent), number, Some(contact), None)
        } else {
            let number = rng.random_range(0..numbers.len()) as u32;
            let agent = numbers[number as usize].agent;
            if !contacts.is_empty() && rng.random_ratio(7, 10) {
                let contact = rng.random_range(0..contacts.len()) as u32;
                (agent, number, Some(contact), None)
            } else {
                let area = &AREA_CODES[rng.random_range(0..AREA_CODES.len())];
                let p = fake::phone_in(&mut rng, area.country, area.area_code);
                taken.insert(p.clone(), ());
                (agent, number, None, Some(p.into_boxed_str()))
            }
        };
        let agent_for_script = agent.unwrap_or(0) as usize;
        let script = agents[agent_for_script].script.clone();
        let ring = rng.random_range(2..13);
        // The two newest calls are still in progress, so every status is represented.
        let status = if i + 1 == n && n >= 10 {
            CallStatus::Queued
        } else if i + 2 == n && n >= 10 {
            CallStatus::Connected
        } else if agent.is_none() || rng.random_ratio(1, 5) {
            CallStatus::Failed
        } else {
            CallStatus::Completed
        };
        let failure = (status == CallStatus::Failed).then(|| {
            if agent.is_none() {
                FailureReason::UnassignedNumber
            } else {
                match rng.random_range(0..20) {
                    0..10 => FailureReason::NoAnswer,
                    10..15 => FailureReason::Busy,
                    15..17 => FailureReason::InvalidNumber,
                    17..19 => FailureReason::CarrierError,
                    _ => FailureReason::AgentError,
                }
            }
        });
        let (duration_sec, has_recording) = if status == CallStatus::Completed {
            // Mostly a few minutes, sometimes long: 20 s to about 15 min.
            let d: u32 =
                20 + rng.random_range(0..240) + rng.random_range(0..4) * rng.random_range(0..160);
            (d, rng.random_ratio(9, 10))
        } else {
            (0, false)
        };
        let (connected_at, ended_at) = status.times(started_at, ring, duration_sec);
        let call_seed = mix(ws_seed, u64::from(seq));
        let cost_cents = cost::call_cost(
            call_seed,
            duration_sec,
            outbound,
            has_recording,
            &script.voice_id,
        )
        .stored_cents();
        calls.push(CallRec {
            agent,
            contact,
            number,
            outbound,
            status,
            failure,
            started_at,
            connected_at,
            ended_at,
            duration_sec,
            has_recording,
            cost_cents,
            caller,
            script,
        });
    }
    calls
}
