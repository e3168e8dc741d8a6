//! What happens around every request: its id, its timing, its log line and its journal entry.
//!
//! Two callers share these steps: the front service (`front.rs`), which runs them itself for the
//! v1 fast path, and the `observe` middleware of the full router (`app.rs`) for everything else.
//! Keeping them here is what makes the two paths answer and journal identically.

use std::fmt;
use std::sync::atomic::Ordering;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, Uri};
use axum::response::Response;

use crate::api::JournalInfo;
use crate::error::ErrorCode;
use crate::state::AppState;
use crate::store::journal::{JournalEntry, Received, RequestId, capture_body};

/// The request id header, read from requests and set on every response.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id a response carries: the client's own (when usable) or the next of the server's.
enum ResponseId {
    /// `req_` and ten digits of the server's counter; formatted only when shown.
    Seq(u64),
    /// The client's `X-Request-Id`, already checked to be visible ASCII of a sane length.
    Given(HeaderValue),
}

impl ResponseId {
    /// The client's id if it is non-empty visible ASCII of at most 128 bytes, else the next one.
    fn of(state: &AppState, req: &Request) -> ResponseId {
        match req.headers().get(&REQUEST_ID).filter(|v| {
            let b = v.as_bytes();
            !b.is_empty() && b.len() <= 128 && b.iter().all(u8::is_ascii_graphic)
        }) {
            Some(v) => ResponseId::Given(v.clone()),
            None => ResponseId::Seq(state.request_seq.fetch_add(1, Ordering::Relaxed) + 1),
        }
    }

    /// The header value: the client's bytes, or `req_` and the zero-padded counter written into
    /// a stack buffer (no intermediate `String`).
    fn header_value(&self) -> Option<HeaderValue> {
        match self {
            ResponseId::Given(v) => Some(v.clone()),
            ResponseId::Seq(n) => {
                let mut buf = [0u8; 4 + 20];
                let len = seq_id(*n, &mut buf);
                HeaderValue::from_bytes(&buf[..len]).ok()
            }
        }
    }

    /// The id for the journal. A client's id is copied: the header value shares the buffer the
    /// request was read into, which a journal entry must not keep alive.
    fn for_journal(&self) -> RequestId {
        match self {
            ResponseId::Seq(n) => RequestId::Seq(*n),
            ResponseId::Given(v) => RequestId::Given(v.to_str().unwrap_or_default().into()),
        }
    }
}

/// Writes `req_` and `n` padded to at least ten digits (as `format!("req_{n:010}")`) into `buf`;
/// returns the length written.
fn seq_id(n: u64, buf: &mut [u8; 24]) -> usize {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n).as_bytes();
    let pad = 10usize.saturating_sub(digits.len());
    buf[..4].copy_from_slice(b"req_");
    buf[4..4 + pad].fill(b'0');
    buf[4 + pad..4 + pad + digits.len()].copy_from_slice(digits);
    4 + pad + digits.len()
}

impl fmt::Display for ResponseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseId::Seq(n) => write!(f, "req_{n:010}"),
            // Checked to be ASCII when it was accepted.
            ResponseId::Given(v) => f.write_str(v.to_str().unwrap_or_default()),
        }
    }
}

/// A request in flight: what was noted on receipt, for [`Observation::finish`].
pub(crate) struct Observation {
    started: crate::clock::Stopwatch,
    at: i64,
    request_id: ResponseId,
    method: Method,
    uri: Uri,
    /// The request's path, query and headers, when this request is journaled.
    received: Option<Received>,
}

impl Observation {
    /// Notes the receipt of `req`: time, id, method and URI (cheap clones: a standard method is
    /// inline, a URI shares its bytes), and a raw copy of what the journal shows of it when the
    /// request will be journaled.
    pub(crate) fn begin(state: &AppState, req: &Request) -> Observation {
        let started = crate::clock::Stopwatch::start();
        let at = state.clock.now_ms();
        let request_id = ResponseId::of(state, req);
        let journaled = state.journal_enabled() && req.uri().path().starts_with("/api/");
        Observation {
            started,
            at,
            request_id,
            method: req.method().clone(),
            uri: req.uri().clone(),
            received: journaled.then(|| Received::capture(req.uri(), req.headers())),
        }
    }

    /// Sets the request id on `res`, logs the request and, if it is journaled and went through
    /// the v1 pipeline (`info`), records it.
    pub(crate) fn finish(self, state: &AppState, res: &mut Response, info: Option<JournalInfo>) {
        if let Some(v) = self.request_id.header_value() {
            res.headers_mut().insert(REQUEST_ID, v);
        }
        let status = res.status().as_u16();
        let error_code = res.extensions().get::<ErrorCode>().map(|c| c.0);
        let elapsed = self.started.elapsed();
        let path = self.uri.path();
        // One log line per request; health probes (a container's HEALTHCHECK every few seconds)
        // at debug, or they would drown the log.
        macro_rules! request_line {
            ($level:ident) => {
                tracing::$level!(
                    target: "vici_mock::request",
                    request_id = %self.request_id,
                    method = %self.method,
                    path = %path,
                    status,
                    error = error_code,
                    micros = elapsed.as_micros() as u64,
                )
            };
        }
        if path == "/_mock/health" {
            request_line!(debug);
        } else {
            request_line!(info);
        }
        let (Some(received), Some(info)) = (self.received, info) else {
            return;
        };
        let (request_body, request_body_truncated) = match &info.body {
            Some(b) if !b.is_empty() => capture_body(b),
            _ => (None, false),
        };
        state.journal.record(JournalEntry {
            seq: 0,
            request_id: self.request_id.for_journal(),
            at: self.at,
            method: self.method,
            received,
            operation_id: info.operation_id,
            key: info.key,
            status,
            duration_us: elapsed.as_micros() as u64,
            request_body,
            request_body_truncated,
            error_code,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_ids_are_zero_padded_like_format() {
        for n in [0, 1, 42, 9_999_999_999, 10_000_000_000, u64::MAX] {
            let mut buf = [0u8; 24];
            let len = seq_id(n, &mut buf);
            assert_eq!(
                std::str::from_utf8(&buf[..len]),
                Ok(format!("req_{n:010}").as_str())
            );
            assert_eq!(ResponseId::Seq(n).to_string(), format!("req_{n:010}"));
            assert_eq!(RequestId::Seq(n).to_string(), format!("req_{n:010}"));
        }
    }
}
