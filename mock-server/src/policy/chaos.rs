//! Chaos for integrators: latency, an error rate per operation, and a request header that forces
//! an error status on one request. All off by default, seeded, and changeable at run time through
//! `GET`/`PUT /_mock/chaos` (webhook faults live in `sim` and are part of the same document).
//!
//! Chaos applies to v1 operations after authentication and the rate limit (a forced or random
//! error still counts against the key, as a real one would) and before validation. Every chaos
//! answer is the documented error shape, with `details.chaos` saying which fault made it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use rand::{RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;

/// The header that forces a status (`X-Mock-Status: 503`), when enabled.
pub(crate) const STATUS_HEADER: HeaderName = HeaderName::from_static("x-mock-status");

/// A latency distribution, in milliseconds: `"150"` (fixed), `"50-250"` (uniform),
/// `"normal:200,50"` (mean, standard deviation; never below 0) or `"exp:100"` (exponential
/// with that mean). Capped at 60 s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Latency {
    Fixed(f64),
    Uniform(f64, f64),
    Normal(f64, f64),
    Exponential(f64),
}

/// Longest injected delay.
const MAX_LATENCY_MS: f64 = 60_000.0;

impl Latency {
    /// Parses the forms above.
    pub(crate) fn parse(s: &str) -> Result<Latency, String> {
        let num = |t: &str| -> Result<f64, String> {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && (0.0..=MAX_LATENCY_MS).contains(v))
                .ok_or_else(|| format!("'{t}' is not a number of milliseconds from 0 to 60000"))
        };
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("normal:") {
            let (m, sd) = rest
                .split_once(',')
                .ok_or("normal:MEAN,SD needs both numbers")?;
            return Ok(Latency::Normal(num(m)?, num(sd)?));
        }
        if let Some(rest) = s.strip_prefix("exp:") {
            return Ok(Latency::Exponential(num(rest)?));
        }
        if let Some((a, b)) = s.split_once('-') {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(format!("'{s}': the range's start is above its end"));
            }
            return Ok(Latency::Uniform(a, b));
        }
        Ok(Latency::Fixed(num(s)?))
    }

    fn sample(self, rng: &mut ChaCha8Rng) -> Duration {
        let ms = match self {
            Latency::Fixed(v) => v,
            Latency::Uniform(a, b) if a < b => rng.random_range(a..b),
            Latency::Uniform(a, _) => a,
            Latency::Normal(mean, sd) => {
                // Box–Muller.
                let u1: f64 = rng.random_range(f64::EPSILON..1.0);
                let u2: f64 = rng.random_range(0.0..1.0);
                mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            }
            Latency::Exponential(mean) => -mean * rng.random_range(f64::EPSILON..1.0f64).ln(),
        };
        Duration::from_micros((ms.clamp(0.0, MAX_LATENCY_MS) * 1000.0) as u64)
    }

    fn describe(self) -> String {
        match self {
            Latency::Fixed(v) => format!("{v}"),
            Latency::Uniform(a, b) => format!("{a}-{b}"),
            Latency::Normal(m, sd) => format!("normal:{m},{sd}"),
            Latency::Exponential(m) => format!("exp:{m}"),
        }
    }
}

/// The HTTP chaos settings (the wire form of `GET`/`PUT /_mock/chaos`, minus `webhooks`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct HttpChaos {
    /// Delay before every v1 answer; see [`Latency`].
    #[serde(default)]
    pub(crate) latency: Option<String>,
    /// Probability of a 500 `internal_error` per operationId; `"*"` for every operation.
    #[serde(default)]
    pub(crate) error_rates: BTreeMap<String, f64>,
    /// Whether `X-Mock-Status` (or Prism's `Prefer: code=…`) forces a status.
    #[serde(default)]
    pub(crate) status_header: bool,
}

impl HttpChaos {
    /// Checks every setting; the error names the field.
    pub(crate) fn check(&self) -> Result<Option<Latency>, (&'static str, String)> {
        let latency = self
            .latency
            .as_deref()
            .map(Latency::parse)
            .transpose()
            .map_err(|e| ("latency", e))?;
        for (op, rate) in &self.error_rates {
            if op != "*" && spec::Contract::v1().operation(op).is_none() {
                return Err((
                    "errorRates",
                    format!("'{op}' is not an operationId of the contract (or '*')"),
                ));
            }
            if !(0.0..=1.0).contains(rate) {
                return Err((
                    "errorRates",
                    format!("the rate of '{op}' must be between 0 and 1"),
                ));
            }
        }
        Ok(latency)
    }

    fn is_off(&self) -> bool {
        self.latency.is_none()
            && self.error_rates.values().all(|r| *r == 0.0)
            && !self.status_header
    }
}

