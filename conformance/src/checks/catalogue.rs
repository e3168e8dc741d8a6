//! The check registry: every check the runner knows, as one typed table.
//!
//! Each entry of [`CATALOGUE`] is a [`Check`]: its stable id, its level, the binding and source of
//! the rule it enforces, a one-line description, and its [`Kind`], which says what produces its
//! verdicts:
//!
//! - [`Kind::Exchange`] carries the function that judges one exchange (`checks/response.rs`). The
//!   executor runs every enabled exchange check on every exchange, in catalogue order; there is no
//!   other list of them.
//! - [`Kind::Flow`] is a verdict produced by a multi-step flow (the protocol, stateful and drift
//!   phases, scenarios, webhooks): the flow computes it and hands it to the executor under this id.
//!
//! Ids never change once released (reports, baselines and CI gates refer to them); a check that
//! is retired keeps its id out of use. `vici-conformance checks` prints this table, in this order.
//!
//! # Adding a check
//!
//! Add one row at the end of the `catalogue!` table below, and nothing else here:
//!
//! ```text
//! "webhook_signature", Must, Contract, Flow,
//!     "what the check enforces, one line",
//!     "where the rule is written: a quote of the page, or a D-entry";
//! ```
//!
//! - An exchange check names its function instead of `Flow`: `Exchange(response::my_check)`,
//!   with `my_check` a `CheckFn` in `checks/response.rs`. That is all it takes for it to run.
//! - A flow check's verdicts are `(id, Applied)` pairs handed to `Executor::judge` or
//!   `Executor::derived`, with the id written as a string literal at the place the verdict is made.
//!
//! What keeps the table and its users in step:
//!
//! - an id that is not unique or not snake_case does not compile (the `const` assertion below);
//! - an exchange check cannot lack its function, since the entry holds it;
//! - the executor refuses a verdict under an id this table does not hold (a debug assertion:
//!   every test run fails on it, instead of the verdict silently counting as MUST);
//! - `conformance/tests/source_invariants.rs` reads the crate's sources and fails on any verdict
//!   id that is not registered here, and on any `Flow` entry that no flow produces.

use std::fmt;

use serde::Serialize;
use spec::Binding;

use super::response::{self, CheckFn};
use Kind::{Exchange, Flow};

/// How binding a check is (RFC 2119 words, as h2spec and Autobahn use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// A failure is a deviation: the run fails.
    Must,
    /// A failure is reported but does not fail the run.
    Should,
}

impl Level {
    /// `MUST` or `SHOULD`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
        }
    }
}

/// What produces a check's verdicts.
#[derive(Clone, Copy)]
pub enum Kind {
    /// A function over one exchange, run by the executor on every exchange.
    Exchange(CheckFn),
    /// Verdicts computed by a multi-step flow (protocol, stateful, drift, scenarios, webhooks)
    /// and handed to the executor under the check's id.
    Flow,
}

impl Kind {
    /// `exchange` or `flow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Exchange(_) => "exchange",
            Flow => "flow",
        }
    }
}

// By hand: a function pointer has no useful debug form, and the kind is all a reader needs.
impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check of the registry.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable id, e.g. `response_schema`.
    pub id: &'static str,
    /// MUST or SHOULD.
    pub level: Level,
    /// The binding of the rule, unless a finding names a more precise one (a schema violation
    /// takes the binding of the schema node that failed).
    pub binding: Binding,
    /// What the check enforces, one line.
    pub description: &'static str,
    /// Where the rule is written: a quote of the reference page, or a D-entry.
    pub source: &'static str,
    /// What produces its verdicts. Not part of the JSON report, whose shape it would change.
    #[serde(skip)]
    pub kind: Kind,
}

macro_rules! catalogue {
    ($( $id:literal, $level:ident, $binding:ident, $kind:expr, $desc:literal, $src:literal; )*) => {
        /// Every check the runner knows, in report order.
        pub const CATALOGUE: &[Check] = &[
            $( Check {
                id: $id,
                level: Level::$level,
                binding: Binding::$binding,
                description: $desc,
                source: $src,
                kind: $kind,
            }, )*
        ];
    };
}

