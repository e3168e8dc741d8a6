//! The progress bar shown while the run goes on.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{ReportError, Reporter};
use crate::events::RunEvent;

const TEMPLATE: &str = "{prefix:>9} [{bar:30}] {pos}/{len} {elapsed} {wide_msg}";

/// An `indicatif` bar over the planned cases, on stderr.
///
/// Phases announce an upper bound of their cases ([`RunEvent::PhaseStarted`]); the bar's length
/// is the cases finished so far plus the current phase's plan, so it advances one step per
/// [`RunEvent::CaseFinished`] and never waits on cases a phase did not send. The prefix shows the
/// current phase, the message the current operation and how many cases failed a MUST check.
/// The bar is cleared on [`RunEvent::Finished`], before the terminal summary prints.
pub struct ProgressReporter {
    bar: ProgressBar,
    /// The current phase's plan and the cases it has finished.
    phase_planned: u64,
    phase_done: u64,
    failing_cases: u64,
    operation: String,
}

impl ProgressReporter {
    /// A bar on stderr if `visible` (indicatif also hides it when stderr is not a terminal), or a
    /// hidden one that draws nothing (`--no-progress`, CI logs).
    pub fn new(visible: bool) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self::with_draw_target(target)
    }

    /// A bar drawing to `target`.
    pub fn with_draw_target(target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        ProgressReporter {
            bar,
            phase_planned: 0,
            phase_done: 0,
            failing_cases: 0,
            operation: String::new(),
        }
    }

    fn update_message(&self) {
        let msg = if self.failing_cases == 0 {
            self.operation.clone()
        } else {
            format!("{} · {} failing", self.operation, self.failing_cases)
        };
        self.bar.set_message(msg);
    }
}

impl Reporter for ProgressReporter {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), ReportError> {
        match event {
            RunEvent::Started(_) => {
                self.bar.reset();
                self.bar.set_length(0);
                self.bar.set_prefix("starting");
            }
            RunEvent::Planned(_) | RunEvent::ScenarioFinished(_) => {}
            RunEvent::PhaseStarted { phase, planned } => {
                // The previous phase's plan was an upper bound: drop what it did not send.
                let unsent = self.phase_planned.saturating_sub(self.phase_done);
                self.bar.dec_length(unsent);
                self.phase_planned = *planned as u64;
                self.phase_done = 0;
                self.bar.inc_length(self.phase_planned);
                self.bar.set_prefix(phase.as_str());
            }
            RunEvent::CaseFinished(rec) => {
                self.phase_done += 1;
                if self.phase_done > self.phase_planned {
                    // More cases than announced: grow rather than overflow the bar.
                    self.bar.inc_length(1);
                }
                if rec.findings.iter().any(crate::finding::Finding::is_failure) {
                    self.failing_cases += 1;
                }
                let op = rec.case.operation_id.as_deref().unwrap_or("-");
                if op != self.operation {
                    op.clone_into(&mut self.operation);
                }
                self.update_message();
                self.bar.inc(1);
            }
            RunEvent::Finished(_) => self.bar.finish_and_clear(),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Phase;
    use crate::report::fixtures::{conformant_events, drive, failing_events};

    #[test]
    fn advances_per_case_and_tracks_phase_plans() {
        let events = failing_events();
        let mut r = ProgressReporter::new(false);
        assert!(r.bar.is_hidden());
        // Started, then createAgent's examples phase (plan 1) and its one case.
        drive(&mut r, &events[..3]);
        assert_eq!((r.bar.position(), r.bar.length()), (1, Some(1)));
        assert_eq!(r.bar.prefix(), "examples");
        assert_eq!(r.bar.message(), "createAgent");
        // The coverage phase plans 4 and sends 1 (a MUST failure).
        drive(&mut r, &events[3..5]);
        assert_eq!((r.bar.position(), r.bar.length()), (2, Some(5)));
        assert_eq!(r.bar.prefix(), "coverage");
        assert_eq!(r.bar.message(), "createAgent · 1 failing");
        // The next phase drops the 3 unsent coverage cases from the length.
        drive(&mut r, &events[5..6]);
        assert_eq!((r.bar.position(), r.bar.length()), (2, Some(3)));
        drive(&mut r, &events[6..events.len() - 1]);
        assert_eq!(r.bar.position(), 5);
        assert_eq!(r.bar.message(), "listCalls · 3 failing");
        drive(&mut r, &events[events.len() - 1..]);
        assert!(r.bar.is_finished());
    }

    #[test]
    fn grows_when_a_phase_exceeds_its_plan() {
        let events = conformant_events();
        let mut r = ProgressReporter::new(false);
        r.on_event(&RunEvent::PhaseStarted {
            phase: Phase::Fuzzing,
            planned: 0,
        })
        .unwrap();
        for e in events
            .iter()
            .filter(|e| matches!(e, RunEvent::CaseFinished(_)))
        {
            r.on_event(e).unwrap();
        }
        assert_eq!((r.bar.position(), r.bar.length()), (5, Some(5)));
    }
}
