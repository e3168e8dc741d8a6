//! The human summary: printed once, when the run finishes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

use super::{ReportError, Reporter};
use spec::Binding;

use crate::checks::catalogue::Level;
use crate::checks::catalogue::{CATALOGUE, info};
use crate::events::{CheckCount, RunEvent, RunInfo, Summary, Verdict};
use crate::finding::{Finding, Severity};

/// Writes the end-of-run summary to any writer: stdout in the binary, a `Vec<u8>` in tests.
///
/// The output is plain text (no colours) and deterministic for a given [`Summary`] and
/// [`RunInfo`]: only the duration varies between otherwise identical runs. Before the phases it
/// prints the plan (requests by phase and how long they take at the target's rate limit); at the
/// end it prints a header line, a table per operation, a table per check (catalogue order), every distinct finding with
/// its `curl` reproduction, and the verdict line.
#[derive(Debug)]
pub struct TerminalReporter<W> {
    out: W,
    run: Option<RunInfo>,
}

impl<W: Write> TerminalReporter<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W) -> Self {
        TerminalReporter { out, run: None }
    }

    /// The writer back (tests read what was written).
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Reporter for TerminalReporter<W> {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), ReportError> {
        match event {
            RunEvent::Started(info) => self.run = Some(info.clone()),
            RunEvent::Finished(summary) => {
                let text = render_summary(self.run.as_ref(), summary);
                self.out
                    .write_all(text.as_bytes())
                    .map_err(ReportError::Output)?;
                self.out.flush().map_err(ReportError::Output)?;
            }
            RunEvent::Planned(plan) => {
                // Before the phases, so a person knows how long the run will take.
                writeln!(self.out, "{}", plan.describe()).map_err(ReportError::Output)?;
                self.out.flush().map_err(ReportError::Output)?;
            }
            RunEvent::PhaseStarted { .. }
            | RunEvent::CaseFinished(_)
            | RunEvent::ScenarioFinished(_) => {}
        }
        Ok(())
    }
}

/// The summary text [`TerminalReporter`] prints (`run` is `None` if no `Started` event came).
pub fn render_summary(run: Option<&RunInfo>, summary: &Summary) -> String {
    let mut s = String::new();
    s.push_str(&header(run, summary));
    s.push_str("\n\n");

    s.push_str("Operations\n");
    s.push_str(&operations_table(summary));
    s.push_str("\n\n");

    s.push_str("Checks\n");
    s.push_str(&checks_table(run, summary));
    s.push_str("\n\n");

    let (failures, notes): (Vec<&Finding>, Vec<&Finding>) =
        summary.findings.iter().partition(|f| f.is_failure());
    if !failures.is_empty() {
        let _ = writeln!(s, "Failures (profile {})", summary.profile);
        for f in failures {
            finding(&mut s, f);
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(
            s,
            "Notes (they never fail the run under profile {}: SHOULDs, and departures from the \
             reference contract or mock that a real implementation may choose)",
            summary.profile
        );
        for f in notes {
            finding(&mut s, f);
        }
    }

    if !summary.scenarios.is_empty() {
        s.push_str(&scenarios(&summary.scenarios));
        s.push('\n');
    }

    if !summary.changes.is_empty() {
        s.push_str(&changes(&summary.changes));
        s.push('\n');
    }

    if let Some(b) = &summary.baseline {
        s.push_str(&baseline(b));
        s.push('\n');
    }
    if let Some(c) = &summary.certification {
        s.push_str(&certification(c, summary.profile));
        s.push('\n');
    }

    s.push_str("verdict: ");
    s.push_str(&verdict_line(summary));
    s.push('\n');
    s
}

/// What the baseline accepted, and its entries that expired or matched nothing.
fn baseline(b: &crate::baseline::Applied) -> String {
    let mut s = String::from("Baseline\n");
    for (what, list) in [
        ("accepted (shown, not failing)", &b.accepted),
        ("expired (each fails the run)", &b.expired),
        ("stale (matches nothing)", &b.stale),
    ] {
        for e in list {
            let _ = writeln!(
                s,
                "  {what}: {} — {} (until {})",
                e.check, e.reason, e.expires
            );
        }
    }
    s
}

/// The certification's verdict, what stopped it, and the differences it lets pass.
fn certification(
    c: &crate::requirements::Certification,
    profile: crate::profile::Profile,
) -> String {
    use crate::requirements::CertVerdict;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Certification (profile {profile}{}): {}",
        if c.require_contract {
            ", the contract's decisions required"
        } else {
            ""
        },
        match c.verdict {
            CertVerdict::Certified => "CERTIFIED",
            CertVerdict::CertifiedWithExceptions => "CERTIFIED WITH EXCEPTIONS",
            CertVerdict::NotCertified => "NOT CERTIFIED",
        }
    );
    if !c.failed.is_empty() {
        let _ = writeln!(s, "  requirements failed: {}", c.failed.join(", "));
    }
    if !c.not_tested.is_empty() {
        s.push_str("  MUST requirements not tested (each must be):\n");
        for crate::requirements::Untested { id, reason: why } in &c.not_tested {
            let _ = writeln!(s, "    {id}: {why}");
        }
    }
    if !c.differences.is_empty() {
        s.push_str(
            "  differences from the reference contract (SHOULD: they do not stop certification):\n",
        );
        for crate::requirements::Difference { id, source } in &c.differences {
            let _ = writeln!(s, "    {id} ({source})");
        }
    }
    s
}

