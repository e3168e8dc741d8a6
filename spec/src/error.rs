//! The one error type of the crate: why a document could not be loaded, or
//! why a schema could not be compiled.
//!
//! Every message is lowercase and reads after "failed to load the contract:"
//! so callers can wrap it without rephrasing.

use thiserror::Error;

/// Why a contract document (or a schema taken from it) was rejected.
///
/// Pointers are JSON pointers (RFC 6901) into the *original* document, so a
/// reader can jump straight to the offending spot.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SpecError {
    /// The text is not JSON at all.
    #[error("parse the document as JSON: {0}")]
    InvalidJson(String),

    /// A field the crate needs is absent.
    #[error("find required field {pointer}")]
    MissingField {
        /// Where the field should be.
        pointer: String,
    },

    /// A field is present but has the wrong shape (e.g. a string where an
    /// object is required, or an invalid path template).
    #[error("read field {pointer}: expected {expected}")]
    InvalidField {
        /// Where the field is.
        pointer: String,
        /// What it should have been.
        expected: String,
    },

    /// A `$ref` points at nothing inside the document.
    #[error("resolve reference {reference}: nothing at that location")]
    UnresolvedRef {
        /// The reference as written.
        reference: String,
    },

    /// A `$ref` leads back to itself; inlining it would never end.
    #[error("resolve reference {reference}: it refers back to itself (cycle)")]
    RefCycle {
        /// The reference that closed the cycle.
        reference: String,
    },

    /// A `$ref` points outside the document; the contract must be
    /// self-contained.
    #[error("resolve reference {reference}: external references are not supported")]
    ExternalRef {
        /// The reference as written.
        reference: String,
    },

    /// A schema does not compile as JSON Schema draft 2020-12.
    #[error("compile the schema at {pointer}: {message}")]
    InvalidSchema {
        /// Where the schema is (empty for an ad-hoc schema).
        pointer: String,
        /// What the compiler said.
        message: String,
    },

    /// The document is not OpenAPI 3.1.x.
    #[error("accept openapi version {0:?}: only 3.1.x is supported")]
    UnsupportedOpenApiVersion(String),

    /// Two operations share an operationId, so lookups by id would be
    /// ambiguous.
    #[error("index operations: operationId {0:?} is used more than once")]
    DuplicateOperationId(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_and_name_the_culprit() {
        let all = [
            SpecError::InvalidJson("x".into()),
            SpecError::MissingField {
                pointer: "/info".into(),
            },
            SpecError::InvalidField {
                pointer: "/paths".into(),
                expected: "an object".into(),
            },
            SpecError::UnresolvedRef {
                reference: "#/a".into(),
            },
            SpecError::RefCycle {
                reference: "#/b".into(),
            },
            SpecError::ExternalRef {
                reference: "other.json".into(),
            },
            SpecError::InvalidSchema {
                pointer: "/s".into(),
                message: "bad".into(),
            },
            SpecError::UnsupportedOpenApiVersion("3.0.3".into()),
            SpecError::DuplicateOperationId("listCalls".into()),
        ];
        for e in all {
            let text = e.to_string();
            let first = text.chars().next().unwrap();
            assert!(first.is_lowercase(), "{text}");
        }
        assert!(
            SpecError::RefCycle {
                reference: "#/b".into()
            }
            .to_string()
            .contains("#/b")
        );
    }
}
