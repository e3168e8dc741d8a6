//! The typed index: operations, parameters, bodies, responses and webhooks
//! as plain structs with their schemas already compiled.
//!
//! Fields are public and owned because two very different consumers (the
//! mock server and the conformance runner) read them; the raw resolved JSON
//! is kept alongside (`raw`) for anything the typed view does not cover.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::binding::{Classified, Projections, Rule};
use crate::media;
use crate::validator::Validator;

/// An HTTP method an operation can be declared under.
///
/// OpenAPI's `trace` is deliberately absent: the contract does not use it
/// and the index skips it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// Every method, in the order the index lists an item's operations.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Head,
        Method::Options,
    ];

    /// The uppercase wire name, e.g. `"GET"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// The lowercase key used in an OpenAPI path item, e.g. `"get"`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
            Method::Head => "head",
            Method::Options => "options",
        }
    }

    /// Position in [`Method::ALL`]; lets the router keep a fixed-size table.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Parses a method name, ignoring ASCII case; `None` for anything else.
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::parse(s).ok_or_else(|| UnknownMethod(s.to_owned()))
    }
}

/// A method name that is not one of [`Method::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parse http method {0:?}: not a method the contract uses")]
pub struct UnknownMethod(pub String);

/// Where a parameter is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamIn {
    /// A `{name}` segment of the path.
    Path,
    /// A query-string pair.
    Query,
    /// A request header (names compare case-insensitively).
    Header,
    /// A cookie (indexed, but not validated by [`Operation::validate_parameters`]).
    Cookie,
}

impl ParamIn {
    /// The OpenAPI spelling: `"path"`, `"query"`, `"header"`, `"cookie"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::Cookie => "cookie",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ParamIn> {
        match s {
            "path" => Some(ParamIn::Path),
            "query" => Some(ParamIn::Query),
            "header" => Some(ParamIn::Header),
            "cookie" => Some(ParamIn::Cookie),
            _ => None,
        }
    }
}

/// A non-default rejection for an invalid parameter, from the vendor
/// extension `"x-vici-on-invalid": {"status": 403, "error": "invalid_signature"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// HTTP status to answer with instead of 400.
    pub status: u16,
    /// Error code to answer with instead of `validation_error`.
    pub error: String,
}

/// One declared parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The parameter name as declared (header names keep their spelling).
    pub name: String,
    /// Where it is carried.
    pub location: ParamIn,
    /// Whether it must be present (always true for path parameters).
    pub required: bool,
    /// `description`, if any.
    pub description: Option<String>,
    /// `deprecated` (false when absent).
    pub deprecated: bool,
    /// Serialization style: the declared `style`, or the OpenAPI default
    /// (`form` for query and cookie, `simple` for path and header).
    pub style: String,
    /// Whether arrays explode (`explode`, default true for `form`).
    pub explode: bool,
    /// The resolved schema (from `schema`, or from the first `content`
    /// entry; `true` when neither is given).
    pub schema: Value,
    /// `schema`, compiled.
    pub validator: Validator,
    /// Non-default rejection (`x-vici-on-invalid`), if declared.
    pub on_invalid: Option<Rejection>,
    /// The parameter's `example`, if any.
    pub example: Option<Value>,
    /// The parameter's named `examples` (their `value`s), in document order.
    pub examples: Vec<(String, Value)>,
    /// Its binding (`x-vici-binding`; contract when absent): what a refusal
    /// of an invalid value rests on.
    pub rule: Rule,
}

impl Parameter {
    /// The schema's `default`, if any.
    pub fn default_value(&self) -> Option<&Value> {
        self.schema.get("default")
    }

    /// Every example value: `example` first, then named `examples`.
    pub fn example_values(&self) -> impl Iterator<Item = &Value> {
        self.example
            .iter()
            .chain(self.examples.iter().map(|(_, v)| v))
    }
}

/// One media type of a body (request or response).
#[derive(Debug, Clone)]
pub struct MediaType {
    /// The media type as declared, e.g. `"application/json"`.
    pub media_type: String,
    /// The resolved schema (`true` when none is declared).
    pub schema: Value,
    /// `schema`, compiled.
    pub validator: Validator,
    /// Named examples (`examples.<name>.value`), plus `example` under the
    /// name `"example"`.
    pub examples: Vec<(String, Value)>,
    /// The page and contract projections of `schema`, compiled on first use.
    pub projections: Projections,
}

impl MediaType {
    /// Whether this is JSON (`application/json` or any `+json` type), i.e.
    /// whether bodies of this type are parsed and schema-checked.
    pub fn is_json(&self) -> bool {
        media::is_json(&self.media_type)
    }

