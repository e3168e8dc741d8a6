//! Deliberately deviant variants of the mock, for proving that the runner catches each kind of
//! deviation with the right check.
//!
//! Each variant is the real mock behind one middleware that breaks exactly one promise of the
//! contract (drops a header, corrupts a field, accepts what it should refuse, forgets a delete…).
//! The catalogue is data: id, what is broken, and the check that must catch it. A variant whose
//! check stays silent means the runner would let that bug through. Each deviant states the
//! profile at which it must fail the run: `page` when it breaks a promise of the reference page,
//! `contract` or `strict` when what it breaks is only our decision (and a real implementation
//! may legitimately do the same: see `alternatives`).
//!
//! The opposite catalogue, `alternatives::ALTERNATIVES`, holds variants that differ from our
//! contract but not from the page: the runner must note them and fail none of them under `page`.
//!
//! Webhook deviants (`webhooks::WEBHOOK_DEVIANTS`) misbehave when the mock *sends*, so they are
//! the real mock with a test-only hook on its outgoing attempts (or a chaos setting), judged by
//! the runner's webhook receiver and checks.

pub mod alternatives;
pub mod rate_limit;
pub mod webhooks;
pub use alternatives::{ALTERNATIVES, Alternative, RunningAlternative, start_alternative};
pub use rate_limit::RATE_LIMIT_DEVIANTS;
pub use webhooks::{WEBHOOK_DEVIANTS, WebhookDeviant};

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One deviant variant.
#[derive(Debug, Clone, Copy)]
pub struct Deviant {
    /// Stable id.
    pub id: &'static str,
    /// What it breaks.
    pub breaks: &'static str,
    /// The check that must report it.
    pub caught_by: &'static str,
    /// The weakest profile under which that check fails the run: the binding of the broken
    /// rule (`page` for a page promise, `contract` for a D-entry, `strict` for the mock's own
    /// behaviour and for SHOULD checks).
    pub profile: Profile,
}

use conformance::profile::Profile;

