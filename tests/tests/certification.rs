//! The certification profile: over the faithful mock (both keys, the control URL, v1's rate
//! limit) every requirement is tested and it holds; without a second key it does not, and says
//! which requirement went untested and why; a deviant fails it on the requirement it breaks.

use conformance::events::Verdict;
use conformance::profile::Profile;
use conformance::requirements::{CertVerdict, ReqLevel, ReqStatus};
use conformance::runner::run;
use e2e_tests::start_limited;

fn config(base_url: String) -> conformance::runner::RunConfig {
    let mut c = e2e_tests::run_config(base_url, 21, 4, 8);
    c.profile = Profile::Certification;
    c.safety.exhaust_rate_limit = true;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_faithful_mock_is_certified_with_every_requirement_tested() {
    let server = start_limited(None, 300).await;
    let outcome = run(config(server.base_url.clone()), &mut [])
        .await
        .expect("the run completes");
    let s = &outcome.summary;
    let open: Vec<String> = s
        .requirements
        .iter()
        .filter(|r| r.status != ReqStatus::Pass)
        .map(|r| {
            format!(
                "{} {} {}: {}",
                r.level.as_str(),
                r.id,
                r.status.as_str(),
                r.reason.clone().unwrap_or_default()
            )
        })
        .collect();
    assert!(open.is_empty(), "{}", open.join("\n"));
    let cert = s.certification.as_ref().expect("a certification");
    assert_eq!(cert.verdict, CertVerdict::Certified, "{cert:?}");
    assert_eq!(s.verdict, Verdict::Conformant);
    assert_eq!(
        s.requirements.len(),
        conformance::checks::catalogue::CATALOGUE.len(),
        "every check is a requirement"
    );
    // Levels follow the bindings: the page's rules are MUSTs, the contract's SHOULDs.
    for r in &s.requirements {
        match r.binding {
            spec::Binding::Mock => assert_ne!(r.level, ReqLevel::Must, "{}", r.id),
            spec::Binding::Contract => assert_eq!(r.level, ReqLevel::Should, "{}", r.id),
            spec::Binding::Page => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_second_key_certification_fails_and_names_what_went_untested() {
    let server = start_limited(None, 300).await;
    let mut cfg = config(server.base_url.clone());
    cfg.target.api_key_b = None;
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let s = &outcome.summary;
    let cert = s.certification.as_ref().expect("a certification");
    assert_eq!(cert.verdict, CertVerdict::NotCertified);
    let isolation = cert
        .not_tested
        .iter()
        .find(|u| u.id == "isolation")
        .unwrap_or_else(|| panic!("isolation is untested: {:?}", cert.not_tested));
    assert!(
        isolation.reason.contains("--api-key-b"),
        "{}",
        isolation.reason
    );
    assert_eq!(s.verdict, Verdict::Incomplete, "never a pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deviant_fails_certification_on_the_requirement_it_breaks() {
    let server = start_limited(Some("status_filter_ignored"), 300).await;
    let outcome = run(config(server.base_url.clone()), &mut [])
        .await
        .expect("the run completes");
    let s = &outcome.summary;
    let cert = s.certification.as_ref().expect("a certification");
    assert_eq!(cert.verdict, CertVerdict::NotCertified);
    assert!(cert.failed.contains(&"filter_applied"), "{cert:?}");
    let row = s
        .requirements
        .iter()
        .find(|r| r.id == "filter_applied")
        .expect("the row");
    assert_eq!(row.status, ReqStatus::Fail);
    let e = row.evidence.as_ref().expect("evidence");
    assert!(e.curl.starts_with("curl "), "{}", e.curl);
    assert_eq!(s.verdict, Verdict::Deviations);
}
