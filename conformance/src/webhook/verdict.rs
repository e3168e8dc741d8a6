//! Verdicts on recorded deliveries, and their findings under a profile.
//!
//! A verdict is a check id, what it is about (one attempt, one delivery, one call) and the
//! check's [`Applied`], exactly as the response checks produce them. [`findings`] turns them into
//! [`Finding`]s with the same rule as `exec.rs`: the failure's own rule if it names one, else the
//! catalogue's; a failure when the profile holds that binding (and, for SHOULD checks, only
//! under `strict`). One exception, [`INFORMATIONAL`]: D-WEBHOOK-SIGNATURE makes the replay note
//! "never a failure", so it stays a note under every profile.

use serde_json::Value;

use crate::checks::catalogue::{self, Level};
use crate::checks::response::Applied;
use crate::finding::Finding;
use crate::profile::Profile;

use super::receiver::Recorded;

pub use crate::finding::INFORMATIONAL;

/// What a verdict is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// One attempt: its arrival position, delivery id and event type (as received).
    Attempt {
        /// Arrival order at the receiver.
        seq: usize,
        /// `X-VICIagent-Delivery`, if any.
        delivery: Option<String>,
        /// The event type, if known.
        event_type: Option<String>,
    },
    /// One delivery, across its attempts.
    Delivery {
        /// The delivery id.
        id: String,
        /// The event type, if known.
        event_type: Option<String>,
    },
    /// One call's events.
    Call {
        /// The call id.
        id: String,
    },
}

impl Subject {
    /// The subject of one attempt.
    pub fn attempt(r: &Recorded) -> Subject {
        Subject::Attempt {
            seq: r.seq,
            delivery: r.delivery_id().map(str::to_owned),
            event_type: r.event_type(),
        }
    }

    /// The event type, if the subject has one.
    pub fn event_type(&self) -> Option<&str> {
        match self {
            Subject::Attempt { event_type, .. } | Subject::Delivery { event_type, .. } => {
                event_type.as_deref()
            }
            Subject::Call { .. } => None,
        }
    }

    /// A stable id for reports (`webhook-attempt-3`, `webhook-delivery-<uuid>`, `webhook-call-<id>`).
    pub fn case_id(&self) -> String {
        match self {
            Subject::Attempt { seq, .. } => format!("webhook-attempt-{seq}"),
            Subject::Delivery { id, .. } => format!("webhook-delivery-{id}"),
            Subject::Call { id } => format!("webhook-call-{id}"),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let event = |e: &Option<String>| e.clone().unwrap_or_else(|| "an unknown event".into());
        match self {
            Subject::Attempt {
                seq,
                delivery,
                event_type,
            } => {
                write!(f, "attempt {} ({}", seq + 1, event(event_type))?;
                match delivery {
                    Some(d) => write!(f, ", delivery {d})"),
                    None => f.write_str(", no delivery id)"),
                }
            }
            Subject::Delivery { id, event_type } => {
                write!(f, "delivery {id} ({})", event(event_type))
            }
            Subject::Call { id } => write!(f, "the events of call {id}"),
        }
    }
}

/// One check's verdict on one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The catalogue id.
    pub check: &'static str,
    /// What it is about.
    pub subject: Subject,
    /// The verdict.
    pub applied: Applied,
}

impl Verdict {
    /// Whether the check said anything (passed or failed).
    pub fn applied(&self) -> bool {
        self.applied != Applied::Skip
    }
}

