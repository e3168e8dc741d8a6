//! Path matching: which operation a method and a concrete path select.
//!
//! Templates are split into segments once, at load time, and grouped by
//! segment count, so a lookup only walks the templates of the right length
//! and never builds a regex. Ranking is per segment, left to right: a literal
//! segment beats a partially templated one (`{id}.json`), which beats a bare
//! `{param}`; so `/phone-numbers/search` wins over `/phone-numbers/{id}`.

use std::borrow::Cow;

use crate::error::SpecError;
use crate::model::{Method, Operation};
use crate::resolve::escape_segment;

/// The outcome of [`crate::Contract::match_path`].
///
/// Equality compares `Found` operations by identity (same entry of the same
/// contract), which is what "matched the same operation" means.
#[derive(Debug, Clone)]
pub enum PathMatch<'a> {
    /// The path and method select an operation.
    Found {
        /// The selected operation.
        operation: &'a Operation,
        /// Captured path parameters, percent-decoded, in template order.
        path_params: Vec<(String, String)>,
    },
    /// The path matches a template, but not with this method (→ 405).
    MethodNotAllowed {
        /// The methods the template does accept: uppercase, sorted, with
        /// `HEAD` whenever `GET` is accepted.
        allowed: Vec<&'static str>,
    },
    /// No template matches the path (→ 404).
    NotFound,
}

impl PartialEq for PathMatch<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                PathMatch::Found {
                    operation: a,
                    path_params: pa,
                },
                PathMatch::Found {
                    operation: b,
                    path_params: pb,
                },
            ) => std::ptr::eq(*a, *b) && pa == pb,
            (
                PathMatch::MethodNotAllowed { allowed: a },
                PathMatch::MethodNotAllowed { allowed: b },
            ) => a == b,
            (PathMatch::NotFound, PathMatch::NotFound) => true,
            _ => false,
        }
    }
}

impl Eq for PathMatch<'_> {}

/// One segment of a template.
#[derive(Debug)]
enum Segment {
    Literal(String),
    /// `{name}` with optional literal text around it in the same segment.
    Param {
        name: String,
        prefix: String,
        suffix: String,
    },
}

impl Segment {
    /// Rank for precedence: literal 2, partial template 1, bare parameter 0.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Param { prefix, suffix, .. } if !prefix.is_empty() || !suffix.is_empty() => 1,
            Segment::Param { .. } => 0,
        }
    }

    /// The captured value when this segment matches `actual` (empty string
    /// for a literal match).
    fn capture<'s>(&self, actual: &'s str) -> Option<&'s str> {
        match self {
            Segment::Literal(lit) => (lit == actual).then_some(""),
            Segment::Param { prefix, suffix, .. } => actual
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                .filter(|value| !value.is_empty()),
        }
    }
}

#[derive(Debug)]
struct Route {
    segments: Vec<Segment>,
    /// Operation index per [`Method::index`].
    methods: [Option<usize>; Method::ALL.len()],
}

impl Route {
    fn allowed(&self) -> Vec<&'static str> {
        let mut allowed: Vec<&'static str> = Method::ALL
            .into_iter()
            .filter(|m| self.methods[m.index()].is_some())
            .map(Method::as_str)
            .collect();
        if self.methods[Method::Get.index()].is_some() && !allowed.contains(&"HEAD") {
            allowed.push("HEAD");
        }
        allowed.sort_unstable();
        allowed
    }

    fn operation_for(&self, method: Option<Method>) -> Option<usize> {
        let method = method?;
        self.methods[method.index()].or_else(|| {
            // HEAD is GET without a body; servers answer it wherever GET is
            // served, so the contract does too.
            (method == Method::Head)
                .then(|| self.methods[Method::Get.index()])
                .flatten()
        })
    }
}

/// The precomputed matching table.
#[derive(Debug, Default)]
pub(crate) struct Router {
    /// Routes grouped by segment count.
    /// Routes by number of segments (index), so a lookup only tries templates of its length.
    by_len: Vec<Vec<Route>>,
}

/// Splits a path into its segments after the leading `/`
/// (`"/a/b"` → `["a", "b"]`, `"/"` → `[""]`, `"/a/"` → `["a", ""]`).
fn split(path: &str) -> Option<std::str::Split<'_, char>> {
    path.strip_prefix('/').map(|rest| rest.split('/'))
}

fn parse_segment(raw: &str, template: &str) -> Result<Segment, SpecError> {
    let invalid = |expected: &str| SpecError::InvalidField {
        pointer: format!("/paths/{}", escape_segment(template)),
        expected: expected.to_owned(),
    };
    let Some(open) = raw.find('{') else {
        if raw.contains('}') {
            return Err(invalid("a path template with balanced braces"));
        }
        return Ok(Segment::Literal(raw.to_owned()));
    };
    let close = raw[open..]
        .find('}')
        .map(|i| open + i)
        .ok_or_else(|| invalid("a path template with balanced braces"))?;
    let (prefix, name, suffix) = (&raw[..open], &raw[open + 1..close], &raw[close + 1..]);
    if name.is_empty() {
        return Err(invalid("a named path parameter, not {}"));
    }
    if suffix.contains(['{', '}']) || prefix.contains('}') {
        return Err(invalid("at most one {parameter} per path segment"));
    }
    Ok(Segment::Param {
        name: name.to_owned(),
        prefix: prefix.to_owned(),
        suffix: suffix.to_owned(),
    })
}

