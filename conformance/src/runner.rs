//! The run: discovery, then for each selected operation the examples, coverage and fuzzing
//! phases, then the protocol and stateful phases; every case becomes a `RunEvent` for the
//! reporters. Fuzzing shrinks each new failure to a minimal request before reporting it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestRng, TestRunner};
use spec::{Contract, Operation};
use tokio::sync::{Semaphore, mpsc};

use crate::case::Case;
use crate::case::Phase;
use crate::context::Shared;
use crate::events::{Aggregator, Plan, RunEvent, RunInfo, Summary, Verdict};
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
    /// The target's control API (the mock's `/_mock`), if it has one: the runner then paces by
    /// advancing the virtual clock instead of sleeping.
    pub control_url: Option<String>,
    /// The most requests the run may send (`None`: no cap).
    pub request_budget: Option<u64>,
    /// Judge responses by the target's own `openapi.json` instead of the reference contract
    /// (for implementations that publish a stricter one). Cases are still planned from ours.
    pub judge_by_target_contract: bool,
    /// What the run may change: read-only, and the caps on purchases and imports.
    pub safety: crate::safety::Safety,
    /// The scenario suites the scenario phase runs (linted).
    pub scenarios: Vec<crate::scenario::load::Loaded>,
    /// How webhooks are received.
    pub webhooks: crate::webhook::rig::Settings,
    /// Accepted known deviations (`--baseline`).
    pub baseline: Option<crate::baseline::Baseline>,
}

