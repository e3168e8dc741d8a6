//! The command line: flags as data (clap derive), each with an environment variable, and the
//! commands that the thin binary dispatches to.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::case::{Case, Phase};
use crate::checks::catalogue::CATALOGUE;
use crate::events::Verdict;
use crate::exec::CheckFilter;
use crate::exit_code;
use crate::http::TargetConfig;
use crate::profile::Profile;
use crate::report::{self, Reporter};
use crate::runner::{RunConfig, RunError};

/// vici-conformance: checks any implementation of the VICIagent v1 API against its contract.
///
/// Exit codes: 0 conformant, 1 deviations found (or the time budget ran out first, or a
/// certification left a MUST untested), 2 usage or configuration error, 3 target unreachable or a
/// failure of the runner itself.
#[derive(Debug, Parser)]
#[command(name = "vici-conformance", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suites against a base URL.
    Run(Box<RunArgs>),
    /// List the check catalogue.
    Checks,
    /// Re-run stored failing cases against a base URL.
    Replay(Box<ReplayArgs>),
    /// Work with scenario suites.
    #[command(subcommand)]
    Scenarios(ScenariosCommand),
    /// Compare two JSON reports, requirement by requirement (two implementations, or one before
    /// and after a change); exits 1 when a requirement that passed in A does not in B.
    Compare(CompareArgs),
}

/// `compare` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    /// The first JSON report (`run --report json=PATH`).
    pub a: PathBuf,
    /// The second.
    pub b: PathBuf,
    /// Also write the comparison as HTML or Markdown: html=PATH or markdown=PATH (repeatable).
    #[arg(long = "report", value_delimiter = ',')]
    pub reports: Vec<String>,
}

/// `scenarios` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScenariosCommand {
    /// Check suite files: unknown keys, operations, check ids and citations, and variables used
    /// before they are set, each with file and line. Without DIR, the built-in suites.
    Lint {
        /// A directory of `.yaml` suite files.
        dir: Option<PathBuf>,
    },
    /// List the scenarios (built-in, and DIR's if given).
    List {
        /// A directory of `.yaml` suite files.
        dir: Option<PathBuf>,
    },
}

/// Where and with which keys.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Base URL of the implementation, e.g. https://app.viciagent.com/api/v1.
    #[arg(long, env = "VICI_BASE_URL")]
    pub base_url: String,
    /// API key (sent as a Bearer token).
    #[arg(long, env = "VICI_API_KEY", hide_env_values = true)]
    pub api_key: String,
    /// A second key of another workspace: enables the isolation checks.
    #[arg(long, env = "VICI_API_KEY_B", hide_env_values = true)]
    pub api_key_b: Option<String>,
    /// Seconds before an exchange counts as hung.
    #[arg(long, env = "VICI_TIMEOUT", default_value_t = 10.0)]
    pub timeout: f64,
}

