//! `vici-conformance scenarios lint`: what parsing cannot catch. Unknown operations, unknown check
//! ids, citations that are neither a page quote nor a D-entry, duplicate ids, and variables used
//! before any step sets them; each an error with file and line.

use std::collections::BTreeSet;

use super::load::{FileError, Loaded};
use super::model::{Assertion, Capability, Cond, Scenario, Step};
use super::template::{names, names_in};

/// Variables every scenario has (see [`super::engine`] for their values).
pub const BUILT_INS: &[&str] = &[
    "tag",
    "seed",
    "seed4",
    "call",
    "agent",
    "number",
    "inventory_number",
    "unknown_agent",
    "unknown_call",
    "unknown_number",
    "webhook_wait",
];

const PAGE: &str = include_str!("../../../spec/reference-page.txt");
const DECISIONS: &str = include_str!("../../../spec/DECISIONS.md");

/// Whether `cite` is a quote of the page (in double quotes) or a D-entry id of DECISIONS.md.
pub fn cite_problem(cite: &str) -> Option<String> {
    if let Some(q) = cite.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        let page: String = PAGE.split_whitespace().collect::<Vec<_>>().join(" ");
        let quote: String = q.split_whitespace().collect::<Vec<_>>().join(" ");
        return (!page.contains(&quote))
            .then(|| format!("the quote {cite} is not on the reference page"));
    }
    if cite.starts_with("D-") {
        return (!DECISIONS.contains(&format!("### {cite}:")))
            .then(|| format!("{cite} is not an entry of spec/DECISIONS.md"));
    }
    Some(format!(
        "cite '{cite}' is neither a page quote in double quotes nor a D-entry id"
    ))
}

fn cond_names(c: &Cond) -> Vec<String> {
    let mut out = Vec::new();
    for v in [&c.equals, &c.differs, &c.contains].into_iter().flatten() {
        out.extend(names_in(v));
    }
    for v in c.sum_of.iter().flatten() {
        out.extend(names_in(v));
    }
    for s in [&c.matches, &c.not_before, &c.not_after]
        .into_iter()
        .flatten()
    {
        out.extend(names(s));
    }
    if let Some(v) = &c.var {
        out.extend(names(&format!("{{{{{v}}}}}")));
    }
    if let Some(p) = &c.pointer {
        out.extend(names(p));
    }
    out
}

fn assertion_names(a: &Assertion) -> Vec<String> {
    let mut out: Vec<String> = [&a.that, &a.every]
        .into_iter()
        .flatten()
        .flat_map(cond_names)
        .collect();
    if let Some(s) = &a.same_items {
        out.push(s.of.clone());
        out.extend(s.filter.iter().flat_map(cond_names));
    }
    if let Some(f) = &a.find {
        out.extend(names_in(&f.id));
        out.extend(f.that.iter().flat_map(cond_names));
    }
    out
}

fn request_names(s: &Step) -> Vec<String> {
    let Some(r) = &s.request else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in [&r.operation, &r.method, &r.path, &r.url, &r.csv]
        .into_iter()
        .flatten()
    {
        out.extend(names(t));
    }
    for m in [&r.params, &r.query] {
        for (k, v) in m {
            out.extend(names(k));
            out.extend(names_in(v));
        }
    }
    for (k, v) in &r.headers {
        out.extend(names(k));
        out.extend(names(v));
    }
    if let Some(j) = &r.json {
        out.extend(names_in(j));
    }
    if let Some(g) = &r.generate {
        for v in g.set.values() {
            out.extend(names_in(v));
        }
    }
    if let Some(g) = &r.csv_rows {
        out.extend(names(&g.header));
        // `{{row}}` is the row's number.
        out.extend(names(&g.row).into_iter().filter(|n| n != "row"));
    }
    out
}

/// Every problem of the files, in file order.
pub fn lint(files: &[Loaded]) -> Vec<FileError> {
    let contract = spec::Contract::v1();
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for f in files {
        let at = |needle: &str, message: String| FileError {
            file: f.file.clone(),
            line: f.line_of(needle),
            message,
        };
        for sc in &f.suite.scenarios {
            let id = format!("{}/{}", f.suite.suite, sc.scenario);
            if !ids.insert(id.clone()) {
                out.push(at(
                    &format!("scenario: {}", sc.scenario),
                    format!("the scenario id {id} is used twice"),
                ));
            }
            out.extend(scenario(f, sc, contract, &at));
        }
    }
    out
}

