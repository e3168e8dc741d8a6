//! Safe runs: the runner changes only what it created, spends only what it is allowed to, and in
//! read-only mode changes nothing.
//!
//! One gate stands in front of every request: [`crate::http::Target::send`] asks [`Guard::admit`]
//! first and tells [`Guard::settle`] how the exchange ended. No phase can get around it, so a
//! planner that aims a PATCH at the wrong id costs a withheld case, never a rewritten live agent.
//! The guard also keeps the ledger of what the run created, which the summary reports and the
//! cleanup deletes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};
use serde::Serialize;

use crate::case::Case;
use crate::fixtures::Fixtures;
use crate::http::{Exchange, TransportError};

/// What the run may change, as the user asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Safety {
    /// Send only requests that change nothing (GET and HEAD).
    pub read_only: bool,
    /// The most purchases (`POST /phone-numbers` answered 2xx); `None`: the default for the
    /// target (no cap against a mock, none allowed elsewhere).
    pub allow_purchases: Option<u64>,
    /// The most CSV imports (`POST /contact-lists` answered 2xx); `None` as for purchases.
    pub allow_imports: Option<u64>,
    /// The run may spend the key's whole rate limit (`--include rate-limit`): on a real target
    /// the rate-limit suite takes about a minute and 301 requests, and other clients of that key
    /// are refused meanwhile. A mock at v1's limit is tested without it.
    pub exhaust_rate_limit: bool,
}

impl Safety {
    /// The caps in force: what the user gave, else unlimited against a mock (it costs nothing
    /// and `/_mock/reset` undoes it) and zero against anything else (purchases cost money and
    /// imported contacts cannot be deleted through v1).
    pub fn resolve(self, target_is_mock: bool) -> Policy {
        let default = if target_is_mock { None } else { Some(0) };
        Policy {
            read_only: self.read_only,
            purchases: self.allow_purchases.or(default),
            imports: self.allow_imports.or(default),
        }
    }
}

/// The rules the guard enforces for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Only GET and HEAD.
    pub read_only: bool,
    /// Cap on purchases (`None`: no cap).
    pub purchases: Option<u64>,
    /// Cap on imports (`None`: no cap).
    pub imports: Option<u64>,
}

impl Policy {
    /// The policy in one line, for the plan ("writes: only to what the run creates; purchases
    /// off; imports up to 2").
    pub fn describe(&self) -> String {
        if self.read_only {
            return "read-only: GET and HEAD only, nothing on the target changes".to_owned();
        }
        let cap = |what: &str, c: Option<u64>, flag: &str| match c {
            None => format!("{what} unlimited"),
            Some(0) => format!("{what} off ({flag} N to allow)"),
            Some(n) => format!("{what} up to {n}"),
        };
        format!(
            "writes only to what the run creates; {}; {}",
            cap("purchases", self.purchases, "--allow-purchases"),
            cap("CSV imports", self.imports, "--allow-imports")
        )
    }
}

/// Why a request was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Withheld {
    /// `--read-only` and the request could change something.
    #[error("read-only run: {0} is not sent")]
    ReadOnly(String),
    /// The request names a resource that existed before the run.
    #[error("{0} existed before the run: the runner changes only what it created")]
    PreExisting(String),
    /// Purchases are off or their cap is spent.
    #[error("purchases are capped at {0} (--allow-purchases)")]
    Purchases(u64),
    /// Imports are off or their cap is spent.
    #[error("CSV imports are capped at {0} (--allow-imports)")]
    Imports(u64),
    /// The request budget is spent.
    #[error("the request budget of {0} is spent (--request-budget)")]
    Budget(u64),
    /// The CSV names the phone of a contact that existed before the run: importing it would
    /// merge into (change) that contact.
    #[error(
        "the CSV names {0}, a contact that existed before the run (an import would merge into it)"
    )]
    MergesContact(String),
}

impl Withheld {
    /// A stable key, for counting in the summary.
    pub fn kind(&self) -> &'static str {
        match self {
            Withheld::ReadOnly(_) => "read_only",
            Withheld::PreExisting(_) => "pre_existing",
            Withheld::Purchases(_) => "purchases",
            Withheld::Imports(_) => "imports",
            Withheld::MergesContact(_) => "merges_contact",
            Withheld::Budget(_) => "budget",
        }
    }
}

