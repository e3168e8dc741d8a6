//! The scenario format, as data: what a YAML suite file deserialises into. Unknown keys are
//! errors (`deny_unknown_fields`), so a typo never silently drops an assertion.
//! `scenarios/scenario.schema.json` describes the same format for editors; a test keeps the two
//! in step.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// One file: a suite of scenarios.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Stable suite id (`pagination`); scenario ids are `<suite>/<scenario>`.
    pub suite: String,
    /// What the suite covers, one line.
    pub title: String,
    /// The scenarios, run in order.
    pub scenarios: Vec<Scenario>,
}

/// One scenario: steps that share variables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable id within the suite.
    pub scenario: String,
    /// What it shows, one line.
    pub title: String,
    /// What the target must offer; without it the scenario is skipped, with the reason.
    #[serde(default)]
    pub requires: Vec<Capability>,
    /// Variables every step can use (`{{name}}`).
    #[serde(default)]
    pub vars: BTreeMap<String, Value>,
    /// Rows of variables: the scenario runs once per row (one filter value each, say).
    #[serde(default)]
    /// Kept in file order: a row's label is its first variables, as many as tell it apart.
    pub matrix: Vec<serde_json::Map<String, Value>>,
    /// The steps, in order; a step whose request fails to produce what a later one needs ends
    /// the scenario.
    pub steps: Vec<Step>,
}

/// What a scenario may need of the target or the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// The run may write (not `--read-only`).
    Writes,
    /// A second key (`--api-key-b`).
    SecondKey,
    /// A call with a recording.
    Recording,
    /// A control API like vici-mock's (`--control-url`).
    ControlApi,
    /// Purchases are allowed (they cost money on a real target).
    Spending,
    /// CSV imports are allowed (v1 cannot delete the contacts they create).
    Imports,
    /// The target issues keys, so a well-formed key can be unknown (not a mock whose open key
    /// policy gives any key a workspace: there, such a scenario is not applicable).
    IssuedKeys,
    /// The run may spend the key's whole rate limit (about a minute and 301 requests): against
    /// vici-mock at v1's 300 a minute, or a real target with `--include rate-limit`.
    RateLimit,
    /// The runner's webhook receiver: registered through the control API of a mock, or an
    /// endpoint the user configured at the target (`--webhook-secret`).
    WebhookReceiver,
    /// The target sends to an endpoint the user configured for the runner's receiver, and
    /// events are caused outside the runner (`--webhook-secret` without a control API); not
    /// applicable against a mock, whose events the control API causes.
    ConfiguredEndpoint,
}

impl Capability {
    /// Snake-case name, as written in the files.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Writes => "writes",
            Capability::SecondKey => "second_key",
            Capability::Recording => "recording",
            Capability::ControlApi => "control_api",
            Capability::Spending => "spending",
            Capability::Imports => "imports",
            Capability::IssuedKeys => "issued_keys",
            Capability::RateLimit => "rate_limit",
            Capability::WebhookReceiver => "webhook_receiver",
            Capability::ConfiguredEndpoint => "configured_endpoint",
        }
    }
}

/// One step: a request, and what its answer must show.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Stable name within the scenario.
    pub step: String,
    /// The request (or a `control` action instead).
    #[serde(default)]
    pub request: Option<Request>,
    /// An action on the target's control API instead of a request (needs `control_api`).
    #[serde(default)]
    pub control: Option<Control>,
    /// Walk every page of a list instead of sending one request.
    #[serde(default)]
    pub paginate: Option<Paginate>,
    /// Send the request many times in a row instead of once, unpaced, to reach a rate limit.
    #[serde(default)]
    pub burst: Option<Burst>,
    /// Let this many seconds pass instead of sending a request (a number, or a template such as
    /// `"{{wait}}"`): on the target's virtual clock where it has a control API, else by
    /// sleeping (at most ten minutes).
    #[serde(default)]
    pub pause: Option<Value>,
    /// Wait for a webhook delivery instead of sending a request (needs `webhook_receiver`):
    /// the step's answer is the delivery (its headers, and its payload as the body).
    #[serde(default)]
    pub await_event: Option<AwaitEvent>,
    /// Change how the runner's webhook receiver answers, from this step to the scenario's end.
    #[serde(default)]
    pub receiver: Option<ReceiverSettings>,
    /// Assertions on the answer.
    #[serde(default)]
    pub expect: Vec<Assertion>,
    /// Variables taken from the answer, for the steps after.
    #[serde(default)]
    pub capture: BTreeMap<String, Capture>,
}

