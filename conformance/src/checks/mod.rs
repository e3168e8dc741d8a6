//! Checks: the registry (data) and the functions that apply them.
//!
//! - `catalogue`: the registry. One entry per check: id, level, binding, source, description and
//!   kind, which is either the function that judges one exchange or a flow's verdict.
//! - `response`: the exchange checks' functions (universal ones and expectation ones).
//! - Flow checks are verdicts of the phases that judge sequences of exchanges: stateful ones
//!   (`create_read_back`, `use_after_delete`, …) in `crate::stateful`, protocol ones
//!   (`auth_required`, `method_not_allowed`, …) in `crate::protocol`, drift in `crate::runner`.

pub mod catalogue;
pub mod response;