/// The catalogue.
pub const DEVIANTS: &[Deviant] = &[
    Deviant {
        id: "server_error_on_list",
        breaks: "GET /agents answers 500",
        caught_by: "not_a_server_error",
        profile: Profile::Page,
    },
    Deviant {
        id: "undocumented_success_status",
        breaks: "GET /contacts answers 203 (only 200 is documented; default covers errors only)",
        caught_by: "status_code_documented",
        profile: Profile::Contract,
    },
    Deviant {
        id: "html_content_type",
        breaks: "lists are served as text/html",
        caught_by: "content_type",
        profile: Profile::Page,
    },
    Deviant {
        id: "no_rate_limit_headers",
        breaks: "X-RateLimit-Remaining is missing (D-RATE; the page names no header)",
        caught_by: "response_headers",
        profile: Profile::Contract,
    },
    Deviant {
        id: "negative_total",
        breaks: "list totals are negative",
        caught_by: "response_schema",
        profile: Profile::Contract,
    },
    Deviant {
        id: "wrong_error_code",
        breaks: "404s carry the code 'missing' (D-ERROR; the page does not close the list of codes)",
        caught_by: "error_shape",
        profile: Profile::Contract,
    },
    Deviant {
        id: "clamps_limit",
        breaks: "limit above 100 is silently replaced by the default, not refused (D-LIST; the page gives no maximum)",
        caught_by: "negative_data_rejection",
        profile: Profile::Contract,
    },
    Deviant {
        id: "unnamed_violations",
        breaks: "validation errors do not say where",
        caught_by: "violation_named",
        profile: Profile::Contract,
    },
    Deviant {
        id: "refuses_valid_agents",
        breaks: "POST /agents always answers 422",
        caught_by: "positive_data_acceptance",
        profile: Profile::Contract,
    },
    Deviant {
        id: "no_bearer_challenge",
        breaks: "401 without WWW-Authenticate (D-AUTH)",
        caught_by: "auth_required",
        profile: Profile::Contract,
    },
    Deviant {
        id: "no_allow_header",
        breaks: "405 without Allow (D-ERROR)",
        caught_by: "method_not_allowed",
        profile: Profile::Contract,
    },
    Deviant {
        id: "unknown_ids_are_200",
        breaks: "GET /calls/{unknown} answers a call",
        caught_by: "unknown_id",
        profile: Profile::Contract,
    },
    Deviant {
        id: "ids_are_prefix_matched",
        breaks: "an id with a suffix finds the call",
        caught_by: "mutated_id",
        profile: Profile::Contract,
    },
    Deviant {
        id: "wrong_id_echo",
        breaks: "call detail answers another call's id",
        caught_by: "id_echo",
        profile: Profile::Page,
    },
    Deviant {
        id: "create_not_persisted",
        breaks: "created agents never appear in lists",
        caught_by: "create_read_back",
        profile: Profile::Page,
    },
    Deviant {
        id: "patch_not_persisted",
        breaks: "PATCH echoes the change but does not store it",
        caught_by: "patch_read_back",
        profile: Profile::Page,
    },
    Deviant {
        id: "delete_is_a_noop",
        breaks: "DELETE answers 204 and deletes nothing",
        caught_by: "use_after_delete",
        profile: Profile::Page,
    },
    Deviant {
        id: "one_workspace_for_all",
        breaks: "every key sees the first key's workspace",
        caught_by: "isolation",
        profile: Profile::Page,
    },
    Deviant {
        id: "unordered_calls",
        breaks: "call lists come oldest first",
        caught_by: "list_order",
        profile: Profile::Contract,
    },
    Deviant {
        id: "cost_off_by_one",
        breaks: "cost totals are one cent more than the items",
        caught_by: "cost_sum",
        profile: Profile::Contract,
    },
    Deviant {
        id: "truncated_wav",
        breaks: "recordings lose their last byte",
        caught_by: "recording_audio",
        profile: Profile::Page,
    },
    Deviant {
        id: "ranges_ignored",
        breaks: "Range headers are ignored, always 200, while Accept-Ranges still says bytes (D-RECORDING)",
        caught_by: "recording_range",
        profile: Profile::Contract,
    },
    Deviant {
        id: "openapi_missing_operation",
        breaks: "the served openapi.json lacks GET /contacts, which the page lists",
        caught_by: "contract_drift",
        profile: Profile::Page,
    },
    Deviant {
        id: "openapi_drifts",
        breaks: "the served openapi.json drops the hasRecording filter of GET /calls",
        caught_by: "document_drift",
        profile: Profile::Strict,
    },
    Deviant {
        id: "extra_field",
        breaks: "lists carry an undocumented field",
        caught_by: "undocumented_field",
        profile: Profile::Strict,
    },
    Deviant {
        id: "agent_filter_ignored",
        breaks: "GET /calls ignores agentId",
        caught_by: "filter_applied",
        profile: Profile::Page,
    },
    Deviant {
        id: "contact_filter_ignored",
        breaks: "GET /calls ignores contactId",
        caught_by: "filter_applied",
        profile: Profile::Page,
    },
    Deviant {
        id: "status_filter_ignored",
        breaks: "GET /calls ignores status",
        caught_by: "filter_applied",
        profile: Profile::Page,
    },
    Deviant {
        id: "recording_filter_ignored",
        breaks: "GET /calls ignores hasRecording",
        caught_by: "filter_applied",
        profile: Profile::Page,
    },
    Deviant {
        id: "date_from_ignored",
        breaks: "GET /calls ignores dateFrom",
        caught_by: "filter_applied",
        profile: Profile::Page,
    },
    Deviant {
        id: "date_to_ignored",
        breaks: "GET /calls ignores dateTo",
        caught_by: "filter_applied",
        profile: Profile::Page,
    },
    Deviant {
        id: "total_one_too_high",
        breaks: "every list's total is one more than its items",
        caught_by: "pagination",
        profile: Profile::Contract,
    },
    Deviant {
        id: "item_repeated_across_pages",
        breaks: "each page after the first starts with the previous page's last item",
        caught_by: "pagination",
        profile: Profile::Contract,
    },
    Deviant {
        id: "page_longer_than_limit",
        breaks: "a page holds one item more than its limit",
        caught_by: "pagination",
        profile: Profile::Contract,
    },
    Deviant {
        id: "inventory_area_code_ignored",
        breaks: "the inventory search ignores areaCode",
        caught_by: "inventory_search",
        profile: Profile::Page,
    },
    Deviant {
        id: "duration_longer_than_audio",
        breaks: "call detail says the call lasted 5 s longer than its recording plays",
        caught_by: "recording_audio",
        profile: Profile::Contract,
    },
    Deviant {
        id: "expiry_not_checked",
        breaks: "a signed recording URL past its expiry still plays",
        caught_by: "recording_audio",
        profile: Profile::Contract,
    },
    Deviant {
        id: "signature_not_bound_to_call",
        breaks: "the URL signature covers only the expiry, so one call's signature plays every call's recording",
        caught_by: "recording_audio",
        profile: Profile::Page,
    },
    Deviant {
        id: "inbound_call_ignores_routing",
        breaks: "inbound calls are answered by no agent whatever the number's routing says",
        caught_by: "inbound_routing",
        profile: Profile::Page,
    },
    Deviant {
        id: "routing_not_stored",
        breaks: "PATCH /phone-numbers/{id} echoes the agentId but stores no routing",
        caught_by: "patch_read_back",
        profile: Profile::Page,
    },
    Deviant {
        id: "bought_number_left_in_inventory",
        breaks: "a bought number is still offered by the inventory search",
        caught_by: "create_read_back",
        profile: Profile::Page,
    },
    Deviant {
        id: "row_errors_swallowed",
        breaks: "a CSV import reports no row errors (rejected 0, errors empty)",
        caught_by: "violation_named",
        profile: Profile::Contract,
    },
    Deviant {
        id: "soul_not_stored",
        breaks: "PATCH echoes soul but does not store it",
        caught_by: "patch_read_back",
        profile: Profile::Page,
    },
];

