//! Running scenarios: each step becomes a real request through the run's executor (so the
//! guard, the budget, pacing and every exchange check apply), its assertions become verdicts on
//! that request's record, and its captures feed the steps after. A scenario ends passed, failed,
//! skipped (a capability it needs is missing, with the reason) or error (the file or the runner
//! could not go on), and each ending is an event of its own.

use std::collections::BTreeMap;

use serde_json::Value;
use spec::{Binding, Rule};

pub use super::capability::Capabilities;
use super::cond::{Subject, eval, short};
use super::load::Loaded;
use super::model::{Assertion, Capability, Key, Scenario, Step};
use super::template::{Unbound, Vars, render, render_value, text};
use crate::case::{Auth, Body, Case, Expectation, Phase, encode_segment};
use crate::checks::response::{Applied, fail_as};
use crate::context::Shared;
use crate::events::{RunEvent, ScenarioOutcome, ScenarioStatus};
use crate::fixtures::Fixtures;
use crate::http::{Exchange, TransportError};

/// The variables every scenario starts with.
pub(crate) fn built_ins(shared: &Shared, fx: &Fixtures) -> Vars {
    use spec::rules::id_prefixes;
    let mut v = Vars::new();
    v.insert(
        BASE_URL.into(),
        Value::from(shared.exec.target.config.base_url.clone()),
    );
    v.insert("tag".into(), Value::from(shared.exec.target.guard().tag()));
    v.insert("seed".into(), Value::from(shared.cfg.seed));
    // Four digits of the seed, for values with a fixed width (a phone number).
    v.insert(
        "seed4".into(),
        Value::from(format!("{:04}", shared.cfg.seed % 10_000)),
    );
    if let Some(c) = fx.calls.first() {
        v.insert("call".into(), Value::from(c.clone()));
    }
    if let Some(a) = fx.owned_agents.first() {
        v.insert("agent".into(), Value::from(a.clone()));
    }
    if let Some((n, _)) = fx.owned_numbers.first() {
        v.insert("number".into(), Value::from(n.clone()));
    }
    if let Some(n) = fx.inventory.first() {
        v.insert("inventory_number".into(), Value::from(n.clone()));
    }
    v.insert(
        "webhook_wait".into(),
        Value::from(super::deliveries::default_wait(shared).as_secs_f64()),
    );
    let unknown = |p: &str| Value::from(format!("{p}zzNotThere{:06}", shared.cfg.seed % 1_000_000));
    v.insert("unknown_agent".into(), unknown(id_prefixes::AGENT));
    v.insert("unknown_call".into(), unknown(id_prefixes::CALL));
    v.insert("unknown_number".into(), unknown(id_prefixes::PHONE_NUMBER));
    v
}

/// About how many requests `files` send (for the plan): a step one, a walked list its pages
/// (counted as four) and the request past the end; scenarios `caps` would skip send none.
pub fn estimate(files: &[Loaded], caps: &Capabilities) -> usize {
    files
        .iter()
        .flat_map(|f| &f.suite.scenarios)
        .filter(|sc| caps.missing(sc).is_none())
        .map(|sc| {
            let steps: usize = sc
                .steps
                .iter()
                .map(|s| if s.paginate.is_some() { 5 } else { 1 })
                .sum();
            steps * sc.matrix.len().max(1)
        })
        .sum()
}

/// Why a scenario stopped early.
pub(super) enum Stop {
    /// The file is wrong or a variable is missing: error.
    Error(String),
    /// A capability turned out to be missing: skip.
    Skip(String),
    /// A step failed and what follows depends on it.
    Failed,
}

impl From<Unbound> for Stop {
    fn from(u: Unbound) -> Stop {
        // A built-in that the target cannot provide (no call, no number) is a skip.
        if super::lint::BUILT_INS.contains(&u.0.split('/').next().unwrap_or("")) {
            Stop::Skip(format!("the target has no {} for it", u.0))
        } else {
            Stop::Error(u.to_string())
        }
    }
}

/// Runs every scenario of `files`.
pub(crate) async fn run(shared: &Shared, fx: &Fixtures, files: &[Loaded]) {
    let caps = Capabilities::of(shared, fx);
    let base = built_ins(shared, fx);
    for f in files {
        for sc in &f.suite.scenarios {
            let rows: Vec<serde_json::Map<String, Value>> = if sc.matrix.is_empty() {
                vec![serde_json::Map::new()]
            } else {
                sc.matrix.clone()
            };
            let labels = row_labels(&rows);
            for (row, label) in rows.into_iter().zip(labels) {
                if shared.expired() {
                    super::control::unregister(shared).await;
                    return;
                }
                let id = format!("{}/{}{label}", f.suite.suite, sc.scenario);
                let outcome = match caps.missing(sc) {
                    Some((status, why)) => outcome(&id, sc, status, Some(why), 0),
                    None => {
                        let mut vars = base.clone();
                        vars.extend(sc.vars.clone());
                        vars.extend(row);
                        instance(shared, &id, sc, vars).await
                    }
                };
                let _ = shared.tx.send(RunEvent::ScenarioFinished(outcome));
            }
        }
    }
    super::control::unregister(shared).await;
}

