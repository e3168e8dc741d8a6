//! Request (and response) validation shared by the mock server and the
//! conformance runner, so both sides judge traffic by the same rules.
//!
//! The input is plain strings and bytes ([`RawRequest`], a content type, a
//! body): no HTTP framework types, so either side can feed it whatever its
//! stack produced. The output is either typed values or *every* problem found
//! ([`Violation`]s), each naming where it is, because a client fixing a
//! request wants the whole list at once.
//!
//! - `coerce`: raw strings to typed JSON values by schema type.
//! - `params`: path/query/header parameters (and response headers).
//! - `body`: media type selection, parsing and schema checks of bodies.

use std::fmt;

use serde_json::Value;

use crate::model::ParamIn;

pub(crate) mod body;
pub(crate) mod coerce;
pub(crate) mod params;

/// Coerces one raw parameter value by its schema exactly as
/// [`crate::Operation::validate_parameters`] does (D-PARAMS: integers are
/// decimal digits, booleans `true`/`false`, arrays split on commas), without
/// validating it. Generators use it to know what a raw string will become.
pub fn coerce_param(raw: &str, schema: &Value) -> Result<Value, String> {
    coerce::values(&[raw], schema, true).map_err(|reasons| reasons.join("; "))
}

/// The parts of a request that parameters are read from.
///
/// Everything is already split and decoded by the caller: the router
/// supplies `path_params`, the HTTP stack the query pairs and headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawRequest<'a> {
    /// Captured path parameters (as from [`crate::PathMatch::Found`]).
    pub path_params: &'a [(String, String)],
    /// Query pairs, percent-decoded, in order; a key may repeat.
    pub query: &'a [(String, String)],
    /// Header pairs; names in any case, a name may repeat.
    pub headers: &'a [(String, String)],
}

/// Where a violation was found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// A path parameter.
    Path {
        /// Declared parameter name.
        name: String,
    },
    /// A query parameter (declared or not).
    Query {
        /// Parameter name as sent or declared.
        name: String,
    },
    /// A header.
    Header {
        /// Header name as declared.
        name: String,
    },
    /// The body; `pointer` is a JSON pointer into it (`""` for the whole
    /// body).
    Body {
        /// JSON pointer, e.g. `"/voice/speed"`.
        pointer: String,
    },
    /// A CSV upload cell or row. Produced by callers that parse CSV (this
    /// crate only hands CSV bodies over as text).
    Csv {
        /// 1-based data row number.
        row: u64,
        /// The column name, when the problem is one cell.
        column: Option<String>,
    },
}

impl Location {
    pub(crate) fn param(location: ParamIn, name: &str) -> Location {
        let name = name.to_owned();
        match location {
            ParamIn::Path => Location::Path { name },
            ParamIn::Query => Location::Query { name },
            // Cookies are never validated here; filed with headers, where
            // they travel.
            ParamIn::Header | ParamIn::Cookie => Location::Header { name },
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Path { name } => write!(f, "path parameter `{name}`"),
            Location::Query { name } => write!(f, "query parameter `{name}`"),
            Location::Header { name } => write!(f, "header `{name}`"),
            Location::Body { pointer } if pointer.is_empty() => f.write_str("body"),
            Location::Body { pointer } => write!(f, "body at {pointer}"),
            Location::Csv { row, column: None } => write!(f, "CSV row {row}"),
            Location::Csv {
                row,
                column: Some(column),
            } => write!(f, "CSV row {row}, column `{column}`"),
        }
    }
}

/// One problem with a request: where, and a phrase that reads after the
/// location ("must be at most 100", "is required").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, phrased to follow the location.
    pub reason: String,
}

impl Violation {
    pub(crate) fn new(location: Location, reason: impl Into<String>) -> Self {
        Self {
            location,
            reason: reason.into(),
        }
    }
}

/// Openings of reasons that continue a sentence started by the location
/// ("query parameter `limit` must be ..."); any other reason is a sentence
/// of its own and gets a colon.
const CONTINUATIONS: &[&str] = &["is ", "must ", "at ", "does ", "has ", "matches "];

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if CONTINUATIONS.iter().any(|c| self.reason.starts_with(c)) {
            write!(f, "{} {}", self.location, self.reason)
        } else {
            write!(f, "{}: {}", self.location, self.reason)
        }
    }
}

/// Typed parameter values produced by
/// [`crate::Operation::validate_parameters`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamValues {
    /// Values the request supplied, in declaration order.
    supplied: Vec<(ParamIn, String, Value)>,
    /// Schema defaults of declared parameters the request left out.
    defaults: Vec<(ParamIn, String, Value)>,
}

fn name_matches(location: ParamIn, declared: &str, wanted: &str) -> bool {
    if location == ParamIn::Header {
        declared.eq_ignore_ascii_case(wanted)
    } else {
        declared == wanted
    }
}

impl ParamValues {
    pub(crate) fn supply(&mut self, location: ParamIn, name: &str, value: Value) {
        self.supplied.push((location, name.to_owned(), value));
    }

    pub(crate) fn default_for(&mut self, location: ParamIn, name: &str, value: Value) {
        self.defaults.push((location, name.to_owned(), value));
    }

    /// The value the request supplied for `name` (any location; header names
    /// compare case-insensitively).
    pub fn get(&self, name: &str) -> Option<&Value> {
        find(&self.supplied, None, name)
    }

    /// The value supplied for `name` in `location`.
    pub fn get_in(&self, location: ParamIn, name: &str) -> Option<&Value> {
        find(&self.supplied, Some(location), name)
    }

    /// The supplied value, else the schema's `default` for that parameter.
    pub fn get_or_default(&self, name: &str) -> Option<&Value> {
        self.get(name).or_else(|| find(&self.defaults, None, name))
    }

