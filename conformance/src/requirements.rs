//! The requirement matrix and the certification verdict.
//!
//! Every check of the catalogue is a requirement, at a level the run's profile gives it:
//!
//! - **MUST**: a MUST check whose binding the profile holds. Under `certification` these are the
//!   page's promises; `--require contract` adds the contract's decisions.
//! - **SHOULD**: a SHOULD check, or a MUST check of a binding the profile does not hold (under
//!   `certification`, a contract-level rule: a failure is a difference from the reference
//!   contract, with its D-entry, and does not stop certification).
//! - **INFO**: a rule of our mock's own behaviour that the profile does not hold.
//!
//! Each requirement's status comes from the run's summary: **fail** when a finding under it
//! fails the run, **pass** when it reached verdicts and none failed, **skip** when nothing
//! exercised it (the reason is that of the scenarios naming it, which say which capability was
//! missing), **error** when the only scenarios naming it could not go on. The evidence is the
//! number of verdicts and the first failing (else noted) finding with its curl.
//!
//! Certification holds when no finding fails the run, no MUST requirement was skipped or in
//! error, and the run was complete.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use spec::Binding;

use crate::checks::catalogue::{CATALOGUE, Check, Level};
use crate::events::{ScenarioStatus, Summary, Verdict};
use crate::profile::Profile;
use crate::scenario::load::Loaded;
use crate::scenario::model::Capability;

/// A requirement's level under a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ReqLevel {
    /// Failing or skipping it fails the gate.
    Must,
    /// Shown, never failing.
    Should,
    /// Our mock's own behaviour, which the profile does not hold.
    Info,
}

impl ReqLevel {
    /// `MUST`, `SHOULD` or `INFO`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReqLevel::Must => "MUST",
            ReqLevel::Should => "SHOULD",
            ReqLevel::Info => "INFO",
        }
    }
}

/// A requirement's status in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReqStatus {
    /// A finding under it fails the run.
    Fail,
    /// The only scenarios that test it could not go on.
    Error,
    /// Nothing exercised it.
    Skip,
    /// Its failures are accepted by the baseline: shown, not failing.
    Accepted,
    /// It reached verdicts and none failed the run.
    Pass,
}

impl ReqStatus {
    /// Lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            ReqStatus::Fail => "fail",
            ReqStatus::Error => "error",
            ReqStatus::Skip => "skip",
            ReqStatus::Accepted => "accepted",
            ReqStatus::Pass => "pass",
        }
    }
}

/// What shows a requirement's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The case that showed it.
    pub case_id: String,
    /// The finding's title.
    pub title: String,
    /// What was expected and what came back.
    pub message: String,
    /// A command that reproduces it.
    pub curl: String,
    /// For a scenario's finding: the command that runs that scenario again (its steps depend
    /// on one another, so the curl alone may not reproduce it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    /// The check id.
    pub id: &'static str,
    /// Its level under the run's profile.
    pub level: ReqLevel,
    /// Where the rule comes from.
    pub binding: Binding,
    /// The page sentence or D-entry.
    pub source: &'static str,
    /// What it requires.
    pub description: &'static str,
    /// How it went.
    pub status: ReqStatus,
    /// Why it was skipped or in error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Verdicts it reached (passed, failed and noted).
    pub verdicts: usize,
    /// The first failing finding under it, else the first note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// The level `check` has under `profile`.
pub fn level(check: &Check, profile: Profile) -> ReqLevel {
    match (check.level, profile.holds(check.binding)) {
        (Level::Must, true) => ReqLevel::Must,
        (_, false) if check.binding == Binding::Mock => ReqLevel::Info,
        _ => ReqLevel::Should,
    }
}

