//! Configuration: command-line flags, each with an environment variable.
//!
//! The flags live in the library (not in `main.rs`) so tests can build a configuration exactly as
//! a user would, and so `--help` and the README cannot drift apart from what the code reads.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};

mod load;
pub mod values;

pub use load::{LoadError, Origins};

/// Whether `key` has the shape of an API key: `va_` then 16 to 64 letters, digits or
/// underscores (D-AUTH).
pub(crate) fn well_formed_key(key: &str) -> bool {
    key.strip_prefix("va_").is_some_and(|rest| {
        (16..=64).contains(&rest.len())
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// The address the mock listens on when no `--listen` is given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4010";
/// The ready-made key printed at start-up. Any well-formed key works in the open key policy.
pub const DEFAULT_API_KEY: &str = "va_test_0123456789abcdef";

/// The secret of `--webhook` endpoints when none is given.
pub const DEFAULT_WEBHOOK_SECRET: &str = "whsec_vici_mock_default";

/// Who may use the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyPolicy {
    /// Any well-formed key (`va_` then 16 to 64 letters, digits or underscores) gets its own
    /// workspace on first use.
    Open,
    /// Only the keys given with `--api-key`.
    Strict,
}

/// What a webhook signature's `v1` is computed over (`--webhook-signature`; D-WEBHOOK-SIGNATURE).
/// The signing itself is `sim/signature.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureScheme {
    /// HMAC-SHA256(secret, body), as the reference page says.
    #[default]
    Body,
    /// HMAC-SHA256(secret, "{t}.{body}"), the Stripe-style reading.
    TimestampBody,
}

impl SignatureScheme {
    /// What `v1` is computed over, for people: "the raw body" or "\"{t}.{body}\"".
    pub fn describe(self) -> &'static str {
        match self {
            SignatureScheme::Body => "the raw request body",
            SignatureScheme::TimestampBody => "\"{t}.{body}\" (the timestamp, a dot, the raw body)",
        }
    }
}

/// What the mock does with a query parameter an operation does not declare (D-PARAMS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnknownParams {
    /// 400 `validation_error` naming it: a typo such as `?hasrecording=true` fails loudly.
    Reject,
    /// Dropped unread, as most servers do: a cache-buster such as `_=123` passes.
    Ignore,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// vici-mock: a stateful, spec-driven stand-in for the VICIagent v1 API.
///
/// Every key gets its own deterministic workspace; state persists across requests; the rate
/// limit, error shape and validation follow spec/openapi.json and spec/DECISIONS.md. A control
/// API under /_mock/ resets state, moves the virtual clock and shows the request journal.
#[derive(Debug, Clone, Parser)]
#[command(name = "vici-mock", version, about, long_about)]
pub struct Config {
    /// Address to listen on: HOST:PORT, localhost:PORT or a bare PORT (on 127.0.0.1); port 0
    /// picks a free port (the printed URL shows it). 0.0.0.0:4010 listens on every interface.
    #[arg(long, env = "VICI_MOCK_LISTEN", default_value = DEFAULT_LISTEN, value_parser = values::listen)]
    pub listen: SocketAddr,

    /// Root seed of all generated data: the same seed and key give the same workspace.
    #[arg(long, env = "VICI_MOCK_SEED", default_value_t = 42)]
    pub seed: u64,

    /// Agents seeded into each new workspace.
    #[arg(long, env = "VICI_MOCK_AGENTS", default_value_t = 4)]
    pub agents: u32,

    /// Phone numbers seeded into each new workspace.
    #[arg(long, env = "VICI_MOCK_NUMBERS", default_value_t = 3)]
    pub numbers: u32,

    /// Contacts seeded into each new workspace.
    #[arg(long, env = "VICI_MOCK_CONTACTS", default_value_t = 200)]
    pub contacts: u32,

    /// Calls seeded into each new workspace, spread over the last 30 days (a million is fine).
    #[arg(long, env = "VICI_MOCK_CALLS", default_value_t = 500)]
    pub calls: u32,

    /// Requests admitted per key in any rolling 60 seconds.
    #[arg(long, env = "VICI_MOCK_RATE_LIMIT", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,

    /// Which keys are accepted.
    #[arg(long, env = "VICI_MOCK_KEY_POLICY", value_enum, default_value_t = KeyPolicy::Open)]
    pub key_policy: KeyPolicy,

