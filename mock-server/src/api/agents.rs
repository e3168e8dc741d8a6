//! `/agents`: list, create, update, delete.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::{Input, json};
use crate::error::ApiError;
use crate::render::{self, ListOut};
use crate::store::ids::Kind;

fn body_object<'a>(input: &'a Input<'_>) -> Result<&'a Map<String, Value>, ApiError> {
    match &input.body {
        spec::BodyValue::Json(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::internal(
            "validated body is not an object",
            Value::Null,
        )),
    }
}

/// `listAgents`.
pub(super) fn list(input: &Input<'_>) -> Result<Response, ApiError> {
    let (offset, limit) = input.page();
    let ws = input.ws()?.read();
    let page = ws.list_agents(offset, limit);
    let data = page.items.iter().map(|&s| render::agent(&ws, s)).collect();
    json(
        StatusCode::OK,
        &ListOut {
            data,
            total: page.total,
            limit,
            offset,
        },
    )
}

/// `createAgent`: 201 with the agent and a `Location`.
pub(super) fn create(input: &Input<'_>) -> Result<Response, ApiError> {
    let body = body_object(input)?;
    let mut ws = input.ws()?.write();
    let seq = ws.create_agent(body, input.now())?;
    let mut res = json(StatusCode::CREATED, &render::agent(&ws, seq))?;
    let location = format!(
        "{}/agents/{}",
        input.state.contract.server_base_path(),
        ws.id(Kind::Agent, seq)
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// `updateAgent`: partial update, all or nothing.
pub(super) fn update(input: &Input<'_>) -> Result<Response, ApiError> {
    let body = body_object(input)?;
    let id = input.str("id").unwrap_or_default();
    let mut ws = input.ws()?.write();
    let seq = ws.update_agent(id, body, input.now())?;
    json(StatusCode::OK, &render::agent(&ws, seq))
}

/// `deleteAgent`: 204, no body.
pub(super) fn delete(input: &Input<'_>) -> Result<Response, ApiError> {
    let id = input.str("id").unwrap_or_default();
    input.ws()?.write().delete_agent(id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
