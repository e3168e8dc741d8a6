//! The receiver: an HTTP server that records every delivery attempt it is sent.
//!
//! It answers every request, whatever its method or path, so that what a sender does wrong is
//! recorded and judged by the checks rather than refused at the door. With
//! [`ReceiverConfig::fail_first_attempt`] it answers 500 to the first attempt of each delivery
//! id (and 200 to every later one), which provokes the retry that `webhook_retry` judges; an
//! attempt without a delivery id is answered 200, since there is nothing to key a retry on.
//!
//! Waiting is event-driven: every recorded attempt bumps a `watch` channel, and [`Receiver::wait_for`]
//! sleeps on it until its predicate holds or its deadline passes. Nothing polls.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::matcher::Matcher;

/// The path the receiver gives out in [`Receiver::url`] (it records any path).
pub const PATH: &str = "/webhooks";

/// Largest body the receiver reads; a larger one is answered 413 and recorded without its body.
pub const MAX_BODY: usize = 4 << 20;

/// How the receiver is started.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// Where to listen; `127.0.0.1:0` (a free loopback port) by default.
    pub addr: SocketAddr,
    /// Answer 500 to the first attempt of every delivery id, 200 to the rest.
    pub fail_first_attempt: bool,
}

impl Default for ReceiverConfig {
    fn default() -> ReceiverConfig {
        ReceiverConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            fail_first_attempt: false,
        }
    }
}

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    /// The address could not be bound.
    #[error("bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One request the receiver was sent: a delivery attempt, as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Arrival order, from 0.
    pub seq: usize,
    /// The request method.
    pub method: String,
    /// The request path (with its query, if any).
    pub path: String,
    /// The headers, names lowercased, in arrival order (a repeated header appears repeatedly).
    pub headers: Vec<(String, String)>,
    /// The raw body bytes, exactly as sent (empty when it was over [`MAX_BODY`]).
    pub body: Bytes,
    /// Wall-clock arrival time.
    pub arrived: SystemTime,
    /// The status the receiver answered with.
    pub answered: u16,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive), if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `X-VICIagent-Delivery`, if present.
    pub fn delivery_id(&self) -> Option<&str> {
        self.header(super::headers::DELIVERY)
    }

    /// `X-VICIagent-Event`, if present.
    pub fn event_header(&self) -> Option<&str> {
        self.header(super::headers::EVENT)
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The payload's `type`, if the body is JSON with a string `type`.
    pub fn payload_type(&self) -> Option<String> {
        self.json()?.get("type")?.as_str().map(str::to_owned)
    }

    /// The event type: the header's, else the payload's.
    pub fn event_type(&self) -> Option<String> {
        self.event_header()
            .map(str::to_owned)
            .or_else(|| self.payload_type())
    }

    /// Whether the receiver's answer counted as delivered (2xx).
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.answered)
    }
}

