//! The server's edge: accepting connections and hyper's HTTP/1.1 settings.
//!
//! hyper refuses some requests before any service sees them: a request target over 64 KiB
//! (414), a head over its buffer or with more header fields than it keeps room for (431), and
//! bytes that are not HTTP/1.1 (400). Its answers to those have no body and none of our headers.
//! So its limits are raised far above ours ([`super::limits`], enforced in the pipeline), and the
//! connection's writer ([`Refusals`]) replaces what it still refuses on its own with the error
//! shape, a request id and CORS.

use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use axum::body::Body;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

use crate::error::ApiError;
use crate::http::front::Front;
use crate::state::Shared;

/// Header fields hyper keeps room for; the pipeline refuses more than [`super::limits::MAX_HEADERS`].
const HYPER_MAX_HEADERS: usize = 1_000;
/// hyper's read buffer, the largest head it reads: 1 MiB.
const HYPER_MAX_BUF: usize = 1024 * 1024;

/// Accepts connections on `listener` and serves `front` on each until `shutdown` resolves, then
/// lets the connections in flight finish.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Shared,
    front: Front,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size(HYPER_MAX_BUF);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // A connection that failed before it was accepted (reset, out of descriptors):
                // the listener itself is fine, so go on after a breath.
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = front.for_peer(peer);
        let service = TowerToHyperService::new(tower::util::MapRequest::new(
            service,
            |req: hyper::Request<hyper::body::Incoming>| req.map(Body::new),
        ));
        let io = TokioIo::new(Refusals::new(stream, state.clone()));
        let conn = graceful.watch(builder.serve_connection(io, service));
        tokio::spawn(async move {
            // A client that goes away mid-request is its own business.
            let _ = conn.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A connection's stream whose writer replaces hyper's own bare refusals (a status line and
/// `content-length: 0`, no `content-type`) with the error shape.
pub(crate) struct Refusals<T> {
    inner: T,
    state: Shared,
    /// The answer being written instead of hyper's, how much of it is written, and the length
    /// of hyper's, reported back once ours is out.
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl<T> Refusals<T> {
    pub(crate) fn new(inner: T, state: Shared) -> Refusals<T> {
        Refusals {
            inner,
            state,
            replacing: None,
        }
    }
}

/// The error that replaces hyper's bare answer starting with `head`, if it is one.
fn refusal_of(head: &[u8]) -> Option<ApiError> {
    let status = head
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| head.strip_prefix(b"HTTP/1.0 "))?
        .get(..3)?;
    // Every answer's head passes here: leave the ordinary ones before any scanning.
    if !matches!(status, b"400" | b"414" | b"431") {
        return None;
    }
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let lower = head[..end].to_ascii_lowercase();
    let bare = !lower.windows(13).any(|w| w == b"content-type:")
        && lower.windows(17).any(|w| w == b"content-length: 0");
    if !bare {
        return None;
    }
    match status {
        b"414" => Some(ApiError::uri_too_long(
            None,
            super::limits::MAX_TARGET_BYTES,
        )),
        b"431" => Some(ApiError::headers_too_large(
            "more than the server can read".to_owned(),
            super::limits::MAX_HEADERS,
            super::limits::MAX_HEADER_BYTES,
        )),
        b"400" => Some(ApiError::unreadable_request()),
        _ => None,
    }
}

/// The whole answer written instead: status line, the error shape, a request id, CORS for any
/// origin (the request's `Origin` is unknown: hyper did not parse it) and `Connection: close`.
fn replacement(state: &Shared, e: &ApiError) -> Vec<u8> {
    let n = state.request_seq.fetch_add(1, Ordering::Relaxed) + 1;
    let id = format!("req_{n:010}");
    let body = e.to_bytes();
    tracing::info!(
        target: "vici_mock::request",
        request_id = %id,
        status = e.status.as_u16(),
        error = e.code,
        "refused before routing",
    );
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-request-id: {id}\r\naccess-control-allow-origin: *\r\n\
         access-control-expose-headers: x-request-id\r\nconnection: close\r\n\r\n",
        e.status.as_u16(),
        e.status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

impl<T: AsyncRead + Unpin> AsyncRead for Refusals<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> Refusals<T> {
    /// Writes the rest of the replacement; `Ready(len of hyper's)` once it is all out.
    fn drive(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<usize>> {
        loop {
            let Some((bytes, written, theirs)) = &mut self.replacing else {
                return Poll::Ready(Ok(0));
            };
            if *written == bytes.len() {
                let theirs = *theirs;
                self.replacing = None;
                return Poll::Ready(Ok(theirs));
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Starts replacing `buf` if it is one of hyper's bare refusals.
    fn intercept(&mut self, buf: &[u8]) -> bool {
        if self.replacing.is_some() {
            return true;
        }
        match refusal_of(buf) {
            Some(e) => {
                self.replacing = Some((replacement(&self.state, &e), 0, buf.len()));
                true
            }
            None => false,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Refusals<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.intercept(buf) {
            return self.drive(cx);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        if self.intercept(first) {
            return self.drive(cx);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_refusals_are_replaced() {
        let bare =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(refusal_of(bare).map(|e| e.code), Some("headers_too_large"));
        let uri = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(refusal_of(uri).map(|e| e.code), Some("uri_too_long"));
        let bad = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(refusal_of(bad).map(|e| e.code), Some("validation_error"));
        // Ours carry a content type; a 200 is never touched; nor is a body chunk.
        let ours = b"HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert!(refusal_of(ours).is_none());
        assert!(refusal_of(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(refusal_of(b"{\"data\":[]}").is_none());
        assert!(refusal_of(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n").is_none());
    }
}
