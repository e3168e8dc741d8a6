//! Parameter validation: find each declared parameter's raw values, coerce
//! them ([`super::coerce`]), then check the parameter schema.

use serde_json::Value;

use super::coerce;
use super::{Location, ParamValues, RawRequest, Violation};
use crate::model::{Operation, ParamIn, Parameter, Rejection, Response};
use crate::validator::Validator;

/// Header parameters OpenAPI says to ignore: they are governed by the
/// security scheme and content negotiation, not by parameter schemas.
const IGNORED_HEADERS: &[&str] = &["authorization", "accept", "content-type"];

fn is_ignored(p: &Parameter) -> bool {
    p.location == ParamIn::Header
        && IGNORED_HEADERS
            .iter()
            .any(|h| p.name.eq_ignore_ascii_case(h))
}

/// Coerces and validates one parameter's raw values; `Ok(None)` when it is
/// absent and optional. The location is only built for a violation: it
/// copies the parameter's name, and most requests have none.
fn check(
    location: impl Fn() -> Location,
    raws: &[&str],
    required: bool,
    schema: &Value,
    validator: &Validator,
    split_commas: bool,
    out: &mut Vec<Violation>,
) -> Option<Value> {
    if raws.is_empty() {
        if required {
            out.push(Violation::new(location(), "is required"));
        }
        return None;
    }
    let value = match coerce::values(raws, schema, split_commas) {
        Ok(value) => value,
        Err(reasons) => {
            out.extend(reasons.into_iter().map(|r| Violation::new(location(), r)));
            return None;
        }
    };
    // The cheap yes/no first: collecting violations walks the schema again
    // and allocates, which only a failing value needs.
    if validator.is_valid(&value) {
        return Some(value);
    }
    let violations = validator.violations(&value);
    if violations.is_empty() {
        return Some(value);
    }
    out.extend(violations.into_iter().map(|v| {
        let reason = if v.instance_pointer.is_empty() {
            v.message
        } else {
            format!("at {}: {}", v.instance_pointer, v.message)
        };
        Violation::new(location(), reason)
    }));
    None
}

/// The values `matching` yields, without allocating for the usual zero or
/// one: `f` gets them as a slice.
fn with_values<'r, T>(
    mut matching: impl Iterator<Item = &'r str>,
    f: impl FnOnce(&[&'r str]) -> T,
) -> T {
    match (matching.next(), matching.next()) {
        (None, _) => f(&[]),
        (Some(one), None) => f(&[one]),
        (Some(a), Some(b)) => {
            let all: Vec<&str> = [a, b].into_iter().chain(matching).collect();
            f(&all)
        }
    }
}

fn header_values<'r>(headers: &'r [(String, String)], name: &str) -> Vec<&'r str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

