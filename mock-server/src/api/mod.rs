//! The v1 pipeline: every request under `/api/v1` goes through the same steps, driven by the
//! contract rather than by hand-written routes.
//!
//! 1. Route: the contract's path templates pick the operation (404 `not_found`, 405 with `Allow`).
//! 2. Authenticate (401) and pick the rate-limit bucket (D-RATE), then admit or refuse (429).
//! 3. Validate parameters against their schemas (400, or the parameter's `x-vici-on-invalid`).
//! 4. Read the body within its size limit (413) and validate it (415, 400, 422).
//! 5. Run the operation's handler (404, 409, 422 from the store).
//! 6. Optionally validate the response against the contract (`--validate-responses`).
//! 7. Add the rate-limit headers to whatever the answer is.
//!
//! Handlers see only validated input, so none of them parses raw strings or can be reached with
//! a body the contract forbids.

mod agents;
mod calls;
mod contacts;
mod example;
mod meta;
mod numbers;
mod recording;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use spec::{BodyValue, Operation, ParamIn, ParamValues, PathMatch, RawRequest};

use crate::error::ApiError;
use crate::policy::rate_limit::{Decision, Quota};
use crate::state::{AppState, Shared};
use crate::store::{SharedWorkspace, ids};

/// What the journal wants to know about a request that only the pipeline knows.
#[derive(Debug, Clone, Default)]
pub(crate) struct JournalInfo {
    pub(crate) key: Option<Box<str>>,
    pub(crate) operation_id: Option<&'static str>,
    pub(crate) body: Option<Bytes>,
}

/// Validated input of one operation.
pub(crate) struct Input<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) params: ParamValues,
    pub(crate) body: BodyValue,
    /// The workspace of the request's key (or, for recordings, of the call's owner).
    pub(crate) workspace: Option<SharedWorkspace>,
    /// The request headers (the recording reads `Range`).
    pub(crate) headers: &'a HeaderMap,
}

impl Input<'_> {
    /// The workspace; every authenticated operation has one.
    pub(crate) fn ws(&self) -> Result<&SharedWorkspace, ApiError> {
        self.workspace
            .as_ref()
            .ok_or_else(|| ApiError::internal("operation ran without a workspace", Value::Null))
    }

    /// A string parameter.
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.params.get(name).and_then(Value::as_str)
    }

    /// `limit` and `offset`, defaults applied (the contract bounds them).
    pub(crate) fn page(&self) -> (usize, usize) {
        let get = |n: &str, d: u64| {
            self.params
                .get_or_default(n)
                .and_then(Value::as_u64)
                .unwrap_or(d) as usize
        };
        (get("offset", 0), get("limit", 20))
    }

    /// Appends the scheme and authority for absolute URLs. Built on demand: only recording URLs
    /// need it.
    pub(crate) fn write_origin(&self, out: &mut String) {
        write_origin(self.state, self.headers, out);
    }

    /// Now, in Unix seconds, on the virtual clock.
    pub(crate) fn now(&self) -> i64 {
        self.state.clock.now_secs()
    }
}

/// A JSON answer.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Response, ApiError> {
    // Most answers are a few KiB: start at 8 KiB rather than growing from 128 bytes by doubling
    // (each doubling a reallocation and a copy).
    let mut bytes = Vec::with_capacity(8 * 1024);
    serde_json::to_writer(&mut bytes, value).map_err(serialise_failed)?;
    Ok(json_bytes(status, bytes))
}

/// The 500 for a body that could not be serialised.
pub(crate) fn serialise_failed(e: serde_json::Error) -> ApiError {
    ApiError::internal(
        format!("failed to serialise the response: {e}"),
        Value::Null,
    )
}

/// A JSON answer already serialised.
pub(crate) fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut res = Response::new(Body::from(bytes));
    *res.status_mut() = status;
    let headers = res.headers_mut();
    // Room for every header a v1 answer ends up with (type, three rate-limit headers, request id,
    // two CORS headers, length), so the map is allocated once rather than grown and rehashed.
    headers.reserve(RESPONSE_HEADERS);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// How many headers a v1 response is given room for.
const RESPONSE_HEADERS: usize = 12;

