//! The stateful phase: multi-step flows that only a stateful implementation passes, and that
//! stateless mocks (Prism, stripe-mock) cannot. Create and read back, patch and read back,
//! delete and use after delete, buy and conflict, route, isolation between two keys, list
//! order and paging, cost arithmetic and id echo on call detail.

use serde_json::Value;

use crate::case::{Auth, Body, Expectation, Phase};
use crate::checks::response::Applied;
use crate::fixtures::Fixtures;
use crate::runner::Shared;
use crate::steps::{body_of, json, manual, status_of, step, verdict};

/// About how many requests the stateful phase sends (for the plan).
pub(crate) const ESTIMATE: usize = 45;

fn accept(statuses: &[u16]) -> Expectation {
    Expectation::accept(statuses)
}

fn reject(status: u16, error: &str) -> Expectation {
    Expectation::reject(status, error, Vec::new())
}

fn get(id: String, op: &str, path: String, query: &[(&str, String)]) -> crate::case::Case {
    let mut c = manual(id, Some(op), Phase::Stateful, "GET", path);
    c.query = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    c.expect = accept(&[200]);
    c
}

/// Every item of a list, paging 100 at a time (bounded: 20 pages).
async fn list_all(shared: &Shared, id: &str, op: &str, path: &str, auth: Auth) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 0..20 {
        let mut c = get(
            format!("{id}/page{page}"),
            op,
            path.to_owned(),
            &[
                ("limit", "100".to_owned()),
                ("offset", (page * 100).to_string()),
            ],
        );
        c.auth = auth.clone();
        let r = step(shared, c, |_| Vec::new()).await;
        let v = body_of(&r);
        let data = v["data"].as_array().cloned().unwrap_or_default();
        let n = data.len();
        out.extend(data);
        if n < 100 {
            break;
        }
    }
    out
}

fn has_id(items: &[Value], id: &str) -> bool {
    items.iter().any(|i| i["id"] == id)
}

pub(crate) async fn run(shared: &Shared, fx: &Fixtures) {
    agents(shared).await;
    numbers(shared, fx).await;
    calls(shared, fx).await;
    contacts(shared).await;
}

