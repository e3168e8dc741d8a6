//! `GET`/`HEAD /calls/{id}/recording.wav`: signed-URL checks; the audio comes from `crate::audio`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Input;
use crate::error::ApiError;
use crate::render::ts;
use crate::signing::UrlCheck;
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
        UrlCheck::Expired(at) => return Err(ApiError::url_expired(&ts(at))),
    }
    let Some(ws) = &input.workspace else {
        return Err(not_found().into());
    };
    let ws = ws.read();
    let seq = ws.resolve(Kind::Call, id).ok_or_else(not_found)?;
    let call = &ws.calls[seq as usize];
    if !call.has_recording {
        return Err(not_found().into());
    }
    let wav = crate::audio::wav_bytes(ws.call_seed(seq), call.duration_sec);
    let len = crate::audio::file_len(call.duration_sec);
    let mut res = (StatusCode::OK, wav).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(res)
}
