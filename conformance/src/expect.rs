//! What a case should get, computed from the contract with the same validation code the mock
//! uses (`spec::Operation::validate_parameters` and `validate_body`).
//!
//! This is what makes "invalid input accepted" free of false positives: a negative case's
//! expectation is derived from its final serialised form (after shrinking, after encoding), so a
//! case that shrinking or serialisation made valid is judged as the valid request it became.

use spec::{Binding, Contract, Location, Operation, PathMatch, RawRequest};

use crate::case::{Case, Expectation};

/// The statuses a valid request of `op` may get when the state allows it.
pub fn accept_statuses(op: &Operation) -> Vec<u16> {
    match op.id.as_str() {
        // A purchase of a number that someone (or an earlier case) bought is a conflict, not a
        // refusal of valid input (D-NUMBERS).
        "buyPhoneNumber" => vec![201, 409],
        "getCallRecording" | "headCallRecording" => vec![200, 206],
        _ => vec![op.success_status()],
    }
}

/// `query:limit`, `path:id`, `header:Range`, `body:/voice/speed`, `body:csv`.
pub fn location_string(l: &Location) -> String {
    match l {
        Location::Path { name } => format!("path:{name}"),
        Location::Query { name } => format!("query:{name}"),
        Location::Header { name } => format!("header:{name}"),
        Location::Body { pointer } => format!("body:{pointer}"),
        Location::Csv { .. } => "body:csv".to_owned(),
    }
}

/// The expectation of `case` against `op`: `Accept` when the contract finds nothing wrong with
/// the request, otherwise the rejection the contract prescribes for the first problem the
/// mock-equivalent pipeline meets (parameters, then the body).
pub fn expectation(contract: &Contract, op: &Operation, case: &Case) -> Expectation {
    let path_params = match contract.match_path(&case.method, &case.path) {
        PathMatch::Found { path_params, .. } => path_params,
        _ => Vec::new(),
    };
    let raw = RawRequest {
        path_params: &path_params,
        query: &case.query,
        headers: &case.headers,
    };
    if let Err(violations) = op.validate_parameters(&raw) {
        // Refusing an invalid parameter rests on the parameter's own binding: page for the
        // recording URL's signature ("Signed-URL gated"), contract for our validation rules.
        let binding = strongest_binding(op, &violations);
        if let Some(r) = op.rejection_for(&violations) {
            return Expectation::reject(r.status, &r.error, Vec::new()).bound(binding);
        }
        return Expectation::reject(
            400,
            "validation_error",
            violations
                .iter()
                .map(|v| location_string(&v.location))
                .collect(),
        )
        .bound(binding);
    }
    if let Some(rb) = &op.request_body {
        let (ct, bytes) = match &case.body {
            Some(b) => (b.content_type.as_deref(), b.bytes.as_slice()),
            None => (None, &[][..]),
        };
        // The operation's limit, whatever the content type says (D-LIMITS, as the mock reads it).
        if bytes.len() > spec::rules::body_limit(rb) {
            return Expectation::reject(413, "payload_too_large", Vec::new());
        }
        if let Err(e) = op.validate_body(ct, bytes) {
            return Expectation::reject(
                e.status(),
                e.code(),
                e.violations()
                    .iter()
                    .map(|v| location_string(&v.location))
                    .collect(),
            );
        }
    }
    Expectation::accept(&accept_statuses(op))
}

/// The strongest binding among the parameters that `violations` name (contract when none is
/// annotated).
fn strongest_binding(op: &Operation, violations: &[spec::Violation]) -> Binding {
    violations
        .iter()
        .filter_map(|v| match &v.location {
            Location::Query { name } => op.parameter(name, spec::ParamIn::Query),
            Location::Path { name } => op.parameter(name, spec::ParamIn::Path),
            Location::Header { name } => op.parameter(name, spec::ParamIn::Header),
            _ => None,
        })
        .map(|p| p.rule.binding)
        .min()
        .unwrap_or(Binding::Contract)
}
