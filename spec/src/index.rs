//! Builds the typed index ([`Operation`], [`Webhook`], ...) from the
//! resolved document, compiling every schema on the way.
//!
//! Everything is read once at load time and checked strictly: a field with
//! the wrong shape is a [`SpecError`] naming its pointer, so a mistake in
//! the contract surfaces in the crate's tests rather than as a confusing
//! request-time failure in the mock or the runner.

use serde_json::{Map, Value};

use crate::binding::{Projections, Rule};
use crate::error::SpecError;
use crate::model::{
    HeaderSpec, MediaType, Method, Operation, ParamIn, Parameter, Rejection, RequestBody, Response,
    Webhook,
};
use crate::resolve::escape_segment;
use crate::validator::Validator;

/// The vendor extension naming a non-default rejection for a parameter.
const ON_INVALID: &str = "x-vici-on-invalid";

/// Reads every operation under `paths`, in document order.
pub(crate) fn operations(doc: &Value) -> Result<Vec<Operation>, SpecError> {
    let top_security = doc.get("security");
    let Some(paths) = doc.get("paths") else {
        // 3.1 makes `paths` optional (a webhooks-only document).
        return Ok(Vec::new());
    };
    let paths = as_object(paths, "/paths")?;
    let mut out = Vec::new();
    for (template, item) in paths {
        let pointer = format!("/paths/{}", escape_segment(template));
        let item = as_object(item, &pointer)?;
        for method in Method::ALL {
            if let Some(op) = item.get(method.key()) {
                out.push(operation(
                    template,
                    method,
                    item,
                    op,
                    &pointer,
                    top_security,
                    None,
                )?);
            }
        }
    }
    Ok(out)
}

/// Reads every webhook under top-level `webhooks` (each must have a `post`
/// with an `application/json` body).
pub(crate) fn webhooks(doc: &Value) -> Result<Vec<Webhook>, SpecError> {
    let top_security = doc.get("security");
    let Some(hooks) = doc.get("webhooks") else {
        return Ok(Vec::new());
    };
    let hooks = as_object(hooks, "/webhooks")?;
    let mut out = Vec::new();
    for (event_type, item) in hooks {
        let pointer = format!("/webhooks/{}", escape_segment(event_type));
        let item = as_object(item, &pointer)?;
        let post = item.get("post").ok_or_else(|| SpecError::MissingField {
            pointer: format!("{pointer}/post"),
        })?;
        let operation = operation(
            event_type,
            Method::Post,
            item,
            post,
            &pointer,
            top_security,
            Some(event_type),
        )?;
        let payload = operation
            .request_body
            .as_ref()
            .and_then(|b| b.content.iter().find(|m| m.is_json()))
            .cloned()
            .ok_or_else(|| SpecError::MissingField {
                pointer: format!("{pointer}/post/requestBody/content/application~1json"),
            })?;
        let headers = operation
            .parameters
            .iter()
            .filter(|p| p.location == ParamIn::Header)
            .cloned()
            .collect();
        out.push(Webhook {
            event_type: event_type.clone(),
            operation,
            headers,
            payload,
        });
    }
    Ok(out)
}

