//! The scenario suites against the mock: every built-in scenario passes, none is skipped (given
//! the control URL and key B), and nothing is found under the strict profile.

use conformance::case::Phase;
use conformance::events::{ScenarioStatus, Verdict};
use conformance::runner::run;
use e2e_tests::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_built_in_scenario_passes_against_the_mock() {
    let server = start(None).await;
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 11, 0, 0);
    cfg.phases = [Phase::Scenario].into();
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let s = &outcome.summary;
    let not_passed: Vec<String> = s
        .scenarios
        .iter()
        .filter(|o| o.status != ScenarioStatus::Passed)
        .map(|o| {
            format!(
                "{} {}: {}",
                o.status.as_str(),
                o.id,
                o.reason.clone().unwrap_or_default()
            )
        })
        .collect();
    assert!(not_passed.is_empty(), "{}", not_passed.join("\n"));
    let files = conformance::scenario::load::built_in().expect("parse");
    let expected: usize = files
        .iter()
        .flat_map(|f| &f.suite.scenarios)
        .map(|sc| sc.matrix.len().max(1))
        .sum();
    assert_eq!(s.scenarios.len(), expected, "every scenario row ran");
    assert!(s.findings.is_empty(), "{:#?}", s.findings);
    assert_eq!(s.verdict, Verdict::Conformant);
    // The assertions applied: each scenario check reached verdicts.
    for check in [
        "pagination",
        "filter_applied",
        "inventory_search",
        "patch_read_back",
    ] {
        let n: usize = s
            .operations
            .values()
            .filter_map(|o| o.checks.get(check))
            .map(|c| c.passed)
            .sum();
        assert!(n > 0, "{check} never applied");
    }
    assert!(s.changes.agents_left().is_empty());
}
