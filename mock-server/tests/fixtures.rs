//! Fixtures (`--fixtures`), start-up state (`--state`) and exports imported under another key.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use common::{KEY, KEY_B, Mock};
use mock_server::{AppState, Config};
use reqwest::Method;
use serde_json::{Value, json};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fixtures.yaml");

/// A file of `text` under the temp directory, unique to this test run.
fn temp_file(name: &str, text: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("vici-mock-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}-{name}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, text).expect("write temp file");
    path
}

async fn with_fixtures(path: PathBuf) -> Mock {
    Mock::with(|c| c.fixtures = Some(path)).await
}

fn names(list: &Value) -> Vec<&str> {
    list["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| a["name"].as_str().unwrap_or("(none)"))
        .collect()
}

#[tokio::test]
async fn the_example_builds_the_workspace_it_describes() {
    let mock = with_fixtures(EXAMPLE.into()).await;

    let (s, agents) = mock.get("/agents").await;
    assert_eq!(s, 200, "{agents}");
    assert_eq!(names(&agents), ["Ava — Front desk", "Max — Recalls"]);
    let reception = agents["data"][0]["id"].as_str().unwrap().to_owned();
    let recall = agents["data"][1]["id"].as_str().unwrap().to_owned();
    assert_eq!(agents["data"][0]["transfer"]["mode"], "warm");
    assert_eq!(agents["data"][1]["playbook"][1]["title"], "Offer a slot");
    // Omitted fields take AgentCreate's defaults, with the fixture's company.
    assert_eq!(
        agents["data"][1]["firstMessage"],
        "Hi, thanks for calling Northwind Dental. How can I help you today?"
    );
    assert_eq!(agents["data"][0]["createdAt"], "2026-04-13T16:00:00Z");

    let (_, numbers) = mock.get("/phone-numbers").await;
    let owned: Vec<(&str, &Value, &str)> = numbers["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["number"].as_str().unwrap(),
                &n["agentId"],
                n["locality"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(owned.len(), 3, "{numbers}");
    assert_eq!(owned[0].0, "+14155550100");
    assert_eq!(owned[0].1, &json!(reception));
    assert_eq!(owned[1].1, &json!(recall));
    assert_eq!(owned[2].1, &Value::Null);
    assert_eq!(owned[1].2, "New York");

    // The inventory is exactly the file's: the contract's purchase example can be bought.
    let (_, offered) = mock.get("/phone-numbers/inventory/search?country=US").await;
    let offered: Vec<&str> = offered["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap())
        .collect();
    assert_eq!(offered, ["+14155550199"]);
    let (s, bought) = mock
        .post_json("/phone-numbers", json!({ "number": "+14155550199" }))
        .await;
    assert_eq!(s, 201, "{bought}");

    let (_, contacts) = mock.get("/contacts").await;
    assert_eq!(contacts["total"], 3);
    assert_eq!(
        contacts["data"][0]["customFields"],
        json!({ "plan": "gold" })
    );
    assert_eq!(contacts["data"][2]["doNotCall"], true);

    let (_, calls) = mock.get("/calls?limit=100").await;
    assert_eq!(calls["total"], 5, "{calls}");
    let (_, failed) = mock.get("/calls?status=failed").await;
    assert_eq!(failed["total"], 2);
    let (_, by_recall) = mock.get(&format!("/calls?agentId={recall}")).await;
    assert_eq!(by_recall["total"], 2);
    let unassigned = failed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["agentId"].is_null())
        .expect("the call nobody answered");
    assert_eq!(unassigned["failureReason"], "unassigned_number");
    assert_eq!(unassigned["direction"], "inbound");

    // A completed call carries a transcript, line items that add up, and a recording that plays
    // for its duration.
    let completed = calls["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["durationSec"] == 185)
        .expect("the 185 s call");
    let (s, detail) = mock
        .get(&format!("/calls/{}", completed["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, 200, "{detail}");
    assert_eq!(detail["agentId"], json!(recall));
    assert!(!detail["transcript"].as_array().unwrap().is_empty());
    let sum: i64 = detail["cost"]["lineItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amountCents"].as_i64().unwrap())
        .sum();
    assert_eq!(json!(sum), detail["cost"]["totalCents"]);
    assert!(detail["recordingUrl"].is_string(), "{detail}");
}

#[tokio::test]
async fn lists_are_made_by_name_and_hold_their_contacts() {
    let mock = with_fixtures(EXAMPLE.into()).await;
    let (s, contacts) = mock.get("/contacts").await;
    assert_eq!(s, 200, "{contacts}");
    let lists = |i: usize| contacts["data"][i]["listIds"].as_array().unwrap().clone();
    let (grace, alan, ada) = (lists(0), lists(1), lists(2));
    assert_eq!(grace.len(), 1, "{contacts}");
    assert_eq!(alan.len(), 2);
    assert_eq!(alan[0], grace[0], "'Due for recall' is one list, made once");
    assert_ne!(alan[1], grace[0]);
    assert!(ada.is_empty());
}

#[tokio::test]
async fn a_reset_goes_back_to_the_fixtures_and_other_keys_stay_seeded() {
    let mock = with_fixtures(EXAMPLE.into()).await;
    let (s, _) = mock.post_json("/agents", json!({ "name": "Temp" })).await;
    assert_eq!(s, 201);
    let (_, agents) = mock.get("/agents").await;
    assert_eq!(agents["total"], 3);
    let (s, _) = mock
        .control(Method::POST, "/reset", Some(json!({ "key": KEY })))
        .await;
    assert_eq!(s, 200);
    let (_, agents) = mock.get("/agents").await;
    assert_eq!(names(&agents), ["Ava — Front desk", "Max — Recalls"]);

    // `base: seeded` keeps the key's seeded agents (4 by default) and adds the file's.
    let (_, b) = common::send(mock.req_as(KEY_B, Method::GET, "/agents")).await;
    assert_eq!(b["total"], 5, "{b}");
    assert_eq!(b["data"][4]["name"], "Quinn — Overflow");
    // A key the file does not name is seeded as usual.
    let (_, c) =
        common::send(mock.req_as("va_third_0123456789abcdef", Method::GET, "/agents")).await;
    assert_eq!(c["total"], 4);
}

#[tokio::test]
async fn the_same_file_builds_the_same_ids_and_json_input_works() {
    let yaml = std::fs::read_to_string(EXAMPLE).unwrap();
    let doc: Value = serde_norway::from_str(&yaml).unwrap();
    let json_file = temp_file("fixtures.json", &doc.to_string());
    let a = with_fixtures(EXAMPLE.into()).await;
    let b = with_fixtures(json_file).await;
    for path in [
        "/agents",
        "/phone-numbers",
        "/contacts",
        "/calls?limit=100",
        "/contact-lists",
    ] {
        assert_eq!(a.get(path).await, b.get(path).await, "{path}");
    }
}

/// The start-up error for fixture text `text` (YAML unless `name` ends in `.json`).
fn load_error(name: &str, text: &str) -> String {
    let mut config = Config::for_tests();
    config.fixtures = Some(temp_file(name, text));
    match AppState::new(config) {
        Ok(_) => "(loaded)".to_owned(),
        Err(e) => {
            let message = e.to_string();
            // The temp path differs per run; what follows it is the point.
            message
                .split_once("': ")
                .map_or(message.clone(), |(_, reason)| reason.to_owned())
        }
    }
}

#[test]
fn bad_fixtures_stop_the_start_with_the_pointer_and_a_reason() {
    let ws = |body: &str| format!("version: 1\nworkspaces:\n  {KEY}:\n{body}");
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("a list", "- version: 1".to_owned()),
        ("not YAML", "version: [1".to_owned()),
        ("not JSON", "{\"version\": 1,".to_owned()),
        ("wrong version", "version: 2\nworkspaces: {}".to_owned()),
        (
            "bad key",
            "version: 1\nworkspaces:\n  sk_live_nope: {}".to_owned(),
        ),
        ("unknown field", ws("    agent: []")),
        ("agent without name", ws("    agents:\n      - mission: x")),
        (
            "agent field out of range",
            ws(
                "    agents:\n      - name: A\n        voice: { voiceId: aria, language: en-US, speed: 9 }",
            ),
        ),
        (
            "agent unknown field",
            ws("    agents:\n      - name: A\n        colour: blue"),
        ),
        (
            "duplicate ref",
            ws("    agents:\n      - { ref: a, name: A }\n      - { ref: a, name: B }"),
        ),
        (
            "number routes to nobody known",
            ws("    numbers:\n      - { number: '+14155550100', agent: ghost }"),
        ),
        (
            "ambiguous agent name",
            ws(
                "    agents:\n      - { name: A }\n      - { name: A }\n    numbers:\n      - { number: '+14155550100', agent: A }",
            ),
        ),
        (
            "number owned twice",
            ws(
                "    numbers:\n      - { number: '+14155550100' }\n      - { number: '+14155550100' }",
            ),
        ),
        (
            "number not E.164",
            ws("    numbers:\n      - { number: '4155550100' }"),
        ),
        (
            "number in a country without lines",
            ws("    numbers:\n      - { number: '+4915112345678' }"),
        ),
        (
            "owned and for sale",
            ws("    numbers:\n      - { number: '+14155550100' }\n    inventory: ['+14155550100']"),
        ),
        (
            "contact twice",
            ws(
                "    contacts:\n      - { phone: '+14155550111' }\n      - { phone: '+14155550111' }",
            ),
        ),
        (
            "bad email",
            ws("    contacts:\n      - { phone: '+14155550111', email: nope }"),
        ),
        (
            "call with contact and caller",
            ws(
                "    agents: [{ name: A }]\n    numbers: [{ number: '+14155550100', agent: A }]\n    contacts: [{ phone: '+14155550111' }]\n    calls:\n      - { contact: '+14155550111', caller: '+14155550112' }",
            ),
        ),
        (
            "call to an unknown contact",
            ws(
                "    agents: [{ name: A }]\n    numbers: [{ number: '+14155550100', agent: A }]\n    calls:\n      - { contact: '+14155550111' }",
            ),
        ),
        (
            "call without numbers",
            ws("    agents: [{ name: A }]\n    calls:\n      - { caller: '+14155550112' }"),
        ),
        (
            "agentless answered call",
            ws(
                "    numbers: [{ number: '+14155550100' }]\n    calls:\n      - { caller: '+14155550112' }",
            ),
        ),
        (
            "failure reason on a completed call",
            ws(
                "    agents: [{ name: A }]\n    numbers: [{ number: '+14155550100', agent: A }]\n    calls:\n      - { caller: '+14155550112', failureReason: busy }",
            ),
        ),
        (
            "duration of a failed call",
            ws(
                "    agents: [{ name: A }]\n    numbers: [{ number: '+14155550100', agent: A }]\n    calls:\n      - { caller: '+14155550112', status: failed, durationSec: 30 }",
            ),
        ),
        (
            "time in the future",
            ws("    agents:\n      - { name: A, createdAt: '2027-01-01T00:00:00Z' }"),
        ),
        (
            "call ending after the start",
            ws(
                "    agents: [{ name: A }]\n    numbers: [{ number: '+14155550100', agent: A }]\n    calls:\n      - { caller: '+14155550112', startedAt: -1m, durationSec: 600 }",
            ),
        ),
        (
            "bad relative time",
            ws("    agents:\n      - { name: A, createdAt: -3w }"),
        ),
    ];
    let mut out = String::new();
    for (name, text) in &cases {
        let file = if *name == "not JSON" {
            "f.json"
        } else {
            "f.yaml"
        };
        out.push_str(&format!("{name}:\n  {}\n", load_error(file, text)));
    }
    assert!(!out.contains("(loaded)"), "a bad file loaded:\n{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_fixture_key_the_strict_policy_refuses_is_an_error() {
    let mut config = Config::for_tests();
    config.fixtures = Some(EXAMPLE.into());
    config.key_policy = mock_server::KeyPolicy::Strict;
    config.api_keys = vec![KEY.to_owned()];
    let e = AppState::new(config).err().expect("refused").to_string();
    assert!(
        e.ends_with(&format!(
            "{KEY_B} would never be used: the strict key policy (--key-policy) accepts only the keys given with --api-key"
        )),
        "{e}"
    );
    let mut config = Config::for_tests();
    config.fixtures = Some(EXAMPLE.into());
    config.key_policy = mock_server::KeyPolicy::Strict;
    config.api_keys = vec![KEY.to_owned(), KEY_B.to_owned()];
    assert!(AppState::new(config).is_ok());
}

#[test]
fn a_missing_file_names_the_flag_and_the_path() {
    let mut config = Config::for_tests();
    config.fixtures = Some("/nonexistent/fixtures.yaml".into());
    let e = AppState::new(config).err().expect("refused").to_string();
    assert!(
        e.starts_with("load --fixtures '/nonexistent/fixtures.yaml': cannot read it:"),
        "{e}"
    );
}

#[tokio::test]
async fn start_up_state_is_served_and_a_reset_goes_back_to_it() {
    let original = Mock::start().await;
    let (s, _) = original
        .post_json("/agents", json!({ "name": "Made before the export" }))
        .await;
    assert_eq!(s, 201);
    let doc_a = original.export(KEY).await;
    let doc_b = original.export(KEY_B).await;
    let file = temp_file("state.json", &Value::Array(vec![doc_a, doc_b]).to_string());

    let restored = Mock::with(|c| c.state = Some(file)).await;
    for path in ["/agents", "/calls?limit=100", "/contacts?limit=100"] {
        assert_eq!(original.get(path).await, restored.get(path).await, "{path}");
    }
    let (_, agents) = restored.get("/agents").await;
    let id = agents["data"][0]["id"].as_str().unwrap().to_owned();
    let (s, _) = common::send(restored.req(Method::DELETE, &format!("/agents/{id}"))).await;
    assert_eq!(s, 204);
    let (s, _) = restored
        .control(Method::POST, "/reset", Some(json!({ "key": KEY })))
        .await;
    assert_eq!(s, 200);
    assert_eq!(original.get("/agents").await, restored.get("/agents").await);
    let (_, b) = common::send(restored.req_as(KEY_B, Method::GET, "/agents")).await;
    let (_, b0) = common::send(original.req_as(KEY_B, Method::GET, "/agents")).await;
    assert_eq!(b, b0);
}

#[test]
fn a_bad_state_file_is_refused_naming_the_document() {
    let mut config = Config::for_tests();
    config.state = Some(temp_file("state.json", r#"[{"version": 1}]"#));
    let e = AppState::new(config).err().expect("refused").to_string();
    assert!(
        e.contains("document 0: not a state export: missing field"),
        "{e}"
    );
}

/// Every id in `v`, with the workspace tag (the 6 characters after the prefix) replaced.
fn untagged(v: &Value, tag: &str) -> String {
    v.to_string().replace(tag, "TAG")
}

#[tokio::test]
async fn an_export_imported_under_another_key_is_retagged() {
    let mock = Mock::start().await;
    let (_, b_before) = common::send(mock.req_as(KEY_B, Method::GET, "/agents")).await;
    let b_tag = &b_before["data"][0]["id"].as_str().unwrap()[4..10].to_owned();
    let (_, a_agents) = mock.get("/agents").await;
    let a_tag = &a_agents["data"][0]["id"].as_str().unwrap()[4..10].to_owned();
    assert_ne!(a_tag, b_tag);

    let doc = mock.export(KEY).await;
    let (s, v) = mock
        .control(Method::POST, &format!("/state?key={KEY_B}"), Some(doc))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["imported"], KEY_B);

    // B now holds A's data under B's own ids; A is untouched.
    let (_, b_agents) = common::send(mock.req_as(KEY_B, Method::GET, "/agents")).await;
    assert!(
        b_agents["data"][0]["id"]
            .as_str()
            .unwrap()
            .contains(b_tag.as_str())
    );
    assert_eq!(untagged(&b_agents, b_tag), untagged(&a_agents, a_tag));
    let (_, a_calls) = mock.get("/calls?limit=5").await;
    let (_, b_calls) = common::send(mock.req_as(KEY_B, Method::GET, "/calls?limit=5")).await;
    assert_eq!(untagged(&b_calls, b_tag), untagged(&a_calls, a_tag));
    // The same call, with the same transcript and cost, under each key.
    let a_id = a_calls["data"][0]["id"].as_str().unwrap();
    let b_id = b_calls["data"][0]["id"].as_str().unwrap();
    let (_, a_detail) = mock.get(&format!("/calls/{a_id}")).await;
    let (_, b_detail) =
        common::send(mock.req_as(KEY_B, Method::GET, &format!("/calls/{b_id}"))).await;
    assert_eq!(a_detail["transcript"], b_detail["transcript"]);
    assert_eq!(a_detail["cost"], b_detail["cost"]);
    // A's ids name nothing under B.
    let (s, _) = common::send(mock.req_as(KEY_B, Method::GET, &format!("/calls/{a_id}"))).await;
    assert_eq!(s, 404);

    let (s, v) = mock
        .control(
            Method::POST,
            "/state?key=nope",
            Some(mock.export(KEY).await),
        )
        .await;
    common::assert_error(s, &v, 400, "validation_error");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("'nope' is not a well-formed API key"),
        "{v}"
    );
}
