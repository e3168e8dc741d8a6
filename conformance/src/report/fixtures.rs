//! Hand-built event sequences for the reporters' tests: a conformant run, and a run with two
//! MUST findings and one SHOULD finding across two operations.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::case::{Auth, Body, Case, Expectation, Phase};
use crate::checks::catalogue::{CATALOGUE, Level};
use crate::events::{Aggregator, CaseRecord, Outcome, RunEvent, RunInfo, Summary};
use crate::finding::{Finding, Severity};
use crate::profile::Profile;
use spec::Binding;

pub(crate) const TARGET: &str = "http://127.0.0.1:8080/api/v1";

/// The run's facts, with a fixed start time and version so snapshots are stable.
pub(crate) fn run_info() -> RunInfo {
    RunInfo {
        target: TARGET.to_owned(),
        seed: 42,
        operations: vec!["createAgent".to_owned(), "listCalls".to_owned()],
        checks: CATALOGUE.iter().map(|c| c.id).collect(),
        started_at: "2025-01-02T03:04:05Z".to_owned(),
        version: "0.1.0",
        profile: Profile::Contract,
        contract_digest: "0".repeat(64),
        settings: serde_json::json!({"maxExamples": 3, "workers": 2}),
    }
}

fn case(op: &str, phase: Phase, n: usize, method: &str, path: &str, expect: Expectation) -> Case {
    let body = (method == "POST").then(|| Body {
        content_type: Some("application/json".to_owned()),
        bytes: br#"{"name":"Ada","voice":{"speed":9}}"#.to_vec(),
    });
    Case {
        id: format!("{op}/{}/{n}", phase.as_str()),
        operation_id: Some(op.to_owned()),
        phase,
        method: method.to_owned(),
        path: path.to_owned(),
        query: if method == "GET" {
            vec![("limit".to_owned(), n.to_string())]
        } else {
            vec![]
        },
        headers: vec![],
        auth: Auth::Primary,
        body,
        expect,
        note: String::new(),
    }
}

const UNIVERSAL: &[&str] = &[
    "not_a_server_error",
    "status_code_documented",
    "content_type",
    "response_schema",
];
const REJECT: &[&str] = &["error_shape", "negative_data_rejection", "violation_named"];

