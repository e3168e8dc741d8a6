//! Legitimate alternative implementations of v1, for proving that the runner judges them right.
//!
//! Each variant is the real mock behind one middleware that departs from our contract where the
//! reference page is silent: the choice a real implementation may make instead of ours (each
//! D-entry of `spec/DECISIONS.md` lists them under "Alternatives a real implementation may
//! choose"). The catalogue is data: id, what differs, the D-entry it departs from. Under the
//! default `page` profile the runner must fail none of them and note each one; under `strict`
//! it must tell each one apart from our mock.
//!
//! A variant that breaks a page promise is not legitimate and does not belong here; it is a
//! deviant (`crate::DEVIANTS`).

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::{body_json, rebuild, rewrite_json};

/// One legitimate alternative.
#[derive(Debug, Clone, Copy)]
pub struct Alternative {
    /// Stable id.
    pub id: &'static str,
    /// What it does differently from our mock.
    pub differs: &'static str,
    /// The decision of `spec/DECISIONS.md` it departs from (and which lists it as an
    /// alternative).
    pub departs_from: &'static str,
    /// The checks whose notes show the runner saw the difference under `page`.
    pub noted_by: &'static [&'static str],
}

/// The catalogue.
pub const ALTERNATIVES: &[Alternative] = &[
    Alternative {
        id: "uuid_ids",
        differs: "call, agent and phone-number ids are UUIDs (a table in the layer maps them both ways)",
        noted_by: &["response_schema"],
        departs_from: "D-IDS",
    },
    Alternative {
        id: "resource_error_codes",
        differs: "a 404 for a known resource carries agent_not_found, call_not_found or phone_number_not_found",
        noted_by: &["error_shape"],
        departs_from: "D-ERROR",
    },
    Alternative {
        id: "no_rate_limit_headers",
        differs: "no X-RateLimit-* headers at all",
        noted_by: &["response_headers"],
        departs_from: "D-RATE",
    },
    Alternative {
        id: "offset_timestamps",
        differs: "timestamps end in +00:00 instead of Z",
        noted_by: &["response_schema"],
        departs_from: "D-TIME",
    },
    Alternative {
        id: "limit_clamped",
        differs: "a limit above 100 is clamped to 100 instead of refused",
        noted_by: &["negative_data_rejection"],
        departs_from: "D-LIST",
    },
    Alternative {
        id: "unknown_query_ignored",
        differs: "unknown query parameters are ignored instead of refused",
        noted_by: &["negative_data_rejection"],
        departs_from: "D-PARAMS",
    },
    Alternative {
        id: "chunked_wav",
        differs: "the WAV is streamed chunked, without Content-Length",
        noted_by: &["recording_audio", "response_headers"],
        departs_from: "D-RECORDING",
    },
    Alternative {
        id: "range_ignored",
        differs: "Range is ignored: 200 with the whole file and Accept-Ranges: none (RFC 9110 allows it)",
        noted_by: &["recording_range", "response_headers"],
        departs_from: "D-RECORDING",
    },
    Alternative {
        id: "recording_redirect",
        differs: "recordingUrl is an API URL behind the key that answers 302 to the signed URL on another origin",
        noted_by: &["status_code_documented"],
        departs_from: "D-RECORDING",
    },
    Alternative {
        id: "extra_response_fields",
        differs: "responses carry fields the contract does not list (requestId, object)",
        noted_by: &["undocumented_field"],
        departs_from: "D-OPEN-RESPONSES",
    },
    Alternative {
        id: "error_without_details",
        differs: "errors other than rate_limited carry no details",
        noted_by: &["error_shape"],
        departs_from: "D-ERROR",
    },
    Alternative {
        id: "get_agent_by_id",
        differs: "GET /agents/{id} answers the agent instead of 405",
        noted_by: &["method_not_allowed"],
        departs_from: "D-AGENTS",
    },
    Alternative {
        id: "delete_answers_200",
        differs: "DELETE /agents/{id} answers 200 with a small JSON body instead of 204",
        noted_by: &["status_code_documented"],
        departs_from: "D-AGENTS",
    },
];

