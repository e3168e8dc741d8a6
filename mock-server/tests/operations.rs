//! Every v1 operation over a real socket: success paths, state across requests, error paths.

mod common;

use common::{KEY, KEY_B, Mock, assert_error, send};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn lists_have_the_documented_shape_and_defaults() {
    let m = Mock::start().await;
    for path in [
        "/calls",
        "/agents",
        "/phone-numbers",
        "/contacts",
        "/phone-numbers/inventory/search?country=US",
    ] {
        let (s, v) = m.get(path).await;
        assert_eq!(s, 200, "{path}: {v}");
        assert_eq!(v["limit"], 20, "{path}");
        assert_eq!(v["offset"], 0, "{path}");
        assert!(v["total"].as_u64().unwrap() >= v["data"].as_array().unwrap().len() as u64);
    }
}

#[tokio::test]
async fn agent_lifecycle_create_patch_delete_is_reflected_in_lists() {
    let m = Mock::start().await;
    let (_, before) = m.get("/agents?limit=100").await;
    let total = before["total"].as_u64().unwrap();

    let res = m
        .req(Method::POST, "/agents")
        .json(&json!({ "name": "Zed — Renewals", "voice": { "voiceId": "orion", "language": "en-GB", "speed": 1.1 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, agent) = common::status_json(res).await;
    let id = agent["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/agents/{id}"));
    assert_eq!(agent["name"], "Zed — Renewals");
    assert_eq!(agent["voice"]["speed"], 1.1);
    assert_eq!(agent["transfer"], Value::Null, "default");

    let (_, after) = m.get("/agents?limit=100").await;
    assert_eq!(after["total"].as_u64().unwrap(), total + 1);
    assert_eq!(
        after["data"].as_array().unwrap().last().unwrap()["id"],
        id.as_str(),
        "newest last"
    );

    let (s, patched) = m
        .patch_json(&format!("/agents/{id}"), json!({ "mission": "Renew annual plans", "transfer": { "phoneNumber": "+14155550100" } }))
        .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["mission"], "Renew annual plans");
    assert_eq!(patched["name"], "Zed — Renewals", "untouched fields stay");
    assert_eq!(
        patched["transfer"]["mode"], "warm",
        "default inside transfer"
    );
    let (_, listed) = m.get("/agents?limit=100").await;
    let found = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap();
    assert_eq!(found["mission"], "Renew annual plans");

    let (s, _) = m
        .patch_json(&format!("/agents/{id}"), json!({ "transfer": null }))
        .await;
    assert_eq!(s, 200);

    let (s, body) = send(m.req(Method::DELETE, &format!("/agents/{id}"))).await;
    assert_eq!((s, body), (204, Value::Null));
    let (s, body) = send(m.req(Method::DELETE, &format!("/agents/{id}"))).await;
    assert_error(s, &body, 404, "not_found");
    let (s, body) = m
        .patch_json(&format!("/agents/{id}"), json!({ "name": "x" }))
        .await;
    assert_error(s, &body, 404, "not_found");
    let (_, gone) = m.get("/agents?limit=100").await;
    assert_eq!(gone["total"].as_u64().unwrap(), total);
    assert!(
        gone["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id.as_str())
    );
}

#[tokio::test]
async fn a_rejected_patch_changes_nothing() {
    let m = Mock::start().await;
    let (_, list) = m.get("/agents").await;
    let agent = list["data"][0].clone();
    let id = agent["id"].as_str().unwrap();
    let (s, body) = m
        .patch_json(&format!("/agents/{id}"), json!({ "name": "New", "voice": { "voiceId": "aria", "language": "en-US", "speed": 9 } }))
        .await;
    let details = assert_error(s, &body, 422, "validation_error");
    assert_eq!(details["violations"][0]["pointer"], "/voice/speed");
    let (_, again) = m.get("/agents").await;
    assert_eq!(again["data"][0], agent);
}

#[tokio::test]
async fn unknown_body_fields_are_named() {
    let m = Mock::start().await;
    let (s, body) = m.post_json("/agents", json!({ "name": "A", "nmae": "typo", "voice": { "voiceId": "aria", "language": "en-US", "speed": 1, "pitch": 2 } })).await;
    let details = assert_error(s, &body, 422, "validation_error");
    let text = details.to_string();
    assert!(text.contains("nmae"), "{text}");
    assert!(text.contains("pitch"), "{text}");
}

#[tokio::test]
async fn buying_a_number_moves_it_from_inventory_and_a_second_purchase_conflicts() {
    let m = Mock::start().await;
    let (_, inv) = m
        .get("/phone-numbers/inventory/search?country=US&areaCode=415")
        .await;
    let total = inv["total"].as_u64().unwrap();
    assert!(total > 0);
    let number = inv["data"][0]["number"].as_str().unwrap().to_owned();
    assert!(
        inv["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["areaCode"] == "415" && n["country"] == "US")
    );

    let (s, bought) = m
        .post_json("/phone-numbers", json!({ "number": number }))
        .await;
    assert_eq!(s, 201, "{bought}");
    assert_eq!(bought["number"], number.as_str());
    assert_eq!(bought["agentId"], Value::Null);

    let (_, inv2) = m
        .get("/phone-numbers/inventory/search?country=US&areaCode=415")
        .await;
    assert_eq!(inv2["total"].as_u64().unwrap(), total - 1);
    let (_, owned) = m.get("/phone-numbers?limit=100").await;
    assert!(
        owned["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["number"] == number.as_str())
    );

    let (s, body) = m
        .post_json("/phone-numbers", json!({ "number": number }))
        .await;
    assert_error(s, &body, 409, "conflict");
    let (s, body) = m
        .post_json("/phone-numbers", json!({ "number": "+19995550000" }))
        .await;
    assert_error(s, &body, 409, "conflict");
    let (s, body) = m
        .post_json("/phone-numbers", json!({ "number": "555-0100" }))
        .await;
    assert_error(s, &body, 422, "validation_error");

    // Another key's inventory is its own: the same number is not there, or is still for sale.
    let (_, other) = send(m.req_as(KEY_B, Method::GET, "/phone-numbers?limit=100")).await;
    assert!(
        other["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["number"] != number.as_str())
    );
}

#[tokio::test]
async fn the_contracts_purchase_example_buys_a_number_in_every_fresh_workspace() {
    // D-NUMBERS: every workspace's inventory offers the number of the contract's example, so
    // the example succeeds once per workspace (and then conflicts, like any second purchase).
    let m = Mock::start().await;
    let (_, doc) = m.get("/openapi.json").await;
    let example = doc["paths"]["/phone-numbers"]["post"]["requestBody"]["content"]
        ["application/json"]["examples"]["buy"]["value"]
        .clone();
    let number = example["number"].as_str().unwrap().to_owned();
    for key in [KEY, KEY_B] {
        let (_, inv) = send(m.req_as(
            key,
            Method::GET,
            "/phone-numbers/inventory/search?country=US&areaCode=415&limit=100",
        ))
        .await;
        assert!(
            inv["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["number"] == number.as_str()),
            "{key}: {inv}"
        );
        let (s, bought) = send(m.req_as(key, Method::POST, "/phone-numbers").json(&example)).await;
        assert_eq!(
            (s, bought["number"].as_str()),
            (201, Some(number.as_str())),
            "{bought}"
        );
        let (s, again) = send(m.req_as(key, Method::POST, "/phone-numbers").json(&example)).await;
        assert_error(s, &again, 409, "conflict");
    }
}

#[tokio::test]
async fn routing_assigns_clears_and_follows_agent_deletion() {
    let m = Mock::start().await;
    let (_, numbers) = m.get("/phone-numbers").await;
    let pn = numbers["data"][0]["id"].as_str().unwrap().to_owned();
    let (_, agent) = m.post_json("/agents", json!({ "name": "Router" })).await;
    let agt = agent["id"].as_str().unwrap().to_owned();

    let (s, n) = m
        .patch_json(&format!("/phone-numbers/{pn}"), json!({ "agentId": agt }))
        .await;
    assert_eq!((s, n["agentId"].clone()), (200, json!(agt)));
    let (s, n) = m
        .patch_json(&format!("/phone-numbers/{pn}"), json!({ "agentId": null }))
        .await;
    assert_eq!((s, n["agentId"].clone()), (200, Value::Null));

    let (s, body) = m
        .patch_json(
            &format!("/phone-numbers/{pn}"),
            json!({ "agentId": "agt_nope00000000" }),
        )
        .await;
    let details = assert_error(s, &body, 409, "conflict");
    assert_eq!(details["agentId"], "agt_nope00000000");

    m.patch_json(&format!("/phone-numbers/{pn}"), json!({ "agentId": agt }))
        .await;
    let (s, _) = send(m.req(Method::DELETE, &format!("/agents/{agt}"))).await;
    assert_eq!(s, 204);
    let (_, numbers) = m.get("/phone-numbers").await;
    let n = numbers["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == pn.as_str())
        .unwrap();
    assert_eq!(
        n["agentId"],
        Value::Null,
        "deleting the agent cleared routing"
    );

    let (s, body) = m
        .patch_json("/phone-numbers/pn_missing", json!({ "agentId": null }))
        .await;
    assert_error(s, &body, 404, "not_found");
}

#[tokio::test]
async fn call_detail_has_transcript_costs_that_add_up_and_a_signed_recording_url() {
    let m = Mock::start().await;
    let (_, list) = m
        .get("/calls?status=completed&hasRecording=true&limit=5")
        .await;
    let summary = &list["data"][0];
    let id = summary["id"].as_str().unwrap();
    let (s, call) = m.get(&format!("/calls/{id}")).await;
    assert_eq!(s, 200, "{call}");
    assert_eq!(call["id"], id, "the id asked for");
    for k in [
        "status",
        "startedAt",
        "durationSec",
        "agentId",
        "from",
        "to",
    ] {
        assert_eq!(call[k], summary[k], "{k} agrees with the list");
    }
    let items = call["cost"]["lineItems"].as_array().unwrap();
    let sum: i64 = items
        .iter()
        .map(|i| i["amountCents"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, call["cost"]["totalCents"].as_i64().unwrap());
    // One shape for `cost` (D-MONEY): the list's is the detail's without the line items.
    assert_eq!(call["cost"]["totalCents"], summary["cost"]["totalCents"]);
    assert_eq!(call["cost"]["currency"], summary["cost"]["currency"]);
    let mut detail_cost = call["cost"].clone();
    detail_cost.as_object_mut().unwrap().remove("lineItems");
    assert_eq!(detail_cost, summary["cost"]);
    let turns = call["transcript"].as_array().unwrap();
    assert!(!turns.is_empty());
    assert_eq!(turns[0]["speaker"], "agent", "the agent opens");
    let last_end = turns.last().unwrap()["endSec"].as_f64().unwrap();
    assert!(last_end <= call["durationSec"].as_f64().unwrap());
    let url = call["recordingUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&m.url(&format!("/calls/{id}/recording.wav?expires="))),
        "{url}"
    );
    assert!(url.contains("&signature="));

    let res = m.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/wav");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(
        bytes.len() as u64,
        44 + call["durationSec"].as_u64().unwrap() * 16_000
    );

    let tampered = url.replace("signature=", "signature=0");
    let (s, body) = send(m.client.get(tampered)).await;
    assert_error(s, &body, 403, "invalid_signature");
    let (s, body) = send(m.client.get(m.url(&format!("/calls/{id}/recording.wav")))).await;
    assert_error(s, &body, 403, "invalid_signature");
    m.advance(3_601.0).await;
    let (s, body) = send(m.client.get(url)).await;
    assert_error(s, &body, 403, "url_expired");

    let (s, body) = m.get("/calls/call_doesnotexist").await;
    assert_error(s, &body, 404, "not_found");
}

#[tokio::test]
async fn calls_without_a_recording_have_no_url() {
    let m = Mock::start().await;
    let (_, list) = m.get("/calls?hasRecording=false&limit=1").await;
    let id = list["data"][0]["id"].as_str().unwrap();
    let (_, call) = m.get(&format!("/calls/{id}")).await;
    assert_eq!(call["recordingUrl"], Value::Null);
    assert_eq!(call["recordingExpiresAt"], Value::Null);
}

#[tokio::test]
async fn csv_import_creates_a_list_merges_duplicates_and_reports_rows() {
    let m = Mock::start().await;
    let (_, before) = m.get("/contacts?limit=1").await;
    let total = before["total"].as_u64().unwrap();
    let csv = "Phone,Name,email,company\r\n+14155550123,Maria Lopez,maria@example.com,Acme\r\n+13105550162,\"Chen, Wei\",,Globex\r\n+14155550123,,maria.l@example.com,Acme Corp\r\n555-0100,Bad,,Initech\r\n";
    let (s, report) = send(
        m.req(Method::POST, "/contact-lists?name=Webinar")
            .header("content-type", "text/csv")
            .body(csv),
    )
    .await;
    assert_eq!(s, 201, "{report}");
    assert_eq!(report["name"], "Webinar");
    assert_eq!(report["rows"], 4);
    assert_eq!(report["created"], 2);
    assert_eq!(report["merged"], 1);
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["contactCount"], 2);
    assert_eq!(report["errors"][0]["row"], 5);
    assert_eq!(
        report["errors"][0]["column"], "Phone",
        "the header as written in the file"
    );

    let (_, after) = m.get(&format!("/contacts?limit=5&offset={total}")).await;
    assert_eq!(after["total"].as_u64().unwrap(), total + 2);
    let maria = &after["data"][0];
    assert_eq!(maria["phone"], "+14155550123");
    assert_eq!(maria["name"], "Maria Lopez", "an empty cell does not erase");
    assert_eq!(
        maria["email"], "maria.l@example.com",
        "a later non-empty value wins"
    );
    assert_eq!(maria["customFields"]["company"], "Acme Corp");
    assert_eq!(maria["listIds"][0], report["id"]);
    assert_eq!(after["data"][1]["name"], "Chen, Wei");
}

#[tokio::test]
async fn a_csv_that_does_not_parse_or_lacks_phone_imports_nothing() {
    let m = Mock::start().await;
    let before = m.export(KEY).await;
    let cases: &[(&str, &str, u16)] = &[
        ("phone,name\n+14155550123,\"unterminated\n", "text/csv", 400),
        ("phone,name\n+14155550123,a,extra\n", "text/csv", 400),
        ("name,email\nA,a@example.com\n", "text/csv", 422),
        ("", "text/csv", 400),
        ("\n\n", "text/csv", 422),
        ("phone\n+14155550123\n", "application/json", 415),
        ("phone\n+14155550123\n", "text/plain", 415),
    ];
    for (body, ct, want) in cases {
        let (s, v) = send(
            m.req(Method::POST, "/contact-lists")
                .header("content-type", *ct)
                .body(*body),
        )
        .await;
        let code = if *want == 415 {
            "unsupported_media_type"
        } else {
            "validation_error"
        };
        assert_error(s, &v, *want, code);
    }
    let (s, v) = send(
        m.req(Method::POST, "/contact-lists")
            .header("content-type", "text/csv")
            .body(vec![b'p', b'h', 0xff, 0xfe]),
    )
    .await;
    assert_error(s, &v, 400, "validation_error");
    assert_eq!(m.export(KEY).await, before, "nothing was imported");
}

#[tokio::test]
async fn the_document_is_served_byte_for_byte_without_a_key() {
    let m = Mock::start().await;
    let res = m.client.get(m.url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-ratelimit-limit"));
    assert_eq!(res.text().await.unwrap(), spec::OPENAPI_JSON);
}
