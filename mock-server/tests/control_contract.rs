//! The control API's description (`spec/control-openapi.json`) against the mock: every example
//! in it matches its schema, every documented route exists on a running mock and allows exactly
//! its documented methods (the mock routes `/_mock` from this document, `control/dispatch.rs`).

mod common;

use std::collections::BTreeSet;

use common::receiver::Receiver;
use common::{KEY, Mock, assert_error};
use reqwest::Method;
use serde_json::{Value, json};
use spec::{Contract, Validator};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The dummy id sent for `{id}`: no campaign, endpoint or delivery has it.
const DUMMY_ID: &str = "nosuch0000000";

fn text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/control-openapi.json");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The document loaded by the spec crate: parsed, 3.1, every `$ref` inlined, every schema
/// compiled.
fn contract() -> Contract {
    let c = Contract::from_json(&text()).unwrap_or_else(|e| panic!("control-openapi.json: {e}"));
    assert!(c.unresolved_refs().is_empty(), "{:?}", c.unresolved_refs());
    c
}

/// Every documented (path, method), methods upper-case.
fn documented(c: &Contract) -> BTreeSet<(String, String)> {
    c.resolved()["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (path.clone(), m.to_uppercase()))
        })
        .collect()
}

fn compile(schema: &Value, at: &str) -> Validator {
    Validator::compile(schema).unwrap_or_else(|e| panic!("{at}: the schema does not compile: {e}"))
}

/// Checks every example of one media type object against its schema; returns how many.
fn check_media_examples(media: &Value, at: &str, problems: &mut Vec<String>) -> usize {
    let Some(schema) = media.get("schema") else {
        problems.push(format!("{at}: no schema"));
        return 0;
    };
    let validator = compile(schema, at);
    let mut n = 0;
    if let Some(example) = media.get("example") {
        n += 1;
        for v in validator.violations(example) {
            problems.push(format!("{at} example: {v}"));
        }
    }
    for (name, ex) in media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        n += 1;
        let Some(value) = ex.get("value") else {
            problems.push(format!("{at} examples/{name}: no value"));
            continue;
        };
        for v in validator.violations(value) {
            problems.push(format!("{at} examples/{name}: {v}"));
        }
    }
    if n == 0 {
        problems.push(format!("{at}: no example"));
    }
    n
}

/// Checks a parameter's `example` against its schema; returns 1 if it has one.
fn check_parameter_example(p: &Value, at: &str, problems: &mut Vec<String>) -> usize {
    let (Some(schema), Some(example)) = (p.get("schema"), p.get("example")) else {
        return 0;
    };
    let at = format!("{at} parameter {}", p["name"]);
    for v in compile(schema, &at).violations(example) {
        problems.push(format!("{at} example: {v}"));
    }
    1
}

#[test]
fn every_example_matches_its_schema() {
    let c = contract();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, item) in c.resolved()["paths"].as_object().expect("paths") {
        for p in item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            checked += check_parameter_example(p, path, &mut problems);
        }
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("{} {path}", method.to_uppercase());
            for p in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                checked += check_parameter_example(p, &at, &mut problems);
            }
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                for (media_type, media) in content {
                    let at = format!("{at} request {media_type}");
                    checked += check_media_examples(media, &at, &mut problems);
                }
            }
            for (status, response) in op["responses"].as_object().expect("responses") {
                for (media_type, media) in response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let at = format!("{at} {status} {media_type}");
                    checked += check_media_examples(media, &at, &mut problems);
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked > 100, "only {checked} examples checked");
}

