//! The control API under `/_mock/`: health, reset, state export and import, the virtual clock
//! and the request journal. Described in `spec/control-openapi.json`.
//!
//! It is a development tool, not part of v1: it needs no key and is not rate-limited, but it
//! speaks v1's error shape so clients handle both the same way.

pub(crate) mod dispatch;
pub(crate) mod sim_routes;
mod validate;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::Shared;
use crate::store::journal::{JournalFilter, StatusFilter};

/// The control routes: everything under `/_mock/`, routed by [`dispatch`] from
/// `spec/control-openapi.json`.
pub(crate) fn routes() -> Router<Shared> {
    Router::new().route("/_mock/{*rest}", any(dispatch::dispatch))
}

pub(crate) fn ok(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::control(StatusCode::BAD_REQUEST, "validation_error", message).with_violation_in_body()
}

/// Largest body of a control request other than a state import.
pub(crate) const CONTROL_BODY_LIMIT: usize = 1 << 20;

/// The body of a control request (and of the settings page's forms), read up to
/// [`CONTROL_BODY_LIMIT`]. Axum's own `Bytes` extractor answers a body over its limit with a
/// plain-text 413; this one answers in the error shape, like everything else.
pub(crate) struct ControlBody(pub(crate) Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for ControlBody {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        axum::body::to_bytes(req.into_body(), CONTROL_BODY_LIMIT)
            .await
            .map(ControlBody)
            .map_err(|e| {
                if crate::api::is_length_limit(&e) {
                    ApiError::too_large(CONTROL_BODY_LIMIT).into_response()
                } else {
                    bad_request(format!("request body could not be read: {e}")).into_response()
                }
            })
    }
}

/// A 400 `validation_error` about one query parameter.
pub(crate) fn query_error(name: &str, reason: impl Into<String>) -> ApiError {
    let reason = reason.into();
    ApiError::validation(
        StatusCode::BAD_REQUEST,
        format!("query parameter '{name}' is invalid: {reason}"),
        &[spec::Violation {
            location: spec::Location::Query {
                name: name.to_owned(),
            },
            reason,
        }],
    )
}

/// A 400 for a query string that did not deserialise (a repeated or mistyped parameter), naming
/// the parameter when the deserialiser does.
pub(crate) fn query_rejected(e: &axum::extract::rejection::QueryRejection) -> ApiError {
    let text = e.body_text();
    let detail = text
        .split_once("query string: ")
        .map_or(text.as_str(), |(_, d)| d);
    let param =
        |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    // "limit: invalid digit found in string", or "duplicate field `key`".
    let named = match detail.split_once(": ") {
        Some((n, rest)) if param(n) => Some((n, rest)),
        _ => detail
            .split('`')
            .nth(1)
            .filter(|n| param(n))
            .map(|n| (n, detail)),
    };
    match named {
        Some((n, reason)) => query_error(n, reason.to_owned()),
        None => ApiError::control(
            StatusCode::BAD_REQUEST,
            "validation_error",
            format!("the query string is invalid: {detail}"),
        )
        .with_violation_in_query(),
    }
}

/// Parses an optional JSON body; an empty body is `{}`.
pub(crate) fn json_body<T: for<'de> Deserialize<'de> + Default>(
    bytes: &Bytes,
) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| bad_request(format!("request body is invalid: {e}")))
}