/// What a variant's layer keeps between requests.
#[derive(Default)]
struct State {
    /// `uuid_ids`: our id to its UUID, and back.
    to_uuid: Mutex<BTreeMap<String, String>>,
    from_uuid: Mutex<BTreeMap<String, String>>,
    /// `recording_redirect`: the other origin that serves the signed URLs.
    media_origin: String,
    /// `recording_redirect`: requests that reached the media origin with credentials.
    leaked_credentials: AtomicUsize,
}

const API: &str = "/api/v1";
const ID_PREFIXES: [&str; 3] = ["call_", "agt_", "pn_"];

fn is_id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

impl State {
    fn uuid_for(&self, id: &str) -> String {
        if let Some(u) = self.to_uuid.lock().get(id) {
            return u.clone();
        }
        let hash = |salt: u8| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (id, salt).hash(&mut h);
            h.finish()
        };
        let (a, b) = (hash(1), hash(2));
        let u = format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        );
        self.to_uuid.lock().insert(id.to_owned(), u.clone());
        self.from_uuid.lock().insert(u.clone(), id.to_owned());
        u
    }

    /// Replaces every `call_…`, `agt_…` and `pn_…` id in `text` with its UUID.
    fn ids_out(&self, text: &str) -> String {
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        let mut copied = 0;
        while i < b.len() {
            let boundary = i == 0 || !(is_id_char(b[i - 1]) || b[i - 1] == b'_');
            let prefix = ID_PREFIXES
                .iter()
                .find(|p| boundary && b[i..].starts_with(p.as_bytes()));
            if let Some(p) = prefix {
                let start = i + p.len();
                let mut end = start;
                while end < b.len() && is_id_char(b[end]) {
                    end += 1;
                }
                let after_ok = end == b.len() || b[end] != b'_';
                if (8..=40).contains(&(end - start)) && after_ok {
                    out.push_str(&text[copied..i]);
                    out.push_str(&self.uuid_for(&text[i..end]));
                    copied = end;
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Replaces every UUID of the table in `text` with our id.
    fn ids_in(&self, text: &str) -> String {
        let table = self.from_uuid.lock();
        if table.is_empty() {
            return text.to_owned();
        }
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        let mut copied = 0;
        while i + 36 <= b.len() {
            if text.is_char_boundary(i)
                && text.is_char_boundary(i + 36)
                && let Some(id) = table.get(&text[i..i + 36])
            {
                out.push_str(&text[copied..i]);
                out.push_str(id);
                i += 36;
                copied = i;
                continue;
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }
}

fn is_json(parts: &axum::http::HeaderMap) -> bool {
    parts
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

/// A timestamp of ours: `YYYY-MM-DDTHH:MM:SS[.f]Z`.
fn is_utc_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && s.ends_with('Z')
        && b[..4].iter().all(u8::is_ascii_digit)
}

fn walk_strings(v: &mut Value, f: &impl Fn(&mut String)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter_mut().for_each(|x| walk_strings(x, f)),
        Value::Object(m) => m.values_mut().for_each(|x| walk_strings(x, f)),
        _ => {}
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": code, "message": message, "details": {} })),
    )
        .into_response()
}

fn copy_rate_limit_headers(from: &axum::http::HeaderMap, to: &mut axum::http::HeaderMap) {
    for (k, v) in from {
        if k.as_str().starts_with("x-ratelimit-") {
            to.insert(k.clone(), v.clone());
        }
    }
}

/// A GET through the rest of the stack with the caller's credentials.
async fn internal_get(next: &Next, uri: &str, auth: Option<&HeaderValue>) -> Response {
    let mut req = Request::builder()
        .uri(uri)
        .body(Body::empty())
        .unwrap_or_default();
    if let Some(a) = auth {
        req.headers_mut().insert(header::AUTHORIZATION, a.clone());
    }
    next.clone().run(req).await
}

fn replace_uri(req: &mut Request, path_and_query: &str) {
    if let Ok(u) = path_and_query.parse() {
        *req.uri_mut() = u;
    }
}

async fn alternate(id: &'static str, st: Arc<State>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    match id {
        "uuid_ids" => {
            let pq = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let mapped = st.ids_in(&pq);
            if mapped != pq {
                replace_uri(&mut req, &mapped);
            }
            if is_json(req.headers()) {
                let (mut parts, body) = req.into_parts();
                let bytes = to_bytes(body, 64 << 20).await.unwrap_or_default();
                let bytes = match std::str::from_utf8(&bytes) {
                    Ok(t) => Bytes::from(st.ids_in(t)),
                    Err(_) => bytes,
                };
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
                req = Request::from_parts(parts, Body::from(bytes));
            }
            let res = next.run(req).await;
            let (mut parts, body) = res.into_parts();
            if let Some(loc) = parts
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(|l| st.ids_out(l))
                && let Ok(v) = HeaderValue::from_str(&loc)
            {
                parts.headers.insert(header::LOCATION, v);
            }
            if !is_json(&parts.headers) {
                return Response::from_parts(parts, body);
            }
            let bytes = to_bytes(body, 64 << 20).await.unwrap_or_default();
            let out = match std::str::from_utf8(&bytes) {
                Ok(t) => st.ids_out(t).into_bytes(),
                Err(_) => bytes.to_vec(),
            };
            return rebuild(parts, out);
        }
        "limit_clamped" if query.contains("limit=") => {
            let clamped: Vec<String> = query
                .split('&')
                .map(|p| match p.strip_prefix("limit=") {
                    Some(n) if n.bytes().all(|b| b.is_ascii_digit()) && n.len() > 3 => {
                        "limit=100".to_owned()
                    }
                    Some(n) if n.parse::<u64>().is_ok_and(|n| n > 100) => "limit=100".to_owned(),
                    _ => p.to_owned(),
                })
                .collect();
            replace_uri(&mut req, &format!("{path}?{}", clamped.join("&")));
        }
        "unknown_query_ignored" if !query.is_empty() => {
            let rel = path.strip_prefix(API).unwrap_or(&path);
            if let spec::PathMatch::Found { operation, .. } =
                spec::Contract::v1().match_path(req.method().as_str(), rel)
            {
                let known: Vec<&str> = operation
                    .parameters
                    .iter()
                    .filter(|p| p.location == spec::ParamIn::Query)
                    .map(|p| p.name.as_str())
                    .collect();
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|p| known.contains(&p.split('=').next().unwrap_or("")))
                    .collect();
                let uri = if kept.is_empty() {
                    path.clone()
                } else {
                    format!("{path}?{}", kept.join("&"))
                };
                replace_uri(&mut req, &uri);
            }
        }
        "range_ignored" => {
            req.headers_mut().remove(header::RANGE);
        }
        "recording_redirect"
            if (req.method() == Method::GET || req.method() == Method::HEAD)
                && path.starts_with("/api/v1/calls/")
                && path.ends_with("/recording.wav")
                && !query.split('&').any(|p| p.starts_with("signature=")) =>
        {
            // The API URL: the key opens it, and it sends the client on to a signed URL.
            let call = &path["/api/v1/calls/".len()..path.len() - "/recording.wav".len()];
            let auth = req.headers().get(header::AUTHORIZATION).cloned();
            let detail = internal_get(&next, &format!("/api/v1/calls/{call}"), auth.as_ref()).await;
            if detail.status() != StatusCode::OK {
                return detail;
            }
            let (parts, json, _) = body_json(detail).await;
            let Some(signed) = json
                .as_ref()
                .and_then(|j| j["recordingUrl"].as_str())
                .map(str::to_owned)
            else {
                let mut res = error(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "this call has no recording",
                );
                copy_rate_limit_headers(&parts.headers, res.headers_mut());
                return res;
            };
            let tail = signed
                .find("/api/v1/")
                .map_or("", |i| &signed[i + API.len()..]);
            let mut res = StatusCode::FOUND.into_response();
            copy_rate_limit_headers(&parts.headers, res.headers_mut());
            if let Ok(v) = HeaderValue::from_str(&format!("{}/media{tail}", st.media_origin)) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            return res;
        }
        "get_agent_by_id"
            if req.method() == Method::GET
                && path.starts_with("/api/v1/agents/")
                && path.matches('/').count() == 4 =>
        {
            let want = &path["/api/v1/agents/".len()..];
            let auth = req.headers().get(header::AUTHORIZATION).cloned();
            let mut offset = 0;
            loop {
                let list = internal_get(
                    &next,
                    &format!("/api/v1/agents?limit=100&offset={offset}"),
                    auth.as_ref(),
                )
                .await;
                if list.status() != StatusCode::OK {
                    return list;
                }
                let (parts, json, _) = body_json(list).await;
                let json = json.unwrap_or(Value::Null);
                let page = json["data"].as_array().cloned().unwrap_or_default();
                if let Some(agent) = page.iter().find(|a| a["id"] == want) {
                    let mut res = (StatusCode::OK, axum::Json(agent.clone())).into_response();
                    copy_rate_limit_headers(&parts.headers, res.headers_mut());
                    return res;
                }
                offset += 100;
                if page.is_empty() || json["total"].as_u64().is_none_or(|t| offset >= t) {
                    let mut res = error(StatusCode::NOT_FOUND, "not_found", "no such agent");
                    copy_rate_limit_headers(&parts.headers, res.headers_mut());
                    return res;
                }
            }
        }
        _ => {}
    }
    let method = req.method().clone();
    let res = next.run(req).await;
    match id {
        "resource_error_codes" if res.status() == StatusCode::NOT_FOUND => {
            let rel = path.strip_prefix(API).unwrap_or(&path);
            let code = if rel.starts_with("/agents/") {
                "agent_not_found"
            } else if rel.starts_with("/calls/") {
                "call_not_found"
            } else if rel.starts_with("/phone-numbers/") {
                "phone_number_not_found"
            } else {
                return res;
            };
            rewrite_json(res, |v| {
                if v.get("error").is_some() {
                    v["error"] = Value::from(code);
                }
            })
            .await
        }
        "no_rate_limit_headers" => {
            let mut res = res;
            for h in [
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ] {
                res.headers_mut().remove(h);
            }
            res
        }
        "offset_timestamps" if is_json(res.headers()) => {
            rewrite_json(res, |v| {
                walk_strings(v, &|s: &mut String| {
                    if is_utc_timestamp(s) {
                        s.pop();
                        s.push_str("+00:00");
                    }
                });
            })
            .await
        }
        "chunked_wav" if path.ends_with(".wav") && res.status().is_success() => {
            let (mut parts, body) = res.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            if method == Method::HEAD {
                return Response::from_parts(parts, Body::empty());
            }
            let bytes = to_bytes(body, 64 << 20).await.unwrap_or_default();
            // Two chunks, as a server that streams the file as it reads it would send.
            let half = bytes.len() / 2;
            let chunks = vec![
                Ok::<_, std::io::Error>(bytes.slice(..half)),
                Ok(bytes.slice(half..)),
            ];
            Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
        }
        "range_ignored" if path.ends_with(".wav") => {
            let mut res = res;
            res.headers_mut()
                .insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
            res
        }
        "recording_redirect"
            if method == Method::GET
                && path.starts_with("/api/v1/calls/")
                && !path.ends_with(".wav")
                && res.status() == StatusCode::OK =>
        {
            rewrite_json(res, |v| {
                if let Some(u) = v["recordingUrl"].as_str() {
                    let api_url = u.split('?').next().unwrap_or(u).to_owned();
                    v["recordingUrl"] = Value::from(api_url);
                }
            })
            .await
        }
        "extra_response_fields" if is_json(res.headers()) => {
            rewrite_json(res, |v| {
                if let Some(items) = v.get_mut("data").and_then(Value::as_array_mut) {
                    for item in items.iter_mut().filter(|i| i.is_object()) {
                        item["object"] = Value::from("item");
                    }
                }
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("requestId".to_owned(), Value::from("req_alternative"));
                }
            })
            .await
        }
        "error_without_details"
            if res.status().is_client_error() && res.status() != StatusCode::TOO_MANY_REQUESTS =>
        {
            rewrite_json(res, |v| {
                if let Some(obj) = v.as_object_mut() {
                    obj.remove("details");
                }
            })
            .await
        }
        "get_agent_by_id"
            if res.status() == StatusCode::METHOD_NOT_ALLOWED
                && path.starts_with("/api/v1/agents/") =>
        {
            let mut res = res;
            if let Some(allow) = res
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .map(|a| format!("GET, {a}"))
                && let Ok(v) = HeaderValue::from_str(&allow)
            {
                res.headers_mut().insert(header::ALLOW, v);
            }
            res
        }
        "delete_answers_200"
            if method == Method::DELETE && res.status() == StatusCode::NO_CONTENT =>
        {
            let id = path.rsplit('/').next().unwrap_or("");
            let (mut parts, _, _) = body_json(res).await;
            parts.status = StatusCode::OK;
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            rebuild(
                parts,
                serde_json::to_vec(&json!({ "id": id, "deleted": true })).unwrap_or_default(),
            )
        }
        _ => res,
    }
}

/// The other origin of `recording_redirect`: the same mock, serving `/media/…` as the signed
/// recording URLs, and refusing any request that carries credentials (a client must not send
/// the API key to another origin).
async fn media(st: Arc<State>, mut req: Request, next: Next) -> Response {
    if req.headers().contains_key(header::AUTHORIZATION) {
        st.leaked_credentials.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "the media origin was sent credentials",
        );
    }
    let Some(rest) = req
        .uri()
        .path_and_query()
        .and_then(|p| p.as_str().strip_prefix("/media/"))
        .map(str::to_owned)
    else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such media");
    };
    replace_uri(&mut req, &format!("{API}/{rest}"));
    next.run(req).await
}

