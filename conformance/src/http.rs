//! Sending cases: one HTTP client with connection reuse, capped bodies, timeouts, no redirects,
//! and pacing by the rate-limit headers the target advertises.
//!
//! A hostile target is a finding, never a crash or a hang: every exchange has a deadline, bodies
//! are read up to a cap, redirects are not followed (a 3xx is reported as an undocumented
//! status), and every transport failure becomes a `TransportError` value.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::case::{Auth, Case};

/// A response, as far as the runner needs it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercase, in order.
    pub headers: Vec<(String, String)>,
    /// The body, up to the cap.
    pub body: Vec<u8>,
    /// Whether the body was longer than the cap (the rest was not read).
    pub truncated: bool,
    /// Round-trip time including the body.
    pub elapsed: Duration,
    /// The body parsed as JSON, once: several checks read it.
    pub parsed: std::sync::OnceLock<Option<serde_json::Value>>,
}

impl Exchange {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON (parsed on first use).
    pub fn json_ref(&self) -> Option<&serde_json::Value> {
        self.parsed
            .get_or_init(|| serde_json::from_slice(&self.body).ok())
            .as_ref()
    }

    /// An owned copy of [`Exchange::json_ref`].
    pub fn json(&self) -> Option<serde_json::Value> {
        self.json_ref().cloned()
    }
}

/// Why no (complete) response came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer within the deadline (an endless stream ends here too).
    #[error("no complete response within {0:?}")]
    Timeout(Duration),
    /// The connection could not be made.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The connection broke or the response was not HTTP.
    #[error("the exchange failed: {0}")]
    Broken(String),
    /// The safety guard did not let the request out (nothing was sent).
    #[error("not sent: {0}")]
    Withheld(crate::safety::Withheld),
}

/// Credentials and where to send.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// Base URL, e.g. `http://127.0.0.1:4010/api/v1`.
    pub base_url: String,
    /// The primary key.
    pub api_key: String,
    /// The second key, for isolation checks.
    pub api_key_b: Option<String>,
    /// Deadline of one exchange.
    pub timeout: Duration,
    /// Most body bytes read.
    pub max_body: usize,
}

/// A target to send cases to.
pub struct Target {
    /// Where and with what.
    pub config: TargetConfig,
    client: reqwest::Client,
    pacer: Pacer,
    health: Health,
    guard: std::sync::Arc<crate::safety::Guard>,
    budget: Option<u64>,
    admitted: std::sync::atomic::AtomicU64,
}

/// Consecutive transport failures after which the target counts as down and the run stops: a
/// few, so a single reset is a finding, and a target that stopped answering ends the run within
/// about twice the timeout (the requests in flight when it happens time out together).
pub const DOWN_AFTER: usize = 5;

/// Whether the target still answers, and how many requests the run may still send.
#[derive(Default)]
struct Health {
    consecutive_failures: std::sync::atomic::AtomicUsize,
    last_failure: Mutex<Option<String>>,
    sent: std::sync::atomic::AtomicU64,
}

/// Why a target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The base URL is not a URL.
    #[error("use '{0}' as a base URL: it must be http:// or https:// followed by a host")]
    BadUrl(String),
    /// The HTTP client could not be built.
    #[error("build the HTTP client: {0}")]
    Client(String),
}

