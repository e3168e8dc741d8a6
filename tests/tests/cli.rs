//! The `vici-conformance` command as a user runs it (in-process): exit codes, reports on disk,
//! the failures file, and `replay` against a fixed and a broken target.

use clap::Parser;
use conformance::cli::{Cli, main};
use conformance::exit_code;
use e2e_tests::start;

fn cli(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("vici-conformance").chain(args.iter().copied()))
        .expect("flags parse")
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vici-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const KEY: &str = "va_conformance_key_a_0001";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_conformant_target_exits_0_and_writes_both_reports() {
    let mock = start(None).await;
    let dir = tmp("ok");
    let json = dir.join("out/report.json");
    let junit = dir.join("out/junit.xml");
    let failures = dir.join("failures.json");
    // The control URL says the mock's key policy is open (so the unknown-key scenario does not
    // apply) and that purchases and imports are free.
    let control = mock.base_url.replace("/api/v1", "/_mock");
    let code = main(cli(&[
        "run",
        "--base-url",
        &mock.base_url,
        "--control-url",
        &control,
        "--api-key",
        KEY,
        "--max-examples",
        "5",
        "--no-progress",
        "--report",
        &format!("json={}", json.display()),
        "--report",
        &format!("junit={}", junit.display()),
        "--failures",
        failures.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(code, exit_code::CONFORMANT);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["verdict"], "conformant");
    // A real run's report holds to the published schema.
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../conformance/schemas/report.schema.json")).unwrap();
    let validator = spec::Validator::compile(&schema).unwrap();
    assert!(
        validator.is_valid(&report),
        "{:?}",
        validator.violations(&report)
    );
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuites")
    );
    assert!(!failures.exists(), "a clean run leaves no failures file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deviations_exit_1_are_stored_and_replay_against_any_target() {
    let broken = start(Some("negative_total")).await;
    let dir = tmp("replay");
    let failures = dir.join("failures.json");
    let f = failures.to_str().unwrap();
    let code = main(cli(&[
        "run",
        "--base-url",
        &broken.base_url,
        "--api-key",
        KEY,
        "--max-examples",
        "3",
        "--no-progress",
        "--operation",
        "listAgents",
        "--profile",
        "contract",
        "--failures",
        f,
    ]))
    .await;
    assert_eq!(code, exit_code::DEVIATIONS);
    let cases = conformance::cli::read_failures(&failures).expect("failures were stored");
    assert!(!cases.is_empty());
    assert_eq!(
        main(cli(&[
            "replay",
            "--base-url",
            &broken.base_url,
            "--api-key",
            KEY,
            "--profile",
            "contract",
            "--failures",
            f
        ]))
        .await,
        exit_code::DEVIATIONS
    );
    // The failures include scenario rows (the unknown-key scenario fails against the mock's
    // open key policy when the runner cannot ask the control API): with the control URL,
    // they are re-run and no longer apply.
    let fixed = start(None).await;
    let control = fixed.base_url.replace("/api/v1", "/_mock");
    assert_eq!(
        main(cli(&[
            "replay",
            "--base-url",
            &fixed.base_url,
            "--control-url",
            &control,
            "--api-key",
            KEY,
            "--failures",
            f
        ]))
        .await,
        exit_code::CONFORMANT
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replay_re_runs_the_whole_scenario_behind_a_scenario_finding() {
    let broken = start(Some("soul_not_stored")).await;
    let dir = tmp("replay-scenario");
    let failures = dir.join("failures.json");
    let f = failures.to_str().unwrap();
    let control = broken.base_url.replace("/api/v1", "/_mock");
    let run = |base: String, control: String| {
        vec![
            "--base-url".to_owned(),
            base,
            "--control-url".to_owned(),
            control,
            "--api-key".to_owned(),
            KEY.to_owned(),
            "--no-progress".to_owned(),
            "--failures".to_owned(),
            f.to_owned(),
        ]
    };
    let mut args = vec!["run".to_owned(), "--phase".into(), "scenarios".into()];
    args.extend(["--scenario".to_owned(), "agents".to_owned()]);
    args.extend(run(broken.base_url.clone(), control.clone()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(main(cli(&args)).await, exit_code::DEVIATIONS);
    let (cases, seed) =
        conformance::cli::read_failures_with_seed(&failures).expect("failures were stored");
    assert_eq!(seed, Some(1), "the run's seed is stored");
    let from: std::collections::BTreeSet<String> = cases
        .iter()
        .filter_map(conformance::cli::scenario_of)
        .collect();
    assert!(
        !from.is_empty() && from.iter().all(|id| id.starts_with("agents/")),
        "{from:?}"
    );
    let replay = |base: String, control: String| {
        let mut v = vec!["replay".to_owned()];
        v.extend(run(base, control));
        v
    };
    let args = replay(broken.base_url.clone(), control);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        main(cli(&args)).await,
        exit_code::DEVIATIONS,
        "still broken"
    );
    let fixed = start(None).await;
    let args = replay(
        fixed.base_url.clone(),
        fixed.base_url.replace("/api/v1", "/_mock"),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(main(cli(&args)).await, exit_code::CONFORMANT, "fixed");
    // An id that names no scenario is a usage error.
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            &fixed.base_url,
            "--api-key",
            KEY,
            "--scenario",
            "agents/no-such-scenario"
        ]))
        .await,
        exit_code::USAGE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_html_report_of_a_failing_run_shows_the_failure_with_a_reproduction_that_works() {
    let broken = start(Some("negative_total")).await;
    let dir = tmp("html");
    let html = dir.join("report.html");
    let code = main(cli(&[
        "run",
        "--base-url",
        &broken.base_url,
        "--api-key",
        KEY,
        "--max-examples",
        "3",
        "--no-progress",
        "--operation",
        "listAgents",
        "--profile",
        "contract",
        "--report",
        &format!("html={}", html.display()),
        "--failures",
        dir.join("f.json").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(code, exit_code::DEVIATIONS);
    let text = std::fs::read_to_string(&html).expect("the report was written");
    assert!(!text.contains(KEY), "the key stays out of the report");
    let row_at = text
        .find("<tr id=\"req-response_schema\">")
        .expect("the failing requirement's row");
    let row = &text[row_at..row_at + text[row_at..].find("</tr>").unwrap()];
    assert!(row.contains("class=\"fail\""), "{row}");
    // The row's curl, run as a person would: it shows the same broken total.
    let curl = &row[row.find("<pre>curl").expect("a curl") + 5..];
    let curl = &curl[..curl.find("</pre>").unwrap()];
    let url = curl
        .rsplit("&#39;")
        .nth(1)
        .expect("the quoted URL")
        .replace("&amp;", "&");
    let body: serde_json::Value = reqwest::Client::new()
        .get(&url)
        .bearer_auth(KEY)
        .send()
        .await
        .expect("the reproduction answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["total"], -1, "{url}: {body}");
}

#[tokio::test]
async fn compare_exits_1_on_a_regression_and_writes_its_reports() {
    let dir = tmp("compare");
    let report = |name: &str, status: &str| {
        let p = dir.join(name);
        let v = serde_json::json!({"tool": "vici-conformance", "run": {"target": name},
            "summary": {"verdict": "conformant", "profile": "page",
                "requirements": [{"id": "isolation", "level": "MUST", "status": status}]}});
        std::fs::write(&p, v.to_string()).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let (before, after) = (report("before.json", "pass"), report("after.json", "fail"));
    let html = dir.join("cmp.html");
    let html_arg = format!("html={}", html.display());
    assert_eq!(
        main(cli(&["compare", &before, &after, "--report", &html_arg])).await,
        exit_code::DEVIATIONS
    );
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("regressed")
    );
    assert_eq!(
        main(cli(&["compare", &after, &before])).await,
        exit_code::CONFORMANT,
        "an improvement is no regression"
    );
    assert_eq!(
        main(cli(&["compare", &before, "/nonexistent.json"])).await,
        exit_code::USAGE
    );
}

#[tokio::test]
async fn a_certification_cannot_be_narrowed() {
    for extra in [
        &["--profile", "certification", "--phase", "scenarios"][..],
        &["--profile", "certification", "--check", "pagination"],
        &["--profile", "certification", "--read-only"],
        &["--require", "contract"],
    ] {
        let mut args = vec![
            "run",
            "--base-url",
            "http://127.0.0.1:9/api/v1",
            "--api-key",
            KEY,
        ];
        args.extend_from_slice(extra);
        assert_eq!(main(cli(&args)).await, exit_code::USAGE, "{extra:?}");
    }
}

#[tokio::test]
async fn usage_errors_exit_2_and_an_unreachable_target_exits_3() {
    assert_eq!(
        main(cli(&["run", "--base-url", "not a url", "--api-key", KEY])).await,
        exit_code::USAGE
    );
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            "http://127.0.0.1:9/api/v1",
            "--api-key",
            KEY,
            "--check",
            "no_such_check"
        ]))
        .await,
        exit_code::USAGE
    );
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            "http://127.0.0.1:9/api/v1",
            "--api-key",
            KEY,
            "--phase",
            "warp"
        ]))
        .await,
        exit_code::USAGE
    );
    assert_eq!(
        main(cli(&[
            "replay",
            "--base-url",
            "http://127.0.0.1:9/api/v1",
            "--api-key",
            KEY,
            "--failures",
            "/nonexistent/f.json"
        ]))
        .await,
        exit_code::USAGE
    );
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let url = format!("http://{addr}/api/v1");
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            &url,
            "--api-key",
            KEY,
            "--no-progress"
        ]))
        .await,
        exit_code::RUNNER_ERROR
    );
    assert_eq!(main(cli(&["checks"])).await, exit_code::CONFORMANT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_is_a_configuration_error() {
    let mock = start(None).await;
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            &mock.base_url,
            "--api-key",
            "not-a-key",
            "--no-progress"
        ]))
        .await,
        exit_code::USAGE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_time_budget_is_incomplete_never_a_pass() {
    let mock = start(None).await;
    let dir = tmp("budget");
    let json = dir.join("report.json");
    let code = main(cli(&[
        "run",
        "--base-url",
        &mock.base_url,
        "--api-key",
        KEY,
        "--time-budget",
        "0",
        "--no-progress",
        "--report",
        &format!("json={}", json.display()),
        "--failures",
        dir.join("f.json").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(code, exit_code::DEVIATIONS);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["verdict"], "incomplete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_tests_nothing_exits_2_and_is_never_conformant() {
    let mock = start(None).await;
    let dir = tmp("nothing");
    let json = dir.join("report.json");
    let runs: [&[&str]; 2] = [
        &["--max-examples", "0", "--phase", "fuzzing"],
        &["--operation", "listAgents", "--check", "cost_sum"],
    ];
    for extra in runs {
        let mut args = vec![
            "run",
            "--base-url",
            &mock.base_url,
            "--api-key",
            KEY,
            "--no-progress",
        ];
        let report = format!("json={}", json.display());
        args.extend(["--report", &report]);
        args.extend_from_slice(extra);
        assert_eq!(main(cli(&args)).await, exit_code::USAGE, "{extra:?}");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(v["summary"]["verdict"], "nothing_tested", "{extra:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_base_url_and_one_key_twice_are_usage_errors() {
    let mock = start(None).await;
    let origin = mock.base_url.trim_end_matches("/api/v1").to_owned();
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            &origin,
            "--api-key",
            KEY,
            "--no-progress"
        ]))
        .await,
        exit_code::USAGE
    );
    let err = conformance::runner::run(e2e_tests::run_config(origin.clone(), 1, 1, 1), &mut [])
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("this is not a VICIagent v1 API: 404")
            && err.contains(&format!("did you mean {origin}/api/v1?")),
        "{err}"
    );
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            &mock.base_url,
            "--api-key",
            KEY,
            "--api-key-b",
            KEY,
            "--no-progress"
        ]))
        .await,
        exit_code::USAGE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_files_are_linted_and_a_users_own_suite_runs() {
    assert_eq!(
        main(cli(&["scenarios", "lint"])).await,
        exit_code::CONFORMANT
    );
    let bad = tmp("scenarios-bad");
    std::fs::write(
        bad.join("mine.yaml"),
        "suite: mine\ntitle: t\nscenarios:\n  - scenario: a\n    title: b\n    steps:\n      - step: c\n        request: {operation: listAgentz}\n",
    )
    .unwrap();
    let bad_dir = bad.to_string_lossy().into_owned();
    assert_eq!(
        main(cli(&["scenarios", "lint", &bad_dir])).await,
        exit_code::USAGE
    );
    assert_eq!(
        main(cli(&["scenarios", "lint", "/nonexistent/scenarios"])).await,
        exit_code::USAGE
    );
    let err = conformance::cli::load_scenarios(Some(&bad)).unwrap_err();
    assert!(
        err.ends_with("mine.yaml:8: step c: the contract has no operation 'listAgentz'"),
        "{err}"
    );
    // A bad suite given to `run` is a usage error before anything is sent.
    assert_eq!(
        main(cli(&[
            "run",
            "--base-url",
            "http://127.0.0.1:9/api/v1",
            "--api-key",
            KEY,
            "--scenarios",
            &bad_dir
        ]))
        .await,
        exit_code::USAGE
    );
    // A good one runs after the built-in suites, and its outcome is in the report.
    let good = tmp("scenarios-good");
    std::fs::write(
        good.join("mine.yaml"),
        "suite: mine\ntitle: My own\nscenarios:\n  - scenario: agents-listed\n    title: Agents list\n    steps:\n      - step: list\n        request: {operation: listAgents}\n        expect:\n          - check: pagination\n            cite: D-LIST\n            that: {pointer: /total, min: 1}\n",
    )
    .unwrap();
    let mock = start(None).await;
    let report = good.join("report.json");
    let control = mock.base_url.replace("/api/v1", "/_mock");
    let code = main(cli(&[
        "run",
        "--base-url",
        &mock.base_url,
        "--control-url",
        &control,
        "--api-key",
        KEY,
        "--phase",
        "scenarios",
        "--scenarios",
        &good.to_string_lossy(),
        "--report",
        &format!("json={}", report.display()),
        "--no-progress",
    ]))
    .await;
    assert_eq!(code, exit_code::CONFORMANT);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let mine: Vec<&serde_json::Value> = v["summary"]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["id"] == "mine/agents-listed")
        .collect();
    assert_eq!(mine.len(), 1, "{}", v["summary"]["scenarios"]);
    assert_eq!(mine[0]["status"], "passed");
}
