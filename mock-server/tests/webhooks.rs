//! Call lifecycles, signed webhook deliveries, retries, the delivery log, endpoints, events and
//! webhook chaos, over real sockets with a receiver in the test. The clock is virtual and
//! frozen: tests advance it, and every control request that moves it answers only after the
//! jobs due by then (transitions and first delivery attempts) have run, so nothing here waits.

mod common;

use common::receiver::{Answer, Received, Receiver};
use common::{KEY, KEY_B, Mock, assert_error};
use hmac::{Hmac, KeyInit, Mac};
use mock_server::config::SignatureScheme;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "whsec_test_secret";

async fn mock_with_receiver() -> (Mock, Receiver) {
    let rx = Receiver::start().await;
    let url = rx.url.clone();
    let mock = Mock::with(|c| {
        c.webhooks = vec![url];
        c.webhook_secret = SECRET.to_owned();
        c.webhook_timeout_ms = 300;
    })
    .await;
    (mock, rx)
}

/// HMAC-SHA256 in hex, computed here, independently of the mock.
fn hmac_hex(secret: &str, msg: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

/// Everything the reference page and D-WEBHOOK-* promise about one delivery.
fn assert_well_formed(r: &Received, secret: &str) {
    assert_eq!(r.header("content-type"), "application/json");
    let event = r.header("x-viciagent-event");
    assert_eq!(event, r.event_type(), "header and payload type agree");
    assert!(
        uuid::Uuid::parse_str(r.delivery()).is_ok(),
        "delivery id {:?}",
        r.delivery()
    );
    let t = r.header("x-viciagent-timestamp");
    assert!(
        !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()),
        "timestamp {t:?}"
    );
    let want = format!("t={t},v1={}", hmac_hex(secret, &r.body));
    assert_eq!(
        r.header("x-viciagent-signature"),
        want,
        "signature of {event}"
    );
    let hook = spec::Contract::v1()
        .webhook(event)
        .expect("a contract event");
    let violations = hook.payload.validator.violations(&r.json);
    assert!(
        violations.is_empty(),
        "{event} payload: {violations:?}\n{}",
        r.json
    );
    for h in &hook.headers {
        let v = r.header(&h.name.to_ascii_lowercase()).to_owned();
        let ok = h.validator.is_valid(&json!(v));
        assert!(ok, "header {} = {v:?} does not match the contract", h.name);
    }
}

async fn start_call(mock: &Mock, body: Value) -> Value {
    let (s, call) = mock.control(Method::POST, "/calls", Some(body)).await;
    assert_eq!(s, 201, "{call}");
    call
}

