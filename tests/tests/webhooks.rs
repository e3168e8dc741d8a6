//! The runner's webhook receiver and checks against the mock: the faithful mock passes every
//! check (each applied at least once) under `strict`, and each webhook deviant is caught by its
//! check at the profile it states. The mock's virtual clock is frozen and moved by the
//! exercise: nothing here sleeps.

use std::collections::BTreeSet;
use std::time::Duration;

use conformance::case::Phase;
use conformance::checks::catalogue;
use conformance::events::ScenarioStatus;
use conformance::finding::{Finding, Severity};
use conformance::profile::Profile;
use conformance::webhook::{
    CHECKS, INFORMATIONAL, Receiver, ReceiverConfig, Verdict, Verification, findings,
};
use e2e_tests::webhooks::{self, Mock, SECRET};
use e2e_tests::{WEBHOOK_DEVIANTS, WebhookDeviant};

/// Runs the exercise against the mock as `id` says, with a receiver that refuses every first
/// attempt; returns the verdicts and the event types that never arrived.
async fn exercised(id: Option<&'static str>) -> (Vec<Verdict>, Vec<&'static str>) {
    let server = webhooks::start(id).await;
    let mock = Mock::of(&server);
    let rx = Receiver::start(ReceiverConfig {
        fail_first_attempt: true,
        ..Default::default()
    })
    .await
    .expect("the receiver starts");
    let clock = webhooks::exercise(&mock, &rx, webhooks::chaos(id)).await;
    // A deviant may send an event under another type; only the faithful mock is waited for.
    let deadline = Duration::from_millis(if id.is_none() { 5_000 } else { 50 });
    let missing = webhooks::missing_event_types(&rx, deadline).await;
    // The mock made every due attempt before answering the clock move; a deviant that never
    // retries would keep a longer wait waiting for nothing.
    rx.wait_for_retries(Duration::from_millis(500)).await;
    let verdicts = Verification::new(SECRET)
        .with_clock(clock)
        .verify(&rx.recorded());
    rx.shutdown().await;
    (verdicts, missing)
}