/// Each row's label (` [filter=status, value=failed]`): its first variables in file order, as
/// few as tell the rows apart; empty for a scenario without a matrix.
fn row_labels(rows: &[serde_json::Map<String, Value>]) -> Vec<String> {
    let width = rows.iter().map(serde_json::Map::len).max().unwrap_or(0);
    let label = |row: &serde_json::Map<String, Value>, n: usize| -> String {
        let pairs: Vec<String> = row
            .iter()
            .take(n)
            .map(|(k, v)| format!("{k}={}", short(&Value::from(text(v))).trim_matches('"')))
            .collect();
        pairs.join(", ")
    };
    let n = (1..=width)
        .find(|&n| {
            let all: std::collections::BTreeSet<String> =
                rows.iter().map(|r| label(r, n)).collect();
            all.len() == rows.len()
        })
        .unwrap_or(width);
    rows.iter()
        .map(|r| {
            if r.is_empty() {
                String::new()
            } else {
                format!(" [{}]", label(r, n))
            }
        })
        .collect()
}

fn outcome(
    id: &str,
    sc: &Scenario,
    status: ScenarioStatus,
    reason: Option<String>,
    steps: usize,
) -> ScenarioOutcome {
    ScenarioOutcome {
        id: id.to_owned(),
        title: sc.title.clone(),
        status,
        reason,
        steps,
    }
}

/// What the steps of one scenario instance share besides variables.
#[derive(Default)]
struct State {
    /// The last control request, as a case: what should have caused an awaited delivery.
    cause: Option<Case>,
}

async fn instance(shared: &Shared, id: &str, sc: &Scenario, mut vars: Vars) -> ScenarioOutcome {
    let webhooks = sc.requires.contains(&Capability::WebhookReceiver);
    let from = super::deliveries::mark(shared);
    if webhooks {
        super::deliveries::fail_first_attempt(shared, false);
    }
    let mut state = State::default();
    let (status, reason, steps) = steps(shared, id, sc, &mut vars, &mut state).await;
    // Every attempt the scenario caused is judged, however its steps ended.
    let status = if webhooks && status != ScenarioStatus::Error {
        let failed = super::deliveries::verify(shared, id, from).await;
        super::deliveries::fail_first_attempt(shared, false);
        match status {
            ScenarioStatus::Passed | ScenarioStatus::Skipped if failed => ScenarioStatus::Failed,
            s => s,
        }
    } else {
        status
    };
    outcome(id, sc, status, reason, steps)
}

/// Runs the steps of one instance: how it ended, why (if not passed), and the steps done.
async fn steps(
    shared: &Shared,
    id: &str,
    sc: &Scenario,
    vars: &mut Vars,
    state: &mut State,
) -> (ScenarioStatus, Option<String>, usize) {
    let mut failed = false;
    let mut done = 0;
    for st in &sc.steps {
        match step(shared, id, st, vars, state).await {
            Ok(f) => {
                failed |= f;
                done += 1;
            }
            Err(Stop::Failed) => {
                return (
                    ScenarioStatus::Failed,
                    Some(format!("stopped at step {}", st.step)),
                    done + 1,
                );
            }
            Err(Stop::Skip(why)) => {
                let status = if failed {
                    ScenarioStatus::Failed
                } else {
                    ScenarioStatus::Skipped
                };
                return (status, Some(format!("step {}: {why}", st.step)), done);
            }
            Err(Stop::Error(why)) => {
                return (
                    ScenarioStatus::Error,
                    Some(format!("step {}: {why}", st.step)),
                    done,
                );
            }
        }
    }
    let status = if failed {
        ScenarioStatus::Failed
    } else {
        ScenarioStatus::Passed
    };
    (status, None, done)
}

