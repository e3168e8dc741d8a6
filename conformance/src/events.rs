//! The run's event stream. The runner emits events; reporters (terminal, JSON, JUnit, progress)
//! only consume them, so adding a report format never touches the runner.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::case::{Case, Phase};
use crate::checks::catalogue::Level;
use crate::finding::Finding;

/// What happens during a run, in order.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// The run begins.
    Started(RunInfo),
    /// A phase of one operation begins (for progress display).
    PhaseStarted {
        /// The phase.
        phase: Phase,
        /// How many cases it plans (an upper bound).
        planned: usize,
    },
    /// One case was sent and checked.
    CaseFinished(Box<CaseRecord>),
    /// The run ends.
    Finished(Summary),
}

/// Facts about the run, for every report's header.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    /// The base URL under test.
    pub target: String,
    /// The root seed: the same seed and target reproduce the same cases.
    pub seed: u64,
    /// The operations selected.
    pub operations: Vec<String>,
    /// The checks enabled.
    pub checks: Vec<&'static str>,
    /// Wall-clock start (RFC 3339).
    pub started_at: String,
    /// The runner's version.
    pub version: &'static str,
}

/// The outcome of one check on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The check held.
    Passed,
    /// The check found a deviation.
    Failed,
}

/// One sent case and what the checks said.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseRecord {
    /// The case.
    pub case: Case,
    /// The response status, if a response came.
    pub status: Option<u16>,
    /// Round-trip time in microseconds.
    pub elapsed_us: u64,
    /// Each check that applied, and its outcome.
    pub checks: Vec<(&'static str, Outcome)>,
    /// The findings, already shrunk where the case was shrunk.
    pub findings: Vec<Finding>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every MUST check held on every case.
    Conformant,
    /// At least one MUST check failed.
    Deviations,
    /// The time budget ran out before every planned case ran: never a pass.
    Incomplete,
}

/// Per-operation statistics (what Schemathesis users ask for and do not get).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationStats {
    /// Cases sent.
    pub cases: usize,
    /// How often each status came back (`"none"` for no response).
    pub statuses: BTreeMap<String, usize>,
    /// Per check: (passed, failed).
    pub checks: BTreeMap<&'static str, (usize, usize)>,
}

/// Everything the reports show at the end.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The verdict.
    pub verdict: Verdict,
    /// Cases sent.
    pub cases: usize,
    /// Seconds the run took.
    pub duration_sec: f64,
    /// Statistics by operation id (`"-"` for cases outside any operation).
    pub operations: BTreeMap<String, OperationStats>,
    /// Distinct findings (deduplicated), MUST first.
    pub findings: Vec<Finding>,
}

impl Summary {
    /// MUST-level findings.
    pub fn must_failures(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Must)
            .count()
    }
}

/// Folds case records into a summary; the runner uses it, and so can any consumer.
#[derive(Debug, Default)]
pub struct Aggregator {
    cases: usize,
    operations: BTreeMap<String, OperationStats>,
    findings: Vec<Finding>,
    seen: std::collections::HashSet<(String, &'static str, String)>,
}

impl Aggregator {
    /// Adds one case.
    pub fn add(&mut self, rec: &CaseRecord) {
        self.cases += 1;
        let op = rec
            .case
            .operation_id
            .clone()
            .unwrap_or_else(|| "-".to_owned());
        let stats = self.operations.entry(op).or_default();
        stats.cases += 1;
        let status = rec
            .status
            .map_or_else(|| "none".to_owned(), |s| s.to_string());
        *stats.statuses.entry(status).or_default() += 1;
        for (check, outcome) in &rec.checks {
            let e = stats.checks.entry(check).or_default();
            match outcome {
                Outcome::Passed => e.0 += 1,
                Outcome::Failed => e.1 += 1,
            }
        }
        for f in &rec.findings {
            if self.seen.insert(f.dedup_key()) {
                self.findings.push(f.clone());
            }
        }
    }

    /// The summary so far.
    pub fn summary(&self, duration_sec: f64, complete: bool) -> Summary {
        let mut findings = self.findings.clone();
        findings.sort_by(|a, b| {
            (a.level, &a.operation_id, a.check, &a.title).cmp(&(
                b.level,
                &b.operation_id,
                b.check,
                &b.title,
            ))
        });
        let must = findings.iter().any(|f| f.level == Level::Must);
        Summary {
            verdict: if must {
                Verdict::Deviations
            } else if !complete {
                Verdict::Incomplete
            } else {
                Verdict::Conformant
            },
            cases: self.cases,
            duration_sec,
            operations: self.operations.clone(),
            findings,
        }
    }
}
