//! Executing one case: send it, apply the enabled checks, turn failures into findings.

use std::collections::BTreeSet;
use std::sync::Arc;

use spec::Contract;

use crate::case::Case;
use crate::checks::catalogue::{self, Level};
use crate::checks::response::{Applied, Ctx, RESPONSE_CHECKS};
use crate::events::{CaseRecord, Outcome};
use crate::finding::Finding;
use crate::http::{Exchange, Target, TransportError};

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
        let op = case
            .operation_id
            .as_deref()
            .and_then(|id| self.contract.operation(id));
        let ctx = Ctx {
            contract: self.contract,
            op,
            case: &case,
        };
        let mut verdicts: Vec<(&'static str, Applied)> = RESPONSE_CHECKS
            .iter()
            .filter(|(id, _)| self.checks.enabled(id))
            .map(|(id, f)| (*id, f(&ctx, result)))
            .collect();
        verdicts.extend(extra.into_iter().filter(|(id, _)| self.checks.enabled(id)));
        let mut checks = Vec::new();
        let mut findings = Vec::new();
        for (id, v) in verdicts {
            match v {
                Applied::Skip => {}
                Applied::Pass => checks.push((id, Outcome::Passed)),
                Applied::Fail(f) => {
                    checks.push((id, Outcome::Failed));
                    findings.push(Finding {
                        check: id,
                        level: catalogue::info(id).map_or(Level::Must, |c| c.level),
                        operation_id: case.operation_id.clone(),
                        title: f.title,
                        message: f.message,
                        case_id: case.id.clone(),
                        curl: case.to_curl(&self.target.config.base_url),
                        instance_pointer: f.instance_pointer,
                        schema_path: f.schema_path,
                    });
                }
            }
        }
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
        }
    }
}

/// The MUST checks a record failed.
pub fn must_failures(rec: &CaseRecord) -> BTreeSet<&'static str> {
    rec.findings
        .iter()
        .filter(|f| f.level == Level::Must)
        .map(|f| f.check)
        .collect()
}
