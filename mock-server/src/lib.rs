//! vici-mock: a spec-driven, stateful stand-in for the VICIagent v1 API.
//!
//! (Crate documentation is written when the pieces land; see ARCHITECTURE.md.)
#![deny(missing_docs)]

pub(crate) mod api;
pub(crate) mod clock;
pub mod config;
pub(crate) mod control;
pub(crate) mod derive;
pub(crate) mod determinism;
pub(crate) mod error;
pub(crate) mod fake;
pub(crate) mod http;
pub(crate) mod policy;
pub(crate) mod render;
pub(crate) mod sim;
pub mod state;
pub(crate) mod store;
#[doc(hidden)]
pub mod test_hooks;

pub use app::{app, serve};
pub use config::{Config, KeyPolicy};
pub use http::{app, health, server};
pub use server::{Server, StartError};
pub use state::{AppState, Shared};

/// Installs the process's TLS crypto provider (ring) for webhook deliveries to `https://` URLs.
/// Idempotent; a provider installed earlier (by an embedding program) is kept.
pub fn install_crypto() {
    sim::install_crypto();
}
