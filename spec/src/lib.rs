//! The machine-readable contract of the VICIagent v1 REST API.
//!
//! The contract is an OpenAPI 3.1.0 document (`spec/openapi.json`, schemas
//! in JSON Schema 2020-12) embedded in this crate as [`OPENAPI_JSON`]. The
//! crate loads it, indexes it and validates traffic against it, for two
//! consumers: the mock server (checks incoming requests, optionally its own
//! responses) and the conformance runner (generates requests from schemas,
//! checks a real server's responses). Both judging by this one crate is what
//! keeps them consistent.
//!
//! It does no network I/O and knows no web framework: paths, headers and
//! query pairs come in as plain strings, bodies as bytes.
//!
//! ```
//! use spec::{Contract, PathMatch, RawRequest};
//!
//! let doc = r#"{
//!   "openapi": "3.1.0",
//!   "info": {"title": "demo", "version": "1"},
//!   "servers": [{"url": "/api/v1"}],
//!   "paths": {"/calls/{id}": {"get": {
//!     "operationId": "getCall",
//!     "parameters": [{"name": "id", "in": "path", "required": true,
//!                     "schema": {"type": "string"}}],
//!     "responses": {"200": {"description": "ok"}}
//!   }}}
//! }"#;
//! let contract = Contract::from_json(doc)?;
//! let path = contract.strip_base_path("/api/v1/calls/call_1").unwrap();
//! let PathMatch::Found { operation, path_params } = contract.match_path("GET", path) else {
//!     panic!("no match");
//! };
//! let values = operation
//!     .validate_parameters(&RawRequest { path_params: &path_params, ..RawRequest::default() })
//!     .unwrap();
//! assert_eq!(values.get("id").unwrap(), "call_1");
//! # Ok::<(), spec::SpecError>(())
//! ```
//!
//! # Layout
//!
//! One concern per module, each private to the crate unless re-exported
//! here, so the public surface is exactly what the two consumers use:
//!
//! - `contract`: [`Contract`], the entry point; loading ([`Contract::v1`],
//!   [`Contract::from_json`]) and lookups. Everything is computed once at
//!   load time so per-request work is lookups only.
//! - `resolve`: inlines every internal `$ref` (with cycle detection), so
//!   each schema fragment compiles on its own. We index raw
//!   `serde_json::Value`s ourselves because `openapiv3` only speaks 3.0 and
//!   we need just a small, strict view.
//! - `index`: reads operations, parameters, bodies, responses and webhooks
//!   out of the resolved document into the types of `model`, compiling
//!   every schema and naming the JSON pointer of anything malformed.
//! - `model`: those types ([`Operation`], [`Parameter`], [`Response`], ...).
//! - `validator`: [`Validator`], a shared compiled draft 2020-12 schema with
//!   formats asserted, and [`SchemaViolation`] with short messages.
//! - `router`: path templates pre-split into segments, grouped by length;
//!   matching is a walk over a handful of candidates, no regexes.
//! - `media`: `Content-Type` essence and wildcard matching.
//! - [`request`]: validation shared by both consumers: parameter coercion
//!   and checks, body classification, response header and body checks.
//! - [`binding`]: where each rule comes from (page, contract, mock), read
//!   from `x-vici-binding` annotations, and the projections that classify a
//!   schema violation by binding.
//! - [`rules`]: the rules the mock applies and the runner predicts that the
//!   schemas cannot state (error codes by status, body limits, body and CSV
//!   refusals, id prefixes), each written once and citing its decision.
//! - `error`: [`SpecError`].

#![deny(missing_docs)]

pub mod binding;
mod contract;
pub mod derive;
mod error;
mod index;
mod media;
mod model;
pub mod request;
mod resolve;
mod router;
pub mod rules;
mod validator;

pub use binding::{Binding, Classified, Rule};
pub use contract::{Contract, OPENAPI_JSON};
pub use error::SpecError;
pub use model::{
    HeaderSpec, MediaType, Method, Operation, ParamIn, Parameter, Rejection, RequestBody, Response,
    UnknownMethod, Webhook, find_media_type,
};
pub use request::{BodyError, BodyValue, Location, ParamValues, RawRequest, Violation};
pub use router::PathMatch;
pub use validator::{SchemaViolation, Validator};