/// The case a step's request makes (`page`: the limit and offset of a walked page).
fn case_of(id: &str, st: &Step, vars: &Vars, page: Option<(u32, u64)>) -> Result<Case, Stop> {
    let r = st
        .request
        .as_ref()
        .ok_or_else(|| Stop::Error("the step has no request".into()))?;
    let mut query = Vec::new();
    let (op, method, mut path) = match (&r.operation, &r.method, &r.path) {
        (None, m, None) if r.url.is_some() => {
            let url = render(r.url.as_deref().unwrap_or(""), vars)?;
            let (path, pairs) = crate::http::split_url(&base_url_of(vars), &url);
            query = pairs;
            let method = m
                .as_deref()
                .map_or(Ok("GET".to_owned()), |m| render(m, vars))?;
            (None, method.to_ascii_uppercase(), path)
        }
        (Some(op), _, _) => {
            let name = render(op, vars)?;
            let o = spec::Contract::v1()
                .operation(&name)
                .ok_or_else(|| Stop::Error(format!("the contract has no operation '{name}'")))?;
            (
                Some(o.id.clone()),
                o.method.as_str().to_owned(),
                o.path.clone(),
            )
        }
        (None, Some(m), Some(p)) => (
            None,
            render(m, vars)?.to_ascii_uppercase(),
            render(p, vars)?,
        ),
        _ => {
            return Err(Stop::Error(
                "give either operation or method and path".into(),
            ));
        }
    };
    for (k, v) in &r.params {
        let value = text(&render_value(v, vars)?);
        path = path.replace(&format!("{{{k}}}"), &encode_segment(&value));
    }
    for (k, v) in &r.query {
        let key = render(k, vars)?;
        // Over a whole URL's own parameters, a query entry replaces the one of its name.
        query.retain(|(q, _)| q != &key);
        match render_value(v, vars)? {
            Value::Array(a) => query.extend(a.iter().map(|x| (key.clone(), text(x)))),
            other => query.push((key, text(&other))),
        }
    }
    if let Some((limit, offset)) = page {
        query.retain(|(k, _)| k != "limit" && k != "offset");
        query.push(("limit".into(), limit.to_string()));
        query.push(("offset".into(), offset.to_string()));
    }
    let mut headers = Vec::new();
    for (k, v) in &r.headers {
        headers.push((render(k, vars)?, render(v, vars)?));
    }
    let body = match (&r.json, &r.csv, &r.csv_rows) {
        (Some(j), _, _) => Some(Body {
            content_type: Some("application/json".into()),
            bytes: serde_json::to_vec(&render_value(j, vars)?).unwrap_or_default(),
        }),
        (None, Some(c), _) => Some(Body {
            content_type: Some("text/csv".into()),
            bytes: render(c, vars)?.into_bytes(),
        }),
        (None, None, Some(g)) => Some(Body {
            content_type: Some("text/csv".into()),
            bytes: csv_rows(g, vars)?.into_bytes(),
        }),
        _ => match &r.generate {
            Some(g) => Some(Body {
                content_type: Some("application/json".into()),
                bytes: serde_json::to_vec(&generated(
                    op.as_deref(),
                    g,
                    &format!("{id}/{}", st.step),
                    vars,
                )?)
                .unwrap_or_default(),
            }),
            None => None,
        },
    };
    let auth = match r.key {
        Key::A => Auth::Primary,
        Key::B => Auth::Secondary,
        Key::None => Auth::None,
        Key::Unknown => Auth::Raw("Bearer va_zz_unknown_key_0000000000".into()),
    };
    let suffix = page.map_or_else(String::new, |(_, o)| format!("/offset{o}"));
    Ok(Case {
        id: format!("scenario/{id}/{}{suffix}", st.step),
        operation_id: op,
        phase: Phase::Scenario,
        method,
        path,
        query,
        headers,
        auth,
        body,
        expect: Expectation::Observe,
        note: format!("scenario {id}, step {}", st.step),
    })
}

/// Draws for a generated body that the schema's validator must accept before one is used.
const GENERATE_TRIES: usize = 20;

/// A body generated from `op`'s JSON request schema with the run's seed and `salt` (the step),
/// `g.set` laid over it.
fn generated(
    op: Option<&str>,
    g: &super::model::Generate,
    salt: &str,
    vars: &Vars,
) -> Result<Value, Stop> {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let schema = op
        .and_then(|o| spec::Contract::v1().operation(o))
        .and_then(|o| o.request_body.as_ref())
        .and_then(|rb| rb.content.iter().find(|m| m.is_json()))
        .map(|m| m.schema.clone())
        .ok_or_else(|| Stop::Error("generate: the operation has no JSON request body".into()))?;
    let seed = vars.get("seed").and_then(Value::as_u64).unwrap_or(0);
    let key = crate::runner::op_seed(seed, salt);
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &key),
    );
    let strategy = crate::generate::valid_value(&schema);
    let validator = spec::Validator::compile(&schema).ok();
    let mut body = None;
    for _ in 0..GENERATE_TRIES {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let v = tree.current();
        if validator.as_ref().is_none_or(|val| val.is_valid(&v)) {
            body = Some(v);
            break;
        }
    }
    let mut body = body.ok_or_else(|| {
        Stop::Error(format!(
            "generate: no valid body in {GENERATE_TRIES} draws from the schema"
        ))
    })?;
    if let Value::Object(o) = &mut body {
        for (k, v) in &g.set {
            o.insert(k.clone(), render_value(v, vars)?);
        }
    }
    Ok(body)
}

/// The most rows a `csv_rows` body makes.
const MAX_CSV_ROWS: u32 = 1_000_000;

/// A `csv_rows` body: the header, then each row with `{{row}}` set to its number.
fn csv_rows(g: &super::model::CsvRows, vars: &Vars) -> Result<String, Stop> {
    if g.count > MAX_CSV_ROWS {
        return Err(Stop::Error(format!(
            "csv_rows: {} rows, more than {MAX_CSV_ROWS}",
            g.count
        )));
    }
    let mut vars = vars.clone();
    let mut out = render(&g.header, &vars)?;
    out.push_str("\r\n");
    for n in 1..=g.count {
        vars.insert("row".into(), Value::from(n));
        out.push_str(&render(&g.row, &vars)?);
        out.push_str("\r\n");
    }
    Ok(out)
}

/// The base URL, which the engine keeps among the variables under a name no file can use.
fn base_url_of(vars: &Vars) -> String {
    vars.get(BASE_URL).map(text).unwrap_or_default()
}