async fn deliveries(mock: &Mock, query: &str) -> Vec<Value> {
    let (s, v) = mock
        .control(Method::GET, &format!("/webhooks/deliveries?{query}"), None)
        .await;
    assert_eq!(s, 200, "{v}");
    v["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_completed_call_moves_through_its_states_and_emits_signed_events_in_order() {
    let (mock, rx) = mock_with_receiver().await;
    let call = start_call(
        &mock,
        json!({"key": KEY, "direction": "outbound", "ringSec": 5, "durationSec": 42}),
    )
    .await;
    let id = call["id"].as_str().unwrap().to_owned();
    assert_eq!(call["status"], "queued");
    assert_eq!(
        rx.types(),
        ["call.queued"],
        "queued is delivered before the answer"
    );

    let (_, c) = mock.get(&format!("/calls/{id}")).await;
    assert_eq!(c["status"], "queued");
    assert_eq!(c["transcript"], json!([]));
    assert_eq!(c["recordingUrl"], Value::Null);

    mock.advance(4.0).await;
    assert_eq!(rx.types().len(), 1, "nothing happens before the ring ends");
    mock.advance(1.0).await;
    let (_, c) = mock.get(&format!("/calls/{id}")).await;
    assert_eq!(c["status"], "connected");
    assert_eq!(rx.types(), ["call.queued", "call.connected"]);

    mock.advance(42.0).await;
    let (_, c) = mock.get(&format!("/calls/{id}")).await;
    assert_eq!(c["status"], "completed");
    assert_eq!(c["durationSec"], 42);
    assert!(c["transcript"].as_array().is_some_and(|t| !t.is_empty()));
    let items = c["cost"]["lineItems"].as_array().unwrap();
    let sum: i64 = items
        .iter()
        .map(|i| i["amountCents"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, c["cost"]["totalCents"].as_i64().unwrap());
    assert!(c["recordingUrl"].as_str().is_some());

    let got = rx.received();
    assert_eq!(
        rx.types(),
        ["call.queued", "call.connected", "call.completed"]
    );
    let mut ids = std::collections::HashSet::new();
    for r in &got {
        assert_well_formed(r, SECRET);
        assert_eq!(r.json["data"]["call"]["id"], id.as_str());
        assert!(
            ids.insert(r.delivery().to_owned()),
            "one delivery id per event"
        );
    }
    assert_eq!(got[1].json["data"]["call"]["status"], "connected");
    assert_eq!(got[2].json["data"]["call"]["durationSec"], 42);
    // Event times follow the virtual clock: queued at start, connected 5 s later, completed
    // 42 s after that.
    let t = |r: &Received| r.header("x-viciagent-timestamp").parse::<i64>().unwrap();
    assert_eq!(t(&got[1]) - t(&got[0]), 5);
    assert_eq!(t(&got[2]) - t(&got[1]), 42);
    assert_eq!(got[0].json["createdAt"], c["startedAt"]);
    assert_eq!(got[2].json["createdAt"], c["endedAt"]);
}

#[tokio::test]
async fn one_clock_jump_still_delivers_a_calls_events_in_lifecycle_order() {
    let (mock, rx) = mock_with_receiver().await;
    for _ in 0..3 {
        start_call(&mock, json!({"key": KEY, "durationSec": 10})).await;
    }
    mock.advance(3600.0).await;
    let got = rx.received();
    assert_eq!(got.len(), 9);
    let mut seen: std::collections::HashMap<String, Vec<String>> = Default::default();
    for r in &got {
        let call = r.json["data"]["call"]["id"].as_str().unwrap().to_owned();
        seen.entry(call)
            .or_default()
            .push(r.event_type().to_owned());
    }
    for (call, types) in seen {
        assert_eq!(
            types,
            ["call.queued", "call.connected", "call.completed"],
            "{call}"
        );
    }
}

#[tokio::test]
async fn failed_calls_emit_queued_then_failed_with_the_reason() {
    let (mock, rx) = mock_with_receiver().await;
    let call = start_call(
        &mock,
        json!({"key": KEY, "outcome": "failed", "failureReason": "busy", "ringSec": 3}),
    )
    .await;
    mock.advance(3.0).await;
    let (_, c) = mock
        .get(&format!("/calls/{}", call["id"].as_str().unwrap()))
        .await;
    assert_eq!(c["status"], "failed");
    assert_eq!(c["failureReason"], "busy");
    assert_eq!(c["connectedAt"], Value::Null);
    assert_eq!(c["hasRecording"], false);
    assert_eq!(rx.types(), ["call.queued", "call.failed"]);
    assert_eq!(
        rx.received()[1].json["data"]["call"]["failureReason"],
        "busy"
    );
    for r in rx.received() {
        assert_well_formed(&r, SECRET);
    }
}

#[tokio::test]
async fn an_inbound_call_to_an_unassigned_number_fails_and_a_routed_one_reaches_its_agent() {
    let (mock, rx) = mock_with_receiver().await;
    let (_, numbers) = mock.get("/phone-numbers").await;
    let numbers = numbers["data"].as_array().unwrap().clone();
    let unrouted = numbers.iter().find(|n| n["agentId"].is_null());
    let unrouted = match unrouted {
        Some(n) => n.clone(),
        None => {
            let id = numbers[0]["id"].as_str().unwrap();
            let (s, n) = mock
                .patch_json(&format!("/phone-numbers/{id}"), json!({"agentId": null}))
                .await;
            assert_eq!(s, 200);
            n
        }
    };
    let call = start_call(
        &mock,
        json!({"key": KEY, "direction": "inbound", "phoneNumberId": unrouted["id"], "from": "+14155550199"}),
    )
    .await;
    assert_eq!(call["direction"], "inbound");
    assert_eq!(call["from"], "+14155550199");
    mock.advance(10.0).await;
    let (_, c) = mock
        .get(&format!("/calls/{}", call["id"].as_str().unwrap()))
        .await;
    assert_eq!(c["status"], "failed");
    assert_eq!(c["failureReason"], "unassigned_number");
    assert_eq!(c["agentId"], Value::Null);

    // Route it, and the next inbound call reaches the agent.
    let (_, agents) = mock.get("/agents").await;
    let agent = agents["data"][0]["id"].clone();
    let path = format!("/phone-numbers/{}", unrouted["id"].as_str().unwrap());
    assert_eq!(
        mock.patch_json(&path, json!({"agentId": agent})).await.0,
        200
    );
    let call = start_call(
        &mock,
        json!({"key": KEY, "direction": "inbound", "phoneNumberId": unrouted["id"], "durationSec": 20}),
    )
    .await;
    assert_eq!(call["agentId"], agent);
    mock.advance(30.0).await;
    let (_, c) = mock
        .get(&format!("/calls/{}", call["id"].as_str().unwrap()))
        .await;
    assert_eq!(c["status"], "completed");
    assert_eq!(
        rx.types(),
        [
            "call.queued",
            "call.failed",
            "call.queued",
            "call.connected",
            "call.completed"
        ]
    );
}

#[tokio::test]
async fn bad_call_requests_are_refused_with_the_field_and_change_nothing() {
    let (mock, rx) = mock_with_receiver().await;
    let before = mock.export(KEY).await;
    let cases = [
        (json!({"direction": "outbound"}), "/key"),
        (json!({"key": "nope"}), "/key"),
        (json!({"key": KEY, "direction": "sideways"}), "/direction"),
        (json!({"key": KEY, "durationSec": 0}), "/durationSec"),
        (json!({"key": KEY, "durationSec": 86401}), "/durationSec"),
        (json!({"key": KEY, "ringSec": 601}), "/ringSec"),
        (json!({"key": KEY, "outcome": "maybe"}), "/outcome"),
        (
            json!({"key": KEY, "failureReason": "busy"}),
            "/failureReason",
        ),
        (
            json!({"key": KEY, "outcome": "failed", "failureReason": "bored"}),
            "/failureReason",
        ),
        (
            json!({"key": KEY, "agentId": "agt_nosuchagent0"}),
            "/agentId",
        ),
        (
            json!({"key": KEY, "contactId": "ct_000000000000"}),
            "/contactId",
        ),
        (
            json!({"key": KEY, "phoneNumberId": "pn_zzzzzz000000"}),
            "/phoneNumberId",
        ),
        (
            json!({"key": KEY, "direction": "inbound", "from": "555"}),
            "/from",
        ),
        (
            json!({"key": KEY, "direction": "inbound", "agentId": "agt_x"}),
            "/agentId",
        ),
    ];
    for (body, pointer) in cases {
        let (s, v) = mock
            .control(Method::POST, "/calls", Some(body.clone()))
            .await;
        let d = assert_error(s, &v, 422, "validation_error");
        assert_eq!(d["violations"][0]["pointer"], pointer, "{body}: {v}");
    }
    let (s, v) = mock
        .control_raw(
            Method::POST,
            "/calls",
            Some("application/json"),
            b"{not json".to_vec(),
        )
        .await;
    assert_error(s, &v, 400, "validation_error");
    let (s, v) = mock
        .control(
            Method::POST,
            "/calls",
            Some(json!({"key": KEY, "extra": 1})),
        )
        .await;
    assert_error(s, &v, 400, "validation_error");
    assert_eq!(mock.export(KEY).await, before);
    assert!(rx.received().is_empty());
}

#[tokio::test]
async fn a_receiver_that_fails_gets_every_event_after_retries_under_the_same_delivery_id() {
    let (mock, rx) = mock_with_receiver().await;
    rx.script(&[Answer::Status(500), Answer::Status(503)]);
    start_call(
        &mock,
        json!({"key": KEY, "ringSec": 600, "durationSec": 60}),
    )
    .await;
    let log = deliveries(&mock, &format!("key={KEY}")).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "pending");
    assert_eq!(log[0]["attempts"][0]["responseCode"], 500);

    // The first retry comes 5 s (plus up to 10% jitter) later, the second 5 min after that.
    mock.advance(4.9).await;
    assert_eq!(rx.received().len(), 1, "no retry before the backoff");
    mock.advance(0.6).await;
    assert_eq!(rx.received().len(), 2);
    mock.advance(299.0).await;
    assert_eq!(rx.received().len(), 2, "no retry before the backoff");
    mock.advance(31.0).await;
    let got = rx.received();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|r| r.delivery() == got[0].delivery()),
        "one delivery id"
    );
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "the same payload every time"
    );
    for r in &got {
        assert_well_formed(r, SECRET);
    }
    let ts: Vec<i64> = got
        .iter()
        .map(|r| r.header("x-viciagent-timestamp").parse().unwrap())
        .collect();
    assert!(
        ts[0] < ts[1] && ts[1] < ts[2],
        "each attempt carries its own time: {ts:?}"
    );

    // The log says exactly what the receiver saw.
    let (s, d) = mock
        .control(
            Method::GET,
            &format!("/webhooks/deliveries/{}", got[0].delivery()),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(d["state"], "delivered");
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), got.len());
    for (a, r) in attempts.iter().zip(&got) {
        assert_eq!(a["responseCode"].as_u64().map(|c| c as u16), r.answered);
        assert_eq!(
            a["timestamp"].to_string(),
            r.header("x-viciagent-timestamp")
        );
        assert_eq!(
            a["outcome"],
            if r.answered == Some(200) {
                "delivered"
            } else {
                "failed"
            }
        );
    }
    assert_eq!(d["nextAttemptAt"], Value::Null);
    assert_eq!(d["payload"], got[0].json);
}

