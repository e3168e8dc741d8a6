//! `GET`/`HEAD /calls/{id}/recording.wav`: the signed-URL check, byte ranges, and the audio
//! streamed from `crate::derive::audio`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::Input;
use crate::clock::Timestamp;
use crate::derive::audio::{RangeRequest, Recording, parse_range};
use crate::derive::signing::UrlCheck;
use crate::error::ApiError;
use crate::render::transcript_of;
use crate::store::StoreError;
use crate::store::ids::Kind;

/// `getCallRecording` and `headCallRecording`.
pub(super) fn get(input: &Input<'_>) -> Result<Response, ApiError> {
    let id = input.str("id").unwrap_or_default();
    let path = format!(
        "{}/calls/{id}/recording.wav",
        input.state.contract.server_base_path()
    );
    let not_found = || StoreError::NotFound {
        kind: Kind::Call,
        id: id.to_owned(),
    };
    // The signature is checked before the id is looked up: it covers the path, so an unsigned
    // request learns nothing about which calls exist (no 403-versus-404 existence leak).
    match input.state.signer.check(
        &path,
        input.str("expires"),
        input.str("signature"),
        input.now(),
    ) {
        UrlCheck::Valid => {}
        UrlCheck::Invalid => return Err(ApiError::invalid_signature()),
        UrlCheck::Expired(at) => {
            return Err(ApiError::url_expired(Timestamp::from_secs(at).as_str()));
        }
    }
    let Some(ws) = &input.workspace else {
        return Err(not_found().into());
    };
    let recording = {
        let ws = ws.read();
        let seq = ws.resolve(Kind::Call, id).ok_or_else(not_found)?;
        let call = &ws.calls[seq as usize];
        if !call.has_recording {
            return Err(not_found().into());
        }
        Recording::new(
            ws.call_seed(seq),
            call.duration_sec,
            &transcript_of(&ws, seq),
        )
    };
    let len = recording.len();
    let range_header = input
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let (status, start, end) = match parse_range(range_header, len) {
        RangeRequest::Whole => (StatusCode::OK, 0, len),
        RangeRequest::Partial(a, b) => (StatusCode::PARTIAL_CONTENT, a, b + 1),
        RangeRequest::Unsatisfiable => {
            return Err(ApiError::range_not_satisfiable(
                range_header.unwrap_or(""),
                len,
            ));
        }
    };
    let mut res = Response::new(Body::from_stream(recording.stream(start, end)));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(res)
}
