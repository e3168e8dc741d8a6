//! JUnit XML, for CI test dashboards and gates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::terminal::checks_in_order;
use super::{ReportError, Reporter, write_atomically};
use spec::Binding;

use crate::checks::catalogue::{Level, info};
use crate::events::{RunEvent, RunInfo, Summary, Verdict};
use crate::finding::Finding;

const NAME: &str = "vici-conformance";

/// Writes a JUnit XML report to its path when the run finishes.
///
/// Layout: the report is named `vici-conformance` and carries the run's total duration; there is
/// one `<testsuite>` per operation (named by operation id, `-` for requests outside any
/// operation), whose time is the sum of its cases' round-trip times and whose properties are the
/// target and seed; inside, one `<testcase>` per check that ran for that operation, named by the
/// check id, with the operation id as classname and the number of cases the check ran on as
/// `assertions`.
///
/// A check with a failure under the run's profile gets a `<failure>` whose message is its first
/// failing finding's title, whose type is `MUST`, and whose text is the finding's message, the
/// rule it breaks and its `curl` reproduction (further distinct failures of the same check and
/// operation follow).
///
/// **Notes are reported as passing test cases**, with the notes in the test case's
/// `<system-out>`: SHOULDs, and departures from rules of a binding the profile does not hold
/// ("differs from the reference contract"). CI gates that count JUnit failures fail exactly
/// when the run's own verdict does. The profile is a property of every suite.
///
/// An incomplete run (the time budget ran out before every case ran) or one that tested nothing
/// is never a pass: it adds a suite `vici-conformance` whose test case `complete` fails with type
/// `INCOMPLETE` or `NOTHING_TESTED`, so a gate cannot mistake it for a green run.
#[derive(Debug)]
pub struct JunitReporter {
    path: PathBuf,
    run: Option<RunInfo>,
    elapsed_us: BTreeMap<String, u64>,
    redactor: super::Redactor,
}

impl JunitReporter {
    /// The same, taking `redactor`'s secrets out of the text.
    pub fn redacting(mut self, redactor: super::Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// A reporter writing to `path` (parent directories are created when it writes).
    pub fn new(path: PathBuf) -> Self {
        JunitReporter {
            path,
            run: None,
            elapsed_us: BTreeMap::new(),
            redactor: super::Redactor::default(),
        }
    }
}

impl Reporter for JunitReporter {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), ReportError> {
        match event {
            RunEvent::Started(info) => self.run = Some(info.clone()),
            RunEvent::Planned(_)
            | RunEvent::PhaseStarted { .. }
            | RunEvent::ScenarioFinished(_) => {}
            RunEvent::CaseFinished(rec) => {
                let op = rec
                    .case
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| "-".to_owned());
                let t = self.elapsed_us.entry(op).or_default();
                *t = t.saturating_add(rec.elapsed_us);
            }
            RunEvent::Finished(summary) => {
                let report = junit_report(self.run.as_ref(), summary, &self.elapsed_us);
                let xml = report
                    .to_string()
                    .map_err(|e| ReportError::Serialize(format!("{e:#}")))?;
                write_atomically(&self.path, self.redactor.redact(&xml).as_bytes())?;
            }
        }
        Ok(())
    }
}