/// What an admitted request holds until it is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ticket {
    /// Nothing reserved.
    Free,
    /// One unit of the purchase cap.
    Purchase,
    /// One unit of the import cap.
    Import,
}

/// What the run did to the target, for the summary and the cleanup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    /// The policy the run followed (`None` for summaries made without a run).
    pub policy: Option<Policy>,
    /// The run tag: the prefix of every name the run gives.
    pub tag: String,
    /// Agents the run created, in order.
    pub agents_created: Vec<String>,
    /// Of those, the ones deleted again (by the stateful phase or the cleanup).
    pub agents_deleted: Vec<String>,
    /// Phone numbers the run bought (v1 has no way to release one).
    pub numbers_bought: Vec<String>,
    /// CSV imports that succeeded.
    pub lists_imported: u64,
    /// Contacts those imports created (v1 has no way to delete one).
    pub contacts_created: u64,
    /// Agents the cleanup could not delete.
    pub cleanup_failures: u64,
    /// Requests not sent, by reason ([`Withheld::kind`]).
    pub withheld: BTreeMap<String, u64>,
}

impl Changes {
    /// Agents created and not deleted.
    pub fn agents_left(&self) -> Vec<&String> {
        let deleted: BTreeSet<&String> = self.agents_deleted.iter().collect();
        self.agents_created
            .iter()
            .filter(|a| !deleted.contains(a))
            .collect()
    }

    /// Whether the run changed anything or withheld anything worth a line.
    pub fn is_empty(&self) -> bool {
        self.agents_created.is_empty()
            && self.numbers_bought.is_empty()
            && self.lists_imported == 0
            && self.withheld.is_empty()
    }
}

/// A cap shared by concurrent requests: a unit is reserved at admission and refunded unless the
/// exchange succeeded, so no interleaving of workers ever exceeds it.
struct Allowance {
    cap: Option<u64>,
    used: AtomicU64,
}

impl Allowance {
    fn new(cap: Option<u64>) -> Allowance {
        Allowance {
            cap,
            used: AtomicU64::new(0),
        }
    }

    fn reserve(&self) -> Result<(), u64> {
        let Some(cap) = self.cap else {
            return Ok(());
        };
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                (u < cap).then_some(u + 1)
            })
            .map(|_| ())
            .map_err(|_| cap)
    }

    fn refund(&self) {
        if self.cap.is_some() {
            let _ = self
                .used
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| u.checked_sub(1));
        }
    }

    fn left(&self) -> Option<u64> {
        self.cap
            .map(|c| c.saturating_sub(self.used.load(Ordering::SeqCst)))
    }
}

/// Ids and phones that existed before the run (lowercase), which writes must not name.
#[derive(Default)]
struct Protected {
    ids: BTreeSet<String>,
    phones: BTreeSet<String>,
}

/// The gate in front of every request of a run.
pub struct Guard {
    policy: Policy,
    tag: String,
    protected: RwLock<Protected>,
    purchases: Allowance,
    imports: Allowance,
    changes: Mutex<Changes>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("policy", &self.policy)
            .finish()
    }
}

fn is_safe_method(m: &str) -> bool {
    matches!(m, "GET" | "HEAD" | "OPTIONS")
}

/// The path of a case without a trailing slash, percent-decoded and lowercased, as the guard
/// compares it (a server may well decode `%61gt_…` or ignore case).
fn normalised_path(case: &Case) -> String {
    decoded_path(case).to_ascii_lowercase()
}

/// The path of a case percent-decoded, without a trailing slash (ids keep their case).
fn decoded_path(case: &Case) -> String {
    percent_encoding::percent_decode_str(&case.path)
        .decode_utf8_lossy()
        .trim_end_matches('/')
        .to_owned()
}

impl Guard {
    /// A guard enforcing `policy`, tagging what the run creates with `tag`.
    pub fn new(policy: Policy, tag: impl Into<String>) -> Guard {
        let tag = tag.into();
        Guard {
            policy,
            protected: RwLock::new(Protected::default()),
            purchases: Allowance::new(policy.purchases),
            imports: Allowance::new(policy.imports),
            changes: Mutex::new(Changes {
                policy: Some(policy),
                tag: tag.clone(),
                ..Changes::default()
            }),
            tag,
        }
    }

