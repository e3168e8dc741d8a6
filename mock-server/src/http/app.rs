//! The router, the layers around it, and serving it on a listener.

use std::future::Future;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::api::{self, JournalInfo};
use crate::error::ApiError;
use crate::http::front::Front;
use crate::http::observe::{Observation, REQUEST_ID};
use crate::state::Shared;

/// The whole application: v1 under `/api/v1`, the control API under `/_mock`, and the error
/// shape for everything else. Tests drive it with `tower::ServiceExt::oneshot`; callers may layer
/// it (its one route is the front service, so a layer wraps everything).
pub fn app(state: Shared) -> Router {
    Router::new().fallback_service(Front::new(state.clone(), full_router(state)))
}

/// The router with every route and layer. The front service ([`crate::http::front`]) answers plain v1
/// requests itself, exactly as this would, and hands it everything else.
pub(crate) fn full_router(state: Shared) -> Router {
    Router::new()
        .route("/api/v1", any(api::dispatch))
        .route("/api/v1/{*rest}", any(api::dispatch))
        .merge(crate::control::routes())
        .merge(crate::http::settings_page::routes())
        .fallback(not_found)
        .layer(middleware::from_fn(limits))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(cors())
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` resolves: the front service, made per
/// connection with the peer's address.
pub async fn serve(
    listener: TcpListener,
    state: Shared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The simulation's background driver lives as long as the server.
    let st = state.clone();
    let driver = tokio::spawn(async move { crate::sim::drive(&st.sim, &st.sim_env()).await });
    let front = Front::new(state.clone(), full_router(state.clone()));
    let served = crate::http::edge::serve(listener, state, front, shutdown).await;
    driver.abort();
    served
}

/// Browser clients (a dashboard calling the mock directly) need CORS, including the headers
/// they must read: rate-limit state, request ids, ranges.
pub(crate) fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
            Method::HEAD,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::RANGE,
            REQUEST_ID,
        ])
        .expose_headers([
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            header::RETRY_AFTER,
            REQUEST_ID,
            header::CONTENT_RANGE,
            header::ACCEPT_RANGES,
            header::CONTENT_LENGTH,
            header::LOCATION,
            header::ALLOW,
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// Unknown paths. Those under `/api/` go through the v1 pipeline so that even a path the router
/// could not match (an empty tail, dot segments) gets the rate-limit headers of every v1 answer.
async fn not_found(state: State<Shared>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return api::dispatch(state, req).await;
    }
    ApiError::no_route(req.uri().path()).into_response()
}

pub(crate) fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal(
        "the mock hit a bug while answering (a panic); please report it",
        serde_json::json!({}),
    )
    .into_response()
}

/// Refuses a request whose head is over the limits (414, 431), before any route reads it.
async fn limits(req: Request, next: Next) -> Response {
    match crate::http::limits::check(&req) {
        Some(e) => e.into_response(),
        None => next.run(req).await,
    }
}

/// Assigns the request id, times the request, logs it and records it in the journal.
async fn observe(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let observation = Observation::begin(&state, &req);
    let mut res = next.run(req).await;
    let info = res.extensions_mut().remove::<JournalInfo>();
    observation.finish(&state, &mut res, info);
    res
}
