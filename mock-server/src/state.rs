//! The state shared by every request: contract, store, clock, limiter, journal, signer, config.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use spec::Contract;

use crate::clock::Clock;
use crate::config::{Config, KeyPolicy};
use crate::derive::signing::UrlSigner;
use crate::policy::chaos::{Chaos, HttpChaos};
use crate::policy::rate_limit::RateLimiter;
use crate::render::detail_cache::DetailCache;
use crate::sim::{Sim, SimSettings};
use crate::store::journal::Journal;
use crate::store::{Preset, SeedConfig, Store};

/// Everything a request may touch, behind one `Arc`.
pub struct AppState {
    pub(crate) contract: &'static Contract,
    pub(crate) store: Store,
    pub(crate) clock: Arc<Clock>,
    pub(crate) limiter: RateLimiter,
    pub(crate) journal: Journal,
    pub(crate) signer: UrlSigner,
    pub(crate) config: Config,
    pub(crate) request_seq: AtomicU64,
    /// Rendered `cost` and `transcript` of recently read call details.
    pub(crate) detail_cache: DetailCache,
    /// Call lifecycles, campaigns, events and webhook deliveries.
    pub(crate) sim: Sim,
    /// Latency, error rates and forced statuses.
    pub(crate) chaos: Chaos,
}

/// The shared handle.
pub type Shared = Arc<AppState>;

/// Why a configuration cannot be used. Each names the flag or environment variable that was
/// actually used ([`crate::config::Origins::name`]).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--start-time` is not RFC 3339.
    #[error("parse {name} '{value}' as an RFC 3339 timestamp, e.g. 2026-05-13T16:00:00Z")]
    StartTime {
        /// The flag or variable.
        name: String,
        /// The value given.
        value: String,
    },
    /// A `--api-key` is not of the documented form.
    #[error(
        "use '{value}' ({name}) as an API key: keys are va_ followed by 16 to 64 letters, digits \
         or underscores"
    )]
    BadKey {
        /// The flag or variable.
        name: String,
        /// The value given.
        value: String,
    },
    /// A `--webhook` URL or secret is unusable.
    #[error("use '{value}' ({name}) as a webhook {what}: {reason}")]
    Webhook {
        /// The flag or variable.
        name: String,
        /// `URL` or `secret`.
        what: &'static str,
        /// The value given.
        value: String,
        /// Why not.
        reason: String,
    },
    /// A chaos setting is unusable.
    #[error("use {name} '{value}': {reason}")]
    Chaos {
        /// The flag or variable.
        name: String,
        /// The value given.
        value: String,
        /// Why not.
        reason: String,
    },
    /// A `--fixtures` or `--state` file cannot be used.
    #[error("load {name} '{path}': {reason}")]
    Preset {
        /// The flag or variable.
        name: String,
        /// The file.
        path: String,
        /// Why not: where in the file and what is wrong.
        reason: String,
    },
    /// `--key-policy strict` without any `--api-key`.
    #[error("start with the strict key policy ({policy}) without any key: give one with {keys}")]
    NoKeys {
        /// The flag or variable of the policy.
        policy: String,
        /// The flag or variable of the keys.
        keys: String,
    },
}

