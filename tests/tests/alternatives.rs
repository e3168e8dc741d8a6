//! The runner judges legitimate alternative implementations right: each differs from our
//! contract where the reference page is silent, so under `--profile page` it fails nothing and
//! is noted (the runner saw the difference), and under `--profile strict` it is told apart from
//! our mock.

use std::collections::BTreeSet;

use conformance::events::Summary;
use conformance::finding::Severity;
use conformance::profile::Profile;
use conformance::runner::{RunConfig, run};
use e2e_tests::{ALTERNATIVES, start_alternative};

fn config(base_url: String, profile: Profile) -> RunConfig {
    let mut c = e2e_tests::run_config(base_url, 7, 6, 0);
    c.profile = profile;
    c
}

fn listing(s: &Summary, severity: Severity) -> Vec<String> {
    s.findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| {
            format!(
                "{} [{} {}] {}: {}",
                f.check,
                f.binding.as_str(),
                f.source,
                f.title,
                f.message
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn legitimate_alternatives_pass_the_page_profile_with_notes_and_fail_strict() {
    let mut wrong = Vec::new();
    for a in ALTERNATIVES {
        let server = start_alternative(a.id).await;
        let page = run(config(server.base_url.clone(), Profile::Page), &mut [])
            .await
            .unwrap_or_else(|e| panic!("{}: the run failed: {e}", a.id));
        let s = &page.summary;
        let failures = listing(s, Severity::Failure);
        if !failures.is_empty() {
            wrong.push(format!(
                "{} ({}, {}) fails under page:\n  {}",
                a.id,
                a.differs,
                a.departs_from,
                failures.join("\n  ")
            ));
        }
        let noted: BTreeSet<&str> = s
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Note)
            .map(|f| f.check)
            .collect();
        eprintln!(
            "{}: {} notes under page ({})",
            a.id,
            s.notes(),
            noted.iter().copied().collect::<Vec<_>>().join(", ")
        );
        for check in a.noted_by {
            if !noted.contains(check) {
                wrong.push(format!(
                    "{}: no {check} note under page; notes: {}",
                    a.id,
                    listing(s, Severity::Note).join("\n  ")
                ));
            }
        }
        if a.id == "recording_redirect" {
            // The runner followed the redirect and judged the audio behind it, without sending
            // the key to the media origin.
            let audio = s
                .operations
                .get("getCallRecording")
                .and_then(|o| o.checks.get("recording_audio"))
                .map_or(0, |c| c.passed);
            if audio == 0 {
                wrong.push(format!("{}: no recording was judged", a.id));
            }
            if server.leaked_credentials() > 0 {
                wrong.push(format!(
                    "{}: {} requests sent credentials to the media origin",
                    a.id,
                    server.leaked_credentials()
                ));
            }
        }
        if std::env::var_os("VICI_SHOW_NOTES").is_some() {
            eprintln!("  {}", listing(s, Severity::Note).join("\n  "));
        }
        let strict = run(config(server.base_url.clone(), Profile::Strict), &mut [])
            .await
            .unwrap_or_else(|e| panic!("{}: the strict run failed: {e}", a.id));
        if strict.summary.must_failures() == 0 {
            wrong.push(format!(
                "{}: strict does not tell it apart from the mock",
                a.id
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "misjudged alternatives:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_catalogue_is_at_least_a_dozen_distinct_decisions() {
    let ids: BTreeSet<&str> = ALTERNATIVES.iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), ALTERNATIVES.len(), "ids are unique");
    assert!(ALTERNATIVES.len() >= 12);
    let decisions = include_str!("../../spec/DECISIONS.md");
    for a in ALTERNATIVES {
        assert!(
            decisions.contains(&format!("### {}:", a.departs_from)),
            "{}: {} is not a D-entry",
            a.id,
            a.departs_from
        );
        assert!(
            !a.noted_by.is_empty(),
            "{}: which notes prove it was seen?",
            a.id
        );
    }
}
