//! Findings: what a check reports. A finding is a typed value, never a formatted string, so
//! reporters can group, deduplicate and render it as they like.

use serde::Serialize;
use spec::Binding;

use crate::checks::catalogue::Level;
use crate::profile::Profile;

/// Checks that only ever produce notes, whatever the profile: D-WEBHOOK-SIGNATURE makes the
/// replay note "never a failure".
pub const INFORMATIONAL: &[&str] = &["webhook_replay"];

/// What a failed verdict of `check` (of `level`, breaking a rule of `binding`) means under
/// `profile`: a failure when the profile holds the binding, and, for SHOULD checks, only under
/// `strict` (what our own mock is held to); a note otherwise, and always for
/// [`INFORMATIONAL`] checks.
pub fn severity(check: &str, level: Level, binding: Binding, profile: Profile) -> Severity {
    let held = level == Level::Must || profile == Profile::Strict;
    if held && profile.holds(binding) && !INFORMATIONAL.contains(&check) {
        Severity::Failure
    } else {
        Severity::Note
    }
}

/// What a finding means under the run's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A MUST rule the profile holds failed: the gate fails.
    Failure,
    /// Shown, never failing: a SHOULD, or a rule of a binding the profile does not hold
    /// ("differs from the reference contract").
    Note,
}

/// One deviation (or, for SHOULD checks, a note) found by a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The check's stable id.
    pub check: &'static str,
    /// MUST or SHOULD.
    pub level: Level,
    /// Where the broken rule comes from: the page, our contract or our mock.
    pub binding: Binding,
    /// The rule's source: a quote of the reference page, or a D-entry of spec/DECISIONS.md.
    pub source: String,
    /// Failure or note, under the run's profile.
    pub severity: Severity,
    /// The operation, if the finding belongs to one.
    pub operation_id: Option<String>,
    /// A short title ("status 500 is a server error").
    pub title: String,
    /// Details: what was expected and what came back.
    pub message: String,
    /// The case that showed it.
    pub case_id: String,
    /// A command that reproduces it.
    pub curl: String,
    /// Where in the response (a JSON pointer) and in the schema, when the check knows.
    pub instance_pointer: Option<String>,
    /// The schema path of a schema violation.
    pub schema_path: Option<String>,
    /// Why the baseline accepts it, when it does (it then no longer fails the gate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
}

impl Finding {
    /// Whether the finding fails the gate.
    pub fn is_failure(&self) -> bool {
        self.severity == Severity::Failure
    }

    /// Findings with the same key are the same problem seen again; reports show it once. An
    /// [`INFORMATIONAL`] note is about the scheme, not one operation: one for the run.
    pub fn dedup_key(&self) -> (String, &'static str, String) {
        let op = if INFORMATIONAL.contains(&self.check) {
            String::new()
        } else {
            self.operation_id.clone().unwrap_or_default()
        };
        (op, self.check, self.title.clone())
    }
}