/// The check above is not vacuous: the resolved schemas refuse what they should.
#[test]
fn the_schemas_refuse_what_the_mock_refuses() {
    let c = contract();
    let schema = |name: &str| compile(c.schema(name).expect(name), name);
    let error = schema("Error");
    assert!(error.is_valid(&json!({"error": "not_found", "message": "no", "details": {}})));
    assert!(
        !error.is_valid(&json!({"error": "validation_error", "message": "bad", "details": {}})),
        "a validation_error lists its violations"
    );
    let call = schema("CallRequest");
    assert!(call.is_valid(&json!({"key": KEY, "ringSec": 600})));
    assert!(
        !call.is_valid(&json!({"key": KEY, "bogus": 1})),
        "deny_unknown_fields"
    );
    assert!(!call.is_valid(&json!({"key": KEY, "ringSec": 601})));
    assert!(
        !call.is_valid(&json!({"direction": "inbound"})),
        "key is required"
    );
    let chaos = schema("ChaosUpdate");
    assert!(chaos.is_valid(&json!({})));
    assert!(!chaos.is_valid(&json!({"webhooks": {"bogus": 1}})));
    assert!(!chaos.is_valid(&json!({"latency": 5})));
    let delivery = schema("Delivery");
    let mut example = c.resolved()["paths"]["/webhooks/deliveries/{id}"]["get"]["responses"]["200"]
        ["content"]["application/json"]["examples"]["delivered"]["value"]
        .clone();
    assert!(delivery.is_valid(&example));
    example["id"] = json!("not-a-uuid");
    assert!(!delivery.is_valid(&example), "formats are asserted");
}

/// Substitutes `id` for `{id}`.
fn concrete(template: &str, id: &str) -> String {
    template.replace("{id}", id)
}

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).expect("a method")
}

/// Whether an answer is the mock's "no such route" (not a handler's `not_found`).
fn is_no_route(status: u16, body: &Value) -> bool {
    status == 404
        && body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("no route for"))
}

#[tokio::test]
async fn every_documented_route_exists_on_the_mock() {
    let c = contract();
    let mock = Mock::start().await;
    assert_eq!(c.server_base_path(), "/_mock");
    assert!(mock.server.control_url().ends_with(c.server_base_path()));

    // The unknown-id probe distinguishes "no route" from a handler's 404.
    let (s, v) = mock.control(Method::GET, "/no-such-route", None).await;
    assert!(is_no_route(s, &v), "{s} {v}");

    for (path, m) in documented(&c) {
        let url = concrete(&path, DUMMY_ID);
        // `{}` bodies: refused by every route that needs more, and harmless where accepted
        // (`/reset` resets, `PUT /chaos` turns chaos off).
        let body = matches!(m.as_str(), "POST" | "PUT" | "PATCH").then(|| json!({}));
        let (s, v) = mock.control(method(&m), &url, body).await;
        assert_ne!(s, 405, "{m} {url}: {v}");
        assert!(!is_no_route(s, &v), "{m} {url}: no route: {v}");
        if s == 404 {
            assert_error(s, &v, 404, "not_found");
            assert!(
                v["message"].as_str().unwrap_or("").contains(DUMMY_ID),
                "{m} {url}: a 404 about something else: {v}"
            );
        }
        assert!(s < 500, "{m} {url}: {s} {v}");
        let op = &c.resolved()["paths"][path.as_str()][m.to_lowercase()];
        assert!(
            op["responses"].get(s.to_string()).is_some(),
            "{m} {url} answered {s}, which the document does not list: {v}"
        );
    }
}

/// The id routes answer with real ids too, each with a status the document lists.
#[tokio::test]
async fn id_routes_answer_documented_statuses_with_real_ids() {
    let c = contract();
    let rx = Receiver::start().await;
    let cli_url = rx.url.clone();
    let mock = Mock::with(|cfg| cfg.webhooks = vec![cli_url]).await;
    let documented_status = |path: &str, m: &str, status: u16| {
        let op = &c.resolved()["paths"][path][m.to_lowercase()];
        assert!(
            op["responses"].get(status.to_string()).is_some(),
            "{m} {path} answered {status}, which the document does not list"
        );
    };

    let (s, ep) = mock
        .control(
            Method::POST,
            "/webhooks",
            Some(json!({"key": KEY, "url": rx.url})),
        )
        .await;
    documented_status("/webhooks", "POST", s);
    assert_eq!(s, 201, "{ep}");
    let endpoint = ep["id"].as_str().expect("endpoint id").to_owned();

    let (s, ev) = mock
        .control(
            Method::POST,
            "/events",
            Some(json!({"key": KEY, "type": "campaign.started"})),
        )
        .await;
    documented_status("/events", "POST", s);
    assert_eq!(s, 201, "{ev}");
    let delivery = ev["deliveries"][0].as_str().expect("a delivery").to_owned();

    let cases: Vec<(&str, &str, String, Option<Value>, u16)> = vec![
        ("/webhooks/{id}", "GET", endpoint.clone(), None, 200),
        (
            "/webhooks/{id}",
            "PATCH",
            endpoint.clone(),
            Some(json!({"enabled": false})),
            200,
        ),
        (
            "/webhooks/deliveries/{id}",
            "GET",
            delivery.clone(),
            None,
            200,
        ),
        (
            "/webhooks/deliveries/{id}/redeliver",
            "POST",
            delivery.clone(),
            None,
            200,
        ),
        ("/webhooks/{id}", "DELETE", endpoint.clone(), None, 204),
        ("/webhooks/{id}", "DELETE", endpoint, None, 404),
        (
            "/webhooks/{id}",
            "DELETE",
            "whk_cli000001".into(),
            None,
            409,
        ),
        (
            "/campaigns/{id}",
            "GET",
            format!("cmp_{DUMMY_ID}?key={KEY}"),
            None,
            404,
        ),
        (
            "/campaigns/{id}/resume",
            "POST",
            format!("cmp_{DUMMY_ID}"),
            Some(json!({"key": KEY})),
            404,
        ),
    ];
    for (path, m, id, body, want) in cases {
        let url = concrete(path, &id);
        let (s, v) = mock.control(method(m), &url, body).await;
        assert_eq!(s, want, "{m} {url}: {v}");
        documented_status(path, m, s);
    }
}

