//! Exit codes of `vici-conformance`, in one place. Documented in the README and `--help`.

/// The target conforms: every MUST check held on every case (SHOULD notes may exist).
pub const CONFORMANT: u8 = 0;
/// Deviations found: at least one MUST check failed, the time budget ran out first, or a
/// certification left a MUST requirement untested ("incomplete" is never a pass).
pub const DEVIATIONS: u8 = 1;
/// Usage or configuration error: bad flags, a bad base URL or one that is not a v1 API, an
/// unknown operation or check, an unreadable failures file, a key the target refuses, the same
/// key given twice, or a run that tested nothing.
pub const USAGE: u8 = 2;
/// The target is unreachable or stopped answering, or the runner itself failed (a report could
/// not be written).
pub const RUNNER_ERROR: u8 = 3;
