//! Tests of the real, embedded contract document (`spec/openapi.json`): that it says everything
//! the reference page says, that it is internally consistent, and that its examples are true.

use std::collections::BTreeSet;

use serde_json::Value;
use spec::{Contract, Method, ParamIn, PathMatch};

fn contract() -> &'static Contract {
    Contract::v1()
}

/// Every endpoint sentence of the reference page, as (method, template).
const PAGE_ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/calls"),
    ("GET", "/calls/{id}"),
    ("GET", "/calls/{id}/recording.wav"),
    ("GET", "/agents"),
    ("POST", "/agents"),
    ("PATCH", "/agents/{id}"),
    ("DELETE", "/agents/{id}"),
    ("GET", "/phone-numbers"),
    ("PATCH", "/phone-numbers/{id}"),
    ("GET", "/phone-numbers/inventory/search"),
    ("POST", "/phone-numbers"),
    ("GET", "/contacts"),
    ("POST", "/contact-lists"),
    ("GET", "/openapi.json"),
];

const PAGE_EVENTS: &[&str] = &[
    "call.queued",
    "call.connected",
    "call.completed",
    "call.failed",
    "campaign.started",
    "campaign.compliance_paused",
];

#[test]
fn embedded_document_loads() {
    assert!(!contract().operations().is_empty());
    assert_eq!(contract().document()["openapi"], "3.1.0");
    assert_eq!(contract().server_base_path(), "/api/v1");
    assert_eq!(
        contract().document()["servers"][0]["url"],
        "https://app.viciagent.com/api/v1"
    );
}

#[test]
fn every_endpoint_on_the_page_is_an_operation() {
    for (method, path) in PAGE_ENDPOINTS {
        let found = contract()
            .operations()
            .iter()
            .any(|op| op.method.as_str() == *method && op.path == *path);
        assert!(found, "{method} {path} from the reference page is missing");
    }
    // And nothing beyond the page, except HEAD for the recording (players probe its length).
    let extra: Vec<String> = contract()
        .operations()
        .iter()
        .filter(|op| !PAGE_ENDPOINTS.contains(&(op.method.as_str(), op.path.as_str())))
        .map(|op| format!("{} {}", op.method.as_str(), op.path))
        .collect();
    assert_eq!(extra, vec!["HEAD /calls/{id}/recording.wav"]);
}

#[test]
fn every_event_type_on_the_page_is_a_webhook_with_the_four_headers() {
    let names: BTreeSet<&str> = contract()
        .webhooks()
        .iter()
        .map(|w| w.event_type.as_str())
        .collect();
    assert_eq!(names, PAGE_EVENTS.iter().copied().collect());
    for w in contract().webhooks() {
        for h in [
            "X-VICIagent-Event",
            "X-VICIagent-Delivery",
            "X-VICIagent-Timestamp",
            "X-VICIagent-Signature",
        ] {
            let p = w.headers.iter().find(|p| p.name == h);
            assert!(
                p.is_some_and(|p| p.required),
                "{}: header {h} missing or optional",
                w.event_type
            );
        }
        assert_eq!(
            w.payload.schema["properties"]["type"]["const"], w.event_type,
            "{}: payload type is pinned to the event",
            w.event_type
        );
        let event = w.headers.iter().find(|p| p.name == "X-VICIagent-Event");
        let event = event.expect("checked above");
        assert_eq!(
            event.schema["const"], w.event_type,
            "{}: the event header is pinned to the event",
            w.event_type
        );
        assert!(
            event
                .validator
                .is_valid(&Value::from(w.event_type.as_str()))
        );
        for other in PAGE_EVENTS.iter().filter(|e| **e != w.event_type) {
            assert!(
                !event.validator.is_valid(&Value::from(*other)),
                "{}: the event header accepts {other}",
                w.event_type
            );
        }
    }
}