/// An error for each of `used` that no earlier step (nor a built-in, var or matrix) sets.
fn unbound(
    st: &Step,
    used: Vec<String>,
    bound: &BTreeSet<String>,
    at: &dyn Fn(&str, String) -> FileError,
) -> Vec<FileError> {
    used.into_iter()
        .filter(|name| !bound.contains(name))
        .map(|name| {
            at(
                &format!("{{{{{name}"),
                format!(
                    "step {}: the variable '{name}' is used before any step sets it",
                    st.step
                ),
            )
        })
        .collect()
}

/// The problems of a step's request: its operation, its body, its burst.
fn request(
    st: &Step,
    r: &super::model::Request,
    sc: &Scenario,
    contract: &spec::Contract,
    at: &dyn Fn(&str, String) -> FileError,
) -> Vec<FileError> {
    let mut out = Vec::new();
    if let Some(b) = &st.burst {
        if st.paginate.is_some() {
            out.push(at(
                &format!("step: {}", st.step),
                format!(
                    "step {}: a step is a `burst` or a `paginate`, not both",
                    st.step
                ),
            ));
        }
        if b.max == 0 {
            out.push(at(
                "max:",
                format!("step {}: a burst sends at least one request", st.step),
            ));
        }
    }
    match (&r.operation, &r.method, &r.path) {
        (None, _, None) if r.url.is_some() => {}
        (Some(op), None, None) if r.url.is_none() => {
            // A templated operation is checked for each matrix row.
            let candidates: Vec<String> = if op.contains("{{") {
                sc.matrix
                    .iter()
                    .filter_map(|row| {
                        let vars: super::template::Vars =
                            row.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                        super::template::render(op, &vars).ok()
                    })
                    .collect()
            } else {
                vec![op.clone()]
            };
            for c in candidates {
                if contract.operation(&c).is_none() {
                    out.push(at(
                        &c,
                        format!("step {}: the contract has no operation '{c}'", st.step),
                    ));
                }
            }
        }
        (None, Some(_), Some(_)) => {}
        _ => out.push(at(
            &format!("step: {}", st.step),
            format!(
                "step {}: give `operation`, both `method` and `path`, or `url`",
                st.step
            ),
        )),
    }
    if r.generate.is_some() && r.operation.is_none() {
        out.push(at(
            &format!("step: {}", st.step),
            format!(
                "step {}: `generate` draws from an operation's request schema: give `operation`",
                st.step
            ),
        ));
    }
    if usize::from(r.json.is_some())
        + usize::from(r.csv.is_some())
        + usize::from(r.csv_rows.is_some())
        + usize::from(r.generate.is_some())
        > 1
    {
        out.push(at(
            &format!("step: {}", st.step),
            format!(
                "step {}: a body is one of `json`, `csv`, `csv_rows` and `generate`",
                st.step
            ),
        ));
    }
    out
}