    /// How `instance` breaks the schema, classified by binding (see
    /// [`crate::binding`]); `None` when it is valid.
    pub fn classify(&self, instance: &Value) -> Option<Classified> {
        self.projections
            .classify(&self.schema, &self.validator, instance)
    }
}

/// An operation's `requestBody`.
#[derive(Debug, Clone)]
pub struct RequestBody {
    /// Whether a body must be sent (`required`, default false).
    pub required: bool,
    /// `description`, if any.
    pub description: Option<String>,
    /// Accepted media types, in document order.
    pub content: Vec<MediaType>,
}

impl RequestBody {
    /// The declared media type a `Content-Type` value selects, if any (see
    /// [`find_media_type`]).
    pub fn media_type(&self, content_type: &str) -> Option<&MediaType> {
        find_media_type(&self.content, content_type)
    }
}

/// A response header.
#[derive(Debug, Clone)]
pub struct HeaderSpec {
    /// Header name as declared.
    pub name: String,
    /// Whether it must be present.
    pub required: bool,
    /// `description`, if any.
    pub description: Option<String>,
    /// The resolved schema.
    pub schema: Value,
    /// `schema`, compiled.
    pub validator: Validator,
    /// Its binding (`x-vici-binding`; contract when absent).
    pub rule: Rule,
}

/// One documented response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The key under `responses`: `"200"`, `"4XX"` or `"default"`.
    pub status: String,
    /// `description` (empty when absent).
    pub description: String,
    /// Declared headers, in document order.
    pub headers: Vec<HeaderSpec>,
    /// Declared media types; empty for a response without a body.
    pub content: Vec<MediaType>,
    /// Its binding (`x-vici-binding`; contract when absent).
    pub rule: Rule,
}

impl Response {
    /// The declared media type a `Content-Type` value selects, if any (see
    /// [`find_media_type`]).
    pub fn media_type(&self, content_type: &str) -> Option<&MediaType> {
        find_media_type(&self.content, content_type)
    }

    /// Whether this response key covers `status` exactly, by range
    /// (`"4XX"`), or at all (`"default"`): 2, 1, 0; `None` when it does not.
    pub(crate) fn specificity(&self, status: u16) -> Option<u8> {
        let key = self.status.as_str();
        if key == "default" {
            return Some(0);
        }
        if key.parse::<u16>() == Ok(status) {
            return Some(2);
        }
        let bytes = key.as_bytes();
        let is_range = bytes.len() == 3
            && bytes[0].is_ascii_digit()
            && bytes[1].eq_ignore_ascii_case(&b'x')
            && bytes[2].eq_ignore_ascii_case(&b'x');
        (is_range && u16::from(bytes[0] - b'0') == status / 100).then_some(1)
    }
}

/// Finds the declared media type that a `Content-Type` header value selects:
/// parameters (`; charset=utf-8`) are ignored, case does not matter, an exact
/// declaration wins over a wildcard one (`text/*`, `*/*`).
pub fn find_media_type<'a>(content: &'a [MediaType], content_type: &str) -> Option<&'a MediaType> {
    let wanted = media::essence(content_type);
    content
        .iter()
        .find(|m| media::essence(&m.media_type) == wanted)
        .or_else(|| {
            content
                .iter()
                .find(|m| media::wildcard_matches(&m.media_type, &wanted))
        })
}