/// Where [`built_ins`] keeps the base URL (not a valid variable name in a file).
const BASE_URL: &str = " base url";

/// The catalogue's `'static` id for `check` (lint made sure it is there).
pub(super) fn check_id(check: &str) -> Result<&'static str, Stop> {
    crate::checks::catalogue::info(check)
        .map(|c| c.id)
        .ok_or_else(|| Stop::Error(format!("unknown check id '{check}'")))
}

/// The rule a `cite:` names: a page quote, or a D-entry (contract).
pub(super) fn rule_of(cite: Option<&String>) -> Option<Rule> {
    let c = cite?;
    Some(if c.starts_with('"') {
        Rule::new(Binding::Page, c.clone())
    } else {
        Rule::new(Binding::Contract, c.clone())
    })
}

pub(super) fn fail(rule: Option<Rule>, title: String, message: String) -> Applied {
    match rule {
        Some(r) => fail_as(r, title, message),
        None => crate::checks::response::fail(title, message),
    }
}

/// The first adjacent pair out of `keys`' order, and why.
fn out_of_order(items: &[Value], keys: &[super::model::OrderKey]) -> Option<(usize, String)> {
    use std::cmp::Ordering;
    let cmp = |a: &Value, b: &Value| -> Ordering {
        let ts = |v: &Value| {
            v.as_str().and_then(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
        };
        match (ts(a), ts(b), a.as_f64(), b.as_f64()) {
            (Some(x), Some(y), _, _) => x.cmp(&y),
            (_, _, Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => text(a).cmp(&text(b)),
        }
    };
    for i in 0..items.len().saturating_sub(1) {
        for k in keys {
            let (a, b) = (
                items[i].pointer(&k.pointer).cloned().unwrap_or(Value::Null),
                items[i + 1]
                    .pointer(&k.pointer)
                    .cloned()
                    .unwrap_or(Value::Null),
            );
            let o = if k.desc { cmp(&b, &a) } else { cmp(&a, &b) };
            match o {
                Ordering::Less => break,
                Ordering::Equal => continue,
                Ordering::Greater => {
                    return Some((
                        i,
                        format!(
                            "{} {} then {}, {}",
                            k.pointer,
                            short(&a),
                            short(&b),
                            if k.desc {
                                "largest first"
                            } else {
                                "smallest first"
                            }
                        ),
                    ));
                }
            }
        }
    }
    None
}

/// The items a walked list collected, and whether the walk saw all of them.
struct Walked {
    items: Vec<Value>,
    complete: bool,
}

async fn send(shared: &Shared, case: &Case) -> Result<Result<Exchange, TransportError>, Stop> {
    send_as(shared, case, false).await
}

/// [`send`], `unpaced` or not ([`crate::http::Target::send_unpaced`]).
async fn send_as(
    shared: &Shared,
    case: &Case,
    unpaced: bool,
) -> Result<Result<Exchange, TransportError>, Stop> {
    let t = &shared.exec.target;
    let r = if unpaced {
        t.send_unpaced(case).await
    } else {
        t.send(case).await
    };
    if let Err(TransportError::Withheld(w)) = &r {
        return Err(Stop::Skip(w.to_string()));
    }
    Ok(r)
}

/// The longest `pause`: ten minutes.
const MAX_PAUSE: f64 = 600.0;

/// Lets a `pause` step's seconds pass.
async fn pause(shared: &Shared, p: &Value, vars: &Vars) -> Result<bool, Stop> {
    let v = render_value(p, vars)?;
    let seconds = v
        .as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| Stop::Error(format!("pause {}: not a number of seconds", short(&v))))?;
    if seconds > MAX_PAUSE {
        return Err(Stop::Error(format!(
            "pause {seconds}: more than {MAX_PAUSE} seconds"
        )));
    }
    shared
        .exec
        .target
        .let_pass(std::time::Duration::from_secs_f64(seconds))
        .await;
    Ok(false)
}

/// Sends a `burst` step's request up to `b.max` times, each answer but the last judged as it
/// comes; hands back the last (the first refusal, if any) and sets `b.admitted`.
async fn burst(
    shared: &Shared,
    case: &Case,
    b: &super::model::Burst,
    vars: &mut Vars,
) -> Result<(Case, Result<Exchange, TransportError>), Stop> {
    let mut admitted: u64 = 0;
    let mut n: u32 = 0;
    loop {
        n += 1;
        let mut c = case.clone();
        c.id.push_str(&format!("/{n}"));
        let r = send_as(shared, &c, true).await?;
        let refused = r.as_ref().map_or(true, |ex| ex.status >= 400);
        if !refused {
            admitted += 1;
        }
        if refused || n >= b.max {
            vars.insert(b.admitted.clone(), Value::from(admitted));
            return Ok((c, r));
        }
        let rec = shared.exec.judge(c, &r, Vec::new());
        shared.emit(rec);
    }
}

/// Runs one step; `Ok(true)` if one of its verdicts failed the run.
async fn step(
    shared: &Shared,
    id: &str,
    st: &Step,
    vars: &mut Vars,
    state: &mut State,
) -> Result<bool, Stop> {
    let case_id = format!("scenario/{id}/{}", st.step);
    if let Some(c) = &st.control {
        let done = super::control::run(shared, case_id, c, vars).await?;
        state.cause = Some(done.case);
        let answer = Answers {
            body: Some(&done.body),
            ..Answers::default()
        };
        capture(st, &answer, vars, false, None)?;
        return Ok(false);
    }
    if let Some(r) = &st.receiver {
        super::deliveries::fail_first_attempt(shared, r.fail_first_attempt);
        return Ok(false);
    }
    if let Some(p) = &st.pause {
        // A pause moves a mock's clock: deliveries it causes are judged against readings
        // around it.
        super::control::note_clock(shared).await;
        let r = pause(shared, p, vars).await;
        super::control::note_clock(shared).await;
        return r;
    }
    let awaited = st.await_event.is_some();
    let (case, result, mut verdicts, walked) = if let Some(a) = &st.await_event {
        let got =
            super::deliveries::await_event(shared, case_id, a, vars, state.cause.as_ref()).await?;
        let check = match &a.check {
            Some(c) => check_id(c)?,
            None => super::deliveries::DELIVERED,
        };
        (
            got.case,
            Ok(got.exchange),
            vec![(check, Applied::Pass)],
            None,
        )
    } else {
        match (&st.paginate, &st.burst) {
            (None, Some(b)) => {
                let case = case_of(id, st, vars, None)?;
                let (case, r) = burst(shared, &case, b, vars).await?;
                (case, r, Vec::new(), None)
            }
            (None, None) => {
                let mut case = case_of(id, st, vars, None)?;
                let unpaced = st.request.as_ref().is_some_and(|q| q.unpaced);
                let mut r = send_as(shared, &case, unpaced).await?;
                let retry = st.request.as_ref().is_some_and(|q| q.retry_with_key);
                let base = &shared.exec.target.config.base_url;
                if retry
                    && case.auth == Auth::None
                    && matches!(&r, Ok(ex) if ex.status == 401)
                    && crate::http::origin(&case.url(base)) == crate::http::origin(base)
                {
                    let rec = shared.exec.judge(case.clone(), &r, Vec::new());
                    shared.emit(rec);
                    case.auth = Auth::Primary;
                    case.id.push_str("/with-key");
                    r = send(shared, &case).await?;
                }
                let follow = st.request.as_ref().is_some_and(|q| q.follow_redirect);
                if follow
                    && let Ok(ex) = &r
                    && let Some(next) =
                        crate::http::follow_redirect(&case, &shared.exec.target.config.base_url, ex)
                {
                    // The redirect itself is judged too; the step's assertions go on where it led.
                    let rec = shared.exec.judge(case, &r, Vec::new());
                    shared.emit(rec);
                    r = send(shared, &next).await?;
                    case = next;
                }
                (case, r, Vec::new(), None)
            }
            (Some(p), _) => {
                let (case, r, v, w) = walk(shared, id, st, vars, p).await?;
                (case, r, v, Some(w))
            }
        }
    };
    let body = result.as_ref().ok().and_then(Exchange::json);
    for a in &st.expect {
        verdicts.push((
            check_id(&a.check)?,
            assertion(a, &result, body.as_ref(), walked.as_ref(), vars)?,
        ));
    }
    let sent: Option<Value> = case
        .body
        .as_ref()
        .and_then(|b| serde_json::from_slice(&b.bytes).ok());
    // A delivery was not a request of the run's: no exchange checks judge it.
    let rec = if awaited {
        shared.exec.derived(case, verdicts)
    } else {
        shared.exec.judge(case, &result, verdicts)
    };
    let failed = rec.findings.iter().any(crate::finding::Finding::is_failure);
    let status = rec.status.or(result.as_ref().ok().map(|e| e.status));
    shared.emit(rec);
    let Ok(ex) = &result else {
        return Err(Stop::Failed);
    };
    let answer = Answers {
        body: body.as_ref(),
        exchange: Some(ex),
        walked: walked.as_ref(),
        sent: sent.as_ref(),
    };
    capture(st, &answer, vars, failed, status)?;
    Ok(failed)
}

/// What a step's captures read.
#[derive(Default)]
struct Answers<'a> {
    /// The answer's JSON (for a control step, the control API's answer).
    body: Option<&'a Value>,
    /// The exchange, for headers.
    exchange: Option<&'a Exchange>,
    /// The items a walk collected.
    walked: Option<&'a Walked>,
    /// The JSON body the step sent.
    sent: Option<&'a Value>,
}

