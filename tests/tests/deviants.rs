//! The runner catches each deliberately deviant variant of the mock with the right check.

use std::collections::BTreeSet;

use conformance::checks::catalogue::Level;
use conformance::events::Verdict;
use conformance::runner::{RunConfig, run};
use e2e_tests::{DEVIANTS, start};

fn config(base_url: String) -> RunConfig {
    e2e_tests::run_config(base_url, 99, 8, 16)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_deviant_variant_is_caught_by_its_check() {
    let mut missed = Vec::new();
    for d in DEVIANTS {
        let server = start(Some(d.id)).await;
        let outcome = run(config(server.base_url.clone()), &mut [])
            .await
            .unwrap_or_else(|e| panic!("{}: the run failed: {e}", d.id));
        let s = &outcome.summary;
        let fired: BTreeSet<&str> = s.findings.iter().map(|f| f.check).collect();
        if !fired.contains(d.caught_by) {
            missed.push(format!(
                "{} ({}): {} stayed silent; fired: {fired:?}",
                d.id, d.breaks, d.caught_by
            ));
            continue;
        }
        let level = conformance::checks::catalogue::info(d.caught_by).map(|c| c.level);
        if level == Some(Level::Must) {
            assert_eq!(
                s.verdict,
                Verdict::Deviations,
                "{}: a MUST failure fails the run",
                d.id
            );
        }
    }
    assert!(
        missed.is_empty(),
        "deviations the runner let through:\n{}",
        missed.join("\n")
    );
}

#[tokio::test]
async fn the_catalogue_covers_every_check() {
    let covered: BTreeSet<&str> = DEVIANTS.iter().map(|d| d.caught_by).collect();
    for c in conformance::checks::catalogue::CATALOGUE {
        assert!(
            covered.contains(c.id),
            "no deviant variant proves check {}",
            c.id
        );
    }
}
