//! Scenario suites: declarative multi-step flows in YAML (`scenarios/*.yaml`, embedded in the
//! binary; `--scenarios DIR` adds a user's own). A step is a request (an operationId or a method
//! and path, its parameters, body and key) with assertions (status, conditions on JSON pointers,
//! headers and variables, a condition every item of a list must hold, a walked list against a
//! filtered copy of another), captures for the steps after, and `paginate` to walk a list page by
//! page checking the page invariants. Every assertion names a check id of the catalogue and may
//! cite its requirement (a page quote, or a D-entry).
//!
//! `model` is the format, `load` reads files, `lint` finds what parsing cannot, `template`
//! fills in variables, `cond` evaluates conditions, `capability` says what the run offers,
//! `control` drives a mock's control API, `deliveries` awaits and judges webhook deliveries at
//! the run's receiver, and `engine` runs scenarios through the run's executor.

pub mod capability;
pub mod cond;
mod control;
mod deliveries;
pub mod engine;
pub mod lint;
pub mod load;
pub mod model;
pub mod template;

/// The scenario (`suite/scenario`) a case id of the scenarios phase names: its id is
/// `scenario/<suite>/<scenario>[ [row]]/<step>…`, and scenario names are `[a-z0-9-]+`.
pub fn scenario_of_case_id(id: &str) -> Option<String> {
    let rest = id.strip_prefix("scenario/")?;
    let (suite, rest) = rest.split_once('/')?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect();
    (!suite.is_empty() && !name.is_empty()).then(|| format!("{suite}/{name}"))
}
