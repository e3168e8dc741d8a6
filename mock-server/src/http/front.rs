//! The front door: the one service every connection talks to.
//!
//! Why it exists: v1 requests are the mock's load, and axum's `Router` with its layers
//! (CORS, panic catching, the `observe` middleware, boxed route services cloned per request)
//! cost about as much CPU as the v1 pipeline itself. So the common case takes a short path:
//! a v1 request (path under `/api/`) that is not a CORS request (no `Origin`) and not a preflight
//! (`OPTIONS`) goes straight to [`api::handle`], with the steps the layers would have taken done
//! here in the same order: observe (request id, log, journal), catch a panic into the 500 error
//! shape, add the headers the CORS layer adds to a request without an `Origin`, then what axum
//! does to every top-level response (`Content-Length` from an exact body size, no body for HEAD).
//! Everything else goes to the full router ([`crate::http::app::full_router`]) unchanged.
//!
//! The headers the CORS layer adds when there is no `Origin` do not depend on the request, so they
//! are learnt once from the layer itself (see [`CorsConstants`]) rather than written out here,
//! which keeps the two paths from drifting apart if the CORS settings change.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use futures_util::FutureExt;
use tower::{Layer, Service, ServiceExt};

use crate::api;
use crate::http::observe::Observation;
use crate::state::Shared;

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// The service for one connection (or, without an address, for `app()`'s callers, who supply
/// `ConnectInfo` themselves if they want it).
#[derive(Clone)]
pub(crate) struct Front {
    inner: Arc<Inner>,
    /// The peer's address, known when this service was made for a connection.
    addr: Option<SocketAddr>,
}

struct Inner {
    state: Shared,
    /// The full router with its layers, for everything the fast path does not take.
    router: Router,
    cors: CorsConstants,
}

impl Front {
    /// A front for `state` in front of `router` (the full application).
    pub(crate) fn new(state: Shared, router: Router) -> Front {
        Front {
            inner: Arc::new(Inner {
                state,
                router,
                cors: CorsConstants::learn(),
            }),
            addr: None,
        }
    }

    /// This front for a connection from `peer`.
    pub(crate) fn for_peer(&self, peer: SocketAddr) -> Front {
        Front {
            inner: self.inner.clone(),
            addr: Some(peer),
        }
    }

    /// Whether the fast path answers `req` exactly as the full router would. A head over the
    /// limits goes to the router, whose `limits` layer refuses it.
    fn takes(req: &Request) -> bool {
        req.uri().path().starts_with("/api/")
            && req.method() != Method::OPTIONS
            && !req.headers().contains_key(header::ORIGIN)
            && crate::http::limits::within(req)
    }
}

impl Service<Request> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request) -> BoxFuture {
        let addr = self.addr.or_else(|| {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0)
        });
        if !Front::takes(&req) {
            // The full router's handlers read the address from the extension, as served by
            // `into_make_service_with_connect_info`.
            if let Some(a) = addr
                && req.extensions().get::<ConnectInfo<SocketAddr>>().is_none()
            {
                req.extensions_mut().insert(ConnectInfo(a));
            }
            return Box::pin(self.inner.router.clone().oneshot(req));
        }
        let inner = self.inner.clone();
        let head = req.method() == Method::HEAD;
        Box::pin(async move {
            // Like the full router's CatchPanicLayer, which sits outside `observe`: a panic loses
            // the request id and the journal entry, and still gets the CORS headers.
            let outcome = AssertUnwindSafe(answer(&inner.state, req, addr))
                .catch_unwind()
                .await;
            let mut res = outcome.unwrap_or_else(crate::http::app::panic_response);
            inner.cors.apply(&mut res);
            top_level(&mut res, head);
            Ok(res)
        })
    }
}

/// The v1 pipeline with the `observe` steps around it.
async fn answer(state: &Shared, req: Request, addr: Option<SocketAddr>) -> Response {
    let observation = Observation::begin(state, &req);
    let (mut res, info) = api::handle(state, req, addr).await;
    observation.finish(state, &mut res, Some(info));
    res
}

/// The headers the CORS layer adds to the response of a request without an `Origin` that is not
/// a preflight (`Vary`, `Access-Control-Expose-Headers`): the same for every such request.
struct CorsConstants {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl CorsConstants {
    /// Runs the application's CORS layer once over an empty response and keeps what it added.
    fn learn() -> CorsConstants {
        let probe = crate::http::app::cors().layer(tower::service_fn(|_: Request| async {
            Ok::<_, Infallible>(Response::new(Body::empty()))
        }));
        let req = Request::new(Body::empty());
        // The layer decides synchronously for a request without an `Origin`, so the future is
        // ready at once; `front_matches_the_cors_layer` checks that headers were learnt.
        let headers = match probe.oneshot(req).now_or_never() {
            Some(Ok(res)) => res
                .headers()
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            _ => Vec::new(),
        };
        CorsConstants { headers }
    }