/// One API operation (a method on a path template).
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId` (for a webhook without one: its event type).
    pub id: String,
    /// The method it is declared under.
    pub method: Method,
    /// The path template relative to the server base path, e.g.
    /// `"/calls/{id}/recording.wav"`; for a webhook, its event type.
    pub path: String,
    /// `summary`, if any.
    pub summary: Option<String>,
    /// `tags`, in document order.
    pub tags: Vec<String>,
    /// False only when the effective security requirement allows anonymous
    /// calls: `security: []`, an empty requirement `{}` among the
    /// alternatives, or no security declared anywhere. True when it inherits
    /// a non-empty top-level `security` or lists a scheme itself.
    pub requires_auth: bool,
    /// Path-item and operation parameters merged; an operation parameter
    /// replaces a path-item one with the same (name, in).
    pub parameters: Vec<Parameter>,
    /// The request body, if declared.
    pub request_body: Option<RequestBody>,
    /// Documented responses, in document order.
    pub responses: Vec<Response>,
    /// The resolved operation object, for anything not indexed above.
    pub raw: Value,
}

impl Operation {
    /// The response documented for `status`: the exact code, else its range
    /// (`"4XX"`), else `"default"`.
    pub fn response(&self, status: u16) -> Option<&Response> {
        self.responses
            .iter()
            .filter_map(|r| r.specificity(status).map(|s| (s, r)))
            // max_by_key keeps the last maximum; reverse so document order
            // breaks (impossible in practice) ties.
            .rev()
            .max_by_key(|(s, _)| *s)
            .map(|(_, r)| r)
    }

    /// The operation's binding (`x-vici-binding`; contract when absent):
    /// page for the operations the reference page lists.
    pub fn rule(&self) -> Rule {
        Rule::of(&self.raw).unwrap_or_default()
    }

    /// The response keys as written (`"200"`, `"4XX"`, `"default"`), in
    /// document order.
    pub fn documented_statuses(&self) -> Vec<String> {
        self.responses.iter().map(|r| r.status.clone()).collect()
    }

    /// The lowest documented 2xx code; 200 when only a `"2XX"` range (or no
    /// success at all) is documented.
    pub fn success_status(&self) -> u16 {
        self.responses
            .iter()
            .filter_map(|r| r.status.parse::<u16>().ok())
            .filter(|s| (200..300).contains(s))
            .min()
            .unwrap_or(200)
    }

    /// The declared parameter with this name and location (header names
    /// compare case-insensitively).
    pub fn parameter(&self, name: &str, location: ParamIn) -> Option<&Parameter> {
        self.parameters.iter().find(|p| {
            p.location == location
                && if location == ParamIn::Header {
                    p.name.eq_ignore_ascii_case(name)
                } else {
                    p.name == name
                }
        })
    }
}

/// One webhook the API sends, keyed by its event type.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The key under top-level `webhooks`, e.g. `"call.completed"`.
    pub event_type: String,
    /// The webhook's `post` operation (its `path` is the event type), so the
    /// same validation helpers apply to received webhooks.
    pub operation: Operation,
    /// The header parameters of that operation (signature, delivery id, ...).
    pub headers: Vec<Parameter>,
    /// The `application/json` payload.
    pub payload: MediaType,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn media(name: &str) -> MediaType {
        let schema = json!(true);
        MediaType {
            media_type: name.to_owned(),
            validator: Validator::compile(&schema).unwrap(),
            schema,
            examples: Vec::new(),
            projections: Projections::default(),
        }
    }

    fn response(status: &str) -> Response {
        Response {
            status: status.to_owned(),
            description: String::new(),
            headers: Vec::new(),
            content: Vec::new(),
            rule: Rule::default(),
        }
    }

    fn operation(statuses: &[&str]) -> Operation {
        Operation {
            id: "op".into(),
            method: Method::Get,
            path: "/x".into(),
            summary: None,
            tags: Vec::new(),
            requires_auth: true,
            parameters: Vec::new(),
            request_body: None,
            responses: statuses.iter().map(|s| response(s)).collect(),
            raw: json!({}),
        }
    }

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
            assert_eq!(Method::parse(m.key()), Some(m));
            assert_eq!(m.as_str().parse::<Method>(), Ok(m));
            assert_eq!(Method::ALL[m.index()], m);
        }
        assert_eq!(Method::parse("TRACE"), None);
        assert!("BREW".parse::<Method>().is_err());
    }

    #[test]
    fn response_prefers_exact_then_range_then_default() {
        let op = operation(&["default", "4XX", "404", "200"]);
        assert_eq!(op.response(404).unwrap().status, "404");
        assert_eq!(op.response(422).unwrap().status, "4XX");
        assert_eq!(op.response(500).unwrap().status, "default");
        assert_eq!(op.response(200).unwrap().status, "200");
        let strict = operation(&["200"]);
        assert!(strict.response(500).is_none());
        let lower = operation(&["5xx"]);
        assert_eq!(lower.response(503).unwrap().status, "5xx");
    }

    #[test]
    fn success_status_is_lowest_2xx() {
        assert_eq!(operation(&["404", "202", "201"]).success_status(), 201);
        assert_eq!(operation(&["204", "default"]).success_status(), 204);
        assert_eq!(operation(&["2XX"]).success_status(), 200);
        assert_eq!(
            operation(&["default", "4XX", "200"]).documented_statuses(),
            vec!["default", "4XX", "200"]
        );
    }

    #[test]
    fn media_type_lookup_ignores_parameters_and_case_and_prefers_exact() {
        let content = vec![
            media("text/*"),
            media("text/csv"),
            media("application/json"),
        ];
        assert_eq!(
            find_media_type(&content, "Application/JSON; charset=utf-8")
                .unwrap()
                .media_type,
            "application/json"
        );
        assert_eq!(
            find_media_type(&content, "text/csv").unwrap().media_type,
            "text/csv"
        );
        assert_eq!(
            find_media_type(&content, "text/plain").unwrap().media_type,
            "text/*"
        );
        assert!(find_media_type(&content, "application/xml").is_none());
        assert!(media("application/problem+json").is_json());
        assert!(!media("text/csv").is_json());
    }
}
