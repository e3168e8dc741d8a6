//! The rules the API pipeline applies to each request and answer: who may call (`auth`), how
//! often (`rate_limit`), which faults are injected (`chaos`) and whether an answer fits the
//! contract (`response_check`).
//!
//! These sit below `state` (which owns the rate limiter and the chaos settings) and below `api`
//! and `control` (which apply them), and depend only on `config` and `error`.

pub(crate) mod auth;
pub(crate) mod chaos;
pub(crate) mod rate_limit;
pub(crate) mod response_check;