async fn agents(shared: &Shared) {
    let name = format!("{} agent", shared.exec.target.guard().tag());
    let mut c = manual(
        "stateful/agent/create".into(),
        Some("createAgent"),
        Phase::Stateful,
        "POST",
        "/agents".into(),
    );
    c.body = json(serde_json::json!({ "name": name, "mission": "Conformance probe" }));
    c.expect = accept(&[201]);
    let created = step(shared, c, |_| Vec::new()).await;
    let Some(id) = body_of(&created)["id"].as_str().map(str::to_owned) else {
        return;
    };
    let listed = list_all(
        shared,
        "stateful/agent/list",
        "listAgents",
        "/agents",
        Auth::Primary,
    )
    .await;
    record(
        shared,
        "stateful/agent/listed",
        "listAgents",
        "create_read_back",
        has_id(&listed, &id),
        "a created agent is not listed",
        format!("{id} not among {} agents", listed.len()),
    );
    order_check(shared, "stateful/agent/order", "listAgents", &listed, false);

    let mut c = manual(
        "stateful/agent/patch".into(),
        Some("updateAgent"),
        Phase::Stateful,
        "PATCH",
        format!("/agents/{id}"),
    );
    c.body = json(serde_json::json!({ "mission": "Patched by vici-conformance" }));
    c.expect = accept(&[200]);
    let idc = id.clone();
    let name_c = name.clone();
    let _ = step(shared, c, move |r| {
        let b = body_of(r);
        vec![
            (
                "id_echo",
                verdict(
                    b["id"] == idc.as_str(),
                    "PATCH answers another id",
                    format!("asked {idc}, got {}", b["id"]),
                ),
            ),
            (
                "patch_read_back",
                verdict(
                    b["mission"] == "Patched by vici-conformance" && b["name"] == name_c.as_str(),
                    "the PATCH response does not show the change alone",
                    b.to_string(),
                ),
            ),
        ]
    })
    .await;
    let listed = list_all(
        shared,
        "stateful/agent/list-after-patch",
        "listAgents",
        "/agents",
        Auth::Primary,
    )
    .await;
    let entry = listed
        .iter()
        .find(|a| a["id"] == id.as_str())
        .cloned()
        .unwrap_or(Value::Null);
    record(
        shared,
        "stateful/agent/patched",
        "listAgents",
        "patch_read_back",
        entry["mission"] == "Patched by vici-conformance",
        "a patched field does not read back",
        entry.to_string(),
    );

    if shared.exec.target.config.api_key_b.is_some() {
        let mut c = manual(
            "stateful/isolation/patch".into(),
            Some("updateAgent"),
            Phase::Stateful,
            "PATCH",
            format!("/agents/{id}"),
        );
        c.auth = Auth::Secondary;
        c.body = json(serde_json::json!({ "name": "stolen" }));
        c.expect = reject(404, "not_found");
        let _ = step(shared, c, |r| {
            vec![(
                "isolation",
                verdict(
                    status_of(r) == 404,
                    "another key can patch this key's agent",
                    format!("status {}", status_of(r)),
                ),
            )]
        })
        .await;
        let mut c = manual(
            "stateful/isolation/delete".into(),
            Some("deleteAgent"),
            Phase::Stateful,
            "DELETE",
            format!("/agents/{id}"),
        );
        c.auth = Auth::Secondary;
        c.expect = reject(404, "not_found");
        let _ = step(shared, c, |r| {
            vec![(
                "isolation",
                verdict(
                    status_of(r) == 404,
                    "another key can delete this key's agent",
                    format!("status {}", status_of(r)),
                ),
            )]
        })
        .await;
        let theirs = list_all(
            shared,
            "stateful/isolation/list",
            "listAgents",
            "/agents",
            Auth::Secondary,
        )
        .await;
        record(
            shared,
            "stateful/isolation/listed",
            "listAgents",
            "isolation",
            !has_id(&theirs, &id),
            "another key lists this key's agent",
            id.clone(),
        );
    }

    let mut c = manual(
        "stateful/agent/delete".into(),
        Some("deleteAgent"),
        Phase::Stateful,
        "DELETE",
        format!("/agents/{id}"),
    );
    c.expect = accept(&[204]);
    let _ = step(shared, c, |_| Vec::new()).await;
    for (n, method, body) in [
        ("again", "DELETE", None),
        (
            "patch",
            "PATCH",
            json(serde_json::json!({ "name": "ghost" })),
        ),
    ] {
        let op = if method == "DELETE" {
            "deleteAgent"
        } else {
            "updateAgent"
        };
        let mut c = manual(
            format!("stateful/agent/after-delete/{n}"),
            Some(op),
            Phase::Stateful,
            method,
            format!("/agents/{id}"),
        );
        c.body = body;
        c.expect = reject(404, "not_found");
        let _ = step(shared, c, |r| {
            vec![(
                "use_after_delete",
                verdict(
                    status_of(r) == 404,
                    "a deleted agent is still reachable",
                    format!("{method} got {}", status_of(r)),
                ),
            )]
        })
        .await;
    }
    let listed = list_all(
        shared,
        "stateful/agent/list-after-delete",
        "listAgents",
        "/agents",
        Auth::Primary,
    )
    .await;
    record(
        shared,
        "stateful/agent/gone",
        "listAgents",
        "use_after_delete",
        !has_id(&listed, &id),
        "a deleted agent is still listed",
        id,
    );
}

async fn numbers(shared: &Shared, fx: &Fixtures) {
    // With purchases capped, the number the run bought for itself stands in for a fresh one.
    let pn = match buy(shared).await {
        Some(pn) => pn,
        None => match fx.owned_numbers.first() {
            Some((id, _)) => id.clone(),
            None => return,
        },
    };
    route(shared, fx, &pn).await;
}

