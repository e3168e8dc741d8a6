//! The scenario suites against the mock: every built-in scenario passes, none is skipped (given
//! the control URL and key B), and nothing is found under the strict profile.

use conformance::case::Phase;
use conformance::events::{ScenarioStatus, Verdict};
use conformance::runner::run;
use e2e_tests::start_limited;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_built_in_scenario_passes_against_the_mock() {
    // At v1's own limit, so the rate-limit suite runs too (on the mock's virtual clock).
    let server = start_limited(None, 300).await;
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 11, 0, 0);
    cfg.phases = [Phase::Scenario].into();
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let s = &outcome.summary;
    // Under the mock's open key policy an unknown key opens a workspace: those scenarios are
    // not applicable, and say why. So is waiting for events caused outside the runner: the
    // mock's are caused through its control API.
    let not_applicable = |id: &str, reason: &str| {
        (id.starts_with("auth/unknown-key") && reason.contains("open key policy"))
            || (id == "webhooks/configured-endpoint" && reason.contains("control API"))
    };
    let not_passed: Vec<String> = s
        .scenarios
        .iter()
        .filter(|o| {
            o.status != ScenarioStatus::Passed
                && !(o.status == ScenarioStatus::NotApplicable
                    && not_applicable(&o.id, o.reason.as_deref().unwrap_or("")))
        })
        .map(e2e_tests::scenario_line)
        .collect();
    assert!(not_passed.is_empty(), "{}", not_passed.join("\n"));
    let files = conformance::scenario::load::built_in().expect("parse");
    let expected: usize = files
        .iter()
        .flat_map(|f| &f.suite.scenarios)
        .map(|sc| sc.matrix.len().max(1))
        .sum();
    assert_eq!(s.scenarios.len(), expected, "every scenario row ran");
    // The one finding allowed is the replay note on every delivery: the page's scheme leaves
    // the timestamp unsigned (D-WEBHOOK-SIGNATURE), and the note says so.
    let others: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.check != "webhook_replay" || f.is_failure())
        .collect();
    assert!(others.is_empty(), "{others:#?}");
    assert_eq!(s.verdict, Verdict::Conformant);
    // The assertions applied: each scenario check reached verdicts.
    for check in [
        "pagination",
        "filter_applied",
        "inventory_search",
        "patch_read_back",
        "rate_limit",
        "rate_limit_recovery",
        "rate_limit_per_key",
        "webhook_delivered",
        "inbound_routing",
        "isolation",
    ]
    .iter()
    .chain(
        conformance::webhook::CHECKS
            .iter()
            .filter(|c| !conformance::webhook::INFORMATIONAL.contains(c)),
    ) {
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

fn strict_keys() -> mock_server::Config {
    let mut c = mock_server::Config::for_tests();
    c.rate_limit = 1_000_000;
    c.key_policy = mock_server::KeyPolicy::Strict;
    c.api_keys = vec![
        "va_conformance_key_a_0001".to_owned(),
        "va_conformance_key_b_0002".to_owned(),
    ];
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn where_keys_are_issued_an_unknown_key_is_refused_and_a_target_that_accepts_it_fails() {
    let auth_rows = |s: &conformance::events::Summary| -> Vec<(String, ScenarioStatus)> {
        s.scenarios
            .iter()
            .filter(|o| o.id.starts_with("auth/"))
            .map(|o| (o.id.clone(), o.status))
            .collect()
    };
    let server = e2e_tests::start_with_config(strict_keys(), None).await;
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 11, 0, 0);
    cfg.phases = [Phase::Scenario].into();
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let rows = auth_rows(&outcome.summary);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows.iter().all(|(_, st)| *st == ScenarioStatus::Passed),
        "{rows:?}"
    );

    let server = e2e_tests::start_with_config(strict_keys(), Some("unknown_key_accepted")).await;
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 11, 0, 0);
    cfg.phases = [Phase::Scenario].into();
    cfg.profile = conformance::profile::Profile::Page;
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let rows = auth_rows(&outcome.summary);
    assert!(
        rows.iter().all(|(_, st)| *st == ScenarioStatus::Failed),
        "{rows:?}"
    );
    assert!(
        outcome
            .summary
            .findings
            .iter()
            .any(|f| f.check == "auth_required" && f.is_failure()),
        "an accepted unknown key fails auth_required under page"
    );
}