/// The scenarios in one line of counts, then each that did not pass, with its reason.
fn scenarios(list: &[crate::events::ScenarioOutcome]) -> String {
    use crate::events::ScenarioStatus;
    let count = |st: ScenarioStatus| list.iter().filter(|o| o.status == st).count();
    let mut s = format!(
        "Scenarios: {} passed, {} failed, {} skipped, {} errors",
        count(ScenarioStatus::Passed),
        count(ScenarioStatus::Failed),
        count(ScenarioStatus::Skipped),
        count(ScenarioStatus::Error)
    );
    let na = count(ScenarioStatus::NotApplicable);
    if na > 0 {
        let _ = write!(s, ", {na} not applicable");
    }
    s.push('\n');
    for o in list.iter().filter(|o| o.status != ScenarioStatus::Passed) {
        let _ = writeln!(
            s,
            "  {:<14} {}{}",
            o.status.as_str(),
            o.id,
            o.reason
                .as_ref()
                .map_or_else(String::new, |r| format!(": {r}"))
        );
    }
    s
}

/// What the run did to the target: what it created and cleaned up, what stays, what it withheld.
fn changes(c: &crate::safety::Changes) -> String {
    let mut s = String::from("Changes to the target");
    if !c.tag.is_empty() {
        let _ = write!(s, " (run tag {})", c.tag);
    }
    s.push('\n');
    if !c.agents_created.is_empty() {
        let left = c.agents_left();
        let _ = write!(
            s,
            "  agents: {} created, {} deleted again",
            c.agents_created.len(),
            c.agents_created.len() - left.len()
        );
        if left.is_empty() {
            s.push('\n');
        } else {
            let shown: Vec<&str> = left.iter().take(5).map(|a| a.as_str()).collect();
            let more = left.len().saturating_sub(shown.len());
            let _ = writeln!(
                s,
                "; {} left: {}{}",
                left.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
    }
    if !c.numbers_bought.is_empty() {
        let _ = writeln!(
            s,
            "  phone numbers: {} bought; they stay (v1 cannot release a number)",
            c.numbers_bought.len()
        );
    }
    if c.lists_imported > 0 {
        let _ = writeln!(
            s,
            "  contacts: {} imported in {}; they stay (v1 cannot delete a contact)",
            plural(c.contacts_created as usize, "contact", "contacts"),
            plural(c.lists_imported as usize, "list", "lists")
        );
    }
    if !c.withheld.is_empty() {
        let total: u64 = c.withheld.values().sum();
        let why: Vec<String> = c
            .withheld
            .iter()
            .map(|(k, n)| {
                let what = match k.as_str() {
                    "read_only" => "read-only",
                    "pre_existing" => "naming what existed before the run",
                    "purchases" => "purchases beyond --allow-purchases",
                    "imports" => "imports beyond --allow-imports",
                    "merges_contact" => "importing an existing contact's phone",
                    "budget" => "over the request budget",
                    other => other,
                };
                format!("{what}: {n}")
            })
            .collect();
        let _ = writeln!(
            s,
            "  not sent: {} ({})",
            plural(total as usize, "request", "requests"),
            why.join(", ")
        );
    }
    s
}

/// The longest curl command shown in the terminal; the JSON report keeps every command whole.
const CURL_SHOWN: usize = 400;

fn finding(s: &mut String, f: &Finding) {
    let op = f.operation_id.as_deref().unwrap_or("-");
    let _ = writeln!(
        s,
        "[{} {}] {} — {op}: {}",
        f.level.as_str(),
        f.binding,
        f.check,
        f.title
    );
    for line in f.message.lines() {
        let _ = writeln!(s, "  {line}");
    }
    let rule = match (f.severity, f.level, f.binding) {
        (Severity::Failure, ..) | (_, Level::Should, _) => {
            format!("  rule ({}): {}", f.binding, f.source)
        }
        (_, _, Binding::Mock) => format!("  differs from the reference mock: {}", f.source),
        _ => format!("  differs from the reference contract: {}", f.source),
    };
    let _ = writeln!(s, "{rule}");
    // Only the first line is indented: a multi-line body inside the command must stay byte for
    // byte what the case sent.
    let _ = writeln!(s, "    {}", cut(&f.curl, CURL_SHOWN));
    s.push('\n');
}

/// `text` cut to about `max` characters, saying how much was left out.
pub(super) fn cut(text: &str, max: usize) -> String {
    let total = text.chars().count();
    if total <= max {
        return text.to_owned();
    }
    let head: String = text.chars().take(max).collect();
    format!(
        "{head}… ({} more characters; the JSON report has the whole command)",
        total - max
    )
}

fn header(run: Option<&RunInfo>, summary: &Summary) -> String {
    let cases = plural(summary.cases, "case", "cases");
    let duration = format!("{:.2}s", summary.duration_sec);
    match run {
        Some(r) => format!(
            "vici-conformance {}: {cases} against {} (seed {}, profile {}) in {duration}",
            r.version, r.target, r.seed, summary.profile
        ),
        None => format!("vici-conformance: {cases} in {duration}"),
    }
}

fn operations_table(summary: &Summary) -> String {
    let mut b = Builder::default();
    b.push_record([
        "operation",
        "cases",
        "statuses",
        "checks passed",
        "checks failed",
        "notes",
    ]);
    for (op, stats) in &summary.operations {
        let statuses: Vec<String> = stats
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        let passed: usize = stats.checks.values().map(|c| c.passed).sum();
        let failed: usize = stats.checks.values().map(|c| c.failed).sum();
        let noted: usize = stats.checks.values().map(|c| c.noted).sum();
        b.push_record([
            op.clone(),
            stats.cases.to_string(),
            statuses.join(" "),
            passed.to_string(),
            failed.to_string(),
            noted.to_string(),
        ]);
    }
    let mut t = b.build();
    t.with(Style::psql())
        .modify(Columns::one(1), Alignment::right())
        .modify(Columns::new(3..), Alignment::right());
    trim_lines(&t.to_string())
}

/// Check ids in report order: the catalogue's order for known checks (those enabled and those
/// that ran), then any unknown id that ran, sorted.
pub(super) fn checks_in_order<'a>(
    enabled: impl IntoIterator<Item = &'a str>,
    ran: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let wanted: BTreeSet<&str> = enabled.into_iter().chain(ran).collect();
    let mut out: Vec<&str> = CATALOGUE
        .iter()
        .map(|c| c.id)
        .filter(|id| wanted.contains(id))
        .collect();
    out.extend(wanted.iter().copied().filter(|id| info(id).is_none()));
    out
}

fn checks_table(run: Option<&RunInfo>, summary: &Summary) -> String {
    let mut totals: BTreeMap<&str, CheckCount> = BTreeMap::new();
    for stats in summary.operations.values() {
        for (check, c) in &stats.checks {
            let t = totals.entry(check).or_default();
            t.passed += c.passed;
            t.failed += c.failed;
            t.noted += c.noted;
        }
    }
    let enabled = run.map(|r| r.checks.as_slice()).unwrap_or_default();
    let mut b = Builder::default();
    b.push_record(["check", "level", "binding", "passed", "failed", "notes"]);
    for id in checks_in_order(enabled.iter().copied(), totals.keys().copied()) {
        let c = totals.get(id).copied().unwrap_or_default();
        let level = info(id).map_or("?", |c| c.level.as_str());
        let binding = info(id).map_or("?", |c| c.binding.as_str());
        b.push_record([
            id.to_owned(),
            level.to_owned(),
            binding.to_owned(),
            c.passed.to_string(),
            c.failed.to_string(),
            c.noted.to_string(),
        ]);
    }
    let mut t = b.build();
    t.with(Style::psql())
        .modify(Columns::new(3..), Alignment::right());
    trim_lines(&t.to_string())
}

/// Drops the padding tabled leaves at line ends (editors strip it; snapshots must not care).
fn trim_lines(table: &str) -> String {
    table
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The verdict, in words.
pub(super) fn verdict_line(summary: &Summary) -> String {
    let failures = summary.must_failures();
    let notes = plural(summary.notes(), "note", "notes");
    let profile = summary.profile;
    match summary.verdict {
        Verdict::Conformant if summary.notes() == 0 => format!("conformant (profile {profile})"),
        Verdict::Conformant => format!("conformant (profile {profile}), with {notes}"),
        Verdict::Deviations if summary.notes() == 0 => format!(
            "{} (profile {profile})",
            plural(failures, "failure", "failures")
        ),
        Verdict::Deviations => format!(
            "{} (profile {profile}) and {notes}",
            plural(failures, "failure", "failures")
        ),
        Verdict::Incomplete => match &summary.certification {
            Some(c) if !c.not_tested.is_empty() => format!(
                "not certified: {} not tested (profile {profile}) — not a pass",
                plural(
                    c.not_tested.len(),
                    "MUST requirement was",
                    "MUST requirements were"
                )
            ),
            _ => "incomplete: the time budget ran out, or a scenario could not go on — not a pass"
                .to_owned(),
        },
        Verdict::NothingTested => {
            "nothing tested: no selected check applied to any exchange — not a pass".to_owned()
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{conformant_events, drive, failing_events, run_info, summary_of};

    fn output(events: &[RunEvent]) -> String {
        let mut r = TerminalReporter::new(Vec::new());
        drive(&mut r, events);
        String::from_utf8(r.into_inner()).unwrap()
    }

    #[test]
    fn conformant_run() {
        insta::assert_snapshot!(output(&conformant_events()));
    }

    #[test]
    fn failing_run() {
        insta::assert_snapshot!(output(&failing_events()));
    }

    #[test]
    fn prints_nothing_before_finished() {
        let events = failing_events();
        assert_eq!(output(&events[..events.len() - 1]), "");
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(output(&failing_events()), output(&failing_events()));
    }

    #[test]
    fn verdict_lines() {
        let events = failing_events();
        let mut s = summary_of(&events).clone();
        assert_eq!(verdict_line(&s), "2 failures (profile contract) and 1 note");

        s.findings.retain(|f| !f.is_failure());
        s.verdict = Verdict::Conformant;
        assert_eq!(
            verdict_line(&s),
            "conformant (profile contract), with 1 note"
        );

        s.verdict = Verdict::Incomplete;
        assert_eq!(
            verdict_line(&s),
            "incomplete: the time budget ran out, or a scenario could not go on — not a pass"
        );

        s.verdict = Verdict::NothingTested;
        assert_eq!(
            verdict_line(&s),
            "nothing tested: no selected check applied to any exchange — not a pass"
        );

        s.findings.clear();
        s.verdict = Verdict::Conformant;
        assert_eq!(verdict_line(&s), "conformant (profile contract)");
    }

    #[test]
    fn long_commands_are_cut_in_the_terminal() {
        assert_eq!(cut("curl x", 10), "curl x");
        let long = "x".repeat(450);
        let shown = cut(&long, 400);
        assert!(shown.starts_with(&"x".repeat(400)));
        assert!(shown.ends_with("… (50 more characters; the JSON report has the whole command)"));
    }

    #[test]
    fn header_without_started_event_still_renders() {
        let events = conformant_events();
        let text = render_summary(None, summary_of(&events));
        assert!(
            text.starts_with("vici-conformance: 5 cases in 0.50s\n"),
            "{text}"
        );
        let with = render_summary(Some(&run_info()), summary_of(&events));
        assert!(with.starts_with("vici-conformance 0.1.0: 5 cases against http://127.0.0.1:8080/api/v1 (seed 42, profile contract) in 0.50s\n"));
    }

    #[test]
    fn checks_follow_catalogue_order_then_unknown_ids() {
        let order = checks_in_order(
            ["response_schema", "zz_custom"],
            ["not_a_server_error", "aa_custom"],
        );
        assert_eq!(
            order,
            [
                "not_a_server_error",
                "response_schema",
                "aa_custom",
                "zz_custom"
            ]
        );
    }

    #[test]
    fn write_errors_are_reported() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "closed",
                ))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let events = conformant_events();
        let mut r = TerminalReporter::new(Broken);
        let e = r.on_event(events.last().unwrap()).unwrap_err();
        assert!(matches!(e, ReportError::Output(_)), "{e:?}");
    }
}