/// `run` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Control API of the target where one exists (the mock's /_mock).
    #[arg(long, env = "VICI_CONTROL_URL")]
    pub control_url: Option<String>,
    /// Which bindings fail the run: page (the reference page's promises; the default), contract
    /// (also our contract's decisions, spec/DECISIONS.md) or strict (also our mock's own
    /// behaviour). Departures the profile does not hold are reported as notes. certification
    /// fails as page does and also on every page requirement no case tested; it runs every
    /// phase, check and suite (the rate limit and webhooks included).
    #[arg(long, env = "VICI_PROFILE", default_value = "page", value_parser = parse_profile)]
    pub profile: Profile,
    /// With --profile certification: also require the reference contract's decisions
    /// (`contract`), for programs that certify against all of it.
    #[arg(long, env = "VICI_REQUIRE", value_parser = ["contract"])]
    pub require: Option<String>,
    /// Root seed: the same seed against the same target sends the same cases.
    #[arg(long, env = "VICI_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Generated cases per operation in the fuzzing phase.
    #[arg(long, env = "VICI_MAX_EXAMPLES", default_value_t = 100)]
    pub max_examples: usize,
    /// Stop after this many seconds; a spent budget is reported as incomplete, never as a pass.
    #[arg(long, env = "VICI_TIME_BUDGET")]
    pub time_budget: Option<f64>,
    /// Whose contract judges the responses: `reference` (spec/openapi.json, the default) or
    /// `target` (the target's own openapi.json, for implementations that publish a stricter one).
    #[arg(long, env = "VICI_CONTRACT", default_value = "reference", value_parser = ["reference", "target"])]
    pub contract: String,
    /// Send at most this many requests; the plan spends them where they test the most (the
    /// examples, the protocol and stateful suites, coverage, then fuzzing).
    #[arg(long, env = "VICI_REQUEST_BUDGET")]
    pub request_budget: Option<u64>,
    /// Send only requests that change nothing (GET and HEAD): operations that write are not
    /// tested.
    #[arg(long, env = "VICI_READ_ONLY")]
    pub read_only: bool,
    /// Allow at most N phone number purchases (they cost money). Default: none, unless the
    /// control URL answers like vici-mock's, where purchases are free and unlimited.
    #[arg(long, env = "VICI_ALLOW_PURCHASES", value_name = "N")]
    pub allow_purchases: Option<u64>,
    /// Allow at most N CSV imports (v1 cannot delete the contacts they create). Default as for
    /// purchases.
    #[arg(long, env = "VICI_ALLOW_IMPORTS", value_name = "N")]
    pub allow_imports: Option<u64>,
    /// Also run a suite that is off against a real target (repeatable): `rate-limit` spends the
    /// key's whole rate limit (about a minute and 301 requests; the key's other clients are
    /// refused meanwhile). Against vici-mock at v1's limit it runs anyway, on the virtual clock.
    #[arg(long = "include", env = "VICI_INCLUDE", value_delimiter = ',', value_parser = ["rate-limit"])]
    pub include: Vec<String>,
    /// Where the runner's webhook receiver listens. Against vici-mock it is registered through
    /// the control API; against a real target, configure `http://ADDR/webhooks` as an endpoint
    /// there and pass its secret with --webhook-secret.
    #[arg(
        long,
        env = "VICI_WEBHOOK_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:0"
    )]
    pub webhook_listen: std::net::SocketAddr,
    /// The secret of the endpoint configured at the target for the runner's receiver: the
    /// webhook scenarios then wait for the target's own events.
    #[arg(long, env = "VICI_WEBHOOK_SECRET", value_name = "SECRET")]
    pub webhook_secret: Option<String>,
    /// How long a webhook scenario waits for an event, in seconds (default 5 against vici-mock,
    /// 120 against a real target).
    #[arg(long, env = "VICI_WEBHOOK_WAIT", value_name = "SECONDS")]
    pub webhook_wait: Option<f64>,
    /// Print the plan (operations, requests, what the run would create or change) and send
    /// nothing, not even to the target's control API.
    #[arg(long)]
    pub dry_run: bool,
    /// Cases in flight at once.
    #[arg(long, env = "VICI_WORKERS", default_value_t = 8)]
    pub workers: usize,
    /// Only this operation (repeatable; operationIds from the contract).
    #[arg(long = "operation", env = "VICI_OPERATIONS", value_delimiter = ',')]
    pub operations: Vec<String>,
    /// Only this check (repeatable; ids from `vici-conformance checks`).
    #[arg(long = "check", env = "VICI_CHECKS", value_delimiter = ',')]
    pub checks: Vec<String>,
    /// Never this check (repeatable).
    #[arg(
        long = "exclude-check",
        env = "VICI_EXCLUDE_CHECKS",
        value_delimiter = ','
    )]
    pub exclude_checks: Vec<String>,
    /// Scenario suites of your own: a directory of `.yaml` files, run after the built-in ones.
    #[arg(long, env = "VICI_SCENARIOS")]
    pub scenarios: Option<PathBuf>,
    /// Accepted known deviations: a YAML file of entries with a check, a reason and an expiry
    /// date (see the README). They are shown, and do not fail the gate until they expire.
    #[arg(long, env = "VICI_BASELINE", value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Only this scenario (`suite/scenario`) or suite (`suite`) of the scenarios phase
    /// (repeatable; ids from `vici-conformance scenarios list`).
    #[arg(long = "scenario", env = "VICI_SCENARIO", value_delimiter = ',')]
    pub only_scenarios: Vec<String>,
    /// Only this phase (repeatable): examples, coverage, fuzzing, protocol, scenarios (`stateful`,
    /// its old name, still works).
    #[arg(long = "phase", env = "VICI_PHASES", value_delimiter = ',')]
    pub phases: Vec<String>,
    /// Write a report: json=PATH, junit=PATH, markdown=PATH or html=PATH (repeatable).
    #[arg(long = "report", env = "VICI_REPORTS", value_delimiter = ',')]
    pub reports: Vec<String>,
    /// Where failing cases are stored for `replay`.
    #[arg(
        long,
        env = "VICI_FAILURES",
        default_value = "vici-conformance-failures.json"
    )]
    pub failures: PathBuf,
    /// No progress bar (it is off anyway when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

