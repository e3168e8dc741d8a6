//! Safe runs: the runner changes only what it created. Checked from the outside, through the
//! mock's state export and request journal, never through the runner's own ledger alone.

use conformance::runner::{RunConfig, run};
use conformance::safety::Safety;
use e2e_tests::start;
use e2e_tests::{get_json, origin};
use serde_json::Value;

const KEY: &str = "va_conformance_key_a_0001";

async fn state(base_url: &str) -> Value {
    get_json(format!("{}/_mock/state?key={KEY}", origin(base_url))).await
}

/// The journal's tallies of v1 requests made with `query` (e.g. `method=POST`).
async fn journal(base_url: &str, query: &str) -> Value {
    get_json(format!(
        "{}/_mock/requests?limit=1&{query}",
        origin(base_url)
    ))
    .await
}

/// The ids of the agents and numbers the workspace has, through v1.
async fn pre_existing_ids(base_url: &str) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for path in ["/agents", "/phone-numbers"] {
        let v: Value = client
            .get(format!("{base_url}{path}?limit=100"))
            .bearer_auth(KEY)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("JSON");
        out.extend(
            v["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["id"].as_str().map(str::to_owned)),
        );
    }
    out
}

fn config(base_url: String) -> RunConfig {
    e2e_tests::run_config(base_url, 5, 6, 8)
}