/// What `bought_number_left_in_inventory` bought, to offer again.
static BOUGHT: parking_lot::Mutex<Vec<Value>> = parking_lot::Mutex::new(Vec::new());

/// `req` with the query parameters `f` rewrites (None drops one).
fn rewrite_query(req: &mut Request, f: impl Fn(&str, &str) -> Option<String>) {
    let path = req.uri().path().to_owned();
    let Some(query) = req.uri().query().map(str::to_owned) else {
        return;
    };
    let kept: Vec<String> = query
        .split('&')
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            f(k, v).map(|v| format!("{k}={v}"))
        })
        .collect();
    if let Ok(u) = format!("{path}?{}", kept.join("&")).parse() {
        *req.uri_mut() = u;
    }
}

/// The query parameter `name` dropped from GETs of `path`.
fn ignore_param(req: &mut Request, path: &str, name: &str) {
    if req.method() == Method::GET && req.uri().path() == path {
        rewrite_query(req, |k, v| (k != name).then(|| v.to_owned()));
    }
}

/// The key every request of `one_workspace_for_all` is rewritten to.
const FIRST_KEY: &str = "va_conformance_key_a_0001";

pub(crate) async fn body_json(
    res: Response,
) -> (
    axum::http::response::Parts,
    Option<Value>,
    axum::body::Bytes,
) {
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, 64 << 20).await.unwrap_or_default();
    let json = serde_json::from_slice(&bytes).ok();
    (parts, json, bytes)
}

pub(crate) fn rebuild(mut parts: axum::http::response::Parts, body: Vec<u8>) -> Response {
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(body))
}

pub(crate) async fn rewrite_json(res: Response, f: impl FnOnce(&mut Value)) -> Response {
    let (parts, json, bytes) = body_json(res).await;
    match json {
        Some(mut v) => {
            f(&mut v);
            rebuild(parts, serde_json::to_vec(&v).unwrap_or_default())
        }
        None => rebuild(parts, bytes.to_vec()),
    }
}

fn is(req: &Request, method: Method, path_suffix: &str) -> bool {
    req.method() == method && req.uri().path().ends_with(path_suffix)
}

