//! Hostile targets are findings, not crashes: a server that hangs, resets, answers garbage,
//! redirects, sends an oversized body or streams forever is reported, and the run ends.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use conformance::case::Phase;
use conformance::exec::CheckFilter;
use conformance::http::TargetConfig;
use conformance::runner::{RunConfig, run};
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

async fn serve(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                let rl = "x-ratelimit-limit: 300\r\nx-ratelimit-remaining: 299\r\nx-ratelimit-reset: 60\r\n";
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
        phases: [Phase::Examples].into(),
        max_shrink_steps: 4,
        profile: conformance::profile::Profile::Strict,
    }
}

async fn findings(mode: Mode) -> BTreeSet<String> {
    let url = serve(mode).await;
    let started = Instant::now();
    let outcome = run(config(url), &mut [])
        .await
        .unwrap_or_else(|e| panic!("{mode:?}: the run failed: {e}"));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{mode:?} took {:?}",
        started.elapsed()
    );
    outcome
        .summary
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.check, f.title))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_behaviour_is_a_finding() {
    let cases: [(Mode, &str); 6] = [
        (Mode::Hang, "not_a_server_error: no valid response"),
        (Mode::Reset, "not_a_server_error: no valid response"),
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
        (Mode::Endless, "not_a_server_error: no valid response"),
    ];
    for (mode, want) in cases {
        let got = findings(mode).await;
        assert!(got.contains(want), "{mode:?}: {got:#?}");
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
