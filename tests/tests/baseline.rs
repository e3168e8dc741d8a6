//! Baselines: an accepted deviation no longer fails the gate but is shown; an expired entry
//! fails it; an entry that matches nothing is stale; a certification holds "with exceptions".

use conformance::baseline::{Baseline, Entry};
use conformance::events::Verdict;
use conformance::profile::Profile;
use conformance::requirements::{CertVerdict, ReqStatus};
use conformance::runner::run;
use e2e_tests::start;

fn entry(check: &str, expires: &str) -> Entry {
    Entry {
        check: check.to_owned(),
        operation: Some("listAgents".to_owned()),
        title: None,
        reason: "our total is signed until v1.3".to_owned(),
        expires: expires.to_owned(),
    }
}

async fn run_with(accepted: Vec<Entry>, profile: Profile) -> conformance::events::Summary {
    let server = start(Some("negative_total")).await;
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 3, 3, 0);
    cfg.operations = ["listAgents".to_owned()].into();
    cfg.phases = [
        conformance::case::Phase::Examples,
        conformance::case::Phase::Coverage,
    ]
    .into();
    cfg.profile = profile;
    cfg.baseline = Some(Baseline { accepted });
    run(cfg, &mut []).await.expect("the run completes").summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_accepted_deviation_is_shown_and_does_not_fail_the_gate() {
    let s = run_with(
        vec![
            entry("response_schema", "2099-12-31"),
            entry("cost_sum", "2099-12-31"),
        ],
        Profile::Contract,
    )
    .await;
    assert_eq!(s.verdict, Verdict::Conformant, "{:#?}", s.findings);
    let b = s.baseline.as_ref().expect("the baseline's outcome");
    assert_eq!(b.accepted.len(), 1);
    assert_eq!(b.stale.len(), 1, "cost_sum matched nothing");
    assert_eq!(b.stale[0].check, "cost_sum");
    let shown: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.check == "response_schema")
        .collect();
    assert!(
        !shown.is_empty()
            && shown
                .iter()
                .all(|f| f.accepted.is_some() && !f.is_failure())
    );
    let row = s
        .requirements
        .iter()
        .find(|r| r.id == "response_schema")
        .expect("the row");
    assert_eq!(row.status, ReqStatus::Accepted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_acceptance_fails_the_gate() {
    let s = run_with(
        vec![entry("response_schema", "2020-01-01")],
        Profile::Contract,
    )
    .await;
    assert_eq!(s.verdict, Verdict::Deviations);
    let b = s.baseline.as_ref().expect("the baseline's outcome");
    assert_eq!(b.expired.len(), 1);
    assert!(
        s.findings
            .iter()
            .any(|f| f.check == "response_schema" && f.is_failure())
    );
}

#[test]
fn a_baseline_file_is_checked_when_it_is_read() {
    let dir = std::env::temp_dir().join(format!("vici-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let good = write(
        "good.yaml",
        "accepted:\n  - check: response_schema\n    reason: known\n    expires: 2027-03-01\n",
    );
    assert_eq!(Baseline::load(&good).unwrap().accepted.len(), 1);
    for (name, text, says) in [
        (
            "check.yaml",
            "accepted:\n  - check: nope\n    reason: r\n    expires: 2027-03-01\n",
            "unknown check id 'nope'",
        ),
        (
            "date.yaml",
            "accepted:\n  - check: response_schema\n    reason: r\n    expires: soon\n",
            "not a date",
        ),
        (
            "reason.yaml",
            "accepted:\n  - check: response_schema\n    reason: ' '\n    expires: 2027-03-01\n",
            "needs a reason",
        ),
        ("typo.yaml", "acepted: []\n", "unknown field"),
    ] {
        let e = Baseline::load(&write(name, text)).unwrap_err().to_string();
        assert!(e.contains(says), "{name}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certification_with_an_accepted_deviation_holds_with_exceptions() {
    let server = e2e_tests::start_limited(Some("status_filter_ignored"), 300).await;
    let mut cfg = e2e_tests::run_config(server.base_url.clone(), 21, 4, 8);
    cfg.profile = Profile::Certification;
    cfg.safety.exhaust_rate_limit = true;
    cfg.baseline = Some(Baseline {
        accepted: vec![Entry {
            check: "filter_applied".to_owned(),
            operation: None,
            title: None,
            reason: "the status filter ships in v1.3".to_owned(),
            expires: "2099-01-01".to_owned(),
        }],
    });
    let s = run(cfg, &mut []).await.expect("the run completes").summary;
    let cert = s.certification.as_ref().expect("a certification");
    assert_eq!(
        cert.verdict,
        CertVerdict::CertifiedWithExceptions,
        "{cert:?} {:#?}",
        s.findings
            .iter()
            .filter(|f| f.is_failure())
            .collect::<Vec<_>>()
    );
}
