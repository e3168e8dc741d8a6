//! Auth, isolation, rate limiting, routing errors and parameter validation over a real socket.

mod common;

use common::{KEY, KEY_B, Mock, assert_error, send};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_malformed_and_foreign_credentials_are_401_with_a_challenge() {
    let m = Mock::start().await;
    let url = m.url("/calls");
    let cases = [
        None,
        Some("Bearer"),
        Some("Bearer va_short"),
        Some("Bearer sk_0123456789abcdef0123"),
        Some("Basic dXNlcjpwYXNz"),
        Some("Token va_test_0123456789abcdef"),
    ];
    for auth in cases {
        let mut r = m.client.get(&url);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        let res = r.send().await.unwrap();
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer realm=\"viciagent\"",
            "{auth:?}"
        );
        assert!(
            res.headers().contains_key("x-ratelimit-remaining"),
            "{auth:?}"
        );
        let (s, body) = common::status_json(res).await;
        assert_error(s, &body, 401, "unauthorized");
    }
    let (s, _) = send(
        m.client
            .get(&url)
            .header("authorization", format!("bearer {KEY}")),
    )
    .await;
    assert_eq!(s, 200, "the scheme is case-insensitive");
}

#[tokio::test]
async fn strict_policy_accepts_only_listed_keys() {
    let m = Mock::with(|c| {
        c.key_policy = mock_server::config::KeyPolicy::Strict;
        c.api_keys = vec![KEY.to_owned()];
    })
    .await;
    assert_eq!(m.get("/agents").await.0, 200);
    let (s, body) = send(m.req_as(KEY_B, Method::GET, "/agents")).await;
    assert_error(s, &body, 401, "unauthorized");
}

#[tokio::test]
async fn keys_are_isolated() {
    let m = Mock::start().await;
    let (_, a_agents) = m.get("/agents").await;
    let (_, b_agents) = send(m.req_as(KEY_B, Method::GET, "/agents")).await;
    assert_ne!(
        a_agents["data"][0]["id"], b_agents["data"][0]["id"],
        "ids never collide across keys"
    );

    let (_, created) = m.post_json("/agents", json!({ "name": "Only A's" })).await;
    let id = created["id"].as_str().unwrap();
    let (s, body) = send(
        m.req_as(KEY_B, Method::PATCH, &format!("/agents/{id}"))
            .json(&json!({ "name": "x" })),
    )
    .await;
    assert_error(s, &body, 404, "not_found");
    let (s, body) = send(m.req_as(KEY_B, Method::DELETE, &format!("/agents/{id}"))).await;
    assert_error(s, &body, 404, "not_found");
    let (_, b_list) = send(m.req_as(KEY_B, Method::GET, "/agents?limit=100")).await;
    assert!(
        b_list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id)
    );

    let (_, a_calls) = m.get("/calls?limit=1").await;
    let call = a_calls["data"][0]["id"].as_str().unwrap();
    let (s, body) = send(m.req_as(KEY_B, Method::GET, &format!("/calls/{call}"))).await;
    assert_error(s, &body, 404, "not_found");
    let (_, filtered) = send(m.req_as(
        KEY_B,
        Method::GET,
        &format!(
            "/calls?agentId={}",
            a_agents["data"][0]["id"].as_str().unwrap()
        ),
    ))
    .await;
    assert_eq!(filtered["total"], 0, "a foreign id filters to nothing");
}