/// The mock routes `/_mock` from this document (`control/dispatch.rs`), so its 405 answers allow
/// exactly the documented methods of each path (and `HEAD` wherever `GET` is documented).
#[tokio::test]
async fn every_documented_path_allows_exactly_its_documented_methods() {
    let c = contract();
    let mut by_path: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for (path, m) in documented(&c) {
        by_path.entry(path).or_default().insert(m);
    }
    let mock = Mock::start().await;
    let purge = Method::from_bytes(b"PURGE").expect("a method");
    for (path, methods) in &by_path {
        let url = concrete(path, DUMMY_ID);
        let res = mock
            .client
            .request(purge.clone(), format!("{}{url}", mock.server.control_url()))
            .send()
            .await
            .expect("answered");
        let header = res
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (s, v) = common::status_json(res).await;
        let details = assert_error(s, &v, 405, "method_not_allowed");
        let mut want: BTreeSet<String> = methods.clone();
        if want.contains("GET") {
            want.insert("HEAD".to_owned());
        }
        let allowed: BTreeSet<String> = details["allow"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: no details.allow in {v}"))
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        assert_eq!(allowed, want, "{path}");
        let header: BTreeSet<String> = header
            .unwrap_or_else(|| panic!("{path}: no Allow header"))
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect();
        assert_eq!(header, want, "{path}: Allow header");
    }
}

#[tokio::test]
async fn unknown_control_paths_are_404_and_wrong_methods_405_with_allow() {
    let mock = Mock::start().await;
    let base = mock.server.control_url();
    for path in ["/nosuch", "/health/", "/webhooks/a/b", "/clock/advance/now"] {
        let res = mock
            .client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("answered");
        let (s, v) = common::status_json(res).await;
        let details = assert_error(s, &v, 404, "not_found");
        assert_eq!(details["path"], format!("/_mock{path}"), "{v}");
    }
    let res = mock
        .client
        .put(format!("{base}/health"))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET, HEAD")
    );
    let (s, v) = common::status_json(res).await;
    let details = assert_error(s, &v, 405, "method_not_allowed");
    assert_eq!(details["allow"], json!(["GET", "HEAD"]));
    // A literal segment wins over `{id}`: this is the delivery log, not endpoint "deliveries".
    let res = mock
        .client
        .delete(format!("{base}/webhooks/deliveries"))
        .send()
        .await
        .expect("answered");
    let (s, v) = common::status_json(res).await;
    let details = assert_error(s, &v, 405, "method_not_allowed");
    assert_eq!(details["allow"], json!(["GET", "HEAD"]));
}

#[tokio::test]
async fn a_bad_control_body_gets_a_message_naming_the_field() {
    let mock = Mock::start().await;
    let base = mock.server.control_url();
    let res = mock
        .client
        .post(format!("{base}/clock/advance"))
        .json(&json!({ "seconds": -5 }))
        .send()
        .await
        .expect("answered");
    let (s, v) = common::status_json(res).await;
    assert_error(s, &v, 400, "validation_error");
    let message = v["message"].as_str().unwrap_or_default();
    assert!(message.contains("seconds"), "{message}");
}