    /// A key to accept (repeatable; with `--key-policy strict`, the only keys accepted).
    #[arg(long = "api-key", env = "VICI_MOCK_API_KEYS", value_delimiter = ',')]
    pub api_keys: Vec<String>,

    /// A query parameter the operation does not declare: `reject` it with 400 naming it (typos
    /// fail loudly), or `ignore` it (cache-busters such as `_=123` pass).
    #[arg(long, env = "VICI_MOCK_UNKNOWN_PARAMS", value_enum, default_value_t = UnknownParams::Reject)]
    pub unknown_params: UnknownParams,

    /// Check every response against the contract and fail loudly (500 and an error log) on a
    /// mismatch. On in every test.
    #[arg(long, env = "VICI_MOCK_VALIDATE_RESPONSES", value_parser = values::boolish)]
    pub validate_responses: bool,

    /// Start of the virtual clock (RFC 3339); default: now. Fix it for byte-identical runs.
    #[arg(long, env = "VICI_MOCK_START_TIME")]
    pub start_time: Option<String>,

    /// Freeze the virtual clock at start; it then moves only through the control API.
    #[arg(long, env = "VICI_MOCK_FREEZE_CLOCK", value_parser = values::boolish)]
    pub freeze_clock: bool,

    /// Origin used in absolute URLs (recording links), such as https://mock.example.com; default:
    /// from the request's Host header.
    #[arg(long, env = "VICI_MOCK_PUBLIC_URL", value_parser = values::public_origin)]
    pub public_url: Option<String>,

    /// Secret for signing recording URLs; default: derived from the seed.
    #[arg(long, env = "VICI_MOCK_SIGNING_SECRET")]
    pub signing_secret: Option<String>,

    /// Workspaces written by hand, YAML or JSON (by the file's extension; the format is
    /// mock-server/fixtures.schema.json, an example mock-server/examples/fixtures.yaml). Keys
    /// listed there start from that data, again after every reset; other keys are seeded.
    #[arg(long, env = "VICI_MOCK_FIXTURES", value_name = "FILE")]
    pub fixtures: Option<std::path::PathBuf>,

    /// State to start from: a document of GET /_mock/state, or a JSON array of them. Each key
    /// in it starts from its export, again after every reset.
    #[arg(long, env = "VICI_MOCK_STATE", value_name = "FILE")]
    pub state: Option<std::path::PathBuf>,

    /// Requests kept in the journal (a ring buffer; 0 turns it off).
    #[arg(long, env = "VICI_MOCK_JOURNAL_CAPACITY", default_value_t = 10_000)]
    pub journal_capacity: usize,

    /// Webhook endpoint that receives every workspace's events (repeatable). Workspaces add
    /// their own through the control API or the page at /settings/webhooks.
    #[arg(long = "webhook", env = "VICI_MOCK_WEBHOOKS", value_delimiter = ',')]
    pub webhooks: Vec<String>,

    /// Secret of the --webhook endpoints (HMAC-SHA256 key of X-VICIagent-Signature).
    #[arg(long, env = "VICI_MOCK_WEBHOOK_SECRET", default_value = DEFAULT_WEBHOOK_SECRET)]
    pub webhook_secret: String,

    /// What the signature's v1 is computed over: the body (as the reference page says) or
    /// "{t}.{body}" (the Stripe-style reading).
    #[arg(long, env = "VICI_MOCK_WEBHOOK_SIGNATURE", value_enum, default_value_t = SignatureScheme::Body)]
    pub webhook_signature: SignatureScheme,

    /// How long a delivery attempt waits for the receiver's answer (real time) before it counts
    /// as failed and is retried.
    #[arg(long, env = "VICI_MOCK_WEBHOOK_TIMEOUT_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub webhook_timeout_ms: u64,

    /// Chaos: delay before every v1 answer, in ms: "150", "50-250" (uniform),
    /// "normal:200,50" (mean, sd) or "exp:100" (exponential with that mean).
    #[arg(long, env = "VICI_MOCK_CHAOS_LATENCY")]
    pub chaos_latency: Option<String>,

