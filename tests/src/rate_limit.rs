//! Rate-limit deviants: the real mock at v1's 300 requests a minute, its limit set wrong or its
//! refusals rewritten, each caught by the rate-limit suite (`scenarios/rate-limit.yaml`).
//!
//! They are apart from [`crate::DEVIANTS`] because every other variant runs with the limit out
//! of the way (a million a minute), where the suite is not applicable.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use conformance::profile::Profile;
use parking_lot::Mutex;
use serde_json::Value;

use crate::{Deviant, Running, body_json, mock_app, rebuild, serve};

/// v1's limit (D-RATE).
pub const V1_LIMIT: u32 = 300;

/// The catalogue.
pub const RATE_LIMIT_DEVIANTS: &[Deviant] = &[
    Deviant {
        id: "admits_301",
        breaks: "the limit is 301 requests a minute, one too many (D-RATE's sliding log; a fixed window or a token bucket may admit more)",
        caught_by: "rate_limit",
        profile: Profile::Contract,
    },
    Deviant {
        id: "never_refuses",
        breaks: "the limit is 100 000 requests a minute: 601 in a row are all admitted",
        caught_by: "rate_limit",
        profile: Profile::Page,
    },
    Deviant {
        id: "refuses_the_300th",
        breaks: "the limit is 299 requests a minute, one too few",
        caught_by: "rate_limit",
        profile: Profile::Page,
    },
    Deviant {
        id: "one_limit_for_all_keys",
        breaks: "while one key is refused, every other key is refused too",
        caught_by: "rate_limit_per_key",
        profile: Profile::Page,
    },
    Deviant {
        id: "retry_after_too_short",
        breaks: "a refusal says to wait 1 s (Retry-After too), but the key stays refused for a minute",
        caught_by: "rate_limit_recovery",
        profile: Profile::Page,
    },
    Deviant {
        id: "retry_after_header_differs",
        breaks: "Retry-After is 5 s longer than details.retryAfterSec (D-RATE)",
        caught_by: "error_shape",
        profile: Profile::Contract,
    },
    Deviant {
        id: "wrong_rate_limit_code",
        breaks: "a refusal carries the code too_many_requests, not rate_limited",
        caught_by: "rate_limit",
        profile: Profile::Page,
    },
    Deviant {
        id: "refused_with_403",
        breaks: "a refusal is a 403, not a 429 (D-RATE; the page names no status)",
        caught_by: "rate_limit",
        profile: Profile::Contract,
    },
];

/// The mock's configuration for the rate-limit runs: v1's limit, unless the deviant changes it.
pub fn config(limit: u32) -> mock_server::Config {
    let mut c = mock_server::Config::for_tests();
    c.rate_limit = limit;
    c
}

/// Starts the faithful mock at v1's limit (`None`), or deviant `id`.
pub async fn start(id: Option<&'static str>) -> Running {
    let limit = match id {
        Some("admits_301") => V1_LIMIT + 1,
        Some("never_refuses") => 100_000,
        Some("refuses_the_300th") => V1_LIMIT - 1,
        _ => V1_LIMIT,
    };
    let mut router = mock_app(config(limit));
    if let Some(id) = id {
        let refused: Arc<Mutex<Option<Refusal>>> = Arc::default();
        router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
            deviate(id, refused.clone(), req, next)
        }));
    }
    serve(router).await
}

/// A key's last refusal, which `one_limit_for_all_keys` repeats to every other key.
struct Refusal {
    key: Option<HeaderValue>,
    parts: axum::http::response::Parts,
    body: Vec<u8>,
}

async fn deviate(
    id: &'static str,
    refused: Arc<Mutex<Option<Refusal>>>,
    req: Request,
    next: Next,
) -> Response {
    let key = req.headers().get("authorization").cloned();
    let api = req.uri().path().starts_with("/api/v1/");
    // A wrong limit is not advertised: the health page says v1's, as a real implementation
    // with an off-by-one limit would believe of itself.
    if req.uri().path() == "/_mock/health" {
        let res = next.run(req).await;
        return crate::rewrite_json(res, |v| v["rateLimit"] = Value::from(V1_LIMIT)).await;
    }
    if id == "one_limit_for_all_keys" && api {
        let repeat = refused
            .lock()
            .as_ref()
            .filter(|r| r.key != key)
            .map(|r| rebuild(r.parts.clone(), r.body.clone()));
        if let Some(res) = repeat {
            return res;
        }
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::TOO_MANY_REQUESTS {
        if id == "one_limit_for_all_keys" && api {
            let mut r = refused.lock();
            if r.as_ref().is_some_and(|r| r.key == key) {
                *r = None;
            }
        }
        return res;
    }
    let (mut parts, json, bytes) = body_json(res).await;
    let Some(mut v) = json else {
        return rebuild(parts, bytes.to_vec());
    };
    let wait = v["details"]["retryAfterSec"].as_u64().unwrap_or(1);
    let set_retry_after = |parts: &mut axum::http::response::Parts, s: u64| {
        parts.headers.insert("retry-after", HeaderValue::from(s));
    };
    match id {
        "retry_after_too_short" => {
            v["details"]["retryAfterSec"] = Value::from(1);
            v["message"] = Value::from("too many requests — wait 1s");
            set_retry_after(&mut parts, 1);
        }
        "retry_after_header_differs" => set_retry_after(&mut parts, wait + 5),
        "wrong_rate_limit_code" => v["error"] = Value::from("too_many_requests"),
        "refused_with_403" => parts.status = StatusCode::FORBIDDEN,
        _ => {}
    }
    let body = serde_json::to_vec(&v).unwrap_or_default();
    if id == "one_limit_for_all_keys" {
        *refused.lock() = Some(Refusal {
            key,
            parts: parts.clone(),
            body: body.clone(),
        });
    }
    rebuild(parts, body)
}