// Columns: id, level, binding, kind (`Flow`, or `Exchange(function)`), description, source.
// New checks go at the end.
catalogue! {
    "not_a_server_error", Must, Page, Exchange(response::not_a_server_error),
        "no request, valid or not, is answered with a 5xx or a broken connection",
        "\"REST + JSON\": a 5xx or a broken exchange answers nothing";
    "status_code_documented", Must, Contract, Exchange(response::status_code_documented),
        "every status is one the operation documents explicitly",
        "D-ERROR";
    "content_type", Must, Page, Exchange(response::content_type),
        "JSON answers are JSON and the recording is audio; the exact media type is the contract's",
        "\"REST + JSON\"; \"recording.wav — streamed audio\"";
    "response_headers", Must, Contract, Exchange(response::response_headers),
        "documented required headers are present and valid (each header carries its own binding)",
        "D-RATE, D-AUTH, D-RECORDING";
    "response_schema", Must, Contract, Exchange(response::response_schema),
        "the body validates against the documented schema (each schema node carries its binding)",
        "D-MODEL";
    "error_shape", Must, Page, Exchange(response::error_shape),
        "every error is {error, message, details} with the code the status prescribes",
        "\"JSON error shape … error is a stable machine code; message is human-readable\"";
    "negative_data_rejection", Must, Contract, Exchange(response::negative_data_rejection),
        "invalid input is refused with the prescribed 4xx, never accepted",
        "D-ERROR (400/422 rule), D-PARAMS, D-UNKNOWN";
    "violation_named", Must, Contract, Exchange(response::violation_named),
        "a validation_error names the bad part (parameter, JSON pointer, CSV cell)",
        "D-ERROR";
    "positive_data_acceptance", Must, Contract, Exchange(response::positive_data_acceptance),
        "valid input is accepted",
        "D-MODEL (request schemas and success responses)";
    "auth_required", Must, Page, Flow,
        "missing, malformed and foreign-scheme credentials are refused (with 401 and a Bearer challenge, per D-AUTH)",
        "\"Authenticate by sending the API key … as a Bearer token\"";
    "method_not_allowed", Must, Contract, Flow,
        "a known path with an unknown method gets 405 with Allow",
        "D-ERROR";
    "unknown_id", Must, Contract, Flow,
        "an id that names nothing, of every resource type, gets 404 not_found",
        "D-IDS, D-PARAMS";
    "mutated_id", Must, Contract, Flow,
        "ids mutated with suffixes, traversal and encodings are answered 4xx, never 2xx or 5xx",
        "D-IDS";
    "id_echo", Must, Page, Flow,
        "a detail response carries the id that was asked for",
        "\"GET /v1/calls/:id — full call detail\"";
    "create_read_back", Must, Page, Flow,
        "a created resource is listed afterwards",
        "\"GET /v1/agents · POST /v1/agents\"";
    "patch_read_back", Must, Page, Flow,
        "a patched field reads back patched, and other fields are unchanged",
        "\"PATCH body accepts name, soul, mission, playbook, knowledgeBase, firstMessage, voice and transfer settings\"";
    "inbound_routing", Must, Page, Flow,
        "an inbound call to a routed number is taken by the agent it is routed to; one to a number without routing fails (unassigned_number, contract)",
        "\"PATCH /v1/phone-numbers/:id { agentId } to assign inbound routing.\"";
    "use_after_delete", Must, Page, Flow,
        "a deleted resource is 404 and gone from lists",
        "\"DELETE /v1/agents/:id\"";
    "isolation", Must, Page, Flow,
        "a key of another workspace cannot see or change the first key's resources",
        "\"Authenticate by sending the API key\": a key opens its own workspace";
    "list_order", Must, Contract, Flow,
        "lists are in the documented stable order and pages are consistent",
        "D-LIST";
    "cost_sum", Must, Contract, Flow,
        "a call's cost total equals the sum of its line items",
        "D-MONEY";
    "recording_audio", Must, Page, Flow,
        "a recording is a RIFF/WAVE file (8 kHz 16-bit mono PCM with an exact Content-Length, per the contract)",
        "\"GET /v1/calls/:id/recording.wav — streamed audio\"";
    "recording_range", Must, Contract, Flow,
        "single byte ranges get 206 with Content-Range, unsatisfiable ranges 416 with bytes */N",
        "D-RECORDING; RFC 9110 section 14";
    "contract_drift", Must, Page, Flow,
        "the target's own openapi.json has every operation the page lists (other drift is a note)",
        "\"Machine-readable spec: OpenAPI 3.1 JSON: app.viciagent.com/api/v1/openapi.json\"";
    "document_drift", Should, Contract, Flow,
        "the target's openapi.json differs from the reference contract (parameters, required fields, enums, types, other operations)",
        "D-MODEL: a real implementation may document more, or differently";
    "pagination", Must, Contract, Flow,
        "the pages of a list concatenate to it: no duplicates, at most limit items a page, the same total on every page and equal to the items, an empty page past the end",
        "D-LIST";
    "filter_applied", Must, Page, Flow,
        "a filtered list holds exactly the items that match the filter, and total counts them",
        "\"Query: agentId, contactId, status, hasRecording, dateFrom/To, limit/offset\"";
    "inventory_search", Must, Page, Flow,
        "every number the inventory search returns matches the country and areaCode asked for",
        "\"GET /v1/phone-numbers/inventory/search?country=US&areaCode=415\"";
    "undocumented_field", Should, Contract, Exchange(response::undocumented_field),
        "responses carry no fields the schema does not list",
        "D-OPEN-RESPONSES (allowed, but worth knowing)";
    "webhook_delivered", Must, Page, Flow,
        "each event the target is made to cause (a call's lifecycle, a failed call, a campaign's start and its pause for a do-not-call contact) arrives at the registered endpoint before the deadline",
        "\"Event types include call.queued, call.connected, call.completed, call.failed, campaign.started, campaign.compliance_paused.\"";
    "webhook_headers", Must, Page, Flow,
        "a delivery carries X-VICIagent-Event, -Delivery, -Timestamp and -Signature in their forms, as a POST of JSON (each header carries its binding)",
        "\"X-VICIagent-Event: call.completed X-VICIagent-Delivery: <uuid> X-VICIagent-Timestamp: 1715616000 X-VICIagent-Signature: t=1715616000,v1=<hex_hmac>\"; D-WEBHOOK-DELIVERY";
    "webhook_signature", Must, Page, Flow,
        "a v1= value equals hex HMAC-SHA256(secret, raw body); one that verifies only over {t}.{body} fails too",
        "\"Verify by recomputing HMAC-SHA256(secret, body) and matching the v1= value\"; D-WEBHOOK-SIGNATURE";
    "webhook_replay", Should, Contract, Flow,
        "the timestamp is outside the signature, so a captured delivery can be replayed (a note, never a failure)",
        "D-WEBHOOK-SIGNATURE";
    "webhook_timestamp", Must, Contract, Flow,
        "t= repeats X-VICIagent-Timestamp, and both are within the tolerance of the target's clock",
        "D-WEBHOOK-SIGNATURE, D-WEBHOOK-DELIVERY, D-WEBHOOK-CHECKS";
    "webhook_delivery_id", Must, Page, Flow,
        "delivery ids are UUIDs; one event arrives under one delivery id, the same on every retry (contract)",
        "\"X-VICIagent-Delivery: <uuid>\"; D-WEBHOOK-DELIVERY";
    "webhook_event_type", Must, Contract, Flow,
        "X-VICIagent-Event equals the payload's type",
        "D-WEBHOOK-DELIVERY";
    "webhook_payload", Must, Contract, Flow,
        "each payload validates against the contract's schema for its event type (each schema node carries its binding)",
        "D-WEBHOOK-DELIVERY";
    "webhook_order", Must, Mock, Flow,
        "per call, first attempts arrive in lifecycle order (mock); their createdAt follow it (contract)",
        "D-RETRIES; D-WEBHOOK-CHECKS";
    "webhook_retry", Must, Contract, Flow,
        "a delivery whose first attempt was refused is retried with the same delivery id and body",
        "D-WEBHOOK-DELIVERY";
    "rate_limit", Must, Page, Flow,
        "from a quiet minute, a key's first 300 requests are admitted and the 301st is refused as rate_limited with details.retryAfterSec (429 and Retry-After are the contract's)",
        "\"Rate limit: 300 requests / minute per key.\"; D-RATE";
    "rate_limit_recovery", Must, Page, Flow,
        "after waiting details.retryAfterSec seconds, the refused key is admitted again",
        "\"message\": \"too many requests — wait 12s\", \"details\": { \"retryAfterSec\": 12 }";
    "rate_limit_per_key", Must, Page, Flow,
        "a key at its limit leaves another key's requests admitted",
        "\"Rate limit: 300 requests / minute per key.\"";
}

