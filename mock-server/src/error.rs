//! The one error type of the API, and the one place its wire shape is written.
//!
//! Every handler returns `Result<_, ApiError>`; `ApiError` renders as the contract's `Error`
//! schema (`{ error, message, details }`, spec/DECISIONS.md D-ERROR) with the status and extra
//! headers its code requires. Nothing else in the crate writes an error body.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use spec::{BodyError, Location, Violation};

use crate::store::StoreError;

/// An error response: status, stable code, human message, details object, extra headers.
/// Boxed, so that `Result<_, ApiError>` stays one pointer wide on the happy path.
#[derive(Debug, Clone)]
pub(crate) struct ApiError(Box<ErrorBody>);

/// The parts of an [`ApiError`].
#[derive(Debug, Clone)]
pub(crate) struct ErrorBody {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) details: Value,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl std::ops::Deref for ApiError {
    type Target = ErrorBody;
    fn deref(&self) -> &ErrorBody {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorBody {
        &mut self.0
    }
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        details: Value,
    ) -> ApiError {
        ApiError(Box::new(ErrorBody {
            status,
            code,
            message: message.into(),
            details,
            headers: Vec::new(),
        }))
    }

    /// 400 or 422 `validation_error` listing every violation.
    pub(crate) fn validation(
        status: StatusCode,
        message: impl Into<String>,
        violations: &[Violation],
    ) -> ApiError {
        let list: Vec<Value> = violations.iter().map(violation_json).collect();
        ApiError::new(
            status,
            "validation_error",
            message,
            json!({ "violations": list }),
        )
    }

    /// 400 `validation_error` for parameters.
    pub(crate) fn bad_parameters(violations: &[Violation]) -> ApiError {
        let message = match violations {
            [one] => one.to_string(),
            many => format!("{} request parameters are invalid", many.len()),
        };
        ApiError::validation(StatusCode::BAD_REQUEST, message, violations)
    }

    /// The response to a body that failed [`spec::Operation::validate_body`].
    /// Its status and code are the contract's rule ([`BodyError::status`], [`BodyError::code`]);
    /// the message and details are ours.
    pub(crate) fn body(err: &BodyError) -> ApiError {
        let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
        match err {
            BodyError::UnsupportedMediaType { expected, got } => ApiError::new(
                status,
                err.code(),
                match got {
                    Some(g) => format!("expected Content-Type {}, got {g}", expected.join(" or ")),
                    None => format!("expected Content-Type {}, got none", expected.join(" or ")),
                },
                json!({ "expected": expected, "got": got }),
            ),
            BodyError::Malformed(v) => {
                let message = match v.as_slice() {
                    [one] => format!("request body is not well-formed: {one}"),
                    _ => "request body is not well-formed".to_owned(),
                };
                ApiError::validation(status, message, v)
            }
            BodyError::Invalid(v) => {
                let message = match v.as_slice() {
                    [one] => format!("request body is invalid: {one}"),
                    many => format!("request body is invalid ({} problems)", many.len()),
                };
                ApiError::validation(status, message, v)
            }
        }
    }