/// A running alternative.
pub struct RunningAlternative {
    /// `http://ADDR/api/v1`.
    pub base_url: String,
    state: Arc<State>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningAlternative {
    /// Requests that reached the media origin of `recording_redirect` with credentials.
    pub fn leaked_credentials(&self) -> usize {
        self.state.leaked_credentials.load(Ordering::Relaxed)
    }
}

impl Drop for RunningAlternative {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    })
}

/// Starts the mock as alternative `id` on 127.0.0.1:0 (and, for `recording_redirect`, its media
/// origin on another port).
pub async fn start_alternative(id: &'static str) -> RunningAlternative {
    let api = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let media_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let api_addr = api.local_addr().expect("addr");
    let media_addr = media_listener.local_addr().expect("addr");
    let state = Arc::new(State {
        media_origin: format!("http://{media_addr}"),
        ..State::default()
    });
    let mut config = mock_server::Config::for_tests();
    config.rate_limit = 1_000_000;
    config.validate_responses = false;
    if id == "uuid_ids" {
        // Its webhooks name calls by the same UUIDs as its API (and are signed as sent).
        let st = state.clone();
        config.outgoing_hook = Some(mock_server::test_hooks::OutgoingHook::new(move |a| {
            let body = st.ids_out(&String::from_utf8_lossy(&a.body));
            a.body = axum::body::Bytes::from(body.into_bytes());
        }));
    }
    let shared = mock_server::AppState::new(config).expect("test config is valid");
    let st = state.clone();
    let router = mock_server::app(shared.clone()).layer(middleware::from_fn(
        move |req: Request, next: Next| alternate(id, st.clone(), req, next),
    ));
    let mut tasks = vec![serve(api, router).await];
    if id == "recording_redirect" {
        let st = state.clone();
        let router =
            mock_server::app(shared).layer(middleware::from_fn(move |req: Request, next: Next| {
                media(st.clone(), req, next)
            }));
        tasks.push(serve(media_listener, router).await);
    }
    RunningAlternative {
        base_url: format!("http://{api_addr}/api/v1"),
        state,
        tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_map_to_uuids_and_back() {
        let st = State::default();
        let text = r#"{"id":"call_abcdefgh12","agentId":"agt_ZZ00000000","x":"xcall_abcdefgh12","short":"pn_abc"}"#;
        let out = st.ids_out(text);
        assert!(!out.contains("\"call_abcdefgh12\""));
        assert!(!out.contains("agt_ZZ00000000"));
        assert!(out.contains("xcall_abcdefgh12"), "not at a boundary");
        assert!(out.contains("pn_abc"), "too short to be an id");
        assert_eq!(st.ids_in(&out), text);
        let u = st.uuid_for("call_abcdefgh12");
        assert_eq!(u.len(), 36);
        assert_eq!(u, st.uuid_for("call_abcdefgh12"), "stable");
        assert_eq!(
            st.ids_in(&format!("/calls/{u}x")),
            "/calls/call_abcdefgh12x"
        );
    }

    #[test]
    fn only_utc_timestamps_are_rewritten() {
        assert!(is_utc_timestamp("2026-05-13T16:00:00Z"));
        assert!(is_utc_timestamp("2026-05-13T16:00:00.123Z"));
        assert!(!is_utc_timestamp("Zulu"));
        assert!(!is_utc_timestamp("2026-05-13T16:00:00+00:00"));
    }
}
