//! The run: discovery, then for each selected operation the examples, coverage and fuzzing
//! phases, then the protocol and stateful phases; every case becomes a `RunEvent` for the
//! reporters. Fuzzing shrinks each new failure to a minimal request before reporting it.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestRng, TestRunner};
use spec::{Contract, Operation};
use tokio::sync::{Semaphore, mpsc};

use crate::case::Phase;
use crate::events::{Aggregator, CaseRecord, RunEvent, RunInfo, Summary};
use crate::exec::{CheckFilter, Executor, must_failures};
use crate::fixtures::{DiscoveryError, discover};
use crate::http::{Target, TargetConfig, TargetError};
use crate::plan::{Planner, generic};
use crate::report::Reporter;

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Where and with which keys.
    pub target: TargetConfig,
    /// The root seed; each operation's seed derives from it.
    pub seed: u64,
    /// Generated cases per operation in the fuzzing phase.
    pub max_examples: usize,
    /// Stop after this long; a spent budget makes the verdict "incomplete".
    pub time_budget: Option<Duration>,
    /// Cases in flight at once.
    pub workers: usize,
    /// Only these operations (empty: all).
    pub operations: BTreeSet<String>,
    /// Which checks run.
    pub checks: CheckFilter,
    /// Which phases run.
    pub phases: BTreeSet<Phase>,
    /// Most shrinking steps per failure.
    pub max_shrink_steps: usize,
    /// Which bindings fail the run.
    pub profile: crate::profile::Profile,
}

/// Why the run itself failed (not the target: that is a finding).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration is unusable.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The target could not be used at all.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// A reporter failed.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// An operation filter names nothing.
    #[error("select operation '{0}': the contract has no such operationId")]
    UnknownOperation(String),
}

/// SplitMix64, for deriving per-operation seeds that never change between releases.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn op_seed(root: u64, op: &str) -> [u8; 32] {
    let h = op.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    });
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&mix(root, h.wrapping_add(i as u64)).to_le_bytes());
    }
    out
}

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
}