/// The findings of `verdicts` under `profile` (passes and skips make none).
pub fn findings(verdicts: &[Verdict], profile: Profile) -> Vec<Finding> {
    verdicts
        .iter()
        .filter_map(|v| {
            let Applied::Fail(f) = &v.applied else {
                return None;
            };
            let info = catalogue::info(v.check);
            let level = info.map_or(Level::Must, |c| c.level);
            let rule = f.rule.clone().unwrap_or_else(|| {
                info.map_or_else(spec::Rule::default, |c| {
                    spec::Rule::new(c.binding, c.source)
                })
            });
            let severity = crate::finding::severity(v.check, level, rule.binding, profile);
            Some(Finding {
                check: v.check,
                level,
                binding: rule.binding,
                source: rule.source,
                severity,
                operation_id: v.subject.event_type().map(operation_id),
                title: f.title.clone(),
                message: format!("{}: {}", v.subject, f.message),
                case_id: v.subject.case_id(),
                curl: String::new(),
                instance_pointer: f.instance_pointer.clone(),
                schema_path: f.schema_path.clone(),
                accepted: None,
            })
        })
        .collect()
}

/// The webhook's operation id in the contract (`webhook_call_completed`), or the event type.
fn operation_id(event_type: &str) -> String {
    spec::Contract::v1()
        .webhook(event_type)
        .map_or_else(|| event_type.to_owned(), |w| w.operation.id.clone())
}

/// A curl command that sends `r` again, byte for byte, to `url` (for reproducing a finding
/// against one's own receiver).
pub fn replay_curl(r: &Recorded, url: &str) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut cmd = format!("curl -X {} {}", r.method, quote(url));
    for (n, v) in &r.headers {
        if n.starts_with("x-viciagent-") || n == "content-type" {
            cmd.push_str(&format!(" -H {}", quote(&format!("{n}: {v}"))));
        }
    }
    let body = String::from_utf8_lossy(&r.body);
    cmd.push_str(&format!(" --data-binary {}", quote(&body)));
    cmd
}

/// A failure of the check's own rule (its catalogue binding and source).
pub(crate) fn fail_default(title: impl Into<String>, message: impl Into<String>) -> Applied {
    crate::checks::response::fail(title, message)
}

/// The call id of a `call.*` payload.
pub(crate) fn call_id(payload: &Value) -> Option<&str> {
    payload.pointer("/data/call/id").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::response::{Failure, fail_as};
    use crate::finding::Severity;
    use spec::{Binding, Rule};

    fn failing(check: &'static str, rule: Option<Rule>) -> Verdict {
        Verdict {
            check,
            subject: Subject::Call {
                id: "call_1".into(),
            },
            applied: Applied::Fail(Failure {
                title: "t".into(),
                message: "m".into(),
                instance_pointer: None,
                schema_path: None,
                rule,
            }),
        }
    }

    #[test]
    fn severity_follows_the_profile_and_the_replay_note_never_fails() {
        let vs = vec![
            failing("webhook_signature", None),
            failing("webhook_order", None),
            failing("webhook_replay", None),
            Verdict {
                check: "webhook_retry",
                subject: Subject::Delivery {
                    id: "d".into(),
                    event_type: Some("call.completed".into()),
                },
                applied: fail_as(Rule::new(Binding::Contract, "D-X"), "t", "m"),
            },
        ];
        let sev =
            |p: Profile| -> Vec<Severity> { findings(&vs, p).iter().map(|f| f.severity).collect() };
        use Severity::{Failure as F, Note as N};
        assert_eq!(sev(Profile::Page), [F, N, N, N]);
        assert_eq!(sev(Profile::Contract), [F, N, N, F]);
        assert_eq!(sev(Profile::Strict), [F, F, N, F]);
        let f = &findings(&vs, Profile::Page)[3];
        assert_eq!(f.operation_id.as_deref(), Some("webhook_call_completed"));
        assert_eq!(f.message, "delivery d (call.completed): m");
        assert_eq!(f.source, "D-X");
        assert!(findings(&[], Profile::Strict).is_empty());
    }

    #[test]
    fn subjects_read_as_words() {
        let a = Subject::Attempt {
            seq: 0,
            delivery: None,
            event_type: None,
        };
        assert_eq!(
            a.to_string(),
            "attempt 1 (an unknown event, no delivery id)"
        );
        assert_eq!(a.case_id(), "webhook-attempt-0");
    }
}
