//! Checks of one attempt on its own: signature (and the replay note), timestamp, delivery id
//! form, event type, payload. A header another check reports missing (`webhook_headers`) makes
//! these skip rather than fail twice.

use serde_json::Value;
use spec::{Binding, Contract, Rule};

use crate::checks::response::{Applied, Failure, fail_as};

use super::clock::{self, TargetClock};
use super::headers::{self, DELIVERY, EVENT, TIMESTAMP};
use super::receiver::Recorded;
use super::signature::{self, Judgement, Scheme};

/// What the attempt checks need besides the attempt.
pub struct Context<'a> {
    /// The contract (webhook schemas and header forms).
    pub contract: &'a Contract,
    /// The signature scheme, from the contract.
    pub scheme: &'a Scheme,
    /// The endpoint's secret.
    pub secret: &'a [u8],
    /// The target's clock.
    pub clock: &'a TargetClock,
    /// How far a timestamp may be from it.
    pub tolerance: std::time::Duration,
}

fn rule(binding: Binding, source: &str) -> Rule {
    Rule::new(binding, source)
}

/// `webhook_signature` and `webhook_replay` on one attempt.
pub fn signature(ctx: &Context<'_>, r: &Recorded) -> (Applied, Applied) {
    let Some(header) = r.header(&ctx.scheme.header) else {
        return (Applied::Skip, Applied::Skip);
    };
    let page = &ctx.scheme.readings[0].rule;
    let parsed = signature::parse(header);
    if parsed.v1.is_empty() {
        return (
            fail_as(
                page.clone(),
                "the signature has no v1= value",
                format!("{} is '{header}'", ctx.scheme.header),
            ),
            Applied::Skip,
        );
    }
    // The templates name the attempt's timestamp: `t=`, else the timestamp header.
    let t = parsed
        .t
        .clone()
        .or_else(|| r.header(&ctx.scheme.timestamp_header).map(str::to_owned))
        .unwrap_or_default();
    match signature::verifying(ctx.scheme, ctx.secret, &t, &r.body, &parsed.v1) {
        Some(reading) if reading.judgement == Judgement::Pass => {
            let replay = if reading.signs_timestamp() {
                Applied::Pass
            } else {
                let (rule, note) = &ctx.scheme.replay;
                fail_as(
                    rule.clone(),
                    "the timestamp is outside the signature",
                    note.clone(),
                )
            };
            (Applied::Pass, replay)
        }
        Some(reading) => (
            fail_as(
                reading.rule.clone(),
                format!(
                    "the signature covers {}, not the body alone",
                    reading.signed_payload
                ),
                reading.reason.clone(),
            ),
            if reading.signs_timestamp() {
                Applied::Pass
            } else {
                Applied::Skip
            },
        ),
        None => (
            fail_as(
                page.clone(),
                "the signature does not verify",
                format!(
                    "no v1= value equals HMAC-SHA256(secret, body) under the endpoint's secret, \
                     nor any other known reading ({}): the wrong secret, or other bytes signed",
                    ctx.scheme.readings[1..]
                        .iter()
                        .map(|r| r.signed_payload.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Applied::Skip,
        ),
    }
}

/// `webhook_timestamp` on one attempt: `t=` repeats the timestamp header, and both are fresh.
pub fn timestamp(ctx: &Context<'_>, r: &Recorded) -> Applied {
    let Some(raw) = r.header(TIMESTAMP) else {
        return Applied::Skip;
    };
    // A malformed value is `webhook_headers`' to report.
    let Ok(ts) = raw.trim().parse::<i64>() else {
        return Applied::Skip;
    };
    if let Some(t) = r
        .header(&ctx.scheme.header)
        .and_then(|h| signature::parse(h).t)
        && t != raw.trim()
    {
        return fail_as(
            rule(Binding::Contract, "D-WEBHOOK-SIGNATURE"),
            "t= differs from X-VICIagent-Timestamp",
            format!("t={t}, {TIMESTAMP}: {raw}"),
        );
    }
    let (lo, hi) = clock::window(ctx.clock, r.arrived, ctx.tolerance);
    if ts < lo || ts > hi {
        let off = if ts < lo { lo - ts } else { ts - hi };
        let clock = match ctx.clock {
            TargetClock::Wall => "the wall clock",
            TargetClock::Readings(_) => "the target's clock",
        };
        return fail_as(
            rule(Binding::Contract, "D-WEBHOOK-DELIVERY"),
            "the timestamp is not fresh",
            format!(
                "{TIMESTAMP}: {ts} is {off} s {} the {} s tolerance around {clock}",
                if ts < lo { "before" } else { "after" },
                ctx.tolerance.as_secs()
            ),
        );
    }
    Applied::Pass
}

/// The form half of `webhook_delivery_id` on one attempt: the id is a UUID.
pub fn delivery_id_form(r: &Recorded) -> Applied {
    let Some(id) = r.header(DELIVERY) else {
        return Applied::Skip;
    };
    if id.len() == 36 && uuid::Uuid::try_parse(id).is_ok() {
        Applied::Pass
    } else {
        fail_as(
            rule(Binding::Page, "\"X-VICIagent-Delivery: <uuid>\""),
            "the delivery id is not a UUID",
            format!("{DELIVERY}: '{id}'"),
        )
    }
}

/// `webhook_event_type` on one attempt: the event header equals the payload's `type`.
pub fn event_type(r: &Recorded) -> Applied {
    let (Some(header), Some(payload)) = (r.event_header(), r.payload_type()) else {
        return Applied::Skip;
    };
    if header == payload {
        Applied::Pass
    } else {
        fail_as(
            rule(Binding::Contract, "D-WEBHOOK-DELIVERY"),
            "the event header differs from the payload's type",
            format!("{EVENT}: {header}, payload type: {payload}"),
        )
    }
}

/// `webhook_payload` on one attempt: valid against the contract's schema for its type.
pub fn payload(ctx: &Context<'_>, r: &Recorded) -> Applied {
    let Some(value) = r.json() else {
        return fail_as(
            rule(Binding::Contract, "D-WEBHOOK-DELIVERY"),
            "the body is not JSON",
            format!("body: {}", crate::checks::response::excerpt(&r.body)),
        );
    };
    // The payload names its own schema; the header's is the fallback. An event type the
    // contract does not list is one a receiver must ignore (D-WEBHOOK-DELIVERY).
    let hook = value
        .get("type")
        .and_then(Value::as_str)
        .and_then(|t| ctx.contract.webhook(t))
        .or_else(|| headers::webhook_of(ctx.contract, r));
    let Some(hook) = hook else {
        return Applied::Skip;
    };
    match hook.payload.classify(&value) {
        None => Applied::Pass,
        Some(c) => Applied::Fail(Failure {
            title: format!(
                "{} payload breaks the schema at {}",
                hook.event_type, c.violation.instance_pointer
            ),
            message: format!(
                "at '{}': {} (schema {})",
                c.violation.instance_pointer, c.violation.message, c.violation.schema_path
            ),
            instance_pointer: Some(c.violation.instance_pointer),
            schema_path: Some(c.violation.schema_path),
            rule: Some(c.rule),
        }),
    }
}
