//! vici-conformance: runs property-based and stateful suites from the VICIagent v1 contract
//! against any implementation's base URL and reports every deviation.
#![deny(missing_docs)]

pub mod case;
pub mod checks;
pub mod events;
pub mod finding;
pub mod generate;
pub mod report;
pub mod expect;
pub mod fixtures;
pub mod plan;
pub mod exec;
pub(crate) mod protocol;
pub mod runner;
pub(crate) mod stateful;
pub mod http;
pub(crate) mod steps;
pub mod exit_code;
pub mod cli;