/// Each pre-existing entry of each collection of the export, as it was before the run.
fn assert_untouched(before: &Value, after: &Value) {
    for collection in [
        "agents",
        "numbers",
        "contacts",
        "contactLists",
        "calls",
        "scripts",
    ] {
        let (Some(b), Some(a)) = (before[collection].as_array(), after[collection].as_array())
        else {
            panic!("the state export has no {collection} array");
        };
        assert!(
            a.len() >= b.len(),
            "{collection}: {} before the run, {} after",
            b.len(),
            a.len()
        );
        for (i, (x, y)) in b.iter().zip(a).enumerate() {
            assert_eq!(
                serde_json::to_string(x).ok(),
                serde_json::to_string(y).ok(),
                "{collection}[{i}] existed before the run and changed"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_run_leaves_every_pre_existing_resource_byte_identical() {
    let server = start(None).await;
    let before = state(&server.base_url).await;
    let pre = pre_existing_ids(&server.base_url).await;
    let outcome = run(config(server.base_url.clone()), &mut [])
        .await
        .expect("the run completes");
    let after = state(&server.base_url).await;
    assert_untouched(&before, &after);
    let c = &outcome.summary.changes;
    // It did write: agents of its own, a number, imports, all through the same gate.
    assert!(c.agents_created.len() > 3, "{c:?}");
    assert!(!c.numbers_bought.is_empty(), "{c:?}");
    assert!(c.lists_imported > 0, "{c:?}");
    // And cleaned up after itself: every agent it created is gone again.
    assert!(
        c.agents_left().is_empty(),
        "agents left: {:?}",
        c.agents_left()
    );
    let live = after["agents"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["deleted"] != true).count())
        .unwrap_or(0);
    let live_before = before["agents"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["deleted"] != true).count())
        .unwrap_or(0);
    assert_eq!(live, live_before, "the run left agents behind");
    // Every PATCH and DELETE it sent named something it created.
    assert!(pre.len() > 3, "{pre:?}");
    for method in ["PATCH", "DELETE"] {
        let j = journal(&server.base_url, &format!("method={method}&limit=10000")).await;
        for e in j["data"].as_array().into_iter().flatten() {
            let path = e["path"].as_str().unwrap_or_default();
            assert!(
                !pre.iter().any(|id| path.contains(id.as_str())),
                "{method} {path} names a pre-existing agent or number"
            );
        }
    }
    assert!(
        outcome.summary.must_failures() == 0,
        "{:?}",
        outcome.summary.findings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_only_sends_nothing_but_gets_and_heads() {
    let server = start(None).await;
    let before = state(&server.base_url).await;
    let mut cfg = config(server.base_url.clone());
    cfg.safety.read_only = true;
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let after = state(&server.base_url).await;
    assert_eq!(
        serde_json::to_string(&before).ok(),
        serde_json::to_string(&after).ok(),
        "a read-only run changed the workspace"
    );
    let methods = journal(&server.base_url, "").await["counts"]["byMethod"].clone();
    let names: Vec<&String> = methods
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert!(
        names.iter().all(|m| *m == "GET" || *m == "HEAD"),
        "a read-only run sent {methods}"
    );
    assert!(methods["GET"].as_u64().unwrap_or(0) > 50, "{methods}");
    // Reads were tested and judged.
    assert_eq!(
        outcome.summary.verdict,
        conformance::events::Verdict::Conformant
    );
    assert!(!outcome.summary.operations.contains_key("createAgent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_mock_control_api_nothing_is_bought_or_imported_unless_capped() {
    let server = start(None).await;
    let mut cfg = config(server.base_url.clone());
    cfg.control_url = None;
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let j = journal(&server.base_url, "").await;
    let by_op = &j["counts"]["byOperation"];
    assert!(by_op["buyPhoneNumber"].is_null(), "{by_op}");
    assert!(by_op["importContactList"].is_null(), "{by_op}");
    assert!(by_op["createAgent"].as_u64().unwrap_or(0) > 0, "{by_op}");
    assert!(outcome.summary.changes.numbers_bought.is_empty());

    // With a cap of 2, at most two purchases and one import succeed, whatever the phases try.
    let server = start(None).await;
    let mut cfg = config(server.base_url.clone());
    cfg.control_url = None;
    cfg.safety = Safety {
        read_only: false,
        allow_purchases: Some(2),
        allow_imports: Some(1),
        ..Safety::default()
    };
    let outcome = run(cfg, &mut []).await.expect("the run completes");
    let bought = journal(&server.base_url, "operationId=buyPhoneNumber&status=2xx").await;
    let imported = journal(&server.base_url, "operationId=importContactList&status=2xx").await;
    assert_eq!(bought["total"], 2, "{bought}");
    assert_eq!(imported["total"], 1, "{imported}");
    assert_eq!(outcome.summary.changes.numbers_bought.len(), 2);
    assert!(outcome.summary.changes.withheld["purchases"] > 0);
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_says_what_it_would_change() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    let url = format!("http://{addr}/api/v1");
    let mut cfg = config(url.clone());
    cfg.control_url = None;
    cfg.max_examples = 10;
    let text = conformance::runner::dry_run(&cfg).expect("a plan");
    let read_only = {
        let mut c = cfg.clone();
        c.safety.read_only = true;
        conformance::runner::dry_run(&c).expect("a plan")
    };
    let capped = {
        let mut c = cfg.clone();
        c.safety.allow_purchases = Some(1);
        conformance::runner::dry_run(&c).expect("a plan")
    };
    // Not one connection reached the target.
    assert_eq!(
        listener.accept().err().map(|e| e.kind()),
        Some(std::io::ErrorKind::WouldBlock),
        "the dry run connected to the target"
    );
    let text = text.replace(&addr.to_string(), "127.0.0.1:PORT");
    insta::assert_snapshot!("dry_run_against_a_real_target", text);
    assert!(read_only.contains("nothing: read-only"), "{read_only}");
    assert!(read_only.contains("not tested: createAgent"), "{read_only}");
    assert!(capped.contains("at most 1 purchase;"), "{capped}");
    assert!(capped.contains("buys 1 number of its own"), "{capped}");
    assert!(!text.contains("buyPhoneNumber: about"), "{text}");
    // The CLI: exit 0, nothing sent.
    let code = conformance::cli::main(<conformance::cli::Cli as clap::Parser>::parse_from([
        "vici-conformance",
        "run",
        "--base-url",
        &url,
        "--api-key",
        KEY,
        "--dry-run",
    ]))
    .await;
    assert_eq!(code, conformance::exit_code::CONFORMANT);
    assert!(listener.accept().is_err());
}
