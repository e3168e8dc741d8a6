//! Determinism across workspaces: every draw derives from (seed, workspace, purpose), so what one
//! key sees never depends on another key's traffic. Webhook delivery ids are the case that used
//! to break it (one RNG for the whole simulation).

mod common;

use common::{KEY, KEY_B, Mock};
use reqwest::Method;
use serde_json::json;

/// The delivery ids key A gets for three events, after `b_before` events of key B and with one
/// more of key B's between each of A's.
async fn a_delivery_ids(b_before: usize, interleave: bool) -> Vec<String> {
    let m = Mock::with(|c| c.webhooks = vec!["http://127.0.0.1:9/hook".to_owned()]).await;
    let trigger = |key: &'static str| {
        let m = &m;
        async move {
            let (s, ev) = m
                .control(
                    Method::POST,
                    "/events",
                    Some(json!({"key": key, "type": "campaign.started"})),
                )
                .await;
            assert_eq!(s, 201, "{ev}");
            ev["deliveries"][0].as_str().expect("a delivery").to_owned()
        }
    };
    for _ in 0..b_before {
        trigger(KEY_B).await;
    }
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(trigger(KEY).await);
        if interleave {
            trigger(KEY_B).await;
        }
    }
    ids
}

#[tokio::test]
async fn a_keys_delivery_ids_do_not_depend_on_another_keys_traffic() {
    let alone = a_delivery_ids(0, false).await;
    assert_eq!(alone.len(), 3);
    assert!(alone[0] != alone[1] && alone[1] != alone[2], "{alone:?}");
    assert_eq!(a_delivery_ids(0, false).await, alone, "not reproducible");
    assert_eq!(
        a_delivery_ids(5, false).await,
        alone,
        "key B's earlier traffic moved them"
    );
    assert_eq!(
        a_delivery_ids(2, true).await,
        alone,
        "key B's interleaved traffic moved them"
    );
    // Another seed gives other ids.
    let m = Mock::with(|c| {
        c.seed = 7;
        c.webhooks = vec!["http://127.0.0.1:9/hook".to_owned()];
    })
    .await;
    let (_, ev) = m
        .control(
            Method::POST,
            "/events",
            Some(json!({"key": KEY, "type": "campaign.started"})),
        )
        .await;
    assert_ne!(ev["deliveries"][0].as_str(), Some(alone[0].as_str()));
}

/// Key A's webhook endpoints (id and default secret) after `b_before` endpoints of key B.
async fn a_endpoints(b_before: usize) -> Vec<(String, String)> {
    let m = Mock::start().await;
    let add = |key: &'static str| {
        let m = &m;
        async move {
            let (s, ep) = m
                .control(
                    Method::POST,
                    "/webhooks",
                    Some(json!({"key": key, "url": "http://127.0.0.1:9/hook"})),
                )
                .await;
            assert_eq!(s, 201, "{ep}");
            (
                ep["id"].as_str().expect("an id").to_owned(),
                ep["secret"].as_str().expect("a secret").to_owned(),
            )
        }
    };
    for _ in 0..b_before {
        add(KEY_B).await;
    }
    vec![add(KEY).await, add(KEY).await]
}

#[tokio::test]
async fn a_keys_endpoint_ids_and_secrets_do_not_depend_on_another_keys_traffic() {
    let alone = a_endpoints(0).await;
    assert_ne!(alone[0], alone[1]);
    assert_eq!(
        a_endpoints(3).await,
        alone,
        "key B's endpoints moved key A's"
    );
}

/// Only `clock.rs` reads the wall clock (ARCHITECTURE.md): anything else that did would make a
/// run depend on when it ran.
#[test]
fn only_the_clock_module_reads_the_wall_clock() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 20, "{files:?}");
    let mut readers = Vec::new();
    for f in files {
        if f.ends_with("clock.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        for needle in [
            "SystemTime",
            "Instant::now",
            "chrono::Utc::now",
            "OffsetDateTime::now",
        ] {
            if text.contains(needle) {
                readers.push(format!("{} ({needle})", f.display()));
            }
        }
    }
    assert!(
        readers.is_empty(),
        "wall-clock reads outside clock.rs: {readers:?}"
    );
}