type Handler = fn(&Input<'_>) -> Result<Response, ApiError>;

/// The handler of each operation, by operationId. A contract operation without a handler is a
/// bug caught by a test (`every_operation_has_a_handler`).
pub(crate) fn handler(operation_id: &str) -> Option<Handler> {
    Some(match operation_id {
        "listCalls" => calls::list,
        "getCall" => calls::get,
        "getCallRecording" | "headCallRecording" => recording::get,
        "listAgents" => agents::list,
        "createAgent" => agents::create,
        "updateAgent" => agents::update,
        "deleteAgent" => agents::delete,
        "listPhoneNumbers" => numbers::list,
        "buyPhoneNumber" => numbers::buy,
        "updatePhoneNumber" => numbers::update,
        "searchPhoneNumberInventory" => numbers::search,
        "listContacts" => contacts::list,
        "importContactList" => contacts::import,
        "getOpenApiDocument" => meta::openapi,
        _ => return None,
    })
}

/// The rate-limit bucket of unauthenticated requests: the client's address. Built only when a
/// request needs it (formatting an address allocates; authenticated requests never do).
fn ip_bucket(req_addr: Option<std::net::SocketAddr>) -> String {
    match req_addr {
        Some(a) => format!("ip:{}", a.ip()),
        None => "ip:local".to_owned(),
    }
}

fn write_origin(state: &AppState, headers: &HeaderMap, out: &mut String) {
    if let Some(u) = &state.config.public_url {
        out.push_str(u.trim_end_matches('/'));
        return;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("127.0.0.1");
    out.push_str("http://");
    out.push_str(host);
}

/// Splits a raw query string into decoded pairs (`+` is a space, as in HTML forms).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(q) = query else { return Vec::new() };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| *k != header::AUTHORIZATION)
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

// Pre-built names: inserting with a `&str` parses and validates the name on every request.
const RATE_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const RATE_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RATE_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// `0` to `60`, the values `X-RateLimit-Reset` takes with the one-minute window: static header
/// values cost no allocation (an integer `HeaderValue` allocates its bytes).
const SMALL: [&str; 61] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
    "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47", "48",
    "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60",
];

fn small_or<T: Into<u64> + Copy>(n: T) -> HeaderValue
where
    HeaderValue: From<T>,
{
    match SMALL.get(usize::try_from(n.into()).unwrap_or(usize::MAX)) {
        Some(s) => HeaderValue::from_static(s),
        None => HeaderValue::from(n),
    }
}

/// `X-RateLimit-Limit` is the same on every answer of a server: its value is made once per
/// worker thread (a clone shares the bytes) and remade only if another limit turns up (tests run
/// servers with different limits in one process).
fn limit_value(limit: u32) -> HeaderValue {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(u32, HeaderValue)>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((l, v)) if *l == limit => v.clone(),
        _ => {
            let v = small_or(limit);
            *last = Some((limit, v.clone()));
            v
        }
    })
}

fn quota_headers(res: &mut Response, q: &Quota) {
    let h = res.headers_mut();
    h.insert(RATE_LIMIT, limit_value(q.limit));
    h.insert(RATE_REMAINING, small_or(q.remaining));
    h.insert(RATE_RESET, small_or(q.reset_sec));
}

/// The entry point of every `/api/v1` request that goes through the full router: the address
/// comes from `ConnectInfo`, and what the journal needs rides on the response for `observe`.
pub(crate) async fn dispatch(State(state): State<Shared>, req: Request) -> Response {
    let addr = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let (mut res, info) = handle(&state, req, addr).await;
    res.extensions_mut().insert(info);
    res
}

/// The v1 pipeline for one request from `addr`: the response, and what the journal needs to
/// know about the request that only the pipeline learnt.
pub(crate) async fn handle(
    state: &Shared,
    req: Request,
    addr: Option<std::net::SocketAddr>,
) -> (Response, JournalInfo) {
    let req_method_is_head = req.method() == Method::HEAD;
    let mut info = JournalInfo::default();
    let (quota, mut res) = run(state, req, addr, &mut info).await;
    // A request that reached the limiter carries the quota of its decision (the same numbers a
    // second look at the bucket would give, without taking its lock again); one that did not
    // (no such route or method) shows its address's quota, admitting nothing.
    let quota = quota.unwrap_or_else(|| state.limiter.peek(&ip_bucket(addr), state.clock.now_ms()));
    // A refused request already carries the quota it was refused with.
    if !res.headers().contains_key(RATE_LIMIT) {
        quota_headers(&mut res, &quota);
    }
    if state.config.validate_responses
        && res
            .extensions()
            .get::<crate::policy::chaos::Injected>()
            .is_none()
    {
        let op = info
            .operation_id
            .and_then(|id| state.contract.operation(id));
        let head = req_method_is_head;
        res = crate::policy::response_check::check(op, res, head).await;
    }
    (res, info)
}