impl Operation {
    /// Coerces and validates every declared path, query and header
    /// parameter, returning typed values by name, or every violation found.
    ///
    /// Rules:
    /// - Raw strings are coerced by the schema's type first (see below),
    ///   then validated against the schema; each schema error is one
    ///   violation at the parameter, e.g. "must be at most 100", prefixed
    ///   with "at /N:" for an array item.
    /// - Coercion: integers are `-?digits` fitting an `i64` (`"007"` is 7;
    ///   `"+1"`, `"1.0"`, `"1e3"` are rejected); numbers follow the JSON
    ///   grammar and must be finite; booleans are exactly `true`/`false`;
    ///   strings are taken as is. `type` may be an array
    ///   (`["integer", "null"]`) or come from one level of `anyOf`/`oneOf`.
    ///   An empty value is only valid for a string ("must not be empty").
    /// - Arrays: query parameters (style form, explode) collect repeated
    ///   keys; path and header parameters (style simple) and
    ///   `explode: false` split on commas. A single empty value is `[]`.
    /// - A non-array parameter sent more than once: "is repeated".
    /// - A missing required parameter: "is required".
    /// - A query parameter the operation does not declare:
    ///   "is not a known parameter" (typos should fail loudly).
    /// - Header names compare case-insensitively; undeclared headers are
    ///   never a problem. `Authorization`, `Accept` and `Content-Type`
    ///   header parameters are ignored, as OpenAPI prescribes (security and
    ///   bodies are checked elsewhere). Cookie parameters are not checked.
    ///
    /// Which status to answer with is the caller's choice; see
    /// [`Operation::rejection_for`] for parameters that ask for a special
    /// one.
    pub fn validate_parameters<'r>(
        &self,
        req: &RawRequest<'r>,
    ) -> Result<ParamValues, Vec<Violation>> {
        let mut values = ParamValues::default();
        let mut violations = Vec::new();
        for p in self.parameters.iter().filter(|p| !is_ignored(p)) {
            let split_commas = !(p.style == "form" && p.explode);
            let mut one = |raws: &[&str]| {
                if raws.is_empty()
                    && !p.required
                    && let Some(default) = p.default_value()
                {
                    values.default_for(p.location, &p.name, default.clone());
                }
                if let Some(value) = check(
                    || Location::param(p.location, &p.name),
                    raws,
                    p.required,
                    &p.schema,
                    &p.validator,
                    split_commas,
                    &mut violations,
                ) {
                    values.supply(p.location, &p.name, value);
                }
            };
            let named = |pairs: &'r [(String, String)]| {
                pairs
                    .iter()
                    .filter(|(n, _)| *n == p.name)
                    .map(|(_, v)| v.as_str())
            };
            match p.location {
                ParamIn::Path => with_values(named(req.path_params), &mut one),
                ParamIn::Query => with_values(named(req.query), &mut one),
                ParamIn::Header => one(&header_values(req.headers, &p.name)),
                ParamIn::Cookie => continue,
            }
        }

        let mut unknown: Vec<&str> = Vec::new();
        for (name, _) in req.query {
            let known = self
                .parameters
                .iter()
                .any(|p| p.location == ParamIn::Query && p.name == *name);
            if !known && !unknown.contains(&name.as_str()) {
                unknown.push(name);
                violations.push(Violation::new(
                    Location::Query { name: name.clone() },
                    "is not a known parameter",
                ));
            }
        }

        if violations.is_empty() {
            Ok(values)
        } else {
            Err(violations)
        }
    }

    /// The special rejection (`x-vici-on-invalid`) of the first violated
    /// parameter that declares one, if any: a caller answers with its
    /// status and error code instead of the usual 400 `validation_error`.
    pub fn rejection_for(&self, violations: &[Violation]) -> Option<&Rejection> {
        violations.iter().find_map(|v| {
            let (location, name) = match &v.location {
                Location::Path { name } => (ParamIn::Path, name),
                Location::Query { name } => (ParamIn::Query, name),
                Location::Header { name } => (ParamIn::Header, name),
                Location::Body { .. } | Location::Csv { .. } => return None,
            };
            self.parameter(name, location)?.on_invalid.as_ref()
        })
    }
}

impl Response {
    /// Validates a response's headers against the declared ones (missing
    /// required headers, values coerced and checked as for header
    /// parameters). Undeclared headers are ignored, and so is a declared
    /// `Content-Type` (the body check covers it).
    pub fn validate_headers(&self, headers: &[(String, String)]) -> Result<(), Vec<Violation>> {
        let mut violations = Vec::new();
        for h in &self.headers {
            if h.name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let raws = header_values(headers, &h.name);
            check(
                || Location::Header {
                    name: h.name.clone(),
                },
                &raws,
                h.required,
                &h.schema,
                &h.validator,
                true,
                &mut violations,
            );
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index;
    use serde_json::json;

    fn operation() -> Operation {
        let doc = json!({"paths": {"/calls/{id}": {"get": {
            "operationId": "getCall",
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^call_"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                {"name": "status", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["queued", "done"]}}},
                {"name": "ids", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "integer"}}},
                {"name": "since", "in": "query", "required": true, "schema": {"type": "string", "format": "date-time"}},
                {"name": "X-Signature", "in": "header", "required": true, "schema": {"type": "string", "minLength": 4},
                 "x-vici-on-invalid": {"status": 403, "error": "invalid_signature"}},
                {"name": "X-Retry", "in": "header", "schema": {"type": "array", "items": {"type": "integer"}}},
                {"name": "Authorization", "in": "header", "required": true, "schema": {"type": "string"}},
                {"name": "session", "in": "cookie", "required": true, "schema": {"type": "string"}},
            ],
            "responses": {"200": {"description": "ok", "headers": {
                "X-Rate-Limit": {"required": true, "schema": {"type": "integer", "minimum": 0}},
                "X-Tags": {"schema": {"type": "array", "items": {"type": "string"}}},
            }}}
        }}}});
        index::operations(&doc).unwrap().remove(0)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    struct Req {
        path: Vec<(String, String)>,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
    }

    impl Req {
        fn valid() -> Req {
            Req {
                path: pairs(&[("id", "call_1")]),
                query: pairs(&[("since", "2024-01-01T00:00:00Z")]),
                headers: pairs(&[("x-signature", "sig-1234")]),
            }
        }

        fn run(&self) -> Result<ParamValues, Vec<Violation>> {
            operation().validate_parameters(&RawRequest {
                path_params: &self.path,
                query: &self.query,
                headers: &self.headers,
            })
        }

        fn violations(&self) -> Vec<String> {
            self.run()
                .unwrap_err()
                .iter()
                .map(ToString::to_string)
                .collect()
        }
    }

