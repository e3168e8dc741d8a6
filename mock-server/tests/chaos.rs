//! HTTP chaos over real sockets: off by default; forced statuses by header; error rates per
//! operation, seeded; latency; every chaos answer in the documented error shape.

mod common;

use std::time::{Duration, Instant};

use common::{KEY, Mock, assert_error, send};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn chaos_is_off_by_default() {
    let mock = Mock::start().await;
    let (s, v) = send(
        mock.req(Method::GET, "/agents")
            .header("x-mock-status", "503"),
    )
    .await;
    assert_eq!(s, 200, "the header does nothing unless enabled: {v}");
    let (s, doc) = mock.control(Method::GET, "/chaos", None).await;
    assert_eq!(s, 200);
    assert_eq!(
        doc,
        json!({"latency": null, "errorRates": {}, "statusHeader": false,
               "webhooks": {"failFirstAttempts": 0, "duplicateRate": 0.0, "reorderRate": 0.0}})
    );
}

#[tokio::test]
async fn a_header_forces_an_error_status_in_the_documented_shape() {
    let mock = Mock::with(|c| c.chaos_status_header = true).await;
    for (status, code) in [
        (503, "internal_error"),
        (500, "internal_error"),
        (404, "not_found"),
        (409, "conflict"),
        (422, "validation_error"),
        (400, "validation_error"),
    ] {
        let res = mock
            .req(Method::GET, "/agents")
            .header("x-mock-status", status.to_string())
            .send()
            .await
            .unwrap();
        assert!(res.headers().contains_key("x-ratelimit-remaining"));
        let (s, v) = common::status_json(res).await;
        let d = assert_error(s, &v, status, code);
        assert_eq!(d["chaos"], "forcedStatus");
    }
    let res = mock
        .req(Method::GET, "/agents")
        .header("x-mock-status", "429")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["retry-after"], "1");
    let (s, v) = common::status_json(res).await;
    assert_eq!(assert_error(s, &v, 429, "rate_limited")["retryAfterSec"], 1);
    let res = mock
        .req(Method::GET, "/agents")
        .header("x-mock-status", "401")
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    // Prism's way of asking.
    let (s, v) = send(
        mock.req(Method::GET, "/agents")
            .header("prefer", "code=404"),
    )
    .await;
    assert_error(s, &v, 404, "not_found");
    // A status we cannot force is a 400 naming the header.
    let (s, v) = send(
        mock.req(Method::GET, "/agents")
            .header("x-mock-status", "299"),
    )
    .await;
    let d = assert_error(s, &v, 400, "validation_error");
    assert_eq!(d["violations"][0]["name"], "X-Mock-Status");
    // Forced errors still need a key and count against it.
    let (s, v) = send(
        mock.client
            .get(mock.url("/agents"))
            .header("x-mock-status", "503"),
    )
    .await;
    assert_error(s, &v, 401, "unauthorized");
}

#[tokio::test]
async fn error_rates_apply_per_operation_and_are_seeded() {
    let mock = Mock::start().await;
    let (s, v) = mock
        .control(
            Method::PUT,
            "/chaos",
            Some(json!({"errorRates": {"listAgents": 1.0}})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = mock.get("/agents").await;
    let d = assert_error(s, &v, 500, "internal_error");
    assert_eq!(d["chaos"], "errorRate");
    assert_eq!(d["operationId"], "listAgents");
    assert_eq!(
        mock.get("/calls").await.0,
        200,
        "other operations are untouched"
    );

    let run = |seed: u64| async move {
        let mock = Mock::with(|c| {
            c.chaos_error_rates = vec!["0.5".into()];
            c.chaos_seed = Some(seed);
            c.rate_limit = 1000;
        })
        .await;
        let mut v = Vec::new();
        for _ in 0..40 {
            v.push(mock.get("/phone-numbers").await.0);
        }
        v
    };
    let a = run(1).await;
    assert_eq!(a, run(1).await, "the same seed fails the same requests");
    assert_ne!(a, run(2).await);
    let failed = a.iter().filter(|s| **s == 500).count();
    assert!((8..=32).contains(&failed), "{failed} of 40 at rate 0.5");
    assert!(a.iter().all(|s| *s == 200 || *s == 500));
}

#[tokio::test]
async fn latency_delays_answers() {
    let mock = Mock::start().await;
    let (s, v) = mock
        .control(Method::PUT, "/chaos", Some(json!({"latency": "60"})))
        .await;
    assert_eq!((s, &v["latency"]), (200, &json!("60")));
    let started = Instant::now();
    assert_eq!(mock.get("/agents").await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(60));
    // The control API is never delayed.
    let (s, _) = mock.control(Method::PUT, "/chaos", Some(json!({}))).await;
    assert_eq!(s, 200);
    let (_, doc) = mock.control(Method::GET, "/chaos", None).await;
    assert_eq!(doc["latency"], json!(null));
}

#[tokio::test]
async fn bad_chaos_settings_are_refused() {
    for (field, apply) in [
        (
            "latency",
            Box::new(|c: &mut mock_server::Config| c.chaos_latency = Some("soon".into()))
                as Box<dyn Fn(&mut mock_server::Config)>,
        ),
        (
            "error-rate",
            Box::new(|c: &mut mock_server::Config| c.chaos_error_rates = vec!["getCall=x".into()]),
        ),
        (
            "error-rate",
            Box::new(|c: &mut mock_server::Config| c.chaos_error_rates = vec!["nope=0.1".into()]),
        ),
        (
            "webhook",
            Box::new(|c: &mut mock_server::Config| c.chaos_webhook_duplicate_rate = 3.0),
        ),
    ] {
        let mut config = mock_server::Config::for_tests();
        apply(&mut config);
        let err = mock_server::Server::start(config)
            .await
            .err()
            .expect("refused");
        assert!(
            err.to_string().contains(&format!("--chaos-{field}")),
            "{err}"
        );
    }
    let mock = Mock::start().await;
    let (s, v) = mock
        .control(Method::PUT, "/chaos", Some(json!({"errorRates": {"*": 2}})))
        .await;
    let d = assert_error(s, &v, 422, "validation_error");
    assert_eq!(d["violations"][0]["pointer"], "/errorRates/*");
    let _ = KEY;
}