/// Takes a step's captures from its answer: the body, the exchange's headers, the walked
/// items, the body it sent.
fn capture(
    st: &Step,
    answer: &Answers<'_>,
    vars: &mut Vars,
    failed: bool,
    status: Option<u16>,
) -> Result<(), Stop> {
    let (body, ex, walked) = (answer.body, answer.exchange, answer.walked);
    for (name, c) in &st.capture {
        let v = if c.items {
            // A part of a list is no list: `null` makes the comparisons that need it skip.
            walked.map(|w| {
                if w.complete {
                    Value::Array(w.items.clone())
                } else {
                    Value::Null
                }
            })
        } else if let Some(p) = &c.sent {
            let p = render(p, vars)?;
            answer.sent.and_then(|b| b.pointer(&p).cloned())
        } else if let Some(h) = &c.header {
            ex.and_then(|ex| ex.header(h))
                .map(|v| Value::from(v.to_owned()))
        } else {
            // A walked list's pointers read its items, as an array.
            let from = match walked {
                Some(w) => Some(Value::Array(w.items.clone())),
                None => body.cloned(),
            };
            let p = render(c.pointer.as_deref().unwrap_or(""), vars)?;
            let found = from.and_then(|b| b.pointer(&p).cloned());
            match (&c.url_param, found) {
                (Some(param), Some(url)) => {
                    let (_, pairs) = crate::http::split_url("", &text(&url));
                    match pairs.into_iter().find(|(k, _)| k == param) {
                        Some((_, v)) => Some(Value::from(v)),
                        None => {
                            return Err(Stop::Skip(format!(
                                "the URL at {p} has no {param} parameter"
                            )));
                        }
                    }
                }
                (None, found) => found,
                (Some(_), None) => None,
            }
        };
        match v {
            Some(v) => {
                vars.insert(name.clone(), v);
            }
            None if failed => return Err(Stop::Failed),
            None => {
                return Err(Stop::Error(format!(
                    "the answer ({}) has nothing to capture as {name}",
                    status.map_or_else(|| "no status".to_owned(), |s| s.to_string())
                )));
            }
        }
    }
    Ok(())
}

