//! Control steps: actions on a control API like vici-mock's (`/_mock`). Move the virtual
//! clock, register the run's webhook receiver, simulate a call, start a campaign. The control
//! API's answer is the step's body, for captures. Each action is also kept as a [`Case`], so a
//! finding about what it should have caused (a webhook that never came) carries the request
//! that caused it.

use serde_json::{Map, Value, json};

use super::engine::Stop;
use super::model::{Control, Key};
use super::template::{Vars, render_value};
use crate::case::{Auth, Body, Case, Expectation, Phase};
use crate::context::Shared;

/// What a control step did: the control API's answer, and the request it was.
pub(super) struct Done {
    /// The answer's JSON (`null` when it had none).
    pub body: Value,
    /// The request, as a case (for the curl of a finding about its effects).
    pub case: Case,
}

/// The control API's URL, when the target is a mock.
fn control_url(shared: &Shared) -> Result<String, Stop> {
    shared
        .cfg
        .control_url
        .as_deref()
        .filter(|_| shared.is_mock())
        .map(|u| u.trim_end_matches('/').to_owned())
        .ok_or_else(|| Stop::Skip("no control API (--control-url of vici-mock)".into()))
}

/// The API key whose workspace a control step acts on.
fn key_of(shared: &Shared, key: Key) -> Result<String, Stop> {
    let cfg = &shared.exec.target.config;
    match key {
        Key::A => Ok(cfg.api_key.clone()),
        Key::B => cfg
            .api_key_b
            .clone()
            .ok_or_else(|| Stop::Skip("no --api-key-b".into())),
        Key::None | Key::Unknown => Err(Stop::Error(
            "a control step acts on the workspace of key a or b".into(),
        )),
    }
}

/// Reads the mock's clock into the rig's readings (the clock timestamps are judged against).
pub(super) async fn note_clock(shared: &Shared) {
    let (Some(rig), Ok(url)) = (&shared.webhooks, control_url(shared)) else {
        return;
    };
    if let Ok(r) = crate::webhook::read_mock_clock(client(), &url).await {
        rig.note(r);
    }
}

/// The control API's client, built once (a client holds its connection pool and TLS setup).
fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default()
    })
}

/// Fills in the templates of an action's fields and adds the workspace key.
fn body_of(fields: &Map<String, Value>, key: &str, vars: &Vars) -> Result<Value, Stop> {
    let mut body = Map::new();
    body.insert("key".into(), Value::from(key));
    for (k, v) in fields {
        body.insert(k.clone(), render_value(v, vars)?);
    }
    Ok(Value::Object(body))
}

/// Runs a control step (exactly one action; lint made sure).
pub(super) async fn run(
    shared: &Shared,
    case_id: String,
    c: &Control,
    vars: &Vars,
) -> Result<Done, Stop> {
    let url = control_url(shared)?;
    let key = key_of(shared, c.key)?;
    let (what, path, body) = if let Some(seconds) = c.advance_clock {
        (
            "a clock advance",
            "/clock/advance",
            json!({ "seconds": seconds }),
        )
    } else if let Some(fields) = &c.register_webhook {
        let Some(rig) = &shared.webhooks else {
            return Err(Stop::Skip("the run has no webhook receiver".into()));
        };
        // One endpoint per workspace and run: a second would double every delivery.
        if let Some(answer) = rig.registration(&key) {
            return Ok(Done {
                body: answer,
                case: case(case_id, &url, "/webhooks", Value::Null),
            });
        }
        let mut body = body_of(fields, &key, vars)?;
        body["url"] = Value::from(rig.receiver.url());
        body["secret"] = Value::from(rig.secret.clone());
        ("a webhook registration", "/webhooks", body)
    } else if let Some(fields) = &c.simulate_call {
        ("a simulated call", "/calls", body_of(fields, &key, vars)?)
    } else if let Some(fields) = &c.start_campaign {
        ("a campaign", "/campaigns", body_of(fields, &key, vars)?)
    } else {
        return Err(Stop::Error("a control step names no action".into()));
    };
    note_clock(shared).await;
    let res = client()
        .post(format!("{url}{path}"))
        .json(&body)
        .send()
        .await
        .map_err(|e| Stop::Error(format!("the control API did not answer {what}: {e}")))?;
    let status = res.status().as_u16();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    note_clock(shared).await;
    if !(200..300).contains(&status) {
        let why = answer["message"]
            .as_str()
            .map_or_else(String::new, |m| format!(": {m}"));
        return Err(Stop::Error(format!(
            "the control API answered {status} to {what}{why}"
        )));
    }
    if c.register_webhook.is_some()
        && let Some(rig) = &shared.webhooks
    {
        rig.remember(&key, answer.clone());
    }
    Ok(Done {
        body: answer,
        case: case(case_id, &url, path, body),
    })
}

/// A control request as a case (its URL absolute: it is not under the API's base URL).
fn case(id: String, url: &str, path: &str, body: Value) -> Case {
    Case {
        id,
        operation_id: None,
        phase: Phase::Scenario,
        method: "POST".into(),
        path: format!("{url}{path}"),
        query: Vec::new(),
        headers: Vec::new(),
        auth: Auth::None,
        body: (!body.is_null()).then(|| Body {
            content_type: Some("application/json".into()),
            bytes: serde_json::to_vec(&body).unwrap_or_default(),
        }),
        expect: Expectation::Observe,
        note: "a control API request".into(),
    }
}

/// Removes the endpoints the run registered (so the mock stops sending to a receiver that is
/// gone); best effort.
pub(super) async fn unregister(shared: &Shared) {
    let (Some(rig), Ok(url)) = (&shared.webhooks, control_url(shared)) else {
        return;
    };
    let client = client();
    for (_, id) in rig.registrations() {
        let _ = client.delete(format!("{url}/webhooks/{id}")).send().await;
    }
}