/// The checks each scenario of `suites` names (`suite/scenario` → ids): its assertions, its
/// walks, its awaits, and every webhook check for a scenario that needs the receiver.
fn checks_by_scenario(suites: &[Loaded]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for f in suites {
        for sc in &f.suite.scenarios {
            let mut ids: BTreeSet<String> = BTreeSet::new();
            for st in &sc.steps {
                ids.extend(st.expect.iter().map(|a| a.check.clone()));
                ids.extend(st.paginate.iter().map(|p| p.check.clone()));
                if let Some(a) = &st.await_event {
                    ids.insert(
                        a.check
                            .clone()
                            .unwrap_or_else(|| "webhook_delivered".into()),
                    );
                }
            }
            if sc.requires.contains(&Capability::WebhookReceiver) {
                ids.extend(crate::webhook::CHECKS.iter().map(|c| (*c).to_owned()));
            }
            out.insert(format!("{}/{}", f.suite.suite, sc.scenario), ids);
        }
    }
    out
}

/// The matrix of the run `summary` describes, under its profile; `suites` are the scenario
/// files the run had (for the reasons of skipped requirements).
pub fn matrix(summary: &Summary, suites: &[Loaded]) -> Vec<Requirement> {
    let named = checks_by_scenario(suites);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for op in summary.operations.values() {
        for (id, c) in &op.checks {
            *counts.entry(id).or_default() += c.passed + c.failed + c.noted;
        }
    }
    CATALOGUE
        .iter()
        .map(|c| {
            let verdicts = counts.get(c.id).copied().unwrap_or(0);
            let failing = summary
                .findings
                .iter()
                .find(|f| f.check == c.id && f.is_failure());
            let shown = failing
                .or_else(|| {
                    summary
                        .findings
                        .iter()
                        .find(|f| f.check == c.id && f.accepted.is_some())
                })
                .or_else(|| summary.findings.iter().find(|f| f.check == c.id));
            // The scenarios that name it and did not pass, with why.
            let stalled: Vec<(&crate::events::ScenarioOutcome, &str)> = summary
                .scenarios
                .iter()
                .filter(|o| {
                    let base = o.id.split(" [").next().unwrap_or(&o.id);
                    named.get(base).is_some_and(|ids| ids.contains(c.id))
                })
                .filter_map(|o| match o.status {
                    ScenarioStatus::Skipped
                    | ScenarioStatus::NotApplicable
                    | ScenarioStatus::Error => Some((o, o.reason.as_deref().unwrap_or(""))),
                    _ => None,
                })
                .collect();
            let accepted = summary
                .findings
                .iter()
                .find(|f| f.check == c.id && f.accepted.is_some());
            let (status, reason) = if failing.is_some() {
                (ReqStatus::Fail, None)
            } else if let Some(a) = accepted {
                (ReqStatus::Accepted, a.accepted.clone())
            } else if verdicts > 0 {
                (ReqStatus::Pass, None)
            } else {
                let errored = stalled
                    .iter()
                    .any(|(o, _)| o.status == ScenarioStatus::Error);
                let mut why: Vec<String> = stalled
                    .iter()
                    .map(|(o, r)| format!("{}: {r}", o.id))
                    .collect();
                why.dedup();
                let reason = if why.is_empty() {
                    "no case exercised it (the phase that tests it did not run, or the target \
                     had nothing for it to test)"
                        .to_owned()
                } else {
                    let n = why.len();
                    why.truncate(2);
                    let more = if n > 2 {
                        format!(" (and {} more)", n - 2)
                    } else {
                        String::new()
                    };
                    format!("{}{more}", why.join("; "))
                };
                (
                    if errored {
                        ReqStatus::Error
                    } else {
                        ReqStatus::Skip
                    },
                    Some(reason),
                )
            };
            Requirement {
                id: c.id,
                level: level(c, summary.profile),
                binding: c.binding,
                source: c.source,
                description: c.description,
                status,
                reason,
                verdicts,
                evidence: shown.map(|f| Evidence {
                    case_id: f.case_id.clone(),
                    title: f.title.clone(),
                    message: f.message.clone(),
                    curl: f.curl.clone(),
                    replay: crate::scenario::scenario_of_case_id(&f.case_id).map(|id| {
                        format!(
                            "vici-conformance run --phase scenarios --scenario {id} \
                             (with the run's --base-url, keys and --control-url)"
                        )
                    }),
                }),
            }
        })
        .collect()
}