struct Active {
    settings: HttpChaos,
    latency: Option<Latency>,
    rng: ChaCha8Rng,
}

/// The chaos of one running mock.
pub(crate) struct Chaos {
    /// A lock-free "nothing to do" for the hot path.
    on: AtomicBool,
    active: Mutex<Active>,
}

/// What chaos decided for one request.
pub(crate) enum Verdict {
    /// Go on, after this delay (if any).
    Proceed(Option<Duration>),
    /// Answer this instead, after this delay (if any).
    Answer(Option<Duration>, Box<Response>),
}

impl Chaos {
    /// Chaos with `settings` (already checked) and a seed.
    pub(crate) fn new(settings: HttpChaos, seed: u64) -> Chaos {
        let latency = settings.check().ok().flatten();
        Chaos {
            on: AtomicBool::new(!settings.is_off()),
            active: Mutex::new(Active {
                settings,
                latency,
                rng: ChaCha8Rng::seed_from_u64(seed),
            }),
        }
    }

    /// The settings in force.
    pub(crate) fn settings(&self) -> HttpChaos {
        let a = self.active.lock();
        let mut s = a.settings.clone();
        s.latency = a.latency.map(Latency::describe);
        s
    }

    /// Replaces the settings; refused (with the field) if any is invalid.
    pub(crate) fn set(&self, settings: HttpChaos) -> Result<(), (&'static str, String)> {
        let latency = settings.check()?;
        let mut a = self.active.lock();
        self.on.store(!settings.is_off(), Ordering::Release);
        a.settings = settings;
        a.latency = latency;
        Ok(())
    }

    /// Decides for one request of `operation_id`.
    pub(crate) fn decide(&self, operation_id: &str, method: &str, headers: &HeaderMap) -> Verdict {
        if !self.on.load(Ordering::Acquire) {
            return Verdict::Proceed(None);
        }
        let mut a = self.active.lock();
        let Active {
            settings,
            latency,
            rng,
        } = &mut *a;
        let delay = latency.map(|l| l.sample(rng));
        if settings.status_header
            && let Some(raw) = forced_status(headers)
        {
            return Verdict::Answer(delay, Box::new(forced(&raw, method)));
        }
        let rate = settings
            .error_rates
            .get(operation_id)
            .or_else(|| settings.error_rates.get("*"))
            .copied()
            .unwrap_or(0.0);
        if rate > 0.0 && rng.random_bool(rate.min(1.0)) {
            let e = ApiError::with_code(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                format!("chaos: a random failure of {operation_id} (error rate {rate})"),
                json!({ "chaos": "errorRate", "operationId": operation_id, "rate": rate }),
            );
            return Verdict::Answer(delay, Box::new(e.into_response()));
        }
        Verdict::Proceed(delay)
    }
}

/// Marks a response that chaos made: it is exempt from `--validate-responses`, because a forced
/// 503 or a random 500 is the deviation the user asked for, not a bug of the mock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Injected;

