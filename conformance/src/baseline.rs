//! Baselines: known deviations a program has accepted, each with a reason and an expiry date
//! (`--baseline FILE`).
//!
//! ```yaml
//! accepted:
//!   - check: response_schema        # a check id
//!     operation: listAgents         # optional: only on this operation
//!     title: "/total"               # optional: only findings whose title contains this
//!     reason: "total is signed until our v1.3"
//!     expires: 2027-03-01
//! ```
//!
//! A failing finding an entry matches does not fail the gate: it is shown as accepted, and a
//! certification holds "with exceptions". An entry past its expiry fails the gate. An entry that
//! matches nothing is reported as stale.

use serde::{Deserialize, Serialize};

use crate::events::Summary;

/// A baseline file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The accepted deviations.
    #[serde(default)]
    pub accepted: Vec<Entry>,
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The check id.
    pub check: String,
    /// Only findings of this operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Only findings whose title contains this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Why it is accepted.
    pub reason: String,
    /// The last day it is accepted (`YYYY-MM-DD`).
    pub expires: String,
}

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file cannot be read.
    #[error("read the baseline {path}: {source}")]
    Read {
        /// Its path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// It is not a baseline.
    #[error("read the baseline {path}: {message}")]
    Parse {
        /// Its path.
        path: String,
        /// What is wrong, with the line where known.
        message: String,
    },
}

/// What the baseline did to a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// Entries that matched a failure, which no longer fails the gate.
    pub accepted: Vec<Entry>,
    /// Entries past their expiry: each fails the gate.
    pub expired: Vec<Entry>,
    /// Entries that matched nothing.
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// Reads a baseline (YAML, of which JSON is a part) and checks its entries: known check
    /// ids, dates as `YYYY-MM-DD`, a reason.
    pub fn load(path: &std::path::Path) -> Result<Baseline, BaselineError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: p.clone(),
            source,
        })?;
        let b: Baseline = serde_norway::from_str(&text).map_err(|e| BaselineError::Parse {
            path: p.clone(),
            message: e.to_string(),
        })?;
        for (i, e) in b.accepted.iter().enumerate() {
            let at = |m: String| BaselineError::Parse {
                path: p.clone(),
                message: format!("entry {}: {m}", i + 1),
            };
            if crate::checks::catalogue::info(&e.check).is_none() {
                return Err(at(format!("unknown check id '{}'", e.check)));
            }
            if date(&e.expires).is_none() {
                return Err(at(format!(
                    "expires '{}' is not a date YYYY-MM-DD",
                    e.expires
                )));
            }
            if e.reason.trim().is_empty() {
                return Err(at("an accepted deviation needs a reason".into()));
            }
        }
        Ok(b)
    }

    /// Applies the baseline to `summary` as of `today` (`YYYY-MM-DD`): matched failures become
    /// accepted notes, and what was accepted, expired or stale is returned.
    pub fn apply(&self, summary: &mut Summary, today: &str) -> Applied {
        let mut out = Applied::default();
        for e in &self.accepted {
            if date(&e.expires) < date(today) {
                out.expired.push(e.clone());
                continue;
            }
            let mut matched = false;
            for f in summary.findings.iter_mut().filter(|f| f.is_failure()) {
                let op_ok = e
                    .operation
                    .as_ref()
                    .is_none_or(|o| f.operation_id.as_deref() == Some(o.as_str()));
                let title_ok = e
                    .title
                    .as_ref()
                    .is_none_or(|t| f.title.contains(t.as_str()));
                if f.check == e.check && op_ok && title_ok {
                    f.severity = crate::finding::Severity::Note;
                    f.accepted = Some(e.reason.clone());
                    matched = true;
                }
            }
            if matched {
                out.accepted.push(e.clone());
            } else {
                out.stale.push(e.clone());
            }
        }
        out
    }
}

/// A `YYYY-MM-DD` date as a sortable number.
fn date(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    (y >= 2000 && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then_some(y * 10_000 + m * 100 + d)
}

/// Today in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_compare_as_days() {
        assert!(date("2027-03-01") > date("2026-12-31"));
        assert_eq!(date("2027-13-01"), None);
        assert_eq!(date("tomorrow"), None);
    }
}
