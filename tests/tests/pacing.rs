//! Rate-limited targets: against the mock at v1's 300 requests a minute the runner paces by the
//! virtual clock instead of sleeping, and `--request-budget` caps what it sends. Checked from the
//! outside, through the mock's clock and request journal.

use conformance::case::Phase;
use conformance::events::Verdict;
use conformance::runner::run;
use e2e_tests::start_limited;
use e2e_tests::{get_json, origin};
use serde_json::Value;

fn unix(ts: &Value) -> i64 {
    ts.as_str()
        .and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| t.unix_timestamp())
        .unwrap_or_else(|| panic!("not a timestamp: {ts}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_300_a_minute_the_runner_advances_the_mock_clock_instead_of_sleeping() {
    let server = start_limited(None, 300).await;
    let control = format!("{}/_mock", origin(&server.base_url));
    let t0 = unix(&get_json(format!("{control}/clock")).await["now"]);
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 3, 4, 8);
    cfg.phases = [Phase::Examples, Phase::Coverage, Phase::Fuzzing].into();
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let journal = get_json(format!("{control}/requests?limit=1")).await;
    let sent = journal["total"].as_u64().unwrap_or(0);
    let t1 = unix(&get_json(format!("{control}/clock")).await["now"]);
    assert!(sent > 600, "a run this size sends hundreds: {sent}");
    // More than two minutes' worth of requests: the virtual clock moved on at least one minute
    // for every 300 beyond the first window, and no request was refused for our pace.
    let minutes = (t1 - t0) / 60;
    assert!(
        minutes >= (sent as i64 / 300) - 1,
        "{sent} requests in {minutes} virtual minutes"
    );
    let refused = journal["counts"]["byStatus"]["429"].as_u64().unwrap_or(0);
    assert!(
        refused <= 3,
        "{refused} requests were rate-limited: the runner did not pace"
    );
    assert_eq!(
        outcome.summary.verdict,
        Verdict::Conformant,
        "{:?}",
        outcome.summary.findings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_budget_caps_what_the_run_sends() {
    let server = start_limited(None, 1_000_000).await;
    let control = format!("{}/_mock", origin(&server.base_url));
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 3, 50, 8);
    cfg.request_budget = Some(250);
    let workers = cfg.workers as u64;
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let journal = get_json(format!("{control}/requests?limit=1")).await;
    let sent = journal["total"].as_u64().unwrap_or(0);
    // The budget covers everything up to the cleanup, which deletes the agents the run made.
    let cleanup = outcome.summary.changes.agents_created.len() as u64;
    assert!(
        sent <= 250 + workers + cleanup,
        "{sent} requests sent within a budget of 250 ({cleanup} cleanup deletes)"
    );
    assert!(sent >= 150, "the budget was not spent: {sent}");
    assert!(outcome.summary.cases > 100);
    assert!(outcome.summary.changes.agents_left().is_empty());
}