/// `replay` flags: those of `run`. A case is sent again as it was; a failure a scenario found
/// re-runs that whole scenario, with the flags the scenarios phase reads (`--control-url`,
/// `--api-key-b`, `--allow-imports` …) and a fresh seed, so the names it gives are new.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    run: RunArgs,
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::parse(s).ok_or_else(|| {
        format!("unknown profile '{s}': use page, contract, strict or certification")
    })
}

fn target_config(t: &TargetArgs) -> TargetConfig {
    TargetConfig {
        base_url: t.base_url.trim_end_matches('/').to_owned(),
        api_key: t.api_key.clone(),
        api_key_b: t.api_key_b.clone(),
        timeout: Duration::from_secs_f64(t.timeout.clamp(0.1, 3_600.0)),
        max_body: 32 << 20,
    }
}

fn phase(s: &str) -> Option<Phase> {
    [
        Phase::Examples,
        Phase::Coverage,
        Phase::Fuzzing,
        Phase::Protocol,
        Phase::Scenario,
    ]
    .into_iter()
    .find(|p| p.as_str() == s)
    // The stateful flows are scenarios now: the old name still selects them.
    .or_else(|| (s == "stateful").then_some(Phase::Scenario))
}

/// Checks the flags and builds the run configuration; `Err` is a usage error message.
pub fn run_config(a: &RunArgs) -> Result<RunConfig, String> {
    for c in a.checks.iter().chain(&a.exclude_checks) {
        if crate::checks::catalogue::info(c).is_none() {
            return Err(format!(
                "unknown check '{c}' (see `vici-conformance checks`)"
            ));
        }
    }
    let mut phases = BTreeSet::new();
    for p in &a.phases {
        phases.insert(phase(p).ok_or_else(|| {
            format!("unknown phase '{p}': use examples, coverage, fuzzing, protocol or scenarios")
        })?);
    }
    if phases.is_empty() {
        phases = [
            Phase::Examples,
            Phase::Coverage,
            Phase::Fuzzing,
            Phase::Protocol,
            Phase::Scenario,
        ]
        .into();
    }
    if a.workers == 0 {
        return Err("--workers must be at least 1".to_owned());
    }
    let mut profile = a.profile;
    if a.require.is_some() {
        if !profile.is_certification() {
            return Err("--require contract goes with --profile certification".to_owned());
        }
        profile = Profile::CertificationContract;
    }
    if profile.is_certification() {
        // A certification is the whole of it: nothing may be left out by a filter.
        for (given, flag) in [
            (!a.phases.is_empty(), "--phase"),
            (!a.checks.is_empty(), "--check"),
            (!a.exclude_checks.is_empty(), "--exclude-check"),
            (!a.operations.is_empty(), "--operation"),
            (!a.only_scenarios.is_empty(), "--scenario"),
            (a.read_only, "--read-only"),
        ] {
            if given {
                return Err(format!(
                    "--profile certification runs every phase, check and scenario: drop {flag}"
                ));
            }
        }
    }
    if a.webhook_wait
        .is_some_and(|w| !w.is_finite() || !(0.0..=3_600.0).contains(&w))
    {
        return Err("--webhook-wait must be a number of seconds from 0 to 3600".to_owned());
    }
    Ok(RunConfig {
        target: target_config(&a.target),
        seed: a.seed,
        max_examples: a.max_examples,
        time_budget: a.time_budget.map(|s| Duration::from_secs_f64(s.max(0.0))),
        workers: a.workers,
        operations: a.operations.iter().cloned().collect(),
        checks: CheckFilter {
            only: a.checks.iter().cloned().collect(),
            exclude: a.exclude_checks.iter().cloned().collect(),
        },
        phases,
        max_shrink_steps: 64,
        profile,
        control_url: a.control_url.clone(),
        request_budget: a.request_budget,
        judge_by_target_contract: a.contract == "target",
        scenarios: select_scenarios(load_scenarios(a.scenarios.as_deref())?, &a.only_scenarios)?,
        safety: crate::safety::Safety {
            read_only: a.read_only,
            allow_purchases: a.allow_purchases,
            allow_imports: a.allow_imports,
            exhaust_rate_limit: profile.is_certification()
                || a.include.iter().any(|i| i == "rate-limit"),
        },
        baseline: match &a.baseline {
            Some(p) => Some(crate::baseline::Baseline::load(p).map_err(|e| e.to_string())?),
            None => None,
        },
        webhooks: crate::webhook::rig::Settings {
            listen: a.webhook_listen,
            secret: a.webhook_secret.clone().filter(|s| !s.is_empty()),
            wait: a.webhook_wait.map(Duration::from_secs_f64),
        },
    })
}