#[test]
fn the_page_sentence_parameters_and_fields_are_all_there() {
    let list_calls = contract().operation("listCalls").unwrap();
    for q in [
        "agentId",
        "contactId",
        "status",
        "hasRecording",
        "dateFrom",
        "dateTo",
        "limit",
        "offset",
    ] {
        assert!(
            list_calls.parameter(q, ParamIn::Query).is_some(),
            "listCalls lacks {q}"
        );
    }
    let search = contract().operation("searchPhoneNumberInventory").unwrap();
    for q in ["country", "areaCode"] {
        assert!(
            search.parameter(q, ParamIn::Query).is_some(),
            "inventory search lacks {q}"
        );
    }
    let patch = contract().operation("updateAgent").unwrap();
    let schema = &patch.request_body.as_ref().unwrap().content[0].schema;
    for f in [
        "name",
        "soul",
        "mission",
        "playbook",
        "knowledgeBase",
        "firstMessage",
        "voice",
        "transfer",
    ] {
        assert!(
            schema["properties"].get(f).is_some(),
            "agent PATCH lacks {f}"
        );
    }
    let route = contract().operation("updatePhoneNumber").unwrap();
    assert_eq!(
        route.request_body.as_ref().unwrap().content[0].schema["required"],
        serde_json::json!(["agentId"])
    );
    let import = contract().operation("importContactList").unwrap();
    assert_eq!(
        import.request_body.as_ref().unwrap().content[0].media_type,
        "text/csv"
    );
    let call = contract().schema("Call").unwrap();
    for f in ["transcript", "cost", "recordingUrl"] {
        assert!(call["properties"].get(f).is_some(), "call detail lacks {f}");
    }
    let rec = contract().operation("getCallRecording").unwrap();
    assert!(
        rec.responses
            .iter()
            .any(|r| r.content.iter().any(|m| m.media_type == "audio/wav"))
    );
    for p in ["expires", "signature"] {
        let param = rec.parameter(p, ParamIn::Query).unwrap();
        let rejection = param
            .on_invalid
            .as_ref()
            .expect("signed-URL parameters say how they are rejected");
        assert_eq!(
            (rejection.status, rejection.error.as_str()),
            (403, "invalid_signature")
        );
    }
    assert!(rec.parameter("Range", ParamIn::Header).is_some());
}

/// Collects every `$ref` string in a document.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_ref_resolves() {
    let mut all = Vec::new();
    refs(contract().document(), &mut all);
    assert!(all.len() > 100, "the document uses shared components");
    for r in &all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(
            contract().document().pointer(pointer).is_some(),
            "{r} does not resolve"
        );
    }
    assert!(contract().unresolved_refs().is_empty());
    let mut left = Vec::new();
    refs(contract().resolved(), &mut left);
    assert!(
        left.is_empty(),
        "resolution leaves no $ref behind: {left:?}"
    );
}

fn error_schema() -> &'static Value {
    contract().schema("Error").unwrap()
}

#[test]
fn every_operation_documents_success_and_every_applicable_error_with_the_error_schema() {
    for op in contract().operations() {
        let statuses: BTreeSet<String> = op.documented_statuses().into_iter().collect();
        let has = |s: &str| statuses.contains(s);
        assert!(
            statuses.iter().any(|s| s.starts_with('2')),
            "{}: no 2xx",
            op.id
        );
        assert!(has("429"), "{}: no 429", op.id);
        // Any other error a real implementation sends (403 `forbidden`, a 503) is documented
        // too, with the Error shape; explicit statuses stay as they are.
        assert!(has("default"), "{}: no default response", op.id);
        assert_eq!(
            op.response(418).map(|r| r.status.as_str()),
            Some("default"),
            "{}: an unlisted status falls back to default",
            op.id
        );
        if op.requires_auth {
            assert!(has("401"), "{}: authenticated but no 401", op.id);
        }
        // Every operation can get an unknown query parameter, which is a 400 (D-PARAMS).
        assert!(has("400"), "{}: no 400", op.id);
        if op.path.contains("{id}") {
            assert!(has("404"), "{}: an id in the path but no 404", op.id);
        }
        if let Some(body) = &op.request_body {
            for s in ["400", "413", "415", "422"] {
                assert!(has(s), "{}: a request body but no {s}", op.id);
            }
            assert!(body.required);
        }
        for r in &op.responses {
            let code: u16 = r.status.parse().unwrap_or(0);
            for h in [
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ] {
                assert!(
                    r.headers.iter().any(|x| x.name == h && x.required),
                    "{} {}: rate-limit header {h} missing",
                    op.id,
                    r.status
                );
            }
            if code >= 400 || r.status == "default" {
                let json = r
                    .content
                    .iter()
                    .find(|m| m.media_type == "application/json");
                let json =
                    json.unwrap_or_else(|| panic!("{} {}: no JSON error body", op.id, r.status));
                assert_eq!(
                    &json.schema,
                    error_schema(),
                    "{} {}: not the shared Error schema",
                    op.id,
                    r.status
                );
            }
            if code == 401 {
                assert!(
                    r.headers
                        .iter()
                        .any(|h| h.name == "WWW-Authenticate" && h.required)
                );
            }
            if code == 429 {
                assert!(
                    r.headers
                        .iter()
                        .any(|h| h.name == "Retry-After" && h.required)
                );
            }
        }
    }
    assert!(
        contract()
            .operation("buyPhoneNumber")
            .unwrap()
            .response(409)
            .is_some()
    );
}

