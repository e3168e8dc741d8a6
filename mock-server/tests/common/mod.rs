//! A real mock on 127.0.0.1:0 and a client for it.
#![allow(dead_code)]

pub mod receiver;

use mock_server::{Config, Server};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;

pub const KEY: &str = "va_test_0123456789abcdef";
pub const KEY_B: &str = "va_other_0123456789abcdef";

pub struct Mock {
    pub server: Server,
    pub client: Client,
}

impl Mock {
    pub async fn start() -> Mock {
        Mock::with(|_| {}).await
    }

    pub async fn with(f: impl FnOnce(&mut Config)) -> Mock {
        let mut config = Config::for_tests();
        f(&mut config);
        let server = Server::start(config).await.expect("mock starts");
        // In a workspace build reqwest may have rustls without a provider (the runner brings
        // its own); plain-HTTP tests still need one installed to build a client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Mock {
            server,
            client: Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(KEY)
    }

    pub fn req_as(&self, key: &str, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        send(self.req(Method::GET, path)).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        send(self.req(Method::POST, path).json(&body)).await
    }

    pub async fn patch_json(&self, path: &str, body: Value) -> (u16, Value) {
        send(self.req(Method::PATCH, path).json(&body)).await
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.server.control_url()));
        if let Some(b) = body {
            r = r.json(&b);
        }
        send(r).await
    }

    pub async fn advance(&self, seconds: f64) {
        let (s, _) = self
            .control(
                Method::POST,
                "/clock/advance",
                Some(serde_json::json!({ "seconds": seconds })),
            )
            .await;
        assert_eq!(s, 200);
    }

    pub async fn export(&self, key: &str) -> Value {
        let (s, v) = self
            .control(Method::GET, &format!("/state?key={key}"), None)
            .await;
        assert_eq!(s, 200);
        v
    }
}

pub async fn send(r: RequestBuilder) -> (u16, Value) {
    let res: Response = r.send().await.expect("request is answered");
    status_json(res).await
}

pub async fn status_json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let bytes = res.bytes().await.expect("body");
    let v = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, v)
}

/// Asserts the documented error shape with `code`, and returns `details`.
pub fn assert_error(status: u16, body: &Value, want_status: u16, code: &str) -> Value {
    assert_eq!(status, want_status, "status; body: {body}");
    assert_eq!(body["error"], code, "code; body: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message; body: {body}"
    );
    assert!(body["details"].is_object(), "details; body: {body}");
    body["details"].clone()
}

// ----- helpers added for bad_input.rs, control.rs, calls_filters.rs and csv_import.rs -----

impl Mock {
    /// `http://ADDR`, the origin every absolute URL of this mock starts with.
    pub fn origin(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// A control-API request with a raw body and an optional content type.
    pub async fn control_raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.server.control_url()))
            .body(body);
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        send(r).await
    }

    /// `POST /_mock/state` with `doc`.
    pub async fn import(&self, doc: &Value) -> (u16, Value) {
        self.control(Method::POST, "/state", Some(doc.clone()))
            .await
    }

    /// `GET /_mock/requests?{query}`, asserting 200.
    pub async fn journal(&self, query: &str) -> Value {
        let (s, v) = self
            .control(Method::GET, &format!("/requests?{query}"), None)
            .await;
        assert_eq!(s, 200, "GET /_mock/requests?{query}: {v}");
        v
    }

    /// Every item of a v1 list, following pages of 100; `path` may carry a query (without
    /// `limit`/`offset`). Also checks that every page reports the same `total`.
    pub async fn all_pages(&self, key: &str, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out: Vec<Value> = Vec::new();
        let mut total: Option<u64> = None;
        loop {
            let url = format!("{path}{sep}limit=100&offset={}", out.len());
            let (s, v) = send(self.req_as(key, Method::GET, &url)).await;
            assert_eq!(s, 200, "{url}: {v}");
            let t = v["total"].as_u64().expect("total");
            assert_eq!(*total.get_or_insert(t), t, "total changed between pages");
            let data = v["data"].as_array().expect("data").clone();
            let n = data.len();
            out.extend(data);
            if n == 0 || out.len() as u64 >= t {
                break;
            }
        }
        assert_eq!(Some(out.len() as u64), total.or(Some(0)), "{path}");
        out
    }
}

/// Problems with `body` as the contract's `Error` schema (empty when it is a valid error body).
pub fn error_schema_problems(body: &Value) -> Vec<String> {
    let contract = spec::Contract::v1();
    let schema = contract
        .schema("Error")
        .expect("the contract has an Error schema");
    let validator = contract
        .validator(schema)
        .expect("the Error schema compiles");
    validator
        .violations(body)
        .into_iter()
        .map(|v| format!("{}: {}", v.instance_pointer, v.message))
        .collect()
}

/// Whether `details.violations` holds one with `in` = `location` and `field` = `value`
/// (`field` is `name` for parameters, `pointer` for JSON bodies, `column` for CSV cells).
pub fn has_violation(details: &Value, location: &str, field: &str, value: &str) -> bool {
    details["violations"]
        .as_array()
        .is_some_and(|vs| vs.iter().any(|v| v["in"] == location && v[field] == value))
}

/// What a raw HTTP/1.1 exchange produced.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code of the first response line (0 when the server closed without one).
    pub status: u16,
    /// The status line and headers, as text.
    pub head: String,
    /// The body bytes (as sent, without de-chunking).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends `request` verbatim over a new TCP connection and reads until the server closes it.
/// For what `reqwest` cannot send: unnormalised `..` segments, raw non-UTF-8 bytes, huge
/// headers. The request should carry `Connection: close`. A blocking socket with a read
/// timeout on a blocking thread (the test runtime has no tokio `io-util`); a timeout is a hang
/// and fails the test.
pub async fn raw_http(addr: std::net::SocketAddr, request: Vec<u8>) -> RawResponse {
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("timeout");
        // The server may answer and close before reading everything (a 431); that is fine.
        let _ = stream.write_all(&request);
        let mut buf = Vec::new();
        let mut chunk = [0u8; 65536];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    panic!("the server did not answer within 20 s (a hang)")
                }
                // A reset after the answer (the server closed while we were still sending).
                Err(_) => break,
            }
        }
        let split = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(buf.len(), |i| i + 4);
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        RawResponse {
            status,
            head,
            body: buf[split..].to_vec(),
        }
    })
    .await
    .expect("raw request task")
}