impl AppState {
    /// What the simulation reads from this state.
    pub(crate) fn sim_env(&self) -> crate::sim::Env<'_> {
        crate::sim::Env {
            store: &self.store,
            clock: &self.clock,
            contract: self.contract,
            config: &self.config,
        }
    }

    /// Whether the request journal records anything.
    pub(crate) fn journal_enabled(&self) -> bool {
        self.config.journal_capacity > 0
    }

    /// Builds the state for `config`.
    pub fn new(config: Config) -> Result<Shared, ConfigError> {
        let name = |id: &str| config.origins.name(id);
        let start_ms = match &config.start_time {
            Some(s) => crate::clock::parse_rfc3339(s).ok_or_else(|| ConfigError::StartTime {
                name: name("start_time"),
                value: s.clone(),
            })?,
            None => crate::clock::wall_now_ms(),
        };
        for k in &config.api_keys {
            if !crate::config::well_formed_key(k) {
                return Err(ConfigError::BadKey {
                    name: name("api_keys"),
                    value: k.clone(),
                });
            }
        }
        if config.key_policy == KeyPolicy::Strict && config.api_keys.is_empty() {
            return Err(ConfigError::NoKeys {
                policy: name("key_policy"),
                keys: name("api_keys"),
            });
        }
        for url in &config.webhooks {
            crate::sim::endpoints::check_url(url).map_err(|e| ConfigError::Webhook {
                name: name("webhooks"),
                what: "URL",
                value: url.clone(),
                reason: e.reason,
            })?;
        }
        crate::sim::endpoints::check_secret(&config.webhook_secret).map_err(|e| {
            ConfigError::Webhook {
                name: name("webhook_secret"),
                what: "secret",
                value: config.webhook_secret.clone(),
                reason: e.reason,
            }
        })?;
        let sim = Sim::new(
            SimSettings {
                scheme: config.webhook_signature,
                timeout: std::time::Duration::from_millis(config.webhook_timeout_ms),
                seed: config.seed,
                start_ms,
                hook: config.outgoing_hook.clone(),
            },
            &config.webhooks,
            &config.webhook_secret,
        );
        let chaos_seed = config
            .chaos_seed
            .unwrap_or_else(|| crate::determinism::mix(config.seed, 0xc4a05));
        let chaos = chaos_from(&config, chaos_seed)?;
        sim.set_chaos(webhook_chaos_from(&config)?);
        let clock = Arc::new(Clock::new(start_ms));
        if config.freeze_clock {
            clock.freeze();
        }
        let secret = config
            .signing_secret
            .clone()
            .unwrap_or_else(|| format!("vici-mock-signing-{}", config.seed));
        let seed = SeedConfig {
            seed: config.seed,
            agents: config.agents,
            numbers: config.numbers,
            contacts: config.contacts,
            calls: config.calls,
            anchor_secs: start_ms.div_euclid(1000),
        };
        let presets = presets_from(&config, &seed)?;
        Ok(Arc::new(AppState {
            contract: Contract::v1(),
            store: Store::new(seed, presets),
            clock,
            limiter: RateLimiter::new(config.rate_limit, 60_000),
            journal: Journal::new(config.journal_capacity),
            signer: UrlSigner::new(secret).with_faults(config.signing_faults),
            config,
            request_seq: AtomicU64::new(0),
            detail_cache: DetailCache::default(),
            sim,
            chaos,
        }))
    }
}

/// The workspaces of `--fixtures` and `--state`, by key.
fn presets_from(
    config: &Config,
    seed: &SeedConfig,
) -> Result<HashMap<String, Preset>, ConfigError> {
    let fail = |id: &str, path: &std::path::Path, reason: String| ConfigError::Preset {
        name: config.origins.name(id),
        path: path.display().to_string(),
        reason,
    };
    let read = |id: &str, path: &std::path::Path| {
        std::fs::read_to_string(path).map_err(|e| fail(id, path, format!("cannot read it: {e}")))
    };
    let mut presets = HashMap::new();
    if let Some(path) = &config.fixtures {
        let text = read("fixtures", path)?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        presets = crate::store::presets::from_fixtures(&text, json, seed)
            .map_err(|e| fail("fixtures", path, e.to_string()))?;
    }
    if let Some(path) = &config.state {
        let text = read("state", path)?;
        let states =
            crate::store::presets::from_state(&text).map_err(|e| fail("state", path, e))?;
        for (key, preset) in states {
            if presets.contains_key(&key) {
                return Err(fail(
                    "state",
                    path,
                    format!(
                        "{key} is in the fixtures too ({}); give each key one start",
                        config.origins.name("fixtures")
                    ),
                ));
            }
            presets.insert(key, preset);
        }
    }
    if config.key_policy == KeyPolicy::Strict {
        let mut refused: Vec<&String> = presets
            .keys()
            .filter(|k| !config.api_keys.contains(k))
            .collect();
        refused.sort();
        if let Some(key) = refused.first() {
            let (id, path) = match presets.get(*key) {
                Some(Preset::Fixture(_)) => ("fixtures", &config.fixtures),
                _ => ("state", &config.state),
            };
            let path = path.as_deref().unwrap_or(std::path::Path::new(""));
            return Err(ConfigError::Preset {
                name: config.origins.name(id),
                path: path.display().to_string(),
                reason: format!(
                    "{key} would never be used: the strict key policy ({}) accepts only the keys given with {}",
                    config.origins.name("key_policy"),
                    config.origins.name("api_keys"),
                ),
            });
        }
    }
    Ok(presets)
}