#[test]
fn security_is_bearer_everywhere_but_the_signed_recording_and_the_document_itself() {
    let scheme = &contract().document()["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    let public: BTreeSet<&str> = contract()
        .operations()
        .iter()
        .filter(|op| !op.requires_auth)
        .map(|op| op.id.as_str())
        .collect();
    assert_eq!(
        public,
        [
            "getCallRecording",
            "headCallRecording",
            "getOpenApiDocument"
        ]
        .into_iter()
        .collect()
    );
}

#[test]
fn the_error_schema_lists_the_decided_codes_and_requires_details() {
    let codes: BTreeSet<&str> = error_schema()["properties"]["error"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for c in [
        "unauthorized",
        "forbidden",
        "invalid_signature",
        "url_expired",
        "not_found",
        "method_not_allowed",
        "conflict",
        "payload_too_large",
        "unsupported_media_type",
        "validation_error",
        "rate_limited",
        "internal_error",
    ] {
        assert!(codes.contains(c), "error code {c} missing");
    }
    let v = contract().validator(error_schema()).unwrap();
    let page_example = serde_json::json!({
        "error": "rate_limited",
        "message": "too many requests — wait 12s",
        "details": { "retryAfterSec": 12 }
    });
    assert!(v.is_valid(&page_example), "the page's own example is valid");
    for bad in [
        serde_json::json!({ "error": "rate_limited", "message": "x", "details": {} }),
        serde_json::json!({ "error": "validation_error", "message": "x", "details": {} }),
        serde_json::json!({ "error": "not_found", "message": "x" }),
        serde_json::json!({ "error": "not_found", "message": "x", "details": [] }),
        serde_json::json!({ "error": "teapot", "message": "x", "details": {} }),
        serde_json::json!({ "error": "not_found", "message": "", "details": {} }),
    ] {
        assert!(!v.is_valid(&bad), "{bad} must be invalid");
    }
}

fn check_examples(
    what: &str,
    validator: &spec::Validator,
    examples: &[(String, Value)],
    count: &mut usize,
) {
    for (name, value) in examples {
        let problems = validator.violations(value);
        assert!(
            problems.is_empty(),
            "{what} example '{name}' is invalid: {problems:?}"
        );
        *count += 1;
    }
}

#[test]
fn every_example_validates_against_its_schema_and_every_operation_has_named_examples() {
    let mut count = 0;
    for op in contract().operations() {
        for p in &op.parameters {
            let ex: Vec<(String, Value)> = p
                .example_values()
                .map(|v| ("example".to_owned(), v.clone()))
                .collect();
            check_examples(
                &format!("{} parameter {}", op.id, p.name),
                &p.validator,
                &ex,
                &mut count,
            );
        }
        if let Some(body) = &op.request_body {
            for m in &body.content {
                assert!(
                    !m.examples.is_empty(),
                    "{}: request body {} has no named example",
                    op.id,
                    m.media_type
                );
                check_examples(
                    &format!("{} request {}", op.id, m.media_type),
                    &m.validator,
                    &m.examples,
                    &mut count,
                );
            }
        }
        let mut success_examples = 0;
        for r in &op.responses {
            for m in &r.content {
                if m.media_type == "audio/wav" {
                    continue;
                }
                assert!(
                    !m.examples.is_empty(),
                    "{} {}: no named example",
                    op.id,
                    r.status
                );
                if r.status.starts_with('2') {
                    success_examples += m.examples.len();
                }
                check_examples(
                    &format!("{} response {}", op.id, r.status),
                    &m.validator,
                    &m.examples,
                    &mut count,
                );
            }
        }
        // A 204 has no body and audio has no JSON example; everything else shows its success.
        let json_success = op
            .responses
            .iter()
            .any(|r| r.status.starts_with('2') && r.content.iter().any(|m| m.is_json()));
        assert!(
            !json_success || success_examples > 0,
            "{}: no success example",
            op.id
        );
    }
    for w in contract().webhooks() {
        assert!(
            !w.payload.examples.is_empty(),
            "{}: no payload example",
            w.event_type
        );
        check_examples(
            &format!("webhook {}", w.event_type),
            &w.payload.validator,
            &w.payload.examples,
            &mut count,
        );
        for h in &w.headers {
            let ex: Vec<(String, Value)> = h
                .example_values()
                .map(|v| ("example".to_owned(), v.clone()))
                .collect();
            check_examples(
                &format!("webhook {} header {}", w.event_type, h.name),
                &h.validator,
                &ex,
                &mut count,
            );
        }
    }
    assert!(count > 80, "only {count} examples checked");
}

/// Fills a template's parameters with a value.
fn instantiate(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str(value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn path_matching_finds_every_template_and_refuses_other_methods() {
    for op in contract().operations() {
        for value in ["call_7Hq2mZ4xKd9vT1", "x", "a%2Fb", "%E2%80%94"] {
            let path = instantiate(&op.path, value);
            match contract().match_path(op.method.as_str(), &path) {
                PathMatch::Found {
                    operation,
                    path_params,
                } => {
                    assert_eq!(operation.id, op.id, "{path}");
                    if op.path.contains('{') {
                        let decoded = percent_encoding::percent_decode_str(value)
                            .decode_utf8()
                            .unwrap()
                            .into_owned();
                        assert_eq!(path_params, vec![("id".to_owned(), decoded)], "{path}");
                    }
                }
                other => panic!("{} {path}: {other:?}", op.method.as_str()),
            }
        }
        let path = instantiate(&op.path, "x");
        match contract().match_path("PUT", &path) {
            PathMatch::MethodNotAllowed { allowed } => {
                assert!(allowed.contains(&op.method.as_str()), "{path}: {allowed:?}");
            }
            other => panic!("PUT {path}: {other:?}"),
        }
    }
    // Literal segments beat parameters, and near-misses are not found.
    assert!(matches!(
        contract().match_path("GET", "/phone-numbers/inventory/search"),
        PathMatch::Found { operation, .. } if operation.id == "searchPhoneNumberInventory"
    ));
    assert!(matches!(
        contract().match_path("PATCH", "/phone-numbers/inventory"),
        PathMatch::Found { operation, .. } if operation.id == "updatePhoneNumber"
    ));
    for missing in [
        "/calls/",
        "/nope",
        "/calls/x/recording.mp3",
        "/calls/x/y",
        "",
        "/agents/x/y",
    ] {
        assert_eq!(
            contract().match_path("GET", missing),
            PathMatch::NotFound,
            "{missing}"
        );
    }
    assert_eq!(Method::parse("PATCH"), Some(Method::Patch));
}

/// Keywords whose value maps names to subschemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];
/// Keywords whose value is one subschema.
const SCHEMA_ONE: &[&str] = &[
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "items",
    "unevaluatedItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
];
/// Keywords whose value is a list of subschemas.
const SCHEMA_LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// Every schema object in `schema` (itself first), each with its JSON pointer below `at`.
fn subschemas<'a>(schema: &'a Value, at: &str, out: &mut Vec<(String, &'a Value)>) {
    let Value::Object(node) = schema else {
        return;
    };
    out.push((at.to_owned(), schema));
    for (key, value) in node {
        let here = format!("{at}/{key}");
        if SCHEMA_MAPS.contains(&key.as_str()) {
            for (name, sub) in value.as_object().into_iter().flatten() {
                subschemas(sub, &format!("{here}/{name}"), out);
            }
        } else if SCHEMA_ONE.contains(&key.as_str()) {
            subschemas(value, &here, out);
        } else if SCHEMA_LIST.contains(&key.as_str()) {
            for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                subschemas(sub, &format!("{here}/{i}"), out);
            }
        }
    }
}

/// Every (where, schema) a server sends: JSON response bodies of every operation, and webhook
/// payloads.
fn server_output_schemas() -> Vec<(String, &'static Value)> {
    let mut out = Vec::new();
    for op in contract().operations() {
        for r in &op.responses {
            for m in r.content.iter().filter(|m| m.is_json()) {
                out.push((
                    format!("{} {} {}", op.id, r.status, m.media_type),
                    &m.schema,
                ));
            }
        }
    }
    for w in contract().webhooks() {
        out.push((format!("webhook {}", w.event_type), &w.payload.schema));
    }
    out
}

#[test]
fn response_schemas_are_open_at_every_depth() {
    // D-OPEN-RESPONSES: adding a response field is a compatible change, so no schema a server
    // fills may close its properties, however deep (a request-only `…Input` schema reused in a
    // response would).
    let mut nodes = 0;
    for (what, schema) in server_output_schemas() {
        let mut all = Vec::new();
        subschemas(schema, "", &mut all);
        for (at, node) in all {
            nodes += 1;
            for kw in ["additionalProperties", "unevaluatedProperties"] {
                assert_ne!(
                    node.get(kw),
                    Some(&Value::Bool(false)),
                    "{what}: {kw}: false at '{at}' closes a response object"
                );
            }
        }
    }
    assert!(nodes > 1000, "only {nodes} response schema nodes walked");
}

fn is_object_schema(node: &Value) -> bool {
    match node.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
        _ => node.get("properties").is_some(),
    }
}

#[test]
fn request_bodies_reject_unknown_fields_at_every_depth() {
    // D-UNKNOWN: every object a client sends is closed, nested ones included.
    let mut objects = 0;
    for op in contract().operations() {
        let Some(body) = &op.request_body else {
            continue;
        };
        for m in body.content.iter().filter(|m| m.is_json()) {
            let mut all = Vec::new();
            subschemas(&m.schema, "", &mut all);
            for (at, node) in all.into_iter().filter(|(_, n)| is_object_schema(n)) {
                objects += 1;
                assert_eq!(
                    node.get("additionalProperties"),
                    Some(&Value::Bool(false)),
                    "{} request {}: the object at '{at}' accepts unknown fields",
                    op.id,
                    m.media_type
                );
            }
        }
    }
    // AgentCreate and AgentUpdate with voice, transfer, playbook step and knowledge entry each,
    // the routing update and the purchase.
    assert_eq!(objects, 12);
}

/// The top-level `x-vici-webhook-signature` extension (D-WEBHOOK-SIGNATURE), typed.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignatureScheme {
    description: String,
    header: String,
    format: String,
    timestamp_header: String,
    algorithm: String,
    key: String,
    signed_payload: String,
    encoding: String,
    timestamp_signed: bool,
    rotation: String,
    verdict: Verdict,
    #[serde(rename = "x-vici-binding")]
    binding: Value,
    replay: Judgement,
    alternatives: Vec<Alternative>,
}

#[derive(Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Pass,
    Note,
    Fail,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Judgement {
    verdict: Verdict,
    binding: String,
    source: String,
    note: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Alternative {
    signed_payload: String,
    verdict: Verdict,
    binding: String,
    source: String,
    reason: String,
    note: String,
}

fn signature_scheme() -> SignatureScheme {
    let raw = contract().document()["x-vici-webhook-signature"].clone();
    serde_json::from_value(raw).expect("x-vici-webhook-signature parses")
}

#[test]
fn the_signature_scheme_is_machine_readable_and_says_what_the_page_says() {
    let s = signature_scheme();
    assert!(s.description.contains("D-WEBHOOK-SIGNATURE"));
    assert_eq!(s.algorithm, "HMAC-SHA256");
    assert_eq!(s.encoding, "hex");
    assert!(!s.key.is_empty() && !s.rotation.is_empty());
    // The page's rule: HMAC-SHA256(secret, body), the v1= value; a sender that follows it passes.
    assert_eq!(s.signed_payload, "{body}");
    assert_eq!(s.verdict, Verdict::Pass);
    assert_eq!(s.binding["binding"], "page");
    assert_eq!(
        s.binding["source"],
        "\"Verify by recomputing HMAC-SHA256(secret, body) and matching the v1= value\""
    );
    // The timestamp is not signed: a contract-level note about replay, not a failure.
    assert!(!s.timestamp_signed);
    assert_eq!(s.replay.verdict, Verdict::Note);
    assert_eq!(
        (s.replay.binding.as_str(), s.replay.source.as_str()),
        ("contract", "D-WEBHOOK-SIGNATURE")
    );
    assert!(!s.replay.note.is_empty());
    // Signing "{t}.{body}" fails a receiver that follows the page: a page-level failure.
    let stripe = s
        .alternatives
        .iter()
        .find(|a| a.signed_payload == "{timestamp}.{body}")
        .expect("the Stripe-style reading is listed");
    assert_eq!(stripe.verdict, Verdict::Fail);
    assert_eq!(stripe.binding, "page");
    assert_eq!(stripe.source, s.binding["source"]);
    assert!(!stripe.reason.is_empty() && !stripe.note.is_empty());
    for a in &s.alternatives {
        assert_ne!(a.signed_payload, s.signed_payload, "an alternative differs");
        assert!(a.signed_payload.contains("{body}"));
    }
    // The headers it names are the webhooks' own, and its format is what their schemas accept.
    let example = s
        .format
        .replace("{timestamp}", "1715616000")
        .replace("{signature}", &"0a".repeat(32));
    for w in contract().webhooks() {
        let header = |name: &str| {
            w.headers
                .iter()
                .find(|p| p.name == name)
                .unwrap_or_else(|| panic!("{}: no header {name}", w.event_type))
        };
        assert!(header(&s.timestamp_header).required);
        let sig = header(&s.header);
        assert!(sig.required);
        assert!(
            sig.validator.is_valid(&Value::from(example.as_str())),
            "{}: {example} does not match the header's schema",
            w.event_type
        );
        let rotated = format!("{example},v1={}", "1b".repeat(32));
        assert!(sig.validator.is_valid(&Value::from(rotated)));
        assert!(
            header(&s.timestamp_header)
                .validator
                .is_valid(&Value::from("1715616000"))
        );
    }
}

/// The public reference page, verbatim (a copy of `shared/seed/viciagent-api-reference.txt`).
const PAGE: &str = include_str!("../reference-page.txt");
/// The decisions.
const DECISIONS: &str = include_str!("../DECISIONS.md");

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The ids of every `### D-…` heading of DECISIONS.md.
fn decision_ids() -> BTreeSet<&'static str> {
    DECISIONS
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .filter_map(|l| l.split(':').next())
        .filter(|id| id.starts_with("D-"))
        .collect()
}

/// The `- Binding:` text of D-entry `id` (up to the next bullet).
fn decision_binding(id: &str) -> String {
    let head = format!("\n### {id}:");
    let start = DECISIONS.find(&head).unwrap_or_else(|| panic!("no {id}")) + head.len();
    let entry = &DECISIONS[start..];
    let entry = &entry[..entry.find("\n#").unwrap_or(entry.len())];
    let at = entry
        .find("\n- Binding: ")
        .unwrap_or_else(|| panic!("{id}: no binding line"));
    let line = &entry[at + "\n- Binding: ".len()..];
    line[..line.find("\n- ").unwrap_or(line.len())].to_owned()
}

/// Every `x-vici-binding` of the document with its pointer.
fn annotations<'a>(v: &'a Value, at: &str, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            if let Some(a) = m.get("x-vici-binding") {
                out.push((at.to_owned(), a));
            }
            for (k, x) in m {
                let seg = k.replace('~', "~0").replace('/', "~1");
                annotations(x, &format!("{at}/{seg}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                annotations(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Checks one `{binding, source}`: a page binding quotes the page verbatim, the others name a
/// D-entry (or, for `mock`, one too).
fn check_rule(at: &str, rule: &Value) {
    let binding = rule["binding"].as_str().unwrap_or_default();
    let source = rule["source"].as_str().unwrap_or_default();
    match binding {
        "page" => {
            let quote = source
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{at}: a page source is a quote in double quotes"));
            assert!(
                !quote.is_empty() && squash(PAGE).contains(&squash(quote)),
                "{at}: {quote:?} is not on the reference page"
            );
        }
        "contract" | "mock" => {
            assert!(
                decision_ids().contains(source),
                "{at}: {source:?} is not a D-entry of DECISIONS.md"
            );
            // The entry's own `- Binding:` line admits this binding.
            let line = decision_binding(source).to_ascii_lowercase();
            assert!(
                line.contains(binding),
                "{at}: {binding} {source}, but {source} says \"Binding: {line}\""
            );
        }
        other => panic!("{at}: binding {other:?}"),
    }
}

#[test]
fn every_binding_annotation_is_well_formed_and_cites_the_page_or_a_decision() {
    let mut all = Vec::new();
    annotations(contract().document(), "", &mut all);
    assert!(all.len() > 150, "only {} annotations", all.len());
    for (at, a) in &all {
        let keys: BTreeSet<&str> = a
            .as_object()
            .unwrap_or_else(|| panic!("{at}: not an object"))
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            keys.is_subset(&["binding", "source", "keywords"].into_iter().collect()),
            "{at}: fields {keys:?}"
        );
        check_rule(at, a);
        for (kw, rule) in a["keywords"].as_object().into_iter().flatten() {
            check_rule(&format!("{at} keyword {kw}"), rule);
        }
    }
    // An annotation beside a `$ref` would not survive inlining onto an annotated target: it
    // belongs on the referenced node.
    fn no_ref_siblings(v: &Value, at: &str) {
        match v {
            Value::Object(m) => {
                assert!(
                    !(m.contains_key("$ref") && m.contains_key("x-vici-binding")),
                    "{at}: x-vici-binding beside $ref"
                );
                for (k, x) in m {
                    if k != "x-vici-binding" {
                        no_ref_siblings(x, &format!("{at}/{k}"));
                    }
                }
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| no_ref_siblings(x, &format!("{at}/{i}"))),
            _ => {}
        }
    }
    no_ref_siblings(contract().document(), "");
    // Every schema component says where it comes from.
    for name in contract().schema_names() {
        assert!(
            contract()
                .schema(name)
                .unwrap()
                .get("x-vici-binding")
                .is_some(),
            "schema {name} is unannotated"
        );
    }
}

/// The `binding` of the resolved parameter object `name` of `op` (operation-level, else
/// path-level); empty when unannotated.
fn param_binding(op: &spec::Operation, name: &str) -> String {
    let path_level = &contract().resolved()["paths"][op.path.as_str()]["parameters"];
    [&op.raw["parameters"], path_level]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .find(|p| p["name"] == name)
        .and_then(|p| p["x-vici-binding"]["binding"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// `(binding, source)` of `keyword` at `pointer` in a resolved schema, by the inheritance rule of
/// DECISIONS.md "Bindings": the node's `keywords[keyword]`, else the node's binding, else the
/// nearest annotated ancestor's, else contract D-MODEL.
fn rule(schema: &Value, pointer: &str, keyword: &str) -> (String, String) {
    let pair = |r: &Value| {
        (
            r["binding"].as_str().unwrap_or_default().to_owned(),
            r["source"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let mut inherited = ("contract".to_owned(), "D-MODEL".to_owned());
    let mut node = schema;
    for seg in pointer.split('/').skip(1) {
        if let Some(a) = node.get("x-vici-binding") {
            inherited = pair(a);
        }
        node = match node {
            Value::Array(a) => &a[seg.parse::<usize>().unwrap()],
            other => &other[seg],
        };
        assert!(!node.is_null(), "{pointer}: no {seg}");
    }
    assert!(
        node.get(keyword).is_some(),
        "{pointer} has no keyword {keyword}"
    );
    match node.get("x-vici-binding") {
        Some(a) => a["keywords"]
            .get(keyword)
            .map(pair)
            .unwrap_or_else(|| pair(a)),
        None => inherited,
    }
}

fn is(binding: &str, source: &str) -> (String, String) {
    (binding.to_owned(), source.to_owned())
}

#[test]
fn bindings_follow_the_table() {
    let schema = |n: &str| contract().schema(n).unwrap();
    let page = |q: &str| is("page", &format!("\"{q}\""));
    // Ids: strings by contract; the prefix is only how our mock mints them.
    let call = schema("Call");
    assert_eq!(
        rule(call, "/properties/id", "type"),
        is("contract", "D-IDS")
    );
    assert_eq!(rule(call, "/properties/id", "pattern"), is("mock", "D-IDS"));
    assert_eq!(
        rule(call, "/properties/agentId/anyOf/0", "pattern"),
        is("mock", "D-IDS")
    );
    // Timestamps: RFC 3339 and the Z-only pattern are both ours.
    for kw in ["format", "pattern"] {
        assert_eq!(
            rule(call, "/properties/startedAt", kw),
            is("contract", "D-TIME")
        );
    }
    assert_eq!(rule(call, "", "required"), is("contract", "D-CALLS"));
    assert_eq!(
        rule(call, "/properties/cost/properties/lineItems", "type"),
        is("contract", "D-MONEY")
    );
    assert_eq!(
        rule(call, "/properties/recordingUrl", "format"),
        is("contract", "D-RECORDING")
    );
    assert_eq!(
        rule(schema("CallList"), "", "required"),
        is("contract", "D-LIST")
    );
    // The error shape: what the page shows is page-bound, the rest is ours.
    let error = schema("Error");
    for kw in ["type", "required"] {
        assert_eq!(rule(error, "", kw), page("JSON error shape"));
    }
    assert_eq!(error["required"], serde_json::json!(["error", "message"]));
    assert_eq!(
        rule(error, "/properties/error", "type"),
        page("error is a stable machine code")
    );
    assert_eq!(
        rule(error, "/properties/error", "enum"),
        is("contract", "D-ERROR")
    );
    assert_eq!(
        rule(error, "/properties/message", "type"),
        page("message is human-readable")
    );
    assert_eq!(
        rule(error, "/properties/message", "minLength"),
        is("contract", "D-ERROR")
    );
    assert_eq!(
        rule(error, "/properties/details", "type"),
        is("contract", "D-ERROR")
    );
    assert_eq!(
        rule(error, "/allOf/0", "required"),
        is("contract", "D-ERROR")
    );
    assert_eq!(
        rule(
            error,
            "/allOf/1/then/properties/details/properties/violations",
            "minItems"
        ),
        is("contract", "D-ERROR")
    );
    let rate = "/allOf/2/then/properties/details/properties/retryAfterSec";
    assert_eq!(
        error["allOf"][2]["if"]["properties"]["error"]["const"],
        "rate_limited"
    );
    assert_eq!(
        rule(error, "/allOf/2/then", "required"),
        page("\"error\": \"rate_limited\"")
    );
    assert_eq!(
        rule(error, "/allOf/2/then/properties/details", "required"),
        page("\"error\": \"rate_limited\"")
    );
    assert_eq!(rule(error, rate, "type"), page("{ \"retryAfterSec\": 12 }"));
    assert_eq!(rule(error, rate, "minimum"), is("contract", "D-RATE"));
    assert_eq!(
        rule(error, "/allOf/3/then/properties/details", "required"),
        is("contract", "D-ERROR")
    );
    // The agent PATCH accepts the page's fields; their shapes and limits are ours.
    let update = &contract()
        .operation("updateAgent")
        .unwrap()
        .request_body
        .as_ref()
        .unwrap()
        .content[0]
        .schema;
    assert_eq!(
        rule(update, "", "type"),
        page(
            "PATCH body accepts name, soul, mission, playbook, knowledgeBase, firstMessage, voice and transfer settings"
        )
    );
    assert_eq!(
        rule(update, "", "minProperties"),
        is("contract", "D-AGENTS")
    );
    assert_eq!(
        rule(update, "/properties/name", "maxLength"),
        is("contract", "D-AGENTS")
    );
    assert_eq!(
        rule(update, "/properties/voice/properties/speed", "maximum"),
        is("contract", "D-AGENTS")
    );
    let routing = &contract()
        .operation("updatePhoneNumber")
        .unwrap()
        .request_body
        .as_ref()
        .unwrap()
        .content[0]
        .schema;
    assert_eq!(
        rule(routing, "", "required"),
        page("PATCH /v1/phone-numbers/:id { agentId } to assign inbound routing")
    );
    // Webhook headers: the page shows all four and their forms; lowercase hex is ours.
    for w in contract().webhooks() {
        for h in &w.headers {
            assert_eq!(
                param_binding(&w.operation, &h.name),
                "page",
                "{} {}",
                w.event_type,
                h.name
            );
        }
        let header = |n: &str| &w.headers.iter().find(|h| h.name == n).unwrap().schema;
        assert_eq!(
            rule(header("X-VICIagent-Event"), "", "const"),
            page("X-VICIagent-Event: call.completed")
        );
        assert_eq!(
            rule(header("X-VICIagent-Delivery"), "", "format"),
            page("X-VICIagent-Delivery: <uuid>")
        );
        let sig = header("X-VICIagent-Signature");
        assert_eq!(
            rule(sig, "", "pattern"),
            page("X-VICIagent-Signature: t=1715616000,v1=<hex_hmac>")
        );
        assert_eq!(
            rule(sig, "/allOf/0", "pattern"),
            is("contract", "D-WEBHOOK-SIGNATURE")
        );
        let payload = &w.payload.schema;
        assert_eq!(
            rule(payload, "", "required"),
            is("contract", "D-WEBHOOK-DELIVERY")
        );
    }
}

#[test]
fn operations_are_bound_to_the_page_line_that_names_them() {
    for op in contract().operations() {
        let a = &op.raw["x-vici-binding"];
        check_rule(&op.id, a);
        let want = if op.id == "headCallRecording" {
            "contract"
        } else {
            "page"
        };
        assert_eq!(a["binding"], want, "{}", op.id);
        for p in &op.parameters {
            assert!(
                !param_binding(op, &p.name).is_empty(),
                "{} parameter {} is unannotated",
                op.id,
                p.name
            );
        }
    }
    let buy = &contract().operation("buyPhoneNumber").unwrap().raw["x-vici-binding"];
    assert_eq!(buy["source"], "\"POST to buy from inventory\"");
    assert_eq!(buy["keywords"]["path"]["source"], "D-NUMBERS");
    let list = contract().operation("listCalls").unwrap();
    for p in &list.parameters {
        assert_eq!(
            param_binding(list, &p.name),
            "page",
            "listCalls parameter {}",
            p.name
        );
    }
    for name in ["limit", "offset"] {
        let agents = contract().operation("listAgents").unwrap();
        assert_eq!(param_binding(agents, name), "contract", "listAgents {name}");
    }
    let rec = contract().operation("getCallRecording").unwrap();
    for name in ["expires", "signature"] {
        assert_eq!(param_binding(rec, name), "page", "{name}");
    }
}

#[test]
fn every_decision_states_its_binding_and_the_alternatives() {
    let ids = decision_ids();
    assert!(ids.len() > 20, "{ids:?}");
    let mut rest = DECISIONS;
    let mut seen = 0;
    while let Some(start) = rest.find("\n### D-") {
        seen += 1;
        let entry = &rest[start + 1..];
        let end = entry[4..]
            .find("\n## ")
            .into_iter()
            .chain(entry[4..].find("\n### "))
            .min()
            .map_or(entry.len(), |e| e + 4);
        let (entry, next) = entry.split_at(end);
        let id = entry[4..].split(':').next().unwrap_or_default();
        let binding = entry
            .lines()
            .find_map(|l| l.strip_prefix("- Binding: "))
            .unwrap_or_else(|| panic!("{id}: no '- Binding:' line"));
        assert!(
            ["page", "contract", "mock"]
                .iter()
                .any(|b| binding.starts_with(b)),
            "{id}: binding {binding:?}"
        );
        assert!(
            entry.contains("\n- Alternatives a real implementation may choose: "),
            "{id}: no alternatives line"
        );
        rest = next;
    }
    assert_eq!(seen, ids.len());
}