/// The path part of `servers[0].url` without a trailing slash (`""` for the
/// root), with server variables replaced by their defaults.
pub(crate) fn server_base_path(doc: &Value) -> Result<String, SpecError> {
    let Some(server) = doc.get("servers").and_then(|s| s.get(0)) else {
        return Ok(String::new());
    };
    let mut url = optional_str(server, "url", "/servers/0")?
        .unwrap_or("/")
        .to_owned();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (name, var) in vars {
            let pointer = format!("/servers/0/variables/{}", escape_segment(name));
            let default =
                optional_str(var, "default", &pointer)?.ok_or_else(|| SpecError::MissingField {
                    pointer: format!("{pointer}/default"),
                })?;
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    // Absolute URLs keep only their path; relative ones are a path already.
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url.as_str(),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    Ok(path.trim_end_matches('/').to_owned())
}

fn operation(
    template: &str,
    method: Method,
    item: &Map<String, Value>,
    op: &Value,
    item_pointer: &str,
    top_security: Option<&Value>,
    id_fallback: Option<&str>,
) -> Result<Operation, SpecError> {
    let pointer = format!("{item_pointer}/{}", method.key());
    as_object(op, &pointer)?;
    let id = match (optional_str(op, "operationId", &pointer)?, id_fallback) {
        (Some(id), _) | (None, Some(id)) => id.to_owned(),
        (None, None) => {
            return Err(SpecError::MissingField {
                pointer: format!("{pointer}/operationId"),
            });
        }
    };

    let mut parameters = Vec::new();
    if let Some(shared) = item.get("parameters") {
        parameters = parameter_list(shared, &format!("{item_pointer}/parameters"))?;
    }
    if let Some(own) = op.get("parameters") {
        for p in parameter_list(own, &format!("{pointer}/parameters"))? {
            match parameters
                .iter_mut()
                .find(|q| q.name == p.name && q.location == p.location)
            {
                Some(slot) => *slot = p,
                None => parameters.push(p),
            }
        }
    }

    let request_body = op
        .get("requestBody")
        .map(|b| request_body(b, &format!("{pointer}/requestBody")))
        .transpose()?;

    let mut responses = Vec::new();
    if let Some(map) = op.get("responses") {
        let rp = format!("{pointer}/responses");
        for (status, r) in as_object(map, &rp)? {
            responses.push(response(
                status,
                r,
                &format!("{rp}/{}", escape_segment(status)),
            )?);
        }
    }

    let security = op.get("security").or(top_security);
    Ok(Operation {
        id,
        method,
        path: template.to_owned(),
        summary: optional_str(op, "summary", &pointer)?.map(str::to_owned),
        tags: string_list(op.get("tags"), &format!("{pointer}/tags"))?,
        requires_auth: requires_auth(security, &pointer)?,
        parameters,
        request_body,
        responses,
        raw: op.clone(),
    })
}

/// Whether the effective `security` value demands credentials: it must list
/// at least one alternative, and none of them may be the empty requirement
/// `{}` (which means "anonymous is fine").
fn requires_auth(security: Option<&Value>, pointer: &str) -> Result<bool, SpecError> {
    let Some(security) = security else {
        return Ok(false);
    };
    let alternatives = security.as_array().ok_or_else(|| SpecError::InvalidField {
        pointer: format!("{pointer}/security"),
        expected: "an array of security requirements".to_owned(),
    })?;
    Ok(!alternatives.is_empty()
        && alternatives
            .iter()
            .all(|req| req.as_object().is_some_and(|m| !m.is_empty())))
}

fn parameter_list(list: &Value, pointer: &str) -> Result<Vec<Parameter>, SpecError> {
    let items = list.as_array().ok_or_else(|| SpecError::InvalidField {
        pointer: pointer.to_owned(),
        expected: "an array of parameters".to_owned(),
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, p)| parameter(p, &format!("{pointer}/{i}")))
        .collect()
}

fn parameter(p: &Value, pointer: &str) -> Result<Parameter, SpecError> {
    as_object(p, pointer)?;
    let name = required_str(p, "name", pointer)?.to_owned();
    let location_text = required_str(p, "in", pointer)?;
    let location = ParamIn::parse(location_text).ok_or_else(|| SpecError::InvalidField {
        pointer: format!("{pointer}/in"),
        expected: "one of path, query, header, cookie".to_owned(),
    })?;
    // OpenAPI requires `required: true` on path parameters; a path segment
    // cannot be absent anyway, so treat it as required either way.
    let required =
        location == ParamIn::Path || optional_bool(p, "required", pointer)?.unwrap_or(false);
    let (schema, schema_pointer) = parameter_schema(p, pointer)?;
    let validator = Validator::compile_at(&schema, &schema_pointer)?;
    let style = match optional_str(p, "style", pointer)? {
        Some(style) => style.to_owned(),
        None => match location {
            ParamIn::Query | ParamIn::Cookie => "form".to_owned(),
            ParamIn::Path | ParamIn::Header => "simple".to_owned(),
        },
    };
    let explode = optional_bool(p, "explode", pointer)?.unwrap_or(style == "form");
    let on_invalid = p
        .get(ON_INVALID)
        .map(|r| rejection(r, &format!("{pointer}/{ON_INVALID}")))
        .transpose()?;
    Ok(Parameter {
        name,
        location,
        required,
        description: optional_str(p, "description", pointer)?.map(str::to_owned),
        deprecated: optional_bool(p, "deprecated", pointer)?.unwrap_or(false),
        style,
        explode,
        schema,
        validator,
        on_invalid,
        example: p.get("example").cloned(),
        examples: named_examples(p.get("examples"), &format!("{pointer}/examples"))?,
        rule: Rule::of(p).unwrap_or_default(),
    })
}

/// A parameter's schema: `schema`, else the schema of its (single) `content`
/// entry, else `true` (anything goes).
fn parameter_schema(p: &Value, pointer: &str) -> Result<(Value, String), SpecError> {
    if let Some(schema) = p.get("schema") {
        return Ok((schema.clone(), format!("{pointer}/schema")));
    }
    if let Some(content) = p.get("content") {
        let cp = format!("{pointer}/content");
        if let Some((name, media)) = as_object(content, &cp)?.iter().next()
            && let Some(schema) = media.get("schema")
        {
            return Ok((
                schema.clone(),
                format!("{cp}/{}/schema", escape_segment(name)),
            ));
        }
    }
    Ok((Value::Bool(true), format!("{pointer}/schema")))
}

fn rejection(r: &Value, pointer: &str) -> Result<Rejection, SpecError> {
    let invalid = || SpecError::InvalidField {
        pointer: pointer.to_owned(),
        expected: r#"{"status": <100-599>, "error": "<code>"}"#.to_owned(),
    };
    let status = r
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..600).contains(s))
        .ok_or_else(invalid)?;
    let error = r.get("error").and_then(Value::as_str).ok_or_else(invalid)?;
    Ok(Rejection {
        status,
        error: error.to_owned(),
    })
}