impl Target {
    /// A target with a pooled client.
    pub fn new(config: TargetConfig) -> Result<Target, TargetError> {
        let url = &config.base_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
            return Err(TargetError::BadUrl(url.clone()));
        }
        install_crypto();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .user_agent(concat!("vici-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TargetError::Client(e.to_string()))?;
        Ok(Target {
            config,
            client,
            pacer: Pacer::default(),
            health: Health::default(),
            guard: std::sync::Arc::new(crate::safety::Guard::open()),
            budget: None,
            admitted: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Paces by advancing the virtual clock of the control API at `control_url` instead of
    /// sleeping (the mock's `/_mock/clock/advance`), so a run against a mock with a real rate
    /// limit stays fast.
    pub fn pace_with_clock(&mut self, control_url: &str) {
        self.pacer.clock = Some((
            control_url.trim_end_matches('/').to_owned(),
            self.client.clone(),
        ));
    }

    /// Puts `guard` in front of every request this target sends.
    pub fn guard_with(&mut self, guard: std::sync::Arc<crate::safety::Guard>) {
        self.guard = guard;
    }

    /// Sends at most `budget` cases through [`Target::send`]; the rest are withheld
    /// ([`crate::safety::Withheld::Budget`]). The cleanup ([`Target::send_cleanup`]) is outside it.
    pub fn with_budget(&mut self, budget: Option<u64>) {
        self.budget = budget;
    }

    /// Whether the request budget is spent.
    pub fn budget_spent(&self) -> bool {
        self.budget
            .is_some_and(|b| self.admitted.load(std::sync::atomic::Ordering::SeqCst) >= b)
    }

    /// The safety guard in front of every request.
    pub fn guard(&self) -> &crate::safety::Guard {
        &self.guard
    }

    /// Why the target counts as down (several consecutive transport failures), if it does.
    pub fn down(&self) -> Option<String> {
        use std::sync::atomic::Ordering::Relaxed;
        (self.health.consecutive_failures.load(Relaxed) >= DOWN_AFTER).then(|| {
            let last = self.health.last_failure.lock().clone().unwrap_or_default();
            format!(
                "the target stopped answering: {DOWN_AFTER} requests in a row failed (the last: {last})"
            )
        })
    }

    /// Requests sent so far (each attempt, retries included).
    pub fn sent(&self) -> u64 {
        self.health.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn observe_result(&self, r: &Result<Exchange, TransportError>) {
        use std::sync::atomic::Ordering::Relaxed;
        match r {
            Ok(_) => self.health.consecutive_failures.store(0, Relaxed),
            Err(e) => {
                *self.health.last_failure.lock() = Some(e.to_string());
                self.health.consecutive_failures.fetch_add(1, Relaxed);
            }
        }
    }

    /// Sends `case` and reads the answer, within the deadline. Waits first if the target's
    /// rate-limit headers say the key is out of requests; retries (up to three times) a 429
    /// after its `Retry-After`, since a refusal caused by our own pace says nothing about the
    /// case.
    ///
    /// The safety guard sees the case first: a request it withholds is never sent
    /// ([`TransportError::Withheld`]), and it learns how every sent one ended.
    pub async fn send(&self, case: &Case) -> Result<Exchange, TransportError> {
        self.take_budget()?;
        self.send_cleanup(case).await
    }

    /// Sends `case` once as it is, within the budget and past the guard like [`Target::send`],
    /// but without waiting for the rate limit's window and without retrying a 429: for the
    /// scenarios that test the rate limit itself, which the pacing would hide. The pacer still
    /// learns from the answer, so the requests after it wait for the window.
    pub async fn send_unpaced(&self, case: &Case) -> Result<Exchange, TransportError> {
        self.take_budget()?;
        let ticket = self.guard.admit(case).map_err(TransportError::Withheld)?;
        if let Some(why) = self.down() {
            return Err(TransportError::Broken(why));
        }
        self.health
            .sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let result = self.send_once(case).await;
        self.observe_result(&result);
        if let Ok(ex) = &result {
            self.pacer.observe(&case.auth, ex);
        }
        self.guard.settle(ticket, case, &result);
        result
    }

    /// One request of the budget, or why none is left.
    fn take_budget(&self) -> Result<(), TransportError> {
        if let Some(b) = self.budget
            && self
                .admitted
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                >= b
        {
            let w = crate::safety::Withheld::Budget(b);
            self.guard.count_withheld(&w);
            return Err(TransportError::Withheld(w));
        }
        Ok(())
    }

    /// Lets `d` pass: on the target's virtual clock when the run paces by one, else by sleeping.
    pub async fn let_pass(&self, d: Duration) {
        self.pacer.pass(d).await;
    }

    /// [`Target::send`] outside the request budget, for the cleanup at the end of a run: the
    /// guard still sees it.
    pub async fn send_cleanup(&self, case: &Case) -> Result<Exchange, TransportError> {
        let ticket = self.guard.admit(case).map_err(TransportError::Withheld)?;
        let result = self.send_admitted(case).await;
        self.guard.settle(ticket, case, &result);
        result
    }

    async fn send_admitted(&self, case: &Case) -> Result<Exchange, TransportError> {
        let mut attempts = 0;
        let mut stale_retry = true;
        loop {
            if let Some(why) = self.down() {
                return Err(TransportError::Broken(why));
            }
            self.pacer.wait(&case.auth).await;
            self.health
                .sent
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let result = self.send_once(case).await;
            self.observe_result(&result);
            let ex = match result {
                // A pooled keep-alive connection the server closed (after refusing an oversized
                // body, say) fails before the request is sent; one fresh attempt is the fix.
                Err(TransportError::Broken(m)) if stale_retry && stale_connection(case, &m) => {
                    stale_retry = false;
                    continue;
                }
                other => other?,
            };
            self.pacer.observe(&case.auth, &ex);
            if ex.status == 429 && attempts < 3 {
                attempts += 1;
                let wait = ex
                    .header("retry-after")
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(60);
                self.pacer.pass(Duration::from_secs(wait)).await;
                continue;
            }
            return Ok(ex);
        }
    }

    async fn send_once(&self, case: &Case) -> Result<Exchange, TransportError> {
        let method = reqwest::Method::from_bytes(case.method.as_bytes())
            .map_err(|e| TransportError::Broken(format!("bad method {}: {e}", case.method)))?;
        let mut req = self.client.request(method, case.url(&self.config.base_url));
        match &case.auth {
            Auth::Primary => req = req.bearer_auth(&self.config.api_key),
            Auth::Secondary => {
                if let Some(k) = &self.config.api_key_b {
                    req = req.bearer_auth(k);
                }
            }
            Auth::None => {}
            Auth::Raw(v) => req = req.header("authorization", v),
        }
        for (k, v) in &case.headers {
            req = req.header(k, v);
        }
        if let Some(b) = &case.body {
            if let Some(ct) = &b.content_type {
                req = req.header("content-type", ct);
            }
            req = req.body(b.bytes.clone());
        }
        let started = Instant::now();
        let deadline = self.config.timeout;
        let max = self.config.max_body;
        let fut = async move {
            let mut res = req.send().await.map_err(classify)?;
            let status = res.status().as_u16();
            let headers = res
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = res.chunk().await.map_err(classify)? {
                let room = max.saturating_sub(body.len());
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Exchange {
                status,
                headers,
                body,
                truncated,
                elapsed: started.elapsed(),
                parsed: std::sync::OnceLock::new(),
            })
        };
        match tokio::time::timeout(deadline, fut).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(deadline)),
        }
    }
}

/// Whether a failure is a pooled keep-alive connection that the server had already closed: the
/// request never reached the server, so sending it once more on a fresh connection is safe. A
/// broken pipe while sending an oversized body is not that: the server refused that very body.
fn stale_connection(case: &Case, message: &str) -> bool {
    let oversized = matches!(
        case.expect,
        crate::case::Expectation::Reject { status: 413, .. }
    );
    message.contains("connection closed before message completed")
        || (!oversized && (message.contains("Broken pipe") || message.contains("writing a body")))
}

/// reqwest is built with rustls but no provider (so the workspace builds no C crypto): choose
/// ring once for the process. Idempotent.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn classify(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout(Duration::ZERO)
    } else if e.is_connect() {
        TransportError::Connect(source_chain(&e))
    } else {
        TransportError::Broken(source_chain(&e))
    }
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Paces requests by the target's `X-RateLimit-Remaining` and `X-RateLimit-Reset`: when a few
/// requests remain, wait until the window frees up. Against a mock started with a high limit it
/// never waits; against a real 300-a-minute key it never trips the limit by accident. With a
/// control API it advances the target's virtual clock instead of sleeping.
///
/// The limit is per key (D-RATE), so the pacer keeps one window per credential a case carries:
/// key B's answer says nothing of key A's window.
#[derive(Default)]
struct Pacer {
    state: Mutex<std::collections::HashMap<Bucket, (u64, Instant)>>,
    clock: Option<(String, reqwest::Client)>,
}

/// Which window a case's credential counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bucket {
    Primary,
    Secondary,
    /// No key, or a raw Authorization header: the target counts these however it counts them;
    /// kept apart from the keys.
    Other,
}

impl Bucket {
    fn of(auth: &Auth) -> Bucket {
        match auth {
            Auth::Primary => Bucket::Primary,
            Auth::Secondary => Bucket::Secondary,
            Auth::None | Auth::Raw(_) => Bucket::Other,
        }
    }
}

/// Requests kept in reserve so concurrent workers do not overshoot.
const RESERVE: u64 = 8;

/// A reset above this is an epoch time (GitHub's convention), not a number of seconds (the IETF
/// draft's and ours, D-RATE).
const EPOCH_THRESHOLD: u64 = 1_000_000_000;

impl Pacer {
    async fn wait(&self, auth: &Auth) {
        let bucket = Bucket::of(auth);
        let until = {
            let s = self.state.lock();
            match s.get(&bucket) {
                Some(&(remaining, reset_at))
                    if remaining <= RESERVE && reset_at > Instant::now() =>
                {
                    Some(reset_at)
                }
                _ => None,
            }
        };
        if let Some(t) = until {
            self.pass(t.saturating_duration_since(Instant::now())).await;
            self.state.lock().remove(&bucket);
        }
    }