#[tokio::test]
async fn nothing_is_dropped_while_the_receiver_is_down() {
    let (mock, rx) = mock_with_receiver().await;
    rx.answer_by_default(503);
    start_call(&mock, json!({"key": KEY, "ringSec": 5, "durationSec": 30})).await;
    mock.advance(40.0).await;
    let down = rx.received();
    assert!(down.iter().all(|r| r.answered == Some(503)));
    let pending = deliveries(&mock, &format!("key={KEY}&state=pending")).await;
    assert_eq!(pending.len(), 3, "three events wait for the receiver");

    rx.answer_by_default(200);
    mock.advance(2.0 * 3600.0).await;
    assert!(
        deliveries(&mock, &format!("key={KEY}&state=pending"))
            .await
            .is_empty()
    );
    let log = deliveries(&mock, &format!("key={KEY}&state=delivered")).await;
    assert_eq!(log.len(), 3);
    let delivered: std::collections::BTreeSet<String> = rx
        .received()
        .iter()
        .filter(|r| r.answered == Some(200))
        .map(|r| r.event_type().to_owned())
        .collect();
    assert_eq!(
        delivered.into_iter().collect::<Vec<_>>(),
        ["call.completed", "call.connected", "call.queued"]
    );
}

#[tokio::test]
async fn a_receiver_that_does_not_answer_is_timed_out_and_retried() {
    let (mock, rx) = mock_with_receiver().await;
    rx.script(&[Answer::Hang]);
    start_call(&mock, json!({"key": KEY, "ringSec": 600})).await;
    let log = deliveries(&mock, &format!("key={KEY}")).await;
    let first = &log[0]["attempts"][0];
    assert_eq!(first["outcome"], "failed");
    assert_eq!(first["responseCode"], Value::Null);
    assert!(
        first["error"]
            .as_str()
            .unwrap()
            .contains("no answer within 300 ms"),
        "{first}"
    );
    mock.advance(6.0).await;
    let log = deliveries(&mock, &format!("key={KEY}")).await;
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(rx.received().len(), 2);
}