impl RunConfig {
    /// The run tag: the prefix of every name the run gives (`vc-<seed>`), so the same seed
    /// gives the same requests and a person can tell the run's resources apart.
    pub fn tag(&self) -> String {
        format!("vc-{}", self.seed)
    }
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
    /// The target is not v1, refuses a key, or does not answer (before any phase).
    #[error(transparent)]
    Preflight(#[from] crate::preflight::PreflightError),
    /// `--contract target`, but the target's document cannot be used.
    #[error("judge by the target's own contract: {0}")]
    TargetContract(String),
    /// The webhook receiver could not start.
    #[error("start the webhook receiver: {0}")]
    Webhook(#[from] crate::webhook::ReceiverError),
    /// The target stopped answering during the run.
    #[error("finish the run: {0}")]
    TargetDown(String),
}

/// The run's webhook receiver, when a scenario to run needs one and the target can reach it: a
/// mock (the scenarios register it through the control API) or an endpoint the user configured
/// (`--webhook-secret`).
async fn rig(cfg: &RunConfig, mock: bool) -> Result<Option<crate::webhook::Rig>, RunError> {
    let Some(endpoint) = rig_endpoint(cfg, mock) else {
        return Ok(None);
    };
    let w = &cfg.webhooks;
    Ok(Some(
        crate::webhook::Rig::start(w.listen, w.secret.clone(), endpoint, cfg.seed).await?,
    ))
}

/// How the target would learn of the run's receiver, if the run has one.
fn rig_endpoint(cfg: &RunConfig, mock: bool) -> Option<crate::webhook::Endpoint> {
    use crate::scenario::model::Capability;
    use crate::webhook::Endpoint;
    let needed = cfg.phases.contains(&Phase::Scenario)
        && cfg
            .scenarios
            .iter()
            .flat_map(|f| &f.suite.scenarios)
            .any(|sc| sc.requires.contains(&Capability::WebhookReceiver));
    match (mock, &cfg.webhooks.secret) {
        _ if !needed => None,
        (true, _) => Some(Endpoint::Registered),
        (false, Some(_)) => Some(Endpoint::Configured),
        (false, None) => None,
    }
}

/// The sha256 of the document that judges: the reference contract's bytes, or the target's own
/// document as it was served.
fn contract_digest(preflight: &crate::preflight::Preflight, by_target: bool) -> String {
    use sha2::Digest;
    let bytes: Vec<u8> = match (&preflight.openapi, by_target) {
        (Some(doc), true) => serde_json::to_vec(doc).unwrap_or_default(),
        _ => spec::OPENAPI_JSON.as_bytes().to_vec(),
    };
    hex::encode(sha2::Sha256::digest(&bytes))
}

/// The configuration a report shows: everything that shapes the run, no secret.
fn settings(cfg: &RunConfig) -> serde_json::Value {
    let phases: Vec<&str> = cfg.phases.iter().map(|p| p.as_str()).collect();
    serde_json::json!({
        "baseUrl": cfg.target.base_url,
        "apiKeyB": cfg.target.api_key_b.is_some(),
        "timeoutSec": cfg.target.timeout.as_secs_f64(),
        "controlUrl": cfg.control_url,
        "seed": cfg.seed,
        "profile": cfg.profile,
        "maxExamples": cfg.max_examples,
        "maxShrinkSteps": cfg.max_shrink_steps,
        "workers": cfg.workers,
        "timeBudgetSec": cfg.time_budget.map(|d| d.as_secs_f64()),
        "requestBudget": cfg.request_budget,
        "phases": phases,
        "operations": cfg.operations,
        "checks": {"only": cfg.checks.only, "exclude": cfg.checks.exclude},
        "contract": if cfg.judge_by_target_contract { "target" } else { "reference" },
        "readOnly": cfg.safety.read_only,
        "allowPurchases": cfg.safety.allow_purchases,
        "allowImports": cfg.safety.allow_imports,
        "includeRateLimit": cfg.safety.exhaust_rate_limit,
        "scenarios": cfg.scenarios.iter().map(|f| f.suite.suite.clone()).collect::<Vec<_>>(),
        "webhookListen": cfg.webhooks.listen.to_string(),
        "webhookSecret": cfg.webhooks.secret.is_some(),
        "webhookWaitSec": cfg.webhooks.wait.map(|d| d.as_secs_f64()),
    })
}

/// A 32-byte RNG seed from the root seed and a name (an operation, a scenario step).
pub(crate) fn op_seed(root: u64, op: &str) -> [u8; 32] {
    let h = spec::derive::fnv1a(op.as_bytes());
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&spec::derive::mix(root, h.wrapping_add(i as u64)).to_le_bytes());
    }
    out
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
    let mut target = Target::new(cfg.target.clone())?;
    let mock = match &cfg.control_url {
        Some(control) => {
            target.pace_with_clock(control);
            crate::safety::mock_info(control).await
        }
        None => None,
    };
    let guard = Arc::new(crate::safety::Guard::new(
        cfg.safety.resolve(mock.is_some()),
        cfg.tag(),
    ));
    target.guard_with(guard.clone());
    target.with_budget(cfg.request_budget);
    let target = Arc::new(target);
    let preflight = crate::preflight::run(&target).await?;
    let mut fixtures = discover(&target).await?;
    guard.protect(&fixtures);
    let judge: &'static Contract = if cfg.judge_by_target_contract {
        target_contract(&preflight)?
    } else {
        contract
    };
    let selected: Vec<&'static Operation> = contract
        .operations()
        .iter()
        .filter(|o| cfg.operations.is_empty() || cfg.operations.contains(&o.id))
        .collect();
    let (ops, mut notes) = testable(&selected, guard.policy());
    notes.extend(
        crate::owned::setup(
            &target,
            &mut fixtures,
            &ops,
            cfg.phases.contains(&Phase::Scenario),
        )
        .await,
    );
    let fixtures = Arc::new(fixtures);
    let info = RunInfo {
        target: cfg.target.base_url.clone(),
        seed: cfg.seed,
        operations: selected.iter().map(|o| o.id.clone()).collect(),
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
        contract_digest: contract_digest(&preflight, cfg.judge_by_target_contract),
        settings: settings(&cfg),
    };
    for r in reporters.iter_mut() {
        r.on_event(&RunEvent::Started(info.clone()))?;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Held apart from `Shared`, whose sender must drop for the event loop to end.
    let failing = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let shared_target = target.clone();
    let webhooks = rig(&cfg, mock.is_some()).await?;
    let shared = Arc::new(Shared {
        exec: Executor {
            contract: judge,
            target,
            checks: cfg.checks.clone(),
            profile: cfg.profile,
        },
        planner: Planner::new(contract, fixtures.clone(), guard.tag()),
        deadline: cfg.time_budget.map(|b| started + b),
        cfg: cfg.clone(),
        tx,
        incomplete: std::sync::atomic::AtomicBool::new(false),
        failing: failing.clone(),
        fuzz_examples: std::sync::atomic::AtomicUsize::new(cfg.max_examples),
        preflight: preflight.clone(),
        notes,
        mock,
        webhook_endpoint: webhooks.as_ref().map(|r| r.endpoint),
        webhooks,
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
        match &ev {
            RunEvent::CaseFinished(rec) => agg.add(rec),
            RunEvent::ScenarioFinished(o) => agg.add_scenario(o),
            _ => {}
        }
        for r in reporters.iter_mut() {
            if let Err(e) = r.on_event(&ev) {
                report_error.get_or_insert(e);
            }
        }
    }
    let complete = producer.await.unwrap_or(false);
    if let Some(why) = shared_target.down() {
        return Err(RunError::TargetDown(why));
    }
    // Whatever the verdict, the run deletes the agents it created.
    crate::owned::cleanup(&shared_target).await;
    let mut summary = agg.summary(started.elapsed().as_secs_f64(), complete, cfg.profile);
    summary.changes = shared_target.guard().changes();
    if let Some(b) = &cfg.baseline {
        let applied = b.apply(&mut summary, &crate::baseline::today());
        let failing = summary
            .findings
            .iter()
            .any(crate::finding::Finding::is_failure);
        // An expired acceptance fails the gate; accepted failures no longer do.
        if !applied.expired.is_empty() {
            summary.verdict = Verdict::Deviations;
        } else if summary.verdict == Verdict::Deviations && !failing {
            summary.verdict = if complete {
                Verdict::Conformant
            } else {
                Verdict::Incomplete
            };
        }
        summary.baseline = Some(applied);
    }
    summary.requirements = crate::requirements::matrix(&summary, &cfg.scenarios);
    if cfg.profile.is_certification() {
        let cert = crate::requirements::certify(&summary.requirements, &summary);
        // An untested MUST leaves a certification open: never a pass.
        if cert.verdict == crate::requirements::CertVerdict::NotCertified
            && summary.verdict == Verdict::Conformant
        {
            summary.verdict = Verdict::Incomplete;
        }
        summary.certification = Some(cert);
    }
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

/// The plan of a run, and what it would change, without sending anything (`--dry-run`): not to
/// the target, not to its control API. Ids are placeholders for what discovery would find, so
/// the counts are what a run against a workspace with some of everything would send; a control
/// URL is taken to be a mock's.
pub fn dry_run(cfg: &RunConfig) -> Result<String, RunError> {
    let contract = Contract::v1();
    for o in &cfg.operations {
        if contract.operation(o).is_none() {
            return Err(RunError::UnknownOperation(o.clone()));
        }
    }
    let mut target = Target::new(cfg.target.clone())?;
    let guard = Arc::new(crate::safety::Guard::new(
        cfg.safety.resolve(cfg.control_url.is_some()),
        cfg.tag(),
    ));
    target.guard_with(guard.clone());
    let policy = guard.policy();
    let selected: Vec<&'static Operation> = contract
        .operations()
        .iter()
        .filter(|o| cfg.operations.is_empty() || cfg.operations.contains(&o.id))
        .collect();
    let (ops, mut notes) = testable(&selected, policy);
    let stateful = cfg.phases.contains(&Phase::Scenario);
    // What `owned::setup` would make, by the same rules.
    let owns_agents = !policy.read_only && crate::owned::needs_agents(&ops, stateful);
    let routes = !policy.read_only && crate::owned::needs_number(&ops);
    let owns_number = routes && policy.purchases != Some(0);
    if routes && !owns_number {
        notes.push(crate::owned::NO_NUMBER.to_owned());
    }
    let placeholder = |p: &str| vec![format!("{p}EXISTING01")];
    let fixtures = Arc::new(crate::fixtures::Fixtures {
        agents: placeholder("agt_"),
        calls: placeholder("call_"),
        numbers: placeholder("pn_"),
        contacts: placeholder("ct_"),
        contact_phones: Vec::new(),
        inventory: vec!["+14155550100".to_owned()],
        recording: Some((
            "call_EXISTING01".to_owned(),
            format!(
                "{}/calls/call_EXISTING01/recording.wav?expires=1&signature=0",
                cfg.target.base_url.trim_end_matches('/')
            ),
        )),
        owned_agents: if owns_agents {
            (1..=crate::owned::OWNED_AGENTS)
                .map(|i| format!("agt_RUNOWNED{i:02}"))
                .collect()
        } else {
            Vec::new()
        },
        owned_numbers: if owns_number {
            vec![("pn_RUNOWNED01".to_owned(), "+14155550101".to_owned())]
        } else {
            Vec::new()
        },
    });
    let (tx, _rx) = mpsc::unbounded_channel();
    let shared = Shared {
        exec: Executor {
            contract,
            target: Arc::new(target),
            checks: cfg.checks.clone(),
            profile: cfg.profile,
        },
        planner: Planner::new(contract, fixtures.clone(), guard.tag()),
        deadline: None,
        cfg: cfg.clone(),
        tx,
        incomplete: std::sync::atomic::AtomicBool::new(false),
        failing: Arc::new(parking_lot::Mutex::new(Vec::new())),
        fuzz_examples: std::sync::atomic::AtomicUsize::new(cfg.max_examples),
        preflight: crate::preflight::Preflight::default(),
        notes,
        // A dry run asks nothing: a control URL is taken to be a mock's at v1's rate limit, its
        // key policy unknown.
        mock: cfg.control_url.as_ref().map(|_| crate::safety::MockInfo {
            open_keys: false,
            rate_limit: Some(300),
        }),
        // Planned as a real run would have it, but not bound: a dry run opens nothing.
        webhook_endpoint: rig_endpoint(cfg, cfg.control_url.is_some()),
        webhooks: None,
    };
    let (mut plan, listed) = plan(&shared, &ops, &fixtures);
    plan.rate_limit = Some(300);
    Ok(crate::report::dry_run::render(
        cfg,
        &selected,
        &ops,
        &plan,
        &listed,
        owns_agents,
        owns_number,
    ))
}

/// The selected operations the policy lets the run test, and a note for each it does not:
/// read-only keeps the reads; purchases or imports off drop the purchase or the import.
fn testable(
    selected: &[&'static Operation],
    policy: crate::safety::Policy,
) -> (Vec<&'static Operation>, Vec<String>) {
    let mut ops = Vec::new();
    let mut notes = Vec::new();
    for op in selected {
        let why = if policy.read_only && !matches!(op.method.as_str(), "GET" | "HEAD") {
            Some("read-only run")
        } else if op.id == "buyPhoneNumber" && policy.purchases == Some(0) {
            Some("purchases are off (--allow-purchases N to allow N)")
        } else if op.id == "importContactList" && policy.imports == Some(0) {
            Some(
                "CSV imports are off: imported contacts cannot be deleted (--allow-imports N to allow N)",
            )
        } else {
            None
        };
        match why {
            Some(w) => notes.push(format!(
                "{} ({} {}): {w}",
                op.id,
                op.method.as_str(),
                op.path
            )),
            None => ops.push(*op),
        }
    }
    (ops, notes)
}

/// The target's own document as a contract, loaded once for the run.
fn target_contract(p: &crate::preflight::Preflight) -> Result<&'static Contract, RunError> {
    let doc = p.openapi.as_ref().ok_or_else(|| {
        RunError::TargetContract(format!(
            "it serves no openapi.json ({})",
            p.openapi_problem.as_deref().unwrap_or("no answer")
        ))
    })?;
    let loaded = Contract::from_json(&doc.to_string())
        .map_err(|e| RunError::TargetContract(format!("its openapi.json does not load: {e}")))?;
    // One per run, alive until the process ends, like the reference contract.
    Ok(Box::leak(Box::new(loaded)))
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
    let (plan, mut listed) = plan(&shared, &ops, &fixtures);
    shared
        .fuzz_examples
        .store(plan.fuzz_examples, std::sync::atomic::Ordering::Relaxed);
    let _ = shared.tx.send(RunEvent::Planned(plan));
    // Drift belongs to the examples phase: the target's own document is its first example.
    if phases.contains(&Phase::Examples) && ops.iter().any(|o| o.id == "getOpenApiDocument") {
        drift(&shared);
    }
    for phase in [Phase::Examples, Phase::Coverage] {
        if !phases.contains(&phase) {
            continue;
        }
        let cases = std::mem::take(listed.entry(phase).or_default());
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
        let fuzz_ops: Vec<&'static Operation> = ops
            .iter()
            .copied()
            .filter(|o| generic(o) && shared.planner.path(o, 0).is_some())
            .collect();
        let _ = shared.tx.send(RunEvent::PhaseStarted {
            phase: Phase::Fuzzing,
            planned: fuzz_ops.len() * shared.fuzz_examples(),
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
    if phases.contains(&Phase::Scenario) && !shared.expired() {
        crate::scenario::engine::run(&shared, &fixtures, &shared.cfg.scenarios).await;
    }
    !shared.incomplete.load(std::sync::atomic::Ordering::Relaxed) && !shared.expired()
}

/// The requests the run will send, by phase, fitted to the request budget: the examples first,
/// then the protocol and stateful suites, then coverage, and fuzzing gets what is left, spread
/// evenly over the operations. Also the examples' and coverage's cases, which the count needs.
fn plan(
    shared: &Shared,
    ops: &[&'static Operation],
    fixtures: &crate::fixtures::Fixtures,
) -> (Plan, BTreeMap<Phase, Vec<Case>>) {
    let phases = &shared.cfg.phases;
    let generic_ops: Vec<&'static Operation> = ops.iter().copied().filter(|o| generic(o)).collect();
    let mut listed: BTreeMap<Phase, Vec<Case>> = BTreeMap::new();
    if phases.contains(&Phase::Examples) {
        listed.insert(
            Phase::Examples,
            generic_ops
                .iter()
                .flat_map(|o| shared.planner.examples(o))
                .collect(),
        );
    }
    if phases.contains(&Phase::Coverage) {
        listed.insert(
            Phase::Coverage,
            generic_ops
                .iter()
                .flat_map(|o| shared.planner.coverage(o))
                .collect(),
        );
    }
    let protocol = if phases.contains(&Phase::Protocol) {
        crate::protocol::estimate(shared.exec.contract, ops, fixtures)
    } else {
        0
    };
    let scenarios = if phases.contains(&Phase::Scenario) {
        crate::scenario::engine::estimate(
            &shared.cfg.scenarios,
            &crate::scenario::engine::Capabilities::of(shared, fixtures),
        )
    } else {
        0
    };
    // An operation whose path needs an id the run does not have is not fuzzed.
    let fuzz_ops = if phases.contains(&Phase::Fuzzing) {
        generic_ops
            .iter()
            .filter(|o| shared.planner.path(o, 0).is_some())
            .count()
    } else {
        0
    };
    let examples = listed.get(&Phase::Examples).map_or(0, Vec::len);
    let mut fuzz_examples = shared.cfg.max_examples;
    if let Some(budget) = shared.cfg.request_budget {
        let budget = usize::try_from(budget).unwrap_or(usize::MAX);
        let fixed = examples + protocol + scenarios;
        let coverage = listed.entry(Phase::Coverage).or_default();
        coverage.truncate(budget.saturating_sub(fixed));
        let left = budget.saturating_sub(fixed + coverage.len());
        fuzz_examples = fuzz_examples.min(left.checked_div(fuzz_ops).unwrap_or(0));
    }
    let coverage = listed.get(&Phase::Coverage).map_or(0, Vec::len);
    let mut by_phase = vec![
        (Phase::Examples, examples),
        (Phase::Coverage, coverage),
        (Phase::Fuzzing, fuzz_ops * fuzz_examples),
        (Phase::Protocol, protocol),
        (Phase::Scenario, scenarios),
    ];
    by_phase.retain(|(p, _)| phases.contains(p));
    (
        Plan {
            requests: by_phase.iter().map(|(_, n)| n).sum(),
            by_phase,
            fuzz_examples,
            rate_limit: shared.preflight.rate_limit,
            request_budget: shared.cfg.request_budget,
            safety: shared.exec.target.guard().policy().describe(),
            notes: shared.notes.clone(),
        },
        listed,
    )
}

/// The target's own document against the reference contract, as `contract_drift` verdicts on
/// the (unauthenticated) request that fetched it.
fn drift(shared: &Shared) {
    let mut case = crate::handmade::manual(
        "getOpenApiDocument/drift".to_owned(),
        Some("getOpenApiDocument"),
        Phase::Examples,
        "GET",
        "/openapi.json".to_owned(),
    );
    case.auth = crate::case::Auth::None;
    let verdicts: Vec<(&'static str, crate::checks::response::Applied)> = match (
        &shared.preflight.openapi,
        &shared.preflight.openapi_problem,
    ) {
        (Some(doc), _) => {
            let found = crate::drift::compare(shared.exec.contract, doc);
            let (must, notes): (Vec<_>, Vec<_>) = found.iter().partition(|d| d.must);
            let mut v: Vec<(&'static str, crate::checks::response::Applied)> = Vec::new();
            // Drift that is not a missing page operation never fails a run: it is judged
            // by the SHOULD check document_drift.
            for (check, list) in [("contract_drift", must), ("document_drift", notes)] {
                if list.is_empty() {
                    v.push((check, crate::checks::response::Applied::Pass));
                }
                v.extend(list.into_iter().map(|d| (check, crate::drift::verdict(d))));
            }
            v
        }
        (None, problem) => vec![(
            "contract_drift",
            crate::checks::response::fail_as(
                spec::Rule::new(
                    spec::Binding::Page,
                    "\"Machine-readable spec: OpenAPI 3.1 JSON: app.viciagent.com/api/v1/openapi.json\"",
                ),
                "the target serves no openapi.json at its base URL",
                format!(
                    "GET /openapi.json without credentials: {}",
                    problem.as_deref().unwrap_or("no answer")
                ),
            ),
        )],
    };
    let rec = shared.exec.derived(case, verdicts);
    shared.emit(rec);
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
    for n in 0..shared.fuzz_examples() {
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
