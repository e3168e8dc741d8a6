//! The run's event stream. The runner emits events; reporters (terminal, JSON, JUnit, progress)
//! only consume them, so adding a report format never touches the runner.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::case::{Case, Phase};
use crate::finding::Finding;
use crate::profile::Profile;

/// What happens during a run, in order.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum RunEvent {
    /// The run begins.
    Started(RunInfo),
    /// The plan, before the first phase: how many requests, by phase.
    Planned(Plan),
    /// A phase of one operation begins (for progress display).
    PhaseStarted {
        /// The phase.
        phase: Phase,
        /// How many cases it plans (an upper bound).
        planned: usize,
    },
    /// One case was sent and checked.
    CaseFinished(Box<CaseRecord>),
    /// A scenario (one matrix row of it) ended.
    ScenarioFinished(ScenarioOutcome),
    /// The run ends.
    Finished(Summary),
}

/// How many requests the run plans to send, and how long that takes at the target's limit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Requests in all (shrinking and retries come on top).
    pub requests: usize,
    /// Requests by phase (protocol and stateful are estimates).
    pub by_phase: Vec<(Phase, usize)>,
    /// Fuzzing cases per operation.
    pub fuzz_examples: usize,
    /// Requests a minute the target admits for the key, if it says (`X-RateLimit-Limit`).
    pub rate_limit: Option<u64>,
    /// The request budget, if one was given.
    pub request_budget: Option<u64>,
    /// What the run may change ([`crate::safety::Policy::describe`]).
    pub safety: String,
    /// What the run will not test, and why (read-only, purchases off, no number of its own).
    pub notes: Vec<String>,
}

impl Plan {
    /// The plan in one line, for a person ("about 1,234 requests …; at 300 a minute about 4 min 7 s").
    pub fn describe(&self) -> String {
        let phases: Vec<String> = self
            .by_phase
            .iter()
            .map(|(p, n)| format!("{} {n}", p.as_str()))
            .collect();
        let mut s = format!(
            "plan: about {} requests ({})",
            self.requests,
            phases.join(", ")
        );
        if let Some(b) = self.request_budget {
            s.push_str(&format!(", within the request budget of {b}"));
        }
        match self.rate_limit {
            Some(limit) if limit > 0 => {
                let secs = (self.requests as u64 * 60).div_ceil(limit);
                s.push_str(&format!(
                    "; at the target's {limit} requests a minute that takes at least {}",
                    duration_words(secs)
                ));
            }
            _ => s.push_str("; the target states no rate limit"),
        }
        if !self.safety.is_empty() {
            s.push_str(&format!("\n  changes: {}", self.safety));
        }
        for n in &self.notes {
            s.push_str(&format!("\n  not tested: {n}"));
        }
        s
    }
}

fn duration_words(secs: u64) -> String {
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioStatus {
    /// Every step ran and nothing failed the run.
    Passed,
    /// A step's assertion (or an exchange check) failed the run.
    Failed,
    /// It needs something the target or the run does not offer; the reason says what.
    Skipped,
    /// The runner could not go on (a variable never set, an answer with nothing to capture).
    Error,
    /// It does not apply to this target (an unknown key where every key is welcome).
    NotApplicable,
}

impl ScenarioStatus {
    /// Lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioStatus::Passed => "passed",
            ScenarioStatus::Failed => "failed",
            ScenarioStatus::Skipped => "skipped",
            ScenarioStatus::Error => "error",
            ScenarioStatus::NotApplicable => "not applicable",
        }
    }
}

/// One scenario's ending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioOutcome {
    /// `<suite>/<scenario>`, with the matrix row (`[status=completed]`) where there is one.
    pub id: String,
    /// What it shows.
    pub title: String,
    /// How it ended.
    pub status: ScenarioStatus,
    /// Why it was skipped, failed or errored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Steps that ran.
    pub steps: usize,
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
    /// The profile: which bindings fail the run.
    pub profile: Profile,
    /// The sha256 (hex) of the contract document that judged the responses.
    pub contract_digest: String,
    /// The run's configuration, with every secret left out (keys and the webhook secret are
    /// only said to be given).
    pub settings: serde_json::Value,
}

/// The outcome of one check on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The check held.
    Passed,
    /// The check found a deviation that fails the run.
    Failed,
    /// The check found a departure the profile does not hold (or a SHOULD): a note.
    Noted,
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
    /// Why the safety guard did not send the case, if it did not (such records are counted,
    /// never reported as cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
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
    /// No case ran, or none of the selected checks applied to any: never a pass.
    NothingTested,
}

