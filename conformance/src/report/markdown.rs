//! The Markdown report: short, for a pull-request comment or a CI job summary
//! (`--report markdown=PATH`; `$GITHUB_STEP_SUMMARY` is such a path). The verdict, the
//! requirements by level and status, every requirement that did not pass with its evidence,
//! and the scenarios that did not pass. The JSON report has everything else.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::events::{RunInfo, ScenarioStatus, Summary};
use crate::requirements::{CertVerdict, ReqLevel, ReqStatus};

/// The Markdown of a run.
pub fn markdown(run: Option<&RunInfo>, summary: &Summary) -> String {
    let mut s = String::new();
    let verdict = super::terminal::verdict_line(summary);
    let _ = writeln!(s, "## vici-conformance: {verdict}\n");
    if let Some(r) = run {
        let _ = writeln!(
            s,
            "`{}` · profile `{}` · seed {} · vici-conformance {} · {} cases in {:.1} s\n",
            r.target, summary.profile, r.seed, r.version, summary.cases, summary.duration_sec
        );
    }
    if let Some(c) = &summary.certification {
        let _ = writeln!(
            s,
            "**Certification: {}**{}\n",
            match c.verdict {
                CertVerdict::Certified => "certified",
                CertVerdict::CertifiedWithExceptions => "certified with exceptions",
                CertVerdict::NotCertified => "not certified",
            },
            if c.require_contract {
                " (the contract's decisions required)"
            } else {
                ""
            }
        );
    }
    if let Some(b) = &summary.baseline {
        let _ = writeln!(
            s,
            "Baseline: {} accepted, {} expired (failing), {} stale\n",
            b.accepted.len(),
            b.expired.len(),
            b.stale.len()
        );
    }
    // Counts by level and status.
    s.push_str("| level | pass | fail | skip | error |\n|---|---:|---:|---:|---:|\n");
    for level in [ReqLevel::Must, ReqLevel::Should, ReqLevel::Info] {
        let of = |st: ReqStatus| {
            summary
                .requirements
                .iter()
                .filter(|r| r.level == level && r.status == st)
                .count()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            level.as_str(),
            of(ReqStatus::Pass),
            of(ReqStatus::Fail),
            of(ReqStatus::Skip),
            of(ReqStatus::Error)
        );
    }
    let open: Vec<_> = summary
        .requirements
        .iter()
        .filter(|r| r.status != ReqStatus::Pass || r.evidence.is_some())
        .collect();
    if !open.is_empty() {
        s.push_str("\n| requirement | level | status | rests on | what showed it |\n");
        s.push_str("|---|---|---|---|---|\n");
        for r in open {
            let status = match r.status {
                ReqStatus::Pass => "pass, with notes",
                other => other.as_str(),
            };
            let shown = match (&r.evidence, &r.reason) {
                (Some(e), _) => format!(
                    "{}: {}<br>`{}`",
                    cell(&e.title),
                    cell(&e.message),
                    cell(&e.curl)
                ),
                (None, Some(why)) => cell(why),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {status} | {} | {shown} |",
                r.id,
                r.level.as_str(),
                cell(r.source)
            );
        }
    }
    let stalled: Vec<_> = summary
        .scenarios
        .iter()
        .filter(|o| o.status != ScenarioStatus::Passed)
        .collect();
    if !stalled.is_empty() {
        let _ = writeln!(
            s,
            "\n{} of {} scenarios did not pass:\n",
            stalled.len(),
            summary.scenarios.len()
        );
        for o in stalled {
            let _ = writeln!(
                s,
                "- {} `{}`{}",
                o.status.as_str(),
                o.id,
                o.reason
                    .as_deref()
                    .map_or_else(String::new, |r| format!(": {}", cell(r)))
            );
        }
    }
    s
}

/// Text fit for one table cell: no line breaks, no column separators, at most 300 characters.
fn cell(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let escaped = one_line.replace('|', "\\|");
    if escaped.chars().count() > 300 {
        let cut: String = escaped.chars().take(300).collect();
        format!("{cut}…")
    } else {
        escaped
    }
}

/// Writes the Markdown report to its path when the run finishes.
pub struct MarkdownReporter;

impl MarkdownReporter {
    /// A reporter writing to `path`, taking `redactor`'s secrets out of the text.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: PathBuf, redactor: super::Redactor) -> super::on_finish::FileReport {
        super::on_finish::FileReport::new(path, |run, summary| Ok(markdown(run, summary)))
            .redacting(redactor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{conformant_events, failing_events, run_info, summary_of};

    #[test]
    fn conformant_run() {
        let events = conformant_events();
        insta::assert_snapshot!(markdown(Some(&run_info()), summary_of(&events)));
    }

    #[test]
    fn failing_run() {
        let events = failing_events();
        insta::assert_snapshot!(markdown(Some(&run_info()), summary_of(&events)));
    }

    #[test]
    fn a_cell_stays_one_cell() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell(&"x".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn a_certification_says_whether_it_holds() {
        let events = failing_events();
        let mut s = summary_of(&events).clone();
        s.profile = crate::profile::Profile::Certification;
        s.certification = Some(crate::requirements::certify(&s.requirements, &s));
        let text = markdown(Some(&run_info()), &s);
        assert!(text.contains("**Certification: not certified**"), "{text}");
    }
}
