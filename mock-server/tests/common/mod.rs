//! A real mock on 127.0.0.1:0 and a client for it.
#![allow(dead_code)]

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