type Verdicts = Vec<(&'static str, Applied)>;

/// Walks every page; the page invariants become verdicts of `p.check` on the page where they
/// broke (earlier pages are emitted as they come; the last request's case is handed back).
async fn walk(
    shared: &Shared,
    id: &str,
    st: &Step,
    vars: &Vars,
    p: &super::model::Paginate,
) -> Result<(Case, Result<Exchange, TransportError>, Verdicts, Walked), Stop> {
    let check = check_id(&p.check)?;
    let rule = || rule_of(p.cite.as_ref());
    let mut items: Vec<Value> = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_total: Option<u64> = None;
    let mut offset: u64 = 0;
    for n in 0..p.max_pages {
        let case = case_of(id, st, vars, Some((p.limit, offset)))?;
        let r = send(shared, &case).await?;
        let body = r.as_ref().ok().and_then(Exchange::json);
        let data = body.as_ref().and_then(|b| b["data"].as_array().cloned());
        let total = body.as_ref().and_then(|b| b["total"].as_u64());
        let mut v: Verdicts = Vec::new();
        let Some(data) = data else {
            // Not a page: the exchange checks say why; the walk cannot go on.
            return Ok((
                case,
                r,
                v,
                Walked {
                    items,
                    complete: false,
                },
            ));
        };
        let mut problems = Vec::new();
        if data.len() > p.limit as usize {
            problems.push(format!(
                "{} items on a page of limit {}",
                data.len(),
                p.limit
            ));
        }
        match (first_total, total) {
            (None, t) => first_total = t,
            (Some(a), Some(b)) if a != b => {
                problems.push(format!("total {b} here, {a} on the first page"))
            }
            _ => {}
        }
        for item in &data {
            let key = item["id"]
                .as_str()
                .map_or_else(|| item.to_string(), str::to_owned);
            if let Some(prev) = seen.insert(key.clone(), offset) {
                problems.push(format!(
                    "{key} is on the page at offset {prev} and again at offset {offset}"
                ));
            }
        }
        v.push((
            check,
            if problems.is_empty() {
                Applied::Pass
            } else {
                fail(
                    rule(),
                    "pages of the list are not consistent".into(),
                    problems.join("; "),
                )
            },
        ));
        let got = data.len() as u64;
        items.extend(data);
        offset += u64::from(p.limit);
        let last = got < u64::from(p.limit) || first_total.is_some_and(|t| offset >= t);
        if last || n + 1 == p.max_pages {
            let complete = last;
            if complete {
                // This page's record, then the page past the end: empty, whatever the target's
                // total says. The step's assertions go on that last request.
                let rec = shared.exec.judge(case, &r, v);
                shared.emit(rec);
                let mut v: Verdicts = Vec::new();
                let past = first_total.unwrap_or(0).max(items.len() as u64) + u64::from(p.limit);
                let case = case_of(id, st, vars, Some((p.limit, past)))?;
                let pr = send(shared, &case).await?;
                let empty = pr
                    .as_ref()
                    .ok()
                    .and_then(Exchange::json)
                    .and_then(|b| b["data"].as_array().map(Vec::len));
                v.push((
                    check,
                    match (pr.as_ref().map(|e| e.status), empty) {
                        (Ok(200), Some(0)) => Applied::Pass,
                        (Ok(s), len) => fail(
                            rule(),
                            "an offset past the end is not an empty page".into(),
                            format!(
                                "offset {past}: status {s}, {} items",
                                len.map_or_else(|| "no".to_owned(), |l| l.to_string())
                            ),
                        ),
                        (Err(_), _) => Applied::Skip,
                    },
                ));
                if let Some(t) = first_total {
                    v.push((
                        check,
                        if t == items.len() as u64 {
                            Applied::Pass
                        } else {
                            fail(
                                rule(),
                                "total is not the number of items".into(),
                                format!("total {t}, {} items over all pages", items.len()),
                            )
                        },
                    ));
                }
                return Ok((case, pr, v, Walked { items, complete }));
            }
            return Ok((case, r, v, Walked { items, complete }));
        }
        let rec = shared.exec.judge(case, &r, v);
        shared.emit(rec);
    }
    Err(Stop::Error("max_pages must be at least 1".into()))
}

fn assertion(
    a: &Assertion,
    result: &Result<Exchange, TransportError>,
    body: Option<&Value>,
    walked: Option<&Walked>,
    vars: &Vars,
) -> Result<Applied, Stop> {
    let rule = || rule_of(a.cite.as_ref());
    let title = |default: &str| a.title.clone().unwrap_or_else(|| default.to_owned());
    let Ok(ex) = result else {
        return Ok(Applied::Skip);
    };
    if let Some(s) = &a.status {
        let want = s.list();
        if !want.contains(&ex.status) {
            let listed: Vec<String> = want.iter().map(u16::to_string).collect();
            return Ok(fail(
                rule(),
                title("unexpected status"),
                format!("status {}, expected {}", ex.status, listed.join(" or ")),
            ));
        }
    }
    if let Some(c) = &a.that {
        let subject = Subject {
            json: body,
            exchange: Some(ex),
            vars,
        };
        if let Err(why) = eval(c, &subject)? {
            return Ok(fail(rule(), title("the answer does not hold"), why));
        }
    }
    // The list `every` and `ordered` read.
    let list = || -> Vec<Value> {
        match (&a.list, walked) {
            (Some(p), _) => body
                .and_then(|b| b.pointer(p))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            (None, Some(w)) => w.items.clone(),
            (None, None) => body
                .and_then(|b| b["data"].as_array().cloned())
                .unwrap_or_default(),
        }
    };
    if let Some(c) = &a.every {
        let items = list();
        let mut bad = Vec::new();
        for item in &items {
            let subject = Subject {
                json: Some(item),
                exchange: None,
                vars,
            };
            if let Err(why) = eval(c, &subject)? {
                let id = item["id"]
                    .as_str()
                    .map_or_else(|| short(item), str::to_owned);
                bad.push(format!("{id}: {why}"));
            }
        }
        if !bad.is_empty() {
            let n = bad.len();
            bad.truncate(5);
            return Ok(fail(
                rule(),
                title("items do not satisfy the condition"),
                format!("{n} of {} items: {}", items.len(), bad.join("; ")),
            ));
        }
    }
    if let Some(s) = &a.same_items {
        let Some(w) = walked else {
            return Err(Stop::Error("same_items needs a paginate step".into()));
        };
        if !w.complete {
            // A list longer than max_pages: comparing a part would cry wolf.
            return Ok(Applied::Skip);
        }
        let other = render_value(&Value::String(format!("{{{{{}}}}}", s.of)), vars)?;
        // `null`: that walk did not see the whole list (longer than its max_pages).
        let Some(other) = other.as_array() else {
            return Ok(Applied::Skip);
        };
        let key = s.key.as_deref().unwrap_or("/id");
        let ids = |list: &[Value]| -> std::collections::BTreeSet<String> {
            list.iter()
                .map(|x| {
                    x.pointer(key)
                        .map_or_else(|| short(x), super::template::text)
                })
                .collect()
        };
        let mut expected = Vec::new();
        for item in other {
            let keep = match &s.filter {
                None => true,
                Some(c) => eval(
                    c,
                    &Subject {
                        json: Some(item),
                        exchange: None,
                        vars,
                    },
                )?
                .is_ok(),
            };
            if keep {
                expected.push(item.clone());
            }
        }
        let (want, got) = (ids(&expected), ids(&w.items));
        if want != got {
            let missing: Vec<&String> = want.difference(&got).take(5).collect();
            let extra: Vec<&String> = got.difference(&want).take(5).collect();
            return Ok(fail(
                rule(),
                title("the list does not hold exactly the matching items"),
                format!(
                    "{} expected, {} listed; missing: {}; not expected: {}",
                    want.len(),
                    got.len(),
                    if missing.is_empty() {
                        "none".to_owned()
                    } else {
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    if extra.is_empty() {
                        "none".to_owned()
                    } else {
                        extra
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                ),
            ));
        }
    }
    if let Some(keys) = &a.ordered {
        let items = list();
        if let Some((i, why)) = out_of_order(&items, keys) {
            let id = |x: &Value| x["id"].as_str().map_or_else(|| short(x), str::to_owned);
            return Ok(fail(
                rule(),
                title("a list is out of the documented order"),
                format!("{} before {}: {why}", id(&items[i]), id(&items[i + 1])),
            ));
        }
    }
    if let Some(sm) = &a.sums {
        let parts = body
            .and_then(|b| b.pointer(&sm.items))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let sum: Option<f64> = parts
            .iter()
            .map(|p| p.pointer(&sm.field).and_then(Value::as_f64))
            .sum();
        let total = body
            .and_then(|b| b.pointer(&sm.total))
            .and_then(Value::as_f64);
        if total.is_none() || sum != total {
            return Ok(fail(
                rule(),
                title("a total differs from the sum of its parts"),
                format!(
                    "{} is {}, its {} parts at {}{} add up to {}",
                    sm.total,
                    total.map_or_else(|| "missing".to_owned(), |t| t.to_string()),
                    parts.len(),
                    sm.items,
                    sm.field,
                    sum.map_or_else(
                        || "no number (a part lacks it)".to_owned(),
                        |s| s.to_string()
                    )
                ),
            ));
        }
    }
    if let Some(d) = &a.wav_duration {
        let want = super::template::text(&render_value(d, vars)?);
        if ex.status == 200 {
            let problem = match (crate::wav::parse(&ex.body), want.parse::<f64>()) {
                (Err(why), _) => Some(why),
                (Ok(w), Ok(want)) if (w.duration_sec - want).abs() > 1.0 => Some(format!(
                    "the WAV plays {:.2} s, durationSec is {want}",
                    w.duration_sec
                )),
                (Ok(_), Ok(_)) => None,
                (Ok(_), Err(_)) => Some(format!("durationSec {want} is not a number")),
            };
            if let Some(p) = problem {
                return Ok(fail(
                    rule(),
                    title("the recording is not the call's audio"),
                    p,
                ));
            }
        }
    }
    if let Some(fd) = &a.find {
        let Some(w) = walked else {
            return Err(Stop::Error("find needs a paginate step".into()));
        };
        if !w.complete {
            return Ok(Applied::Skip);
        }
        let key = fd.key.as_deref().unwrap_or("/id");
        let want = render_value(&fd.id, vars)?;
        let found = w.items.iter().find(|x| x.pointer(key) == Some(&want));
        match (found, fd.absent) {
            (Some(_), true) => {
                return Ok(fail(
                    rule(),
                    title("an item that should be gone is listed"),
                    format!("{} is still listed", text(&want)),
                ));
            }
            (None, false) => {
                return Ok(fail(
                    rule(),
                    title("an item is not listed"),
                    format!(
                        "{} is not among the {} items listed",
                        text(&want),
                        w.items.len()
                    ),
                ));
            }
            (Some(item), false) => {
                if let Some(c) = &fd.that
                    && let Err(why) = eval(
                        c,
                        &Subject {
                            json: Some(item),
                            exchange: None,
                            vars,
                        },
                    )?
                {
                    return Ok(fail(
                        rule(),
                        title("a listed item does not read back"),
                        format!("{}: {why}", text(&want)),
                    ));
                }
            }
            (None, true) => {}
        }
    }
    Ok(Applied::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_body_is_valid_seeded_and_carries_what_set_says() {
        let g = super::super::model::Generate {
            set: serde_json::json!({"name": "{{tag}} generated"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        };
        let vars: Vars = [
            ("seed".to_owned(), Value::from(7)),
            ("tag".to_owned(), Value::from("vc-7")),
        ]
        .into();
        let body = |salt: &str| {
            generated(Some("createAgent"), &g, salt, &vars)
                .ok()
                .unwrap()
        };
        let a = body("agents/generated-agent/create");
        assert_eq!(a["name"], "vc-7 generated");
        let schema = spec::Contract::v1()
            .operation("createAgent")
            .and_then(|o| o.request_body.as_ref())
            .and_then(|rb| rb.content.iter().find(|m| m.is_json()))
            .map(|m| m.schema.clone())
            .unwrap();
        assert!(
            spec::Validator::compile(&schema).unwrap().is_valid(&a),
            "{a}"
        );
        assert_eq!(
            a,
            body("agents/generated-agent/create"),
            "same seed, same body"
        );
        let others: Vec<Value> = (0..5).map(|i| body(&format!("step{i}"))).collect();
        assert!(others.iter().any(|o| o != &a), "another step, another body");
        assert!(
            generated(Some("listAgents"), &g, "any step", &vars).is_err(),
            "an operation without a JSON body cannot generate one"
        );
    }

    fn rows(v: Value) -> Vec<serde_json::Map<String, Value>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect()
    }

    #[test]
    fn a_row_is_labelled_by_as_few_of_its_first_variables_as_tell_it_apart() {
        let r = rows(serde_json::json!([
            {"field": "name", "value": "{{tag}} renamed", "pointer": "/name"},
            {"field": "soul", "value": "Warm", "pointer": "/soul"}
        ]));
        assert_eq!(row_labels(&r), [" [field=name]", " [field=soul]"]);
        let r = rows(serde_json::json!([
            {"filter": "status", "value": "completed"},
            {"filter": "status", "value": "failed"},
            {"filter": "hasRecording", "value": true}
        ]));
        assert_eq!(
            row_labels(&r),
            [
                " [filter=status, value=completed]",
                " [filter=status, value=failed]",
                " [filter=hasRecording, value=true]"
            ]
        );
        assert_eq!(row_labels(&rows(serde_json::json!([{}]))), [""]);
    }
}