async fn deviate(id: &'static str, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    match id {
        "server_error_on_list" if is(&req, Method::GET, "/api/v1/agents") => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
        }
        "clamps_limit" if query.contains("limit=") => {
            let clamped: Vec<String> = query
                .split('&')
                .filter(|p| {
                    !p.starts_with("limit=")
                        || p[6..].parse::<i64>().is_ok_and(|n| (1..=100).contains(&n))
                })
                .map(str::to_owned)
                .collect();
            let uri = format!("{path}?{}", clamped.join("&"));
            if let Ok(u) = uri.parse() {
                *req.uri_mut() = u;
            }
        }
        "refuses_valid_agents" if is(&req, Method::POST, "/api/v1/agents") => {
            let body = serde_json::json!({ "error": "validation_error", "message": "no", "details": { "violations": [{ "in": "body", "pointer": "", "reason": "no" }] } });
            let mut res = (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
            let h = res.headers_mut();
            for (k, v) in [
                ("x-ratelimit-limit", "300"),
                ("x-ratelimit-remaining", "299"),
                ("x-ratelimit-reset", "60"),
            ] {
                h.insert(k, HeaderValue::from_static(v));
            }
            return res;
        }
        "ids_are_prefix_matched"
            if req.method() == Method::GET
                && path.starts_with("/api/v1/calls/call_")
                && !path.ends_with(".wav") =>
        {
            // Drop anything after the 12 characters of a real id, as a sloppy lookup would.
            let id = &path["/api/v1/calls/".len()..];
            if id.len() > 17 {
                let uri = format!("/api/v1/calls/{}", &id[..17]);
                if let Ok(u) = uri.parse() {
                    *req.uri_mut() = u;
                }
            }
        }
        "unknown_ids_are_200" if req.method() == Method::GET && path.contains("/calls/call_zz") => {
            let uri = "/api/v1/calls?limit=1";
            let auth = req.headers().get("authorization").cloned();
            let mut list = Request::builder()
                .uri(uri)
                .body(Body::empty())
                .unwrap_or_default();
            if let Some(a) = auth {
                list.headers_mut().insert("authorization", a);
            }
            let res = next.clone().run(list).await;
            return rewrite_json(res, |v| *v = v["data"][0].take()).await;
        }
        "delete_is_a_noop" if req.method() == Method::DELETE => {
            return StatusCode::NO_CONTENT.into_response();
        }
        "patch_not_persisted" if req.method() == Method::PATCH && path.contains("/agents/") => {
            let (parts, body) = req.into_parts();
            let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
            let patch: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            // Answer as if applied, from a harmless no-op PATCH.
            let noop = serde_json::json!({ "soul": "" });
            let req = Request::from_parts(
                parts,
                Body::from(serde_json::to_vec(&noop).unwrap_or_default()),
            );
            let res = next.run(req).await;
            return rewrite_json(res, |v| {
                if let (Some(obj), Some(p)) = (v.as_object_mut(), patch.as_object()) {
                    for (k, val) in p {
                        obj.insert(k.clone(), val.clone());
                    }
                }
            })
            .await;
        }
        "create_not_persisted" if is(&req, Method::POST, "/api/v1/agents") => {
            let res = next.clone().run(req).await;
            let id = {
                let (parts, json, _) = body_json(res).await;
                let id = json
                    .as_ref()
                    .and_then(|j| j["id"].as_str())
                    .map(str::to_owned);
                (parts, json, id)
            };
            let (parts, json, agent) = id;
            // Quietly delete what was created.
            if let Some(agent) = agent {
                let del = Request::builder()
                    .method(Method::DELETE)
                    .uri(format!("/api/v1/agents/{agent}"))
                    .header("authorization", format!("Bearer {FIRST_KEY}"))
                    .body(Body::empty())
                    .unwrap_or_default();
                let _ = next.run(del).await;
            }
            return rebuild(
                parts,
                serde_json::to_vec(&json.unwrap_or(Value::Null)).unwrap_or_default(),
            );
        }
        "one_workspace_for_all" => {
            req.headers_mut().insert(
                "authorization",
                HeaderValue::from_static("Bearer va_conformance_key_a_0001"),
            );
        }
        "ranges_ignored" => {
            req.headers_mut().remove("range");
        }
        // Meaningful only under the mock's strict key policy (tests/scenarios.rs).
        "unknown_key_accepted"
            if req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("va_zz_unknown")) =>
        {
            req.headers_mut().insert(
                "authorization",
                HeaderValue::from_static("Bearer va_conformance_key_a_0001"),
            );
        }
        "agent_filter_ignored" => ignore_param(&mut req, "/api/v1/calls", "agentId"),
        "contact_filter_ignored" => ignore_param(&mut req, "/api/v1/calls", "contactId"),
        "status_filter_ignored" => ignore_param(&mut req, "/api/v1/calls", "status"),
        "recording_filter_ignored" => ignore_param(&mut req, "/api/v1/calls", "hasRecording"),
        "date_from_ignored" => ignore_param(&mut req, "/api/v1/calls", "dateFrom"),
        "date_to_ignored" => ignore_param(&mut req, "/api/v1/calls", "dateTo"),
        "inventory_area_code_ignored" => {
            ignore_param(
                &mut req,
                "/api/v1/phone-numbers/inventory/search",
                "areaCode",
            );
        }
        "item_repeated_across_pages" if req.method() == Method::GET => {
            rewrite_query(&mut req, |k, v| match (k, v.parse::<u64>()) {
                ("offset", Ok(o)) if o > 0 => Some((o - 1).to_string()),
                _ => Some(v.to_owned()),
            });
        }
        "page_longer_than_limit" if req.method() == Method::GET => {
            rewrite_query(&mut req, |k, v| match (k, v.parse::<u64>()) {
                ("limit", Ok(l)) if l < 100 => Some((l + 1).to_string()),
                _ => Some(v.to_owned()),
            });
        }
        "routing_not_stored"
            if req.method() == Method::PATCH && path.starts_with("/api/v1/phone-numbers/") =>
        {
            let (parts, body) = req.into_parts();
            let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
            let asked: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let req = Request::from_parts(
                parts,
                Body::from(
                    serde_json::to_vec(&serde_json::json!({ "agentId": null })).unwrap_or_default(),
                ),
            );
            let res = next.run(req).await;
            return rewrite_json(res, |v| {
                if v.get("agentId").is_some() {
                    v["agentId"] = asked["agentId"].clone();
                }
            })
            .await;
        }
        "bought_number_left_in_inventory" if is(&req, Method::POST, "/api/v1/phone-numbers") => {
            let res = next.run(req).await;
            let (parts, json, bytes) = body_json(res).await;
            if parts.status == StatusCode::CREATED
                && let Some(j) = &json
            {
                BOUGHT.lock().push(j.clone());
            }
            return rebuild(parts, bytes.to_vec());
        }
        "soul_not_stored"
            if req.method() == Method::PATCH && path.starts_with("/api/v1/agents/") =>
        {
            let (parts, body) = req.into_parts();
            let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
            let mut patch: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let soul = patch.as_object_mut().and_then(|o| o.remove("soul"));
            let Some(soul) = soul else {
                let req = Request::from_parts(parts, Body::from(bytes));
                return next.run(req).await;
            };
            // Store the rest (or nothing, as a no-op PATCH), echo the soul as if stored.
            if patch.as_object().is_some_and(serde_json::Map::is_empty) {
                patch = serde_json::json!({ "mission": "" });
            }
            let req = Request::from_parts(
                parts,
                Body::from(serde_json::to_vec(&patch).unwrap_or_default()),
            );
            let res = next.run(req).await;
            return rewrite_json(res, |v| {
                if v.get("soul").is_some() {
                    v["soul"] = soul.clone();
                }
            })
            .await;
        }
        _ => {}
    }
    let res = next.run(req).await;
    match id {
        "undocumented_success_status"
            if path.ends_with("/api/v1/contacts") && res.status() == StatusCode::OK =>
        {
            let (mut parts, _, bytes) = body_json(res).await;
            parts.status = StatusCode::NON_AUTHORITATIVE_INFORMATION;
            rebuild(parts, bytes.to_vec())
        }
        "html_content_type"
            if path.ends_with("/api/v1/agents") && res.status() == StatusCode::OK =>
        {
            let mut res = res;
            res.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/html"));
            res
        }
        "no_rate_limit_headers" => {
            let mut res = res;
            res.headers_mut().remove("x-ratelimit-remaining");
            res
        }
        "negative_total" if res.status() == StatusCode::OK && path.ends_with("/api/v1/agents") => {
            rewrite_json(res, |v| v["total"] = Value::from(-1)).await
        }
        "wrong_error_code" if res.status() == StatusCode::NOT_FOUND => {
            rewrite_json(res, |v| v["error"] = Value::from("missing")).await
        }
        "unnamed_violations" if res.status() == StatusCode::BAD_REQUEST => {
            rewrite_json(res, |v| {
                if let Some(list) = v["details"]["violations"].as_array_mut() {
                    for x in list {
                        x["name"] = Value::from("somewhere");
                        x["pointer"] = Value::from("/somewhere");
                    }
                }
            })
            .await
        }
        "no_bearer_challenge" => {
            let mut res = res;
            res.headers_mut().remove("www-authenticate");
            res
        }
        "no_allow_header" => {
            let mut res = res;
            res.headers_mut().remove("allow");
            res
        }
        "wrong_id_echo" if req_is_call_detail(&path) && res.status() == StatusCode::OK => {
            rewrite_json(res, |v| v["id"] = Value::from("call_zzzzzz000000")).await
        }
        "unordered_calls" if path.ends_with("/api/v1/calls") && res.status() == StatusCode::OK => {
            rewrite_json(res, |v| {
                if let Some(a) = v["data"].as_array_mut() {
                    a.reverse();
                }
            })
            .await
        }
        "cost_off_by_one" if req_is_call_detail(&path) && res.status() == StatusCode::OK => {
            rewrite_json(res, |v| {
                if let Some(t) = v["cost"]["totalCents"].as_i64() {
                    v["cost"]["totalCents"] = Value::from(t + 1);
                }
            })
            .await
        }
        "truncated_wav" if path.ends_with(".wav") && res.status() == StatusCode::OK => {
            let (parts, _, bytes) = body_json(res).await;
            let mut res = rebuild(parts, bytes[..bytes.len().saturating_sub(1)].to_vec());
            res.headers_mut().insert(
                "content-length",
                HeaderValue::from(bytes.len().saturating_sub(1)),
            );
            res
        }
        "openapi_missing_operation" if path.ends_with("/openapi.json") => {
            rewrite_json(res, |v| {
                if let Some(paths) = v["paths"].as_object_mut() {
                    paths.remove("/contacts");
                }
            })
            .await
        }
        "openapi_drifts" if path.ends_with("/openapi.json") => {
            rewrite_json(res, |v| {
                if let Some(params) = v["paths"]["/calls"]["get"]["parameters"].as_array_mut() {
                    params.retain(|p| p["name"] != "hasRecording");
                }
            })
            .await
        }
        "extra_field" if path.ends_with("/api/v1/agents") && res.status() == StatusCode::OK => {
            rewrite_json(res, |v| v["next"] = Value::from("x")).await
        }
        "inbound_call_ignores_routing"
            if req_is_call_detail(&path) && res.status() == StatusCode::OK =>
        {
            rewrite_json(res, |v| {
                if v["direction"] == "inbound" {
                    v["agentId"] = Value::Null;
                }
            })
            .await
        }
        "duration_longer_than_audio"
            if req_is_call_detail(&path) && res.status() == StatusCode::OK =>
        {
            rewrite_json(res, |v| {
                if let Some(d) = v["durationSec"].as_u64()
                    && !v["recordingUrl"].is_null()
                {
                    v["durationSec"] = Value::from(d + 5);
                }
            })
            .await
        }
        "bought_number_left_in_inventory"
            if path.ends_with("/api/v1/phone-numbers/inventory/search")
                && res.status() == StatusCode::OK =>
        {
            let bought: Vec<Value> = BOUGHT.lock().clone();
            rewrite_json(res, |v| {
                if let Some(data) = v["data"].as_array_mut() {
                    for b in bought {
                        let mut offer = b.clone();
                        if let Some(o) = offer.as_object_mut() {
                            for k in ["id", "agentId", "createdAt"] {
                                o.remove(k);
                            }
                        }
                        data.insert(0, offer);
                    }
                }
            })
            .await
        }
        "row_errors_swallowed"
            if path.ends_with("/api/v1/contact-lists") && res.status() == StatusCode::CREATED =>
        {
            rewrite_json(res, |v| {
                v["rejected"] = Value::from(0);
                v["errors"] = Value::Array(Vec::new());
            })
            .await
        }
        "total_one_too_high" if res.status() == StatusCode::OK => {
            rewrite_json(res, |v| {
                if let Some(t) = v.get("total").and_then(Value::as_u64)
                    && v.get("data").is_some_and(Value::is_array)
                {
                    v["total"] = Value::from(t + 1);
                }
            })
            .await
        }
        _ => res,
    }
}