    /// Chaos: probability of a 500 per operation, "getCall=0.1", or "0.05" for every operation
    /// (repeatable).
    #[arg(
        long = "chaos-error-rate",
        env = "VICI_MOCK_CHAOS_ERROR_RATES",
        value_delimiter = ','
    )]
    pub chaos_error_rates: Vec<String>,

    /// Chaos: let a request force its answer's status with `X-Mock-Status: 503` (or Prism's
    /// `Prefer: code=503`).
    #[arg(long, env = "VICI_MOCK_CHAOS_STATUS_HEADER", value_parser = values::boolish)]
    pub chaos_status_header: bool,

    /// Chaos: the first N attempts of every webhook delivery are not sent (receivers see
    /// retries only).
    #[arg(long, env = "VICI_MOCK_CHAOS_WEBHOOK_FAIL_FIRST", default_value_t = 0)]
    pub chaos_webhook_fail_first: u32,

    /// Chaos: probability that a delivered webhook is sent a second time (same delivery id).
    #[arg(
        long,
        env = "VICI_MOCK_CHAOS_WEBHOOK_DUPLICATE_RATE",
        default_value_t = 0.0
    )]
    pub chaos_webhook_duplicate_rate: f64,

    /// Chaos: probability that a webhook is held back behind the next one to its endpoint.
    #[arg(
        long,
        env = "VICI_MOCK_CHAOS_WEBHOOK_REORDER_RATE",
        default_value_t = 0.0
    )]
    pub chaos_webhook_reorder_rate: f64,

    /// Seed of every chaos draw; default: --seed.
    #[arg(long, env = "VICI_MOCK_CHAOS_SEED")]
    pub chaos_seed: Option<u64>,

    /// Log format.
    #[arg(long, env = "VICI_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// Which log lines are written: a level (error, warn, info, debug, trace) or
    /// TARGET=LEVEL items separated by commas, e.g. "vici_mock::request=warn,info".
    #[arg(long, env = "VICI_MOCK_LOG", default_value = "info", value_parser = values::log_filter)]
    pub log: String,

    /// Ask the mock listening on --listen (0.0.0.0 is asked on 127.0.0.1) whether it is
    /// healthy, through GET /_mock/health, instead of starting one. Exit 0 when it is, 1 when
    /// not. For container health checks.
    #[arg(long)]
    pub health_check: bool,

    /// Where each value came from (command line or environment), so errors name what was used.
    #[arg(skip)]
    pub origins: Origins,

    /// Test-only: a hook that may tamper with every outgoing webhook attempt (see
    /// `mock_server::test_hooks`). No flag or environment variable sets it.
    #[doc(hidden)]
    #[arg(skip)]
    pub outgoing_hook: Option<crate::test_hooks::OutgoingHook>,

    /// Test-only: faults of the recording URL signer (see `mock_server::test_hooks`). No flag
    /// or environment variable sets them.
    #[doc(hidden)]
    #[arg(skip)]
    pub signing_faults: crate::test_hooks::SigningFaults,
}

impl Config {
    /// The configuration a test wants: open keys, fixed seed, small data, a frozen clock at a fixed
    /// start, response validation on, port 0.
    pub fn for_tests() -> Config {
        let mut c = Config::parse_from(["vici-mock"]);
        c.listen = "127.0.0.1:0".parse().unwrap_or(c.listen);
        c.start_time = Some("2026-05-13T16:00:00Z".to_owned());
        c.freeze_clock = true;
        c.validate_responses = true;
        c.contacts = 50;
        c.calls = 120;
        c
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::Config;

    #[test]
    fn no_flag_or_environment_variable_installs_the_hook() {
        assert!(Config::parse_from(["vici-mock"]).outgoing_hook.is_none());
        let cmd = Config::command();
        assert!(
            cmd.get_arguments().all(|a| a.get_id() != "outgoing_hook"
                && a.get_env()
                    .is_none_or(|e| !e.to_string_lossy().contains("OUTGOING"))),
            "the hook is settable from outside"
        );
        let help = cmd.clone().render_long_help().to_string().to_lowercase();
        assert!(
            !help.contains("tamper") && !help.contains("outgoing"),
            "{help}"
        );
    }
    #[test]
    fn the_test_only_signing_faults_are_off_by_default() {
        assert_eq!(
            Config::parse_from(["vici-mock"]).signing_faults,
            crate::test_hooks::SigningFaults::default()
        );
    }
}
