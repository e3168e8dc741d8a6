//! The sizes a request's head may have (spec/DECISIONS.md D-LIMITS), enforced in the pipeline so
//! that a refusal carries the error shape, a request id and CORS like every other answer.
//!
//! hyper's own limits are set far above these ([`super::edge`]), so hyper refuses only what is
//! absurd, and even then the edge rewrites its bare answer into the error shape.

use axum::extract::Request;
use axum::http::HeaderMap;

use crate::error::ApiError;

/// The longest request target (path and query) answered: 16 KiB.
pub(crate) const MAX_TARGET_BYTES: usize = 16 * 1024;
/// The most request header fields answered.
pub(crate) const MAX_HEADERS: usize = 100;
/// The most bytes of header names and values answered: 32 KiB.
pub(crate) const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The refusal of a request whose head is over a limit, if it is.
pub(crate) fn check(req: &Request) -> Option<ApiError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_TARGET_BYTES {
        return Some(ApiError::uri_too_long(Some(target), MAX_TARGET_BYTES));
    }
    check_headers(req.headers())
}

fn check_headers(headers: &HeaderMap) -> Option<ApiError> {
    let count = headers.len();
    if count > MAX_HEADERS {
        return Some(ApiError::headers_too_large(
            format!("{count} header fields, more than {MAX_HEADERS}"),
            MAX_HEADERS,
            MAX_HEADER_BYTES,
        ));
    }
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if bytes > MAX_HEADER_BYTES {
        return Some(ApiError::headers_too_large(
            format!("{bytes} bytes of names and values, more than {MAX_HEADER_BYTES}"),
            MAX_HEADERS,
            MAX_HEADER_BYTES,
        ));
    }
    None
}

/// Whether `req` is within every limit (the front's fast path); builds no refusal when it is.
pub(crate) fn within(req: &Request) -> bool {
    check(req).is_none()
}
