//! The rate-limit suite: against the mock at v1's 300 requests a minute it passes on the virtual
//! clock (exactly 300 admitted, the 301st refused, checked from the mock's journal); each
//! rate-limit deviant is caught by its check at its profile; a mock with another limit makes
//! the suite not applicable, and a real target skips it unless asked.

use std::collections::BTreeSet;

use conformance::case::Phase;
use conformance::events::{ScenarioStatus, Summary, Verdict};
use conformance::profile::Profile;
use conformance::runner::{RunConfig, run};
use e2e_tests::rate_limit::start;
use e2e_tests::{RATE_LIMIT_DEVIANTS, get_json, origin};

/// Only the rate-limit suite, under `profile`.
fn config(base_url: String, profile: Profile) -> RunConfig {
    let mut c = e2e_tests::run_config(base_url, 5, 0, 0);
    c.phases = [Phase::Scenario].into();
    c.scenarios.retain(|f| f.suite.suite == "rate-limit");
    assert_eq!(c.scenarios.len(), 1, "the built-in rate-limit suite");
    c.profile = profile;
    c
}

fn statuses(s: &Summary) -> Vec<(String, ScenarioStatus, String)> {
    s.scenarios
        .iter()
        .map(|o| (o.id.clone(), o.status, o.reason.clone().unwrap_or_default()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn against_the_mock_at_300_a_minute_the_301st_is_refused_and_the_suite_passes() {
    let server = start(None).await;
    let control = format!("{}/_mock", origin(&server.base_url));
    let started = std::time::Instant::now();
    let outcome = run(config(server.base_url.clone(), Profile::Strict), &mut [])
        .await
        .expect("the run completes");
    let s = &outcome.summary;
    assert!(
        s.scenarios
            .iter()
            .all(|o| o.status == ScenarioStatus::Passed),
        "{:?}",
        statuses(s)
    );
    assert_eq!(s.scenarios.len(), 2);
    assert!(s.findings.is_empty(), "{:#?}", s.findings);
    assert_eq!(s.verdict, Verdict::Conformant);
    // The waits were on the virtual clock: two quiet minutes and a retryAfterSec, in seconds of
    // real time.
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    // From the outside: the mock refused exactly the 301st request of each burst, and nothing
    // else of key A.
    let journal = get_json(format!("{control}/requests?limit=1000")).await;
    assert!(journal["total"].as_u64() <= Some(1000), "one page holds it");
    let entries = journal["data"].as_array().expect("journal entries");
    let refused = entries.iter().filter(|e| e["status"] == 429).count();
    assert_eq!(refused, 2, "one refusal per burst");
    let burst_reads = entries
        .iter()
        .filter(|e| {
            e["status"] == 200 && e["operationId"] == "listAgents" && e["query"] == "limit=1"
        })
        .count();
    // Two bursts of 300, the retry, and key B's request.
    assert_eq!(burst_reads, 602);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_rate_limit_deviant_is_caught_by_its_check_at_its_profile() {
    let mut missed = Vec::new();
    let mut matrix = format!(
        "{:<28} {:<20} {:<9} {}\n",
        "rate-limit deviant", "caught by", "profile", "result"
    );
    for d in RATE_LIMIT_DEVIANTS {
        let before = missed.len();
        let server = start(Some(d.id)).await;
        let outcome = run(config(server.base_url.clone(), d.profile), &mut [])
            .await
            .unwrap_or_else(|e| panic!("{}: the run failed: {e}", d.id));
        let s = &outcome.summary;
        let failing: BTreeSet<&str> = s
            .findings
            .iter()
            .filter(|f| f.is_failure())
            .map(|f| f.check)
            .collect();
        if !failing.contains(d.caught_by) {
            missed.push(format!(
                "{} ({}): {} did not fail the run under {}; failing: {failing:?}; scenarios: {:?}",
                d.id,
                d.breaks,
                d.caught_by,
                d.profile,
                statuses(s)
            ));
        }
        // Not at a weaker profile: a contract-level deviant passes under page.
        if d.profile != Profile::Page {
            let server = start(Some(d.id)).await;
            let weaker = run(config(server.base_url.clone(), Profile::Page), &mut [])
                .await
                .expect("the run completes");
            let fails = weaker
                .summary
                .findings
                .iter()
                .any(|f| f.is_failure() && f.check == d.caught_by);
            if fails {
                missed.push(format!(
                    "{}: {} fails it under page already, not only under {}",
                    d.id, d.caught_by, d.profile
                ));
            }
        }
        matrix.push_str(&format!(
            "{:<28} {:<20} {:<9} {}\n",
            d.id,
            d.caught_by,
            d.profile.as_str(),
            if missed.len() == before {
                "caught"
            } else {
                "MISSED"
            }
        ));
    }
    println!("{matrix}");
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    insta::assert_snapshot!("rate_limit_detection_matrix", matrix);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mock_with_another_limit_makes_the_suite_not_applicable() {
    let server = e2e_tests::start(None).await;
    let outcome = run(config(server.base_url.clone(), Profile::Strict), &mut [])
        .await
        .expect("the run completes");
    let rows = statuses(&outcome.summary);
    assert_eq!(rows.len(), 2);
    for (id, status, why) in &rows {
        assert_eq!(*status, ScenarioStatus::NotApplicable, "{id}: {why}");
        assert!(
            why.contains("admits 1000000 requests a minute, not v1's 300"),
            "{id}: {why}"
        );
    }
    // Nothing else ran, so nothing was tested; but nothing failed either.
    assert_eq!(outcome.summary.verdict, Verdict::NothingTested);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_control_api_the_suite_is_skipped_unless_included() {
    let server = start(None).await;
    let mut cfg = config(server.base_url.clone(), Profile::Page);
    cfg.control_url = None;
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let rows = statuses(&outcome.summary);
    assert_eq!(rows.len(), 2);
    for (id, status, why) in &rows {
        assert_eq!(*status, ScenarioStatus::Skipped, "{id}: {why}");
        assert!(why.contains("add --include rate-limit"), "{id}: {why}");
    }
    // Nothing of the suite was sent: the journal holds only the run's own setup.
    let journal = get_json(format!(
        "{}/_mock/requests?limit=1",
        origin(&server.base_url)
    ))
    .await;
    let refused = journal["counts"]["byStatus"]["429"].as_u64().unwrap_or(0);
    assert_eq!(refused, 0, "{journal}");
}
