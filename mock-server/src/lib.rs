//! vici-mock: a spec-driven, stateful stand-in for the VICIagent v1 API.
//!
//! (Crate documentation is written when the pieces land; see ARCHITECTURE.md.)
#![deny(missing_docs)]

pub(crate) mod clock;
pub(crate) mod cost;
pub(crate) mod csv_import;
pub(crate) mod fake_data;
pub(crate) mod journal;
pub(crate) mod rate_limit;
pub(crate) mod transcript;