impl Router {
    /// Builds the table from the operations (their indices are what a
    /// lookup returns).
    pub(crate) fn new(operations: &[Operation]) -> Result<Self, SpecError> {
        let mut by_template: Vec<(&str, Route)> = Vec::new();
        for (index, op) in operations.iter().enumerate() {
            let route = match by_template.iter_mut().find(|(t, _)| *t == op.path) {
                Some((_, route)) => route,
                None => {
                    let segments = split(&op.path)
                        .ok_or_else(|| SpecError::InvalidField {
                            pointer: format!("/paths/{}", escape_segment(&op.path)),
                            expected: "a path template starting with /".to_owned(),
                        })?
                        .map(|s| parse_segment(s, &op.path))
                        .collect::<Result<Vec<_>, _>>()?;
                    by_template.push((
                        &op.path,
                        Route {
                            segments,
                            methods: [None; Method::ALL.len()],
                        },
                    ));
                    &mut by_template.last_mut().expect("just pushed").1
                }
            };
            route.methods[op.method.index()] = Some(index);
        }
        let mut by_len: Vec<Vec<Route>> = Vec::new();
        for (_, route) in by_template {
            let n = route.segments.len();
            if by_len.len() <= n {
                by_len.resize_with(n + 1, Vec::new);
            }
            by_len[n].push(route);
        }
        Ok(Self { by_len })
    }

    /// Finds the operation index for `method` on `path` (relative to the
    /// base path), with its captured parameters.
    pub(crate) fn lookup(&self, method: &str, path: &str) -> Lookup {
        let Some(raw_segments) = split(path) else {
            return Lookup::NotFound;
        };
        // Decode each segment once; `%2F` stays inside its segment because
        // splitting happened first. Invalid UTF-8 cannot name anything.
        let mut segments: Vec<Cow<'_, str>> = Vec::with_capacity(8);
        for raw in raw_segments {
            match percent_encoding::percent_decode_str(raw).decode_utf8() {
                Ok(decoded) => segments.push(decoded),
                Err(_) => return Lookup::NotFound,
            }
        }
        let Some(candidates) = self.by_len.get(segments.len()) else {
            return Lookup::NotFound;
        };

        let mut best: Option<&Route> = None;
        for route in candidates {
            let matches = route
                .segments
                .iter()
                .zip(&segments)
                .all(|(seg, actual)| seg.capture(actual).is_some());
            if matches && best.is_none_or(|b| outranks(route, b)) {
                best = Some(route);
            }
        }
        let Some(route) = best else {
            return Lookup::NotFound;
        };
        match route.operation_for(Method::parse(method)) {
            Some(index) => {
                let path_params = route
                    .segments
                    .iter()
                    .zip(&segments)
                    .filter_map(|(seg, actual)| match seg {
                        Segment::Param { name, .. } => seg
                            .capture(actual)
                            .map(|value| (name.clone(), value.to_owned())),
                        Segment::Literal(_) => None,
                    })
                    .collect();
                Lookup::Found { index, path_params }
            }
            None => Lookup::MethodNotAllowed {
                allowed: route.allowed(),
            },
        }
    }
}

/// Whether `a` is strictly more specific than `b` (first differing segment
/// rank decides; equal routes keep the first one registered).
fn outranks(a: &Route, b: &Route) -> bool {
    // Routes in one bucket have equal length, so this is a plain
    // left-to-right comparison.
    a.segments
        .iter()
        .zip(&b.segments)
        .map(|(x, y)| x.rank().cmp(&y.rank()))
        .find(|o| o.is_ne())
        .is_some_and(|o| o.is_gt())
}