/// Steps 1 to 6; returns the quota of the rate-limit decision (for the headers), if one was
/// made, and the response.
async fn run(
    state: &Shared,
    req: Request,
    addr: Option<std::net::SocketAddr>,
    info: &mut JournalInfo,
) -> (Option<Quota>, Response) {
    let full_path = req.uri().path();
    let Some(path) = state.contract.strip_base_path(full_path) else {
        return (None, ApiError::no_route(full_path).into_response());
    };
    let method = req.method().clone();
    let mut head_as_get = false;
    let (op, path_params) = match state.contract.match_path(method.as_str(), path) {
        PathMatch::Found {
            operation,
            path_params,
        } => (operation, path_params),
        PathMatch::MethodNotAllowed { allowed } => {
            let get = (method == Method::HEAD)
                .then(|| state.contract.match_path("GET", path))
                .and_then(|m| match m {
                    PathMatch::Found {
                        operation,
                        path_params,
                    } => Some((operation, path_params)),
                    _ => None,
                });
            match get {
                Some(found) => {
                    head_as_get = true;
                    found
                }
                None => {
                    return (
                        None,
                        ApiError::method_not_allowed(method.as_str(), &allowed).into_response(),
                    );
                }
            }
        }
        PathMatch::NotFound => return (None, ApiError::no_route(full_path).into_response()),
    };
    info.operation_id = Some(op.id.as_str());
    let (bucket, workspace) = match identify(state, op, req.headers(), &path_params, addr).await {
        Ok(x) => x,
        Err(e) => {
            // A 401 still counts, against the client's address (D-RATE).
            let (quota, res) = match state.limiter.check(&ip_bucket(addr), state.clock.now_ms()) {
                Decision::Refused {
                    quota,
                    retry_after_sec,
                } => (quota, refused(&quota, retry_after_sec)),
                Decision::Admitted(quota) => (quota, e.into_response()),
            };
            return (Some(quota), res);
        }
    };
    if op.requires_auth {
        info.key = bucket.strip_prefix("key:").map(Into::into);
    }
    let quota = match state.limiter.check(&bucket, state.clock.now_ms()) {
        Decision::Refused {
            quota,
            retry_after_sec,
        } => return (Some(quota), refused(&quota, retry_after_sec)),
        Decision::Admitted(quota) => quota,
    };
    let verdict = state
        .chaos
        .decide(&op.id, req.method().as_str(), req.headers());
    if let Some(res) = crate::policy::chaos::carry_out(verdict).await {
        return (Some(quota), res);
    }
    let res = match validate_and_handle(state, op, req, path_params, workspace, info).await {
        Ok(r) | Err(r) => r,
    };
    let res = if head_as_get { strip_body(res) } else { res };
    (Some(quota), res)
}

