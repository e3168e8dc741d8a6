//! Webhook deviants: the real mock misbehaving when it sends, each caught by one webhook check
//! of the runner's receiver; and the exercise that makes the mock send every event type.
//!
//! A deviant is the mock with a test-only hook on its outgoing attempts
//! (`mock_server::test_hooks`, reachable only from code, never from the `vici-mock` command
//! line), or with one of the mock's own settings where it already misbehaves on request: the
//! Stripe-style signature option (D-WEBHOOK-SIGNATURE) and out-of-order chaos (D-CHAOS).

use std::time::Duration;

use axum::body::Bytes;
use conformance::profile::Profile;
use conformance::webhook::{ClockReading, Matcher, Receiver, TargetClock, read_mock_clock};
use mock_server::test_hooks::{OutgoingHook, Tamper};
use serde_json::{Value, json};

use crate::Running;

/// The workspace key the exercise uses.
pub const KEY: &str = "va_webhooks_e2e_key_0001";
/// The secret the receiver is registered with.
pub const SECRET: &str = "whsec_e2e_receiver_secret";

/// One webhook deviant.
#[derive(Debug, Clone, Copy)]
pub struct WebhookDeviant {
    /// Stable id.
    pub id: &'static str,
    /// What it breaks.
    pub breaks: &'static str,
    /// The check that must report it.
    pub caught_by: &'static str,
    /// The weakest profile under which that check fails: the binding of the broken rule.
    pub profile: Profile,
}

/// The catalogue.
pub const WEBHOOK_DEVIANTS: &[WebhookDeviant] = &[
    WebhookDeviant {
        id: "signature_over_other_bytes",
        breaks: "v1= is the HMAC of the body with a trailing newline, not of the bytes sent",
        caught_by: "webhook_signature",
        profile: Profile::Page,
    },
    WebhookDeviant {
        id: "signature_with_wrong_secret",
        breaks: "v1= is computed with another secret than the endpoint's",
        caught_by: "webhook_signature",
        profile: Profile::Page,
    },
    WebhookDeviant {
        id: "signs_timestamp_and_body",
        breaks: "v1= is the HMAC of \"{t}.{body}\" (the mock's Stripe-style option): a receiver that follows the page rejects it",
        caught_by: "webhook_signature",
        profile: Profile::Page,
    },
    WebhookDeviant {
        id: "missing_timestamp_header",
        breaks: "X-VICIagent-Timestamp is left out",
        caught_by: "webhook_headers",
        profile: Profile::Page,
    },
    WebhookDeviant {
        id: "stale_timestamp",
        breaks: "attempts are stamped an hour before the target's clock",
        caught_by: "webhook_timestamp",
        profile: Profile::Contract,
    },
    WebhookDeviant {
        id: "delivery_id_changes_on_retry",
        breaks: "a retry carries a new delivery id",
        caught_by: "webhook_delivery_id",
        profile: Profile::Contract,
    },
    WebhookDeviant {
        id: "event_header_disagrees",
        breaks: "call.connected events are sent with X-VICIagent-Event: call.queued",
        caught_by: "webhook_event_type",
        profile: Profile::Contract,
    },
    WebhookDeviant {
        id: "payload_field_renamed",
        breaks: "call.completed payloads carry data.call.duration instead of durationSec",
        caught_by: "webhook_payload",
        profile: Profile::Contract,
    },
    WebhookDeviant {
        id: "no_retry",
        breaks: "a refused attempt is never retried",
        caught_by: "webhook_retry",
        profile: Profile::Contract,
    },
    WebhookDeviant {
        id: "compliance_pause_never_sent",
        breaks: "campaign.compliance_paused, one of the page's event types, is never sent",
        caught_by: "webhook_delivered",
        profile: Profile::Page,
    },
    WebhookDeviant {
        id: "out_of_order",
        breaks: "first attempts are held back behind the next delivery (chaos reorderRate 1)",
        caught_by: "webhook_order",
        profile: Profile::Strict,
    },
];

fn hook(f: impl Fn(&mut Tamper) + Send + Sync + 'static) -> Option<OutgoingHook> {
    Some(OutgoingHook::new(f))
}

/// Renames `data.call.durationSec` of a call.completed body.
fn rename_duration(body: &Bytes) -> Bytes {
    let mut v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(call) = v.pointer_mut("/data/call").and_then(Value::as_object_mut)
        && let Some(d) = call.remove("durationSec")
    {
        call.insert("duration".into(), d);
    }
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}

/// The mock's configuration for deviant `id` (the faithful mock for `None`).
pub fn config(id: Option<&str>) -> mock_server::Config {
    let mut c = mock_server::Config::for_tests();
    c.webhook_timeout_ms = 2_000;
    c.outgoing_hook = match id {
        Some("signature_over_other_bytes") => hook(|a| {
            let mut signed = a.body.to_vec();
            signed.push(b'\n');
            a.signed_body = Some(Bytes::from(signed));
        }),
        Some("signature_with_wrong_secret") => {
            hook(|a| a.secret = "whsec_not_the_endpoints".into())
        }
        Some("missing_timestamp_header") => {
            hook(|a| a.omit_headers.push("X-VICIagent-Timestamp".into()))
        }
        Some("stale_timestamp") => hook(|a| a.timestamp -= 3_600),
        Some("delivery_id_changes_on_retry") => hook(|a| {
            if a.attempt > 1 {
                a.delivery_id = uuid::Uuid::from_u128(a.delivery_id.as_u128() ^ 0xff);
            }
        }),
        Some("event_header_disagrees") => hook(|a| {
            if a.event_type == "call.connected" {
                a.event_type = "call.queued".into();
            }
        }),
        Some("payload_field_renamed") => hook(|a| {
            if a.event_type == "call.completed" {
                a.body = rename_duration(&a.body);
            }
        }),
        Some("no_retry") => hook(|a| a.send = a.attempt == 1),
        Some("compliance_pause_never_sent") => {
            hook(|a| a.send = a.event_type != "campaign.compliance_paused")
        }
        _ => None,
    };
    if id == Some("signs_timestamp_and_body") {
        c.webhook_signature = mock_server::config::SignatureScheme::TimestampBody;
    }
    c
}

