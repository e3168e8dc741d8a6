//! Webhook endpoints: where deliveries go.
//!
//! Endpoints belong to a workspace (made through the control API or the settings page) or to
//! every workspace (given with `--webhook` on the command line). Each has a secret, an event
//! filter (empty means every event) and an enabled flag.

use super::{Invalid, invalid};
use serde::Serialize;
use serde_json::Value;

use crate::clock::Timestamp;

/// Largest accepted URL, secret and filter list.
const MAX_URL: usize = 2048;
const MAX_SECRET: usize = 256;

/// The event types the contract names (its `webhooks` keys).
pub(crate) fn known_event(t: &str) -> bool {
    spec::Contract::v1().webhook(t).is_some()
}

/// One webhook endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) id: String,
    /// The workspace it belongs to; `None` for command-line endpoints (every workspace).
    pub(crate) key: Option<String>,
    pub(crate) url: String,
    pub(crate) secret: String,
    /// Event types delivered; empty means all.
    pub(crate) events: Vec<String>,
    pub(crate) enabled: bool,
    pub(crate) created_ms: i64,
}

impl Endpoint {
    /// Whether this endpoint takes `event_type` events of `key`'s workspace.
    pub(crate) fn wants(&self, key: &str, event_type: &str) -> bool {
        self.enabled
            && self.key.as_deref().is_none_or(|k| k == key)
            && (self.events.is_empty() || self.events.iter().any(|e| e == event_type))
    }

    /// Whether `key` may see and manage it (command-line endpoints are visible to all, and
    /// managed by none).
    pub(crate) fn visible_to(&self, key: Option<&str>) -> bool {
        match (key, &self.key) {
            (None, _) | (_, None) => true,
            (Some(k), Some(own)) => k == own,
        }
    }

    /// The wire form on the control API.
    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(EndpointOut {
            id: &self.id,
            key: self.key.as_deref(),
            source: if self.key.is_some() { "api" } else { "cli" },
            url: &self.url,
            secret: &self.secret,
            events: &self.events,
            enabled: self.enabled,
            created_at: Timestamp::from_secs(self.created_ms.div_euclid(1000)).to_string(),
        })
        .unwrap_or(Value::Null)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EndpointOut<'a> {
    id: &'a str,
    key: Option<&'a str>,
    source: &'static str,
    url: &'a str,
    secret: &'a str,
    events: &'a [String],
    enabled: bool,
    created_at: String,
}

/// Checks a delivery URL: absolute `http` or `https` with a host.
pub(crate) fn check_url(url: &str) -> Result<(), Invalid> {
    if url.len() > MAX_URL {
        return Err(invalid("url", format!("longer than {MAX_URL} characters")));
    }
    let parsed: http::Uri = url
        .parse()
        .map_err(|e| invalid("url", format!("not a URL: {e}")))?;
    match parsed.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(invalid(
                "url",
                "must be an absolute http:// or https:// URL",
            ));
        }
    }
    if parsed.host().is_none_or(str::is_empty) {
        return Err(invalid("url", "has no host"));
    }
    Ok(())
}

/// Checks a secret: 1 to 256 printable ASCII characters.
pub(crate) fn check_secret(secret: &str) -> Result<(), Invalid> {
    if secret.is_empty() || secret.len() > MAX_SECRET {
        return Err(invalid(
            "secret",
            format!("must be 1 to {MAX_SECRET} characters"),
        ));
    }
    if !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid("secret", "must be printable ASCII without spaces"));
    }
    Ok(())
}

/// Checks an event filter: known event types, or `*` for all (stored as empty).
pub(crate) fn check_events(events: &[String]) -> Result<Vec<String>, Invalid> {
    if events.iter().any(|e| e == "*") {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::with_capacity(events.len());
    for e in events {
        if !known_event(e) {
            return Err(invalid(
                "events",
                format!("unknown event type '{e}' (use one the contract names, or '*')"),
            ));
        }
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(key: Option<&str>, events: &[&str]) -> Endpoint {
        Endpoint {
            id: "whk_1".into(),
            key: key.map(Into::into),
            url: "http://127.0.0.1:1/hook".into(),
            secret: "s".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            enabled: true,
            created_ms: 0,
        }
    }

    #[test]
    fn filters_by_workspace_event_and_enabled() {
        let own = ep(Some("va_a"), &["call.completed"]);
        assert!(own.wants("va_a", "call.completed"));
        assert!(!own.wants("va_b", "call.completed"));
        assert!(!own.wants("va_a", "call.queued"));
        let cli = ep(None, &[]);
        assert!(cli.wants("va_a", "call.queued") && cli.wants("va_b", "campaign.started"));
        let mut off = cli.clone();
        off.enabled = false;
        assert!(!off.wants("va_a", "call.queued"));
        assert!(cli.visible_to(Some("va_b")) && !own.visible_to(Some("va_b")));
    }

    #[test]
    fn validates_settings() {
        assert!(check_url("http://127.0.0.1:8080/hooks").is_ok());
        assert!(check_url("https://example.test/h").is_ok());
        for bad in ["", "ftp://x/y", "/relative", "http://", "not a url"] {
            assert_eq!(check_url(bad).unwrap_err().field, "url", "{bad:?}");
        }
        assert!(check_secret("whsec_abc").is_ok());
        assert!(check_secret("").is_err() && check_secret("a b").is_err());
        assert_eq!(
            check_events(&["*".into(), "x".into()]).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            check_events(&["call.failed".into(), "call.failed".into()]).unwrap(),
            vec!["call.failed".to_string()]
        );
        assert!(check_events(&["call.started".into()]).is_err());
    }
}