/// Runs the parsed command; returns the process exit code.
pub async fn main(cli: Cli) -> u8 {
    crate::http::install_crypto();
    match cli.command {
        Command::Checks => {
            print_checks();
            exit_code::CONFORMANT
        }
        Command::Compare(a) => compare(&a),
        Command::Run(a) => run(*a).await,
        Command::Replay(a) => replay(*a).await,
        Command::Scenarios(c) => scenarios(&c),
    }
}

/// The built-in suites and those of `dir`, linted; `Err` is every problem, one a line.
pub fn load_scenarios(
    dir: Option<&std::path::Path>,
) -> Result<Vec<crate::scenario::load::Loaded>, String> {
    use crate::scenario::load;
    let mut files = load::built_in().map_err(|e| e.to_string())?;
    if let Some(d) = dir {
        files.extend(load::from_dir(d).map_err(|e| e.to_string())?);
    }
    let problems = crate::scenario::lint::lint(&files);
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// The scenarios `only` names (`suite/scenario` or `suite`), all of them when it is empty.
pub fn select_scenarios(
    files: Vec<crate::scenario::load::Loaded>,
    only: &[String],
) -> Result<Vec<crate::scenario::load::Loaded>, String> {
    if only.is_empty() {
        return Ok(files);
    }
    let known = |id: &str| {
        files.iter().any(|f| {
            f.suite.suite == id
                || f.suite
                    .scenarios
                    .iter()
                    .any(|sc| format!("{}/{}", f.suite.suite, sc.scenario) == id)
        })
    };
    if let Some(unknown) = only.iter().find(|id| !known(id)) {
        return Err(format!(
            "no scenario or suite '{unknown}' (see `vici-conformance scenarios list`)"
        ));
    }
    Ok(files
        .into_iter()
        .filter_map(|mut f| {
            let suite = f.suite.suite.clone();
            if !only.contains(&suite) {
                f.suite
                    .scenarios
                    .retain(|sc| only.contains(&format!("{suite}/{}", sc.scenario)));
            }
            (!f.suite.scenarios.is_empty()).then_some(f)
        })
        .collect())
}

fn scenarios(c: &ScenariosCommand) -> u8 {
    let (dir, list) = match c {
        ScenariosCommand::Lint { dir } => (dir, false),
        ScenariosCommand::List { dir } => (dir, true),
    };
    match load_scenarios(dir.as_deref()) {
        Ok(files) => {
            let mut out = String::new();
            let n: usize = files.iter().map(|f| f.suite.scenarios.len()).sum();
            if list {
                for f in &files {
                    for sc in &f.suite.scenarios {
                        let needs: Vec<&str> = sc.requires.iter().map(|c| c.as_str()).collect();
                        out.push_str(&format!(
                            "{:<36} {}{}\n",
                            format!("{}/{}", f.suite.suite, sc.scenario),
                            sc.title,
                            if needs.is_empty() {
                                String::new()
                            } else {
                                format!(" (needs {})", needs.join(", "))
                            }
                        ));
                    }
                }
            } else {
                out.push_str(&format!(
                    "{} files, {n} scenarios: no problems\n",
                    files.len()
                ));
            }
            print_text(&out);
            exit_code::CONFORMANT
        }
        Err(e) => {
            eprintln!("{e}");
            exit_code::USAGE
        }
    }
}

#[allow(clippy::print_stdout)]
fn print_text(text: &str) {
    print!("{text}");
}

#[allow(clippy::print_stdout)]
fn print_checks() {
    let mut out = String::new();
    for c in CATALOGUE {
        out.push_str(&format!(
            "{:<26} {:<6} {:<8} {}\n{:<42} source: {}\n",
            c.id,
            c.level.as_str(),
            c.binding.as_str(),
            c.description,
            "",
            c.source
        ));
    }
    print!("{out}");
}

async fn run(a: RunArgs) -> u8 {
    let cfg = match run_config(&a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vici-conformance: {e}");
            return exit_code::USAGE;
        }
    };
    if a.dry_run {
        return match crate::runner::dry_run(&cfg) {
            Ok(text) => {
                print_text(&text);
                exit_code::CONFORMANT
            }
            Err(e) => {
                eprintln!("vici-conformance: failed to {e}");
                exit_code::USAGE
            }
        };
    }
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    let redactor = report::Redactor::new(
        [
            Some(a.target.api_key.clone()),
            a.target.api_key_b.clone(),
            a.webhook_secret.clone(),
        ]
        .into_iter()
        .flatten(),
    );
    for r in &a.reports {
        match report::parse_report_arg(r) {
            Ok((format, path)) => reporters.push(report::file_reporter(format, path, &redactor)),
            Err(e) => {
                eprintln!("vici-conformance: {e}");
                return exit_code::USAGE;
            }
        }
    }
    let visible = !a.no_progress && std::io::stderr().is_terminal();
    reporters.push(Box::new(report::ProgressReporter::new(visible)));
    reporters.push(Box::new(report::TerminalReporter::new(std::io::stdout())));
    if let Some(control) = &a.control_url {
        // The control API, where there is one, tells us the target is a mock we may reset; the
        // runner only checks it answers, so a typo is caught before a long run.
        if reqwest::get(format!("{}/health", control.trim_end_matches('/')))
            .await
            .is_err()
        {
            eprintln!("vici-conformance: the control URL {control} does not answer");
            return exit_code::USAGE;
        }
    }
    match crate::runner::run(cfg, &mut reporters).await {
        Ok(outcome) => {
            if let Err(e) = write_failures(&a.failures, &outcome.failing_cases, a.seed) {
                eprintln!("vici-conformance: failed to {e}");
                return exit_code::RUNNER_ERROR;
            }
            match outcome.summary.verdict {
                Verdict::Conformant => exit_code::CONFORMANT,
                Verdict::Deviations | Verdict::Incomplete => exit_code::DEVIATIONS,
                Verdict::NothingTested => exit_code::USAGE,
            }
        }
        Err(e) => {
            eprintln!("vici-conformance: failed to {e}");
            match e {
                RunError::Target(_) | RunError::UnknownOperation(_) => exit_code::USAGE,
                RunError::Discovery(crate::fixtures::DiscoveryError::KeyRefused(_)) => {
                    exit_code::USAGE
                }
                RunError::Preflight(p) if !p.is_unreachable() => exit_code::USAGE,
                RunError::Discovery(_)
                | RunError::Report(_)
                | RunError::Preflight(_)
                | RunError::TargetDown(_) => exit_code::RUNNER_ERROR,
                RunError::TargetContract(_) | RunError::Webhook(_) => exit_code::USAGE,
            }
        }
    }
}