/// A lookup result by operation index (the contract turns it into a
/// [`PathMatch`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Found {
        index: usize,
        path_params: Vec<(String, String)>,
    },
    MethodNotAllowed {
        allowed: Vec<&'static str>,
    },
    NotFound,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(method: Method, path: &str) -> Operation {
        Operation {
            id: format!("{method} {path}"),
            method,
            path: path.to_owned(),
            summary: None,
            tags: Vec::new(),
            requires_auth: true,
            parameters: Vec::new(),
            request_body: None,
            responses: Vec::new(),
            raw: json!({}),
        }
    }

    fn router() -> (Vec<Operation>, Router) {
        let ops = vec![
            op(Method::Get, "/calls"),
            op(Method::Post, "/calls"),
            op(Method::Get, "/calls/{id}"),
            op(Method::Delete, "/calls/{id}"),
            op(Method::Get, "/calls/{id}/recording.wav"),
            op(Method::Get, "/phone-numbers/inventory/search"),
            op(Method::Get, "/phone-numbers/{id}"),
            op(Method::Get, "/phone-numbers/{id}/{action}"),
            op(Method::Post, "/phone-numbers/search"),
            op(Method::Get, "/reports/{id}.json"),
            op(Method::Get, "/reports/{id}"),
            op(Method::Get, "/openapi.json"),
            op(Method::Get, "/"),
        ];
        let r = Router::new(&ops).unwrap();
        (ops, r)
    }

    fn found(
        r: &Router,
        ops: &[Operation],
        method: &str,
        path: &str,
    ) -> (String, Vec<(String, String)>) {
        match r.lookup(method, path) {
            Lookup::Found { index, path_params } => (ops[index].id.clone(), path_params),
            other => panic!("{method} {path}: expected a match, got {other:?}"),
        }
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn literal_and_parameter_segments() {
        let (ops, r) = router();
        assert_eq!(
            found(&r, &ops, "GET", "/calls"),
            ("GET /calls".into(), vec![])
        );
        assert_eq!(found(&r, &ops, "POST", "/calls").0, "POST /calls");
        assert_eq!(
            found(&r, &ops, "GET", "/calls/call_1"),
            ("GET /calls/{id}".into(), params(&[("id", "call_1")]))
        );
        assert_eq!(
            found(&r, &ops, "GET", "/calls/call_1/recording.wav"),
            (
                "GET /calls/{id}/recording.wav".into(),
                params(&[("id", "call_1")])
            )
        );
        assert_eq!(
            found(&r, &ops, "GET", "/openapi.json").0,
            "GET /openapi.json"
        );
        assert_eq!(found(&r, &ops, "GET", "/").0, "GET /");
    }

    #[test]
    fn literals_take_precedence_over_parameters() {
        let (ops, r) = router();
        assert_eq!(
            found(&r, &ops, "GET", "/phone-numbers/inventory/search"),
            ("GET /phone-numbers/inventory/search".into(), vec![])
        );
        assert_eq!(
            found(&r, &ops, "GET", "/phone-numbers/other/search"),
            (
                "GET /phone-numbers/{id}/{action}".into(),
                params(&[("id", "other"), ("action", "search")])
            )
        );
        assert_eq!(
            found(&r, &ops, "GET", "/phone-numbers/pn_1").1,
            params(&[("id", "pn_1")])
        );
        // The literal template wins, and it has no GET: 405, not /{id}.
        assert_eq!(
            r.lookup("GET", "/phone-numbers/search"),
            Lookup::MethodNotAllowed {
                allowed: vec!["POST"]
            }
        );
    }

    #[test]
    fn partial_segments_capture_between_prefix_and_suffix() {
        let (ops, r) = router();
        assert_eq!(
            found(&r, &ops, "GET", "/reports/r1.json"),
            ("GET /reports/{id}.json".into(), params(&[("id", "r1")]))
        );
        assert_eq!(
            found(&r, &ops, "GET", "/reports/r1.csv"),
            ("GET /reports/{id}".into(), params(&[("id", "r1.csv")]))
        );
        // Nothing left for {id} once the suffix is removed.
        assert_eq!(
            found(&r, &ops, "GET", "/reports/.json"),
            ("GET /reports/{id}".into(), params(&[("id", ".json")]))
        );
    }

    #[test]
    fn captured_values_are_percent_decoded() {
        let (ops, r) = router();
        assert_eq!(
            found(&r, &ops, "GET", "/calls/a%20b%2Fc").1,
            params(&[("id", "a b/c")])
        );
        assert_eq!(
            found(&r, &ops, "GET", "/calls/%C3%A9").1,
            params(&[("id", "é")])
        );
        assert_eq!(r.lookup("GET", "/calls/%FF"), Lookup::NotFound);
        // Literal segments compare after decoding too.
        assert_eq!(found(&r, &ops, "GET", "/c%61lls").0, "GET /calls");
    }

    #[test]
    fn method_not_allowed_lists_sorted_methods_with_head() {
        let (ops, r) = router();
        assert_eq!(
            r.lookup("PUT", "/calls/c1"),
            Lookup::MethodNotAllowed {
                allowed: vec!["DELETE", "GET", "HEAD"]
            }
        );
        assert_eq!(
            r.lookup("BREW", "/calls"),
            Lookup::MethodNotAllowed {
                allowed: vec!["GET", "HEAD", "POST"]
            }
        );
        // HEAD is served by GET; method names are case-insensitive.
        assert_eq!(found(&r, &ops, "HEAD", "/calls").0, "GET /calls");
        assert_eq!(found(&r, &ops, "get", "/calls").0, "GET /calls");
    }

    #[test]
    fn not_found_cases() {
        let (_, r) = router();
        for path in [
            "/nope",
            "/calls/",
            "/calls//recording.wav",
            "calls",
            "",
            "/calls/c1/x/y/z",
        ] {
            assert_eq!(r.lookup("GET", path), Lookup::NotFound, "{path:?}");
        }
    }

    #[test]
    fn bad_templates_are_errors() {
        for bad in ["/a/{", "/a/{}", "/a/{x}{y}", "/a/b}", "a"] {
            assert!(
                matches!(
                    Router::new(&[op(Method::Get, bad)]),
                    Err(SpecError::InvalidField { .. })
                ),
                "{bad}"
            );
        }
    }
}