impl Verdict {
    /// `conformant`, `deviations`, `incomplete`, `nothing_tested`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Conformant => "conformant",
            Verdict::Deviations => "deviations",
            Verdict::Incomplete => "incomplete",
            Verdict::NothingTested => "nothing_tested",
        }
    }
}

/// How often one check held, failed and noted a departure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CheckCount {
    /// Applied and held.
    pub passed: usize,
    /// Applied and failed (a failure under the profile).
    pub failed: usize,
    /// Applied and noted (a departure the profile does not hold, or a SHOULD).
    pub noted: usize,
}

/// Per-operation statistics (what Schemathesis users ask for and do not get).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationStats {
    /// Cases sent.
    pub cases: usize,
    /// How often each status came back (`"none"` for no response).
    pub statuses: BTreeMap<String, usize>,
    /// Per check: how often it held, failed and noted.
    pub checks: BTreeMap<&'static str, CheckCount>,
}

/// Everything the reports show at the end.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The verdict.
    pub verdict: Verdict,
    /// The profile the verdict was reached under.
    pub profile: Profile,
    /// Cases sent.
    pub cases: usize,
    /// Seconds the run took.
    pub duration_sec: f64,
    /// Statistics by operation id (`"-"` for cases outside any operation).
    pub operations: BTreeMap<String, OperationStats>,
    /// Distinct findings (deduplicated), MUST first.
    pub findings: Vec<Finding>,
    /// What the run changed on the target, what it cleaned up, and what it withheld.
    pub changes: crate::safety::Changes,
    /// How each scenario ended, in the order they ran.
    pub scenarios: Vec<ScenarioOutcome>,
    /// Every check as a requirement of the profile, with its status and evidence.
    pub requirements: Vec<crate::requirements::Requirement>,
    /// Under a certification profile: whether it holds, and why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification: Option<crate::requirements::Certification>,
    /// With `--baseline`: what it accepted, what had expired, what matched nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Applied>,
}

impl Summary {
    /// Findings that fail the run under its profile.
    pub fn must_failures(&self) -> usize {
        self.findings.iter().filter(|f| f.is_failure()).count()
    }

    /// Findings shown as notes (SHOULDs, and departures the profile does not hold).
    pub fn notes(&self) -> usize {
        self.findings.len() - self.must_failures()
    }

    /// How many check verdicts the run reached (passed, failed or noted), over every operation.
    pub fn verdicts(&self) -> usize {
        self.operations
            .values()
            .flat_map(|o| o.checks.values())
            .map(|c| c.passed + c.failed + c.noted)
            .sum()
    }
}

/// Folds case records into a summary; the runner uses it, and so can any consumer.
#[derive(Debug, Default)]
pub struct Aggregator {
    cases: usize,
    scenarios: Vec<ScenarioOutcome>,
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
                Outcome::Passed => e.passed += 1,
                Outcome::Failed => e.failed += 1,
                Outcome::Noted => e.noted += 1,
            }
        }
        for f in &rec.findings {
            if self.seen.insert(f.dedup_key()) {
                self.findings.push(f.clone());
            }
        }
    }

    /// Adds one scenario's ending.
    pub fn add_scenario(&mut self, o: &ScenarioOutcome) {
        self.scenarios.push(o.clone());
    }

    /// The summary so far, under `profile`.
    pub fn summary(&self, duration_sec: f64, complete: bool, profile: Profile) -> Summary {
        let mut findings = self.findings.clone();
        findings.sort_by(|a, b| {
            (a.severity, a.level, &a.operation_id, a.check, &a.title).cmp(&(
                b.severity,
                b.level,
                &b.operation_id,
                b.check,
                &b.title,
            ))
        });
        let failed = findings.iter().any(Finding::is_failure);
        let judged = self
            .operations
            .values()
            .flat_map(|o| o.checks.values())
            .any(|c| c.passed + c.failed + c.noted > 0);
        Summary {
            verdict: if failed {
                Verdict::Deviations
            } else if !complete
                || self
                    .scenarios
                    .iter()
                    .any(|s| s.status == ScenarioStatus::Error)
            {
                // A scenario the runner could not finish leaves the verdict open.
                Verdict::Incomplete
            } else if self.cases == 0 || !judged {
                Verdict::NothingTested
            } else {
                Verdict::Conformant
            },
            profile,
            cases: self.cases,
            duration_sec,
            operations: self.operations.clone(),
            findings,
            changes: crate::safety::Changes::default(),
            scenarios: self.scenarios.clone(),
            requirements: Vec::new(),
            certification: None,
            baseline: None,
        }
    }
}