/// The chaos settings deviant `id` needs, if any (`PUT /_mock/chaos`).
pub fn chaos(id: Option<&str>) -> Option<Value> {
    (id == Some("out_of_order")).then(|| json!({"webhooks": {"reorderRate": 1.0}}))
}

/// Starts the mock as deviant `id` says (the faithful mock for `None`).
pub async fn start(id: Option<&'static str>) -> Running {
    crate::start_with_config(config(id), None).await
}

/// A small client for the mock's control API and v1.
pub struct Mock {
    client: reqwest::Client,
    /// `http://ADDR/api/v1`.
    pub base_url: String,
    /// `http://ADDR/_mock`.
    pub control_url: String,
}

impl Mock {
    /// A client for `running`.
    pub fn of(running: &Running) -> Mock {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Mock {
            client: reqwest::Client::new(),
            base_url: running.base_url.clone(),
            control_url: format!("{}/_mock", running.base_url.trim_end_matches("/api/v1")),
        }
    }

    /// A control request; panics unless it answers 2xx.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self
            .client
            .request(method, format!("{}{path}", self.control_url))
            .json(&body)
            .send()
            .await
            .expect("the control API answers");
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    /// A reading of the mock's virtual clock.
    pub async fn clock(&self) -> ClockReading {
        read_mock_clock(&self.client, &self.control_url)
            .await
            .expect("the clock reads")
    }

    /// Moves the virtual clock; the answer comes after every job due by then has run.
    pub async fn advance(&self, seconds: u64) {
        self.control(
            reqwest::Method::POST,
            "/clock/advance",
            json!({ "seconds": seconds }),
        )
        .await;
    }

    /// Imports contacts with `POST /contact-lists`; returns the list id.
    pub async fn import(&self, csv: &str) -> String {
        let res = self
            .client
            .post(format!("{}/contact-lists", self.base_url))
            .bearer_auth(KEY)
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .expect("the import answers");
        assert_eq!(res.status().as_u16(), 201);
        let v: Value = res.json().await.unwrap_or(Value::Null);
        v["id"].as_str().expect("a list id").to_owned()
    }
}

/// Every event type the contract lists, as the exercise causes them.
pub const EVENT_TYPES: [&str; 6] = [
    "call.queued",
    "call.connected",
    "call.completed",
    "call.failed",
    "campaign.started",
    "campaign.compliance_paused",
];

/// Registers `rx` with the mock (with [`SECRET`]), sets the deviant's chaos, then causes all six
/// event types: a completed call and a failed one through `/_mock/calls`, and a campaign whose
/// second contact is do-not-call through `/_mock/campaigns`. The lifecycle runs on the virtual
/// clock, moved in two jumps; the readings around them are the target's clock for freshness.
pub async fn exercise(mock: &Mock, rx: &Receiver, chaos: Option<Value>) -> TargetClock {
    use reqwest::Method;
    let mut readings = vec![mock.clock().await];
    mock.control(
        Method::POST,
        "/webhooks",
        json!({"key": KEY, "url": rx.url(), "secret": SECRET}),
    )
    .await;
    if let Some(c) = chaos {
        mock.control(Method::PUT, "/chaos", c).await;
    }
    mock.control(
        Method::POST,
        "/calls",
        json!({"key": KEY, "ringSec": 5, "durationSec": 30}),
    )
    .await;
    // The first call connects before anything else is sent, so out-of-order chaos holds its
    // queued event back behind its own connected one.
    readings.push(mock.clock().await);
    mock.advance(10).await;
    readings.push(mock.clock().await);
    mock.control(
        Method::POST,
        "/calls",
        json!({"key": KEY, "outcome": "failed", "failureReason": "busy", "ringSec": 3}),
    )
    .await;
    let list = mock
        .import("phone,name,doNotCall\n+14155550101,Ann Lee,false\n+14155550102,Bo Chan,true\n")
        .await;
    mock.control(
        Method::POST,
        "/campaigns",
        json!({"key": KEY, "contactListId": list, "spacingSec": 120, "durationSec": 30}),
    )
    .await;
    readings.push(mock.clock().await);
    // Past the pause at 120 s and every retry (5 s after a refused attempt, plus jitter), and
    // past out-of-order chaos' 60 s hold.
    mock.advance(300).await;
    readings.push(mock.clock().await);
    TargetClock::Readings(readings)
}

/// Waits up to `deadline` (real time, though the mock has delivered everything before its
/// answers) for one delivery of each event type; returns the types that never came.
pub async fn missing_event_types(rx: &Receiver, deadline: Duration) -> Vec<&'static str> {
    let mut missing = Vec::new();
    for t in EVENT_TYPES {
        if rx.wait_for(&Matcher::event(t), deadline).await.is_err() {
            missing.push(t);
        }
    }
    missing
}