#[tokio::test]
async fn deliveries_give_up_after_the_schedule_and_can_be_redelivered_by_hand() {
    let (mock, rx) = mock_with_receiver().await;
    rx.answer_by_default(500);
    start_call(&mock, json!({"key": KEY, "ringSec": 600})).await;
    mock.advance(3.0 * 86_400.0).await;
    let log = deliveries(&mock, &format!("key={KEY}")).await;
    assert_eq!(log.len(), 3, "queued, connected, completed");
    for d in &log {
        assert_eq!(d["state"], "failed", "{d}");
        assert_eq!(d["attempts"].as_array().unwrap().len(), 8);
        assert_eq!(d["nextAttemptAt"], Value::Null);
    }
    assert_eq!(rx.received().len(), 24);

    rx.answer_by_default(200);
    let id = log[2]["id"].as_str().unwrap();
    assert_eq!(log[2]["eventType"], "call.queued");
    let (s, d) = mock
        .control(
            Method::POST,
            &format!("/webhooks/deliveries/{id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["state"], "delivered");
    let last = d["attempts"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["manual"], true);
    assert_eq!(last["responseCode"], 200);
    let got = rx.received();
    assert_eq!(got.len(), 25);
    assert_eq!(got[24].delivery(), id);
    assert_eq!(got[24].event_type(), "call.queued");
    assert_well_formed(&got[24], SECRET);

    // A redelivery of a delivered event sends it again (receivers must deduplicate).
    let (s, _) = mock
        .control(
            Method::POST,
            &format!("/webhooks/deliveries/{id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(rx.received().len(), 26);
    let (s, v) = mock
        .control(
            Method::POST,
            "/webhooks/deliveries/not-a-uuid/redeliver",
            None,
        )
        .await;
    assert_error(s, &v, 404, "not_found");
}

#[tokio::test]
async fn workspace_endpoints_have_filters_secrets_and_can_be_disabled_and_removed() {
    let (mock, cli) = mock_with_receiver().await;
    let own = Receiver::start().await;
    let (s, ep) = mock
        .control(
            Method::POST,
            "/webhooks",
            Some(json!({"key": KEY, "url": own.url, "events": ["call.completed"], "secret": "whsec_own"})),
        )
        .await;
    assert_eq!(s, 201, "{ep}");
    let ep_id = ep["id"].as_str().unwrap().to_owned();
    assert_eq!(ep["events"], json!(["call.completed"]));
    assert_eq!(ep["enabled"], true);

    start_call(&mock, json!({"key": KEY, "durationSec": 5})).await;
    mock.advance(20.0).await;
    assert_eq!(own.types(), ["call.completed"]);
    assert_well_formed(&own.received()[0], "whsec_own");
    assert_eq!(
        cli.types().len(),
        3,
        "the --webhook endpoint takes every event"
    );

    // Another workspace's events do not reach this workspace's endpoint.
    start_call(&mock, json!({"key": KEY_B, "durationSec": 5})).await;
    mock.advance(20.0).await;
    assert_eq!(own.received().len(), 1);
    assert_eq!(cli.types().len(), 6);

    let (s, v) = mock
        .control(
            Method::PATCH,
            &format!("/webhooks/{ep_id}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!((s, &v["enabled"]), (200, &json!(false)));
    start_call(&mock, json!({"key": KEY, "durationSec": 5})).await;
    mock.advance(20.0).await;
    assert_eq!(
        own.received().len(),
        1,
        "a disabled endpoint gets nothing new"
    );

    let (_, list) = mock
        .control(Method::GET, &format!("/webhooks?key={KEY}"), None)
        .await;
    assert_eq!(list["total"], 2, "its own and the command line's: {list}");
    let (_, list_b) = mock
        .control(Method::GET, &format!("/webhooks?key={KEY_B}"), None)
        .await;
    assert_eq!(list_b["total"], 1);

    let cli_id = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == "cli")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = mock
        .control(Method::DELETE, &format!("/webhooks/{cli_id}"), None)
        .await;
    assert_error(s, &v, 409, "conflict");
    let (s, v) = mock
        .control(
            Method::PATCH,
            &format!("/webhooks/{ep_id}"),
            Some(json!({"url": "ftp://x"})),
        )
        .await;
    let d = assert_error(s, &v, 422, "validation_error");
    assert_eq!(d["violations"][0]["pointer"], "/url");
    let (s, _) = mock
        .control(Method::DELETE, &format!("/webhooks/{ep_id}"), None)
        .await;
    assert_eq!(s, 204);
    let (s, v) = mock
        .control(Method::GET, &format!("/webhooks/{ep_id}"), None)
        .await;
    assert_error(s, &v, 404, "not_found");
    let (s, v) = mock
        .control(
            Method::POST,
            "/webhooks",
            Some(json!({"key": KEY, "url": own.url, "events": ["call.started"]})),
        )
        .await;
    assert_error(s, &v, 422, "validation_error");
    let (s, v) = mock.control(Method::PUT, "/webhooks", None).await;
    assert_error(s, &v, 405, "method_not_allowed");
    let (s, v) = mock
        .control(Method::PUT, &format!("/webhooks/{ep_id}"), None)
        .await;
    let d = assert_error(s, &v, 405, "method_not_allowed");
    assert_eq!(d["allow"], json!(["DELETE", "GET", "HEAD", "PATCH"]));
}

#[tokio::test]
async fn the_timestamp_body_scheme_signs_t_dot_body() {
    let rx = Receiver::start().await;
    let url = rx.url.clone();
    let mock = Mock::with(|c| {
        c.webhooks = vec![url];
        c.webhook_secret = SECRET.to_owned();
        c.webhook_signature = SignatureScheme::TimestampBody;
    })
    .await;
    start_call(&mock, json!({"key": KEY})).await;
    let r = &rx.received()[0];
    let t = r.header("x-viciagent-timestamp");
    let mut msg = format!("{t}.").into_bytes();
    msg.extend_from_slice(&r.body);
    assert_eq!(
        r.header("x-viciagent-signature"),
        format!("t={t},v1={}", hmac_hex(SECRET, &msg))
    );
    assert_ne!(hmac_hex(SECRET, &msg), hmac_hex(SECRET, &r.body));
}

/// The bytes a `signedPayload` template of `x-vici-webhook-signature` names for a delivery.
fn signed_payload(template: &str, t: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in template.split("{body}").enumerate() {
        if i > 0 {
            out.extend_from_slice(body);
        }
        out.extend_from_slice(part.replace("{timestamp}", t).as_bytes());
    }
    out
}

/// The `v1=` values of a signature header.
fn v1_values(header: &str) -> Vec<&str> {
    header
        .split(',')
        .filter_map(|p| p.strip_prefix("v1="))
        .collect()
}

/// A receiver that verifies as `x-vici-webhook-signature` says (the page's rule) accepts the
/// mock's default deliveries and rejects the Stripe-style option, which its `alternatives`
/// list as failing a page-following receiver.
#[tokio::test]
async fn the_signature_extension_verifies_the_default_and_rejects_the_stripe_reading() {
    let scheme = &spec::Contract::v1().document()["x-vici-webhook-signature"];
    let page = scheme["signedPayload"].as_str().unwrap();
    let stripe = scheme["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["verdict"] == "fail")
        .and_then(|a| a["signedPayload"].as_str())
        .unwrap();
    let header = scheme["header"].as_str().unwrap().to_ascii_lowercase();
    let ts_header = scheme["timestampHeader"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    for (option, accepted_by_page) in [
        (SignatureScheme::Body, true),
        (SignatureScheme::TimestampBody, false),
    ] {
        let rx = Receiver::start().await;
        let url = rx.url.clone();
        let mock = Mock::with(|c| {
            c.webhooks = vec![url];
            c.webhook_secret = SECRET.to_owned();
            c.webhook_signature = option;
        })
        .await;
        start_call(&mock, json!({"key": KEY})).await;
        let r = &rx.received()[0];
        let t = r.header(&ts_header);
        let sent = v1_values(r.header(&header));
        let matches = |template: &str| {
            let want = hmac_hex(SECRET, &signed_payload(template, t, &r.body));
            sent.contains(&want.as_str())
        };
        assert_eq!(matches(page), accepted_by_page, "{option:?}");
        assert_eq!(matches(stripe), !accepted_by_page, "{option:?}");
    }
}

#[tokio::test]
async fn any_event_can_be_triggered_with_overrides_and_payloads_are_checked() {
    let (mock, rx) = mock_with_receiver().await;
    for hook in spec::Contract::v1().webhooks() {
        let (s, v) = mock
            .control(
                Method::POST,
                "/events",
                Some(json!({"key": KEY, "type": hook.event_type})),
            )
            .await;
        assert_eq!(s, 201, "{}: {v}", hook.event_type);
        assert_eq!(v["event"]["type"], hook.event_type.as_str());
        assert_eq!(v["deliveries"].as_array().unwrap().len(), 1);
    }
    let got = rx.received();
    assert_eq!(got.len(), 6);
    for r in &got {
        assert_well_formed(r, SECRET);
    }
    let (s, v) = mock
        .control(
            Method::POST,
            "/events",
            Some(json!({"key": KEY, "type": "call.completed", "data": {"call": {"durationSec": 999}}})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let call = &rx.received()[6].json["data"]["call"];
    assert_eq!(call["durationSec"], 999);
    assert_eq!(call["status"], "completed");
    assert!(
        call["connectedAt"].is_string() && call["endedAt"].is_string(),
        "{call}"
    );
    // Every triggered call event describes a call in that state.
    for r in &got[..4] {
        let call = &r.json["data"]["call"];
        let status = r.event_type().strip_prefix("call.").unwrap();
        assert_eq!(call["status"], status);
        assert_eq!(
            call["endedAt"].is_null(),
            matches!(status, "queued" | "connected"),
            "{call}"
        );
        assert_eq!(
            call["connectedAt"].is_null(),
            matches!(status, "queued" | "failed"),
            "{call}"
        );
        assert_eq!(
            call["failureReason"].is_null(),
            status != "failed",
            "{call}"
        );
    }

    let (s, v) = mock
        .control(
            Method::POST,
            "/events",
            Some(json!({"key": KEY, "type": "call.completed", "data": {"call": {"status": "bogus"}}})),
        )
        .await;
    let d = assert_error(s, &v, 422, "validation_error");
    assert_eq!(d["violations"][0]["pointer"], "/data");
    let (s, v) = mock
        .control(
            Method::POST,
            "/events",
            Some(json!({"key": KEY, "type": "call.completed", "validate": false, "data": {"call": {"status": "bogus"}}})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = mock
        .control(
            Method::POST,
            "/events",
            Some(json!({"key": KEY, "type": "call.started"})),
        )
        .await;
    assert_error(s, &v, 422, "validation_error");
}

#[tokio::test]
async fn webhook_chaos_fails_first_attempts_duplicates_and_reorders() {
    let (mock, rx) = mock_with_receiver().await;
    let (s, v) = mock
        .control(
            Method::PUT,
            "/chaos",
            Some(json!({"webhooks": {"failFirstAttempts": 1}})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    start_call(&mock, json!({"key": KEY, "ringSec": 600})).await;
    assert!(rx.received().is_empty(), "the first attempt is not sent");
    let log = deliveries(&mock, &format!("key={KEY}")).await;
    assert_eq!(log[0]["attempts"][0]["chaos"], "failed_first_attempt");
    mock.advance(6.0).await;
    assert_eq!(rx.types(), ["call.queued"], "the retry is");

    rx.clear();
    mock.control(
        Method::PUT,
        "/chaos",
        Some(json!({"webhooks": {"duplicateRate": 1.0}})),
    )
    .await;
    mock.control(
        Method::POST,
        "/events",
        Some(json!({"key": KEY, "type": "campaign.started"})),
    )
    .await;
    let got = rx.received();
    assert_eq!(got.len(), 2, "sent twice");
    assert_eq!(got[0].delivery(), got[1].delivery());

    rx.clear();
    mock.control(
        Method::PUT,
        "/chaos",
        Some(json!({"webhooks": {"reorderRate": 1.0}})),
    )
    .await;
    start_call(&mock, json!({"key": KEY, "ringSec": 1, "durationSec": 1})).await;
    assert!(rx.received().is_empty(), "queued is held back");
    // Connected overtakes it and releases it; completed is then held until its hold ends.
    mock.advance(1.0).await;
    assert_eq!(rx.types(), ["call.connected", "call.queued"]);
    mock.advance(61.0).await;
    assert_eq!(
        rx.types(),
        ["call.connected", "call.queued", "call.completed"]
    );
    mock.control(Method::PUT, "/chaos", Some(json!({}))).await;

    for bad in [
        json!({"webhooks": {"duplicateRate": 2}}),
        json!({"webhooks": {"failFirstAttempts": 8}}),
        json!({"latency": "fast"}),
        json!({"errorRates": {"nope": 0.5}}),
        json!({"x": 1}),
    ] {
        let (s, v) = mock.control(Method::PUT, "/chaos", Some(bad.clone())).await;
        assert!(s == 400 || s == 422, "{bad}: {s}");
        assert_eq!(v["error"], "validation_error");
    }
}

#[tokio::test]
async fn reset_forgets_a_workspaces_scheduled_calls_and_endpoints() {
    let (mock, rx) = mock_with_receiver().await;
    let own = Receiver::start().await;
    mock.control(
        Method::POST,
        "/webhooks",
        Some(json!({"key": KEY, "url": own.url})),
    )
    .await;
    start_call(&mock, json!({"key": KEY})).await;
    let (s, _) = mock
        .control(Method::POST, "/reset", Some(json!({"key": KEY})))
        .await;
    assert_eq!(s, 200);
    mock.advance(600.0).await;
    assert_eq!(rx.types(), ["call.queued"], "the reset call never connects");
    assert!(deliveries(&mock, &format!("key={KEY}")).await.is_empty());
    let (_, list) = mock
        .control(Method::GET, &format!("/webhooks?key={KEY}"), None)
        .await;
    assert_eq!(list["total"], 1, "only the command line's endpoint is left");
}

#[tokio::test]
async fn with_a_running_clock_calls_progress_and_deliver_on_their_own() {
    let rx = Receiver::start().await;
    let url = rx.url.clone();
    let mock = Mock::with(|c| {
        c.webhooks = vec![url];
        c.webhook_secret = SECRET.to_owned();
        c.freeze_clock = false;
    })
    .await;
    start_call(&mock, json!({"key": KEY, "ringSec": 0, "durationSec": 1})).await;
    // Nothing advances the clock here: the background driver wakes when each step is due.
    let got = rx.wait_for(3, std::time::Duration::from_secs(20)).await;
    let types: Vec<&str> = got.iter().map(|r| r.event_type()).collect();
    assert_eq!(types, ["call.queued", "call.connected", "call.completed"]);
    for r in &got {
        assert_well_formed(r, SECRET);
    }
}
