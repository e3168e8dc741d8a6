//! The `--dry-run` text: the plan, and what the run would create or change, with nothing sent.

use std::collections::BTreeMap;
use std::fmt::Write;

use spec::Operation;

use crate::case::{Case, Phase};
use crate::events::Plan;
use crate::runner::RunConfig;

/// The requests the examples, coverage and fuzzing phases plan for each operation.
fn per_operation(
    ops: &[&'static Operation],
    plan: &Plan,
    listed: &BTreeMap<Phase, Vec<Case>>,
) -> BTreeMap<String, usize> {
    let mut n: BTreeMap<String, usize> = BTreeMap::new();
    for case in listed.values().flatten() {
        if let Some(op) = &case.operation_id {
            *n.entry(op.clone()).or_default() += 1;
        }
    }
    if plan.by_phase.iter().any(|(p, _)| *p == Phase::Fuzzing) {
        // The operations the plan fuzzes: those with cases in the listed phases too.
        let fuzzed: Vec<String> = ops
            .iter()
            .filter(|o| crate::plan::generic(o) && n.contains_key(&o.id))
            .map(|o| o.id.clone())
            .collect();
        for id in fuzzed {
            *n.entry(id).or_default() += plan.fuzz_examples;
        }
    }
    n
}

/// "no cap on purchases", "at most 1 purchase", "at most 2 purchases".
fn cap(c: Option<u64>, one: &str, many: &str) -> String {
    match c {
        None => format!("no cap on {many}"),
        Some(1) => format!("at most 1 {one}"),
        Some(n) => format!("at most {n} {many}"),
    }
}

/// Renders the dry run of `cfg`.
pub fn render(
    cfg: &RunConfig,
    selected: &[&'static Operation],
    ops: &[&'static Operation],
    plan: &Plan,
    listed: &BTreeMap<Phase, Vec<Case>>,
    owns_agents: bool,
    owns_number: bool,
) -> String {
    let policy = cfg.safety.resolve(cfg.control_url.is_some());
    let tag = cfg.tag();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "vici-conformance dry run: nothing was sent to {}",
        cfg.target.base_url
    );
    let _ = writeln!(
        s,
        "profile {}, seed {}, run tag {tag}; {} of the {} selected operations can be tested{}",
        cfg.profile,
        cfg.seed,
        ops.len(),
        selected.len(),
        if cfg.control_url.is_some() {
            " (the control URL is taken to be vici-mock's)"
        } else {
            ""
        }
    );
    let described = plan.describe();
    let (first, rest) = described.split_once('\n').unwrap_or((&described, ""));
    let _ = writeln!(
        s,
        "{first} (assuming the page's 300 requests a minute; a real run reads the target's limit)"
    );
    if !rest.is_empty() {
        let _ = writeln!(s, "{rest}");
    }
    s.push_str("\nWhat the run would change\n");
    if policy.read_only {
        s.push_str("  nothing: read-only, only GET and HEAD are sent\n");
    } else {
        let n = per_operation(ops, plan, listed);
        let count = |id: &str| n.get(id).copied().unwrap_or(0);
        let has = |id: &str| ops.iter().any(|o| o.id == id);
        if owns_agents {
            let _ = writeln!(
                s,
                "  before the phases: creates {} agents of its own (\"{tag} fixture 1\" …) for \
                 updates and routing",
                crate::owned::OWNED_AGENTS
            );
        }
        if owns_number {
            let _ = writeln!(
                s,
                "  before the phases: buys 1 number of its own for routing ({} in the whole run)",
                cap(policy.purchases, "purchase", "purchases")
            );
        }
        if has("createAgent") {
            let _ = writeln!(
                s,
                "  createAgent: about {} requests; each accepted one creates an agent (named \
                 \"{tag} …\" unless the name is under test)",
                count("createAgent")
            );
        }
        if has("updateAgent") {
            let _ = writeln!(
                s,
                "  updateAgent: about {} requests, only to the run's own agents",
                count("updateAgent")
            );
        }
        if has("deleteAgent") || owns_agents || has("createAgent") {
            s.push_str(
                "  deleteAgent: only agents the run created; at the end it deletes every agent \
                 it created\n",
            );
        }
        if has("buyPhoneNumber") {
            let _ = writeln!(
                s,
                "  buyPhoneNumber: about {} requests, {}; bought numbers stay (v1 cannot release \
                 one)",
                count("buyPhoneNumber"),
                cap(policy.purchases, "purchase", "purchases")
            );
        }
        if has("updatePhoneNumber") && !owns_number {
            s.push_str(
                "  updatePhoneNumber: no number of its own, so only unknown ids (nothing is \
                 re-routed)\n",
            );
        } else if has("updatePhoneNumber") {
            let _ = writeln!(
                s,
                "  updatePhoneNumber: about {} requests, only to the run's own number, routed \
                 only to the run's own agents",
                count("updatePhoneNumber")
            );
        }
        if has("importContactList") {
            let _ = writeln!(
                s,
                "  importContactList: about {} requests, {}; imported contacts stay (v1 cannot \
                 delete one)",
                count("importContactList"),
                cap(policy.imports, "import", "imports")
            );
        }
        s.push_str(
            "  never: a PATCH or DELETE of anything that existed before the run, nor an import \
             naming the phone of an existing contact\n",
        );
        s.push_str("  plus the protocol and stateful suites' own requests (counted in the plan)\n");
    }
    s
}
