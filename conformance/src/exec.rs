//! Executing one case: send it, apply the enabled checks, turn failures into findings.

use std::collections::BTreeSet;
use std::sync::Arc;

use spec::Contract;

use crate::case::Case;
use crate::checks::catalogue::{self, Level};
use crate::checks::response::{Applied, Ctx};
use crate::events::{CaseRecord, Outcome};
use crate::finding::{Finding, Severity};
use crate::http::{Exchange, Target, TransportError};
use crate::profile::Profile;

/// Which checks run: all, or those named, minus those excluded.
#[derive(Debug, Clone, Default)]
pub struct CheckFilter {
    /// Only these (empty: all).
    pub only: BTreeSet<String>,
    /// Never these.
    pub exclude: BTreeSet<String>,
}

impl CheckFilter {
    /// Whether check `id` runs.
    pub fn enabled(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.contains(id)) && !self.exclude.contains(id)
    }
}

/// What executing cases needs.
pub struct Executor {
    /// The contract.
    pub contract: &'static Contract,
    /// Where to send.
    pub target: Arc<Target>,
    /// Which checks run.
    pub checks: CheckFilter,
    /// Which bindings fail the run (the others' findings are notes).
    pub profile: Profile,
}

impl Executor {
    /// Sends `case` and judges the exchange with the response checks plus `extra` verdicts the
    /// caller computed (stateful and protocol checks).
    pub async fn run(&self, case: Case) -> (CaseRecord, Result<Exchange, TransportError>) {
        let result = self.target.send(&case).await;
        let rec = self.judge(case, &result, Vec::new());
        (rec, result)
    }

