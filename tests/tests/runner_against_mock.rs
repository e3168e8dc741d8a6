//! The harness tells the truth: the runner, pointed at the mock, finds nothing at all.

use conformance::case::Phase;
use conformance::events::Verdict;
use conformance::runner::{RunConfig, run};
use mock_server::{Config, Server};

async fn mock() -> Server {
    // The runner paces itself by the headers; a high limit lets it run at full speed.
    mock_at(1_000_000).await
}

async fn mock_at(rate_limit: u32) -> Server {
    let mut c = Config::for_tests();
    c.rate_limit = rate_limit;
    Server::start(c).await.expect("mock starts")
}

fn config(base_url: String, max_examples: usize) -> RunConfig {
    e2e_tests::run_config(base_url, 20_260_513, max_examples, 32)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_full_run_against_the_mock_finds_nothing() {
    // At v1's own limit, so the rate-limit suite runs too: the runner paces by the mock's
    // virtual clock, which costs no time.
    let server = mock_at(300).await;
    let outcome = run(config(server.base_url(), 40), &mut [])
        .await
        .expect("the run completes");
    let s = &outcome.summary;
    // The one finding allowed is the replay note on deliveries: the page's scheme leaves the
    // timestamp unsigned (D-WEBHOOK-SIGNATURE), and the note says so.
    let findings: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.check != "webhook_replay" || f.is_failure())
        .collect();
    let listing: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "[{:?}] {} {:?}: {}\n    {}\n    {}",
                f.level, f.check, f.operation_id, f.title, f.message, f.curl
            )
        })
        .collect();
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        listing.join("\n")
    );
    assert_eq!(s.verdict, Verdict::Conformant);
    assert!(outcome.failing_cases.is_empty());
    // Every operation was exercised, and every check ran somewhere.
    for op in spec::Contract::v1().operations() {
        assert!(
            s.operations.get(&op.id).is_some_and(|o| o.cases > 0),
            "{} never ran",
            op.id
        );
    }
    let ran: std::collections::BTreeSet<&str> = s
        .operations
        .values()
        .flat_map(|o| o.checks.keys().copied())
        .collect();
    // The webhook checks too: the webhook scenarios' deliveries are records of their own.
    for c in conformance::checks::catalogue::CATALOGUE {
        assert!(ran.contains(c.id), "check {} never ran", c.id);
    }
    assert!(s.cases > 500, "only {} cases", s.cases);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_seed_sends_the_same_cases() {
    let a = mock().await;
    let b = mock().await;
    let mut cfg = config(a.base_url(), 10);
    cfg.phases = [Phase::Fuzzing].into();
    cfg.workers = 1;
    let ra = run(cfg.clone(), &mut []).await.unwrap();
    cfg.target.base_url = b.base_url();
    let rb = run(cfg, &mut []).await.unwrap();
    assert_eq!(ra.summary.cases, rb.summary.cases);
    let stats = |s: &conformance::events::Summary| {
        s.operations
            .iter()
            .map(|(k, v)| (k.clone(), v.statuses.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        stats(&ra.summary),
        stats(&rb.summary),
        "same seed, same statuses per operation"
    );
}
