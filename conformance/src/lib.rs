//! vici-conformance: runs property-based, protocol and scenario suites from the VICIagent v1
//! contract against any implementation's base URL and reports every deviation.
//!
//! # Layout
//!
//! A run is: discover fixtures (`fixtures`), plan cases per operation and phase (`plan`, with
//! the generators of `generate`), compute each case's expectation from the contract (`expect`),
//! send and judge it (`exec`, `http`, `checks`), shrink fuzzing failures (`runner`), run the
//! protocol phase (`protocol`, with the hand-made cases of `handmade`) and the scenario suites
//! (`scenario`, whose webhook steps use `webhook`), and turn everything into `events` that the
//! reporters of `report` consume. `cli` and `exit_code` serve the thin
//! binary. ARCHITECTURE.md walks through the flow; spec/DECISIONS.md is what the checks enforce.
#![deny(missing_docs)]

pub mod baseline;
pub mod case;
pub mod checks;
pub mod cli;
pub mod compare;
pub(crate) mod context;
pub mod drift;
pub mod events;
pub mod exec;
pub mod exit_code;
pub mod expect;
pub mod finding;
pub mod fixtures;
pub mod generate;
pub(crate) mod handmade;
pub mod http;
pub mod owned;
pub mod plan;
pub mod preflight;
pub mod profile;
pub(crate) mod protocol;
pub mod report;
pub mod requirements;
pub mod runner;
pub mod safety;
pub mod scenario;
pub mod wav;
pub mod webhook;
