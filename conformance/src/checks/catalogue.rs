//! The check catalogue, as data: stable ids, levels, what each enforces and where that is written.
//!
//! Ids never change once released (reports, baselines and CI gates refer to them); a check that
//! is retired keeps its id out of use. `vici-conformance checks` prints this table.

use serde::Serialize;

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
    /// What the check enforces, one line.
    pub description: &'static str,
    /// Where the rule is written: the reference page sentence or the contract/decision.
    pub source: &'static str,
}

macro_rules! catalogue {
    ($( $id:literal, $level:ident, $desc:literal, $src:literal; )*) => {
        /// Every check the runner knows, in report order.
        pub const CATALOGUE: &[CheckInfo] = &[
            $( CheckInfo { id: $id, level: Level::$level, description: $desc, source: $src }, )*
        ];
    };
}

catalogue! {
    "not_a_server_error", Must,
        "no request, valid or not, is answered with a 5xx or a broken connection",
        "contract: no operation documents a 5xx; D-ERROR (internal_error is a bug)";
    "status_code_documented", Must,
        "every status is one the operation documents",
        "contract: responses of each operation";
    "content_type", Must,
        "the Content-Type is the one documented for that status",
        "contract: response content; page: \"REST + JSON\"";
    "response_headers", Must,
        "documented required headers are present and valid, rate-limit headers included",
        "page: \"Rate limit: 300 requests / minute per key\"; D-RATE";
    "response_schema", Must,
        "the body validates against the documented schema",
        "contract: response schemas";
    "error_shape", Must,
        "every error is {error, message, details} with the code the status prescribes",
        "page: \"JSON error shape … error is a stable machine code\"; D-ERROR";
    "negative_data_rejection", Must,
        "invalid input is refused with the prescribed 4xx, never accepted",
        "D-ERROR (400/422 rule), D-PARAMS, D-UNKNOWN";
    "violation_named", Must,
        "a validation_error names the bad part (parameter, JSON pointer, CSV cell)",
        "D-ERROR: \"lists every violation with its location\"";
    "positive_data_acceptance", Must,
        "valid input is accepted",
        "contract: request schemas and success responses";
    "auth_required", Must,
        "missing, malformed and foreign-scheme credentials get 401 with a Bearer challenge",
        "page: \"Authenticate by sending the API key … as a Bearer token\"; D-AUTH";
    "method_not_allowed", Must,
        "a known path with an unknown method gets 405 with Allow",
        "D-ERROR (method_not_allowed)";
    "unknown_id", Must,
        "an id that names nothing, of every resource type, gets 404 not_found",
        "D-IDS, D-PARAMS";
    "mutated_id", Must,
        "ids mutated with suffixes, traversal and encodings are answered 4xx, never 2xx or 5xx",
        "D-IDS (ids are opaque)";
    "id_echo", Must,
        "a detail response carries the id that was asked for",
        "contract: GET /calls/{id}, PATCH /agents/{id}, PATCH /phone-numbers/{id}";
    "create_read_back", Must,
        "a created resource is listed afterwards",
        "page: POST /v1/agents, POST to buy from inventory";
    "patch_read_back", Must,
        "a patched field reads back patched, and other fields are unchanged",
        "page: \"PATCH body accepts name, soul, …\"; D-AGENTS";
    "use_after_delete", Must,
        "a deleted resource is 404 and gone from lists",
        "page: DELETE /v1/agents/:id; D-AGENTS";
    "isolation", Must,
        "a second key cannot see or change the first key's resources",
        "page: \"per key\"; D-NUMBERS (each key's workspace)";
    "list_order", Must,
        "lists are in the documented stable order and pages are consistent",
        "D-LIST";
    "cost_sum", Must,
        "a call's cost total equals the sum of its line items",
        "D-MONEY";
    "recording_audio", Must,
        "a recording is RIFF/WAVE, 8 kHz 16-bit mono PCM, with an exact Content-Length",
        "page: \"recording.wav — streamed audio\"; D-RECORDING";
    "recording_range", Must,
        "single byte ranges get 206 with Content-Range, unsatisfiable ranges 416 with bytes */N",
        "D-RECORDING; RFC 9110 section 14";
    "undocumented_field", Should,
        "responses carry no fields the schema does not list",
        "D-OPEN-RESPONSES (allowed, but worth knowing)";
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