/// The HTTP chaos of the command line.
fn chaos_from(config: &Config, seed: u64) -> Result<Chaos, ConfigError> {
    let mut error_rates = std::collections::BTreeMap::new();
    for spec in &config.chaos_error_rates {
        let (op, rate) = spec.split_once('=').unwrap_or(("*", spec.as_str()));
        let rate = rate.trim().parse::<f64>().map_err(|_| ConfigError::Chaos {
            name: config.origins.name("chaos_error_rates"),
            value: spec.clone(),
            reason: "the rate is not a number (use OPERATION=RATE or RATE)".into(),
        })?;
        error_rates.insert(op.trim().to_owned(), rate);
    }
    let settings = HttpChaos {
        latency: config.chaos_latency.clone(),
        error_rates,
        status_header: config.chaos_status_header,
    };
    settings
        .check()
        .map_err(|(field, reason)| ConfigError::Chaos {
            name: config.origins.name(if field == "latency" {
                "chaos_latency"
            } else {
                "chaos_error_rates"
            }),
            value: if field == "latency" {
                config.chaos_latency.clone().unwrap_or_default()
            } else {
                config.chaos_error_rates.join(",")
            },
            reason,
        })?;
    Ok(Chaos::new(settings, seed))
}

/// The webhook chaos of the command line.
fn webhook_chaos_from(config: &Config) -> Result<crate::sim::WebhookChaos, ConfigError> {
    let w = crate::sim::WebhookChaos {
        fail_first_attempts: config.chaos_webhook_fail_first,
        duplicate_rate: config.chaos_webhook_duplicate_rate,
        reorder_rate: config.chaos_webhook_reorder_rate,
    };
    w.check().map_err(|(field, reason)| {
        let (id, value) = match field {
            "duplicateRate" => ("chaos_webhook_duplicate_rate", w.duplicate_rate.to_string()),
            "reorderRate" => ("chaos_webhook_reorder_rate", w.reorder_rate.to_string()),
            _ => (
                "chaos_webhook_fail_first",
                w.fail_first_attempts.to_string(),
            ),
        };
        ConfigError::Chaos {
            name: config.origins.name(id),
            value,
            reason,
        }
    })?;
    Ok(w)
}

/// The workspace of `key`, seeding it on first use without blocking the runtime.
///
/// Seeding a large workspace takes seconds (a million calls: about 5 s). Done inline it would
/// stall a runtime worker, and with it every connection that worker serves; and the seed's
/// millions of allocations would fragment that worker's heap for the rest of the run. So it runs
/// on the blocking pool. Concurrent first requests of one key share one seeding (a per-key cell),
/// rather than each seeding the same workspace and all but one throwing theirs away.
pub(crate) async fn workspace_seeded(state: &Shared, key: &str) -> crate::store::SharedWorkspace {
    if let Some(ws) = state.store.existing(key) {
        return ws;
    }
    let cell = state.store.seeding_cell(key);
    let ws = cell
        .get_or_init(|| async {
            let st = state.clone();
            let owned = key.to_owned();
            match tokio::task::spawn_blocking(move || st.store.workspace(&owned)).await {
                Ok(ws) => ws,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The runtime is shutting down; seed here rather than fail the request.
                Err(_) => state.store.workspace(key),
            }
        })
        .await
        .clone();
    state.store.seeding_done(key, &cell);
    ws
}