    /// A guard that lets everything through (for tools that replay a case on purpose).
    pub fn open() -> Guard {
        Guard::new(
            Policy {
                read_only: false,
                purchases: None,
                imports: None,
            },
            "",
        )
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The run tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Purchases the cap still allows (`None`: no cap).
    pub fn purchases_left(&self) -> Option<u64> {
        self.purchases.left()
    }

    /// CSV imports the cap still allows (`None`: no cap).
    pub fn imports_left(&self) -> Option<u64> {
        self.imports.left()
    }

    /// Marks what discovery found as pre-existing: no write may name these agents, numbers,
    /// calls or contacts, and no import may name these contacts' phones.
    pub fn protect(&self, fx: &Fixtures) {
        let mut p = self.protected.write();
        p.ids.extend(
            fx.agents
                .iter()
                .chain(&fx.numbers)
                .chain(&fx.calls)
                .chain(&fx.contacts)
                .map(|s| s.to_ascii_lowercase()),
        );
        p.phones
            .extend(fx.contact_phones.iter().map(|s| s.to_ascii_lowercase()));
    }

    /// Whether `case` may be sent; on `Ok`, what it holds until [`Guard::settle`].
    pub fn admit(&self, case: &Case) -> Result<Ticket, Withheld> {
        let result = self.check(case);
        if let Err(w) = &result {
            *self
                .changes
                .lock()
                .withheld
                .entry(w.kind().to_owned())
                .or_default() += 1;
        }
        result
    }

    fn check(&self, case: &Case) -> Result<Ticket, Withheld> {
        if is_safe_method(&case.method) {
            return Ok(Ticket::Free);
        }
        if self.policy.read_only {
            return Err(Withheld::ReadOnly(format!("{} {}", case.method, case.path)));
        }
        let path = normalised_path(case);
        {
            let p = self.protected.read();
            if let Some(id) = p.ids.iter().find(|id| path.contains(id.as_str()))
                && !self.names_its_own(case, id)
            {
                return Err(Withheld::PreExisting(id.clone()));
            }
            if case.method == "POST"
                && path == "/contact-lists"
                && let Some(b) = &case.body
            {
                let text = String::from_utf8_lossy(&b.bytes).to_ascii_lowercase();
                if let Some(phone) = p.phones.iter().find(|ph| text.contains(ph.as_str())) {
                    return Err(Withheld::MergesContact(phone.clone()));
                }
            }
        }
        match (case.method.as_str(), path.as_str()) {
            ("POST", "/phone-numbers") => self
                .purchases
                .reserve()
                .map(|()| Ticket::Purchase)
                .map_err(Withheld::Purchases),
            ("POST", "/contact-lists") => self
                .imports
                .reserve()
                .map(|()| Ticket::Import)
                .map_err(Withheld::Imports),
            _ => Ok(Ticket::Free),
        }
    }

    /// Whether `case`'s path names, spelt exactly, an agent or number the run created whose id
    /// matches `protected` only when case is ignored (ids are case-sensitive: a new id can
    /// differ from an old one by case alone, and the run's own may be changed).
    fn names_its_own(&self, case: &Case, protected: &str) -> bool {
        let raw = decoded_path(case);
        let c = self.changes.lock();
        c.agents_created
            .iter()
            .chain(&c.numbers_bought)
            .any(|own| own.to_ascii_lowercase() == protected && raw.contains(own.as_str()))
    }

    /// Records how an admitted request ended: a success spends its reservation and enters the
    /// ledger (an agent created or deleted, a number bought, contacts imported); anything else
    /// refunds it.
    pub fn settle(&self, ticket: Ticket, case: &Case, result: &Result<Exchange, TransportError>) {
        let ok = result
            .as_ref()
            .ok()
            .filter(|e| (200..300).contains(&e.status));
        if ok.is_none() {
            match ticket {
                Ticket::Purchase => self.purchases.refund(),
                Ticket::Import => self.imports.refund(),
                Ticket::Free => {}
            }
            return;
        }
        let Some(ex) = ok else { return };
        if is_safe_method(&case.method) {
            return;
        }
        let path = decoded_path(case);
        let body = ex.json_ref();
        let id = || body.and_then(|b| b["id"].as_str()).map(str::to_owned);
        let mut c = self.changes.lock();
        match (case.method.as_str(), path.as_str()) {
            ("POST", "/agents") => c.agents_created.extend(id()),
            ("POST", "/phone-numbers") => c.numbers_bought.extend(id()),
            ("POST", "/contact-lists") => {
                c.lists_imported += 1;
                c.contacts_created += body.and_then(|b| b["created"].as_u64()).unwrap_or(0);
            }
            ("DELETE", p) => {
                if let Some(agent) = p.strip_prefix("/agents/")
                    && !c.agents_deleted.iter().any(|a| a == agent)
                {
                    c.agents_deleted.push(agent.to_owned());
                }
            }
            _ => {}
        }
    }

    /// Counts a request withheld outside [`Guard::admit`] (the request budget).
    pub fn count_withheld(&self, w: &Withheld) {
        *self
            .changes
            .lock()
            .withheld
            .entry(w.kind().to_owned())
            .or_default() += 1;
    }

    /// Records that an agent the run created is gone (a cleanup DELETE answered 404).
    pub fn mark_deleted(&self, agent: &str) {
        let mut c = self.changes.lock();
        if !c.agents_deleted.iter().any(|a| a == agent) {
            c.agents_deleted.push(agent.to_owned());
        }
    }

    /// Records a cleanup that could not delete what the run created.
    pub fn cleanup_failed(&self, n: usize) {
        self.changes.lock().cleanup_failures += n as u64;
    }

    /// What the run changed so far.
    pub fn changes(&self) -> Changes {
        self.changes.lock().clone()
    }
}

/// What a mock's control API says of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MockInfo {
    /// Whether any well-formed key gets a workspace (`keyPolicy: open`): then no key is unknown.
    pub open_keys: bool,
    /// The requests a minute it admits per key (`rateLimit`), if it says.
    pub rate_limit: Option<u64>,
}