fn write_failures(path: &PathBuf, cases: &[Case], seed: u64) -> Result<(), String> {
    if cases.is_empty() {
        // A clean run leaves no stale failures behind.
        let _ = std::fs::remove_file(path);
        return Ok(());
    }
    let text = serde_json::to_string_pretty(
        &serde_json::json!({ "version": 1, "seed": seed, "cases": cases }),
    )
    .map_err(|e| format!("serialise the failing cases: {e}"))?;
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

/// Loads a failures file, with the seed of the run that wrote it (files of older versions
/// have none).
pub fn read_failures_with_seed(path: &PathBuf) -> Result<(Vec<Case>, Option<u64>), String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("parse {}: {e}", path.display()))?;
    let cases = serde_json::from_value(v["cases"].clone())
        .map_err(|e| format!("read the cases of {}: {e}", path.display()))?;
    Ok((cases, v["seed"].as_u64()))
}

/// Loads a failures file.
pub fn read_failures(path: &PathBuf) -> Result<Vec<Case>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("parse {}: {e}", path.display()))?;
    serde_json::from_value(v["cases"].clone())
        .map_err(|e| format!("read the cases of {}: {e}", path.display()))
}

#[allow(clippy::print_stdout)]
fn compare(a: &CompareArgs) -> u8 {
    let read = |p: &PathBuf| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("read {}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("read {}: not JSON: {e}", p.display()))
    };
    let result = read(&a.a).and_then(|va| {
        let vb = read(&a.b)?;
        crate::compare::compare(
            &a.a.display().to_string(),
            &va,
            &a.b.display().to_string(),
            &vb,
        )
    });
    let c = match result {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vici-conformance: failed to compare: {e}");
            return exit_code::USAGE;
        }
    };
    for r in &a.reports {
        let (kind, path) = r.split_once('=').unwrap_or((r.as_str(), ""));
        let text = match kind {
            _ if path.is_empty() => None,
            k if k == crate::report::Format::Html.as_str() => Some(crate::compare::html(&c)),
            k if k == crate::report::Format::Markdown.as_str() => {
                Some(crate::compare::markdown(&c))
            }
            _ => None,
        };
        let Some(text) = text else {
            eprintln!("vici-conformance: --report {r}: expected html=PATH or markdown=PATH");
            return exit_code::USAGE;
        };
        let written = crate::report::write_file(std::path::Path::new(path), &text);
        if let Err(e) = written {
            eprintln!("vici-conformance: failed to {e}");
            return exit_code::RUNNER_ERROR;
        }
    }
    print!("{}", crate::compare::terminal(&c));
    if c.regressed() {
        exit_code::DEVIATIONS
    } else {
        exit_code::CONFORMANT
    }
}

