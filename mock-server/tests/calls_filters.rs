//! `GET /calls` exactly as the contract says (D-LIST, D-TIME, D-CALLS): every filter alone and
//! combined against a reference computed from the full list, the order, paging and `total`;
//! byte-for-byte determinism across servers; snapshots of one call and of the agents.

mod common;

use common::{KEY, KEY_B, Mock, send};
use reqwest::Method;
use serde_json::{Value, json};

/// Every call of `key` matching `query`, following pages.
async fn calls(m: &Mock, key: &str, query: &str) -> Vec<Value> {
    let path = if query.is_empty() {
        "/calls".to_owned()
    } else {
        format!("/calls?{query}")
    };
    m.all_pages(key, &path).await
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn started(c: &Value) -> &str {
    c["startedAt"].as_str().unwrap()
}

/// The contract's order, computed here: `startedAt` descending, then `id` ascending. Every
/// `startedAt` is `YYYY-MM-DDTHH:MM:SSZ` (checked), so text order is time order.
fn sort_like_the_contract(list: &mut [Value]) {
    for c in list.iter() {
        assert_eq!(started(c).len(), 20, "{}", started(c));
        assert!(started(c).ends_with('Z'));
    }
    list.sort_by(|a, b| {
        started(b)
            .cmp(started(a))
            .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()))
    });
}

/// A filter both as a query string and as a predicate over call summaries.
struct Filter {
    query: String,
    keep: Box<dyn Fn(&Value) -> bool>,
}

fn filter(query: impl Into<String>, keep: impl Fn(&Value) -> bool + 'static) -> Filter {
    Filter {
        query: query.into(),
        keep: Box::new(keep),
    }
}

fn field_is(name: &'static str, want: Value) -> impl Fn(&Value) -> bool {
    move |c: &Value| c[name] == want
}

#[tokio::test]
async fn the_unfiltered_list_is_newest_first_then_id_ascending() {
    let m = Mock::start().await;
    let all = calls(&m, KEY, "").await;
    assert_eq!(all.len(), 120, "Config::for_tests seeds 120 calls");
    let mut sorted = all.clone();
    sort_like_the_contract(&mut sorted);
    assert_eq!(ids(&all), ids(&sorted));
    let mut unique = ids(&all);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "no call twice across pages");
}

