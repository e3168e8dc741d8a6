//! The context of one run, shared by its tasks: the executor and planner, the configuration,
//! the event channel, the deadline and budget, what preflight learnt, and the cases behind
//! failures. Phases read it; only the runner builds it.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::events::{CaseRecord, RunEvent};
use crate::exec::Executor;
use crate::plan::Planner;
use crate::runner::RunConfig;

/// Shared by the tasks of one run.
pub(crate) struct Shared {
    pub(crate) exec: Executor,
    pub(crate) planner: Planner,
    pub(crate) cfg: RunConfig,
    pub(crate) deadline: Option<Instant>,
    pub(crate) tx: mpsc::UnboundedSender<RunEvent>,
    pub(crate) incomplete: std::sync::atomic::AtomicBool,
    /// The (shrunk) cases behind MUST findings, for `replay`.
    pub(crate) failing: Arc<parking_lot::Mutex<Vec<crate::case::Case>>>,
    /// What preflight learnt (the target's own document among it).
    pub(crate) preflight: crate::preflight::Preflight,
    /// Fuzzing cases per operation: `max_examples`, or fewer to fit a request budget.
    pub(crate) fuzz_examples: std::sync::atomic::AtomicUsize,
    /// What the run will not test, and why (for the plan).
    pub(crate) notes: Vec<String>,
    /// What the control URL said of the mock, if it answered like vici-mock's.
    pub(crate) mock: Option<crate::safety::MockInfo>,
    /// The webhook receiver, when the scenarios have one (a mock, or `--webhook-secret`).
    pub(crate) webhooks: Option<crate::webhook::Rig>,
    /// How the target learns of the receiver (what the plan of a dry run, which opens none,
    /// goes by).
    pub(crate) webhook_endpoint: Option<crate::webhook::Endpoint>,
}

impl Shared {
    /// Whether the control URL answered like vici-mock's.
    pub(crate) fn is_mock(&self) -> bool {
        self.mock.is_some()
    }

    pub(crate) fn fuzz_examples(&self) -> usize {
        self.fuzz_examples
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn expired(&self) -> bool {
        let target = &self.exec.target;
        let over_budget = target.budget_spent();
        let out = self.deadline.is_some_and(|d| Instant::now() >= d)
            || over_budget
            || target.down().is_some();
        if out {
            self.incomplete
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        out
    }

    pub(crate) fn emit(&self, rec: CaseRecord) {
        self.emit_with(rec, None);
    }

    /// Emits a record whose findings were shown by `failing` (its shrunk form) if given.
    pub(crate) fn emit_with(&self, rec: CaseRecord, failing: Option<crate::case::Case>) {
        // What the guard withheld was never sent: the ledger counts it, no report shows it.
        if rec.withheld.is_some() {
            return;
        }
        // A multi-step flow touches operations the user did not select; their verdicts are not
        // part of this run (`--operation listAgents --check cost_sum` tests nothing).
        if !self.cfg.operations.is_empty()
            && rec
                .case
                .operation_id
                .as_ref()
                .is_some_and(|op| !self.cfg.operations.contains(op))
        {
            return;
        }
        if rec.findings.iter().any(crate::finding::Finding::is_failure) {
            let case = failing.unwrap_or_else(|| rec.case.clone());
            let mut store = self.failing.lock();
            if !store.iter().any(|c| c.id == case.id && c == &case) {
                store.push(case);
            }
        }
        let _ = self.tx.send(RunEvent::CaseFinished(Box::new(rec)));
    }
}
