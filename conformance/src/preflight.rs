//! Preflight: before any phase, make sure the target is a VICIagent v1 API that answers, that the
//! keys work and name two workspaces, and read what the run needs to know about the target (its
//! own `openapi.json`, its rate limit).
//!
//! A wrong base URL, a server that is not v1 or a target that never answers ends the run here,
//! fast and with one message, instead of producing hundreds of "deviations" or a silent stall.

use std::time::Duration;

use serde_json::Value;

use crate::case::{Auth, Case, Expectation, Phase};
use crate::http::{Exchange, Target, TransportError};

/// Why the run cannot start against this target.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    /// The target does not answer like v1.
    #[error("use {base}: this is not a VICIagent v1 API: {what}{hint}")]
    NotV1 {
        /// The base URL given.
        base: String,
        /// What came back, in a few words ("404 text/html at /agents").
        what: String,
        /// A suggestion, with its leading separator ("; did you mean …/api/v1?"), or empty.
        hint: String,
    },
    /// A key the target refuses.
    #[error("use the {which}: the target answered {status} to GET /agents with it")]
    KeyRefused {
        /// "API key" or "second API key".
        which: &'static str,
        /// The status.
        status: u16,
    },
    /// `--api-key` and `--api-key-b` are the same key.
    #[error(
        "use two workspaces: --api-key and --api-key-b are the same key, so the isolation checks \
         would test nothing (give --api-key-b a key of another workspace, or leave it out)"
    )]
    SameKey,
    /// Nothing answered, or the answer never came.
    #[error("reach the target at {base}: {what}")]
    Unreachable {
        /// The base URL.
        base: String,
        /// What happened.
        what: String,
    },
}

impl PreflightError {
    /// Whether the cause is the target's health (exit 3) rather than the user's configuration
    /// (exit 2).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, PreflightError::Unreachable { .. })
    }
}

/// What preflight learnt.
#[derive(Debug, Clone, Default)]
pub struct Preflight {
    /// The target's own `openapi.json`, when it serves one (fetched without credentials).
    pub openapi: Option<Value>,
    /// Why no document was read (status or transport failure), for the drift report.
    pub openapi_problem: Option<String>,
    /// Requests a minute the target admits for the key (`X-RateLimit-Limit`), if it says.
    pub rate_limit: Option<u64>,
}

fn probe(path: &str, auth: Auth) -> Case {
    Case {
        id: format!("preflight{path}"),
        operation_id: None,
        phase: Phase::Examples,
        method: "GET".to_owned(),
        path: path.to_owned(),
        query: Vec::new(),
        headers: Vec::new(),
        auth,
        body: None,
        expect: Expectation::Observe,
        note: "preflight".to_owned(),
    }
}

fn media(ex: &Exchange) -> String {
    ex.header("content-type")
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "no content type".to_owned())
}

fn unreachable(target: &Target, e: &TransportError) -> PreflightError {
    let what = match e {
        TransportError::Timeout(_) => format!(
            "it accepted the connection but sent no complete answer within {}",
            seconds(target.config.timeout)
        ),
        other => other.to_string(),
    };
    PreflightError::Unreachable {
        base: target.config.base_url.clone(),
        what,
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// Whether an exchange looks like v1 answering a request for a resource list: a JSON object,
/// with a success or a refusal other than "no such path" (404) or "no such method" (405).
fn v1_like(ex: &Exchange) -> bool {
    let json = ex.json_ref().is_some_and(Value::is_object);
    match ex.status {
        404 | 405 => false,
        200..=299 | 400..=499 => json,
        _ => false,
    }
}

/// Runs the preflight with the keys of `target`.
pub async fn run(target: &Target) -> Result<Preflight, PreflightError> {
    let cfg = &target.config;
    if cfg.api_key_b.as_deref() == Some(cfg.api_key.as_str()) {
        return Err(PreflightError::SameKey);
    }
    let agents = target
        .send(&probe("/agents", Auth::Primary))
        .await
        .map_err(|e| unreachable(target, &e))?;
    let calls = target
        .send(&probe("/calls", Auth::Primary))
        .await
        .map_err(|e| unreachable(target, &e))?;
    // One of two list paths answering like v1 is enough: a target that breaks one of them (a 500
    // on /agents) is a v1 with a bug, which the phases report; neither is a wrong base URL or
    // another kind of server.
    if !v1_like(&agents) && !v1_like(&calls) {
        return Err(not_v1(target, &agents).await);
    }
    if matches!(agents.status, 401 | 403) && matches!(calls.status, 401 | 403) {
        return Err(PreflightError::KeyRefused {
            which: "API key",
            status: agents.status,
        });
    }
    if cfg.api_key_b.is_some() {
        let b = target
            .send(&probe("/agents", Auth::Secondary))
            .await
            .map_err(|e| unreachable(target, &e))?;
        if matches!(b.status, 401 | 403) {
            return Err(PreflightError::KeyRefused {
                which: "second API key",
                status: b.status,
            });
        }
    }
    let rate_limit = agents
        .header("x-ratelimit-limit")
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (openapi, openapi_problem) = match target.send(&probe("/openapi.json", Auth::None)).await {
        Ok(ex) if ex.status == 200 => match ex.json() {
            Some(v) if v.is_object() => (Some(v), None),
            _ => (
                None,
                Some(format!("200 {} that is not a JSON object", media(&ex))),
            ),
        },
        Ok(ex) => (None, Some(format!("{} {}", ex.status, media(&ex)))),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(Preflight {
        openapi,
        openapi_problem,
        rate_limit,
    })
}

/// The not-v1 error for `ex`, with a hint when the base URL lacks `/api/v1` and that URL works.
async fn not_v1(target: &Target, ex: &Exchange) -> PreflightError {
    let base = target.config.base_url.trim_end_matches('/').to_owned();
    let what = format!("{} {} at /agents", ex.status, media(ex));
    let mut hint = String::new();
    if !base.ends_with("/api/v1") {
        let origin = origin_of(&base);
        let candidate = format!("{origin}/api/v1");
        if candidate != base && answers_like_v1(target, &candidate).await {
            hint = format!("; did you mean {candidate}?");
        } else {
            hint = format!("; the base URL usually ends in /api/v1 (e.g. {candidate})");
        }
    }
    PreflightError::NotV1 { base, what, hint }
}

fn origin_of(base: &str) -> String {
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or(rest);
            format!("{scheme}://{host}")
        }
        None => base.to_owned(),
    }
}

async fn answers_like_v1(target: &Target, base: &str) -> bool {
    let Ok(other) = Target::new(crate::http::TargetConfig {
        base_url: base.to_owned(),
        ..target.config.clone()
    }) else {
        return false;
    };
    other
        .send(&probe("/agents", Auth::Primary))
        .await
        .is_ok_and(|ex| v1_like(&ex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_durations_read_well() {
        assert_eq!(origin_of("http://h:1/x/y"), "http://h:1");
        assert_eq!(origin_of("https://h"), "https://h");
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
    }
}