/// Buys a number and checks the purchase reads back and conflicts when repeated; the new id.
async fn buy(shared: &Shared) -> Option<String> {
    // Read the inventory now: earlier phases may have bought what discovery saw.
    let fresh = get(
        "stateful/number/available".into(),
        "searchPhoneNumberInventory",
        "/phone-numbers/inventory/search".into(),
        &[("country", "US".to_owned()), ("limit", "100".to_owned())],
    );
    let available = body_of(&step(shared, fresh, |_| Vec::new()).await);
    let number = available["data"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|n| n["number"].as_str())
        .map(str::to_owned)?;
    let mut c = manual(
        "stateful/number/buy".into(),
        Some("buyPhoneNumber"),
        Phase::Stateful,
        "POST",
        "/phone-numbers".into(),
    );
    c.body = json(serde_json::json!({ "number": number }));
    c.expect = accept(&[201]);
    let bought = step(shared, c, |_| Vec::new()).await;
    if status_of(&bought) != 201 {
        return None;
    }
    let pn = body_of(&bought)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let owned = list_all(
        shared,
        "stateful/number/list",
        "listPhoneNumbers",
        "/phone-numbers",
        Auth::Primary,
    )
    .await;
    record(
        shared,
        "stateful/number/listed",
        "listPhoneNumbers",
        "create_read_back",
        has_id(&owned, &pn),
        "a bought number is not listed",
        pn.clone(),
    );
    let mut c = manual(
        "stateful/number/buy-again".into(),
        Some("buyPhoneNumber"),
        Phase::Stateful,
        "POST",
        "/phone-numbers".into(),
    );
    c.body = json(serde_json::json!({ "number": number }));
    c.expect = reject(409, "conflict");
    let _ = step(shared, c, |_| Vec::new()).await;
    let inv = get(
        "stateful/number/inventory".into(),
        "searchPhoneNumberInventory",
        "/phone-numbers/inventory/search".into(),
        &[("country", "US".to_owned()), ("limit", "100".to_owned())],
    );
    let num = number.clone();
    let _ = step(shared, inv, move |r| {
        let still = body_of(r)["data"]
            .as_array()
            .is_some_and(|a| a.iter().any(|n| n["number"] == num.as_str()));
        vec![(
            "create_read_back",
            verdict(
                !still,
                "a bought number is still in the inventory",
                num.clone(),
            ),
        )]
    })
    .await;
    Some(pn)
}

/// Routes the run's own number `pn` to one of the run's own agents and clears it again.
async fn route(shared: &Shared, fx: &Fixtures, pn: &str) {
    if let Some(agent) = fx.owned_agents.first().cloned() {
        for (n, v) in [
            ("assign", Value::from(agent.clone())),
            ("clear", Value::Null),
        ] {
            let mut c = manual(
                format!("stateful/number/route/{n}"),
                Some("updatePhoneNumber"),
                Phase::Stateful,
                "PATCH",
                format!("/phone-numbers/{pn}"),
            );
            c.body = json(serde_json::json!({ "agentId": v }));
            c.expect = accept(&[200]);
            let (pn2, v2) = (pn.to_owned(), v.clone());
            let _ = step(shared, c, move |r| {
                let b = body_of(r);
                vec![
                    (
                        "id_echo",
                        verdict(
                            b["id"] == pn2.as_str(),
                            "PATCH answers another number",
                            b["id"].to_string(),
                        ),
                    ),
                    (
                        "patch_read_back",
                        verdict(
                            b["agentId"] == v2,
                            "routing does not read back",
                            b["agentId"].to_string(),
                        ),
                    ),
                ]
            })
            .await;
        }
    }
}