struct Inner {
    log: Mutex<Log>,
    /// The number of recorded attempts; waiters watch it.
    count: watch::Sender<usize>,
    fail_first_attempt: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Log {
    attempts: Vec<Recorded>,
    /// Delivery ids seen, for answering only the first attempt of each with 500.
    seen: HashSet<String>,
}

/// A running receiver. Dropping it stops the server; [`Receiver::shutdown`] stops it gracefully.
pub struct Receiver {
    addr: SocketAddr,
    inner: Arc<Inner>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Binds `config.addr` and serves in a background task.
    pub async fn start(config: ReceiverConfig) -> Result<Receiver, ReceiverError> {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ReceiverError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ReceiverError::Bind {
                addr: config.addr,
                source,
            })?;
        let inner = Arc::new(Inner {
            log: Mutex::new(Log::default()),
            count: watch::channel(0).0,
            fail_first_attempt: config.fail_first_attempt.into(),
        });
        let app = axum::Router::new()
            .fallback(record)
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
            .with_state(inner.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Receiver {
            addr,
            inner,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to register with the sender: `http://ADDR/webhooks`.
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Turns answering 500 to first attempts on or off (for attempts from now on).
    pub fn set_fail_first_attempt(&self, on: bool) {
        self.inner
            .fail_first_attempt
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Every attempt recorded so far, in arrival order.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.inner.log.lock().attempts.clone()
    }

    /// Forgets every recorded attempt (delivery ids seen included).
    pub fn clear(&self) {
        let mut log = self.inner.log.lock();
        log.attempts.clear();
        log.seen.clear();
    }

    /// Waits until `done` holds for the attempts recorded so far, or until `deadline` (real time)
    /// has passed; returns the attempts either way, with whether `done` held.
    pub async fn wait_until(
        &self,
        deadline: Duration,
        done: impl Fn(&[Recorded]) -> bool,
    ) -> (bool, Vec<Recorded>) {
        let mut changes = self.inner.count.subscribe();
        let wait = async {
            loop {
                // Mark the current count seen before looking, so an attempt recorded between
                // the look and the wait still wakes us.
                changes.borrow_and_update();
                if done(&self.inner.log.lock().attempts) {
                    return;
                }
                if changes.changed().await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(deadline, wait).await;
        let attempts = self.recorded();
        (done(&attempts), attempts)
    }

    /// Waits for the first attempt that `m` matches, up to `deadline`.
    pub async fn wait_for(&self, m: &Matcher, deadline: Duration) -> Result<Recorded, Timeout> {
        let (ok, attempts) = self
            .wait_until(deadline, |a| a.iter().any(|r| m.matches(r)))
            .await;
        match attempts.into_iter().find(|r| m.matches(r)) {
            Some(r) if ok => Ok(r),
            _ => Err(Timeout {
                waited_for: m.to_string(),
                deadline,
                seen: self.recorded().len(),
            }),
        }
    }

    /// Waits until `n` attempts that `m` matches have arrived, up to `deadline`.
    pub async fn wait_for_count(
        &self,
        m: &Matcher,
        n: usize,
        deadline: Duration,
    ) -> Result<Vec<Recorded>, Timeout> {
        let count = |a: &[Recorded]| a.iter().filter(|r| m.matches(r)).count();
        let (ok, attempts) = self.wait_until(deadline, |a| count(a) >= n).await;
        if ok {
            Ok(attempts.into_iter().filter(|r| m.matches(r)).collect())
        } else {
            Err(Timeout {
                waited_for: format!("{n} attempts of {m}"),
                deadline,
                seen: attempts.len(),
            })
        }
    }

    /// Waits until every delivery whose first attempt was refused has been attempted again, up
    /// to `deadline`; returns whether that happened.
    pub async fn wait_for_retries(&self, deadline: Duration) -> bool {
        self.wait_until(deadline, |a| super::sequence::unretried(a).is_empty())
            .await
            .0
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Nothing matching arrived in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no delivery of {waited_for} arrived within {} s ({seen} attempts recorded)", deadline.as_secs_f64())]
pub struct Timeout {
    /// What was awaited, in words.
    pub waited_for: String,
    /// How long.
    pub deadline: Duration,
    /// Attempts recorded by then.
    pub seen: usize,
}

async fn record(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> StatusCode {
    let arrived = SystemTime::now();
    let (body, too_large) = match body {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let delivery = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(super::headers::DELIVERY))
        .map(|(_, v)| v.clone());
    let fail_first = inner
        .fail_first_attempt
        .load(std::sync::atomic::Ordering::Relaxed);
    let mut log = inner.log.lock();
    let first = delivery.is_some_and(|d| log.seen.insert(d));
    let status = if too_large {
        StatusCode::PAYLOAD_TOO_LARGE
    } else if first && fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    let seq = log.attempts.len();
    log.attempts.push(Recorded {
        seq,
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers,
        body,
        arrived,
        answered: status.as_u16(),
    });
    drop(log);
    inner.count.send_replace(seq + 1);
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn post(url: &str, delivery: Option<&str>, body: &str) -> u16 {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut req = reqwest::Client::new().post(url).body(body.to_owned());
        if let Some(d) = delivery {
            req = req.header("X-VICIagent-Delivery", d);
        }
        req.send().await.unwrap().status().as_u16()
    }

    #[tokio::test]
    async fn records_raw_bodies_and_answers_500_to_first_attempts_only() {
        let rx = Receiver::start(ReceiverConfig {
            fail_first_attempt: true,
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(post(&rx.url(), Some("a"), "{ \"type\":\"x\" }").await, 500);
        assert_eq!(post(&rx.url(), Some("a"), "{ \"type\":\"x\" }").await, 200);
        assert_eq!(post(&rx.url(), Some("b"), "{}").await, 500);
        assert_eq!(post(&rx.url(), None, "{}").await, 200);
        rx.set_fail_first_attempt(false);
        assert_eq!(post(&rx.url(), Some("c"), "{}").await, 200);
        let got = rx.recorded();
        assert_eq!(got.len(), 5);
        assert_eq!(&got[0].body[..], b"{ \"type\":\"x\" }", "bytes as sent");
        assert_eq!(got[0].method, "POST");
        assert_eq!(got[0].path, PATH);
        assert_eq!(got[0].delivery_id(), Some("a"));
        assert_eq!(got[0].payload_type().as_deref(), Some("x"));
        assert_eq!(
            got.iter().map(|r| r.answered).collect::<Vec<_>>(),
            [500, 200, 500, 200, 200]
        );
        rx.shutdown().await;
    }

    #[tokio::test]
    async fn waiting_wakes_on_arrival_and_times_out_otherwise() {
        let rx = Receiver::start(ReceiverConfig::default()).await.unwrap();
        let url = rx.url();
        let m = Matcher::event("call.queued");
        let sender =
            tokio::spawn(async move { post(&url, Some("d"), r#"{"type":"call.queued"}"#).await });
        let got = rx.wait_for(&m, Duration::from_secs(10)).await.unwrap();
        assert_eq!(got.delivery_id(), Some("d"));
        assert_eq!(sender.await.unwrap(), 200);
        let err = rx
            .wait_for(&Matcher::event("call.failed"), Duration::from_millis(50))
            .await
            .unwrap_err();
        assert_eq!(err.seen, 1);
        assert!(
            err.to_string().starts_with("no delivery of call.failed"),
            "{err}"
        );
        assert_eq!(
            rx.wait_for_count(&m, 1, Duration::from_millis(1))
                .await
                .unwrap()
                .len(),
            1
        );
        rx.clear();
        assert!(rx.recorded().is_empty());
    }
}