/// An action on a control API like vici-mock's: exactly one of the fields. The answer of the
/// control API is the step's body, for captures.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Move the virtual clock on by this many seconds.
    #[serde(default)]
    pub advance_clock: Option<f64>,
    /// Register the runner's webhook receiver (its URL and the run's secret) for the key's
    /// workspace; the object's other fields (`events`) are sent along. Once per key and run: a
    /// second registration answers the first one's endpoint.
    #[serde(default)]
    pub register_webhook: Option<serde_json::Map<String, Value>>,
    /// Start a simulated call in the key's workspace (`POST /_mock/calls`: `ringSec`,
    /// `durationSec`, `outcome`, `failureReason`, `agentId`, `toNumber`, `direction` …); the
    /// answer is the call's summary.
    #[serde(default)]
    pub simulate_call: Option<serde_json::Map<String, Value>>,
    /// Start a simulated campaign over a contact list (`POST /_mock/campaigns`:
    /// `contactListId`, `spacingSec`, `durationSec` …).
    #[serde(default)]
    pub start_campaign: Option<serde_json::Map<String, Value>>,
    /// Whose workspace (`a` or `b`); default `a`.
    #[serde(default)]
    pub key: Key,
}

impl Control {
    /// How many actions the step names (exactly one is right).
    pub fn actions(&self) -> usize {
        usize::from(self.advance_clock.is_some())
            + usize::from(self.register_webhook.is_some())
            + usize::from(self.simulate_call.is_some())
            + usize::from(self.start_campaign.is_some())
    }
}

/// Wait for a delivery at the runner's webhook receiver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwaitEvent {
    /// The event type (`call.completed`), or `any`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// A pattern the payload must contain (objects by their listed fields, arrays by their
    /// listed items, other values equal); templated.
    #[serde(default, rename = "match")]
    pub pattern: Option<Value>,
    /// How many matching attempts to wait for (2: a first attempt and its retry); default 1.
    /// The step's answer is the last of them.
    #[serde(default = "one")]
    pub attempts: u32,
    /// The deadline in real seconds (a number or a template such as `"{{webhook_wait}}"`);
    /// default 10. Against a mock everything due has been sent before a control step answers.
    #[serde(default)]
    pub within: Option<Value>,
    /// The check a delivery that never came fails (default `webhook_delivered`).
    #[serde(default)]
    pub check: Option<String>,
    /// The requirement (default the check's own source).
    #[serde(default)]
    pub cite: Option<String>,
}

fn one() -> u32 {
    1
}

/// How the receiver answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverSettings {
    /// Answer 500 to the first attempt of every delivery (so the target must retry it).
    pub fail_first_attempt: bool,
}

/// Send one request many times in a row, as fast as the target answers: without the runner's
/// pacing, and without retrying a refusal. It stops at the first answer with a status of 400 or
/// more, which is the step's answer for its assertions (the last one when none is refused).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// Most requests sent.
    pub max: u32,
    /// A variable set to how many answers came before the refusal (all of them when none was
    /// refused).
    pub admitted: String,
}

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    /// The primary key.
    #[default]
    A,
    /// The second key.
    B,
    /// No Authorization header.
    None,
    /// A well-formed key that no workspace has.
    Unknown,
}