/// What the control API at `control_url` says of the mock, if it answers like vici-mock's
/// (`/health` with `status`, `now` and `workspaces`; `None` otherwise): only then does the runner
/// treat the target as free to change.
pub async fn mock_info(control_url: &str) -> Option<MockInfo> {
    let url = format!("{}/health", control_url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .ok()?;
    let res = client.get(url).send().await.ok()?;
    if !res.status().is_success() {
        return None;
    }
    let v = res.json::<serde_json::Value>().await.ok()?;
    (v["status"] == "ok" && v.get("now").is_some() && v["workspaces"].is_u64()).then(|| MockInfo {
        // A mock that does not say is taken to be open, its default.
        open_keys: v["keyPolicy"] != "strict",
        rate_limit: v["rateLimit"].as_u64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Auth, Body, Expectation, Phase};

    fn case(method: &str, path: &str, body: Option<&str>) -> Case {
        Case {
            id: "t".into(),
            operation_id: None,
            phase: Phase::Protocol,
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            auth: Auth::Primary,
            body: body.map(|b| Body {
                content_type: Some("text/csv".into()),
                bytes: b.as_bytes().to_vec(),
            }),
            expect: Expectation::Observe,
            note: String::new(),
        }
    }

    fn ok(status: u16, body: &str) -> Result<Exchange, TransportError> {
        Ok(Exchange {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
            parsed: std::sync::OnceLock::new(),
        })
    }

    fn guard(read_only: bool, purchases: Option<u64>) -> Guard {
        let g = Guard::new(
            Policy {
                read_only,
                purchases,
                imports: Some(1),
            },
            "vc-1",
        );
        g.protect(&Fixtures {
            agents: vec!["agt_Live00000001".into()],
            numbers: vec!["pn_Live00000001".into()],
            contact_phones: vec!["+14155550100".into()],
            ..Fixtures::default()
        });
        g
    }

    #[test]
    fn writes_never_name_a_pre_existing_resource_however_spelt() {
        let g = guard(false, None);
        for path in [
            "/agents/agt_Live00000001",
            "/agents/AGT_LIVE00000001",
            "/agents/%61gt_Live00000001",
            "/agents/agt_Live00000001x",
            "/phone-numbers/pn_Live00000001/",
        ] {
            assert!(
                matches!(
                    g.admit(&case("PATCH", path, None)),
                    Err(Withheld::PreExisting(_))
                ),
                "{path}"
            );
        }
        assert_eq!(
            g.admit(&case("GET", "/agents/agt_Live00000001", None)),
            Ok(Ticket::Free)
        );
        assert_eq!(
            g.admit(&case("PATCH", "/agents/agt_Mine00000001", None)),
            Ok(Ticket::Free)
        );
        assert_eq!(g.changes().withheld["pre_existing"], 5);
    }

    #[test]
    fn the_runs_own_id_is_its_own_even_when_an_old_one_differs_only_in_case() {
        let g = guard(false, None);
        // A number bought by the run whose id is an old one's in another case.
        let buy = case("POST", "/phone-numbers", None);
        let t = g.admit(&buy).unwrap();
        g.settle(t, &buy, &ok(201, r#"{"id":"pn_live00000001"}"#));
        assert_eq!(
            g.admit(&case("PATCH", "/phone-numbers/pn_live00000001", None)),
            Ok(Ticket::Free)
        );
        assert!(matches!(
            g.admit(&case("PATCH", "/phone-numbers/pn_Live00000001", None)),
            Err(Withheld::PreExisting(_))
        ));
    }

    #[test]
    fn read_only_sends_only_get_and_head() {
        let g = guard(true, None);
        assert!(
            g.admit(&case("HEAD", "/calls/x/recording.wav", None))
                .is_ok()
        );
        for m in ["POST", "PATCH", "DELETE", "PUT"] {
            assert!(matches!(
                g.admit(&case(m, "/agents", None)),
                Err(Withheld::ReadOnly(_))
            ));
        }
    }

    #[test]
    fn a_cap_is_never_exceeded_and_failures_refund_it() {
        let g = guard(false, Some(1));
        let buy = case("POST", "/phone-numbers", None);
        let t = g.admit(&buy).unwrap();
        assert_eq!(t, Ticket::Purchase);
        // In flight: a second purchase waits for the first to settle.
        assert_eq!(g.admit(&buy), Err(Withheld::Purchases(1)));
        g.settle(t, &buy, &ok(409, "{}"));
        let t = g.admit(&buy).unwrap();
        g.settle(t, &buy, &ok(201, r#"{"id":"pn_Bought000001"}"#));
        assert_eq!(g.admit(&buy), Err(Withheld::Purchases(1)));
        assert_eq!(g.changes().numbers_bought, ["pn_Bought000001"]);
        assert_eq!(g.purchases_left(), Some(0));
    }

    #[test]
    fn imports_that_would_merge_into_a_pre_existing_contact_are_withheld() {
        let g = guard(false, None);
        let merge = case("POST", "/contact-lists", Some("phone\n+14155550100\n"));
        assert_eq!(
            g.admit(&merge),
            Err(Withheld::MergesContact("+14155550100".into()))
        );
        let fresh = case("POST", "/contact-lists", Some("phone\n+14155550199\n"));
        let t = g.admit(&fresh).unwrap();
        g.settle(t, &fresh, &ok(201, r#"{"created":1}"#));
        assert_eq!(g.admit(&fresh), Err(Withheld::Imports(1)));
        let c = g.changes();
        assert_eq!((c.lists_imported, c.contacts_created), (1, 1));
    }

    #[test]
    fn the_ledger_follows_creations_and_deletions() {
        let g = guard(false, None);
        let create = case("POST", "/agents", None);
        g.settle(Ticket::Free, &create, &ok(201, r#"{"id":"agt_A"}"#));
        g.settle(Ticket::Free, &create, &ok(201, r#"{"id":"agt_B"}"#));
        g.settle(Ticket::Free, &create, &ok(422, r#"{"id":"agt_C"}"#));
        g.settle(
            Ticket::Free,
            &case("DELETE", "/agents/agt_A", None),
            &ok(204, ""),
        );
        let c = g.changes();
        assert_eq!(c.agents_created, ["agt_A", "agt_B"]);
        assert_eq!(c.agents_left(), [&"agt_B".to_owned()]);
    }

    #[test]
    fn defaults_protect_real_targets_and_free_the_mock() {
        let s = Safety::default();
        assert_eq!(s.resolve(false).purchases, Some(0));
        assert_eq!(s.resolve(false).imports, Some(0));
        assert_eq!(s.resolve(true).purchases, None);
        let capped = Safety {
            allow_purchases: Some(2),
            ..s
        };
        assert_eq!(capped.resolve(true).purchases, Some(2));
        assert_eq!(
            s.resolve(false).describe(),
            "writes only to what the run creates; purchases off (--allow-purchases N to allow); \
             CSV imports off (--allow-imports N to allow)"
        );
    }
}