/// One record; `failed` lists the checks that failed, each with its finding's level, title and
/// message.
fn record(
    case: Case,
    status: u16,
    elapsed_us: u64,
    extra_checks: &[&'static str],
    failed: &[(&'static str, Level, &str, &str)],
) -> CaseRecord {
    let mut checks: Vec<(&'static str, Outcome)> = UNIVERSAL
        .iter()
        .chain(extra_checks)
        .map(|c| (*c, Outcome::Passed))
        .collect();
    let mut findings = Vec::new();
    for (check, level, title, message) in failed {
        // The run is under profile contract: MUSTs here are contract-level failures, SHOULDs
        // notes.
        let (binding, severity, outcome) = match level {
            Level::Must => (Binding::Contract, Severity::Failure, Outcome::Failed),
            Level::Should => (Binding::Contract, Severity::Note, Outcome::Noted),
        };
        match checks.iter_mut().find(|(c, _)| c == check) {
            Some(entry) => entry.1 = outcome,
            None => checks.push((check, outcome)),
        }
        findings.push(Finding {
            check,
            level: *level,
            binding,
            source: crate::checks::catalogue::info(check)
                .map(|c| c.source.to_owned())
                .unwrap_or_default(),
            severity,
            operation_id: case.operation_id.clone(),
            title: (*title).to_owned(),
            message: (*message).to_owned(),
            case_id: case.id.clone(),
            curl: case.to_curl(TARGET),
            instance_pointer: None,
            schema_path: None,
            accepted: None,
        });
    }
    CaseRecord {
        case,
        status: Some(status),
        elapsed_us,
        checks,
        findings,
        withheld: None,
    }
}

fn accept(statuses: &[u16]) -> Expectation {
    Expectation::accept(statuses)
}

fn reject(status: u16, location: &str) -> Expectation {
    Expectation::reject(status, "validation_error", vec![location.to_owned()])
}

fn phase(phase: Phase, planned: usize) -> RunEvent {
    RunEvent::PhaseStarted { phase, planned }
}

/// Turns records into the full event sequence, with a summary the runner's aggregator computes.
fn events(records: Vec<Vec<RunEvent>>, duration_sec: f64, complete: bool) -> Vec<RunEvent> {
    let mut out = vec![RunEvent::Started(run_info())];
    let mut agg = Aggregator::default();
    for e in records.into_iter().flatten() {
        if let RunEvent::CaseFinished(rec) = &e {
            agg.add(rec);
        }
        out.push(e);
    }
    let mut summary = agg.summary(duration_sec, complete, Profile::Contract);
    // A run that failed also shows what it changed on the target.
    if !complete || summary.must_failures() > 0 {
        summary.changes = crate::safety::Changes {
            policy: Some(crate::safety::Safety::default().resolve(false)),
            tag: "vc-42".to_owned(),
            agents_created: vec!["agt_Created00001".into(), "agt_Created00002".into()],
            agents_deleted: vec!["agt_Created00001".into()],
            numbers_bought: Vec::new(),
            lists_imported: 0,
            contacts_created: 0,
            cleanup_failures: 1,
            withheld: [("purchases".to_owned(), 3), ("pre_existing".to_owned(), 1)].into(),
        };
        use crate::events::{ScenarioOutcome, ScenarioStatus};
        let o = |id: &str, status, reason: Option<&str>| ScenarioOutcome {
            id: id.to_owned(),
            title: "a scenario".to_owned(),
            status,
            reason: reason.map(str::to_owned),
            steps: 3,
        };
        summary.scenarios = vec![
            o(
                "pagination/every-list [list=listAgents]",
                ScenarioStatus::Passed,
                None,
            ),
            o(
                "call-filters/by-value [filter=status, value=failed]",
                ScenarioStatus::Failed,
                None,
            ),
            o(
                "agents/patch-each-field [field=name]",
                ScenarioStatus::Skipped,
                Some("needs writes: the run is read-only"),
            ),
        ];
    }
    summary.requirements = crate::requirements::matrix(
        &summary,
        &crate::scenario::load::built_in().expect("the built-in suites parse"),
    );
    out.push(RunEvent::Finished(summary));
    out
}

fn finished(rec: CaseRecord) -> RunEvent {
    RunEvent::CaseFinished(Box::new(rec))
}

/// A run where every check holds: two operations, five cases.
pub(crate) fn conformant_events() -> Vec<RunEvent> {
    events(
        vec![
            vec![
                phase(Phase::Examples, 1),
                finished(record(
                    case(
                        "createAgent",
                        Phase::Examples,
                        0,
                        "POST",
                        "/agents",
                        accept(&[201]),
                    ),
                    201,
                    4_200,
                    &["positive_data_acceptance"],
                    &[],
                )),
                phase(Phase::Coverage, 4),
                finished(record(
                    case(
                        "createAgent",
                        Phase::Coverage,
                        0,
                        "POST",
                        "/agents",
                        reject(422, "body:/voice/speed"),
                    ),
                    422,
                    3_100,
                    REJECT,
                    &[],
                )),
            ],
            vec![
                phase(Phase::Examples, 1),
                finished(record(
                    case(
                        "listCalls",
                        Phase::Examples,
                        0,
                        "GET",
                        "/calls",
                        accept(&[200]),
                    ),
                    200,
                    2_500,
                    &["positive_data_acceptance", "list_order"],
                    &[],
                )),
                phase(Phase::Coverage, 3),
                finished(record(
                    case(
                        "listCalls",
                        Phase::Coverage,
                        0,
                        "GET",
                        "/calls",
                        accept(&[200]),
                    ),
                    200,
                    2_000,
                    &["positive_data_acceptance"],
                    &[],
                )),
                finished(record(
                    case(
                        "listCalls",
                        Phase::Coverage,
                        1,
                        "GET",
                        "/calls",
                        reject(400, "query:limit"),
                    ),
                    400,
                    1_900,
                    REJECT,
                    &[],
                )),
            ],
        ],
        0.5,
        true,
    )
}

/// A run with two MUST findings (one seen twice) and one SHOULD finding across two operations.
pub(crate) fn failing_events() -> Vec<RunEvent> {
    let schema_title = "body does not match the response schema";
    let schema_message = "/data/0/duration: \"12\" is not of type \"integer\"";
    events(
        vec![
            vec![
                phase(Phase::Examples, 1),
                finished(record(
                    case(
                        "createAgent",
                        Phase::Examples,
                        0,
                        "POST",
                        "/agents",
                        accept(&[201]),
                    ),
                    201,
                    4_200,
                    &["positive_data_acceptance", "undocumented_field"],
                    &[(
                        "undocumented_field",
                        Level::Should,
                        "response carries fields the schema does not list",
                        "/internal_ref is not in the Agent schema",
                    )],
                )),
                phase(Phase::Coverage, 4),
                finished(record(
                    case(
                        "createAgent",
                        Phase::Coverage,
                        0,
                        "POST",
                        "/agents",
                        reject(422, "body:/voice/speed"),
                    ),
                    201,
                    3_100,
                    REJECT,
                    &[(
                        "negative_data_rejection",
                        Level::Must,
                        "invalid input accepted",
                        "expected 422 validation_error naming body:/voice/speed, got 201",
                    )],
                )),
            ],
            vec![
                phase(Phase::Examples, 1),
                finished(record(
                    case(
                        "listCalls",
                        Phase::Examples,
                        0,
                        "GET",
                        "/calls",
                        accept(&[200]),
                    ),
                    200,
                    2_500,
                    &["positive_data_acceptance"],
                    &[("response_schema", Level::Must, schema_title, schema_message)],
                )),
                phase(Phase::Fuzzing, 100),
                finished(record(
                    case(
                        "listCalls",
                        Phase::Fuzzing,
                        0,
                        "GET",
                        "/calls",
                        accept(&[200]),
                    ),
                    200,
                    2_000,
                    &[],
                    &[("response_schema", Level::Must, schema_title, schema_message)],
                )),
                finished(record(
                    case(
                        "listCalls",
                        Phase::Fuzzing,
                        1,
                        "GET",
                        "/calls",
                        reject(400, "query:limit"),
                    ),
                    400,
                    1_900,
                    REJECT,
                    &[],
                )),
            ],
        ],
        1.25,
        true,
    )
}

/// The summary at the end of `events`.
pub(crate) fn summary_of(events: &[RunEvent]) -> &Summary {
    match events.last() {
        Some(RunEvent::Finished(s)) => s,
        _ => panic!("the sequence does not end with Finished"),
    }
}

/// Feeds every event to `reporter`.
pub(crate) fn drive(reporter: &mut dyn super::Reporter, events: &[RunEvent]) {
    for e in events {
        reporter.on_event(e).unwrap();
    }
}

/// A directory under the system temp directory, removed on drop (no `tempfile` dependency).
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vici-conformance-report-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