impl Shared {
    pub(crate) fn expired(&self) -> bool {
        let out = self.deadline.is_some_and(|d| Instant::now() >= d);
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

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The summary every report shows.
    pub summary: Summary,
    /// The cases behind MUST findings (shrunk where fuzzing shrank them), for `replay`.
    pub failing_cases: Vec<crate::case::Case>,
}

/// Runs everything and feeds `reporters`.
pub async fn run(
    cfg: RunConfig,
    reporters: &mut [Box<dyn Reporter>],
) -> Result<RunOutcome, RunError> {
    let contract = Contract::v1();
    for o in &cfg.operations {
        if contract.operation(o).is_none() {
            return Err(RunError::UnknownOperation(o.clone()));
        }
    }
    let started = Instant::now();
    let target = Arc::new(Target::new(cfg.target.clone())?);
    let fixtures = Arc::new(discover(&target).await?);
    let ops: Vec<&'static Operation> = contract
        .operations()
        .iter()
        .filter(|o| cfg.operations.is_empty() || cfg.operations.contains(&o.id))
        .collect();
    let info = RunInfo {
        target: cfg.target.base_url.clone(),
        seed: cfg.seed,
        operations: ops.iter().map(|o| o.id.clone()).collect(),
        checks: crate::checks::catalogue::CATALOGUE
            .iter()
            .map(|c| c.id)
            .filter(|id| cfg.checks.enabled(id))
            .collect(),
        started_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        version: env!("CARGO_PKG_VERSION"),
        profile: cfg.profile,
    };
    for r in reporters.iter_mut() {
        r.on_event(&RunEvent::Started(info.clone()))?;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Held apart from `Shared`, whose sender must drop for the event loop to end.
    let failing = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let shared = Arc::new(Shared {
        exec: Executor {
            contract,
            target,
            checks: cfg.checks.clone(),
            profile: cfg.profile,
        },
        planner: Planner::new(contract, fixtures.clone()),
        deadline: cfg.time_budget.map(|b| started + b),
        cfg: cfg.clone(),
        tx,
        incomplete: std::sync::atomic::AtomicBool::new(false),
        failing: failing.clone(),
    });
    let producer = {
        let shared = shared.clone();
        let ops = ops.clone();
        tokio::spawn(async move { produce(shared, ops, fixtures).await })
    };
    drop(shared);
    let mut agg = Aggregator::default();
    let mut report_error = None;
    while let Some(ev) = rx.recv().await {
        if let RunEvent::CaseFinished(rec) = &ev {
            agg.add(rec);
        }
        for r in reporters.iter_mut() {
            if let Err(e) = r.on_event(&ev) {
                report_error.get_or_insert(e);
            }
        }
    }
    let complete = producer.await.unwrap_or(false);
    let summary = agg.summary(started.elapsed().as_secs_f64(), complete, cfg.profile);
    for r in reporters.iter_mut() {
        if let Err(e) = r.on_event(&RunEvent::Finished(summary.clone())) {
            report_error.get_or_insert(e);
        }
    }
    let failing_cases = std::mem::take(&mut *failing.lock());
    match report_error {
        Some(e) => Err(e.into()),
        None => Ok(RunOutcome {
            summary,
            failing_cases,
        }),
    }
}

/// Runs the phases; returns whether every planned case ran.
async fn produce(
    shared: Arc<Shared>,
    ops: Vec<&'static Operation>,
    fixtures: Arc<crate::fixtures::Fixtures>,
) -> bool {
    let phases = shared.cfg.phases.clone();
    let sem = Arc::new(Semaphore::new(shared.cfg.workers.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for phase in [Phase::Examples, Phase::Coverage] {
        if !phases.contains(&phase) {
            continue;
        }
        let cases: Vec<_> = ops
            .iter()
            .filter(|o| generic(o))
            .flat_map(|o| {
                if phase == Phase::Examples {
                    shared.planner.examples(o)
                } else {
                    shared.planner.coverage(o)
                }
            })
            .collect();
        let _ = shared.tx.send(RunEvent::PhaseStarted {
            phase,
            planned: cases.len(),
        });
        for case in cases {
            let permit = sem.clone().acquire_owned().await;
            if shared.expired() {
                break;
            }
            let s = shared.clone();
            tasks.spawn(async move {
                let _permit = permit;
                let (rec, _) = s.exec.run(case).await;
                s.emit(rec);
            });
        }
        while tasks.join_next().await.is_some() {}
    }
    if phases.contains(&Phase::Fuzzing) {
        let fuzz_ops: Vec<&'static Operation> =
            ops.iter().copied().filter(|o| generic(o)).collect();
        let _ = shared.tx.send(RunEvent::PhaseStarted {
            phase: Phase::Fuzzing,
            planned: fuzz_ops.len() * shared.cfg.max_examples,
        });
        let handle = tokio::runtime::Handle::current();
        let mut blocking = Vec::new();
        for chunk in chunk_ops(&fuzz_ops, shared.cfg.workers.max(1)) {
            let s = shared.clone();
            let h = handle.clone();
            blocking.push(tokio::task::spawn_blocking(move || {
                for op in chunk {
                    fuzz(&s, op, &h);
                }
            }));
        }
        for b in blocking {
            let _ = b.await;
        }
    }
    if phases.contains(&Phase::Protocol) && !shared.expired() {
        crate::protocol::run(&shared, &ops, &fixtures).await;
    }
    if phases.contains(&Phase::Stateful) && !shared.expired() {
        crate::stateful::run(&shared, &fixtures).await;
    }
    !shared.incomplete.load(std::sync::atomic::Ordering::Relaxed) && !shared.expired()
}

/// Spreads operations over `n` workers, round robin.
fn chunk_ops(ops: &[&'static Operation], n: usize) -> Vec<Vec<&'static Operation>> {
    let mut out: Vec<Vec<&'static Operation>> =
        (0..n.min(ops.len()).max(1)).map(|_| Vec::new()).collect();
    let len = out.len();
    for (i, op) in ops.iter().enumerate() {
        out[i % len].push(op);
    }
    out
}

/// The fuzzing phase of one operation, on a blocking thread (proptest's value trees are not
/// `Send`); requests go through the shared async client via `Handle::block_on`.
fn fuzz(shared: &Shared, op: &'static Operation, handle: &tokio::runtime::Handle) {
    let strategy = shared.planner.strategy(op);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &op_seed(shared.cfg.seed, &op.id));
    let mut runner = TestRunner::new_with_rng(
        PtConfig {
            failure_persistence: None,
            ..PtConfig::default()
        },
        rng,
    );
    let mut reported: BTreeSet<&'static str> = BTreeSet::new();
    for n in 0..shared.cfg.max_examples {
        if shared.expired() {
            return;
        }
        let Ok(mut tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let build = |tree: &dyn ValueTree<Value = (crate::plan::Draft, bool)>| {
            let (draft, positive) = tree.current();
            shared.planner.case(op, Phase::Fuzzing, n, draft, positive)
        };
        let Some(case) = build(&tree) else {
            return;
        };
        let (mut rec, _) = handle.block_on(shared.exec.run(case));
        let fresh: BTreeSet<&'static str> =
            must_failures(&rec).difference(&reported).copied().collect();
        if !fresh.is_empty() {
            // Shrink: simplify while the same checks keep failing, as proptest does.
            let mut best = rec.clone();
            let mut best_case = rec.case.clone();
            let mut steps = 0;
            if tree.simplify() {
                while steps < shared.cfg.max_shrink_steps && !shared.expired() {
                    steps += 1;
                    let Some(candidate) = build(&tree) else { break };
                    let (cand, _) = handle.block_on(shared.exec.run(candidate.clone()));
                    if must_failures(&cand).iter().any(|c| fresh.contains(c)) {
                        best = cand;
                        best_case = candidate;
                        if !tree.simplify() {
                            break;
                        }
                    } else if !tree.complicate() {
                        break;
                    }
                }
            }
            reported.extend(fresh.iter().copied());
            // Report the original case's outcomes with the shrunk case's findings.
            rec.findings = best
                .findings
                .into_iter()
                .filter(|f| fresh.contains(f.check))
                .chain(
                    rec.findings
                        .into_iter()
                        .filter(|f| !fresh.contains(f.check)),
                )
                .collect();
            shared.emit_with(rec, Some(best_case));
            continue;
        } else {
            // Known failures are not reported again: their shrunk form is already out.
            rec.findings.retain(|f| !reported.contains(f.check));
        }
        shared.emit(rec);
    }
}