fn describe(fs: &[Finding]) -> String {
    fs.iter()
        .map(|f| {
            format!(
                "{} [{} {:?}] {}: {}",
                f.check, f.binding, f.severity, f.title, f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_faithful_mock_passes_every_webhook_check() {
    let started = std::time::Instant::now();
    let (verdicts, missing) = exercised(None).await;
    assert!(missing.is_empty(), "never delivered: {missing:?}");
    let fs = findings(&verdicts, Profile::Strict);
    let failures: Vec<Finding> = fs.iter().filter(|f| f.is_failure()).cloned().collect();
    assert!(failures.is_empty(), "failures:\n{}", describe(&failures));
    // The one finding allowed is the replay note: the page's scheme leaves the timestamp
    // unsigned (D-WEBHOOK-SIGNATURE), and says so on every attempt.
    assert!(
        fs.iter()
            .all(|f| f.check == "webhook_replay" && f.severity == Severity::Note),
        "{}",
        describe(&fs)
    );
    for check in CHECKS {
        assert!(
            verdicts.iter().any(|v| v.check == *check && v.applied()),
            "check {check} was never applied"
        );
        assert!(
            catalogue::info(check).is_some(),
            "{check} is not in the catalogue"
        );
    }
    let retried = verdicts
        .iter()
        .filter(|v| v.check == "webhook_retry")
        .count();
    let calls = verdicts
        .iter()
        .filter(|v| v.check == "webhook_order")
        .count();
    assert!(
        retried >= 10,
        "every delivery was refused once and retried: {retried}"
    );
    assert!(calls >= 3, "two calls and the campaign's first: {calls}");
    eprintln!("clean exercise verified in {:?}", started.elapsed());
}

/// The runner's webhook suite against the mock as deviant `id` says, under `profile`.
async fn suite_run(id: Option<&'static str>, profile: Profile) -> conformance::events::Summary {
    let server = webhooks::start(id).await;
    let mock = Mock::of(&server);
    if let Some(c) = webhooks::chaos(id) {
        mock.control(reqwest::Method::PUT, "/chaos", c).await;
    }
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 5, 0, 0);
    cfg.phases = [Phase::Scenario].into();
    cfg.profile = profile;
    cfg.scenarios = conformance::scenario::load::built_in()
        .expect("the built-in suites parse")
        .into_iter()
        .filter(|f| f.suite.suite == "webhooks")
        .collect();
    // A deviant may never send what a step awaits: a short wait keeps the test fast (the mock
    // has sent all that is due before its control API answers).
    cfg.webhooks.wait = Some(Duration::from_millis(if id.is_none() {
        5_000
    } else {
        300
    }));
    conformance::runner::run(cfg, &mut [])
        .await
        .unwrap_or_else(|e| panic!("{id:?}: the run failed: {e}"))
        .summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_webhook_suite_passes_against_the_faithful_mock() {
    let s = suite_run(None, Profile::Strict).await;
    let rows: Vec<String> = s.scenarios.iter().map(e2e_tests::scenario_line).collect();
    assert!(
        s.scenarios
            .iter()
            .all(|o| o.status == ScenarioStatus::Passed
                || (o.id == "webhooks/configured-endpoint"
                    && o.status == ScenarioStatus::NotApplicable)),
        "{}",
        rows.join("\n")
    );
    assert!(
        s.findings
            .iter()
            .all(|f| f.check == "webhook_replay" && !f.is_failure()),
        "{}",
        describe(&s.findings)
    );
    // Every delivery is a record of its own, with a curl that sends it again.
    let replay = s
        .findings
        .iter()
        .find(|f| f.check == "webhook_replay")
        .expect("the replay note");
    assert!(
        replay.curl.contains("x-viciagent-signature: t=") && replay.curl.contains("--data-binary"),
        "{}",
        replay.curl
    );
    for check in CHECKS.iter().chain(&["webhook_delivered"]) {
        let n: usize = s
            .operations
            .values()
            .filter_map(|o| o.checks.get(check))
            .map(|c| c.passed + c.noted)
            .sum();
        assert!(n > 0, "{check} never applied");
    }
}

/// Runs the suite against deviant `d` under its profile: the check it names fails the run, and
/// no weaker profile would have failed on it.
async fn judge(d: &WebhookDeviant) -> Result<(), String> {
    let s = suite_run(Some(d.id), d.profile).await;
    let fs = &s.findings;
    if !fs.iter().any(|f| f.check == d.caught_by && f.is_failure()) {
        return Err(format!(
            "{} ({}): {} did not fail under {}; findings:\n{}",
            d.id,
            d.breaks,
            d.caught_by,
            d.profile,
            describe(fs)
        ));
    }
    let weakest = fs
        .iter()
        .filter(|f| f.check == d.caught_by)
        .map(e2e_tests::weakest_failing_profile)
        .min_by_key(|p| Profile::ALL.iter().position(|q| q == p))
        .unwrap_or(d.profile);
    if weakest != d.profile {
        return Err(format!(
            "{}: {} fails already under {weakest}, but the catalogue says {}",
            d.id, d.caught_by, d.profile
        ));
    }
    if s.verdict != conformance::events::Verdict::Deviations {
        return Err(format!("{}: the failure did not fail the run", d.id));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_webhook_deviant_is_caught_by_its_check_at_its_profile() {
    let mut missed = Vec::new();
    let mut matrix = format!(
        "{:<30} {:<20} {:<9} {}\n",
        "webhook deviant", "caught by", "profile", "result"
    );
    for d in WEBHOOK_DEVIANTS {
        let r = judge(d).await;
        matrix.push_str(&format!(
            "{:<30} {:<20} {:<9} {}\n",
            d.id,
            d.caught_by,
            d.profile.as_str(),
            if r.is_ok() { "caught" } else { "MISSED" }
        ));
        if let Err(e) = r {
            missed.push(e);
        }
    }
    println!("{matrix}");
    assert!(
        missed.is_empty(),
        "webhook deviations let through or misjudged:\n{}",
        missed.join("\n")
    );
    insta::assert_snapshot!("webhook_detection_matrix", matrix);
}

#[test]
fn the_webhook_deviants_cover_every_webhook_check() {
    let covered: BTreeSet<&str> = WEBHOOK_DEVIANTS.iter().map(|d| d.caught_by).collect();
    for check in CHECKS.iter().chain(&["webhook_delivered"]) {
        assert!(
            covered.contains(check) || INFORMATIONAL.contains(check),
            "no webhook deviant proves {check}"
        );
    }
    let ids: BTreeSet<&str> = WEBHOOK_DEVIANTS.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), WEBHOOK_DEVIANTS.len(), "ids are unique");
}

/// The webhook suite against a target the runner has no control API for: the user configured
/// an endpoint for the runner's receiver (`--webhook-listen`, `--webhook-secret`), and the
/// events come from elsewhere (here, a call the test starts while the run waits).
async fn configured_run(secret: &str) -> conformance::events::Summary {
    // A mock whose clock keeps wall-clock time, like a real target's.
    let mut c = mock_server::Config::for_tests();
    c.start_time = None;
    c.freeze_clock = false;
    let server = e2e_tests::start_with_config(c, None).await;
    let mock = Mock::of(&server);
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 5, 0, 0);
    mock.control(
        reqwest::Method::POST,
        "/webhooks",
        serde_json::json!({"key": cfg.target.api_key, "url": format!("http://{listen}/webhooks"),
                           "secret": "whsec_configured_at_the_target"}),
    )
    .await;
    cfg.control_url = None;
    cfg.phases = [Phase::Scenario].into();
    cfg.profile = Profile::Page;
    cfg.scenarios = conformance::scenario::load::built_in()
        .expect("parse")
        .into_iter()
        .filter(|f| f.suite.suite == "webhooks")
        .collect();
    cfg.webhooks = conformance::webhook::rig::Settings {
        listen,
        secret: Some(secret.to_owned()),
        wait: Some(Duration::from_secs(20)),
    };
    let key = cfg.target.api_key.clone();
    let trigger = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        mock.control(
            reqwest::Method::POST,
            "/calls",
            serde_json::json!({"key": key, "ringSec": 1, "durationSec": 1}),
        )
        .await;
    });
    let s = conformance::runner::run(cfg, &mut [])
        .await
        .expect("the run completes")
        .summary;
    trigger.await.expect("the call starts");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_control_api_a_configured_endpoint_receives_the_targets_events() {
    let s = configured_run("whsec_configured_at_the_target").await;
    let row = |id: &str| {
        s.scenarios
            .iter()
            .find(|o| o.id == id)
            .map(|o| (o.status, o.reason.clone().unwrap_or_default()))
            .expect("the scenario ran")
    };
    assert_eq!(
        row("webhooks/configured-endpoint").0,
        ScenarioStatus::Passed,
        "{:?}",
        row("webhooks/configured-endpoint")
    );
    let (status, reason) = row("webhooks/call-lifecycle");
    assert_eq!(status, ScenarioStatus::Skipped);
    assert!(reason.contains("no control API"), "{reason}");
    assert!(
        s.findings.iter().all(|f| !f.is_failure()),
        "{}",
        describe(&s.findings)
    );
    let signed: usize = s
        .operations
        .values()
        .filter_map(|o| o.checks.get("webhook_signature"))
        .map(|c| c.passed)
        .sum();
    assert!(signed > 0, "the events were judged");

    // The same events, verified with another secret than the endpoint's: the signature fails.
    let s = configured_run("whsec_not_what_the_target_has").await;
    assert!(
        s.findings
            .iter()
            .any(|f| f.check == "webhook_signature" && f.is_failure()),
        "{}",
        describe(&s.findings)
    );
}