/// A request: an operation of the contract (or a method and path), its parameters and body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// An operationId of the contract.
    #[serde(default)]
    pub operation: Option<String>,
    /// Or a method …
    #[serde(default)]
    pub method: Option<String>,
    /// … and a path under the base URL.
    #[serde(default)]
    pub path: Option<String>,
    /// Or a whole URL (a signed recording URL); `query` entries then replace its parameters of
    /// the same name or add to them.
    #[serde(default)]
    pub url: Option<String>,
    /// Follow one redirect (without the key when it leads to another origin).
    #[serde(default)]
    pub follow_redirect: bool,
    /// Sent without a key and refused with 401 on the API's own origin: send it once more with
    /// key A (a recording URL may be an API URL that redirects to the signed one, D-RECORDING).
    #[serde(default)]
    pub retry_with_key: bool,
    /// Send it once as it is: without waiting for the rate limit's window, and without
    /// retrying a 429 (the runner's pacing would hide the refusal under test).
    #[serde(default)]
    pub unpaced: bool,
    /// Path parameters (`id`).
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    /// Query parameters; an array value repeats the parameter.
    #[serde(default)]
    pub query: BTreeMap<String, Value>,
    /// Extra headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Which key.
    #[serde(default)]
    pub key: Key,
    /// A JSON body.
    #[serde(default)]
    pub json: Option<Value>,
    /// A CSV body (`text/csv`).
    #[serde(default)]
    pub csv: Option<String>,
    /// A generated CSV body (`text/csv`): a header row and `count` rows made from one template.
    #[serde(default)]
    pub csv_rows: Option<CsvRows>,
    /// A JSON body generated from the operation's request schema, seeded by the run's seed and
    /// the step (the same seed gives the same body), with `set`'s fields laid over it.
    #[serde(default)]
    pub generate: Option<Generate>,
}

/// A body generated from the contract.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    /// Top-level fields that replace the generated ones (templated): the run tag in a name.
    #[serde(default)]
    pub set: serde_json::Map<String, Value>,
}

/// A CSV body too long to write out: `header`, then `count` rows, each `row` with `{{row}}` set
/// to its number (1, 2, …; the header is not counted).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvRows {
    /// The header row (templated).
    pub header: String,
    /// One row (templated; `{{row}}` is the row's number).
    pub row: String,
    /// How many rows (at most a million).
    pub count: u32,
}

/// Walk a list page by page (`limit`/`offset`), checking the page invariants on the way.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paginate {
    /// Page size.
    pub limit: u32,
    /// Most pages walked; a list longer than this is walked in part and the checks that need
    /// the whole list are skipped, with the reason.
    #[serde(default = "max_pages")]
    pub max_pages: u32,
    /// The check the page invariants report under.
    pub check: String,
    /// The requirement they rest on (default: the check's own source).
    #[serde(default)]
    pub cite: Option<String>,
}

fn max_pages() -> u32 {
    20
}

/// One assertion: a check id, what it rests on, and one thing to hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    /// A check id of the catalogue.
    pub check: String,
    /// The requirement: a page quote in double quotes, or a D-entry id; default the check's.
    #[serde(default)]
    pub cite: Option<String>,
    /// What a failure means, for the report.
    #[serde(default)]
    pub title: Option<String>,
    /// The status must be one of these.
    #[serde(default)]
    pub status: Option<Statuses>,
    /// A condition on the answer (a JSON pointer into the body, a header or a variable).
    #[serde(default)]
    pub that: Option<Cond>,
    /// Every item (of a walked list, or of `/data`) satisfies the condition (pointers are
    /// relative to the item).
    #[serde(default)]
    pub every: Option<Cond>,
    /// The walked list holds exactly the items of variable `of` that satisfy `where` (by `id`,
    /// or by `key` when given).
    #[serde(default)]
    pub same_items: Option<SameItems>,
    /// The walked list holds the item whose `key` (default `/id`) equals `id`, and it satisfies
    /// `that`; or, with `absent: true`, holds no such item.
    #[serde(default)]
    pub find: Option<Find>,
    /// The array `every` and `ordered` read: a pointer into the body (default: the walked
    /// items, else `/data`).
    #[serde(default)]
    pub list: Option<String>,
    /// The list is in this order: each key compared in turn.
    #[serde(default)]
    pub ordered: Option<Vec<OrderKey>>,
    /// The numbers at `field` of the items at `items` add up to the number at `total`.
    #[serde(default)]
    pub sums: Option<Sums>,
    /// The body is a WAV file whose sizes are consistent and whose duration is this many
    /// seconds, within a second.
    #[serde(default)]
    pub wav_duration: Option<Value>,
}

