//! Body classification: pick the declared media type, check the bytes can
//! be read, and check JSON against its schema.

use super::{BodyError, BodyValue, Location, Violation};
use crate::media;
use crate::model::{MediaType, Operation, Response, find_media_type};

const REQUIRED: &str = "a request body is required";

fn malformed(reason: impl Into<String>) -> BodyError {
    BodyError::Malformed(vec![Violation::new(
        Location::Body {
            pointer: String::new(),
        },
        reason,
    )])
}

fn utf8(body: &[u8]) -> Result<&str, BodyError> {
    std::str::from_utf8(body).map_err(|e| {
        malformed(format!(
            "is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// The shared classification behind request and response body checks.
fn classify(
    content: &[MediaType],
    required: bool,
    missing_reason: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<BodyValue, BodyError> {
    let content_type = content_type.map(str::trim).filter(|c| !c.is_empty());
    let absent = || {
        if required {
            Err(malformed(missing_reason))
        } else {
            Ok(BodyValue::None)
        }
    };
    // Nothing sent at all: a missing body, not a media type problem.
    if body.is_empty() && content_type.is_none() {
        return absent();
    }
    let unsupported = || BodyError::UnsupportedMediaType {
        expected: content.iter().map(|m| m.media_type.clone()).collect(),
        got: content_type.map(str::to_owned),
    };
    let Some(content_type) = content_type else {
        return Err(unsupported());
    };
    let Some(declared) = find_media_type(content, content_type) else {
        return Err(unsupported());
    };
    if body.is_empty() {
        return absent();
    }

    // Classify by what was sent, so a declared `*/*` still gets JSON
    // parsed when JSON arrives.
    let essence = media::essence(content_type);
    if media::is_json(&essence) {
        let text = utf8(body)?;
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| malformed(format!("is not valid JSON: {e}")))?;
        let violations = declared.validator.violations(&value);
        if !violations.is_empty() {
            return Err(BodyError::Invalid(
                violations
                    .into_iter()
                    .map(|v| {
                        Violation::new(
                            Location::Body {
                                pointer: v.instance_pointer,
                            },
                            v.message,
                        )
                    })
                    .collect(),
            ));
        }
        return Ok(BodyValue::Json(value));
    }
    if essence.starts_with("text/") {
        return Ok(BodyValue::Text(utf8(body)?.to_owned()));
    }
    Ok(BodyValue::Bytes(body.to_vec()))
}

impl Operation {
    /// Classifies and validates a request body.
    ///
    /// Rules:
    /// - No `requestBody` declared: whatever was sent is ignored
    ///   ([`BodyValue::None`]).
    /// - Nothing sent (empty body, no `Content-Type`): [`BodyValue::None`]
    ///   for an optional body, [`BodyError::Malformed`] "a request body is
    ///   required" for a required one. An empty body *with* a declared
    ///   content type is treated the same way.
    /// - The media type is the `Content-Type` without parameters, compared
    ///   case-insensitively (`application/json; charset=utf-8` selects
    ///   `application/json`); exact declarations beat wildcards. Missing or
    ///   undeclared: [`BodyError::UnsupportedMediaType`].
    /// - JSON (`application/json` or any `+json`): must be UTF-8 and parse
    ///   ([`BodyError::Malformed`], the reason carries serde_json's line and
    ///   column), then satisfy the schema ([`BodyError::Invalid`], one
    ///   violation per schema error at `Body { pointer }`).
    /// - `text/*` (e.g. `text/csv`): must be UTF-8 ([`BodyError::Malformed`]),
    ///   returned as [`BodyValue::Text`]; parsing it is the caller's job.
    /// - Anything else declared: returned as [`BodyValue::Bytes`].
    pub fn validate_body(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<BodyValue, BodyError> {
        match &self.request_body {
            None => Ok(BodyValue::None),
            Some(rb) => classify(&rb.content, rb.required, REQUIRED, content_type, body),
        }
    }
}

impl Response {
    /// Classifies and validates a response body by the same rules as
    /// [`Operation::validate_body`]. A response that declares content must
    /// have a body; one that declares none must not have one (a non-empty
    /// body is reported as an unsupported media type with nothing
    /// expected).
    pub fn validate_body(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<BodyValue, BodyError> {
        if self.content.is_empty() {
            return if body.is_empty() {
                Ok(BodyValue::None)
            } else {
                Err(BodyError::UnsupportedMediaType {
                    expected: Vec::new(),
                    got: content_type.map(str::to_owned),
                })
            };
        }
        classify(
            &self.content,
            true,
            "a response body is required",
            content_type,
            body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index;
    use serde_json::json;

    fn operations() -> Vec<Operation> {
        let doc = json!({"paths": {
            "/calls": {"post": {
                "operationId": "createCall",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["to"],
                    "additionalProperties": false,
                    "properties": {
                        "to": {"type": "string"},
                        "voice": {"type": "object", "properties": {"speed": {"type": "number", "maximum": 2}}},
                    },
                }}}},
                "responses": {
                    "201": {"description": "created", "content": {"application/json": {"schema": {"type": "object", "required": ["id"]}}}},
                    "204": {"description": "nothing"},
                },
            }},
            "/imports": {"post": {
                "operationId": "importNumbers",
                "requestBody": {"content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/merge-patch+json": {"schema": {"type": "object"}},
                    "application/octet-stream": {},
                }},
                "responses": {},
            }},
            "/ping": {"post": {"operationId": "ping", "responses": {}}},
        }});
        index::operations(&doc).unwrap()
    }

    fn reasons(e: &BodyError) -> Vec<String> {
        e.violations().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn valid_json_with_charset_parameter() {
        let ops = operations();
        let got = ops[0]
            .validate_body(
                Some("Application/JSON; charset=utf-8"),
                br#"{"to": "+15550100"}"#,
            )
            .unwrap();
        assert_eq!(got, BodyValue::Json(json!({"to": "+15550100"})));
    }

    #[test]
    fn unsupported_media_types_are_415() {
        let ops = operations();
        let e = ops[0].validate_body(Some("text/plain"), b"hi").unwrap_err();
        assert_eq!(
            e,
            BodyError::UnsupportedMediaType {
                expected: vec!["application/json".into()],
                got: Some("text/plain".into())
            }
        );
        assert_eq!(e.status(), 415);
        let e = ops[0].validate_body(None, b"{}").unwrap_err();
        assert!(matches!(
            e,
            BodyError::UnsupportedMediaType { got: None, .. }
        ));
    }

    #[test]
    fn invalid_utf8_and_bad_json_are_400() {
        let ops = operations();
        let e = ops[0]
            .validate_body(Some("application/json"), b"{\"to\": \"\xff\"}")
            .unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(
            reasons(&e),
            ["body is not valid UTF-8 (invalid byte at offset 8)"]
        );
        let e = ops[0]
            .validate_body(Some("application/json"), b"{\n  \"to\": 1,\n}")
            .unwrap_err();
        assert!(matches!(e, BodyError::Malformed(_)));
        let reason = &e.violations()[0].reason;
        assert!(reason.starts_with("is not valid JSON: "), "{reason}");
        assert!(reason.contains("line 3 column 1"), "{reason}");
    }

    #[test]
    fn schema_failures_are_422_with_pointers() {
        let ops = operations();
        let e = ops[0]
            .validate_body(
                Some("application/json"),
                br#"{"voice": {"speed": 3}, "extra": true}"#,
            )
            .unwrap_err();
        assert_eq!(e.status(), 422);
        let mut got: Vec<(String, String)> = e
            .violations()
            .iter()
            .map(|v| match &v.location {
                Location::Body { pointer } => (pointer.clone(), v.reason.clone()),
                other => panic!("unexpected location {other:?}"),
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("/extra".to_owned(), "is not an allowed property".to_owned()),
                ("/to".to_owned(), "is required".to_owned()),
                ("/voice/speed".to_owned(), "must be at most 2".to_owned()),
            ]
        );
    }

    #[test]
    fn missing_bodies() {
        let ops = operations();
        for (ct, body) in [(None, &b""[..]), (Some("application/json"), &b""[..])] {
            let e = ops[0].validate_body(ct, body).unwrap_err();
            assert_eq!(reasons(&e), ["body: a request body is required"]);
            assert_eq!(e.violations()[0].reason, "a request body is required");
        }
        // Optional body: nothing sent is fine.
        assert_eq!(ops[1].validate_body(None, b""), Ok(BodyValue::None));
        assert_eq!(
            ops[1].validate_body(Some("text/csv"), b""),
            Ok(BodyValue::None)
        );
        // An empty body with an undeclared type is still a media type error.
        assert!(matches!(
            ops[1].validate_body(Some("text/plain"), b""),
            Err(BodyError::UnsupportedMediaType { .. })
        ));
    }

    #[test]
    fn no_declared_body_ignores_whatever_is_sent() {
        let ops = operations();
        assert_eq!(
            ops[2].validate_body(Some("application/json"), b"{oops"),
            Ok(BodyValue::None)
        );
        assert_eq!(ops[2].validate_body(None, b""), Ok(BodyValue::None));
    }

    #[test]
    fn csv_plus_json_and_bytes() {
        let ops = operations();
        assert_eq!(
            ops[1].validate_body(Some("text/csv; charset=utf-8"), b"a,b\n1,2\n"),
            Ok(BodyValue::Text("a,b\n1,2\n".into()))
        );
        let e = ops[1]
            .validate_body(Some("text/csv"), b"a,\xc3")
            .unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(
            ops[1].validate_body(Some("application/merge-patch+json"), b"{}"),
            Ok(BodyValue::Json(json!({})))
        );
        assert_eq!(
            ops[1]
                .validate_body(Some("application/merge-patch+json"), b"[]")
                .unwrap_err()
                .status(),
            422
        );
        assert_eq!(
            ops[1].validate_body(Some("application/octet-stream"), b"\x00\xff"),
            Ok(BodyValue::Bytes(vec![0, 0xff]))
        );
    }

    #[test]
    fn response_bodies() {
        let ops = operations();
        let created = ops[0].response(201).unwrap();
        assert_eq!(
            created.validate_body(Some("application/json"), br#"{"id": "c1"}"#),
            Ok(BodyValue::Json(json!({"id": "c1"})))
        );
        assert_eq!(
            created
                .validate_body(Some("application/json"), b"{}")
                .unwrap_err()
                .status(),
            422
        );
        assert_eq!(
            reasons(&created.validate_body(None, b"").unwrap_err()),
            ["body: a response body is required"]
        );
        let empty = ops[0].response(204).unwrap();
        assert_eq!(empty.validate_body(None, b""), Ok(BodyValue::None));
        assert!(matches!(
            empty.validate_body(Some("application/json"), b"{}"),
            Err(BodyError::UnsupportedMediaType { expected, .. }) if expected.is_empty()
        ));
    }
}
