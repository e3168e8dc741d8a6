//! `GET /openapi.json`: the contract, byte for byte.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Input;
use crate::error::ApiError;

/// `getOpenApiDocument`.
pub(super) fn openapi(_input: &Input<'_>) -> Result<Response, ApiError> {
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        spec::OPENAPI_JSON,
    )
        .into_response())
}
