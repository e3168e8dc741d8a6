//! [`Contract`]: the loaded document plus everything indexed from it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::error::SpecError;
use crate::index;
use crate::model::{Operation, ParamIn, Webhook};
use crate::resolve::{self, escape_segment};
use crate::router::{Lookup, PathMatch, Router};
use crate::validator::Validator;

/// The embedded contract document, byte for byte as in `spec/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// A loaded, resolved and indexed OpenAPI 3.1 document.
///
/// Immutable after loading, so it is `Send + Sync` and meant to be shared
/// by reference (see [`Contract::v1`]).
#[derive(Debug)]
pub struct Contract {
    document: Value,
    resolved: Value,
    operations: Vec<Operation>,
    by_id: HashMap<String, usize>,
    webhooks: Vec<Webhook>,
    by_event: HashMap<String, usize>,
    base_path: String,
    router: Router,
}

impl Contract {
    /// The embedded v1 contract ([`OPENAPI_JSON`]), loaded on first use.
    ///
    /// # Panics
    /// If the embedded document does not load; the crate's tests load it,
    /// so a broken document fails CI rather than a running server.
    pub fn v1() -> &'static Contract {
        static V1: OnceLock<Contract> = OnceLock::new();
        V1.get_or_init(|| {
            Contract::from_json(OPENAPI_JSON)
                .unwrap_or_else(|e| panic!("embedded openapi.json is broken: failed to {e}"))
        })
    }

    /// Loads a document: parses it, requires OpenAPI 3.1.x, inlines every
    /// `$ref`, indexes operations and webhooks, compiles every schema and
    /// builds the path-matching table.
    ///
    /// # Errors
    /// A [`SpecError`] naming the first problem found: invalid JSON, a
    /// version other than 3.1.x, a missing, cyclic or external `$ref`, a
    /// missing or malformed field (with its JSON pointer), a schema that does
    /// not compile, a duplicate `operationId`, or path parameters that do not
    /// match their template.
    pub fn from_json(text: &str) -> Result<Contract, SpecError> {
        let document: Value =
            serde_json::from_str(text).map_err(|e| SpecError::InvalidJson(e.to_string()))?;
        let version = match document.get("openapi") {
            None => {
                return Err(SpecError::MissingField {
                    pointer: "/openapi".to_owned(),
                });
            }
            Some(Value::String(v)) => v,
            Some(_) => {
                return Err(SpecError::InvalidField {
                    pointer: "/openapi".to_owned(),
                    expected: "a version string".to_owned(),
                });
            }
        };
        if !version.starts_with("3.1.") {
            return Err(SpecError::UnsupportedOpenApiVersion(version.clone()));
        }

        let resolved = resolve::resolve_document(&document)?;
        let operations = index::operations(&resolved)?;
        for op in &operations {
            check_path_parameters(op)?;
        }
        let mut by_id = HashMap::with_capacity(operations.len());
        for (i, op) in operations.iter().enumerate() {
            if by_id.insert(op.id.clone(), i).is_some() {
                return Err(SpecError::DuplicateOperationId(op.id.clone()));
            }
        }
        let webhooks = index::webhooks(&resolved)?;
        let by_event = webhooks
            .iter()
            .enumerate()
            .map(|(i, w)| (w.event_type.clone(), i))
            .collect();
        let base_path = index::server_base_path(&resolved)?;
        let router = Router::new(&operations)?;
        Ok(Contract {
            document,
            resolved,
            operations,
            by_id,
            webhooks,
            by_event,
            base_path,
            router,
        })
    }

    /// The document as written (with its `$ref`s).
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The document with every internal `$ref` inlined.
    pub fn resolved(&self) -> &Value {
        &self.resolved
    }

    /// Every `$ref` left in the resolved document. Always empty for a
    /// loaded contract (loading fails otherwise); exposed so tests can
    /// assert it instead of trusting it.
    pub fn unresolved_refs(&self) -> Vec<String> {
        resolve::remaining_refs(&self.resolved)
    }

    /// All operations, in document order (paths, then methods in
    /// [`crate::Method::ALL`] order).
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.by_id.get(operation_id).map(|&i| &self.operations[i])
    }

    /// All webhooks, in document order.
    pub fn webhooks(&self) -> &[Webhook] {
        &self.webhooks
    }

    /// The webhook for this event type (its key under `webhooks`).
    pub fn webhook(&self, event_type: &str) -> Option<&Webhook> {
        self.by_event.get(event_type).map(|&i| &self.webhooks[i])
    }

    /// The path part of `servers[0].url` without a trailing slash, e.g.
    /// `"/api/v1"`; `""` when the API is served at the root.
    pub fn server_base_path(&self) -> &str {
        &self.base_path
    }

    /// The part of a full request path after the base path
    /// (`"/api/v1/calls"` → `"/calls"`, `"/api/v1"` → `"/"`); `None` when
    /// the path is outside the API.
    pub fn strip_base_path<'p>(&self, full_path: &'p str) -> Option<&'p str> {
        let rest = full_path.strip_prefix(self.base_path.as_str())?;
        if rest.is_empty() {
            Some("/")
        } else if rest.starts_with('/') {
            Some(rest)
        } else {
            None
        }
    }

    /// Selects the operation for a method and a path relative to the base
    /// path (e.g. `"/calls/call_1"`), still percent-encoded and without the
    /// query string.
    ///
    /// Literal segments win over templated ones, left to right; captured
    /// values are percent-decoded; `/calls/` does not match `/calls`; `HEAD`
    /// is answered by a `GET` operation. See [`PathMatch`].
    pub fn match_path(&self, method: &str, path: &str) -> PathMatch<'_> {
        match self.router.lookup(method, path) {
            Lookup::Found { index, path_params } => PathMatch::Found {
                operation: &self.operations[index],
                path_params,
            },
            Lookup::MethodNotAllowed { allowed } => PathMatch::MethodNotAllowed { allowed },
            Lookup::NotFound => PathMatch::NotFound,
        }
    }

    /// The resolved schema `components.schemas[name]`.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.resolved.get("components")?.get("schemas")?.get(name)
    }

    /// Names of every schema under `components.schemas`, in document order.
    pub fn schema_names(&self) -> Vec<&str> {
        self.resolved
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Compiles a resolved schema (e.g. from [`Contract::schema`]) into a
    /// reusable validator.
    ///
    /// # Errors
    /// [`SpecError::InvalidSchema`] (with an empty pointer) when the schema
    /// is not valid draft 2020-12; a schema still containing `$ref`s to the
    /// document will not resolve either, so pass resolved schemas.
    pub fn validator(&self, schema: &Value) -> Result<Validator, SpecError> {
        Validator::compile(schema)
    }
}