    /// Every supplied value: (location, declared name, value).
    pub fn iter(&self) -> impl Iterator<Item = (ParamIn, &str, &Value)> {
        self.supplied.iter().map(|(l, n, v)| (*l, n.as_str(), v))
    }

    /// How many parameters the request supplied.
    pub fn len(&self) -> usize {
        self.supplied.len()
    }

    /// Whether the request supplied no parameters.
    pub fn is_empty(&self) -> bool {
        self.supplied.is_empty()
    }
}

fn find<'a>(
    list: &'a [(ParamIn, String, Value)],
    location: Option<ParamIn>,
    name: &str,
) -> Option<&'a Value> {
    list.iter()
        .find(|(l, n, _)| location.is_none_or(|want| want == *l) && name_matches(*l, n, name))
        .map(|(_, _, v)| v)
}

/// A body that passed [`crate::Operation::validate_body`].
#[derive(Debug, Clone, PartialEq)]
pub enum BodyValue {
    /// No body (none declared, or an optional one left out).
    None,
    /// A parsed JSON body that satisfies its schema.
    Json(Value),
    /// A text body (`text/csv`, other `text/*`), checked to be UTF-8 only:
    /// parsing it (e.g. as CSV) is the caller's job.
    Text(String),
    /// A body of any other declared media type, unchecked.
    Bytes(Vec<u8>),
}

/// Why a body was rejected, grouped by the HTTP status it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// → 415: no `Content-Type`, or one the operation does not declare.
    UnsupportedMediaType {
        /// The declared media types.
        expected: Vec<String>,
        /// The `Content-Type` sent, if any.
        got: Option<String>,
    },
    /// → 400: the body cannot be read at all (missing but required, invalid
    /// UTF-8, JSON syntax error with line and column in the reason).
    Malformed(Vec<Violation>),
    /// → 422: well-formed JSON that fails its schema; one violation per
    /// schema error, each at `Body { pointer }`.
    Invalid(Vec<Violation>),
}

impl BodyError {
    // `status` and `code` are in `rules::body_rejection`, with the rule they implement.

    /// The violations carried (empty for an unsupported media type).
    pub fn violations(&self) -> &[Violation] {
        match self {
            BodyError::UnsupportedMediaType { .. } => &[],
            BodyError::Malformed(v) | BodyError::Invalid(v) => v,
        }
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::UnsupportedMediaType { expected, got } => {
                match got {
                    Some(got) => write!(f, "accept content type {got:?}")?,
                    None => f.write_str("accept a body without a content type")?,
                }
                if expected.is_empty() {
                    f.write_str(": no body is expected")
                } else {
                    write!(f, ": expected one of {}", expected.join(", "))
                }
            }
            BodyError::Malformed(violations) | BodyError::Invalid(violations) => {
                f.write_str("validate the body: ")?;
                for (i, v) in violations.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for BodyError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn violations_read_as_sentences() {
        let cases = [
            (
                Location::Path { name: "id".into() },
                "path parameter `id` is required",
            ),
            (
                Location::Query {
                    name: "limit".into(),
                },
                "query parameter `limit` is required",
            ),
            (
                Location::Header {
                    name: "X-Sig".into(),
                },
                "header `X-Sig` is required",
            ),
            (Location::Body { pointer: "".into() }, "body is required"),
            (
                Location::Body {
                    pointer: "/a".into(),
                },
                "body at /a is required",
            ),
            (
                Location::Csv {
                    row: 3,
                    column: None,
                },
                "CSV row 3 is required",
            ),
            (
                Location::Csv {
                    row: 3,
                    column: Some("phone".into()),
                },
                "CSV row 3, column `phone` is required",
            ),
        ];
        for (location, text) in cases {
            assert_eq!(Violation::new(location, "is required").to_string(), text);
        }
        let standalone = Violation::new(
            Location::Body { pointer: "".into() },
            "a request body is required",
        );
        assert_eq!(standalone.to_string(), "body: a request body is required");
    }

    #[test]
    fn param_values_lookup() {
        let mut values = ParamValues::default();
        values.supply(ParamIn::Query, "limit", json!(5));
        values.supply(ParamIn::Header, "X-Sig", json!("s"));
        values.default_for(ParamIn::Query, "order", json!("asc"));
        assert_eq!(values.get("limit"), Some(&json!(5)));
        assert_eq!(values.get("x-sig"), Some(&json!("s")));
        assert_eq!(values.get("LIMIT"), None, "only headers ignore case");
        assert_eq!(values.get_in(ParamIn::Path, "limit"), None);
        assert_eq!(values.get("order"), None);
        assert_eq!(values.get_or_default("order"), Some(&json!("asc")));
        assert_eq!(values.len(), 2);
        assert!(!values.is_empty());
        let names: Vec<&str> = values.iter().map(|(_, n, _)| n).collect();
        assert_eq!(names, ["limit", "X-Sig"]);
    }

    #[test]
    fn body_error_status_and_message() {
        let e = BodyError::UnsupportedMediaType {
            expected: vec!["application/json".into()],
            got: Some("text/plain".into()),
        };
        assert_eq!(e.status(), 415);
        assert_eq!(
            e.to_string(),
            "accept content type \"text/plain\": expected one of application/json"
        );
        let e = BodyError::Invalid(vec![Violation::new(
            Location::Body {
                pointer: "/a".into(),
            },
            "must be at most 1",
        )]);
        assert_eq!(e.status(), 422);
        assert_eq!(e.violations().len(), 1);
        assert_eq!(
            e.to_string(),
            "validate the body: body at /a must be at most 1"
        );
        assert_eq!(BodyError::Malformed(vec![]).status(), 400);
    }
}