fn req_is_call_detail(path: &str) -> bool {
    path.starts_with("/api/v1/calls/") && !path.ends_with(".wav")
}

/// A running variant (or the faithful mock when `id` is `None`).
pub struct Running {
    /// `http://ADDR/api/v1`.
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the mock, broken as variant `id` says, on 127.0.0.1:0.
pub async fn start(id: Option<&'static str>) -> Running {
    start_limited(id, 1_000_000).await
}

/// [`start`] with the mock admitting `rate_limit` requests a minute per key (300 is v1's).
pub async fn start_limited(id: Option<&'static str>, rate_limit: u32) -> Running {
    let mut config = mock_server::Config::for_tests();
    config.rate_limit = rate_limit;
    start_with_config(config, id).await
}

/// [`start`] with a configuration of the caller's (response validation off, as in every
/// variant: a deviant's broken answers must reach the runner).
pub async fn start_with_config(
    mut config: mock_server::Config,
    id: Option<&'static str>,
) -> Running {
    // Two deviants sign recording URLs badly: the mock's own test-only signer faults.
    config.signing_faults = mock_server::test_hooks::SigningFaults {
        ignore_expiry: id == Some("expiry_not_checked"),
        unbound_path: id == Some("signature_not_bound_to_call"),
    };
    let mut router = mock_app(config);
    if let Some(id) = id {
        router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
            deviate(id, req, next)
        }));
    }
    serve(router).await
}