    /// Adds the headers as the layer does: `Vary` appended to any the response has, the others
    /// replacing theirs.
    fn apply(&self, res: &mut Response) {
        let h = res.headers_mut();
        for (name, value) in &self.headers {
            if name == header::VARY {
                h.append(name.clone(), value.clone());
            } else {
                h.insert(name.clone(), value.clone());
            }
        }
    }
}

/// What axum does to the response of a top-level route: a `Content-Length` when the body's size
/// is known and none is set, and no body for HEAD (after the length, so HEAD shows GET's length).
fn top_level(res: &mut Response, head: bool) {
    if !res.headers().contains_key(header::CONTENT_LENGTH)
        && let Some(size) = res.body().size_hint().exact()
    {
        let value = if size == 0 {
            HeaderValue::from_static("0")
        } else {
            HeaderValue::from(size)
        };
        res.headers_mut().insert(header::CONTENT_LENGTH, value);
    }
    if head {
        *res.body_mut() = Body::empty();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DEFAULT_API_KEY};
    use crate::state::AppState;

    /// The requests the fast path takes, in an order that exercises the limiter, the journal
    /// and the error shape: success, HEAD, a client's request id, 404s, 405, 401, a 400.
    fn requests() -> Vec<Request> {
        let auth = format!("Bearer {DEFAULT_API_KEY}");
        let cases: &[(&str, &str, bool)] = &[
            ("GET", "/api/v1/agents", true),
            ("HEAD", "/api/v1/agents", true),
            ("GET", "/api/v1/calls?limit=2", true),
            ("GET", "/api/v1/calls?limit=0", true),
            ("GET", "/api/v1/calls/call_nope", true),
            ("DELETE", "/api/v1/calls", true),
            ("GET", "/api/v1/agents", false),
            ("GET", "/api/v1", true),
            ("GET", "/api/nowhere", false),
            ("GET", "/api/v1/openapi.json", false),
        ];
        cases
            .iter()
            .enumerate()
            .map(|(i, &(method, uri, with_key))| {
                let mut b = Request::builder().method(method).uri(uri);
                if with_key {
                    b = b.header(header::AUTHORIZATION, &auth);
                }
                if i == 2 {
                    b = b.header("x-request-id", "trace-7");
                }
                b.header(header::USER_AGENT, "t")
                    .body(Body::empty())
                    .unwrap()
            })
            .collect()
    }

    async fn answer_all(
        mut svc: impl Service<Request, Response = Response, Error = Infallible>,
    ) -> Vec<(u16, Vec<(String, Vec<u8>)>, Vec<u8>)> {
        let mut out = Vec::new();
        for req in requests() {
            std::future::poll_fn(|cx| svc.poll_ready(cx)).await.unwrap();
            let res = svc.call(req).await.unwrap();
            let status = res.status().as_u16();
            let headers = res
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            out.push((status, headers, body.to_vec()));
        }
        out
    }

    async fn journal(state: &Shared) -> serde_json::Value {
        let req = Request::get("/_mock/requests?limit=100")
            .body(Body::empty())
            .unwrap();
        let res = crate::http::app::full_router(state.clone())
            .oneshot(req)
            .await
            .unwrap();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for e in v["data"].as_array_mut().unwrap() {
            e["durationUs"] = 0.into();
        }
        v
    }

    #[tokio::test]
    async fn fast_path_answers_and_journals_like_the_full_router() {
        let full_state = AppState::new(Config::for_tests()).unwrap();
        let front_state = AppState::new(Config::for_tests()).unwrap();
        for req in requests() {
            assert!(Front::takes(&req), "{} {}", req.method(), req.uri());
        }
        let full = answer_all(crate::http::app::full_router(full_state.clone())).await;
        let front = Front::new(
            front_state.clone(),
            crate::http::app::full_router(front_state.clone()),
        );
        let fast = answer_all(front).await;
        assert_eq!(fast.len(), full.len());
        for (i, (a, b)) in fast.iter().zip(&full).enumerate() {
            assert_eq!(a, b, "request {i}");
        }
        assert_eq!(journal(&front_state).await, journal(&full_state).await);
    }

    #[test]
    fn cors_constants_are_learnt() {
        let learnt = CorsConstants::learn();
        let names: Vec<&str> = learnt.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["vary", "access-control-expose-headers"]);
    }
}