/// Whether the certification holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertVerdict {
    /// Every MUST requirement passed.
    Certified,
    /// Every MUST requirement passed or is accepted by the baseline.
    CertifiedWithExceptions,
    /// A MUST requirement failed, was skipped or in error, or the run was incomplete.
    NotCertified,
}

/// The certification's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certification {
    /// Whether it holds.
    pub verdict: CertVerdict,
    /// Whether the contract's decisions were required too (`--require contract`).
    pub require_contract: bool,
    /// MUST requirements that failed.
    pub failed: Vec<&'static str>,
    /// MUST requirements that were skipped or in error, with why.
    pub not_tested: Vec<Untested>,
    /// SHOULD requirements with findings: differences from the reference contract.
    pub differences: Vec<Difference>,
}

/// A MUST requirement no case tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Untested {
    /// The check id.
    pub id: &'static str,
    /// Why: the scenarios that would have tested it, and what they lacked.
    pub reason: String,
}

/// A SHOULD requirement with findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The check id.
    pub id: &'static str,
    /// The D-entry (or page sentence) it rests on.
    pub source: &'static str,
}

/// The certification of a run with `matrix` and `summary` (under a certification profile).
pub fn certify(matrix: &[Requirement], summary: &Summary) -> Certification {
    let must = |r: &&Requirement| r.level == ReqLevel::Must;
    let failed: Vec<&'static str> = matrix
        .iter()
        .filter(|r| r.status == ReqStatus::Fail)
        .map(|r| r.id)
        .collect();
    let not_tested: Vec<Untested> = matrix
        .iter()
        .filter(must)
        .filter(|r| matches!(r.status, ReqStatus::Skip | ReqStatus::Error))
        .map(|r| Untested {
            id: r.id,
            reason: r.reason.clone().unwrap_or_default(),
        })
        .collect();
    let differences: Vec<Difference> = matrix
        .iter()
        // A note that is only ever a note (the replay risk of the page's own scheme) is no
        // difference of the target's.
        .filter(|r| {
            r.level == ReqLevel::Should
                && r.evidence.is_some()
                && !crate::finding::INFORMATIONAL.contains(&r.id)
        })
        .map(|r| Difference {
            id: r.id,
            source: r.source,
        })
        .collect();
    let complete = !matches!(
        summary.verdict,
        Verdict::Incomplete | Verdict::NothingTested
    );
    let expired = summary
        .baseline
        .as_ref()
        .is_some_and(|b| !b.expired.is_empty());
    let exceptions = matrix.iter().any(|r| r.status == ReqStatus::Accepted);
    let verdict = if !(failed.is_empty() && not_tested.is_empty() && complete) || expired {
        CertVerdict::NotCertified
    } else if exceptions {
        CertVerdict::CertifiedWithExceptions
    } else {
        CertVerdict::Certified
    };
    Certification {
        verdict,
        require_contract: summary.profile == Profile::CertificationContract,
        failed,
        not_tested,
        differences,
    }
}