#[tokio::test]
async fn every_filter_alone_and_combined_matches_the_reference() {
    let m = Mock::start().await;
    let all = calls(&m, KEY, "").await;

    // Values that select something: the busiest agent and contact, and startedAt boundaries
    // that are exactly some call's startedAt (to prove inclusive/exclusive).
    let count_by = |field: &str| {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for c in &all {
            if let Some(v) = c[field].as_str() {
                match counts.iter_mut().find(|(k, _)| k == v) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((v.to_owned(), 1)),
                }
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    };
    let agent = count_by("agentId")[0].0.clone();
    let contact = count_by("contactId")[0].0.clone();
    assert!(
        count_by("contactId")[0].1 >= 2,
        "a contact with several calls"
    );
    let from = started(&all[all.len() * 3 / 4]).to_owned();
    let to = started(&all[all.len() / 4]).to_owned();
    assert!(from < to);

    let mut filters = vec![
        filter(
            format!("agentId={agent}"),
            field_is("agentId", json!(agent)),
        ),
        filter(
            format!("contactId={contact}"),
            field_is("contactId", json!(contact)),
        ),
        filter("hasRecording=true", field_is("hasRecording", json!(true))),
        filter("hasRecording=false", field_is("hasRecording", json!(false))),
    ];
    for status in ["queued", "connected", "completed", "failed"] {
        filters.push(filter(
            format!("status={status}"),
            field_is("status", json!(status)),
        ));
    }
    let (f1, t1) = (from.clone(), to.clone());
    filters.extend([
        filter(format!("dateFrom={from}"), move |c| {
            started(c) >= f1.as_str()
        }),
        filter(format!("dateTo={to}"), move |c| started(c) < t1.as_str()),
    ]);
    let (f2, t2) = (from.clone(), to.clone());
    filters.push(filter(format!("dateFrom={from}&dateTo={to}"), move |c| {
        started(c) >= f2.as_str() && started(c) < t2.as_str()
    }));
    let (a, f3) = (agent.clone(), from.clone());
    filters.push(filter(
        format!("agentId={agent}&status=completed&hasRecording=true&dateFrom={from}"),
        move |c| {
            c["agentId"] == a.as_str()
                && c["status"] == "completed"
                && c["hasRecording"] == true
                && started(c) >= f3.as_str()
        },
    ));
    let (a, ct) = (agent.clone(), contact.clone());
    filters.push(filter(
        format!("agentId={agent}&contactId={contact}"),
        move |c| c["agentId"] == a.as_str() && c["contactId"] == ct.as_str(),
    ));
    let (ct, t3) = (contact.clone(), to.clone());
    filters.push(filter(
        format!("contactId={contact}&hasRecording=true&dateTo={to}"),
        move |c| {
            c["contactId"] == ct.as_str() && c["hasRecording"] == true && started(c) < t3.as_str()
        },
    ));
    filters.push(filter("status=failed&hasRecording=true", |c| {
        c["status"] == "failed" && c["hasRecording"] == true
    }));
    let (f4, t4) = (from.clone(), to.clone());
    filters.push(filter(
        format!("status=completed&dateFrom={from}&dateTo={to}&hasRecording=false"),
        move |c| {
            c["status"] == "completed"
                && c["hasRecording"] == false
                && started(c) >= f4.as_str()
                && started(c) < t4.as_str()
        },
    ));

    let mut nonempty = 0;
    for f in &filters {
        let want: Vec<Value> = all.iter().filter(|c| (f.keep)(c)).cloned().collect();
        let got = calls(&m, KEY, &f.query).await;
        assert_eq!(ids(&got), ids(&want), "?{}", f.query);
        assert_eq!(
            got, want,
            "?{}: the same summaries as the unfiltered list",
            f.query
        );
        let (_, first) = m.get(&format!("/calls?{}&limit=1", f.query)).await;
        assert_eq!(first["total"], want.len(), "?{}", f.query);
        if !want.is_empty() {
            nonempty += 1;
        }
    }
    assert!(
        nonempty >= filters.len() - 3,
        "most filters select something"
    );
}

#[tokio::test]
async fn date_bounds_are_inclusive_from_and_exclusive_to_in_any_offset() {
    let m = Mock::start().await;
    let all = calls(&m, KEY, "").await;
    let pivot = &all[40];
    let at = started(pivot).to_owned(); // e.g. 2026-05-01T12:34:56Z
    let id = pivot["id"].as_str().unwrap().to_owned();
    let has = |list: &[Value]| list.iter().any(|c| c["id"] == id.as_str());
    let without_z = &at[..19];

    // dateFrom == startedAt includes it; dateTo == startedAt excludes it.
    assert!(has(&calls(&m, KEY, &format!("dateFrom={at}")).await));
    assert!(!has(&calls(&m, KEY, &format!("dateTo={at}")).await));
    // A millisecond later flips both.
    assert!(!has(
        &calls(&m, KEY, &format!("dateFrom={without_z}.001Z")).await
    ));
    assert!(has(
        &calls(&m, KEY, &format!("dateTo={without_z}.001Z")).await
    ));
    // Consecutive windows never double-count: [a, at) + [at, b) == [a, b).
    let first = started(&all[80]).to_owned();
    let last = started(&all[10]).to_owned();
    let left = calls(&m, KEY, &format!("dateFrom={first}&dateTo={at}")).await;
    let right = calls(&m, KEY, &format!("dateFrom={at}&dateTo={last}")).await;
    let whole = calls(&m, KEY, &format!("dateFrom={first}&dateTo={last}")).await;
    let mut joined = right.clone();
    joined.extend(left.iter().cloned());
    assert_eq!(ids(&joined), ids(&whole));
    assert!(has(&right) && !has(&left));

    // The same instant written with an offset (D-TIME: any RFC 3339 offset is accepted).
    let hour: u32 = at[11..13].parse().unwrap();
    let shifted = if hour < 22 {
        format!("{}{:02}{}%2B02:00", &at[..11], hour + 2, &at[13..19])
    } else {
        format!("{}{:02}{}-02:00", &at[..11], hour - 2, &at[13..19])
    };
    assert_eq!(
        ids(&calls(&m, KEY, &format!("dateFrom={shifted}")).await),
        ids(&calls(&m, KEY, &format!("dateFrom={at}")).await),
        "{shifted}"
    );
    assert_eq!(
        ids(&calls(&m, KEY, &format!("dateTo={shifted}")).await),
        ids(&calls(&m, KEY, &format!("dateTo={at}")).await),
        "{shifted}"
    );

    // Equal bounds are an empty window, and so are reversed bounds, in either order of the
    // parameters and across offsets: an empty page with total 0 (D-TIME).
    for q in [
        format!("dateFrom={at}&dateTo={at}"),
        format!("dateFrom={at}&dateTo={first}"),
        format!("dateTo={first}&dateFrom={last}"),
        "dateFrom=2026-05-13T02:00:00%2B02:00&dateTo=2026-05-12T23:59:59Z".to_owned(),
    ] {
        let (s, v) = m.get(&format!("/calls?{q}")).await;
        assert_eq!(
            (s, v["total"].clone(), v["data"].clone()),
            (200, json!(0), json!([])),
            "{q}"
        );
    }
    // Bounds outside the data.
    assert_eq!(
        calls(&m, KEY, "dateFrom=2100-01-01T00:00:00Z").await.len(),
        0
    );
    assert_eq!(calls(&m, KEY, "dateTo=1970-01-01T00:00:00Z").await.len(), 0);
    assert_eq!(
        calls(
            &m,
            KEY,
            "dateFrom=1970-01-01T00:00:00Z&dateTo=2100-01-01T00:00:00Z"
        )
        .await
        .len(),
        all.len()
    );
}

#[tokio::test]
async fn paging_total_and_offsets_past_the_end() {
    let m = Mock::start().await;
    for query in ["", "status=completed", "hasRecording=true&status=completed"] {
        let sep = if query.is_empty() { "" } else { "&" };
        let full = calls(&m, KEY, query).await;
        let total = full.len();
        assert!(total > 10, "{query}");
        // Pages of 7, concatenated, are the full list.
        let mut joined = Vec::new();
        let mut offset = 0;
        loop {
            let (s, page) = m
                .get(&format!("/calls?{query}{sep}limit=7&offset={offset}"))
                .await;
            assert_eq!(s, 200, "{page}");
            assert_eq!(page["total"], total, "total does not depend on the page");
            assert_eq!(page["limit"], 7);
            assert_eq!(page["offset"], offset);
            let data = page["data"].as_array().unwrap();
            assert!(data.len() <= 7);
            if data.is_empty() {
                break;
            }
            joined.extend(data.iter().cloned());
            offset += data.len();
        }
        assert_eq!(joined, full, "?{query}");
        // Arbitrary windows are slices of the full list.
        for (limit, offset) in [
            (1, 0),
            (1, total - 1),
            (5, 3),
            (100, 0),
            (100, total - 2),
            (13, 13),
        ] {
            let (_, page) = m
                .get(&format!("/calls?{query}{sep}limit={limit}&offset={offset}"))
                .await;
            let end = (offset + limit).min(total);
            assert_eq!(
                page["data"],
                json!(full[offset..end]),
                "limit={limit} offset={offset}"
            );
            assert_eq!(page["total"], total);
        }
        // Past the end: an empty page with the true total.
        for offset in [total, total + 1, 1_000_000_000] {
            let (s, page) = m.get(&format!("/calls?{query}{sep}offset={offset}")).await;
            assert_eq!(s, 200);
            assert_eq!(page["data"], json!([]), "offset={offset}");
            assert_eq!(page["total"], total);
            assert_eq!(page["offset"], offset);
            assert_eq!(page["limit"], 20);
        }
    }
}

#[tokio::test]
async fn ties_on_started_at_are_broken_by_id_ascending() {
    // The seeded data has no ties, so make some: import a copy of the workspace in which calls
    // share their startedAt in groups (connectedAt and endedAt move with it).
    let m = Mock::start().await;
    let mut doc = m.export(KEY).await;
    let base = 1_778_000_000_i64;
    for (i, c) in doc["calls"].as_array_mut().unwrap().iter_mut().enumerate() {
        let old = c["startedAt"].as_i64().unwrap();
        // 17 instants shared round-robin: each group's ids are spread over the whole id range,
        // and a later id is often older, so "newest first" and "id ascending" pull apart.
        let new = base - ((i as i64 * 7) % 17) * 60;
        let delta = new - old;
        c["startedAt"] = json!(new);
        for k in ["connectedAt", "endedAt"] {
            if let Some(t) = c[k].as_i64() {
                c[k] = json!(t + delta);
            }
        }
    }
    let (s, v) = m.import(&doc).await;
    assert_eq!(s, 200, "{v}");
    let all = calls(&m, KEY, "").await;
    let mut distinct: Vec<&str> = all.iter().map(started).collect();
    distinct.dedup();
    assert!(distinct.len() < all.len() / 2, "many ties");
    let mut sorted = all.clone();
    sort_like_the_contract(&mut sorted);
    assert_eq!(ids(&all), ids(&sorted));
    // Every filtered list keeps the same order, and paging across ties loses nothing.
    for query in [
        "status=completed",
        "hasRecording=true",
        "hasRecording=false&status=failed",
    ] {
        let got = calls(&m, KEY, query).await;
        let mut want = got.clone();
        sort_like_the_contract(&mut want);
        assert_eq!(ids(&got), ids(&want), "?{query}");
        let mut paged = Vec::new();
        for offset in (0..got.len()).step_by(3) {
            let (_, page) = m
                .get(&format!("/calls?{query}&limit=3&offset={offset}"))
                .await;
            paged.extend(page["data"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(ids(&paged), ids(&got), "?{query} in pages of 3");
    }
    // A date bound on a tied instant takes the whole group or none of it.
    let tied = started(&all[7]).to_owned();
    let group = all.iter().filter(|c| started(c) == tied).count();
    assert!(group > 1);
    let on_or_after = calls(&m, KEY, &format!("dateFrom={tied}")).await;
    let before = calls(&m, KEY, &format!("dateTo={tied}")).await;
    assert_eq!(on_or_after.len() + before.len(), all.len());
    assert_eq!(
        on_or_after.iter().filter(|c| started(c) == tied).count(),
        group
    );
}

#[tokio::test]
async fn filter_ids_that_name_nothing_here_give_an_empty_page() {
    let m = Mock::start().await;
    let all = calls(&m, KEY, "").await;
    let a_agent = all
        .iter()
        .find_map(|c| c["agentId"].as_str())
        .unwrap()
        .to_owned();
    let a_contact = all
        .iter()
        .find_map(|c| c["contactId"].as_str())
        .unwrap()
        .to_owned();
    let b_calls = calls(&m, KEY_B, "").await;
    let b_agent = b_calls
        .iter()
        .find_map(|c| c["agentId"].as_str())
        .unwrap()
        .to_owned();
    let b_contact = b_calls
        .iter()
        .find_map(|c| c["contactId"].as_str())
        .unwrap()
        .to_owned();
    // Same prefix and workspace tag, but a sequence number that was never issued.
    let never = format!("{}zzzzzz", &a_agent[..a_agent.len() - 6]);
    for query in [
        format!("agentId={b_agent}"),
        format!("contactId={b_contact}"),
        format!("agentId={never}"),
        format!("agentId={a_contact}"), // a contact id where an agent id goes
        format!("contactId={a_agent}"),
        "agentId=agt_nope".to_owned(),
        "agentId=x".to_owned(),
        "contactId=%F0%9F%93%9E".to_owned(),
        format!("contactId={}", "c".repeat(200)),
        format!("agentId={a_agent}&contactId={b_contact}"),
        format!("agentId={b_agent}&status=completed&hasRecording=true"),
    ] {
        let (s, page) = m.get(&format!("/calls?{query}")).await;
        assert_eq!(s, 200, "?{query}: {page}");
        assert_eq!(page["total"], 0, "?{query}");
        assert_eq!(page["data"], json!([]), "?{query}");
    }
    // And the other way round: A's ids mean nothing to B.
    let (_, page) = send(m.req_as(KEY_B, Method::GET, &format!("/calls?agentId={a_agent}"))).await;
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn a_deleted_agents_calls_keep_their_agent_id_and_still_filter() {
    let m = Mock::start().await;
    let all = calls(&m, KEY, "").await;
    let agent = all
        .iter()
        .find_map(|c| c["agentId"].as_str())
        .unwrap()
        .to_owned();
    let before = calls(&m, KEY, &format!("agentId={agent}")).await;
    assert!(!before.is_empty());
    let (s, _) = send(m.req(Method::DELETE, &format!("/agents/{agent}"))).await;
    assert_eq!(s, 204);
    let after = calls(&m, KEY, &format!("agentId={agent}")).await;
    assert_eq!(after, before, "D-AGENTS: past calls keep their agentId");
    // A new agent has no calls.
    let (_, created) = m.post_json("/agents", json!({ "name": "Fresh" })).await;
    let id = created["id"].as_str().unwrap();
    assert!(calls(&m, KEY, &format!("agentId={id}")).await.is_empty());
}

// ----- determinism and snapshots -----

const PLACEHOLDER: &str = "http://vici-mock.test";

async fn raw_body(m: &Mock, path: &str) -> String {
    let res = m.req(Method::GET, path).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let text = res.text().await.unwrap();
    text.replace(&m.origin(), PLACEHOLDER)
}

async fn sample(m: &Mock) -> Vec<(String, String)> {
    let (_, first) = m.get("/calls?hasRecording=true&limit=1").await;
    let id = first["data"][0]["id"].as_str().unwrap().to_owned();
    let mut out = Vec::new();
    for path in [
        "/calls?limit=20".to_owned(),
        format!("/calls/{id}"),
        "/agents".to_owned(),
        "/contacts?limit=5".to_owned(),
        "/phone-numbers/inventory/search?country=US".to_owned(),
    ] {
        let body = raw_body(m, &path).await;
        out.push((path, body));
    }
    out
}

#[tokio::test]
async fn the_same_config_gives_byte_identical_responses_and_another_seed_does_not() {
    let one = Mock::start().await;
    let two = Mock::start().await;
    assert_ne!(one.origin(), two.origin(), "two servers");
    let a = sample(&one).await;
    let b = sample(&two).await;
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{path} differs between two servers with the same config"
        );
    }
    // The recording URL really carried the origin (so the replacement above mattered).
    assert!(
        a[1].1.contains(&format!("{PLACEHOLDER}/api/v1/calls/")),
        "{}",
        a[1].1
    );

    let other = Mock::with(|c| c.seed = 43).await;
    let c = sample(&other).await;
    let differs: Vec<&str> = a
        .iter()
        .zip(&c)
        .filter(|((_, x), (_, y))| x != y)
        .map(|((p, _), _)| p.as_str())
        .collect();
    for path in ["/calls?limit=20", "/agents", "/contacts?limit=5"] {
        assert!(differs.contains(&path), "{path} is the same with --seed 43");
    }
}

/// A call detail with the origin of its recording URL replaced by a placeholder.
fn stable(mut v: Value, origin: &str) -> Value {
    if let Some(url) = v["recordingUrl"].as_str() {
        v["recordingUrl"] = json!(url.replace(origin, PLACEHOLDER));
    }
    v
}

#[tokio::test]
async fn snapshot_of_a_call_detail() {
    let m = Mock::start().await;
    let (_, first) = m
        .get("/calls?hasRecording=true&status=completed&limit=1")
        .await;
    let id = first["data"][0]["id"].as_str().unwrap().to_owned();
    let (s, call) = m.get(&format!("/calls/{id}")).await;
    assert_eq!(s, 200, "{call}");
    insta::assert_json_snapshot!("call_detail", stable(call, &m.origin()));
}

#[tokio::test]
async fn snapshot_of_the_first_two_agents() {
    let m = Mock::start().await;
    let (s, agents) = m.get("/agents?limit=2").await;
    assert_eq!(s, 200, "{agents}");
    insta::assert_json_snapshot!("agents_limit_2", agents);
}
