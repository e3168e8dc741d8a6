//! `GET /calls` and `GET /calls/{id}`.

use axum::http::StatusCode;
use axum::response::Response;

use super::{Input, json};
use crate::clock::parse_rfc3339;
use crate::derive::signing::URL_TTL_SECS;
use crate::error::ApiError;
use crate::render::{self, ListOut};
use crate::store::StoreError;
use crate::store::call_index::CallQuery;
use crate::store::ids::Kind;
use crate::store::model::CallStatus;

/// `listCalls`: filters, newest first, paged.
pub(super) fn list(input: &Input<'_>) -> Result<Response, ApiError> {
    let (offset, limit) = input.page();
    let from_ms = input.str("dateFrom").and_then(parse_rfc3339);
    // `dateTo` before `dateFrom` is an empty window, answered with an empty page (D-TIME).
    let to_ms = input.str("dateTo").and_then(parse_rfc3339);
    let ws = input.ws()?.read();
    // A filter naming nothing in this workspace matches nothing (D-CALLS), so it short-circuits.
    let resolve = |name: &str, kind: Kind| match input.str(name) {
        None => Ok(None),
        Some(id) => ws.resolve_filter(kind, id).map(Some).ok_or(()),
    };
    let (Ok(agent), Ok(contact)) = (
        resolve("agentId", Kind::Agent),
        resolve("contactId", Kind::Contact),
    ) else {
        return json(
            StatusCode::OK,
            &ListOut::<()> {
                data: Vec::new(),
                total: 0,
                limit,
                offset,
            },
        );
    };
    let q = CallQuery {
        agent,
        contact,
        status: input.str("status").and_then(CallStatus::parse),
        has_recording: input
            .params
            .get("hasRecording")
            .and_then(serde_json::Value::as_bool),
        from_ms,
        to_ms,
    };
    let page = ws.list_calls(&q, offset, limit);
    let data = page
        .items
        .iter()
        .map(|&s| render::call_summary(&ws, s))
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

/// `getCall`: detail with transcript, line items and a freshly signed recording URL.
pub(super) fn get(input: &Input<'_>) -> Result<Response, ApiError> {
    let id = input.str("id").unwrap_or_default();
    let ws = input.ws()?.read();
    let seq = ws
        .resolve(Kind::Call, id)
        .ok_or_else(|| StoreError::NotFound {
            kind: Kind::Call,
            id: id.to_owned(),
        })?;
    let recording = ws.calls[seq as usize].has_recording.then(|| {
        let expires = input.now() + URL_TTL_SECS;
        // Origin, path and signed query written into one `String`.
        let mut url = String::with_capacity(192);
        input.write_origin(&mut url);
        let path_start = url.len();
        url.push_str(input.state.contract.server_base_path());
        url.push_str("/calls/");
        url.push_str(ws.id(Kind::Call, seq).as_str());
        url.push_str("/recording.wav");
        input.state.signer.sign_url(&mut url, path_start, expires);
        (url, expires)
    });
    let body = render::call_detail_json(&ws, seq, recording, &input.state.detail_cache)
        .map_err(super::serialise_failed)?;
    Ok(super::json_bytes(StatusCode::OK, body))
}