    #[test]
    fn valid_request_yields_typed_values_and_defaults() {
        let mut req = Req::valid();
        req.query.extend(pairs(&[
            ("verbose", "true"),
            ("status", "queued"),
            ("status", "done"),
            ("ids", "1,2,3"),
        ]));
        req.headers.extend(pairs(&[("X-RETRY", "1,2")]));
        let values = req.run().unwrap();
        assert_eq!(values.get("id"), Some(&json!("call_1")));
        assert_eq!(values.get("verbose"), Some(&json!(true)));
        assert_eq!(values.get("status"), Some(&json!(["queued", "done"])));
        assert_eq!(values.get("ids"), Some(&json!([1, 2, 3])));
        assert_eq!(values.get("x-retry"), Some(&json!([1, 2])));
        assert_eq!(values.get("X-Signature"), Some(&json!("sig-1234")));
        assert_eq!(values.get("limit"), None);
        assert_eq!(values.get_or_default("limit"), Some(&json!(20)));
    }

    #[test]
    fn missing_required_parameters_are_all_reported() {
        let req = Req {
            path: vec![],
            query: vec![],
            headers: vec![],
        };
        assert_eq!(
            req.violations(),
            [
                "path parameter `id` is required",
                "query parameter `since` is required",
                "header `X-Signature` is required",
            ]
        );
    }

    #[test]
    fn coercion_and_schema_errors_name_the_problem() {
        let mut req = Req::valid();
        req.path = pairs(&[("id", "nope")]);
        req.query = pairs(&[
            ("since", "yesterday"),
            ("limit", "500"),
            ("verbose", "yes"),
            ("ids", "1,x"),
            ("status", "lost"),
        ]);
        assert_eq!(
            req.violations(),
            [
                "path parameter `id` must match the pattern ^call_",
                "query parameter `limit` must be at most 100",
                "query parameter `verbose` must be true or false",
                "query parameter `status` at /0: must be one of \"queued\", \"done\"",
                "query parameter `ids` at /1: must be an integer",
                "query parameter `since` must be a valid date-time",
            ]
        );
    }

    #[test]
    fn integer_edge_cases() {
        for (raw, ok) in [
            ("007", true),
            ("1e3", false),
            ("1.0", false),
            ("+1", false),
            ("", false),
        ] {
            let mut req = Req::valid();
            req.query.push(("limit".into(), raw.into()));
            assert_eq!(req.run().is_ok(), ok, "{raw:?}");
        }
        let mut req = Req::valid();
        req.query.push(("limit".into(), "".into()));
        assert_eq!(
            req.violations(),
            ["query parameter `limit` must not be empty"]
        );
    }

    #[test]
    fn repeated_and_unknown_query_parameters() {
        let mut req = Req::valid();
        req.query.extend(pairs(&[
            ("limit", "1"),
            ("limit", "2"),
            ("limt", "3"),
            ("limt", "4"),
        ]));
        assert_eq!(
            req.violations(),
            [
                "query parameter `limit` is repeated; it takes a single value",
                "query parameter `limt` is not a known parameter",
            ]
        );
    }

    #[test]
    fn headers_ignore_case_and_unknowns_and_authorization() {
        let mut req = Req::valid();
        req.headers = pairs(&[("X-SIGNATURE", "sig-1234"), ("X-Whatever", "1")]);
        assert!(
            req.run().is_ok(),
            "no Authorization needed, unknown headers fine"
        );
        req.headers = pairs(&[("x-signature", "a"), ("x-signature", "b")]);
        assert_eq!(
            req.violations(),
            ["header `X-Signature` is repeated; it takes a single value"]
        );
    }

    #[test]
    fn rejection_for_finds_the_vendor_extension() {
        let op = operation();
        let mut req = Req::valid();
        req.headers = pairs(&[("x-signature", "ab")]);
        let violations = req.run().unwrap_err();
        assert_eq!(
            op.rejection_for(&violations),
            Some(&Rejection {
                status: 403,
                error: "invalid_signature".into()
            })
        );
        let mut req = Req::valid();
        req.query.push(("limit".into(), "0".into()));
        assert_eq!(op.rejection_for(&req.run().unwrap_err()), None);
    }

    #[test]
    fn response_headers_are_checked() {
        let op = operation();
        let ok = op.response(200).unwrap();
        assert!(
            ok.validate_headers(&pairs(&[("x-rate-limit", "10")]))
                .is_ok()
        );
        assert!(
            ok.validate_headers(&pairs(&[("X-Rate-Limit", "5"), ("X-Tags", "a,b")]))
                .is_ok()
        );
        let errors: Vec<String> = ok
            .validate_headers(&pairs(&[]))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors, ["header `X-Rate-Limit` is required"]);
        let errors: Vec<String> = ok
            .validate_headers(&pairs(&[("X-Rate-Limit", "-1")]))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors, ["header `X-Rate-Limit` must be at least 0"]);
    }
}
