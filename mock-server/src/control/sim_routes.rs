//! Control routes of the simulation: calls, campaigns, events, webhook endpoints, the delivery
//! log and webhook chaos. Every route that starts something runs the jobs due by now before it
//! answers (see `sim`), so its effects, first delivery attempts included, are visible at once.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use spec::{Location, Violation};

use super::dispatch::PathId;
use super::{ControlBody, json_body, ok};
use crate::error::ApiError;
use crate::render;
use crate::sim::{
    DeliveryFilter, EndpointRequest, SimError, WebhookChaos, campaigns, events, lifecycle,
};
use crate::state::Shared;
use crate::state::workspace_seeded;
use crate::store::SharedWorkspace;
use crate::store::ids::{self, Kind};

/// A 422 naming one body field.
pub(crate) fn field_error(field: &str, reason: impl Into<String>) -> ApiError {
    let reason = reason.into();
    ApiError::validation(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("request body is invalid: {field}: {reason}"),
        &[Violation {
            location: Location::Body {
                pointer: format!("/{field}"),
            },
            reason,
        }],
    )
}

/// The error answer of a refused simulation request.
pub(crate) fn sim_error(e: SimError) -> ApiError {
    match e {
        SimError::Invalid { field, reason } => field_error(field, reason),
        SimError::NotFound(m) => ApiError::control(StatusCode::NOT_FOUND, "not_found", m),
        SimError::Conflict(m) => ApiError::control(StatusCode::CONFLICT, "conflict", m),
    }
}

/// Where a control request carries `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyIn {
    /// A JSON or form body field (a bad key is 422 at `/key`).
    Body,
    /// A query parameter (a bad key is 400 naming the parameter).
    Query,
}

/// Checks a `key` a control request names: present, well formed, accepted by the key policy.
pub(crate) fn check_key<'a>(
    st: &Shared,
    key: Option<&'a str>,
    place: KeyIn,
) -> Result<&'a str, ApiError> {
    let refuse = |reason: &str| match place {
        KeyIn::Body => field_error("key", reason),
        KeyIn::Query => super::query_error("key", reason),
    };
    let key = key.ok_or_else(|| refuse("required: the API key whose workspace this is about"))?;
    if !crate::policy::auth::well_formed(key) {
        return Err(refuse(
            "not a well-formed API key (va_ followed by 16 to 64 letters, digits or underscores)",
        ));
    }
    if crate::policy::auth::authenticate(&st.config, Some(&format!("Bearer {key}"))).is_err() {
        return Err(refuse("not accepted by the mock's key policy"));
    }
    Ok(key)
}

/// The workspace a control request names with `key` (seeded on first use, like an API call).
pub(crate) async fn workspace_of(
    st: &Shared,
    key: Option<&str>,
    place: KeyIn,
) -> Result<SharedWorkspace, ApiError> {
    let key = check_key(st, key, place)?;
    Ok(workspace_seeded(st, key).await)
}

/// A query string, or the 400 for one that does not deserialise.
pub(super) type QueryOf<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

fn query<T>(q: QueryOf<T>) -> Result<T, ApiError> {
    q.map(|Query(v)| v).map_err(|e| super::query_rejected(&e))
}

fn created(value: Value) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

fn parse<T: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> Result<T, ApiError> {
    json_body(body)
}

// ----- calls -----

