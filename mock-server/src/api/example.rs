//! `Prefer: example=NAME` (Prism's habit): the answer is the contract's example of that name,
//! after authentication, the rate limit and request validation, so it costs quota and a bad
//! request is still refused. The example is looked for in the operation's responses in document
//! order (success first, as the contract lists them), and answered with its response's status.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use spec::{Location, Operation, Violation};

use crate::error::ApiError;

/// The example a request asks for: `Prefer: example=NAME` (a quoted name too), if any.
pub(super) fn preferred(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::HeaderName::from_static("prefer"))
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim().eq_ignore_ascii_case("example"))
                .then(|| v.trim().trim_matches('"').to_owned())
        })
}

/// The answer with `op`'s example `name`, or a 400 naming the examples it has.
pub(super) fn answer(op: &Operation, name: &str) -> Result<Response, ApiError> {
    for r in &op.responses {
        let Ok(status) = r.status.parse::<u16>() else {
            continue;
        };
        for mt in &r.content {
            let Some((_, value)) = mt.examples.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let bytes = match value {
                serde_json::Value::String(text) if !mt.is_json() => text.clone().into_bytes(),
                v => serde_json::to_vec(v).unwrap_or_default(),
            };
            let mut res = Response::new(Body::from(bytes));
            *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Ok(ct) = HeaderValue::from_str(&mt.media_type) {
                res.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            return Ok(res);
        }
    }
    let names: Vec<&str> = op
        .responses
        .iter()
        .filter(|r| r.status.parse::<u16>().is_ok())
        .flat_map(|r| r.content.iter())
        .flat_map(|mt| mt.examples.iter().map(|(n, _)| n.as_str()))
        .collect();
    let has = if names.is_empty() {
        "it has none".to_owned()
    } else {
        format!("its examples are {}", names.join(", "))
    };
    let reason = format!("{} has no example named '{name}'; {has}", op.id);
    Err(ApiError::validation(
        StatusCode::BAD_REQUEST,
        format!("header Prefer asks for an example that does not exist: {reason}"),
        &[Violation {
            location: Location::Header {
                name: "Prefer".to_owned(),
            },
            reason,
        }],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_example_is_read_like_prism() {
        let mut h = HeaderMap::new();
        assert_eq!(preferred(&h), None);
        h.insert(
            "prefer",
            HeaderValue::from_static("code=200, example=empty"),
        );
        assert_eq!(preferred(&h).as_deref(), Some("empty"));
        h.insert(
            "prefer",
            HeaderValue::from_static("Example=\"completedCall\""),
        );
        assert_eq!(preferred(&h).as_deref(), Some("completedCall"));
    }
}