/// The scenario (`suite/scenario`) a case of the scenarios phase came from.
pub fn scenario_of(case: &Case) -> Option<String> {
    if case.phase != Phase::Scenario {
        return None;
    }
    crate::scenario::scenario_of_case_id(&case.id)
}

#[allow(clippy::print_stdout)]
async fn replay(a: ReplayArgs) -> u8 {
    let a = a.run;
    let (cases, seed) = match read_failures_with_seed(&a.failures) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vici-conformance: failed to {e}");
            return exit_code::USAGE;
        }
    };
    let target = match crate::http::Target::new(target_config(&a.target)) {
        Ok(t) => std::sync::Arc::new(t),
        Err(e) => {
            eprintln!("vici-conformance: failed to {e}");
            return exit_code::USAGE;
        }
    };
    let exec = crate::exec::Executor {
        contract: spec::Contract::v1(),
        target,
        checks: CheckFilter::default(),
        profile: a.profile,
    };
    let mut failing = 0;
    let mut scenarios: Vec<String> = Vec::new();
    for case in cases {
        // A scenario's failure depends on the steps before it: the whole scenario runs again.
        if let Some(id) = scenario_of(&case) {
            if !scenarios.contains(&id) {
                scenarios.push(id);
            }
            continue;
        }
        let (rec, result) = exec.run(case).await;
        if matches!(result, Err(crate::http::TransportError::Connect(_))) {
            eprintln!(
                "vici-conformance: the target {} is unreachable",
                a.target.base_url
            );
            return exit_code::RUNNER_ERROR;
        }
        let must: Vec<_> = rec.findings.iter().filter(|f| f.is_failure()).collect();
        if must.is_empty() {
            println!("fixed   {}", rec.case.id);
        } else {
            failing += 1;
            for f in must {
                println!(
                    "failing {} [{}] {}\n        {}",
                    rec.case.id, f.check, f.title, f.curl
                );
            }
        }
    }
    if !scenarios.is_empty() {
        match replay_scenarios(&a, &scenarios, seed).await {
            Ok(n) => failing += n,
            Err(code) => return code,
        }
    }
    if failing == 0 {
        exit_code::CONFORMANT
    } else {
        exit_code::DEVIATIONS
    }
}