/// The reference page's promises, one sentence each (`spec/reference-page.txt`), for the
/// coverage view: each should rest under at least one check.
pub const PAGE_SENTENCES: &[&str] = &[
    "REST + JSON, hosted at https://app.viciagent.com/api/v1/.",
    "Authenticate by sending the API key (mint one here) as a Bearer token",
    "Rate limit: 300 requests / minute per key.",
    "GET /v1/calls — list calls. Query: agentId, contactId, status, hasRecording, dateFrom/To, limit/offset.",
    "GET /v1/calls/:id — full call detail incl. transcript + cost line items.",
    "GET /v1/calls/:id/recording.wav — streamed audio. Signed-URL gated.",
    "GET /v1/agents · POST /v1/agents · PATCH /v1/agents/:id · DELETE /v1/agents/:id",
    "PATCH body accepts name, soul, mission, playbook, knowledgeBase, firstMessage, voice and transfer settings.",
    "GET /v1/phone-numbers · PATCH /v1/phone-numbers/:id { agentId } to assign inbound routing.",
    "GET /v1/phone-numbers/inventory/search?country=US&areaCode=415 · POST to buy from inventory.",
    "GET /v1/contacts · POST /v1/contact-lists with a CSV body to import in bulk.",
    "Configure outbound HTTP callbacks at /settings/webhooks.",
    "X-VICIagent-Event: call.completed X-VICIagent-Delivery: <uuid> X-VICIagent-Timestamp: 1715616000 X-VICIagent-Signature: t=1715616000,v1=<hex_hmac>",
    "Verify by recomputing HMAC-SHA256(secret, body) and matching the v1= value.",
    "Event types include call.queued, call.connected, call.completed, call.failed, campaign.started, campaign.compliance_paused.",
    "JSON error shape: { \"error\": \"rate_limited\", \"message\": \"too many requests — wait 12s\", \"details\": { \"retryAfterSec\": 12 } }",
    "error is a stable machine code; message is human-readable.",
    "OpenAPI 3.1 JSON: app.viciagent.com/api/v1/openapi.json",
];

/// Page sentences no check can rest on, with why: they are not about the API.
pub const NOT_API: &[(&str, &str)] = &[(
    "Configure outbound HTTP callbacks at /settings/webhooks.",
    "a page of the web app, not of the API: the endpoint configured there is what the runner's \
     webhook receiver stands for (vici-mock serves the page)",
)];

/// The quotes (text between double quotes) in a source.
fn quotes(source: &str) -> Vec<String> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let parts: Vec<&str> = source.split('"').collect();
    parts
        .iter()
        .enumerate()
        .filter(|(i, p)| i % 2 == 1 && p.len() >= 6)
        .map(|(_, p)| norm(p))
        .collect()
}

/// Each page sentence with the checks resting on it (by the quotes of their sources, and of
/// the scenario assertions that cite it); a sentence without any is a hole.
pub fn page_coverage(suites: &[Loaded]) -> Vec<(&'static str, Vec<String>)> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cited: Vec<(String, String)> = CATALOGUE
        .iter()
        .flat_map(|c| quotes(c.source).into_iter().map(|q| (c.id.to_owned(), q)))
        .collect();
    for f in suites {
        for sc in &f.suite.scenarios {
            for st in &sc.steps {
                for a in &st.expect {
                    if let Some(c) = &a.cite {
                        cited.extend(quotes(c).into_iter().map(|q| (a.check.clone(), q)));
                    }
                }
            }
        }
    }
    PAGE_SENTENCES
        .iter()
        .map(|s| {
            let sentence = norm(s);
            let mut ids: Vec<String> = cited
                .iter()
                .filter(|(_, q)| sentence.contains(q.as_str()) || q.contains(sentence.as_str()))
                .map(|(id, _)| id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            (*s, ids)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_sentence_is_on_the_page_and_rests_under_a_check() {
        let page: String = include_str!("../../spec/reference-page.txt")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for s in PAGE_SENTENCES {
            let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
            // The header block and the error shape are laid out over several lines on the page.
            let probe: String = s.chars().take(24).collect();
            assert!(page.contains(&probe), "not on the page: {s}");
        }
        let suites = crate::scenario::load::built_in().unwrap();
        let holes: Vec<&str> = page_coverage(&suites)
            .into_iter()
            .filter(|(_, ids)| ids.is_empty())
            .map(|(s, _)| s)
            .collect();
        let known: Vec<&str> = NOT_API.iter().map(|(s, _)| *s).collect();
        assert_eq!(holes, known, "page sentences no check rests on");
    }
}