    /// 401 `unauthorized` with the Bearer challenge.
    pub(crate) fn unauthorized(message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            message,
            json!({ "scheme": "Bearer" }),
        );
        e.headers.push((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"viciagent\""),
        ));
        e
    }

    /// 403 `invalid_signature`.
    pub(crate) fn invalid_signature() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_signature",
            "the recording URL signature is missing or does not match; use the recordingUrl of GET /calls/{id} as it is",
            json!({}),
        )
    }

    /// 403 `url_expired`.
    pub(crate) fn url_expired(expired_at: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "url_expired",
            format!(
                "the recording URL expired at {expired_at}; fetch the call again for a fresh URL"
            ),
            json!({ "expiredAt": expired_at }),
        )
    }

    /// 403 with a code given by a parameter's `x-vici-on-invalid`.
    pub(crate) fn rejection(status: u16, code: &str, violations: &[Violation]) -> ApiError {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
        match code {
            "invalid_signature" => ApiError::invalid_signature(),
            _ => ApiError::validation(status, "request parameters are invalid", violations),
        }
    }

    /// 404 `not_found` for an unknown route.
    pub(crate) fn no_route(path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no route for {path}"),
            json!({ "path": path }),
        )
    }

    /// 405 `method_not_allowed` with `Allow`.
    pub(crate) fn method_not_allowed(method: &str, allowed: &[&str]) -> ApiError {
        let allow = allowed.join(", ");
        let mut e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{method} is not allowed here; allowed: {allow}"),
            json!({ "allow": allowed }),
        );
        if let Ok(v) = HeaderValue::from_str(&allow) {
            e.headers.push((header::ALLOW, v));
        }
        e
    }

    /// 413 `payload_too_large`.
    pub(crate) fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body exceeds {limit} bytes"),
            json!({ "limitBytes": limit }),
        )
    }

    /// 414 `uri_too_long`: the request target (path and query) is over the limit.
    pub(crate) fn uri_too_long(got: Option<usize>, limit: usize) -> ApiError {
        let got = got.map_or_else(String::new, |g| format!(" ({g} bytes)"));
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the request's path and query{got} exceed {limit} bytes; send long filters in fewer, shorter parameters"
            ),
            json!({ "limitBytes": limit }),
        )
    }

    /// 431 `headers_too_large`: too many request header fields, or too many bytes of them.
    pub(crate) fn headers_too_large(
        what: String,
        limit_headers: usize,
        limit_bytes: usize,
    ) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request's headers are too large: {what}"),
            json!({ "limitHeaders": limit_headers, "limitBytes": limit_bytes }),
        )
    }

    /// 400 `validation_error` for a request that is not HTTP/1.1 the server can read (hyper
    /// refused it before any route saw it).
    pub(crate) fn unreadable_request() -> ApiError {
        ApiError::validation(
            StatusCode::BAD_REQUEST,
            "the request is not valid HTTP/1.1 (its request line, a header or its framing could not be read)".to_owned(),
            &[Violation {
                location: Location::Header {
                    name: "(request line and headers)".to_owned(),
                },
                reason: "not valid HTTP/1.1".to_owned(),
            }],
        )
    }

    /// The status, code and body bytes, for the server's edge, which writes them on a
    /// connection without a response object.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(
            &json!({ "error": self.code, "message": self.message, "details": self.details }),
        )
        .unwrap_or_default()
    }

    /// 413 `payload_too_large` for a CSV with too many rows.
    pub(crate) fn too_many_rows(limit: u64) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the CSV has more than {limit} data rows"),
            json!({ "limitRows": limit }),
        )
    }

    /// 416 `range_not_satisfiable` with `Content-Range: bytes */N`.
    pub(crate) fn range_not_satisfiable(range: &str, size: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "range_not_satisfiable",
            format!("range '{range}' is outside the {size}-byte recording"),
            json!({ "size": size }),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
            e.headers.push((header::CONTENT_RANGE, v));
        }
        e
    }

    /// 429 `rate_limited` with `Retry-After`.
    pub(crate) fn rate_limited(retry_after: u64) -> ApiError {
        let retry_after = retry_after.max(1);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests — wait {retry_after}s"),
            json!({ "retryAfterSec": retry_after }),
        );
        e.headers
            .push((header::RETRY_AFTER, HeaderValue::from(retry_after)));
        e
    }

    /// 500 `internal_error`.
    pub(crate) fn internal(message: impl Into<String>, details: Value) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            message,
            details,
        )
    }

    /// An error with any status and code, for chaos answers.
    pub(crate) fn with_code(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        details: Value,
    ) -> ApiError {
        ApiError::new(status, code, message, details)
    }

    /// Gives a control-API `validation_error` the `violations` list the Error schema requires.
    pub(crate) fn with_violation_in_body(mut self) -> ApiError {
        if self.code == "validation_error" {
            self.details =
                json!({ "violations": [{ "in": "body", "pointer": "", "reason": self.message }] });
        }
        self
    }

    /// Gives a control-API `validation_error` about the query string as a whole its violation.
    pub(crate) fn with_violation_in_query(mut self) -> ApiError {
        if self.code == "validation_error" {
            self.details = json!({ "violations": [{ "in": "query", "reason": self.message }] });
        }
        self
    }

    /// A JSON body for control-API errors that are not part of v1 but use its shape.
    pub(crate) fn control(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError::new(status, code, message, json!({}))
    }
}

/// One violation in the wire form of schema `Violation`.
pub(crate) fn violation_json(v: &Violation) -> Value {
    match &v.location {
        Location::Path { name } => json!({ "in": "path", "name": name, "reason": v.reason }),
        Location::Query { name } => json!({ "in": "query", "name": name, "reason": v.reason }),
        Location::Header { name } => json!({ "in": "header", "name": name, "reason": v.reason }),
        Location::Body { pointer } => {
            json!({ "in": "body", "pointer": pointer, "reason": v.reason })
        }
        Location::Csv {
            row,
            column: Some(c),
        } => {
            json!({ "in": "body", "row": row, "column": c, "reason": v.reason })
        }
        Location::Csv { row, column: None } => {
            json!({ "in": "body", "row": row, "reason": v.reason })
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { kind, ref id } => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                e.to_string(),
                json!({ "resource": kind.resource(), "id": id }),
            ),
            StoreError::Conflict { message, details } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message, details)
            }
            StoreError::Invalid { pointer, reason } => ApiError::validation(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("request body is invalid: {reason}"),
                &[Violation {
                    location: Location::Body { pointer },
                    reason,
                }],
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = *self.0;
        let body = json!({ "error": e.code, "message": e.message, "details": e.details });
        let mut res = (e.status, axum::Json(body)).into_response();
        res.extensions_mut().insert(ErrorCode(e.code));
        for (k, v) in e.headers {
            res.headers_mut().insert(k, v);
        }
        res
    }
}

/// Marks a response as an error with this code, for the journal and logs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorCode(pub(crate) &'static str);
