//! The control API routed from its contract: `spec/control-openapi.json` is the one route table.
//!
//! Every request under `/_mock/` comes here. The spec crate's router picks the operation from the
//! document (404 when no path matches, 405 with `Allow` when the path matches with other methods;
//! `HEAD` is answered by the `GET` operation, and axum drops the body), the request is checked
//! against the operation's parameters and body schema by the spec validator (`validate.rs`: a
//! field and a reason in words, never serde's), and [`HANDLERS`] maps its operationId to the
//! handler. The handlers are ordinary axum handlers (they extract the state,
//! the query and the body themselves); a templated path segment reaches them as [`PathId`].
//!
//! `tests::every_operation_has_a_handler_and_every_handler_an_operation` keeps the document and
//! the map in step.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use axum::extract::{FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use spec::{Contract, PathMatch};

use super::sim_routes;
use crate::error::ApiError;
use crate::state::Shared;

/// The control API's contract, loaded once.
pub(crate) fn contract() -> &'static Contract {
    static CONTRACT: LazyLock<Contract> = LazyLock::new(|| {
        Contract::from_json(include_str!("../../../spec/control-openapi.json"))
            .unwrap_or_else(|e| panic!("spec/control-openapi.json does not load: {e}"))
    });
    &CONTRACT
}

type Answer = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A control operation's handler: the request (with its [`PathId`], if the path has one) and the
/// state in, the answer out.
type Route = fn(Request, Shared) -> Answer;

/// An axum handler as a [`Route`].
macro_rules! route {
    ($handler:path) => {
        (|req: Request, st: Shared| -> Answer { Box::pin(Handler::call($handler, req, st)) })
            as Route
    };
}

/// operationId → handler, for every operation of `spec/control-openapi.json`.
pub(crate) static HANDLERS: LazyLock<HashMap<&'static str, Route>> = LazyLock::new(|| {
    HashMap::from([
        ("health", route!(super::health)),
        ("reset", route!(super::reset)),
        ("exportState", route!(super::export)),
        ("importState", route!(super::import)),
        ("getClock", route!(super::clock)),
        ("advanceClock", route!(super::advance)),
        ("freezeClock", route!(super::freeze)),
        ("unfreezeClock", route!(super::unfreeze)),
        ("listRequests", route!(super::requests)),
        ("clearRequests", route!(super::clear_requests)),
        ("startCall", route!(sim_routes::start_call)),
        ("listCampaigns", route!(sim_routes::list_campaigns)),
        ("startCampaign", route!(sim_routes::start_campaign)),
        ("getCampaign", route!(sim_routes::get_campaign)),
        ("resumeCampaign", route!(sim_routes::resume_campaign)),
        ("triggerEvent", route!(sim_routes::trigger)),
        ("listWebhookEndpoints", route!(sim_routes::list_endpoints)),
        ("createWebhookEndpoint", route!(sim_routes::add_endpoint)),
        ("getWebhookEndpoint", route!(sim_routes::get_endpoint)),
        ("updateWebhookEndpoint", route!(sim_routes::update_endpoint)),
        ("deleteWebhookEndpoint", route!(sim_routes::remove_endpoint)),
        ("listDeliveries", route!(sim_routes::list_deliveries)),
        ("getDelivery", route!(sim_routes::get_delivery)),
        ("redeliver", route!(sim_routes::redeliver)),
        ("getChaos", route!(sim_routes::get_chaos)),
        ("setChaos", route!(sim_routes::put_chaos)),
        ("mergeChaos", route!(sim_routes::patch_chaos)),
    ])
});

/// The `{id}` of a templated control path (every templated control path has exactly one
/// parameter, `id`), percent-decoded.
pub(crate) struct PathId(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<PathId>() {
            Some(PathId(id)) => Ok(PathId(id.clone())),
            None => Err(ApiError::internal(
                "a control handler that needs a path id was routed without one",
                serde_json::json!({}),
            )
            .into_response()),
        }
    }
}

impl Clone for PathId {
    fn clone(&self) -> Self {
        PathId(self.0.clone())
    }
}

/// Answers a request under `/_mock/`.
pub(crate) async fn dispatch(State(st): State<Shared>, req: Request) -> Response {
    let full = req.uri().path().to_owned();
    let Some(path) = contract().strip_base_path(&full) else {
        return ApiError::no_route(&full).into_response();
    };
    let (operation, path_params) = match contract().match_path(req.method().as_str(), path) {
        PathMatch::Found {
            operation,
            path_params,
        } => (operation, path_params),
        PathMatch::MethodNotAllowed { allowed } => {
            return ApiError::method_not_allowed(req.method().as_str(), &allowed).into_response();
        }
        PathMatch::NotFound => return ApiError::no_route(&full).into_response(),
    };
    let Some(handler) = HANDLERS.get(operation.id.as_str()) else {
        return ApiError::internal(
            "the control operation has no handler",
            serde_json::json!({ "operationId": operation.id }),
        )
        .into_response();
    };
    let mut req = match super::validate::check(operation, &path_params, req).await {
        Ok(req) => req,
        Err(refused) => return refused,
    };
    if let Some((_, id)) = path_params.into_iter().find(|(name, _)| name == "id") {
        req.extensions_mut().insert(PathId(id));
    }
    handler(req, st).await
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_operation_has_a_handler_and_every_handler_an_operation() {
        let documented: BTreeSet<&str> = contract()
            .operations()
            .iter()
            .map(|o| o.id.as_str())
            .collect();
        let handled: BTreeSet<&str> = HANDLERS.keys().copied().collect();
        let unhandled: Vec<_> = documented.difference(&handled).collect();
        let undocumented: Vec<_> = handled.difference(&documented).collect();
        assert!(
            unhandled.is_empty() && undocumented.is_empty(),
            "operations without a handler: {unhandled:?}; handlers without an operation: {undocumented:?}"
        );
        assert_eq!(documented.len(), 27, "{documented:?}");
    }

    #[test]
    fn every_templated_path_has_exactly_the_id_parameter() {
        for op in contract().operations() {
            let names: Vec<&str> = op
                .path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            assert!(
                names.is_empty() || names == ["id"],
                "{}: {names:?}",
                op.path
            );
        }
    }

    #[test]
    fn the_contract_routes_literals_before_ids_and_knows_allowed_methods() {
        let c = contract();
        match c.match_path("GET", "/webhooks/deliveries") {
            PathMatch::Found { operation, .. } => assert_eq!(operation.id, "listDeliveries"),
            other => panic!("{other:?}"),
        }
        match c.match_path("PUT", "/health") {
            PathMatch::MethodNotAllowed { allowed } => assert_eq!(allowed, ["GET", "HEAD"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.match_path("GET", "/nosuch"), PathMatch::NotFound);
        assert_eq!(c.strip_base_path("/_mock/health"), Some("/health"));
    }
}
