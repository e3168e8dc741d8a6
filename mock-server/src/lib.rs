//! vici-mock: a spec-driven, stateful stand-in for the VICIagent v1 API.
//!
//! (Crate documentation is written when the pieces land; see ARCHITECTURE.md.)
#![deny(missing_docs)]

pub(crate) mod api;
pub mod app;
pub(crate) mod audio;
pub(crate) mod auth;
pub(crate) mod chaos;
pub(crate) mod clock;
pub mod config;
pub(crate) mod control;
pub(crate) mod cost;
pub(crate) mod csv_import;
pub(crate) mod detail_cache;
pub(crate) mod determinism;
pub(crate) mod error;
pub(crate) mod fake;
pub(crate) mod front;
pub mod health;
pub(crate) mod http;
pub(crate) mod journal;
pub(crate) mod json_writer;
pub(crate) mod observe;
pub(crate) mod rate_limit;
pub(crate) mod render;
pub(crate) mod response_check;
pub mod server;
pub(crate) mod settings_page;
pub(crate) mod signing;
pub(crate) mod sim;
pub mod state;
pub(crate) mod store;
#[doc(hidden)]
pub mod test_hooks;
pub(crate) mod transcript;

pub use app::{app, serve};
pub use config::{Config, KeyPolicy};
pub use server::{Server, StartError};
pub use state::{AppState, Shared};

/// Installs the process's TLS crypto provider (ring) for webhook deliveries to `https://` URLs.
/// Idempotent; a provider installed earlier (by an embedding program) is kept.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