/// The entry of `id`, if one is registered (for names a user typed: `--checks`, a baseline).
pub fn info(id: &str) -> Option<&'static Check> {
    CATALOGUE.iter().find(|c| c.id == id)
}

/// The exchange checks, in catalogue order, with their functions.
pub fn exchange_checks() -> impl Iterator<Item = (&'static str, CheckFn)> {
    CATALOGUE.iter().filter_map(|c| match c.kind {
        Exchange(f) => Some((c.id, f)),
        Flow => None,
    })
}

/// Whether `table`'s ids are snake_case and unique, checked when the crate compiles.
const fn well_formed(table: &[Check]) -> bool {
    let mut i = 0;
    while i < table.len() {
        let id = table[i].id.as_bytes();
        if id.is_empty() {
            return false;
        }
        let mut b = 0;
        while b < id.len() {
            if !(id[b].is_ascii_lowercase() || id[b] == b'_') {
                return false;
            }
            b += 1;
        }
        let mut j = 0;
        while j < i {
            if same(table[j].id.as_bytes(), id) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const _: () = assert!(
    well_formed(CATALOGUE),
    "check ids must be unique and snake_case"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_snake_case() {
        let mut ids: Vec<&str> = CATALOGUE.iter().map(|c| c.id).collect();
        assert!(
            ids.iter()
                .all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
        assert!(!well_formed(&[CATALOGUE[0].clone(), CATALOGUE[0].clone()]));
        let mut shouting = CATALOGUE[0].clone();
        shouting.id = "Not_Snake";
        assert!(!well_formed(&[shouting]));
    }

    #[test]
    fn exchange_checks_are_the_exchange_entries_in_order() {
        let ids: Vec<&str> = exchange_checks().map(|(id, _)| id).collect();
        assert_eq!(
            ids,
            [
                "not_a_server_error",
                "status_code_documented",
                "content_type",
                "response_headers",
                "response_schema",
                "error_shape",
                "negative_data_rejection",
                "violation_named",
                "positive_data_acceptance",
                "undocumented_field",
            ]
        );
    }
}
