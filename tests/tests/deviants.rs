//! The runner catches each deliberately deviant variant of the mock with the right check, at
//! the profile the deviant states: a broken page promise under `page`, a broken D-entry under
//! `contract`, the mock's own behaviour and SHOULD checks under `strict`.

use std::collections::BTreeSet;

use conformance::events::Verdict;
use conformance::profile::Profile;
use conformance::runner::{RunConfig, run};
use e2e_tests::{DEVIANTS, start};

fn config(base_url: String, profile: Profile) -> RunConfig {
    let mut c = e2e_tests::run_config(base_url, 99, 8, 16);
    c.profile = profile;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_deviant_variant_is_caught_by_its_check_at_its_profile() {
    let mut missed = Vec::new();
    let mut matrix = format!(
        "{:<34} {:<26} {:<9} {}\n",
        "deviant", "caught by", "profile", "result"
    );
    for d in DEVIANTS {
        let server = start(Some(d.id)).await;
        let outcome = run(config(server.base_url.clone(), d.profile), &mut [])
            .await
            .unwrap_or_else(|e| panic!("{}: the run failed: {e}", d.id));
        let s = &outcome.summary;
        assert_eq!(s.profile, d.profile);
        let failing: BTreeSet<&str> = s
            .findings
            .iter()
            .filter(|f| f.is_failure())
            .map(|f| f.check)
            .collect();
        let caught = failing.contains(d.caught_by);
        matrix.push_str(&format!(
            "{:<34} {:<26} {:<9} {}\n",
            d.id,
            d.caught_by,
            d.profile.as_str(),
            if caught { "caught" } else { "MISSED" }
        ));
        if !caught {
            let fired: BTreeSet<String> = s
                .findings
                .iter()
                .map(|f| format!("{} ({:?}, {:?})", f.check, f.binding, f.severity))
                .collect();
            missed.push(format!(
                "{} ({}): {} did not fail the run under {}; findings: {fired:?}",
                d.id, d.breaks, d.caught_by, d.profile
            ));
            continue;
        }
        // The stated profile is the weakest that catches it: a deviant that breaks a page
        // promise must not hide behind `contract`.
        let weakest = s
            .findings
            .iter()
            .filter(|f| f.check == d.caught_by)
            .map(e2e_tests::weakest_failing_profile)
            .min_by_key(|p| Profile::ALL.iter().position(|q| q == p))
            .expect("a failure of the check");
        if weakest != d.profile {
            missed.push(format!(
                "{}: {} fails already under {weakest}, but the catalogue says {}",
                d.id, d.caught_by, d.profile
            ));
        }
        assert_eq!(
            s.verdict,
            Verdict::Deviations,
            "{}: a failure fails the run",
            d.id
        );
    }
    // The detection matrix, for a person: which check catches which deviant, at which profile.
    println!("{matrix}");
    assert!(
        missed.is_empty(),
        "deviations the runner let through or misjudged:\n{}",
        missed.join("\n")
    );
    insta::assert_snapshot!("detection_matrix", matrix);
}

#[tokio::test]
async fn the_catalogue_covers_every_check() {
    // Webhook checks are proven by the webhook deviants (tests/webhooks.rs), rate-limit checks
    // by the rate-limit deviants (tests/rate_limit.rs); the replay note never fails, so nothing
    // can be caught by it.
    let covered: BTreeSet<&str> = DEVIANTS
        .iter()
        .map(|d| d.caught_by)
        .chain(e2e_tests::WEBHOOK_DEVIANTS.iter().map(|d| d.caught_by))
        .chain(e2e_tests::RATE_LIMIT_DEVIANTS.iter().map(|d| d.caught_by))
        .chain(conformance::webhook::INFORMATIONAL.iter().copied())
        .collect();
    for c in conformance::checks::catalogue::CATALOGUE {
        assert!(
            covered.contains(c.id),
            "no deviant variant proves check {}",
            c.id
        );
    }
}

#[test]
fn every_profile_has_its_deviants() {
    for p in Profile::ALL {
        assert!(
            DEVIANTS.iter().any(|d| d.profile == p),
            "no deviant is caught only at {p}"
        );
    }
}
