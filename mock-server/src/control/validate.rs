//! Every control request is checked against its operation in the control contract before its
//! handler runs ([`check`], called by [`super::dispatch`]), by the spec crate's validators, so a bad request is answered with the field and
//! a reason a person reads ("request body is invalid: seconds must be at least 0"), never with
//! serde's words.
//!
//! 1. Path and query parameters the operation declares are validated (400 naming the parameter);
//!    query parameters it does not declare are ignored, as they always were here.
//! 2. A JSON body (up to [`super::CONTROL_BODY_LIMIT`]; an empty body is `{}`, and the
//!    `Content-Type` is not checked, so `curl -d` works) is validated against the operation's
//!    schema: 400 for a body that is not JSON or not of the request's shape (a value of the wrong
//!    type, a field the request does not have), 422 for a value out of its range, format or set,
//!    or a missing field, where the operation documents a 422 (400 where it does not).
//!
//! Handlers then read their input with serde as before; what a schema cannot say (a key the key
//! policy refuses, an id that names nothing) they still check.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use spec::{Location, Operation, ParamIn, RawRequest, SchemaViolation, Violation};

use super::ControlBody;
use crate::error::ApiError;

/// The operation whose body is not validated by its schema: a state document can be 1 GiB
/// (a million calls is about 250 MB), and walking it with the schema validator would take
/// longer than the import itself. Its query is validated here; the handler reads the body with
/// its own limit and `store::snapshot::import` checks the document (422 naming what is wrong).
const UNVALIDATED_BODY: &str = "importState";

/// Checks `req` against `op` (whose path parameters are `path_params`): the request to hand to
/// the handler (its body read and put back), or the error answer.
pub(super) async fn check(
    op: &Operation,
    path_params: &[(String, String)],
    req: Request,
) -> Result<Request, Response> {
    check_parameters(op, path_params, req.uri().query()).map_err(IntoResponse::into_response)?;
    if op.id == UNVALIDATED_BODY || op.request_body.is_none() {
        return Ok(req);
    }
    check_body(op, req).await
}

fn check_parameters(
    op: &Operation,
    path_params: &[(String, String)],
    query: Option<&str>,
) -> Result<(), ApiError> {
    let mut query = crate::api::query_pairs(query);
    query.retain(|(name, _)| op.parameter(name, ParamIn::Query).is_some());
    op.validate_parameters(&RawRequest {
        path_params,
        query: &query,
        headers: &[],
    })
    .map(|_| ())
    .map_err(|violations| ApiError::bad_parameters(&violations))
}

/// Reads and validates the JSON body, and hands the request on with the same bytes.
async fn check_body(op: &Operation, req: Request) -> Result<Request, Response> {
    let Some(validator) = op
        .request_body
        .as_ref()
        .and_then(|rb| rb.media_type("application/json"))
        .map(|m| &m.validator)
    else {
        return Ok(req);
    };
    let (parts, body) = req.into_parts();
    let ControlBody(bytes) = ControlBody::from_request(Request::new(body), &()).await?;
    let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&bytes).map_err(|e| not_json(&e).into_response())?
    };
    let violations = validator.violations(&value);
    if !violations.is_empty() {
        return Err(invalid_body(op, violations).into_response());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The 400 for a body that does not parse.
fn not_json(e: &serde_json::Error) -> ApiError {
    let reason = format!("is not JSON: {e}");
    ApiError::validation(
        StatusCode::BAD_REQUEST,
        format!("request body {reason}"),
        &[Violation {
            location: Location::Body {
                pointer: String::new(),
            },
            reason,
        }],
    )
}

/// Schema keywords about a value's range, format or set (or a missing field): 422 where the
/// operation documents it. Every other failure (`type`, `additionalProperties`, a union none of
/// whose types fits) means the body is not of the request's shape: 400.
const VALUE_KEYWORDS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "enum",
    "const",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "required",
];

fn is_value_problem(v: &SchemaViolation) -> bool {
    let keyword = v.schema_path.rsplit('/').next().unwrap_or_default();
    VALUE_KEYWORDS.contains(&keyword)
}

/// The answer to a body its schema refuses: every violation, each at its field, and a message
/// naming the fields.
fn invalid_body(op: &Operation, violations: Vec<SchemaViolation>) -> ApiError {
    let documents_422 = op.responses.iter().any(|r| r.status == "422");
    let status = if documents_422 && violations.iter().all(is_value_problem) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_REQUEST
    };
    let phrases: Vec<String> = violations
        .iter()
        .map(|v| match v.instance_pointer.strip_prefix('/') {
            Some(field) => format!("{field} {}", v.message),
            None => format!("it {}", v.message),
        })
        .collect();
    let list: Vec<Violation> = violations
        .into_iter()
        .map(|v| Violation {
            location: Location::Body {
                pointer: v.instance_pointer,
            },
            reason: v.message,
        })
        .collect();
    ApiError::validation(
        status,
        format!("request body is invalid: {}", phrases.join("; ")),
        &list,
    )
}
