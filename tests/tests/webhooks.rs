//! The runner's webhook receiver and checks against the mock: the faithful mock passes every
//! check (each applied at least once) under `strict`, and each webhook deviant is caught by its
//! check at the profile it states. The mock's virtual clock is frozen and moved by the
//! exercise: nothing here sleeps.

use std::collections::BTreeSet;
use std::time::Duration;

use conformance::checks::catalogue::{self, Level};
use conformance::finding::{Finding, Severity};
use conformance::profile::Profile;
use conformance::webhook::{
    CHECKS, INFORMATIONAL, Receiver, ReceiverConfig, Verdict, Verification, findings,
};
use e2e_tests::webhooks::{self, Mock, SECRET};
use e2e_tests::{WEBHOOK_DEVIANTS, WebhookDeviant};
use spec::Binding;

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

/// The weakest profile under which `f` fails.
fn weakest_failing_profile(f: &Finding) -> Profile {
    match (f.level, f.binding) {
        (Level::Should, _) | (_, Binding::Mock) => Profile::Strict,
        (Level::Must, Binding::Contract) => Profile::Contract,
        (Level::Must, Binding::Page) => Profile::Page,
    }
}

async fn judge(d: &WebhookDeviant) -> Result<(), String> {
    let (verdicts, _) = exercised(Some(d.id)).await;
    let fs = findings(&verdicts, d.profile);
    if !fs.iter().any(|f| f.check == d.caught_by && f.is_failure()) {
        return Err(format!(
            "{} ({}): {} did not fail under {}; findings:\n{}",
            d.id,
            d.breaks,
            d.caught_by,
            d.profile,
            describe(&fs)
        ));
    }
    let weakest = fs
        .iter()
        .filter(|f| f.check == d.caught_by)
        .map(weakest_failing_profile)
        .min_by_key(|p| Profile::ALL.iter().position(|q| q == p))
        .unwrap_or(d.profile);
    if weakest != d.profile {
        return Err(format!(
            "{}: {} fails already under {weakest}, but the catalogue says {}",
            d.id, d.caught_by, d.profile
        ));
    }
    Ok(())
}

#[tokio::test]
async fn every_webhook_deviant_is_caught_by_its_check_at_its_profile() {
    let mut missed = Vec::new();
    for d in WEBHOOK_DEVIANTS {
        if let Err(e) = judge(d).await {
            missed.push(e);
        }
    }
    assert!(
        missed.is_empty(),
        "webhook deviations let through or misjudged:\n{}",
        missed.join("\n")
    );
}

#[test]
fn the_webhook_deviants_cover_every_webhook_check() {
    let covered: BTreeSet<&str> = WEBHOOK_DEVIANTS.iter().map(|d| d.caught_by).collect();
    for check in CHECKS {
        assert!(
            covered.contains(check) || INFORMATIONAL.contains(check),
            "no webhook deviant proves {check}"
        );
    }
    let ids: BTreeSet<&str> = WEBHOOK_DEVIANTS.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), WEBHOOK_DEVIANTS.len(), "ids are unique");
}