fn scenario(
    f: &Loaded,
    sc: &Scenario,
    contract: &spec::Contract,
    at: &dyn Fn(&str, String) -> FileError,
) -> Vec<FileError> {
    let _ = f;
    let mut out = Vec::new();
    let mut bound: BTreeSet<String> = BUILT_INS.iter().map(|s| (*s).to_owned()).collect();
    bound.extend(sc.vars.keys().cloned());
    let rows: Vec<BTreeSet<&String>> = sc.matrix.iter().map(|r| r.keys().collect()).collect();
    if let Some(first) = rows.first() {
        if rows.iter().any(|r| r != first) {
            out.push(at(
                "matrix:",
                format!(
                    "{}: every matrix row must set the same variables",
                    sc.scenario
                ),
            ));
        }
        bound.extend(first.iter().map(|s| (*s).clone()));
    }
    let mut steps = BTreeSet::new();
    for st in &sc.steps {
        if !steps.insert(st.step.as_str()) {
            out.push(at(
                &format!("step: {}", st.step),
                format!("{}: the step name {} is used twice", sc.scenario, st.step),
            ));
        }
        let kinds = usize::from(st.request.is_some())
            + usize::from(st.control.is_some())
            + usize::from(st.pause.is_some())
            + usize::from(st.await_event.is_some())
            + usize::from(st.receiver.is_some());
        if kinds != 1 {
            out.push(at(
                &format!("step: {}", st.step),
                format!(
                    "step {}: give exactly one of `request`, `control`, `pause`, `await_event` and `receiver`",
                    st.step
                ),
            ));
            continue;
        }
        let needs = |cap: Capability, what: &str| -> Option<FileError> {
            (!sc.requires.contains(&cap)).then(|| {
                at(
                    &format!("step: {}", st.step),
                    format!(
                        "{}: {what} needs `requires: [{}]`",
                        sc.scenario,
                        cap.as_str()
                    ),
                )
            })
        };
        if let Some(p) = &st.pause {
            out.extend(unbound(st, names_in(p), &bound, at));
            continue;
        }
        if st.receiver.is_some() {
            out.extend(needs(Capability::WebhookReceiver, "a receiver step"));
            continue;
        }
        if let Some(c) = &st.control {
            out.extend(needs(Capability::ControlApi, "a control step"));
            if c.actions() != 1 {
                out.push(at(
                    &format!("step: {}", st.step),
                    format!(
                        "step {}: a control step takes exactly one of advance_clock, register_webhook, simulate_call and start_campaign",
                        st.step
                    ),
                ));
            }
            if c.register_webhook.is_some() {
                out.extend(needs(Capability::WebhookReceiver, "register_webhook"));
            }
            // Registering an endpoint, a call or a campaign changes the workspace: never in a
            // read-only run.
            if c.advance_clock.is_none() {
                out.extend(needs(
                    Capability::Writes,
                    "a control step that changes the workspace",
                ));
            }
            if !st.expect.is_empty() {
                out.push(at(
                    &format!("step: {}", st.step),
                    format!(
                        "step {}: a control step's answer is for captures, not assertions",
                        st.step
                    ),
                ));
            }
            let used = [&c.register_webhook, &c.simulate_call, &c.start_campaign]
                .into_iter()
                .flatten()
                .flat_map(|m| m.values().flat_map(names_in).collect::<Vec<_>>())
                .collect();
            out.extend(unbound(st, used, &bound, at));
        }
        if let Some(a) = &st.await_event {
            out.extend(needs(Capability::WebhookReceiver, "await_event"));
            if a.event_type != "any" && contract.webhook(&a.event_type).is_none() {
                out.push(at(
                    &a.event_type,
                    format!(
                        "step {}: the contract has no webhook event '{}' (or give `any`)",
                        st.step, a.event_type
                    ),
                ));
            }
            if a.attempts == 0 {
                out.push(at(
                    "attempts:",
                    format!("step {}: await at least one attempt", st.step),
                ));
            }
            let used = a
                .pattern
                .iter()
                .chain(&a.within)
                .flat_map(names_in)
                .collect();
            out.extend(unbound(st, used, &bound, at));
        }
        if let Some(r) = &st.request {
            out.extend(request(st, r, sc, contract, at));
            if let Some(b) = &st.burst {
                bound.insert(b.admitted.clone());
            }
        }
        let mut checks: Vec<(&str, Option<&String>)> = st
            .expect
            .iter()
            .map(|a| (a.check.as_str(), a.cite.as_ref()))
            .collect();
        if let Some(p) = &st.paginate {
            checks.push((p.check.as_str(), p.cite.as_ref()));
        }
        if let Some(a) = &st.await_event {
            if let Some(c) = &a.check {
                checks.push((c.as_str(), a.cite.as_ref()));
            } else if let Some(c) = &a.cite {
                checks.push((super::deliveries::DELIVERED, Some(c)));
            }
        }
        for (check, cite) in checks {
            if crate::checks::catalogue::info(check).is_none() {
                out.push(at(
                    &format!("check: {check}"),
                    format!("step {}: unknown check id '{check}'", st.step),
                ));
            }
            if let Some(c) = cite
                && let Some(p) = cite_problem(c)
            {
                out.push(at(c.trim_matches('"'), format!("step {}: {p}", st.step)));
            }
        }
        for a in &st.expect {
            let conds = [&a.that, &a.every].into_iter().flatten().count()
                + usize::from(a.status.is_some())
                + usize::from(a.same_items.is_some())
                + usize::from(a.find.is_some())
                + usize::from(a.ordered.is_some())
                + usize::from(a.sums.is_some())
                + usize::from(a.wav_duration.is_some());
            if conds == 0 {
                out.push(at(
                    &format!("check: {}", a.check),
                    format!(
                        "step {}: the assertion of {} asserts nothing (give status, that, every, same_items, find, ordered or sums)",
                        st.step, a.check
                    ),
                ));
            }
        }
        let used: Vec<String> = request_names(st)
            .into_iter()
            .chain(st.expect.iter().flat_map(assertion_names))
            .collect();
        out.extend(unbound(st, used, &bound, at));
        for (name, c) in &st.capture {
            if c.items && st.paginate.is_none() {
                out.push(at(
                    &format!("{name}:"),
                    format!("step {}: `items: true` needs a `paginate` step", st.step),
                ));
            }
            if usize::from(c.pointer.is_some())
                + usize::from(c.header.is_some())
                + usize::from(c.sent.is_some())
                + usize::from(c.items)
                != 1
            {
                out.push(at(
                    &format!("{name}:"),
                    format!(
                        "step {}: capture {name} takes exactly one of pointer, header, sent, items",
                        st.step
                    ),
                ));
            }
            if c.url_param.is_some() && c.pointer.is_none() {
                out.push(at(
                    &format!("{name}:"),
                    format!(
                        "step {}: capture {name}: `url_param` reads the URL at a `pointer`",
                        st.step
                    ),
                ));
            }
            bound.insert(name.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::parse;

    const BAD: &str = r#"suite: bad
title: Problems lint finds
scenarios:
  - scenario: one
    title: One of each problem
    steps:
      - step: list
        request:
          operation: listAgentz
        expect:
          - check: no_such_check
            status: 200
          - check: pagination
            cite: '"this sentence is not on the page"'
            that: {pointer: /total, equals: "{{later}}"}
      - step: later
        request:
          operation: listCalls
        capture:
          later: {pointer: /total}
"#;

    #[test]
    fn lint_names_file_line_and_problem() {
        let f = parse("bad.yaml", BAD).unwrap();
        let errors: Vec<String> = lint(&[f]).iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "bad.yaml:9: step list: the contract has no operation 'listAgentz'",
                "bad.yaml:11: step list: unknown check id 'no_such_check'",
                "bad.yaml:14: step list: the quote \"this sentence is not on the page\" is not on the reference page",
                "bad.yaml:15: step list: the variable 'later' is used before any step sets it",
            ]
        );
    }

    const WEBHOOK_STEPS: &str = r#"suite: hooks
title: Problems of webhook steps
scenarios:
  - scenario: one
    title: A call without writes, an unknown event, two actions
    requires: [control_api]
    steps:
      - step: call
        control:
          simulate_call: {ringSec: "{{ring}}"}
      - step: wait
        await_event:
          type: call.exploded
      - step: both
        control:
          advance_clock: 5
          start_campaign: {}
"#;

    #[test]
    fn webhook_steps_need_their_capabilities_and_known_events() {
        let f = parse("hooks.yaml", WEBHOOK_STEPS).unwrap();
        let errors: Vec<String> = lint(&[f]).iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "hooks.yaml:8: one: a control step that changes the workspace needs `requires: [writes]`",
                "hooks.yaml:10: step call: the variable 'ring' is used before any step sets it",
                "hooks.yaml:11: one: await_event needs `requires: [webhook_receiver]`",
                "hooks.yaml:13: step wait: the contract has no webhook event 'call.exploded' (or give `any`)",
                "hooks.yaml:14: step both: a control step takes exactly one of advance_clock, register_webhook, simulate_call and start_campaign",
            ]
        );
    }

    #[test]
    fn unknown_keys_are_parse_errors_with_a_line() {
        let text = "suite: x\ntitle: t\nscenarios:\n  - scenario: a\n    title: b\n    stpes: []\n";
        let e = parse("x.yaml", text).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("stpes"), "{e}");
    }

    #[test]
    fn the_built_in_suites_lint_clean() {
        let files = crate::scenario::load::built_in().expect("the built-in suites parse");
        let errors: Vec<String> = lint(&files).iter().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }

    #[test]
    fn cites_are_page_quotes_or_d_entries() {
        assert_eq!(cite_problem("\"limit/offset\""), None);
        assert_eq!(cite_problem("D-LIST"), None);
        assert!(cite_problem("D-NOPE").is_some());
        assert!(cite_problem("somewhere").is_some());
    }
}
