//! The check catalogue, as data: stable ids, levels, what each enforces and where that is written.
//!
//! Ids never change once released (reports, baselines and CI gates refer to them); a check that
//! is retired keeps its id out of use. `vici-conformance checks` prints this table.

use serde::Serialize;
use spec::Binding;

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

/// One entry of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct CheckInfo {
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
}

macro_rules! catalogue {
    ($( $id:literal, $level:ident, $binding:ident, $desc:literal, $src:literal; )*) => {
        /// Every check the runner knows, in report order.
        pub const CATALOGUE: &[CheckInfo] = &[
            $( CheckInfo {
                id: $id,
                level: Level::$level,
                binding: Binding::$binding,
                description: $desc,
                source: $src,
            }, )*
        ];
    };
}

catalogue! {
    "not_a_server_error", Must, Page,
        "no request, valid or not, is answered with a 5xx or a broken connection",
        "\"REST + JSON\": a 5xx or a broken exchange answers nothing";
    "status_code_documented", Must, Contract,
        "every status is one the operation documents explicitly",
        "D-ERROR";
    "content_type", Must, Page,
        "JSON answers are JSON and the recording is audio; the exact media type is the contract's",
        "\"REST + JSON\"; \"recording.wav — streamed audio\"";
    "response_headers", Must, Contract,
        "documented required headers are present and valid (each header carries its own binding)",
        "D-RATE, D-AUTH, D-RECORDING";
    "response_schema", Must, Contract,
        "the body validates against the documented schema (each schema node carries its binding)",
        "D-MODEL";
    "error_shape", Must, Page,
        "every error is {error, message, details} with the code the status prescribes",
        "\"JSON error shape … error is a stable machine code; message is human-readable\"";
    "negative_data_rejection", Must, Contract,
        "invalid input is refused with the prescribed 4xx, never accepted",
        "D-ERROR (400/422 rule), D-PARAMS, D-UNKNOWN";
    "violation_named", Must, Contract,
        "a validation_error names the bad part (parameter, JSON pointer, CSV cell)",
        "D-ERROR";
    "positive_data_acceptance", Must, Contract,
        "valid input is accepted",
        "D-MODEL (request schemas and success responses)";
    "auth_required", Must, Page,
        "missing, malformed and foreign-scheme credentials are refused (with 401 and a Bearer challenge, per D-AUTH)",
        "\"Authenticate by sending the API key … as a Bearer token\"";
    "method_not_allowed", Must, Contract,
        "a known path with an unknown method gets 405 with Allow",
        "D-ERROR";
    "unknown_id", Must, Contract,
        "an id that names nothing, of every resource type, gets 404 not_found",
        "D-IDS, D-PARAMS";
    "mutated_id", Must, Contract,
        "ids mutated with suffixes, traversal and encodings are answered 4xx, never 2xx or 5xx",
        "D-IDS";
    "id_echo", Must, Page,
        "a detail response carries the id that was asked for",
        "\"GET /v1/calls/:id — full call detail\"";
    "create_read_back", Must, Page,
        "a created resource is listed afterwards",
        "\"GET /v1/agents · POST /v1/agents\"";
    "patch_read_back", Must, Page,
        "a patched field reads back patched, and other fields are unchanged",
        "\"PATCH body accepts name, soul, mission, playbook, knowledgeBase, firstMessage, voice and transfer settings\"";
    "use_after_delete", Must, Page,
        "a deleted resource is 404 and gone from lists",
        "\"DELETE /v1/agents/:id\"";
    "isolation", Must, Page,
        "a key of another workspace cannot see or change the first key's resources",
        "\"Authenticate by sending the API key\": a key opens its own workspace";
    "list_order", Must, Contract,
        "lists are in the documented stable order and pages are consistent",
        "D-LIST";
    "cost_sum", Must, Contract,
        "a call's cost total equals the sum of its line items",
        "D-MONEY";
    "recording_audio", Must, Page,
        "a recording is a RIFF/WAVE file (8 kHz 16-bit mono PCM with an exact Content-Length, per the contract)",
        "\"GET /v1/calls/:id/recording.wav — streamed audio\"";
    "recording_range", Must, Contract,
        "single byte ranges get 206 with Content-Range, unsatisfiable ranges 416 with bytes */N",
        "D-RECORDING; RFC 9110 section 14";
    "contract_drift", Must, Page,
        "the target's own openapi.json has every operation the page lists (other drift is a note)",
        "\"Machine-readable spec: OpenAPI 3.1 JSON: app.viciagent.com/api/v1/openapi.json\"";
    "document_drift", Should, Contract,
        "the target's openapi.json differs from the reference contract (parameters, required fields, enums, types, other operations)",
        "D-MODEL: a real implementation may document more, or differently";
    "undocumented_field", Should, Contract,
        "responses carry no fields the schema does not list",
        "D-OPEN-RESPONSES (allowed, but worth knowing)";
    "webhook_headers", Must, Page,
        "a delivery carries X-VICIagent-Event, -Delivery, -Timestamp and -Signature in their forms, as a POST of JSON (each header carries its binding)",
        "\"X-VICIagent-Event: call.completed X-VICIagent-Delivery: <uuid> X-VICIagent-Timestamp: 1715616000 X-VICIagent-Signature: t=1715616000,v1=<hex_hmac>\"; D-WEBHOOK-DELIVERY";
    "webhook_signature", Must, Page,
        "a v1= value equals hex HMAC-SHA256(secret, raw body); one that verifies only over {t}.{body} fails too",
        "\"Verify by recomputing HMAC-SHA256(secret, body) and matching the v1= value\"; D-WEBHOOK-SIGNATURE";
    "webhook_replay", Should, Contract,
        "the timestamp is outside the signature, so a captured delivery can be replayed (a note, never a failure)",
        "D-WEBHOOK-SIGNATURE";
    "webhook_timestamp", Must, Contract,
        "t= repeats X-VICIagent-Timestamp, and both are within the tolerance of the target's clock",
        "D-WEBHOOK-SIGNATURE, D-WEBHOOK-DELIVERY, D-WEBHOOK-CHECKS";
    "webhook_delivery_id", Must, Page,
        "delivery ids are UUIDs; one event arrives under one delivery id, the same on every retry (contract)",
        "\"X-VICIagent-Delivery: <uuid>\"; D-WEBHOOK-DELIVERY";
    "webhook_event_type", Must, Contract,
        "X-VICIagent-Event equals the payload's type",
        "D-WEBHOOK-DELIVERY";
    "webhook_payload", Must, Contract,
        "each payload validates against the contract's schema for its event type (each schema node carries its binding)",
        "D-WEBHOOK-DELIVERY";
    "webhook_order", Must, Mock,
        "per call, first attempts arrive in lifecycle order (mock); their createdAt follow it (contract)",
        "D-RETRIES; D-WEBHOOK-CHECKS";
    "webhook_retry", Must, Contract,
        "a delivery whose first attempt was refused is retried with the same delivery id and body",
        "D-WEBHOOK-DELIVERY";
}

/// The catalogue entry of `id`.
pub fn info(id: &str) -> Option<&'static CheckInfo> {
    CATALOGUE.iter().find(|c| c.id == id)
}

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
    }
}
