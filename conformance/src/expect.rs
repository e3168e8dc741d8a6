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
            // A well-formed JSON body that breaks the schema rests on the weakest binding whose
            // projection still refuses it: an agent id without the mock's `agt_` prefix is
            // only the mock's rule (D-IDS), a target with UUIDs accepts it rightly.
            let binding = match &e {
                spec::BodyError::Invalid(_) => json_body_binding(op, bytes),
                _ => Binding::Contract,
            };
            return Expectation::reject(
                e.status(),
                e.code(),
                e.violations()
                    .iter()
                    .map(|v| location_string(&v.location))
                    .collect(),
            )
            .bound(binding);
        }
    }
    Expectation::accept(&accept_statuses(op))
}

/// The binding of the rule an invalid JSON body breaks (contract when it cannot tell: a CSV body,
/// or nothing the projections classify).
fn json_body_binding(op: &Operation, bytes: &[u8]) -> Binding {
    let media = op
        .request_body
        .as_ref()
        .and_then(|rb| rb.content.iter().find(|m| m.is_json()));
    let value = serde_json::from_slice::<serde_json::Value>(bytes).ok();
    match (media, value) {
        (Some(m), Some(v)) => m.classify(&v).map_or(Binding::Contract, |c| c.rule.binding),
        _ => Binding::Contract,
    }
}

/// The strongest binding among the parameters that `violations` name (contract when none is
/// annotated, and for a parameter the operation does not have: D-PARAMS).
///
/// A parameter's own binding says that it exists ("Query: … limit/offset" for the call list);
/// what a refused *value* rests on is its schema's binding (`limit` up to 100 is D-LIST, and a
/// target may clamp instead). The signed-URL parameters are the exception: whatever is wrong
/// with them, accepting the URL breaks "Signed-URL gated", the parameter's own binding.
fn strongest_binding(op: &Operation, violations: &[spec::Violation]) -> Binding {
    violations
        .iter()
        .filter_map(|v| match &v.location {
            Location::Query { name } => op.parameter(name, spec::ParamIn::Query),
            Location::Path { name } => op.parameter(name, spec::ParamIn::Path),
            Location::Header { name } => op.parameter(name, spec::ParamIn::Header),
            _ => None,
        })
        .map(|p| {
            if p.on_invalid.is_some() {
                p.rule.binding
            } else {
                spec::Rule::of(&p.schema).unwrap_or_default().binding
            }
        })
        .min()
        .unwrap_or(Binding::Contract)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Auth, Phase};

    fn case(op: &Operation, query: &[(&str, &str)]) -> Case {
        Case {
            id: "t".into(),
            operation_id: Some(op.id.clone()),
            phase: Phase::Coverage,
            method: op.method.as_str().to_owned(),
            path: op.path.replace("{id}", "call_000000000000"),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            headers: Vec::new(),
            auth: Auth::Primary,
            body: None,
            expect: Expectation::Observe,
            note: String::new(),
        }
    }

    fn binding(e: &Expectation) -> Option<Binding> {
        match e {
            Expectation::Reject { binding, .. } => Some(*binding),
            _ => None,
        }
    }

    #[test]
    fn a_refused_value_rests_on_its_schema_and_a_signature_on_the_page() {
        let c = Contract::v1();
        let list = c.operation("listCalls").unwrap();
        // `limit` exists by the page, but its maximum is D-LIST: a target may clamp.
        let e = expectation(c, list, &case(list, &[("limit", "101")]));
        assert_eq!(binding(&e), Some(Binding::Contract), "{e:?}");
        let e = expectation(c, list, &case(list, &[("hasrecording", "true")]));
        assert_eq!(binding(&e), Some(Binding::Contract), "unknown: D-PARAMS");
        let rec = c.operation("getCallRecording").unwrap();
        let e = expectation(c, rec, &case(rec, &[("expires", "1")]));
        assert_eq!(
            binding(&e),
            Some(Binding::Page),
            "no signature: Signed-URL gated"
        );
        let e = expectation(c, rec, &case(rec, &[("expires", "x"), ("signature", "00")]));
        assert_eq!(binding(&e), Some(Binding::Page), "a malformed one too");
    }

    #[test]
    fn a_refused_body_rests_on_the_binding_of_the_rule_it_breaks() {
        let c = Contract::v1();
        let op = c.operation("updatePhoneNumber").unwrap();
        let with = |body: serde_json::Value| {
            let mut k = case(op, &[]);
            k.path = "/phone-numbers/pn_000000000000".into();
            k.body = Some(crate::case::Body {
                content_type: Some("application/json".into()),
                bytes: serde_json::to_vec(&body).unwrap(),
            });
            expectation(c, op, &k)
        };
        // A UUID where the mock has `agt_…`: the prefix pattern is the mock's (D-IDS).
        let e = with(serde_json::json!({ "agentId": "93cf55eb-3965-4d58-b0fe-3f2293c5c6bc" }));
        assert_eq!(binding(&e), Some(Binding::Mock), "{e:?}");
        // An unknown field: D-UNKNOWN.
        let e = with(serde_json::json!({ "agentId": null, "x": 1 }));
        assert_eq!(binding(&e), Some(Binding::Contract), "{e:?}");
    }
}