fn request_body(b: &Value, pointer: &str) -> Result<RequestBody, SpecError> {
    as_object(b, pointer)?;
    let content = b.get("content").ok_or_else(|| SpecError::MissingField {
        pointer: format!("{pointer}/content"),
    })?;
    Ok(RequestBody {
        required: optional_bool(b, "required", pointer)?.unwrap_or(false),
        description: optional_str(b, "description", pointer)?.map(str::to_owned),
        content: content_list(content, &format!("{pointer}/content"))?,
    })
}

fn response(status: &str, r: &Value, pointer: &str) -> Result<Response, SpecError> {
    as_object(r, pointer)?;
    let mut headers = Vec::new();
    if let Some(map) = r.get("headers") {
        let hp = format!("{pointer}/headers");
        for (name, h) in as_object(map, &hp)? {
            headers.push(header(name, h, &format!("{hp}/{}", escape_segment(name)))?);
        }
    }
    let content = match r.get("content") {
        Some(c) => content_list(c, &format!("{pointer}/content"))?,
        None => Vec::new(),
    };
    Ok(Response {
        status: status.to_owned(),
        description: optional_str(r, "description", pointer)?
            .unwrap_or("")
            .to_owned(),
        headers,
        content,
        rule: Rule::of(r).unwrap_or_default(),
    })
}