async fn calls(shared: &Shared, fx: &Fixtures) {
    for (i, id) in fx.calls.iter().take(5).enumerate() {
        let c = get(
            format!("stateful/call/{i}"),
            "getCall",
            format!("/calls/{id}"),
            &[],
        );
        let idc = id.clone();
        let _ = step(shared, c, move |r| {
            let b = body_of(r);
            let items = b["cost"]["lineItems"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let sum: i64 = items.iter().filter_map(|i| i["amountCents"].as_i64()).sum();
            let total = b["cost"]["totalCents"].as_i64();
            vec![
                (
                    "id_echo",
                    verdict(
                        b["id"] == idc.as_str(),
                        "call detail answers another id",
                        format!("asked {idc}, got {}", b["id"]),
                    ),
                ),
                (
                    "cost_sum",
                    verdict(
                        total == Some(sum),
                        "cost total differs from the sum of line items",
                        match total {
                            Some(t) => format!("totalCents {t}, line items sum to {sum}"),
                            None => format!("no totalCents; line items sum to {sum}"),
                        },
                    ),
                ),
            ]
        })
        .await;
    }
    // Order and paging: two pages of ten equal one page of twenty.
    let whole = get(
        "stateful/calls/page20".into(),
        "listCalls",
        "/calls".into(),
        &[("limit", "20".to_owned())],
    );
    let w = body_of(&step(shared, whole, |_| Vec::new()).await)["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut halves = Vec::new();
    for off in [0, 10] {
        let c = get(
            format!("stateful/calls/page10-{off}"),
            "listCalls",
            "/calls".into(),
            &[("limit", "10".to_owned()), ("offset", off.to_string())],
        );
        halves.extend(
            body_of(&step(shared, c, |_| Vec::new()).await)["data"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    let ids = |v: &[Value]| v.iter().map(|c| c["id"].clone()).collect::<Vec<_>>();
    record(
        shared,
        "stateful/calls/paging",
        "listCalls",
        "list_order",
        ids(&w) == ids(&halves),
        "pages are not consistent",
        "offset 0 + offset 10 (limit 10) differ from limit 20".to_owned(),
    );
    order_check(shared, "stateful/calls/order", "listCalls", &w, true);
}

async fn contacts(shared: &Shared) {
    let before = get(
        "stateful/contacts/before".into(),
        "listContacts",
        "/contacts".into(),
        &[("limit", "1".to_owned())],
    );
    let t0 = body_of(&step(shared, before, |_| Vec::new()).await)["total"].as_u64();
    let s = shared.cfg.seed % 10_000;
    let csv = format!(
        "phone,name\r\n+1415{s:04}901,Conformance One\r\n+1415{s:04}902,Conformance Two\r\n"
    );
    let mut c = manual(
        "stateful/contacts/import".into(),
        Some("importContactList"),
        Phase::Stateful,
        "POST",
        "/contact-lists".into(),
    );
    c.query = vec![("name".into(), format!("vc-{}", shared.cfg.seed))];
    c.body = Some(Body {
        content_type: Some("text/csv".into()),
        bytes: csv.into_bytes(),
    });
    c.expect = accept(&[201]);
    let r = step(shared, c, |_| Vec::new()).await;
    let created = body_of(&r)["created"].as_u64().unwrap_or(0);
    let after = get(
        "stateful/contacts/after".into(),
        "listContacts",
        "/contacts".into(),
        &[("limit", "1".to_owned())],
    );
    let t1 = body_of(&step(shared, after, |_| Vec::new()).await)["total"].as_u64();
    if let (Some(a), Some(b)) = (t0, t1) {
        record(
            shared,
            "stateful/contacts/read-back",
            "listContacts",
            "create_read_back",
            b == a + created,
            "imported contacts are not all listed",
            format!("total {a} then {b}, {created} created"),
        );
    }
}

/// D-LIST: calls newest first by startedAt then id; everything else oldest first by createdAt
/// then id.
fn order_check(shared: &Shared, id: &str, op: &str, items: &[Value], newest_first: bool) {
    let key = |v: &Value| {
        let t = v[if newest_first {
            "startedAt"
        } else {
            "createdAt"
        }]
        .as_str()
        .unwrap_or("")
        .to_owned();
        (t, v["id"].as_str().unwrap_or("").to_owned())
    };
    let bad = items.windows(2).find(|w| {
        let (a, b) = (key(&w[0]), key(&w[1]));
        if newest_first {
            a.0 < b.0 || (a.0 == b.0 && a.1 > b.1)
        } else {
            a > b
        }
    });
    let msg = bad
        .map(|w| format!("{} before {}", w[0]["id"], w[1]["id"]))
        .unwrap_or_default();
    record(
        shared,
        id,
        op,
        "list_order",
        bad.is_none(),
        "a list is out of the documented order",
        msg,
    );
}

/// Emits a verdict that needs no new request, on a synthetic record of its own.
fn record(
    shared: &Shared,
    id: &str,
    op: &str,
    check: &'static str,
    ok: bool,
    title: &str,
    message: String,
) {
    let case = manual(
        id.to_owned(),
        Some(op),
        Phase::Stateful,
        "GET",
        String::new(),
    );
    let v: Applied = verdict(ok, title, message);
    let rec = shared.exec.derived(case, vec![(check, v)]);
    shared.emit(rec);
}
