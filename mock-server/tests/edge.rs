//! The edges of the error shape: a request whose target or headers are too large, or that is not
//! HTTP at all, gets the error shape with a request id and CORS, whether the pipeline refuses it
//! (over our limits) or hyper does (over its own, far higher ones).

mod common;

use std::io::{Read, Write};

use common::{KEY, Mock, error_schema_problems};
use serde_json::Value;

/// The status, lower-cased headers and JSON body of the answer to `raw` (a blocking socket: the
/// tests run on a multi-threaded runtime so the mock goes on serving).
fn send_raw(mock: &Mock, raw: &[u8]) -> (u16, Vec<(String, String)>, Value) {
    let mut s = std::net::TcpStream::connect(mock.server.addr()).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    // hyper may stop reading an oversized head and answer at once; a reset while the rest is
    // written is expected.
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole answer");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn get(target: &str, extra: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {KEY}\r\n{extra}Connection: close\r\n\r\n"
    )
    .into_bytes()
}

/// Every answer here is an error in the contract's shape with the code its status allows, an
/// `X-Request-Id` and CORS.
fn assert_shape(status: u16, headers: &[(String, String)], body: &Value, want: (u16, &str)) {
    assert_eq!(
        (status, body["error"].as_str()),
        (want.0, Some(want.1)),
        "{body}"
    );
    assert!(
        error_schema_problems(body).is_empty(),
        "{:?}",
        error_schema_problems(body)
    );
    assert!(spec::rules::codes_for(status).contains(&want.1));
    let id = header(headers, "x-request-id").expect("a request id");
    assert!(id.starts_with("req_"), "{id}");
    let exposed = header(headers, "access-control-expose-headers").unwrap_or_default();
    assert!(exposed.contains("x-request-id"), "{headers:?}");
    assert_eq!(header(headers, "content-type"), Some("application/json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_target_gets_414_in_the_error_shape() {
    let mock = Mock::start().await;
    let long = "a".repeat(100_000);
    // Over hyper's own 64 KiB: rewritten at the connection, for any origin.
    let (status, headers, body) =
        send_raw(&mock, &get(&format!("/api/v1/calls?agentId={long}"), ""));
    assert_shape(status, &headers, &body, (414, "uri_too_long"));
    assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
    assert_eq!(body["details"]["limitBytes"], 16_384);
    // Over ours only: refused in the pipeline, with the CORS of the request's origin.
    let (status, headers, body) = send_raw(
        &mock,
        &get(
            &format!("/api/v1/calls?agentId={}", &long[..20_000]),
            "Origin: http://app.example\r\n",
        ),
    );
    assert_shape(status, &headers, &body, (414, "uri_too_long"));
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some("http://app.example")
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("(20022 bytes)")),
        "{body}"
    );
    // Just under: the pipeline reads the parameter, and refuses it as a parameter.
    let (status, headers, body) = send_raw(
        &mock,
        &get(
            &format!("/api/v1/calls?agentId=agt_{}", &long[..16_000]),
            "",
        ),
    );
    assert_shape(status, &headers, &body, (400, "validation_error"));
    assert_eq!(body["details"]["violations"][0]["name"], "agentId");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_headers_get_431_in_the_error_shape() {
    let mock = Mock::start().await;
    let many = |n: usize| {
        (0..n)
            .map(|i| format!("X-Extra-{i}: v\r\n"))
            .collect::<String>()
    };
    for (n, message) in [
        (200, "203 header fields, more than 100"),
        (2_000, "more than the server can read"),
    ] {
        let (status, headers, body) = send_raw(&mock, &get("/api/v1/agents", &many(n)));
        assert_shape(status, &headers, &body, (431, "headers_too_large"));
        assert_eq!(
            body["details"],
            serde_json::json!({"limitHeaders": 100, "limitBytes": 32_768})
        );
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{n}: {body}"
        );
    }
    // 40 KiB in one header: over the byte limit.
    let big = format!("X-Big: {}\r\n", "b".repeat(40_000));
    let (status, headers, body) = send_raw(&mock, &get("/api/v1/agents", &big));
    assert_shape(status, &headers, &body, (431, "headers_too_large"));
    // The control API and the settings page have the same edge.
    let (status, headers, body) = send_raw(&mock, &get("/_mock/health", &many(200)));
    assert_shape(status, &headers, &body, (431, "headers_too_large"));
    // Refused before authentication: no quota used.
    let (status, headers, _) = send_raw(&mock, &get("/api/v1/agents", ""));
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "x-ratelimit-remaining"), Some("299"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_http_get_400_in_the_error_shape() {
    let mock = Mock::start().await;
    let (status, headers, body) = send_raw(&mock, b"NOT HTTP AT ALL\r\n\r\n");
    assert_shape(status, &headers, &body, (400, "validation_error"));
    assert_eq!(body["details"]["violations"][0]["in"], "header");
}
