//! The status and error code of a refused request body (spec/DECISIONS.md D-ERROR).
//!
//! D-ERROR's 400/422 rule: a body that cannot be read as the operation's input (missing but
//! required, not UTF-8, not JSON) is 400, one that can be read and says something wrong is 422,
//! both `validation_error`; a missing or undeclared `Content-Type` is 415
//! `unsupported_media_type`. The mock answers with these, the runner expects them.

use crate::BodyError;

impl BodyError {
    /// The HTTP status of this refusal: 415, 400 or 422 (D-ERROR).
    pub fn status(&self) -> u16 {
        match self {
            BodyError::UnsupportedMediaType { .. } => 415,
            BodyError::Malformed(_) => 400,
            BodyError::Invalid(_) => 422,
        }
    }

    /// The error code of this refusal: `unsupported_media_type` or `validation_error`
    /// (D-ERROR).
    pub fn code(&self) -> &'static str {
        match self {
            BodyError::UnsupportedMediaType { .. } => "unsupported_media_type",
            BodyError::Malformed(_) | BodyError::Invalid(_) => "validation_error",
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::error_codes::codes_for;
    use crate::{BodyError, Location, Violation};

    fn violation() -> Vec<Violation> {
        vec![Violation {
            location: Location::Body {
                pointer: String::new(),
            },
            reason: "x".to_owned(),
        }]
    }

    #[test]
    fn each_kind_has_its_status_and_code() {
        let cases = [
            (
                BodyError::UnsupportedMediaType {
                    expected: vec!["application/json".to_owned()],
                    got: None,
                },
                415,
                "unsupported_media_type",
            ),
            (BodyError::Malformed(violation()), 400, "validation_error"),
            (BodyError::Invalid(violation()), 422, "validation_error"),
        ];
        for (e, status, code) in cases {
            assert_eq!((e.status(), e.code()), (status, code), "{e:?}");
            // And the pair is one the status table allows.
            assert!(codes_for(e.status()).contains(&e.code()), "{e:?}");
        }
    }
}