/// One key of a list's order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderKey {
    /// The field (a pointer into each item); timestamps compare as instants.
    pub pointer: String,
    /// Largest first.
    #[serde(default)]
    pub desc: bool,
}

/// A total against its parts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sums {
    /// The array of parts (a pointer into the body).
    pub items: String,
    /// The number in each part (a pointer into it).
    pub field: String,
    /// The total (a pointer into the body).
    pub total: String,
}

/// One item of a walked list, by its key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Find {
    /// The key's value.
    pub id: Value,
    /// The field that identifies an item (default `/id`).
    #[serde(default)]
    pub key: Option<String>,
    /// What the item must satisfy (pointers relative to it).
    #[serde(default)]
    pub that: Option<Cond>,
    /// The item must not be there.
    #[serde(default)]
    pub absent: bool,
}

/// One status or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Statuses {
    /// Exactly this.
    One(u16),
    /// Any of these.
    Any(Vec<u16>),
}

impl Statuses {
    /// The statuses as a list.
    pub fn list(&self) -> Vec<u16> {
        match self {
            Statuses::One(s) => vec![*s],
            Statuses::Any(v) => v.clone(),
        }
    }
}

/// A condition on one value: where it is, and what it must be.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    /// A JSON pointer into the body (or into the item).
    #[serde(default)]
    pub pointer: Option<String>,
    /// A response header.
    #[serde(default)]
    pub header: Option<String>,
    /// A variable (with an optional `/pointer` into it).
    #[serde(default)]
    pub var: Option<String>,
    /// Equal to (JSON equality; numbers by value).
    #[serde(default)]
    pub equals: Option<Value>,
    /// Not equal to.
    #[serde(default)]
    pub differs: Option<Value>,
    /// A string containing, an array holding, or an object holding every member of (in
    /// depth), this.
    #[serde(default)]
    pub contains: Option<Value>,
    /// A string matching this ECMA 262 pattern.
    #[serde(default)]
    pub matches: Option<String>,
    /// A number at least this.
    #[serde(default)]
    pub min: Option<f64>,
    /// A number at most this.
    #[serde(default)]
    pub max: Option<f64>,
    /// An RFC 3339 timestamp not before this one.
    #[serde(default)]
    pub not_before: Option<String>,
    /// An RFC 3339 timestamp not after this one.
    #[serde(default)]
    pub not_after: Option<String>,
    /// Whether the value is there at all (default: it must be, for the other tests).
    #[serde(default)]
    pub present: Option<bool>,
    /// The length of an array or string equals this.
    #[serde(default)]
    pub length: Option<u64>,
    /// A number equal to the sum of these (each a number or a variable holding one).
    #[serde(default)]
    pub sum_of: Option<Vec<Value>>,
}

/// The walked list against a filtered copy of another.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SameItems {
    /// The variable holding the other list (a capture with `items: true`).
    pub of: String,
    /// The filter to apply to it (pointers relative to each item); none: all of it.
    #[serde(default, rename = "where")]
    pub filter: Option<Cond>,
    /// The field that identifies an item (default `/id`).
    #[serde(default)]
    pub key: Option<String>,
}

/// A variable taken from the answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// A JSON pointer into the body (for a `paginate` step: into the walked items, an array).
    #[serde(default)]
    pub pointer: Option<String>,
    /// A response header.
    #[serde(default)]
    pub header: Option<String>,
    /// Every item a `paginate` step walked, as an array (`null` when the list was longer than
    /// the walk's `max_pages`, so comparisons that need all of it skip).
    #[serde(default)]
    pub items: bool,
    /// A JSON pointer into the body the step sent (`""`: all of it), e.g. a generated one.
    #[serde(default)]
    pub sent: Option<String>,
    /// With `pointer` at a URL: the value of this query parameter of it (a URL without it skips
    /// the scenario, with the reason).
    #[serde(default)]
    pub url_param: Option<String>,
}