    /// Lets `d` pass: on the target's virtual clock where there is one, else by sleeping.
    async fn pass(&self, d: Duration) {
        if let Some((control, client)) = &self.clock {
            let seconds = d.as_secs_f64().ceil().max(1.0) as u64;
            let advanced = client
                .post(format!("{control}/clock/advance"))
                .json(&serde_json::json!({ "seconds": seconds }))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if advanced {
                return;
            }
        }
        tokio::time::sleep(d).await;
    }

    fn observe(&self, auth: &Auth, ex: &Exchange) {
        let remaining = ex
            .header("x-ratelimit-remaining")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let reset = ex
            .header("x-ratelimit-reset")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let (Some(r), Some(s)) = (remaining, reset) {
            let wait = reset_seconds(s, now_epoch());
            self.state.lock().insert(
                Bucket::of(auth),
                (r, Instant::now() + Duration::from_secs(wait.min(3_600))),
            );
        }
    }
}

/// Seconds until the window resets, from `X-RateLimit-Reset` read as delta seconds or, when it is
/// that large, as an epoch time.
fn reset_seconds(reset: u64, now_epoch: u64) -> u64 {
    if reset >= EPOCH_THRESHOLD {
        reset.saturating_sub(now_epoch)
    } else {
        reset
    }
}

fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The origin of an absolute `http`/`https` URL: scheme, host and port, lowercase, with the
/// default port made explicit (RFC 6454), so `http://H` and `http://h:80` are one origin.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let has_port = host
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    Some(if has_port {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{default}")
    })
}

