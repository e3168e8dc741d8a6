//! `webhook_headers`: the four `X-VICIagent-*` headers are present and of the forms the page
//! shows, the request is a `POST` of `application/json` (D-WEBHOOK-DELIVERY).
//!
//! The header forms are the contract's header parameters of the webhook, each with its own
//! binding (page for the form the page shows, contract for lowercase hex), as
//! `response_headers` judges response headers: every header is judged and the strongest
//! broken rule is reported.

use serde_json::Value;
use spec::{Binding, Contract, Rule, Webhook};

use crate::checks::response::{Applied, fail_as};

use super::receiver::Recorded;

/// The event type header, exactly as the page spells it.
pub const EVENT: &str = "X-VICIagent-Event";
/// The delivery id header.
pub const DELIVERY: &str = "X-VICIagent-Delivery";
/// The timestamp header.
pub const TIMESTAMP: &str = "X-VICIagent-Timestamp";
/// The signature header.
pub const SIGNATURE: &str = "X-VICIagent-Signature";
/// The four, in the page's order.
pub const ALL: [&str; 4] = [EVENT, DELIVERY, TIMESTAMP, SIGNATURE];

fn delivery_rule() -> Rule {
    Rule::new(Binding::Contract, "D-WEBHOOK-DELIVERY")
}

/// The contract's webhook for `r`: by its event header, else by its payload's `type`; `None`
/// for an event type the contract does not list.
pub fn webhook_of<'c>(contract: &'c Contract, r: &Recorded) -> Option<&'c Webhook> {
    r.event_header()
        .and_then(|t| contract.webhook(t))
        .or_else(|| r.payload_type().and_then(|t| contract.webhook(&t)))
}

/// `webhook_headers` on one attempt.
pub fn check(contract: &Contract, r: &Recorded) -> Applied {
    let own = webhook_of(contract, r);
    // An event type the contract does not list may be legitimate (D-WEBHOOK-DELIVERY: "more
    // event types"); its headers still have the common forms, so any webhook's parameters
    // judge them, except the event header's `const`.
    let Some(hook) = own.or_else(|| contract.webhooks().first()) else {
        return Applied::Skip;
    };
    let mut verdicts: Vec<(Binding, Applied)> = Vec::new();
    for name in ALL {
        let param = hook
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name));
        let rule = param.map_or_else(
            || Rule::new(Binding::Page, format!("\"{name}\"")),
            |p| p.rule.clone(),
        );
        match (r.header(name), param) {
            (None, _) => verdicts.push((
                rule.binding,
                fail_as(
                    rule.clone(),
                    format!("header {name} is missing"),
                    "the page names it on every delivery".to_owned(),
                ),
            )),
            (Some(_), _) if name == EVENT && own.is_none() => {}
            (Some(raw), Some(p)) => {
                if let Some(v) = p.validator.violations(&Value::from(raw)).into_iter().next() {
                    // The failing keyword's binding (page for the form, contract for
                    // lowercase hex) is the parameter schema's.
                    let at = spec::binding::rule_at(&p.schema, &v.schema_path);
                    verdicts.push((
                        at.binding,
                        fail_as(
                            at,
                            format!("header {name} is malformed"),
                            format!("'{raw}': {}", v.message),
                        ),
                    ));
                }
            }
            (Some(_), None) => {}
        }
    }
    if !r.method.eq_ignore_ascii_case("POST") {
        verdicts.push((
            Binding::Contract,
            fail_as(
                delivery_rule(),
                format!("a delivery is sent with {}", r.method),
                "every delivery is a POST".to_owned(),
            ),
        ));
    }
    let ct = r.header("content-type").unwrap_or_default();
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        verdicts.push((
            Binding::Contract,
            fail_as(
                delivery_rule(),
                format!("a delivery has Content-Type '{ct}'"),
                "every delivery is application/json".to_owned(),
            ),
        ));
    }
    verdicts
        .into_iter()
        .min_by_key(|(b, _)| *b)
        .map_or(Applied::Pass, |(_, v)| v)
}
