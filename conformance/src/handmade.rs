//! Cases made by hand, outside the generators (the protocol phase's probes, the drift check):
//! build one, send it, judge it with the response checks plus its own verdicts, and emit it;
//! [`Jobs`] runs independent ones through the run's workers.

use crate::case::{Auth, Body, Case, Expectation, Phase};
use crate::checks::response::Applied;
use crate::context::Shared;
use crate::http::{Exchange, TransportError};

/// A case outside the generators.
pub(crate) fn manual(
    id: String,
    op: Option<&str>,
    phase: Phase,
    method: &str,
    path: String,
) -> Case {
    Case {
        id,
        operation_id: op.map(str::to_owned),
        phase,
        method: method.to_owned(),
        path,
        query: Vec::new(),
        headers: Vec::new(),
        auth: Auth::Primary,
        body: None,
        expect: Expectation::Observe,
        note: String::new(),
    }
}

/// A JSON body.
pub(crate) fn json(v: serde_json::Value) -> Option<Body> {
    Some(Body {
        content_type: Some("application/json".to_owned()),
        bytes: serde_json::to_vec(&v).unwrap_or_default(),
    })
}

/// A failed verdict.
pub(crate) fn failed(title: impl Into<String>, message: impl Into<String>) -> Applied {
    crate::checks::response::fail(title, message)
}

/// Pass when `ok`, else fail with the title and message.
pub(crate) fn verdict(ok: bool, title: impl Into<String>, message: impl Into<String>) -> Applied {
    if ok {
        Applied::Pass
    } else {
        failed(title, message)
    }
}

/// Sends `case`, judges it with the response checks plus `extra(result)`, emits the record,
/// and hands back the exchange for the next step.
pub(crate) async fn step(
    shared: &Shared,
    case: Case,
    extra: impl FnOnce(&Result<Exchange, TransportError>) -> Vec<(&'static str, Applied)>,
) -> Result<Exchange, TransportError> {
    let result = shared.exec.target.send(&case).await;
    let verdicts = extra(&result);
    let rec = shared.exec.judge(case, &result, verdicts);
    shared.emit(rec);
    result
}

/// How a job's answer is judged: verdicts beyond the response checks.
pub(crate) type Judge<'a> =
    Box<dyn FnOnce(&Result<Exchange, TransportError>) -> Vec<(&'static str, Applied)> + Send + 'a>;

/// Independent cases, each with its own verdicts, run through the executor with the run's
/// worker count in flight (like the examples and coverage phases).
#[derive(Default)]
pub(crate) struct Jobs<'a>(Vec<(Case, Judge<'a>)>);

impl<'a> Jobs<'a> {
    /// Adds a case and how to judge its answer.
    pub(crate) fn push(
        &mut self,
        case: Case,
        extra: impl FnOnce(&Result<Exchange, TransportError>) -> Vec<(&'static str, Applied)>
        + Send
        + 'a,
    ) {
        self.0.push((case, Box::new(extra)));
    }

    /// Sends every case, `workers` at a time (each worker takes every `workers`-th case, in
    /// order), and emits each record as it comes; stops starting new ones once the run is out
    /// of time or budget.
    pub(crate) async fn run(self, shared: &Shared) {
        let workers = shared.cfg.workers.max(1);
        let mut lanes: Vec<Vec<(Case, Judge<'a>)>> = (0..workers).map(|_| Vec::new()).collect();
        for (i, job) in self.0.into_iter().enumerate() {
            lanes[i % workers].push(job);
        }
        let mut running = Vec::with_capacity(workers);
        for lane in lanes {
            running.push(lane_run(shared, lane));
        }
        futures_util::future::join_all(running).await;
    }
}

/// One worker's cases, one after another.
async fn lane_run(shared: &Shared, lane: Vec<(Case, Judge<'_>)>) {
    for (case, judge) in lane {
        if shared.expired() {
            return;
        }
        let _ = step(shared, case, judge).await;
    }
}

/// The status of an exchange (0 when none came).
pub(crate) fn status_of(r: &Result<Exchange, TransportError>) -> u16 {
    r.as_ref().map(|e| e.status).unwrap_or(0)
}