#[tokio::test]
async fn rate_limit_admits_300_refuses_the_301st_and_frees_one_slot_as_the_oldest_leaves() {
    let m = Mock::start().await;
    // First request at t0, the other 299 ten seconds later.
    let res = m.req(Method::GET, "/agents").send().await.unwrap();
    assert_eq!(res.headers()["x-ratelimit-limit"], "300");
    assert_eq!(res.headers()["x-ratelimit-remaining"], "299");
    assert_eq!(res.headers()["x-ratelimit-reset"], "60");
    m.advance(10.0).await;
    for i in 1..300 {
        let res = m.req(Method::GET, "/agents").send().await.unwrap();
        assert_eq!(res.status(), 200, "request {}", i + 1);
        assert_eq!(
            res.headers()["x-ratelimit-remaining"],
            (299 - i).to_string().as_str()
        );
    }
    let res = m.req(Method::GET, "/agents").send().await.unwrap();
    assert_eq!(res.headers()["retry-after"], "50");
    assert_eq!(res.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(res.headers()["x-ratelimit-reset"], "50");
    let (s, body) = common::status_json(res).await;
    let details = assert_error(s, &body, 429, "rate_limited");
    assert_eq!(details["retryAfterSec"], 50);
    assert_eq!(body["message"], "too many requests — wait 50s");

    // Refused requests do not count; another key is unaffected.
    for _ in 0..20 {
        assert_eq!(m.get("/agents").await.0, 429);
    }
    assert_eq!(send(m.req_as(KEY_B, Method::GET, "/agents")).await.0, 200);

    m.advance(49.9).await;
    assert_eq!(
        m.get("/agents").await.0,
        429,
        "the oldest is still in the window"
    );
    m.advance(0.1).await;
    let res = m.req(Method::GET, "/agents").send().await.unwrap();
    assert_eq!(res.status(), 200, "exactly one slot freed");
    assert_eq!(res.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(m.get("/agents").await.0, 429);
}

#[tokio::test]
async fn concurrent_clients_never_get_more_than_the_limit() {
    let m = Mock::with(|c| c.rate_limit = 50).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let r = m.req(Method::GET, "/agents");
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for _ in 0..20 {
                if r.try_clone().unwrap().send().await.unwrap().status() == 200 {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        admitted += t.await.unwrap();
    }
    assert_eq!(admitted, 50);
}

#[tokio::test]
async fn unknown_routes_and_methods_use_the_error_shape() {
    let m = Mock::start().await;
    for path in [
        "/nope",
        "/calls/",
        "/agents/x/y",
        "/calls/a/b/recording.wav",
    ] {
        let (s, body) = m.get(path).await;
        assert_error(s, &body, 404, "not_found");
    }
    let (s, body) = send(
        m.client
            .get(format!("http://{}/elsewhere", m.server.addr())),
    )
    .await;
    assert_error(s, &body, 404, "not_found");

    let res = m.req(Method::PUT, "/agents").send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET, HEAD, POST");
    let (s, body) = common::status_json(res).await;
    let details = assert_error(s, &body, 405, "method_not_allowed");
    assert_eq!(details["allow"], json!(["GET", "HEAD", "POST"]));

    let (s, body) = m.get("/agents/agt_x").await;
    assert_error(s, &body, 405, "method_not_allowed");
}

#[tokio::test]
async fn bad_parameters_are_400_naming_each_one() {
    let m = Mock::start().await;
    let cases: &[(&str, &str)] = &[
        ("/calls?limit=0", "limit"),
        ("/calls?limit=101", "limit"),
        ("/calls?limit=abc", "limit"),
        ("/calls?limit=", "limit"),
        ("/calls?limit=1.0", "limit"),
        ("/calls?limit=99999999999999999999999", "limit"),
        ("/calls?offset=-1", "offset"),
        ("/calls?limit=5&limit=6", "limit"),
        ("/calls?status=ringing", "status"),
        ("/calls?hasRecording=yes", "hasRecording"),
        ("/calls?dateFrom=yesterday", "dateFrom"),
        ("/calls?hasrecording=true", "hasrecording"),
        ("/phone-numbers/inventory/search", "country"),
        ("/phone-numbers/inventory/search?country=usa", "country"),
        ("/agents?offset=1e3", "offset"),
    ];
    for (path, name) in cases {
        let (s, body) = m.get(path).await;
        let details = assert_error(s, &body, 400, "validation_error");
        let named = details["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == *name && v["in"] == "query");
        assert!(named, "{path}: {details}");
    }
    let (s, body) = m.get("/calls?limit=0&offset=-1&status=x").await;
    let details = assert_error(s, &body, 400, "validation_error");
    assert_eq!(
        details["violations"].as_array().unwrap().len(),
        3,
        "every violation, not just the first"
    );
}

#[tokio::test]
async fn bodies_malformed_wrong_type_and_too_large() {
    let m = Mock::start().await;
    let before = m.export(KEY).await;
    let post = |body: Vec<u8>, ct: Option<&str>| {
        let mut r = m.req(Method::POST, "/agents").body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        send(r)
    };
    let (s, b) = post(b"{\"name\":".to_vec(), Some("application/json")).await;
    assert_error(s, &b, 400, "validation_error");
    let (s, b) = post(vec![b'{', 0xff, b'}'], Some("application/json")).await;
    assert_error(s, &b, 400, "validation_error");
    let (s, b) = post(b"{\"name\":\"x\"}".to_vec(), Some("text/plain")).await;
    assert_error(s, &b, 415, "unsupported_media_type");
    let (s, b) = post(b"{\"name\":\"x\"}".to_vec(), None).await;
    assert_error(s, &b, 415, "unsupported_media_type");
    let (s, b) = post(b"[]".to_vec(), Some("application/json")).await;
    assert_error(s, &b, 422, "validation_error");
    let (s, b) = post(b"{\"name\": 5}".to_vec(), Some("application/json")).await;
    let d = assert_error(s, &b, 422, "validation_error");
    assert_eq!(d["violations"][0]["pointer"], "/name");
    let (s, b) = post(b"{}".to_vec(), Some("application/json")).await;
    assert_error(s, &b, 422, "validation_error");
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(2 << 20));
    let (s, b) = post(big.into_bytes(), Some("application/json")).await;
    let d = assert_error(s, &b, 413, "payload_too_large");
    assert_eq!(d["limitBytes"], 1 << 20);
    let (s, b) = post(
        b"{\"name\":\"ok\"}".to_vec(),
        Some("application/json; charset=utf-8"),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (_, list) = m.get("/agents?limit=100").await;
    assert_eq!(
        list["total"].as_u64().unwrap() as usize,
        before["agents"].as_array().unwrap().len() + 1,
        "only the valid request created something"
    );
}

#[tokio::test]
async fn head_answers_headers_only() {
    let m = Mock::start().await;
    let res = m.req(Method::HEAD, "/agents").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-ratelimit-limit"));
    assert!(res.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn every_response_has_a_request_id_and_cors_works() {
    let m = Mock::start().await;
    let res = m
        .req(Method::GET, "/agents")
        .header("x-request-id", "trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-123");
    let res = m.req(Method::GET, "/nope").send().await.unwrap();
    assert!(
        res.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    let res = m
        .client
        .request(Method::OPTIONS, m.url("/agents"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let res = m
        .req(Method::GET, "/agents")
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-ratelimit-remaining"), "{exposed}");
}