/// Resolves a `Location` header against the URL that answered it (RFC 9110, 10.2.2): absolute,
/// scheme-relative, path-absolute or relative to the request's directory.
pub fn resolve_location(request_url: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.contains("://") {
        return origin(location).map(|_| location.to_owned());
    }
    let (scheme, rest) = request_url.split_once("://")?;
    if let Some(net) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{net}"));
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if location.starts_with('/') {
        return Some(format!("{scheme}://{authority}{location}"));
    }
    let path = rest[authority.len()..]
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    Some(format!("{scheme}://{authority}{dir}{location}"))
}

/// Splits an absolute URL into the path a [`Case`] carries and its decoded query pairs: the path
/// relative to `base_url` when the URL lies under it, else the URL itself without its query.
pub fn split_url(base_url: &str, url: &str) -> (String, Vec<(String, String)>) {
    let (without_query, query) = url.split_once('?').unwrap_or((url, ""));
    let without_query = without_query.split('#').next().unwrap_or("");
    let base = base_url.trim_end_matches('/');
    let base_path = base
        .split_once("://")
        .map(|(_, r)| r.find('/').map_or("", |i| &r[i..]))
        .unwrap_or("");
    let under_base = origin(base).is_some() && origin(base) == origin(url);
    let path = without_query
        .split_once("://")
        .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
        .unwrap_or("/");
    let path = match path.strip_prefix(base_path) {
        Some(rest) if under_base && (rest.is_empty() || rest.starts_with('/')) => rest.to_owned(),
        _ => without_query.to_owned(),
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    let pairs = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    (path, pairs)
}

/// The request that follows one redirect answered to `case` (301, 302, 303, 307 or 308 with a
/// `Location`), or `None` when `ex` is not a redirect. The runner never follows redirects on
/// its own; a phase that may meet one (a recording URL that answers 302 to a signed URL,
/// D-RECORDING) follows exactly one with this. Credentials never cross origins: when the
/// `Location` is on another origin the follow-up carries no `Authorization` (the API key is
/// for the API's origin only, as browsers and curl do).
pub fn follow_redirect(case: &Case, base_url: &str, ex: &Exchange) -> Option<Case> {
    if !matches!(ex.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let from = case.url(base_url);
    let to = resolve_location(&from, ex.header("location")?)?;
    let mut next = case.clone();
    next.id = format!("{}/redirected", case.id);
    if ex.status == 303 && next.method != "HEAD" {
        next.method = "GET".to_owned();
        next.body = None;
    }
    let (path, query) = split_url(base_url, &to);
    next.path = path;
    next.query = query;
    if origin(&from) != origin(&to) {
        next.auth = Auth::None;
        next.headers.retain(|(k, _)| {
            !k.eq_ignore_ascii_case("authorization") && !k.eq_ignore_ascii_case("cookie")
        });
    }
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(status: u16, location: &str) -> Exchange {
        Exchange {
            status,
            headers: vec![("location".to_owned(), location.to_owned())],
            body: Vec::new(),
            truncated: false,
            elapsed: Duration::ZERO,
            parsed: std::sync::OnceLock::new(),
        }
    }

    fn recording_case() -> Case {
        Case {
            id: "getCallRecording/whole".to_owned(),
            operation_id: Some("getCallRecording".to_owned()),
            phase: crate::case::Phase::Protocol,
            method: "GET".to_owned(),
            path: "/calls/call_1/recording.wav".to_owned(),
            query: Vec::new(),
            headers: vec![("Range".to_owned(), "bytes=0-1".to_owned())],
            auth: Auth::Primary,
            body: None,
            expect: crate::case::Expectation::Observe,
            note: String::new(),
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(origin("http://H:80/x").as_deref(), Some("http://h:80"));
        assert_eq!(origin("http://h/x"), origin("http://h:80/y?z"));
        assert_ne!(origin("http://h:1/x"), origin("http://h:2/x"));
        assert_ne!(origin("http://h/x"), origin("https://h/x"));
        assert_eq!(origin("ftp://h/x"), None);
    }

    #[test]
    fn locations_resolve_against_the_request() {
        let from = "http://h:1/api/v1/calls/c/recording.wav?x=1";
        assert_eq!(
            resolve_location(from, "/media/c.wav?s=2").as_deref(),
            Some("http://h:1/media/c.wav?s=2")
        );
        assert_eq!(
            resolve_location(from, "other.wav").as_deref(),
            Some("http://h:1/api/v1/calls/c/other.wav")
        );
        assert_eq!(
            resolve_location(from, "//cdn:2/a").as_deref(),
            Some("http://cdn:2/a")
        );
        assert_eq!(
            resolve_location(from, "https://cdn/a").as_deref(),
            Some("https://cdn/a")
        );
    }

    #[test]
    fn one_redirect_keeps_the_key_on_the_same_origin_only() {
        let base = "http://h:1/api/v1";
        let case = recording_case();
        let same = follow_redirect(
            &case,
            base,
            &redirect(
                302,
                "/api/v1/calls/call_1/recording.wav?expires=5&signature=ab",
            ),
        )
        .unwrap();
        assert_eq!(same.auth, Auth::Primary);
        assert_eq!(same.path, "/calls/call_1/recording.wav");
        assert_eq!(
            same.query,
            vec![
                ("expires".to_owned(), "5".to_owned()),
                ("signature".to_owned(), "ab".to_owned())
            ]
        );
        assert_eq!(same.headers, case.headers, "the Range travels with it");

        let mut raw = case.clone();
        raw.headers
            .push(("Authorization".to_owned(), "Bearer va_x".to_owned()));
        let elsewhere = follow_redirect(
            &raw,
            base,
            &redirect(302, "http://media:2/r/call_1.wav?signature=ab"),
        )
        .unwrap();
        assert_eq!(elsewhere.auth, Auth::None, "no key for another origin");
        assert!(
            elsewhere
                .headers
                .iter()
                .all(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
        );
        assert_eq!(elsewhere.path, "http://media:2/r/call_1.wav");
        assert_eq!(
            elsewhere.url(base),
            "http://media:2/r/call_1.wav?signature=ab"
        );
        // Another port is another origin too.
        let port = follow_redirect(&case, base, &redirect(307, "http://h:3/api/v1/x")).unwrap();
        assert_eq!(port.auth, Auth::None);
        assert!(follow_redirect(&case, base, &redirect(200, "/x")).is_none());
        let mut no_location = redirect(302, "/x");
        no_location.headers.clear();
        assert!(follow_redirect(&case, base, &no_location).is_none());
    }

    #[test]
    fn urls_split_into_case_paths_and_pairs() {
        let (p, q) = split_url(
            "http://h:1/api/v1",
            "http://h:1/api/v1/calls/call_1/recording.wav?expires=5&signature=ab",
        );
        assert_eq!(p, "/calls/call_1/recording.wav");
        assert_eq!(q.len(), 2);
        let (p, q) = split_url("http://h:1/api/v1", "http://h:1/other/x");
        assert_eq!(p, "http://h:1/other/x");
        assert!(q.is_empty());
        let (p, _) = split_url("http://h:1/api/v1", "http://h:1/api/v10/x");
        assert_eq!(
            p, "http://h:1/api/v10/x",
            "a path prefix is not a segment prefix"
        );
    }

    fn ex(remaining: &str, reset: &str) -> Exchange {
        Exchange {
            status: 200,
            headers: vec![
                ("x-ratelimit-remaining".to_owned(), remaining.to_owned()),
                ("x-ratelimit-reset".to_owned(), reset.to_owned()),
            ],
            body: Vec::new(),
            truncated: false,
            elapsed: Duration::ZERO,
            parsed: std::sync::OnceLock::new(),
        }
    }

    #[test]
    fn reset_reads_delta_seconds_and_epochs() {
        assert_eq!(reset_seconds(30, 1_800_000_000), 30);
        assert_eq!(reset_seconds(1_800_000_042, 1_800_000_000), 42);
        assert_eq!(
            reset_seconds(1_700_000_000, 1_800_000_000),
            0,
            "a past epoch waits for nothing"
        );
    }

    #[tokio::test]
    async fn the_pacer_waits_for_the_window_only_when_few_requests_remain() {
        let p = Pacer::default();
        let a = Auth::Primary;
        p.observe(&a, &ex("250", "30"));
        let t = Instant::now();
        p.wait(&a).await;
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "plenty left: no wait"
        );
        p.observe(&a, &ex("3", "1"));
        let t = Instant::now();
        p.wait(&Auth::Secondary).await;
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "another key's window is its own"
        );
        let t = Instant::now();
        p.wait(&a).await;
        assert!(
            t.elapsed() >= Duration::from_millis(900),
            "nearly out: waits for the reset"
        );
        let t = Instant::now();
        p.wait(&a).await;
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "the wait is spent once"
        );
    }
}
