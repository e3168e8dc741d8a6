//! Webhook deliveries in scenarios: `await_event` steps wait at the run's receiver for a
//! delivery, and at the end of a scenario that needs the receiver every attempt it received is
//! judged by the webhook checks ([`crate::webhook::Verification`]), one record per subject
//! (attempt, delivery, call) whose case is the delivery itself: its curl sends it again, byte
//! for byte, to one's own receiver.

use std::collections::BTreeMap;
use std::time::Duration;

use super::engine::Stop;
use super::model::AwaitEvent;
use super::template::{Vars, render_value};
use crate::case::{Auth, Body, Case, Expectation, Phase};
use crate::checks::response::Applied;
use crate::context::Shared;
use crate::http::Exchange;
use crate::webhook::{Matcher, Recorded, Subject};

/// A record's verdicts: check ids and what each said.
type Verdicts = Vec<(&'static str, Applied)>;

/// The check a delivery that never came fails, unless the step names another.
pub(super) const DELIVERED: &str = "webhook_delivered";

/// Default wait against a mock, which has sent everything due before its control API answers.
const MOCK_WAIT: Duration = Duration::from_secs(5);
/// Default wait against a real target, whose events someone else causes.
const REAL_WAIT: Duration = Duration::from_secs(120);
/// The longest wait a step may ask for.
const MAX_WAIT: f64 = 3_600.0;

/// How long an `await_event` waits when the step does not say (the `webhook_wait` variable).
pub(super) fn default_wait(shared: &Shared) -> Duration {
    shared.cfg.webhooks.wait.unwrap_or(if shared.is_mock() {
        MOCK_WAIT
    } else {
        REAL_WAIT
    })
}

/// A delivery that came: its case, and the step's answer (its headers, and its payload as the
/// body; the status is the receiver's own answer to it).
pub(super) struct Awaited {
    pub case: Case,
    pub exchange: Exchange,
}

/// Waits for what `a` asks; a delivery that never came is a failed verdict of the step's
/// check, recorded on `cause` (the control request that should have caused it) when there is
/// one, and ends the scenario.
pub(super) async fn await_event(
    shared: &Shared,
    case_id: String,
    a: &AwaitEvent,
    vars: &Vars,
    cause: Option<&Case>,
) -> Result<Awaited, Stop> {
    let Some(rig) = &shared.webhooks else {
        return Err(Stop::Skip("the run has no webhook receiver".into()));
    };
    let mut m = if a.event_type == "any" {
        Matcher::any()
    } else {
        Matcher::event(&a.event_type)
    };
    if let Some(p) = &a.pattern {
        m = m.with_payload(render_value(p, vars)?);
    }
    let within = match &a.within {
        None => default_wait(shared),
        Some(w) => {
            let v = render_value(w, vars)?;
            let s = v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .filter(|s| s.is_finite() && (0.0..=MAX_WAIT).contains(s))
                .ok_or_else(|| {
                    Stop::Error(format!(
                        "within {}: not a number of seconds from 0 to {MAX_WAIT}",
                        super::cond::short(&v)
                    ))
                })?;
            Duration::from_secs_f64(s)
        }
    };
    let n = a.attempts.max(1) as usize;
    match rig.receiver.wait_for_count(&m, n, within).await {
        Ok(found) => {
            let Some(r) = found.last().cloned() else {
                return Err(Stop::Error(format!("the receiver lost the attempt of {m}")));
            };
            let mut case = delivery_case(case_id, &r, &rig.receiver.url());
            case.note = format!("the delivery awaited: {m}");
            Ok(Awaited {
                case,
                exchange: exchange_of(&r),
            })
        }
        Err(timeout) => {
            let check = match &a.check {
                Some(c) => super::engine::check_id(c)?,
                None => DELIVERED,
            };
            let mut case = cause.cloned().unwrap_or_else(|| Case {
                id: String::new(),
                operation_id: None,
                phase: Phase::Scenario,
                method: "POST".into(),
                path: rig.receiver.url(),
                query: Vec::new(),
                headers: Vec::new(),
                auth: Auth::None,
                body: None,
                expect: Expectation::Observe,
                note: String::new(),
            });
            case.id = case_id;
            case.note = format!("what should have caused {m}");
            let verdict = super::engine::fail(
                super::engine::rule_of(a.cite.as_ref()),
                "an expected webhook never came".into(),
                timeout.to_string(),
            );
            let rec = shared.exec.derived(case, vec![(check, verdict)]);
            shared.emit(rec);
            Err(Stop::Failed)
        }
    }
}

/// A delivery as the step's answer.
fn exchange_of(r: &Recorded) -> Exchange {
    Exchange {
        status: r.answered,
        headers: r.headers.clone(),
        body: r.body.to_vec(),
        truncated: false,
        elapsed: Duration::ZERO,
        parsed: std::sync::OnceLock::new(),
    }
}

/// A delivery as a case: the request the target sent to the receiver at `url`.
fn delivery_case(id: String, r: &Recorded, url: &str) -> Case {
    let event = r.event_type();
    Case {
        id,
        operation_id: event.as_deref().and_then(|t| {
            spec::Contract::v1()
                .webhook(t)
                .map(|w| w.operation.id.clone())
        }),
        phase: Phase::Scenario,
        method: r.method.clone(),
        path: url.to_owned(),
        query: Vec::new(),
        headers: r
            .headers
            .iter()
            .filter(|(n, _)| n.starts_with("x-viciagent-"))
            .cloned()
            .collect(),
        auth: Auth::None,
        body: Some(Body {
            content_type: r.header("content-type").map(str::to_owned),
            bytes: r.body.to_vec(),
        }),
        expect: Expectation::Observe,
        note: format!(
            "webhook attempt {} ({})",
            r.seq + 1,
            event.unwrap_or_else(|| "an unknown event".into())
        ),
    }
}

/// How many attempts the receiver has recorded (where a scenario's deliveries start).
pub(super) fn mark(shared: &Shared) -> usize {
    shared
        .webhooks
        .as_ref()
        .map_or(0, |rig| rig.receiver.recorded().len())
}

/// Sets how the receiver answers first attempts.
pub(super) fn fail_first_attempt(shared: &Shared, on: bool) {
    if let Some(rig) = &shared.webhooks {
        rig.receiver.set_fail_first_attempt(on);
    }
}

/// Judges every attempt recorded since `from` with the webhook checks and emits one record per
/// subject (`scenario/<id>/webhook-attempt-3`, …); returns whether one of them failed the run.
pub(super) async fn verify(shared: &Shared, scenario_id: &str, from: usize) -> bool {
    let Some(rig) = &shared.webhooks else {
        return false;
    };
    // A refused first attempt is retried after a delay: on a mock the retry was made before
    // the clock move answered, on a real target it may take a while.
    let grace = if shared.is_mock() {
        Duration::from_millis(500)
    } else {
        default_wait(shared).min(Duration::from_secs(60))
    };
    rig.receiver.wait_for_retries(grace).await;
    super::control::note_clock(shared).await;
    let attempts: Vec<Recorded> = rig.receiver.recorded().into_iter().skip(from).collect();
    if attempts.is_empty() {
        return false;
    }
    let verdicts = rig.verification().verify(&attempts);
    let mut by_subject: BTreeMap<String, (Subject, Verdicts)> = BTreeMap::new();
    for v in verdicts {
        by_subject
            .entry(v.subject.case_id())
            .or_insert_with(|| (v.subject.clone(), Vec::new()))
            .1
            .push((v.check, v.applied));
    }
    let url = rig.receiver.url();
    let mut failed = false;
    for (case_id, (subject, verdicts)) in by_subject {
        let Some(r) = representative(&subject, &attempts) else {
            continue;
        };
        let mut case = delivery_case(format!("scenario/{scenario_id}/{case_id}"), r, &url);
        case.note = format!("scenario {scenario_id}: {subject}");
        let rec = shared.exec.derived(case, verdicts);
        failed |= rec.findings.iter().any(crate::finding::Finding::is_failure);
        shared.emit(rec);
    }
    failed
}

/// The attempt a subject's record shows: the attempt itself, a delivery's first attempt, a
/// call's first event.
fn representative<'a>(subject: &Subject, attempts: &'a [Recorded]) -> Option<&'a Recorded> {
    attempts.iter().find(|r| match subject {
        Subject::Attempt { seq, .. } => r.seq == *seq,
        Subject::Delivery { id, .. } => r.delivery_id() == Some(id.as_str()),
        Subject::Call { id } => r
            .json()
            .as_ref()
            .and_then(|p| crate::webhook::verdict::call_id(p).map(str::to_owned))
            .is_some_and(|c| &c == id),
    })
}
