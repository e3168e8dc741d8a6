//! Campaigns over real sockets: calls per contact on the virtual clock, compliance pauses
//! (do-not-call, calling window) with their events, resuming, completion.

mod common;

use common::receiver::Receiver;
use common::{KEY, Mock, assert_error, send};
use reqwest::Method;
use serde_json::{Value, json};

async fn setup() -> (Mock, Receiver) {
    let rx = Receiver::start().await;
    let url = rx.url.clone();
    let mock = Mock::with(|c| c.webhooks = vec![url]).await;
    (mock, rx)
}

/// Imports a list; returns its id and the contact ids in list order.
async fn import_list(mock: &Mock, csv: &str) -> (String, Vec<String>) {
    let (s, report) = send(
        mock.req(Method::POST, "/contact-lists")
            .header("content-type", "text/csv")
            .body(csv.to_owned()),
    )
    .await;
    assert_eq!(s, 201, "{report}");
    let (_, contacts) = mock.get("/contacts?limit=100").await;
    let phones: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let ids = phones
        .iter()
        .map(|p| {
            contacts["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["phone"] == *p)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    (report["id"].as_str().unwrap().to_owned(), ids)
}

fn events(rx: &Receiver) -> Vec<(String, Value)> {
    rx.received()
        .iter()
        .map(|r| (r.event_type().to_owned(), r.json["data"].clone()))
        .collect()
}

#[tokio::test]
async fn a_campaign_calls_each_contact_pauses_for_do_not_call_and_resumes() {
    let (mock, rx) = setup().await;
    let (list, contacts) = import_list(
        &mock,
        "phone,name,doNotCall\n+14155550101,Ann Lee,false\n+14155550102,Bo Chan,true\n+14155550103,Cy Diaz,false\n",
    )
    .await;
    let (s, c) = mock
        .control(
            Method::POST,
            "/campaigns",
            Some(json!({"key": KEY, "contactListId": list, "spacingSec": 120, "durationSec": 30})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cmp_"));
    assert_eq!(c["status"], "running");
    assert_eq!(c["contactListId"], list.as_str());
    let ev = events(&rx);
    assert_eq!(ev[0].0, "campaign.started");
    assert_eq!(ev[0].1["campaign"]["id"], id.as_str());
    assert_eq!(ev[1].0, "call.queued");
    assert_eq!(ev[1].1["call"]["contactId"], contacts[0].as_str());
    assert_eq!(ev[1].1["call"]["direction"], "outbound");

    // The first call runs its course; at the next step the do-not-call contact pauses it.
    mock.advance(120.0).await;
    let ev = events(&rx);
    let types: Vec<&str> = ev.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "campaign.started",
            "call.queued",
            "call.connected",
            "call.completed",
            "campaign.compliance_paused"
        ]
    );
    let paused = &ev[4].1;
    assert_eq!(paused["reason"], "do_not_call");
    assert_eq!(paused["contactId"], contacts[1].as_str());
    assert_eq!(paused["campaign"]["status"], "compliance_paused");
    assert!(paused["message"].as_str().unwrap().contains("+14155550102"));
    for r in rx.received() {
        let hook = spec::Contract::v1().webhook(r.event_type()).unwrap();
        assert!(hook.payload.validator.is_valid(&r.json), "{}", r.json);
    }

    // Paused means no more calls, however long we wait.
    mock.advance(3600.0).await;
    assert_eq!(rx.received().len(), 5);
    let (_, view) = mock
        .control(Method::GET, &format!("/campaigns/{id}?key={KEY}"), None)
        .await;
    assert_eq!(view["status"], "compliance_paused");
    assert_eq!(view["pause"]["reason"], "do_not_call");
    assert_eq!(view["callIds"].as_array().unwrap().len(), 1);

    // Resume skips the do-not-call contact and calls the third.
    let (s, view) = mock
        .control(
            Method::POST,
            &format!("/campaigns/{id}/resume"),
            Some(json!({"key": KEY})),
        )
        .await;
    assert_eq!(s, 200, "{view}");
    let ev = events(&rx);
    assert_eq!(ev[5].0, "call.queued");
    assert_eq!(ev[5].1["call"]["contactId"], contacts[2].as_str());
    mock.advance(600.0).await;
    let (_, view) = mock
        .control(Method::GET, &format!("/campaigns/{id}?key={KEY}"), None)
        .await;
    assert_eq!(view["status"], "completed", "{view}");
    let calls = view["callIds"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    for call in calls {
        let (_, c) = mock
            .get(&format!("/calls/{}", call.as_str().unwrap()))
            .await;
        assert_eq!(c["status"], "completed");
        assert_eq!(c["durationSec"], 30);
    }
    // The campaign's calls are ordinary calls: listed, filterable by contact.
    let (_, listed) = mock.get(&format!("/calls?contactId={}", contacts[2])).await;
    assert_eq!(listed["total"], 1);

    let (s, v) = mock
        .control(
            Method::POST,
            &format!("/campaigns/{id}/resume"),
            Some(json!({"key": KEY})),
        )
        .await;
    assert_error(s, &v, 409, "conflict");
}

#[tokio::test]
async fn a_calling_window_pauses_outside_it_and_resuming_inside_goes_on() {
    let (mock, rx) = setup().await;
    let (list, _) = import_list(
        &mock,
        "phone,name\n+14155550111,Dee Ek\n+14155550112,Eli Fu\n",
    )
    .await;
    // The test clock starts at 16:00 UTC: a 09:00–12:00 window is closed.
    let (s, c) = mock
        .control(
            Method::POST,
            "/campaigns",
            Some(json!({"key": KEY, "contactListId": list, "callingWindow": {"start": "09:00", "end": "12:00"}})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["status"], "compliance_paused");
    assert_eq!(c["pause"]["reason"], "calling_window");
    let types = rx.types();
    assert_eq!(types, ["campaign.started", "campaign.compliance_paused"]);
    assert_eq!(rx.received()[1].json["data"]["reason"], "calling_window");

    // 18 hours later it is 10:00: resume, and the calls go out one minute apart.
    mock.advance(18.0 * 3600.0).await;
    let id = c["id"].as_str().unwrap();
    let (s, _) = mock
        .control(
            Method::POST,
            &format!("/campaigns/{id}/resume"),
            Some(json!({"key": KEY})),
        )
        .await;
    assert_eq!(s, 200);
    mock.advance(3600.0).await;
    let (_, view) = mock
        .control(Method::GET, &format!("/campaigns/{id}?key={KEY}"), None)
        .await;
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["callIds"].as_array().unwrap().len(), 2);
    let (_, all) = mock
        .control(Method::GET, &format!("/campaigns?key={KEY}"), None)
        .await;
    assert_eq!(all["total"], 1);
}

#[tokio::test]
async fn bad_campaigns_are_refused_with_the_field() {
    let (mock, rx) = setup().await;
    let (list, _) = import_list(&mock, "phone\n+14155550121\n").await;
    let cases = [
        (json!({"key": KEY}), "/contactListId"),
        (
            json!({"key": KEY, "contactListId": "cl_nosuchlist0"}),
            "/contactListId",
        ),
        (
            json!({"key": KEY, "contactListId": list, "agentId": "agt_x"}),
            "/agentId",
        ),
        (
            json!({"key": KEY, "contactListId": list, "spacingSec": 0}),
            "/spacingSec",
        ),
        (
            json!({"key": KEY, "contactListId": list, "durationSec": 0}),
            "/durationSec",
        ),
        (
            json!({"key": KEY, "contactListId": list, "callingWindow": {"start": "9", "end": "17:00"}}),
            "/callingWindow/start",
        ),
        (json!({"contactListId": list}), "/key"),
    ];
    for (body, pointer) in cases {
        let (s, v) = mock
            .control(Method::POST, "/campaigns", Some(body.clone()))
            .await;
        let d = assert_error(s, &v, 422, "validation_error");
        assert_eq!(d["violations"][0]["pointer"], pointer, "{body}");
    }
    let (s, v) = mock
        .control(
            Method::GET,
            &format!("/campaigns/cmp_nosuchcampaign?key={KEY}"),
            None,
        )
        .await;
    assert_error(s, &v, 404, "not_found");
    assert!(rx.received().is_empty());
}

#[tokio::test]
async fn control_query_errors_name_the_parameter() {
    let (mock, _rx) = setup().await;
    for (path, name) in [
        ("/campaigns".to_owned(), "key"),
        ("/campaigns?key=nope".to_owned(), "key"),
        (format!("/campaigns?key={KEY}&key={KEY}"), "key"),
        ("/campaigns/cmp_x?key=".to_owned(), "key"),
        ("/webhooks?key=va_short".to_owned(), "key"),
        ("/webhooks/deliveries?limit=abc".to_owned(), "limit"),
        ("/webhooks/deliveries?limit=10001".to_owned(), "limit"),
        ("/webhooks/deliveries?state=lost".to_owned(), "state"),
        (
            "/webhooks/deliveries?state=failed&state=pending".to_owned(),
            "state",
        ),
        ("/requests?limit=-1".to_owned(), "limit"),
        ("/requests?status=5".to_owned(), "status"),
        ("/state".to_owned(), "key"),
    ] {
        let (s, v) = mock.control(Method::GET, &path, None).await;
        let d = assert_error(s, &v, 400, "validation_error");
        assert_eq!(d["violations"][0]["in"], "query", "{path}: {v}");
        assert_eq!(d["violations"][0]["name"], name, "{path}: {v}");
    }
    // An empty chaos document is {}: everything off.
    let (s, v) = mock
        .control_raw(Method::PUT, "/chaos", None, Vec::new())
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["statusHeader"], false);
}

#[tokio::test]
async fn oversized_control_bodies_get_the_error_shape() {
    let (mock, _rx) = setup().await;
    let big = vec![b' '; 2 << 20];
    for path in ["/calls", "/clock/advance", "/events", "/webhooks", "/reset"] {
        let (s, v) = mock
            .control_raw(Method::POST, path, Some("application/json"), big.clone())
            .await;
        assert_error(s, &v, 413, "payload_too_large");
    }
    let res = mock
        .client
        .post(format!("{}/settings/webhooks", mock.origin()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let (s, v) = common::status_json(res).await;
    assert_error(s, &v, 413, "payload_too_large");
}