    /// Judges an exchange that already happened.
    pub fn judge(
        &self,
        case: Case,
        result: &Result<Exchange, TransportError>,
        extra: Vec<(&'static str, Applied)>,
    ) -> CaseRecord {
        if let Err(TransportError::Withheld(w)) = result {
            return CaseRecord {
                case,
                status: None,
                elapsed_us: 0,
                checks: Vec::new(),
                findings: Vec::new(),
                withheld: Some(w.to_string()),
            };
        }
        let op = case
            .operation_id
            .as_deref()
            .and_then(|id| self.contract.operation(id));
        let ctx = Ctx {
            contract: self.contract,
            op,
            case: &case,
        };
        let mut verdicts: Vec<(&'static str, Applied)> = catalogue::exchange_checks()
            .filter(|(id, _)| self.checks.enabled(id))
            .map(|(id, f)| (id, f(&ctx, result)))
            .collect();
        // A 5xx or a broken exchange is one finding (not_a_server_error), not one per check
        // that would judge the error page as content.
        let broken = match result {
            Ok(ex) => ex.status >= 500,
            Err(_) => true,
        };
        if broken {
            verdicts.retain(|(id, _)| *id == "not_a_server_error");
        } else {
            verdicts.extend(extra.into_iter().filter(|(id, _)| self.checks.enabled(id)));
        }
        let (checks, findings) = self.findings(&case, verdicts);
        let status = result.as_ref().ok().map(|e| e.status);
        let elapsed_us = result
            .as_ref()
            .map(|e| e.elapsed.as_micros() as u64)
            .unwrap_or(0);
        CaseRecord {
            case,
            status,
            elapsed_us,
            checks,
            findings,
            withheld: None,
        }
    }
}

impl Executor {
    /// A record for verdicts derived from earlier exchanges (a read-back compared with what was
    /// written): no request of its own, so no response checks.
    pub fn derived(&self, case: Case, verdicts: Vec<(&'static str, Applied)>) -> CaseRecord {
        let verdicts = verdicts
            .into_iter()
            .filter(|(id, _)| self.checks.enabled(id))
            .collect();
        let (checks, findings) = self.findings(&case, verdicts);
        CaseRecord {
            case,
            status: None,
            elapsed_us: 0,
            checks,
            findings,
            withheld: None,
        }
    }

    /// Turns verdicts into check outcomes and findings, each finding with the binding of the rule
    /// it breaks and its severity under the profile.
    fn findings(
        &self,
        case: &Case,
        verdicts: Vec<(&'static str, Applied)>,
    ) -> (Vec<(&'static str, Outcome)>, Vec<Finding>) {
        let mut checks = Vec::new();
        let mut findings = Vec::new();
        for (id, v) in verdicts {
            let info = catalogue::info(id);
            // A verdict under an unregistered id is a bug of the runner, whatever the verdict:
            // every test run stops on it (and `tests/source_invariants.rs` finds it in the
            // sources). A release build still reports a failure under it rather than drop it.
            debug_assert!(
                info.is_some(),
                "verdict under the unregistered check id '{id}': register it in checks/catalogue.rs"
            );
            match v {
                Applied::Skip => {}
                Applied::Pass => checks.push((id, Outcome::Passed)),
                Applied::Fail(f) => {
                    let level = info.map_or(Level::Must, |c| c.level);
                    let rule = f.rule.unwrap_or_else(|| {
                        info.map_or_else(spec::Rule::default, |c| {
                            spec::Rule::new(c.binding, c.source)
                        })
                    });
                    // Strict holds everything, SHOULD checks included: it is what our own mock
                    // is held to (zero findings), and a legitimate alternative that only adds
                    // fields must still be told apart from the mock there.
                    let severity = crate::finding::severity(id, level, rule.binding, self.profile);
                    checks.push((
                        id,
                        if severity == Severity::Failure {
                            Outcome::Failed
                        } else {
                            Outcome::Noted
                        },
                    ));
                    findings.push(Finding {
                        check: id,
                        level,
                        binding: rule.binding,
                        source: rule.source,
                        severity,
                        operation_id: case.operation_id.clone(),
                        title: f.title,
                        message: f.message,
                        case_id: case.id.clone(),
                        curl: case.to_curl(&self.target.config.base_url),
                        instance_pointer: f.instance_pointer,
                        schema_path: f.schema_path,
                        accepted: None,
                    });
                }
            }
        }
        (checks, findings)
    }
}

/// The checks whose failures a record holds (severity failure, under the run's profile).
pub fn must_failures(rec: &CaseRecord) -> BTreeSet<&'static str> {
    rec.findings
        .iter()
        .filter(|f| f.is_failure())
        .map(|f| f.check)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Auth, Expectation, Phase};
    use crate::checks::response::{Failure, fail_as};

    fn executor(profile: Profile) -> Executor {
        let target = Target::new(crate::http::TargetConfig {
            base_url: "http://127.0.0.1:9/api/v1".into(),
            api_key: "va_test_key_000000000".into(),
            api_key_b: None,
            timeout: std::time::Duration::from_secs(1),
            max_body: 1 << 20,
        })
        .unwrap();
        Executor {
            contract: Contract::v1(),
            target: Arc::new(target),
            checks: CheckFilter::default(),
            profile,
        }
    }

    fn severities(profile: Profile) -> Vec<(&'static str, Severity)> {
        let case = Case {
            id: "t".into(),
            operation_id: Some("listAgents".into()),
            phase: Phase::Scenario,
            method: "GET".into(),
            path: "/agents".into(),
            query: Vec::new(),
            headers: Vec::new(),
            auth: Auth::Primary,
            body: None,
            expect: Expectation::Observe,
            note: String::new(),
        };
        let should = Applied::Fail(Failure {
            title: "undocumented field /x".into(),
            message: String::new(),
            instance_pointer: None,
            schema_path: None,
            rule: None,
        });
        let contract = fail_as(spec::Rule::new(spec::Binding::Contract, "D-LIST"), "t", "m");
        let mock = fail_as(spec::Rule::new(spec::Binding::Mock, "D-IDS"), "t", "m");
        executor(profile)
            .derived(
                case,
                vec![
                    ("undocumented_field", should),
                    ("list_order", contract),
                    ("response_schema", mock),
                ],
            )
            .findings
            .iter()
            .map(|f| (f.check, f.severity))
            .collect()
    }

    #[test]
    fn severity_follows_the_profile_and_strict_fails_should_findings_too() {
        use Severity::{Failure as F, Note as N};
        assert_eq!(
            severities(Profile::Page),
            vec![
                ("undocumented_field", N),
                ("list_order", N),
                ("response_schema", N)
            ]
        );
        assert_eq!(
            severities(Profile::Contract),
            vec![
                ("undocumented_field", N),
                ("list_order", F),
                ("response_schema", N)
            ]
        );
        assert_eq!(
            severities(Profile::Strict),
            vec![
                ("undocumented_field", F),
                ("list_order", F),
                ("response_schema", F)
            ]
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "unregistered check id 'no_such_check'")]
    fn a_verdict_under_an_unregistered_id_is_refused() {
        let case = Case {
            id: "t".into(),
            operation_id: None,
            phase: Phase::Scenario,
            method: "GET".into(),
            path: "/agents".into(),
            query: Vec::new(),
            headers: Vec::new(),
            auth: Auth::Primary,
            body: None,
            expect: Expectation::Observe,
            note: String::new(),
        };
        executor(Profile::Strict).derived(case, vec![("no_such_check", Applied::Pass)]);
    }
}
