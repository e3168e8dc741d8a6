//! Hostile targets are findings or one clear stop, never crashes or stalls. A server that is
//! hostile from the first request is stopped by preflight (not v1, or not answering); one that
//! turns hostile mid-run is reported case by case (garbage, redirects, oversized bodies) or, when
//! it stops answering (hangs, resets, endless streams), ends the run within about twice the
//! timeout.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use conformance::case::Phase;
use conformance::exec::CheckFilter;
use conformance::http::TargetConfig;
use conformance::runner::{RunConfig, RunError, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Hang,
    Reset,
    NotJson,
    Redirect,
    Oversized,
    Endless,
}

/// Requests preflight (3) and discovery (6) send before the phases.
const BEFORE_PHASES: usize = 9;

/// A server that answers the first `healthy` requests like an empty v1 workspace, then as `mode`.
async fn serve(mode: Mode, healthy: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let served = served.clone();
            tokio::spawn(async move {
                let rl = "x-ratelimit-limit: 300\r\nx-ratelimit-remaining: 299\r\nx-ratelimit-reset: 60\r\n";
                let mut buf = vec![0u8; 65536];
                loop {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if served.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= healthy {
                        break;
                    }
                    let body = r#"{"data":[],"total":0,"limit":20,"offset":0}"#;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{rl}content-length: {}\r\n\r\n",
                        body.len()
                    );
                    if sock
                        .write_all(format!("{head}{body}").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                match mode {
                    Mode::Hang => tokio::time::sleep(Duration::from_secs(30)).await,
                    Mode::Reset => drop(sock),
                    Mode::NotJson => {
                        let body = "<html>oops</html>";
                        let _ = sock
                            .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{rl}content-length: {}\r\n\r\n{body}", body.len()).as_bytes())
                            .await;
                    }
                    Mode::Redirect => {
                        let _ = sock.write_all(format!("HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/\r\n{rl}content-length: 0\r\n\r\n").as_bytes()).await;
                    }
                    Mode::Oversized => {
                        let body = format!(
                            "{{\"data\":[],\"total\":0,\"limit\":20,\"offset\":0,\"pad\":\"{}\"}}",
                            "x".repeat(3 << 20)
                        );
                        let _ = sock
                            .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{rl}content-length: {}\r\n\r\n{body}", body.len()).as_bytes())
                            .await;
                    }
                    Mode::Endless => {
                        let _ = sock.write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{rl}transfer-encoding: chunked\r\n\r\n").as_bytes()).await;
                        for _ in 0..10_000 {
                            if sock.write_all(b"4\r\n[[[[\r\n").await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}/api/v1")
}

fn config(base_url: String) -> RunConfig {
    RunConfig {
        target: TargetConfig {
            base_url,
            api_key: "va_test_0123456789abcdef".into(),
            api_key_b: None,
            timeout: Duration::from_millis(500),
            max_body: 1 << 20,
        },
        seed: 7,
        max_examples: 2,
        time_budget: Some(Duration::from_secs(20)),
        workers: 2,
        operations: ["listAgents".to_owned()].into(),
        checks: CheckFilter::default(),
        phases: [Phase::Examples, Phase::Coverage].into(),
        max_shrink_steps: 4,
        profile: conformance::profile::Profile::Strict,
        control_url: None,
        request_budget: None,
        judge_by_target_contract: false,
        safety: conformance::safety::Safety::default(),
        scenarios: Vec::new(),
        webhooks: Default::default(),
        baseline: None,
    }
}

/// Runs against a server that turns hostile after preflight and discovery.
async fn run_mid(mode: Mode) -> Result<BTreeSet<String>, RunError> {
    let url = serve(mode, BEFORE_PHASES).await;
    let started = Instant::now();
    let outcome = run(config(url), &mut []).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{mode:?} took {:?}",
        started.elapsed()
    );
    outcome.map(|o| {
        o.summary
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.check, f.title))
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_mid_run_is_a_finding() {
    let cases: [(Mode, &str); 3] = [
        (
            Mode::NotJson,
            "response_schema: status 200 body is not JSON",
        ),
        (
            Mode::Redirect,
            "status_code_documented: status 302 is not documented",
        ),
        (
            Mode::Oversized,
            "response_schema: the body is larger than the runner's cap",
        ),
    ];
    for (mode, want) in cases {
        let got = run_mid(mode)
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: the run failed: {e}"));
        assert!(got.contains(want), "{mode:?}: {got:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_stops_answering_mid_run_ends_it_within_twice_the_timeout() {
    for mode in [Mode::Hang, Mode::Reset, Mode::Endless] {
        let err = run_mid(mode).await.err();
        assert!(
            matches!(&err, Some(RunError::TargetDown(m)) if m.contains("stopped answering")),
            "{mode:?}: {err:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_stops_a_target_that_is_hostile_from_the_start() {
    let cases: [(Mode, &str); 6] = [
        (
            Mode::Hang,
            "accepted the connection but sent no complete answer within 0.5 s",
        ),
        (Mode::Reset, "reach the target"),
        (
            Mode::Endless,
            "accepted the connection but sent no complete answer",
        ),
        (
            Mode::NotJson,
            "this is not a VICIagent v1 API: 200 application/json at /agents",
        ),
        (Mode::Redirect, "this is not a VICIagent v1 API: 302"),
        (Mode::Oversized, "this is not a VICIagent v1 API"),
    ];
    for (mode, want) in cases {
        let url = serve(mode, 0).await;
        let started = Instant::now();
        let err = run(config(url), &mut []).await.err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{mode:?} took {:?}",
            started.elapsed()
        );
        let Some(RunError::Preflight(p)) = &err else {
            panic!("{mode:?}: {err:?}");
        };
        assert!(p.to_string().contains(want), "{mode:?}: {p}");
    }
}

#[tokio::test]
async fn an_unreachable_target_is_a_runner_error_not_a_finding() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = run(config(format!("http://{addr}/api/v1")), &mut [])
        .await
        .err();
    assert!(err.is_some_and(|e| e.to_string().contains("reach the target")));
}
