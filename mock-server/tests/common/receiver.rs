//! A webhook receiver for tests: records every request and answers as scripted.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// The given status (200 by default).
    Status(u16),
    /// Never answers (the mock's timeout cuts it off).
    Hang,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
    pub json: Value,
    /// The status the receiver answered with (`None`: it hung).
    pub answered: Option<u16>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn event_type(&self) -> &str {
        self.json["type"].as_str().unwrap_or_default()
    }

    pub fn delivery(&self) -> &str {
        self.header("x-viciagent-delivery")
    }
}

#[derive(Default)]
struct Inner {
    /// Wakes `wait_for` when a request arrives.
    arrived: Arc<tokio::sync::Notify>,
    log: Vec<Received>,
    script: VecDeque<Answer>,
    /// Answer when the script is empty.
    default: Option<u16>,
}

/// A running receiver on 127.0.0.1:0.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let state = inner.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let answer = {
                    let mut s = state.lock().unwrap();
                    let a = s
                        .script
                        .pop_front()
                        .unwrap_or(Answer::Status(s.default.unwrap_or(200)));
                    s.log.push(Received {
                        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        headers,
                        body,
                        answered: match a {
                            Answer::Status(c) => Some(c),
                            Answer::Hang => None,
                        },
                    });
                    s.arrived.notify_waiters();
                    a
                };
                match answer {
                    Answer::Status(c) => StatusCode::from_u16(c).unwrap_or(StatusCode::OK),
                    Answer::Hang => std::future::pending().await,
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/hooks"),
            inner,
        }
    }

    /// Scripts the answers to the next requests.
    pub fn script(&self, answers: &[Answer]) {
        self.inner
            .lock()
            .unwrap()
            .script
            .extend(answers.iter().copied());
    }

    /// The answer once the script is used up (200 unless set).
    pub fn answer_by_default(&self, status: u16) {
        self.inner.lock().unwrap().default = Some(status);
    }

    /// Waits (up to `deadline`, real time) until `n` requests have arrived; for tests of the
    /// running clock, where deliveries happen on their own.
    pub async fn wait_for(&self, n: usize, deadline: std::time::Duration) -> Vec<Received> {
        let notify = self.inner.lock().unwrap().arrived.clone();
        let wait = async {
            loop {
                let notified = notify.notified();
                if self.inner.lock().unwrap().log.len() >= n {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(deadline, wait).await;
        self.received()
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().log.clone()
    }

    pub fn types(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|r| r.event_type().to_owned())
            .collect()
    }

    pub fn clear(&self) {
        self.inner.lock().unwrap().log.clear();
    }
}