/// Carries out a verdict: waits out the latency, and returns the answer to send instead of
/// running the operation, if chaos decided one.
pub(crate) async fn carry_out(verdict: Verdict) -> Option<Response> {
    match verdict {
        Verdict::Proceed(None) => None,
        Verdict::Proceed(Some(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        Verdict::Answer(delay, res) => {
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            let mut res = *res;
            res.extensions_mut().insert(Injected);
            Some(res)
        }
    }
}

/// The status a request asks for: `X-Mock-Status: 503` or `Prefer: code=503`.
fn forced_status(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(&STATUS_HEADER) {
        return Some(String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
    }
    headers
        .get_all(header::HeaderName::from_static("prefer"))
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .find_map(|p| p.trim().strip_prefix("code=").map(|c| c.trim().to_owned()))
}

/// The statuses a request can force (D-CHAOS): those whose code the `Error` schema has, and
/// the gateway 5xx. Each is answered with the code the contract pairs with it
/// ([`spec::rules::code_for`]).
pub(crate) const FORCIBLE: &[u16] = &[
    400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 504,
];

/// The answer for a forced status, or a 400 naming the header when it is not one we can force.
fn forced(raw: &str, method: &str) -> Response {
    let found = raw
        .parse::<u16>()
        .ok()
        .filter(|c| FORCIBLE.contains(c))
        .and_then(|c| Some((c, spec::rules::code_for(c)?)));
    let Some((status, code)) = found else {
        let supported: Vec<String> = FORCIBLE.iter().map(u16::to_string).collect();
        let reason = format!(
            "'{raw}' is not a status the mock can force ({})",
            supported.join(", ")
        );
        return ApiError::with_code(
            StatusCode::BAD_REQUEST,
            "validation_error",
            format!("request header X-Mock-Status is invalid: {reason}"),
            json!({ "violations": [{ "in": "header", "name": "X-Mock-Status", "reason": reason }] }),
        )
        .into_response();
    };
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = format!("chaos: status {status} forced by the request");
    let details = match code {
        "validation_error" => json!({
            "chaos": "forcedStatus",
            "violations": [{ "in": "header", "name": "X-Mock-Status", "reason": format!("forced {status}") }],
        }),
        "rate_limited" => json!({ "chaos": "forcedStatus", "retryAfterSec": 1 }),
        "method_not_allowed" => json!({ "chaos": "forcedStatus", "allow": [method] }),
        _ => json!({ "chaos": "forcedStatus" }),
    };
    let mut res = ApiError::with_code(status_code, code, message, details).into_response();
    let h = res.headers_mut();
    match status {
        401 => {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"viciagent\""),
            );
        }
        429 => {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        405 => {
            if let Ok(v) = HeaderValue::from_str(method) {
                h.insert(header::ALLOW, v);
            }
        }
        _ => {}
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    /// D-CHAOS: every forcible status has a code, and it is the one the contract pairs with it.
    #[test]
    fn every_forcible_status_has_the_contracts_code() {
        for &status in FORCIBLE {
            let code = spec::rules::code_for(status);
            assert!(code.is_some(), "{status}");
            if status >= 500 {
                assert_eq!(code, Some("internal_error"), "{status}");
            } else {
                assert_eq!(code, spec::rules::codes_for(status).first().copied());
            }
        }
        assert_eq!(spec::rules::code_for(403), Some("forbidden"));
    }

    #[test]
    fn latency_forms_parse_and_sample_within_bounds() {
        assert_eq!(Latency::parse("150"), Ok(Latency::Fixed(150.0)));
        assert_eq!(Latency::parse("50-250"), Ok(Latency::Uniform(50.0, 250.0)));
        assert_eq!(
            Latency::parse("normal:200,50"),
            Ok(Latency::Normal(200.0, 50.0))
        );
        assert_eq!(Latency::parse("exp:100"), Ok(Latency::Exponential(100.0)));
        for bad in ["", "x", "-5", "300-100", "normal:1", "70000", "NaN"] {
            assert!(Latency::parse(bad).is_err(), "{bad:?}");
        }
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..1000 {
            let d = Latency::Uniform(50.0, 250.0).sample(&mut rng).as_secs_f64() * 1000.0;
            assert!((50.0..250.0).contains(&d));
            let n = Latency::Normal(10.0, 50.0).sample(&mut rng);
            assert!(n.as_secs_f64() >= 0.0);
        }
        let mean: f64 = (0..4000)
            .map(|_| Latency::Exponential(100.0).sample(&mut rng).as_secs_f64() * 1000.0)
            .sum::<f64>()
            / 4000.0;
        assert!((85.0..115.0).contains(&mean), "{mean}");
    }

    #[test]
    fn off_by_default_and_seeded() {
        let c = Chaos::new(HttpChaos::default(), 1);
        assert!(matches!(
            c.decide("getCall", "GET", &HeaderMap::new()),
            Verdict::Proceed(None)
        ));
        let rates = |seed| {
            let c = Chaos::new(
                HttpChaos {
                    error_rates: [("*".to_owned(), 0.5)].into(),
                    ..Default::default()
                },
                seed,
            );
            (0..64)
                .map(|_| {
                    matches!(
                        c.decide("getCall", "GET", &HeaderMap::new()),
                        Verdict::Answer(..)
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(rates(7), rates(7));
        assert_ne!(rates(7), rates(8));
        let hits = rates(7).iter().filter(|h| **h).count();
        assert!((16..48).contains(&hits), "{hits}");
    }

    #[test]
    fn settings_are_checked() {
        let bad = |s: HttpChaos| s.check().unwrap_err().0;
        assert_eq!(
            bad(HttpChaos {
                latency: Some("x".into()),
                ..Default::default()
            }),
            "latency"
        );
        assert_eq!(
            bad(HttpChaos {
                error_rates: [("nope".into(), 0.1)].into(),
                ..Default::default()
            }),
            "errorRates"
        );
        assert_eq!(
            bad(HttpChaos {
                error_rates: [("*".into(), 1.5)].into(),
                ..Default::default()
            }),
            "errorRates"
        );
    }

    #[test]
    fn prefer_code_is_read_like_prism() {
        let mut h = HeaderMap::new();
        h.insert("prefer", HeaderValue::from_static("example=x, code=404"));
        assert_eq!(forced_status(&h).as_deref(), Some("404"));
        h.insert(STATUS_HEADER, HeaderValue::from_static(" 503 "));
        assert_eq!(forced_status(&h).as_deref(), Some("503"));
    }
}
