//! `--validate-responses`: the mock checks its own answers against the contract.
//!
//! The mock is generated from the same contract the runner judges with, but handlers and
//! renderers are hand-written, so a drift between them is a bug in the mock. With this switch on
//! (it is on in every test) a response that breaks the contract is replaced by a loud 500
//! `internal_error` whose details list what was wrong, and an error is logged: a silent drift
//! would teach integrators the wrong API.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use spec::Operation;

use crate::error::ApiError;

/// The most a checked response body may be (recordings are not buffered: see below).
const CHECK_LIMIT: usize = 16 << 20;

/// Checks `res` against `op` (or, for route-level errors, the `Error` schema).
pub(crate) async fn check(op: Option<&Operation>, res: Response, head: bool) -> Response {
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut problems: Vec<String> = Vec::new();
    let documented = op.and_then(|o| o.response(status.as_u16()));
    if let Some(op) = op {
        match documented {
            None => problems.push(format!(
                "status {} is not documented for {}",
                status.as_u16(),
                op.id
            )),
            Some(doc) => {
                for h in &doc.headers {
                    match res.headers().get(h.name.as_str()) {
                        None if h.required => {
                            problems.push(format!("required header {} is missing", h.name))
                        }
                        None => {}
                        Some(v) => {
                            let raw = v.to_str().unwrap_or("");
                            let value = raw
                                .parse::<i64>()
                                .ok()
                                .filter(|_| {
                                    h.schema.get("type").and_then(Value::as_str) == Some("integer")
                                })
                                .map(Value::from)
                                .unwrap_or_else(|| Value::from(raw));
                            for v in h.validator.violations(&value) {
                                problems.push(format!("header {}: {}", h.name, v.message));
                            }
                        }
                    }
                }
            }
        }
    }
    // Audio is checked by the recording tests (hound); buffering it here would defeat streaming.
    if head || content_type.starts_with("audio/") || status == StatusCode::NO_CONTENT {
        return finish(res, problems);
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, CHECK_LIMIT).await else {
        problems.push("the body could not be read".to_owned());
        return finish(Response::from_parts(parts, Body::empty()), problems);
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Err(e) => problems.push(format!("the body is not JSON: {e}")),
        Ok(value) => {
            let schema_problems: Vec<String> =
                match documented.and_then(|d| d.content.iter().find(|m| m.is_json())) {
                    Some(media) => media
                        .validator
                        .violations(&value)
                        .into_iter()
                        .map(|v| format!("body at '{}': {}", v.instance_pointer, v.message))
                        .collect(),
                    None if op.is_some() => vec![format!(
                        "no JSON body is documented for status {}",
                        status.as_u16()
                    )],
                    None => error_schema_problems(&value),
                };
            problems.extend(schema_problems);
        }
    }
    finish(Response::from_parts(parts, Body::from(bytes)), problems)
}

fn error_schema_problems(value: &Value) -> Vec<String> {
    let contract = spec::Contract::v1();
    let Some(schema) = contract.schema("Error") else {
        return vec!["the contract has no Error schema".to_owned()];
    };
    match contract.validator(schema) {
        Ok(v) => v
            .violations(value)
            .into_iter()
            .map(|v| format!("body at '{}': {}", v.instance_pointer, v.message))
            .collect(),
        Err(e) => vec![format!("the Error schema does not compile: {e}")],
    }
}

fn finish(res: Response, problems: Vec<String>) -> Response {
    if problems.is_empty() {
        return res;
    }
    tracing::error!(
        status = res.status().as_u16(),
        ?problems,
        "response breaks the contract"
    );
    let mut out = ApiError::internal(
        "the mock produced a response that breaks the contract (this is a bug in vici-mock)",
        json!({ "originalStatus": res.status().as_u16(), "problems": problems }),
    )
    .into_response();
    out.headers_mut().insert(
        "x-vici-mock-contract-violation",
        HeaderValue::from_static("1"),
    );
    out
}