/// The `{name}`s of a path template, in order.
fn template_names(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Every `{name}` in the template must be a declared path parameter and
/// every declared path parameter must appear in the template; otherwise a
/// request could never satisfy the operation.
fn check_path_parameters(op: &Operation) -> Result<(), SpecError> {
    let in_template = template_names(&op.path);
    let declared: Vec<&str> = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamIn::Path)
        .map(|p| p.name.as_str())
        .collect();
    let undeclared: Vec<&str> = in_template
        .iter()
        .copied()
        .filter(|n| !declared.contains(n))
        .collect();
    let unused: Vec<&str> = declared
        .iter()
        .copied()
        .filter(|n| !in_template.contains(n))
        .collect();
    if undeclared.is_empty() && unused.is_empty() {
        return Ok(());
    }
    Err(SpecError::InvalidField {
        pointer: format!(
            "/paths/{}/{}/parameters",
            escape_segment(&op.path),
            op.method.key()
        ),
        expected: format!(
            "path parameters matching the template (undeclared: [{}], not in template: [{}])",
            undeclared.join(", "),
            unused.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Method;
    use crate::request::RawRequest;
    use serde_json::json;

    fn fixture() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "servers": [{"url": "https://api.example.com/api/v1"}],
            "security": [{"bearer": []}],
            "paths": {
                "/calls": {
                    "get": {"operationId": "listCalls", "parameters": [
                        {"$ref": "#/components/parameters/Limit"}
                    ], "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}}}}}},
                    "post": {"operationId": "createCall", "requestBody": {"required": true, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NewCall"}}}},
                        "responses": {"201": {"description": "created"}}}
                },
                "/calls/{id}": {
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "get": {"operationId": "getCall", "responses": {"200": {"description": "ok"}}}
                },
                "/openapi.json": {"get": {"operationId": "getOpenApi", "security": [], "responses": {"200": {"description": "doc"}}}}
            },
            "webhooks": {"call.completed": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}}},
                "responses": {"200": {"description": "ack"}}
            }}},
            "components": {
                "parameters": {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}},
                "schemas": {
                    "Call": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                    "NewCall": {"type": "object", "required": ["to"], "properties": {"to": {"type": "string"}}}
                },
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
            }
        })
    }

    fn load(doc: &Value) -> Result<Contract, SpecError> {
        Contract::from_json(&doc.to_string())
    }

    #[test]
    fn loads_and_indexes_a_document() {
        let c = load(&fixture()).unwrap();
        let ids: Vec<&str> = c.operations().iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["listCalls", "createCall", "getCall", "getOpenApi"]);
        assert_eq!(c.operation("getCall").unwrap().method, Method::Get);
        assert!(c.operation("nope").is_none());
        assert_eq!(c.server_base_path(), "/api/v1");
        assert!(c.unresolved_refs().is_empty());
        assert_eq!(c.webhooks().len(), 1);
        assert!(c.webhook("call.completed").is_some());
        assert!(c.webhook("call.started").is_none());
        assert!(!c.operation("getOpenApi").unwrap().requires_auth);
        assert!(c.operation("getCall").unwrap().requires_auth);
        assert_eq!(c.schema_names(), ["Call", "NewCall"]);
        // The original document keeps its references.
        assert!(
            c.document()["paths"]["/calls"]["get"]["parameters"][0]
                .get("$ref")
                .is_some()
        );
        assert_eq!(
            c.resolved()["paths"]["/calls"]["get"]["parameters"][0]["name"],
            "limit"
        );
    }

    #[test]
    fn contract_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Contract>();
    }

    #[test]
    fn match_path_returns_operations_and_parameters() {
        let c = load(&fixture()).unwrap();
        match c.match_path("GET", "/calls/call%5F1") {
            PathMatch::Found {
                operation,
                path_params,
            } => {
                assert_eq!(operation.id, "getCall");
                assert_eq!(path_params, [("id".to_owned(), "call_1".to_owned())]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            c.match_path("DELETE", "/calls"),
            PathMatch::MethodNotAllowed {
                allowed: vec!["GET", "HEAD", "POST"]
            }
        );
        assert_eq!(c.match_path("GET", "/calls/"), PathMatch::NotFound);
        assert_eq!(c.match_path("GET", "/api/v1/calls"), PathMatch::NotFound);
    }

    #[test]
    fn strip_base_path() {
        let c = load(&fixture()).unwrap();
        assert_eq!(c.strip_base_path("/api/v1/calls"), Some("/calls"));
        assert_eq!(c.strip_base_path("/api/v1"), Some("/"));
        assert_eq!(c.strip_base_path("/api/v10/calls"), None);
        assert_eq!(c.strip_base_path("/other"), None);
    }

    #[test]
    fn schemas_and_validators() {
        let c = load(&fixture()).unwrap();
        let call = c.schema("Call").unwrap();
        let v = c.validator(call).unwrap();
        assert!(v.is_valid(&json!({"id": "c1"})));
        assert!(!v.is_valid(&json!({})));
        assert!(c.schema("Nope").is_none());
        assert!(c.validator(&json!({"type": 5})).is_err());
    }

    #[test]
    fn referenced_parameters_and_bodies_validate() {
        let c = load(&fixture()).unwrap();
        let list = c.operation("listCalls").unwrap();
        let query = vec![("limit".to_owned(), "101".to_owned())];
        let err = list
            .validate_parameters(&RawRequest {
                query: &query,
                ..RawRequest::default()
            })
            .unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "query parameter `limit` must be at most 100"
        );
        let create = c.operation("createCall").unwrap();
        assert_eq!(
            create
                .validate_body(Some("application/json"), b"{}")
                .unwrap_err()
                .status(),
            422
        );
        let hook = c.webhook("call.completed").unwrap();
        assert!(hook.payload.validator.is_valid(&json!({"id": "c1"})));
        assert!(!hook.payload.validator.is_valid(&json!({})));
    }

    #[test]
    fn rejects_bad_documents() {
        assert!(matches!(
            Contract::from_json("{not json"),
            Err(SpecError::InvalidJson(_))
        ));
        let mut doc = fixture();
        doc["openapi"] = json!("3.0.3");
        assert_eq!(
            load(&doc).unwrap_err(),
            SpecError::UnsupportedOpenApiVersion("3.0.3".into())
        );
        doc.as_object_mut().unwrap().remove("openapi");
        assert_eq!(
            load(&doc).unwrap_err(),
            SpecError::MissingField {
                pointer: "/openapi".into()
            }
        );

        let mut doc = fixture();
        doc["paths"]["/calls"]["post"]["operationId"] = json!("listCalls");
        assert_eq!(
            load(&doc).unwrap_err(),
            SpecError::DuplicateOperationId("listCalls".into())
        );

        let mut doc = fixture();
        doc["components"]["schemas"]["Call"]["properties"]["next"] =
            json!({"$ref": "#/components/schemas/Call"});
        assert!(matches!(load(&doc), Err(SpecError::RefCycle { .. })));

        let mut doc = fixture();
        doc["paths"]["/calls"]["get"]["parameters"][0] =
            json!({"$ref": "#/components/parameters/Missing"});
        assert!(matches!(load(&doc), Err(SpecError::UnresolvedRef { .. })));
    }

    #[test]
    fn path_parameters_must_match_the_template() {
        let mut doc = fixture();
        doc["paths"]["/calls/{id}"]
            .as_object_mut()
            .unwrap()
            .remove("parameters");
        match load(&doc).unwrap_err() {
            SpecError::InvalidField { pointer, expected } => {
                assert_eq!(pointer, "/paths/~1calls~1{id}/get/parameters");
                assert!(expected.contains("undeclared: [id]"), "{expected}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(template_names("/a/{x}/b/{y}.json"), ["x", "y"]);
    }
}