fn header(name: &str, h: &Value, pointer: &str) -> Result<HeaderSpec, SpecError> {
    as_object(h, pointer)?;
    let (schema, schema_pointer) = parameter_schema(h, pointer)?;
    Ok(HeaderSpec {
        name: name.to_owned(),
        required: optional_bool(h, "required", pointer)?.unwrap_or(false),
        description: optional_str(h, "description", pointer)?.map(str::to_owned),
        validator: Validator::compile_at(&schema, &schema_pointer)?,
        schema,
        rule: Rule::of(h).unwrap_or_default(),
    })
}

fn content_list(content: &Value, pointer: &str) -> Result<Vec<MediaType>, SpecError> {
    as_object(content, pointer)?
        .iter()
        .map(|(name, m)| media_type(name, m, &format!("{pointer}/{}", escape_segment(name))))
        .collect()
}

fn media_type(name: &str, m: &Value, pointer: &str) -> Result<MediaType, SpecError> {
    as_object(m, pointer)?;
    let schema = m.get("schema").cloned().unwrap_or(Value::Bool(true));
    let validator = Validator::compile_at(&schema, &format!("{pointer}/schema"))?;
    let mut examples = named_examples(m.get("examples"), &format!("{pointer}/examples"))?;
    if let Some(example) = m.get("example") {
        examples.push(("example".to_owned(), example.clone()));
    }
    Ok(MediaType {
        media_type: name.to_owned(),
        schema,
        validator,
        examples,
        projections: Projections::default(),
    })
}

/// The `value` of every Example Object in an `examples` map (examples that
/// only have an `externalValue` carry no value here and are skipped).
fn named_examples(
    examples: Option<&Value>,
    pointer: &str,
) -> Result<Vec<(String, Value)>, SpecError> {
    let Some(examples) = examples else {
        return Ok(Vec::new());
    };
    Ok(as_object(examples, pointer)?
        .iter()
        .filter_map(|(name, ex)| ex.get("value").map(|v| (name.clone(), v.clone())))
        .collect())
}

fn as_object<'a>(v: &'a Value, pointer: &str) -> Result<&'a Map<String, Value>, SpecError> {
    v.as_object().ok_or_else(|| SpecError::InvalidField {
        pointer: pointer.to_owned(),
        expected: "an object".to_owned(),
    })
}

fn required_str<'a>(v: &'a Value, key: &str, pointer: &str) -> Result<&'a str, SpecError> {
    optional_str(v, key, pointer)?.ok_or_else(|| SpecError::MissingField {
        pointer: format!("{pointer}/{}", escape_segment(key)),
    })
}

fn optional_str<'a>(v: &'a Value, key: &str, pointer: &str) -> Result<Option<&'a str>, SpecError> {
    match v.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(SpecError::InvalidField {
            pointer: format!("{pointer}/{}", escape_segment(key)),
            expected: "a string".to_owned(),
        }),
    }
}

fn optional_bool(v: &Value, key: &str, pointer: &str) -> Result<Option<bool>, SpecError> {
    match v.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(SpecError::InvalidField {
            pointer: format!("{pointer}/{}", escape_segment(key)),
            expected: "a boolean".to_owned(),
        }),
    }
}

