//! The protocol phase runs its independent cases (credentials, methods, ids) through the run's
//! workers, like the examples and coverage phases: a server that counts the requests it is
//! answering at once sees more than one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use conformance::case::Phase;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

async fn counted(req: Request, next: Next) -> axum::response::Response {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    MOST.fetch_max(now, Ordering::SeqCst);
    // Long enough that requests sent together overlap, whatever the machine's speed.
    tokio::time::sleep(Duration::from_millis(30)).await;
    let res = next.run(req).await;
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    res
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn protocol_cases_are_sent_by_several_workers_at_once() {
    let mut config = mock_server::Config::for_tests();
    config.rate_limit = 1_000_000;
    let router = e2e_tests::mock_app(config).layer(middleware::from_fn(counted));
    let server = e2e_tests::serve(router).await;
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 3, 0, 0);
    cfg.phases = [Phase::Protocol].into();
    cfg.workers = 4;
    let outcome = conformance::runner::run(cfg, &mut [])
        .await
        .expect("the run completes");
    let protocol = outcome
        .summary
        .operations
        .values()
        .map(|o| o.cases)
        .sum::<usize>();
    assert!(protocol > 50, "the protocol phase ran: {protocol} cases");
    let most = MOST.load(Ordering::SeqCst);
    assert!(most >= 2, "at most {most} request in flight at once");
    assert!(most <= 4 + 1, "more in flight ({most}) than workers");
}