/// The mock's router on `config`, response validation off (a deviant's broken answers must
/// reach the runner).
pub fn mock_app(mut config: mock_server::Config) -> axum::Router {
    config.validate_responses = false;
    let state = mock_server::AppState::new(config).expect("test config is valid");
    mock_server::app(state)
}

/// Serves `router` on 127.0.0.1:0.
pub async fn serve(router: axum::Router) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Running {
        base_url: format!("http://{addr}/api/v1"),
        task,
    }
}

/// The run every e2e test makes against a target: both conformance keys, every phase, four
/// workers; the seed, case count and shrink budget are each test's own.
pub fn run_config(
    base_url: String,
    seed: u64,
    max_examples: usize,
    max_shrink_steps: usize,
) -> conformance::runner::RunConfig {
    use conformance::case::Phase;
    conformance::runner::RunConfig {
        target: conformance::http::TargetConfig {
            base_url: base_url.clone(),
            api_key: "va_conformance_key_a_0001".into(),
            api_key_b: Some("va_conformance_key_b_0002".into()),
            timeout: std::time::Duration::from_secs(10),
            max_body: 32 << 20,
        },
        seed,
        max_examples,
        time_budget: None,
        workers: 4,
        operations: Default::default(),
        checks: conformance::exec::CheckFilter::default(),
        phases: [
            Phase::Examples,
            Phase::Coverage,
            Phase::Fuzzing,
            Phase::Protocol,
            Phase::Scenario,
        ]
        .into(),
        max_shrink_steps,
        profile: conformance::profile::Profile::Strict,
        // The mock's control API: the runner knows the target is a mock (purchases and imports
        // are free) and paces by its virtual clock.
        control_url: Some(format!("{}/_mock", base_url.trim_end_matches("/api/v1"))),
        request_budget: None,
        judge_by_target_contract: false,
        safety: conformance::safety::Safety::default(),
        scenarios: conformance::scenario::load::built_in().expect("the built-in suites parse"),
        webhooks: Default::default(),
        baseline: None,
    }
}

/// The weakest profile under which finding `f` fails a run: its binding's, and `strict` for a
/// SHOULD check or a rule of the mock's own.
pub fn weakest_failing_profile(f: &conformance::finding::Finding) -> Profile {
    use conformance::checks::catalogue::Level;
    match (f.level, f.binding) {
        (Level::Should, _) | (_, spec::Binding::Mock) => Profile::Strict,
        (Level::Must, spec::Binding::Contract) => Profile::Contract,
        (Level::Must, spec::Binding::Page) => Profile::Page,
    }
}

/// A scenario's ending as a person reads it: `failed agents/rename: stopped at step create`.
pub fn scenario_line(o: &conformance::events::ScenarioOutcome) -> String {
    format!(
        "{} {}: {}",
        o.status.as_str(),
        o.id,
        o.reason.clone().unwrap_or_default()
    )
}

/// The origin of a mock's base URL (`http://ADDR`), where its control API lives under `/_mock`.
pub fn origin(base_url: &str) -> String {
    base_url.trim_end_matches("/api/v1").to_owned()
}

/// GETs `url` and reads JSON; a test helper, so a failure panics naming the URL.
pub async fn get_json(url: String) -> Value {
    reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}