async fn health(State(st): State<Shared>) -> Response {
    ok(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "now": st.clock.snapshot().now,
        "workspaces": st.store.keys().len(),
        "seed": st.config.seed,
        "rateLimit": st.config.rate_limit,
        "keyPolicy": match st.config.key_policy {
            crate::config::KeyPolicy::Open => "open",
            crate::config::KeyPolicy::Strict => "strict",
        },
        "scheduledJobs": st.sim.pending_jobs(),
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    key: Option<String>,
}

async fn reset(State(st): State<Shared>, ControlBody(body): ControlBody) -> Response {
    let body: ResetBody = match json_body(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match body.key {
        Some(key) => {
            let existed = st.store.reset_key(&key);
            st.limiter.reset(&format!("key:{key}"));
            st.sim.forget_key(&key);
            ok(json!({ "reset": usize::from(existed), "key": key }))
        }
        None => {
            let n = st.store.reset_all();
            st.limiter.clear();
            st.sim.forget_all();
            ok(json!({ "reset": n }))
        }
    }
}

#[derive(Debug, Deserialize)]
struct KeyQuery {
    key: Option<String>,
}

async fn export(
    State(st): State<Shared>,
    q: Result<Query<KeyQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return query_rejected(&e).into_response(),
    };
    let Some(key) = q.key else {
        return query_error("key", "required: the API key whose workspace to export")
            .into_response();
    };
    let ws = st.store.workspace(&key);
    let doc = crate::store::snapshot::export(&ws.read());
    ok(doc)
}

/// State documents of large workspaces are big (a million calls is about 250 MB): the control API
/// takes up to 1 GiB, far above v1's body limits, and says so in the error shape when exceeded.
const STATE_LIMIT: usize = 1 << 30;

async fn import(
    State(st): State<Shared>,
    q: Result<Query<KeyQuery>, axum::extract::rejection::QueryRejection>,
    req: axum::extract::Request,
) -> Response {
    let as_key = match q {
        Ok(Query(q)) => q.key,
        Err(e) => return query_rejected(&e).into_response(),
    };
    if let Some(key) = as_key
        .as_deref()
        .filter(|k| !crate::config::well_formed_key(k))
    {
        return query_error(
            "key",
            format!("'{key}' is not a well-formed API key (va_ then 16 to 64 letters, digits or underscores)"),
        )
        .into_response();
    }
    let body = match axum::body::to_bytes(req.into_body(), STATE_LIMIT).await {
        Ok(b) => b,
        Err(_) => return ApiError::too_large(STATE_LIMIT).into_response(),
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_request(format!("request body is not JSON: {e}")).into_response(),
    };
    match crate::store::snapshot::import(&value) {
        Ok(mut ws) => {
            // Under another key the copy gets that key's tag, so its ids are that workspace's
            // ids; its seed stays, so every transcript, cost and recording is the same.
            if let Some(key) = as_key.filter(|k| *k != ws.key) {
                ws.tag = crate::store::seed::identity(st.config.seed, &key).1;
                ws.key = key;
            }
            let key = ws.key.clone();
            // A workspace's tag is in every id it hands out and finds its recordings; a copy
            // imported under another key must not take over the original's tag.
            if let Some(owner) = st.store.tag_owner(&ws.tag).filter(|o| *o != key) {
                return ApiError::control(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_error",
                    format!("tag {} already belongs to the workspace of {owner}; export and import under the same key, or change the tag", ws.tag),
                )
                .with_violation_in_body()
                .into_response();
            }
            st.store.replace(ws);
            // Scheduled steps and campaigns refer to the replaced workspace's calls.
            st.sim.forget_key(&key);
            ok(json!({ "imported": key }))
        }
        Err(e) => ApiError::control(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            format!("the state document is invalid: {e}"),
        )
        .with_violation_in_body()
        .into_response(),
    }
}

async fn clock(State(st): State<Shared>) -> Response {
    ok(serde_json::to_value(st.clock.snapshot()).unwrap_or(Value::Null))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    seconds: Option<f64>,
}

async fn advance(State(st): State<Shared>, ControlBody(body): ControlBody) -> Response {
    let body: AdvanceBody = match json_body(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Some(seconds) = body.seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return bad_request("'seconds' must be a non-negative number").into_response();
    };
    match st.clock.advance((seconds * 1000.0).round() as i64) {
        Ok(_) => {
            // Everything due by the new time happens before the answer.
            st.sim.run_due(&st.sim_env()).await;
            ok(serde_json::to_value(st.clock.snapshot()).unwrap_or(Value::Null))
        }
        Err(e) => bad_request(e.to_string()).into_response(),
    }
}

async fn freeze(State(st): State<Shared>) -> Response {
    st.clock.freeze();
    st.sim.run_due(&st.sim_env()).await;
    ok(serde_json::to_value(st.clock.snapshot()).unwrap_or(Value::Null))
}

async fn unfreeze(State(st): State<Shared>) -> Response {
    st.clock.unfreeze();
    st.sim.run_due(&st.sim_env()).await;
    ok(serde_json::to_value(st.clock.snapshot()).unwrap_or(Value::Null))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JournalQuery {
    key: Option<String>,
    method: Option<String>,
    path: Option<String>,
    status: Option<String>,
    operation_id: Option<String>,
    since_seq: Option<u64>,
    limit: Option<usize>,
}

async fn requests(
    State(st): State<Shared>,
    q: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return query_rejected(&e).into_response(),
    };
    let status = match q.status.as_deref().map(StatusFilter::parse) {
        Some(None) => {
            return query_error("status", "a code like 404 or a class like 4xx").into_response();
        }
        Some(s) => s,
        None => None,
    };
    let page = st.journal.query(&JournalFilter {
        key: q.key,
        method: q.method,
        path: q.path,
        status,
        operation_id: q.operation_id,
        since_seq: q.since_seq,
        limit: match q.limit {
            None => 100,
            Some(l) if l <= 10_000 => l,
            Some(_) => return query_error("limit", "must be at most 10000").into_response(),
        },
    });
    ok(serde_json::to_value(page).unwrap_or(Value::Null))
}

async fn clear_requests(State(st): State<Shared>) -> Response {
    st.journal.clear();
    (StatusCode::NO_CONTENT).into_response()
}