/// Runs `ids` again as a scenarios-only run with a seed after the failing run's (so the names
/// it gives do not collide with that run's); prints each scenario's ending; returns how many
/// still fail, or the exit code of a run that could not happen.
#[allow(clippy::print_stdout)]
async fn replay_scenarios(a: &RunArgs, ids: &[String], seed: Option<u64>) -> Result<usize, u8> {
    let mut args = a.clone();
    // A replay re-runs parts: it judges them as a certification would, without its demand that
    // everything ran.
    args.profile = match (a.profile, &a.require) {
        (Profile::CertificationContract, _) | (Profile::Certification, Some(_)) => {
            Profile::Contract
        }
        (Profile::Certification, None) => Profile::Page,
        (p, _) => p,
    };
    args.require = None;
    args.phases = vec!["scenarios".to_owned()];
    args.only_scenarios = ids.to_vec();
    args.seed = seed.unwrap_or(a.seed).wrapping_add(1);
    let cfg = run_config(&args).map_err(|e| {
        eprintln!("vici-conformance: {e}");
        exit_code::USAGE
    })?;
    println!(
        "re-running {} scenario{} with seed {} (run tag {})",
        ids.len(),
        if ids.len() == 1 { "" } else { "s" },
        cfg.seed,
        cfg.tag()
    );
    let outcome = crate::runner::run(cfg, &mut []).await.map_err(|e| {
        eprintln!("vici-conformance: failed to {e}");
        exit_code::RUNNER_ERROR
    })?;
    let s = &outcome.summary;
    let mut failing = 0;
    for o in &s.scenarios {
        let reason = o
            .reason
            .as_deref()
            .map_or_else(String::new, |r| format!(": {r}"));
        match o.status {
            crate::events::ScenarioStatus::Passed => println!("fixed   scenario {}", o.id),
            crate::events::ScenarioStatus::Failed => {
                failing += 1;
                println!("failing scenario {}{reason}", o.id);
                let prefix = format!("scenario/{}/", o.id);
                for f in s
                    .findings
                    .iter()
                    .filter(|f| f.is_failure() && f.case_id.starts_with(&prefix))
                {
                    println!("        [{}] {}\n        {}", f.check, f.title, f.curl);
                }
            }
            crate::events::ScenarioStatus::Error => {
                failing += 1;
                println!("error   scenario {}{reason}", o.id);
            }
            // Not run this time: it cannot say fixed, so it counts as failing.
            crate::events::ScenarioStatus::Skipped => {
                failing += 1;
                println!("skipped scenario {}{reason}", o.id);
            }
            // It does not apply to this target (an unknown key under an open key policy): what
            // it found cannot happen here.
            crate::events::ScenarioStatus::NotApplicable => {
                println!("not applicable scenario {}{reason}", o.id);
            }
        }
    }
    Ok(failing)
}

#[cfg(test)]
mod replay_tests {
    use super::*;

    fn case(id: &str, phase: Phase) -> Case {
        let mut c = crate::handmade::manual(id.to_owned(), None, phase, "GET", "/agents".into());
        c.id = id.to_owned();
        c
    }

    #[test]
    fn a_scenario_case_names_its_scenario_whatever_its_row_and_step() {
        for (id, want) in [
            ("scenario/agents/rename/create", Some("agents/rename")),
            (
                "scenario/call-filters/each-filter [filter=status, value=failed]/walk/offset40",
                Some("call-filters/each-filter"),
            ),
            (
                "scenario/webhooks/retry/webhook-attempt-3",
                Some("webhooks/retry"),
            ),
            ("scenario/x", None),
        ] {
            assert_eq!(
                scenario_of(&case(id, Phase::Scenario)).as_deref(),
                want,
                "{id}"
            );
        }
        assert_eq!(
            scenario_of(&case("scenario/agents/rename/create", Phase::Protocol)),
            None
        );
    }
}