/// Whether reading a body failed because it passed the size limit (rather than, say, a broken
/// chunked encoding or a client that hung up): only the former is a 413.
pub(crate) fn is_length_limit(e: &axum::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

fn unreadable_body(e: &axum::Error) -> ApiError {
    ApiError::validation(
        StatusCode::BAD_REQUEST,
        format!("request body could not be read: {e}"),
        &[spec::Violation {
            location: spec::Location::Body {
                pointer: String::new(),
            },
            reason: format!("could not be read: {e}"),
        }],
    )
}

fn refused(quota: &Quota, retry_after_sec: u64) -> Response {
    let mut res = ApiError::rate_limited(retry_after_sec).into_response();
    quota_headers(&mut res, quota);
    res
}

fn strip_body(res: Response) -> Response {
    let (parts, _) = res.into_parts();
    Response::from_parts(parts, Body::empty())
}

/// Authenticates the request and picks its rate-limit bucket and workspace.
async fn identify(
    state: &Shared,
    op: &Operation,
    headers: &HeaderMap,
    path_params: &[(String, String)],
    addr: Option<std::net::SocketAddr>,
) -> Result<(String, Option<SharedWorkspace>), ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    if op.requires_auth {
        let key = crate::policy::auth::authenticate(&state.config, authorization)?;
        let ws = crate::state::workspace_seeded(state, key).await;
        return Ok((format!("key:{key}"), Some(ws)));
    }
    // Recordings count against the workspace that owns the call (its tag is in the id).
    let call_id = path_params
        .iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.as_str());
    if let Some(id) = call_id {
        let owner = ids::decode(ids::Kind::Call, id).and_then(|(tag, _)| state.store.by_tag(tag));
        return Ok(match owner {
            Some(ws) => {
                let key = ws.read().key.clone();
                (format!("key:{key}"), Some(ws))
            }
            None => (ip_bucket(addr), None),
        });
    }
    // Public operations use the key when a valid one is sent, the address otherwise.
    let key = authorization
        .and_then(crate::policy::auth::bearer)
        .filter(|k| {
            crate::policy::auth::authenticate(&state.config, authorization).is_ok()
                && crate::policy::auth::well_formed(k)
        });
    Ok(match key {
        Some(k) => (format!("key:{k}"), None),
        None => (ip_bucket(addr), None),
    })
}

async fn validate_and_handle(
    state: &Shared,
    op: &Operation,
    req: Request,
    path_params: Vec<(String, String)>,
    workspace: Option<SharedWorkspace>,
    info: &mut JournalInfo,
) -> Result<Response, Response> {
    let (parts, body) = req.into_parts();
    let mut query = query_pairs(parts.uri.query());
    if state.config.unknown_params == crate::config::UnknownParams::Ignore {
        // `--unknown-params ignore`: a cache-buster such as `_=123` is dropped unread (D-PARAMS).
        query.retain(|(name, _)| op.parameter(name, ParamIn::Query).is_some());
    }
    // Header values are only read for declared header parameters; most operations have none,
    // so copying every header into strings for them would be wasted work.
    let headers = if op.parameters.iter().any(|p| p.location == ParamIn::Header) {
        header_pairs(&parts.headers)
    } else {
        Vec::new()
    };
    let raw = RawRequest {
        path_params: &path_params,
        query: &query,
        headers: &headers,
    };
    let params =
        op.validate_parameters(&raw)
            .map_err(|violations| match op.rejection_for(&violations) {
                Some(r) => ApiError::rejection(r.status, &r.error, &violations).into_response(),
                None => ApiError::bad_parameters(&violations).into_response(),
            })?;
    let body = match &op.request_body {
        None => BodyValue::None,
        Some(rb) => {
            let limit = spec::rules::body_limit(rb);
            let declared = parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > limit as u64) {
                // Refused before reading: the unread body makes the connection unusable, so say
                // so, or a client would reuse it from its pool and fail its next request.
                let mut res = ApiError::too_large(limit).into_response();
                res.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                return Err(res);
            }
            let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
                if is_length_limit(&e) {
                    ApiError::too_large(limit).into_response()
                } else {
                    unreadable_body(&e).into_response()
                }
            })?;
            info.body = Some(bytes.clone());
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            op.validate_body(content_type.as_deref(), &bytes)
                .map_err(|e| ApiError::body(&e).into_response())?
        }
    };
    if let Some(name) = example::preferred(&parts.headers) {
        return example::answer(op, &name).map_err(IntoResponse::into_response);
    }
    let Some(handler) = handler(&op.id) else {
        return Err(
            ApiError::internal(format!("no handler for {}", op.id), Value::Null).into_response(),
        );
    };
    let input = Input {
        state,
        params,
        body,
        workspace,
        headers: &parts.headers,
    };
    handler(&input).map_err(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_handler() {
        for op in spec::Contract::v1().operations() {
            assert!(handler(&op.id).is_some(), "no handler for {}", op.id);
        }
    }

    #[test]
    fn query_pairs_decode_percent_and_plus() {
        assert_eq!(
            query_pairs(Some("a=1&b=x%20y+z&c&=v&&d=%E2%80%94")),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), "".into()),
                ("".into(), "v".into()),
                ("d".into(), "—".into()),
            ]
        );
    }
}
