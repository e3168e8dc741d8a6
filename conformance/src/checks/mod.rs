//! Checks: the catalogue (data) and the functions that apply them.
//!
//! - `catalogue`: ids, levels, descriptions and sources of every check.
//! - `response`: checks that judge one exchange (universal ones and expectation ones).
//! - Stateful checks (`create_read_back`, `use_after_delete`, …) live in `crate::stateful`,
//!   protocol ones (`auth_required`, `method_not_allowed`, …) in `crate::protocol`: they judge
//!   sequences of exchanges, not one.

pub mod catalogue;
pub mod response;