pub(super) async fn start_call(
    State(st): State<Shared>,
    ControlBody(body): ControlBody,
) -> Response {
    let run = async {
        let req: lifecycle::CallRequest = parse(&body)?;
        let ws = workspace_of(&st, req.key.as_deref(), KeyIn::Body).await?;
        let seq = {
            let mut w = ws.write();
            st.sim
                .start_call(&st.sim_env(), &mut w, &req)
                .map_err(sim_error)?
        };
        st.sim.run_due(&st.sim_env()).await;
        let w = ws.read();
        Ok::<_, ApiError>(created(
            serde_json::to_value(render::call_summary(&w, seq)).unwrap_or(Value::Null),
        ))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

// ----- campaigns -----

pub(super) async fn start_campaign(
    State(st): State<Shared>,
    ControlBody(body): ControlBody,
) -> Response {
    let run = async {
        let req: campaigns::CampaignRequest = parse(&body)?;
        let ws = workspace_of(&st, req.key.as_deref(), KeyIn::Body).await?;
        let seq = {
            let w = ws.read();
            st.sim
                .start_campaign(&st.sim_env(), &w, &req)
                .map_err(sim_error)?
        };
        st.sim.run_due(&st.sim_env()).await;
        let w = ws.read();
        let view = campaign_view(&st, &w, seq).unwrap_or(Value::Null);
        Ok::<_, ApiError>(created(view))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct KeyQuery {
    key: Option<String>,
}

fn no_campaign(id: &str) -> ApiError {
    ApiError::control(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no campaign '{id}' in this workspace"),
    )
}

fn campaign_seq(id: &str, w: &crate::store::Workspace) -> Result<u32, ApiError> {
    ids::decode(Kind::Campaign, id)
        .filter(|(tag, _)| *tag == w.tag)
        .map(|(_, seq)| seq)
        .ok_or_else(|| no_campaign(id))
}

/// The control view of campaign `seq` of `w`, if it exists.
fn campaign_view(st: &Shared, w: &crate::store::Workspace, seq: u32) -> Option<Value> {
    st.sim.campaigns_view(w, Some(seq)).pop()
}

pub(super) async fn list_campaigns(State(st): State<Shared>, q: QueryOf<KeyQuery>) -> Response {
    let run = async {
        let q = query(q)?;
        let ws = workspace_of(&st, q.key.as_deref(), KeyIn::Query).await?;
        let w = ws.read();
        let data = st.sim.campaigns_view(&w, None);
        Ok::<_, ApiError>(ok(json!({ "data": data, "total": data.len() })))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

pub(super) async fn get_campaign(
    State(st): State<Shared>,
    PathId(id): PathId,
    q: QueryOf<KeyQuery>,
) -> Response {
    let run = async {
        let q = query(q)?;
        let ws = workspace_of(&st, q.key.as_deref(), KeyIn::Query).await?;
        let w = ws.read();
        let seq = campaign_seq(&id, &w)?;
        let view = campaign_view(&st, &w, seq).ok_or_else(|| no_campaign(&id))?;
        Ok::<_, ApiError>(ok(view))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

pub(super) async fn resume_campaign(
    State(st): State<Shared>,
    PathId(id): PathId,
    ControlBody(body): ControlBody,
) -> Response {
    let run = async {
        let req: KeyBody = parse(&body)?;
        let ws = workspace_of(&st, req.key.as_deref(), KeyIn::Body).await?;
        let (key, seq) = {
            let w = ws.read();
            (w.key.clone(), campaign_seq(&id, &w)?)
        };
        st.sim
            .resume_campaign(&st.sim_env(), &key, seq)
            .map_err(sim_error)?;
        st.sim.run_due(&st.sim_env()).await;
        let w = ws.read();
        let view = campaign_view(&st, &w, seq).unwrap_or(Value::Null);
        Ok::<_, ApiError>(ok(view))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyBody {
    key: Option<String>,
}

// ----- events -----

pub(super) async fn trigger(State(st): State<Shared>, ControlBody(body): ControlBody) -> Response {
    let run = async {
        let req: events::TriggerRequest = parse(&body)?;
        let ws = workspace_of(&st, req.key.as_deref(), KeyIn::Body).await?;
        let emitted = {
            let w = ws.read();
            st.sim.trigger(&st.sim_env(), &w, req).map_err(sim_error)?
        };
        st.sim.run_due(&st.sim_env()).await;
        Ok::<_, ApiError>(created(json!({
            "event": emitted.payload,
            "deliveries": emitted.deliveries,
        })))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

// ----- webhook endpoints -----

pub(super) async fn list_endpoints(State(st): State<Shared>, q: QueryOf<KeyQuery>) -> Response {
    let q = match query(q) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    if q.key.is_some()
        && let Err(e) = check_key(&st, q.key.as_deref(), KeyIn::Query)
    {
        return e.into_response();
    }
    let data: Vec<Value> = st
        .sim
        .endpoints(q.key.as_deref())
        .iter()
        .map(|e| e.to_json())
        .collect();
    ok(json!({ "data": data, "total": data.len() }))
}

pub(super) async fn add_endpoint(
    State(st): State<Shared>,
    ControlBody(body): ControlBody,
) -> Response {
    let run = async {
        let req: EndpointRequest = parse(&body)?;
        let ws = workspace_of(&st, req.key.as_deref(), KeyIn::Body).await?;
        let key = ws.read().key.clone();
        let ep = st
            .sim
            .add_endpoint(&key, &req, st.clock.now_ms())
            .map_err(sim_error)?;
        Ok::<_, ApiError>(created(ep.to_json()))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

pub(super) async fn get_endpoint(State(st): State<Shared>, PathId(id): PathId) -> Response {
    match st.sim.endpoints(None).into_iter().find(|e| e.id == id) {
        Some(e) => ok(e.to_json()),
        None => {
            sim_error(SimError::NotFound(format!("no webhook endpoint '{id}'"))).into_response()
        }
    }
}

pub(super) async fn update_endpoint(
    State(st): State<Shared>,
    PathId(id): PathId,
    ControlBody(body): ControlBody,
) -> Response {
    let run = async {
        let req: EndpointRequest = parse(&body)?;
        if req.key.is_some() {
            return Err(field_error(
                "key",
                "an endpoint cannot move to another workspace",
            ));
        }
        let ep = st.sim.update_endpoint(None, &id, &req).map_err(sim_error)?;
        Ok(ok(ep.to_json()))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

pub(super) async fn remove_endpoint(State(st): State<Shared>, PathId(id): PathId) -> Response {
    match st.sim.remove_endpoint(None, &id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => sim_error(e).into_response(),
    }
}

// ----- deliveries -----

pub(super) async fn list_deliveries(
    State(st): State<Shared>,
    q: QueryOf<DeliveryFilter>,
) -> Response {
    let f = match query(q) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if f.limit.is_some_and(|l| l > 10_000) {
        return super::query_error("limit", "must be at most 10000").into_response();
    }
    if let Some(s) = &f.state
        && !matches!(s.as_str(), "pending" | "delivered" | "failed")
    {
        return super::query_error("state", "one of pending, delivered or failed").into_response();
    }
    let (total, data) = st.sim.deliveries(&f);
    ok(json!({ "data": data, "total": total }))
}

pub(super) async fn get_delivery(State(st): State<Shared>, PathId(id): PathId) -> Response {
    match st.sim.delivery(&id) {
        Some(d) => ok(d),
        None => {
            sim_error(SimError::NotFound(format!("no delivery '{id}' in the log"))).into_response()
        }
    }
}

pub(super) async fn redeliver(State(st): State<Shared>, PathId(id): PathId) -> Response {
    if let Err(e) = st.sim.redeliver(&st.sim_env(), &id) {
        return sim_error(e).into_response();
    }
    st.sim.run_due(&st.sim_env()).await;
    match st.sim.delivery(&id) {
        Some(d) => ok(d),
        None => {
            sim_error(SimError::NotFound(format!("no delivery '{id}' in the log"))).into_response()
        }
    }
}

// ----- chaos -----

/// The whole chaos document: HTTP faults and webhook faults.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChaosDoc {
    #[serde(flatten)]
    http: crate::policy::chaos::HttpChaos,
    #[serde(default)]
    webhooks: WebhookChaos,
}

fn chaos_doc(st: &Shared) -> Value {
    serde_json::to_value(ChaosDoc {
        http: st.chaos.settings(),
        webhooks: st.sim.chaos(),
    })
    .unwrap_or(Value::Null)
}

pub(super) async fn get_chaos(State(st): State<Shared>) -> Response {
    ok(chaos_doc(&st))
}

/// Replaces every chaos setting (a field left out is off).
pub(super) async fn put_chaos(
    State(st): State<Shared>,
    ControlBody(body): ControlBody,
) -> Response {
    // An empty body is `{}`, as on the other control routes: every fault off.
    let doc: ChaosDoc = match json_body(&body) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    set_chaos(&st, doc)
}

/// Merges a JSON merge patch (RFC 7396) into the settings in force: a field given replaces its
/// value, `null` turns it off, an object (`errorRates`, `webhooks`) is merged key by key, and a
/// field left out is unchanged.
pub(super) async fn patch_chaos(
    State(st): State<Shared>,
    ControlBody(body): ControlBody,
) -> Response {
    let patch: Value = match json_body::<Option<Value>>(&body) {
        Ok(p) => p.unwrap_or_else(|| json!({})),
        Err(e) => return e.into_response(),
    };
    if !patch.is_object() {
        return super::bad_request(
            "request body is invalid: a chaos patch is a JSON object of the settings to change",
        )
        .into_response();
    }
    let mut merged = chaos_doc(&st);
    merge_patch(&mut merged, &patch);
    let doc: ChaosDoc = match serde_json::from_value(merged) {
        Ok(d) => d,
        Err(e) => {
            return super::bad_request(format!("request body is invalid: {e}")).into_response();
        }
    };
    set_chaos(&st, doc)
}

/// RFC 7396: `patch` merged into `target`.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    if let Value::Object(t) = target {
        for (k, v) in fields {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Checks a whole chaos document and puts it in force; a refused one changes nothing.
fn set_chaos(st: &Shared, doc: ChaosDoc) -> Response {
    if let Err((field, m)) = doc.webhooks.check() {
        return field_error(&format!("webhooks/{field}"), m).into_response();
    }
    if let Err((field, reason)) = doc.http.check() {
        return field_error(field, reason).into_response();
    }
    if let Err((field, reason)) = st.chaos.set(doc.http) {
        return field_error(field, reason).into_response();
    }
    st.sim.set_chaos(doc.webhooks);
    ok(chaos_doc(st))
}