fn string_list(v: Option<&Value>, pointer: &str) -> Result<Vec<String>, SpecError> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    v.as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| SpecError::InvalidField {
            pointer: pointer.to_owned(),
            expected: "an array of strings".to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "openapi": "3.1.0",
            "security": [{"bearer": []}],
            "paths": {
                "/calls/{id}": {
                    "parameters": [
                        {"name": "id", "in": "path", "schema": {"type": "string"}},
                        {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                    ],
                    "get": {
                        "operationId": "getCall",
                        "summary": "Get a call",
                        "tags": ["calls"],
                        "parameters": [
                            {"name": "verbose", "in": "query", "required": true, "schema": {"type": "integer"}},
                            {"name": "X-Sig", "in": "header", "required": true, "schema": {"type": "string"},
                             "x-vici-on-invalid": {"status": 403, "error": "invalid_signature"},
                             "example": "abc", "examples": {"other": {"value": "def"}}},
                        ],
                        "responses": {
                            "200": {"description": "ok",
                                    "headers": {"X-Rate": {"required": true, "schema": {"type": "integer"}}},
                                    "content": {"application/json": {"schema": {"type": "object"},
                                        "example": {"a": 1}, "examples": {"named": {"value": {"b": 2}}}}}},
                            "default": {"description": "error"}
                        }
                    },
                    "delete": {"operationId": "deleteCall", "security": [], "responses": {"204": {"description": "gone"}}},
                    "patch": {"operationId": "patchCall", "security": [{}, {"bearer": []}],
                              "requestBody": {"required": true, "content": {"application/json": {}}},
                              "responses": {}},
                    "trace": {"operationId": "ignored"},
                }
            },
            "webhooks": {
                "call.completed": {"post": {
                    "parameters": [{"name": "X-Signature", "in": "header", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"200": {"description": "ack"}}
                }}
            }
        })
    }

    #[test]
    fn reads_operations_with_merged_parameters() {
        let ops = operations(&doc()).unwrap();
        let ids: Vec<&str> = ops.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["getCall", "patchCall", "deleteCall"]);
        let get = &ops[0];
        assert_eq!(get.method, Method::Get);
        assert_eq!(get.path, "/calls/{id}");
        assert_eq!(get.summary.as_deref(), Some("Get a call"));
        assert_eq!(get.tags, ["calls"]);
        let names: Vec<(&str, ParamIn)> = get
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location))
            .collect();
        assert_eq!(
            names,
            [
                ("id", ParamIn::Path),
                ("verbose", ParamIn::Query),
                ("X-Sig", ParamIn::Header)
            ]
        );
        // The operation-level `verbose` replaced the path-level one in place.
        assert!(get.parameters[1].required);
        assert_eq!(get.parameters[1].schema, json!({"type": "integer"}));
        assert!(get.parameters[0].required, "path parameters are required");
        assert_eq!(get.parameters[1].style, "form");
        assert!(get.parameters[1].explode);
        assert_eq!(get.parameters[2].style, "simple");
        assert!(!get.parameters[2].explode);
    }

    #[test]
    fn reads_vendor_rejection_and_examples() {
        let ops = operations(&doc()).unwrap();
        let sig = &ops[0].parameters[2];
        assert_eq!(
            sig.on_invalid,
            Some(Rejection {
                status: 403,
                error: "invalid_signature".into()
            })
        );
        assert_eq!(sig.example, Some(json!("abc")));
        assert_eq!(sig.examples, vec![("other".to_owned(), json!("def"))]);
        let values: Vec<&Value> = sig.example_values().collect();
        assert_eq!(values, [&json!("abc"), &json!("def")]);
        let media = &ops[0].responses[0].content[0];
        assert_eq!(
            media.examples,
            vec![
                ("named".to_owned(), json!({"b": 2})),
                ("example".to_owned(), json!({"a": 1}))
            ]
        );
    }

    #[test]
    fn reads_responses_and_headers() {
        let ops = operations(&doc()).unwrap();
        let ok = &ops[0].responses[0];
        assert_eq!(ok.status, "200");
        assert_eq!(ok.description, "ok");
        assert_eq!(ok.headers[0].name, "X-Rate");
        assert!(ok.headers[0].required);
        assert!(ok.headers[0].validator.is_valid(&json!(3)));
        assert_eq!(ops[0].responses[1].status, "default");
        assert!(ops[0].responses[1].content.is_empty());
    }

    #[test]
    fn security_decides_requires_auth() {
        let ops = operations(&doc()).unwrap();
        assert!(ops[0].requires_auth, "inherits top-level security");
        assert!(
            !ops[1].requires_auth,
            "an empty alternative allows anonymous"
        );
        assert!(!ops[2].requires_auth, "security: [] opts out");
        let mut open = doc();
        open.as_object_mut().unwrap().remove("security");
        assert!(!operations(&open).unwrap()[0].requires_auth);
    }

    #[test]
    fn request_body_defaults() {
        let ops = operations(&doc()).unwrap();
        let body = ops[1].request_body.as_ref().unwrap();
        assert!(body.required);
        assert_eq!(body.content[0].media_type, "application/json");
        assert_eq!(body.content[0].schema, json!(true));
    }

    #[test]
    fn reads_webhooks() {
        let hooks = webhooks(&doc()).unwrap();
        assert_eq!(hooks.len(), 1);
        let hook = &hooks[0];
        assert_eq!(hook.event_type, "call.completed");
        assert_eq!(hook.operation.id, "call.completed");
        assert_eq!(hook.headers[0].name, "X-Signature");
        assert_eq!(hook.payload.media_type, "application/json");
    }

    #[test]
    fn webhook_without_json_payload_is_an_error() {
        let bad = json!({"webhooks": {"x": {"post": {"responses": {}}}}});
        assert_eq!(
            webhooks(&bad).unwrap_err(),
            SpecError::MissingField {
                pointer: "/webhooks/x/post/requestBody/content/application~1json".into()
            }
        );
    }

    #[test]
    fn missing_operation_id_and_bad_fields_name_their_pointer() {
        let bad = json!({"paths": {"/a": {"get": {"responses": {}}}}});
        assert_eq!(
            operations(&bad).unwrap_err(),
            SpecError::MissingField {
                pointer: "/paths/~1a/get/operationId".into()
            }
        );
        let bad = json!({"paths": {"/a": {"get": {"operationId": "a", "parameters": [{"name": "x", "in": "body"}]}}}});
        assert_eq!(
            operations(&bad).unwrap_err(),
            SpecError::InvalidField {
                pointer: "/paths/~1a/get/parameters/0/in".into(),
                expected: "one of path, query, header, cookie".into()
            }
        );
        let bad = json!({"paths": {"/a": {"get": {"operationId": "a", "parameters": [
            {"name": "x", "in": "query", "x-vici-on-invalid": {"status": "403"}}]}}}});
        assert!(matches!(
            operations(&bad).unwrap_err(),
            SpecError::InvalidField { pointer, .. } if pointer == "/paths/~1a/get/parameters/0/x-vici-on-invalid"
        ));
    }

    #[test]
    fn invalid_schema_names_its_location() {
        let bad = json!({"paths": {"/a": {"get": {"operationId": "a", "parameters": [
            {"name": "x", "in": "query", "schema": {"type": 12}}]}}}});
        assert!(matches!(
            operations(&bad).unwrap_err(),
            SpecError::InvalidSchema { pointer, .. } if pointer == "/paths/~1a/get/parameters/0/schema"
        ));
    }

    #[test]
    fn parameter_schema_may_come_from_content() {
        let d = json!({"paths": {"/a": {"get": {"operationId": "a", "parameters": [
            {"name": "filter", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}}]}}}});
        let ops = operations(&d).unwrap();
        assert_eq!(ops[0].parameters[0].schema, json!({"type": "object"}));
    }

    #[test]
    fn base_path_from_servers() {
        let cases = [
            (json!({"servers": [{"url": "/api/v1"}]}), "/api/v1"),
            (
                json!({"servers": [{"url": "https://api.example.com/api/v1/"}]}),
                "/api/v1",
            ),
            (json!({"servers": [{"url": "https://api.example.com"}]}), ""),
            (json!({"servers": [{"url": "/"}]}), ""),
            (json!({}), ""),
            (
                json!({"servers": [{"url": "https://x.test/api/{version}", "variables": {"version": {"default": "v1"}}}]}),
                "/api/v1",
            ),
        ];
        for (d, want) in cases {
            assert_eq!(server_base_path(&d).unwrap(), want, "{d}");
        }
    }
}
