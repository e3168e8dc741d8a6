//! The versioned JSON report.

use std::path::PathBuf;

use serde::Serialize;

use super::ReportError;
use crate::checks::catalogue::{CATALOGUE, Check};
use crate::events::{RunInfo, Summary};

/// The version of the JSON report's shape. It changes only when a field is removed, renamed or
/// changes meaning; adding a field keeps it.
pub const JSON_REPORT_VERSION: u32 = 2;

/// The JSON report's document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReport<'a> {
    /// [`JSON_REPORT_VERSION`].
    pub report_version: u32,
    /// Always `vici-conformance`.
    pub tool: &'static str,
    /// The run's facts (`null` if the reporter saw no `Started` event).
    pub run: Option<&'a RunInfo>,
    /// The run's summary.
    pub summary: &'a Summary,
    /// The whole check catalogue, so the report explains its own check ids.
    pub checks: &'static [Check],
}

/// The JSON report for a run.
pub fn json_report<'a>(run: Option<&'a RunInfo>, summary: &'a Summary) -> JsonReport<'a> {
    JsonReport {
        report_version: JSON_REPORT_VERSION,
        tool: "vici-conformance",
        run,
        summary,
        checks: CATALOGUE,
    }
}

/// Writes the JSON report (pretty-printed, see [`JsonReport`]) to its path when the run finishes.
pub struct JsonReporter;

impl JsonReporter {
    /// A reporter writing to `path` (parent directories are created when it writes).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: PathBuf) -> super::on_finish::FileReport {
        super::on_finish::FileReport::new(path, render)
    }
}

/// The JSON text of a run, pretty-printed, ending in a newline.
fn render(run: Option<&RunInfo>, summary: &Summary) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(&json_report(run, summary))
        .map_err(|e| ReportError::Serialize(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::RunEvent;
    use crate::report::Reporter as _;
    use crate::report::fixtures::{TempDir, conformant_events, drive, failing_events};

    fn written(name: &str, events: &[RunEvent]) -> serde_json::Value {
        let dir = TempDir::new(name);
        let path = dir.path().join("out/nested/report.json");
        let mut r = JsonReporter::new(path.clone());
        drive(&mut r, events);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n"));
        serde_json::from_str(&text).unwrap()
    }

    /// The published schema of the report (conformance/schemas/report.schema.json).
    const SCHEMA: &str = include_str!("../../schemas/report.schema.json");

    #[test]
    fn every_report_is_valid_against_the_published_schema() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        let validator = spec::Validator::compile(&schema).expect("the schema compiles");
        let mut certified = failing_events();
        if let Some(RunEvent::Finished(s)) = certified.last_mut() {
            s.profile = crate::profile::Profile::Certification;
            s.certification = Some(crate::requirements::certify(&s.requirements, s));
        }
        for (name, events) in [
            ("schema-ok", conformant_events()),
            ("schema-fail", failing_events()),
            ("schema-cert", certified),
        ] {
            let v = written(name, &events);
            assert!(
                validator.is_valid(&v),
                "{name}: {:?}",
                validator.violations(&v)
            );
        }
        // The schema says something: a report without its verdict is not one.
        let mut broken = written("schema-broken", &conformant_events());
        broken["summary"].as_object_mut().unwrap().remove("verdict");
        assert!(!validator.is_valid(&broken));
    }

    #[test]
    fn conformant_run() {
        // The start time and durations are fixed in the fixtures, so nothing needs redacting.
        insta::assert_json_snapshot!(written("json-ok", &conformant_events()));
    }

    #[test]
    fn failing_run() {
        insta::assert_json_snapshot!(written("json-fail", &failing_events()));
    }

    #[test]
    fn header_fields() {
        let v = written("json-header", &conformant_events());
        assert_eq!(v["reportVersion"], 2);
        assert_eq!(v["run"]["profile"], "contract");
        assert_eq!(v["summary"]["profile"], "contract");
        assert_eq!(v["tool"], "vici-conformance");
        assert_eq!(v["run"]["seed"], 42);
        assert_eq!(v["checks"].as_array().unwrap().len(), CATALOGUE.len());
        assert_eq!(v["summary"]["verdict"], "conformant");
    }

    #[test]
    fn writes_only_at_finished_and_creates_directories() {
        let dir = TempDir::new("json-lazy");
        let path = dir.path().join("a/b/report.json");
        let mut r = JsonReporter::new(path.clone());
        let events = failing_events();
        let (last, rest) = events.split_last().unwrap();
        drive(&mut r, rest);
        assert!(
            !dir.path().join("a").exists(),
            "nothing is created before Finished"
        );
        r.on_event(last).unwrap();
        assert!(path.is_file());
    }
}
