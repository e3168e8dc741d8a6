//! Habits users bring from Prism and WireMock: lenient unknown query parameters, a named contract
//! example with `Prefer: example=NAME`, and chaos settings replaced (PUT) or merged (PATCH).

mod common;

use common::Mock;
use mock_server::config::UnknownParams;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn unknown_query_parameters_are_refused_by_default_and_dropped_when_asked() {
    let strict = Mock::start().await;
    let (s, body) = strict.get("/calls?_=1712345678&limit=1").await;
    assert_eq!(s, 400, "{body}");
    assert_eq!(body["details"]["violations"][0]["name"], "_");

    let lenient = Mock::with(|c| c.unknown_params = UnknownParams::Ignore).await;
    let (s, body) = lenient.get("/calls?_=1712345678&limit=1").await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["limit"], 1, "the known parameter still applies");
    // Known parameters are still checked, and still typed.
    let (s, body) = lenient.get("/calls?_=1&limit=abc").await;
    assert_eq!(s, 400, "{body}");
    assert_eq!(body["details"]["violations"][0]["name"], "limit");
    assert_eq!(
        body["details"]["violations"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    // A misspelt filter is dropped too: that is the price of the switch.
    let (s, all) = lenient.get("/calls?hasrecording=true&limit=100").await;
    assert_eq!(s, 200);
    let (_, plain) = lenient.get("/calls?limit=100").await;
    assert_eq!(all["total"], plain["total"]);
}

#[tokio::test]
async fn chaos_put_replaces_and_patch_merges() {
    let m = Mock::start().await;
    let on = json!({
        "latency": "5",
        "errorRates": {"listCalls": 0.5},
        "statusHeader": true,
        "webhooks": {"failFirstAttempts": 1, "duplicateRate": 0.1}
    });
    let (s, doc) = m.control(Method::PUT, "/chaos", Some(on)).await;
    assert_eq!(s, 200, "{doc}");

    // PATCH changes what it names and keeps the rest.
    let (s, doc) = m
        .control(
            Method::PATCH,
            "/chaos",
            Some(json!({"errorRates": {"getCall": 0.2}, "webhooks": {"duplicateRate": 0.3}})),
        )
        .await;
    assert_eq!(s, 200, "{doc}");
    assert_eq!(doc["latency"], "5");
    assert_eq!(doc["statusHeader"], true);
    assert_eq!(doc["errorRates"], json!({"listCalls": 0.5, "getCall": 0.2}));
    assert_eq!(doc["webhooks"]["failFirstAttempts"], 1);
    assert_eq!(doc["webhooks"]["duplicateRate"], 0.3);

    // null turns one setting off; {} changes nothing.
    let (_, doc) = m
        .control(
            Method::PATCH,
            "/chaos",
            Some(json!({"errorRates": {"listCalls": null}, "latency": null})),
        )
        .await;
    assert_eq!(doc["errorRates"], json!({"getCall": 0.2}));
    assert!(doc["latency"].is_null(), "{doc}");
    let (_, same) = m.control(Method::PATCH, "/chaos", Some(json!({}))).await;
    assert_eq!(same, doc);

    // A refused patch changes nothing, and says which field.
    let (s, err) = m
        .control(
            Method::PATCH,
            "/chaos",
            Some(json!({"webhooks": {"reorderRate": 7}})),
        )
        .await;
    assert_eq!(s, 422, "{err}");
    assert_eq!(
        err["details"]["violations"][0]["pointer"],
        "/webhooks/reorderRate"
    );
    let (_, after) = m.control(Method::GET, "/chaos", None).await;
    assert_eq!(after, doc);

    // PUT replaces the whole document: what it leaves out is off.
    let (s, doc) = m
        .control(Method::PUT, "/chaos", Some(json!({"statusHeader": true})))
        .await;
    assert_eq!(s, 200);
    assert_eq!(doc["errorRates"], json!({}));
    assert_eq!(doc["webhooks"]["failFirstAttempts"], 0);
    assert_eq!(doc["statusHeader"], true);
}

/// The contract's example `name` of `operation_id`, as the contract holds it.
fn contract_example(operation_id: &str, name: &str) -> serde_json::Value {
    let op = spec::Contract::v1()
        .operation(operation_id)
        .expect("the operation exists");
    op.responses
        .iter()
        .flat_map(|r| r.content.iter())
        .flat_map(|mt| mt.examples.iter())
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .expect("the example exists")
}

#[tokio::test]
async fn prefer_example_answers_the_named_contract_example_in_the_same_pipeline() {
    let m = Mock::start().await;
    let res = m
        .req(Method::GET, "/calls")
        .header("prefer", "example=empty")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    for h in ["x-ratelimit-remaining", "x-request-id"] {
        assert!(res.headers().contains_key(h), "no {h}");
    }
    assert_eq!(res.headers()["x-ratelimit-remaining"], "299");
    let body: serde_json::Value = res.json().await.expect("JSON");
    assert_eq!(body, contract_example("listCalls", "empty"));

    // An error example answers with its status.
    let (s, body) = common::send(
        m.req(Method::PATCH, "/phone-numbers/pn_anything")
            .header("prefer", "example=ConflictUnknownAgent")
            .json(&json!({"agentId": null})),
    )
    .await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(
        body,
        contract_example("updatePhoneNumber", "ConflictUnknownAgent")
    );

    // The pipeline still refuses first: no key, then a bad parameter.
    let res = m
        .client
        .get(m.url("/calls"))
        .header("prefer", "example=empty")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 401);
    let (s, body) = common::send(
        m.req(Method::GET, "/calls?limit=abc")
            .header("prefer", "example=empty"),
    )
    .await;
    assert_eq!(
        (s, body["details"]["violations"][0]["name"].as_str()),
        (400, Some("limit"))
    );

    // A name the operation does not have says which it has.
    let (s, body) = common::send(
        m.req(Method::GET, "/calls")
            .header("prefer", "example=nope"),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    let reason = body["details"]["violations"][0]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.contains("listCalls has no example named 'nope'"),
        "{reason}"
    );
    assert!(
        reason.contains("completedCall") && reason.contains("empty"),
        "{reason}"
    );
    assert_eq!(body["details"]["violations"][0]["name"], "Prefer");
}
