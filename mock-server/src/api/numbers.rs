//! `/phone-numbers`: list, routing, inventory search, purchase.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::{Input, json};
use crate::error::ApiError;
use crate::render::{self, ListOut};
use crate::store::ids::Kind;

fn body_field<'a>(input: &'a Input<'_>, name: &str) -> Option<&'a Value> {
    match &input.body {
        spec::BodyValue::Json(Value::Object(m)) => m.get(name),
        _ => None,
    }
}

/// `listPhoneNumbers`.
pub(super) fn list(input: &Input<'_>) -> Result<Response, ApiError> {
    let (offset, limit) = input.page();
    let ws = input.ws()?.read();
    let page = ws.list_numbers(offset, limit);
    let data = page.items.iter().map(|&s| render::number(&ws, s)).collect();
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

/// `updatePhoneNumber`: `{ agentId }` assigns or clears inbound routing.
pub(super) fn update(input: &Input<'_>) -> Result<Response, ApiError> {
    let id = input.str("id").unwrap_or_default();
    let agent = body_field(input, "agentId").and_then(Value::as_str);
    let mut ws = input.ws()?.write();
    let seq = ws.route_number(id, agent)?;
    json(StatusCode::OK, &render::number(&ws, seq))
}

/// `searchPhoneNumberInventory`.
pub(super) fn search(input: &Input<'_>) -> Result<Response, ApiError> {
    let (offset, limit) = input.page();
    let country = input.str("country").unwrap_or_default();
    let ws = input.ws()?.read();
    let page = ws.search_inventory(country, input.str("areaCode"), offset, limit);
    let data = page
        .items
        .iter()
        .map(|(n, l)| render::available(n, l))
        .collect();
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

/// `buyPhoneNumber`: 201, or 409 when the number is not in this workspace's inventory.
pub(super) fn buy(input: &Input<'_>) -> Result<Response, ApiError> {
    let number = body_field(input, "number")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut ws = input.ws()?.write();
    let seq = ws.buy_number(number, input.now())?;
    let mut res = json(StatusCode::CREATED, &render::number(&ws, seq))?;
    let location = format!(
        "{}/phone-numbers/{}",
        input.state.contract.server_base_path(),
        ws.id(Kind::PhoneNumber, seq)
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}