/// The JUnit report for a run; `elapsed_us` is the sum of round-trip times by operation id.
pub(super) fn junit_report(
    run: Option<&RunInfo>,
    summary: &Summary,
    elapsed_us: &BTreeMap<String, u64>,
) -> Report {
    let mut report = Report::new(NAME);
    if let Ok(d) = Duration::try_from_secs_f64(summary.duration_sec) {
        report.set_time(d);
    }

    let mut by_op: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &summary.findings {
        by_op
            .entry(f.operation_id.as_deref().unwrap_or("-"))
            .or_default()
            .push(f);
    }
    let ops: BTreeSet<&str> = summary
        .operations
        .keys()
        .map(String::as_str)
        .chain(by_op.keys().copied())
        .collect();

    for op in ops {
        let stats = summary.operations.get(op);
        let findings = by_op.get(op).map(Vec::as_slice).unwrap_or_default();
        let mut suite = TestSuite::new(op);
        if let Some(us) = elapsed_us.get(op) {
            suite.set_time(Duration::from_micros(*us));
        }
        if let Some(r) = run {
            suite.add_property(Property::new("target", r.target.as_str()));
            suite.add_property(Property::new("seed", r.seed.to_string()));
        }
        suite.add_property(Property::new("profile", summary.profile.as_str()));
        let ran = stats.into_iter().flat_map(|s| s.checks.keys().copied());
        for check in checks_in_order(ran, findings.iter().map(|f| f.check)) {
            let counts = stats
                .and_then(|s| s.checks.get(check))
                .copied()
                .unwrap_or_default();
            let (passed, failed) = (counts.passed + counts.noted, counts.failed);
            let mine: Vec<&Finding> = findings
                .iter()
                .copied()
                .filter(|f| f.check == check)
                .collect();
            let mut case = TestCase::new(check, check_status(check, failed, &mine));
            case.set_classname(op).set_assertions(passed + failed);
            if let Some(notes) = notes_of(&mine) {
                case.set_system_out(notes);
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }

    // One test case per scenario: passed, failed, skipped (with the reason) or error, apart.
    if !summary.scenarios.is_empty() {
        let mut suite = TestSuite::new("scenarios");
        suite.add_property(Property::new("profile", summary.profile.as_str()));
        for o in &summary.scenarios {
            use crate::events::ScenarioStatus;
            let reason = o.reason.clone().unwrap_or_default();
            let status = match o.status {
                ScenarioStatus::Passed => TestCaseStatus::success(),
                ScenarioStatus::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(reason);
                    s
                }
                ScenarioStatus::NotApplicable => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("not applicable: {reason}"));
                    s
                }
                ScenarioStatus::Failed | ScenarioStatus::Error => {
                    let kind = if o.status == ScenarioStatus::Failed {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut s = TestCaseStatus::non_success(kind);
                    s.set_message(if reason.is_empty() {
                        "a step failed; the findings say which".to_owned()
                    } else {
                        reason
                    });
                    s
                }
            };
            let mut case = TestCase::new(o.id.as_str(), status);
            case.set_classname("scenarios");
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }

    let unfinished = match summary.verdict {
        Verdict::Incomplete => Some((
            "INCOMPLETE",
            "time budget spent before every case ran — not a pass",
            format!(
                "{} cases ran before the time budget was spent",
                summary.cases
            ),
        )),
        Verdict::NothingTested => Some((
            "NOTHING_TESTED",
            "no selected check applied to any exchange — not a pass",
            format!("{} cases ran", summary.cases),
        )),
        Verdict::Conformant | Verdict::Deviations => None,
    };
    if let Some((kind, message, description)) = unfinished {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_message(message)
            .set_type(kind)
            .set_description(description);
        let mut case = TestCase::new("complete", status);
        case.set_classname(NAME);
        let mut suite = TestSuite::new(NAME);
        suite.add_test_case(case);
        report.add_test_suite(suite);
    }
    report
}

fn check_status(check: &str, failed: usize, findings: &[&Finding]) -> TestCaseStatus {
    let failures: Vec<&&Finding> = findings.iter().filter(|f| f.is_failure()).collect();
    if failed == 0 && failures.is_empty() {
        return TestCaseStatus::success();
    }
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_type(info(check).map_or("MUST", |c| c.level.as_str()));
    match failures.split_first() {
        Some((first, rest)) => {
            let mut text = format!("{}\n{}\n\n{}", first.message, rule_line(first), first.curl);
            for f in rest {
                text.push_str(&format!(
                    "\n\n{}\n{}\n{}\n\n{}",
                    f.title,
                    f.message,
                    rule_line(f),
                    f.curl
                ));
            }
            status
                .set_message(first.title.as_str())
                .set_description(text);
        }
        None => {
            status.set_message(format!("{failed} case(s) failed"));
        }
    }
    status
}

fn rule_line(f: &Finding) -> String {
    format!("rule ({}): {}", f.binding, f.source)
}

fn notes_of(findings: &[&Finding]) -> Option<String> {
    let notes: Vec<String> = findings
        .iter()
        .filter(|f| !f.is_failure())
        .map(|f| {
            let why = match (f.level, f.binding) {
                (Level::Should, _) => "a SHOULD".to_owned(),
                (_, Binding::Mock) => format!("differs from the reference mock ({})", f.source),
                _ => format!("differs from the reference contract ({})", f.source),
            };
            format!(
                "[note] {} ({why}; does not fail the run)\n{}\n\n{}",
                f.title, f.message, f.curl
            )
        })
        .collect();
    (!notes.is_empty()).then(|| notes.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{TempDir, conformant_events, drive, failing_events, summary_of};

    fn xml(name: &str, events: &[RunEvent]) -> String {
        let dir = TempDir::new(name);
        let path = dir.path().join("ci/junit.xml");
        let mut r = JunitReporter::new(path.clone());
        drive(&mut r, events);
        std::fs::read_to_string(path).unwrap()
    }

    /// The value of `attr` on the first `<tag ` element.
    fn attr<'a>(xml: &'a str, tag: &str, attr: &str) -> &'a str {
        let start = xml
            .find(&format!("<{tag} "))
            .unwrap_or_else(|| panic!("no <{tag}> in {xml}"));
        let elem = &xml[start..start + xml[start..].find('>').unwrap()];
        let key = format!(" {attr}=\"");
        let v = &elem[elem
            .find(&key)
            .unwrap_or_else(|| panic!("no {attr} in {elem}"))
            + key.len()..];
        &v[..v.find('"').unwrap()]
    }

    #[test]
    fn conformant_run() {
        insta::assert_snapshot!(xml("junit-ok", &conformant_events()));
    }

    #[test]
    fn failing_run() {
        insta::assert_snapshot!(xml("junit-fail", &failing_events()));
    }

    #[test]
    fn counts_only_must_failures() {
        let text = xml("junit-counts", &failing_events());
        assert!(text.starts_with("<?xml"));
        assert_eq!(attr(&text, "testsuites", "name"), "vici-conformance");
        // 17 check cases and 3 scenario cases: one scenario failed, one was skipped.
        assert_eq!(attr(&text, "testsuites", "tests"), "20");
        assert_eq!(attr(&text, "testsuites", "failures"), "3");
        assert_eq!(attr(&text, "testsuites", "errors"), "0");
        assert_eq!(attr(&text, "testsuites", "time"), "1.250");
        assert_eq!(text.matches("<testsuite ").count(), 3);
        assert_eq!(text.matches("<failure ").count(), 3);
        assert_eq!(text.matches("<skipped").count(), 1);
        assert_eq!(text.matches("type=\"MUST\"").count(), 2);
        assert_eq!(text.matches("<system-out>").count(), 1);
        assert_eq!(attr(&text, "testsuite", "name"), "createAgent");
        assert_eq!(attr(&text, "testsuite", "failures"), "1");
        assert_eq!(attr(&text, "testsuite", "time"), "0.007");

        // The XML parses (with quick-junit's own reader) and the counts agree.
        let parsed = Report::deserialize_from_str(&text).unwrap();
        assert_eq!((parsed.tests, parsed.failures), (20, 3));
        let per_suite: Vec<(&str, usize, usize)> = parsed
            .test_suites
            .iter()
            .map(|s| (s.name.as_str(), s.tests, s.failures))
            .collect();
        assert_eq!(
            per_suite,
            [
                ("createAgent", 9, 1),
                ("listCalls", 8, 1),
                ("scenarios", 3, 1)
            ]
        );
    }

    #[test]
    fn conformant_run_has_no_failures() {
        let parsed =
            Report::deserialize_from_str(&xml("junit-ok-counts", &conformant_events())).unwrap();
        assert_eq!((parsed.tests, parsed.failures, parsed.errors), (17, 0, 0));
    }

    #[test]
    fn incomplete_run_fails_the_gate() {
        let events = conformant_events();
        let mut summary = summary_of(&events).clone();
        summary.verdict = Verdict::Incomplete;
        let text = junit_report(None, &summary, &BTreeMap::new())
            .to_string()
            .unwrap();
        let parsed = Report::deserialize_from_str(&text).unwrap();
        assert_eq!(parsed.failures, 1);
        assert!(text.contains("type=\"INCOMPLETE\""), "{text}");
    }

    #[test]
    fn writes_only_at_finished_and_creates_directories() {
        let dir = TempDir::new("junit-lazy");
        let path = dir.path().join("x/y/junit.xml");
        let mut r = JunitReporter::new(path.clone());
        let events = conformant_events();
        let (last, rest) = events.split_last().unwrap();
        drive(&mut r, rest);
        assert!(
            !dir.path().join("x").exists(),
            "nothing is created before Finished"
        );
        r.on_event(last).unwrap();
        assert!(path.is_file());
    }
}
