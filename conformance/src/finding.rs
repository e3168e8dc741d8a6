//! Findings: what a check reports. A finding is a typed value, never a formatted string, so
//! reporters can group, deduplicate and render it as they like.

use serde::Serialize;

use crate::checks::catalogue::Level;

/// One deviation (or, for SHOULD checks, a note) found by a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The check's stable id.
    pub check: &'static str,
    /// MUST or SHOULD.
    pub level: Level,
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
}

impl Finding {
    /// Findings with the same key are the same problem seen again; reports show it once.
    pub fn dedup_key(&self) -> (String, &'static str, String) {
        (
            self.operation_id.clone().unwrap_or_default(),
            self.check,
            self.title.clone(),
        )
    }
}
