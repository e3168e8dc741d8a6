//! Checks that judge one exchange: the universal ones (every response) and the ones that compare
//! a response with what its case expected. Each is a small named function (a [`CheckFn`]); its
//! entry in the registry (`checks/catalogue.rs`, `Kind::Exchange`) holds it under its id, which
//! is how the executor finds it and how it is switched by name.

use serde_json::Value;
use spec::{Binding, Contract, Operation, Rule};

use crate::case::{Case, Expectation};
use crate::http::{Exchange, TransportError};

/// What a check needs to judge a response.
pub struct Ctx<'a> {
    /// The contract.
    pub contract: &'a Contract,
    /// The operation of the case, if any.
    pub op: Option<&'a Operation>,
    /// The case that was sent.
    pub case: &'a Case,
}

/// A check's verdict on one exchange.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The check has nothing to say about this exchange.
    Skip,
    /// The check held.
    Pass,
    /// The check failed.
    Fail(Failure),
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Short title, stable across cases (used to deduplicate).
    pub title: String,
    /// Details for this case.
    pub message: String,
    /// Where in the response.
    pub instance_pointer: Option<String>,
    /// Where in the schema.
    pub schema_path: Option<String>,
    /// The rule broken, when it is more precise than the check's own binding (the schema node
    /// that failed, the header, the case's expectation).
    pub rule: Option<Rule>,
}

/// A failure of the check's own rule (its catalogue binding and source).
pub(crate) fn fail(title: impl Into<String>, message: impl Into<String>) -> Applied {
    Applied::Fail(Failure {
        title: title.into(),
        message: message.into(),
        instance_pointer: None,
        schema_path: None,
        rule: None,
    })
}

/// A failure of a rule other than the check's default one.
pub fn fail_as(rule: Rule, title: impl Into<String>, message: impl Into<String>) -> Applied {
    Applied::Fail(Failure {
        title: title.into(),
        message: message.into(),
        instance_pointer: None,
        schema_path: None,
        rule: Some(rule),
    })
}

fn contract(source: &str) -> Rule {
    Rule::new(Binding::Contract, source)
}

/// An exchange check: a verdict on one exchange. Registered as `Kind::Exchange` in the catalogue.
pub type CheckFn = fn(&Ctx<'_>, &Result<Exchange, TransportError>) -> Applied;

fn ok(r: &Result<Exchange, TransportError>) -> Option<&Exchange> {
    r.as_ref().ok()
}

pub(super) fn not_a_server_error(ctx: &Ctx<'_>, r: &Result<Exchange, TransportError>) -> Applied {
    match r {
        // A server may refuse an oversized body and close the connection before reading it
        // (RFC 9110, 15.5.14); the client then fails writing. That is not a server error.
        Err(TransportError::Broken(m))
            if matches!(ctx.case.expect, Expectation::Reject { status: 413, .. })
                && (m.contains("Broken pipe")
                    || m.contains("reset")
                    || m.contains("writing a body")) =>
        {
            Applied::Skip
        }
        Err(e) => fail("no valid response", e.to_string()),
        Ok(ex) if ex.status >= 500 => fail(
            format!("status {} is a server error", ex.status),
            format!("body: {}", excerpt(&ex.body)),
        ),
        Ok(_) => Applied::Pass,
    }
}

pub(super) fn status_code_documented(
    ctx: &Ctx<'_>,
    r: &Result<Exchange, TransportError>,
) -> Applied {
    let (Some(ex), Some(op)) = (ok(r), ctx.op) else {
        return Applied::Skip;
    };
    // 5xx are reported by not_a_server_error. A `default` response documents any other
    // *error* status (D-ERROR: a real implementation may send 403 forbidden, say); a success or
    // a redirect must be listed by its own status.
    if ex.status >= 500 {
        return Applied::Skip;
    }
    let documented = documented(op, ex.status).is_some();
    if documented {
        return Applied::Pass;
    }
    fail(
        format!("status {} is not documented", ex.status),
        format!(
            "documented: {}; body: {}",
            op.documented_statuses().join(", "),
            excerpt(&ex.body)
        ),
    )
}

/// The response `op` documents for `status`: its own entry, or `default` for an error. A success
/// or a redirect the operation does not list is undocumented (`status_code_documented`), and is
/// never judged by the error shape of `default`: a 302 or a 200 where we document 204 is a
/// legitimate alternative, not a malformed error.
fn documented(op: &Operation, status: u16) -> Option<&spec::Response> {
    op.response(status)
        .filter(|r| r.status != "default" || status >= 400)
}

fn essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json_type(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

pub(super) fn content_type(ctx: &Ctx<'_>, r: &Result<Exchange, TransportError>) -> Applied {
    let (Some(ex), Some(op)) = (ok(r), ctx.op) else {
        return Applied::Skip;
    };
    let Some(doc) = documented(op, ex.status) else {
        return Applied::Skip;
    };
    let head = ctx.case.method == "HEAD";
    if doc.content.is_empty() {
        if !ex.body.is_empty() && !head {
            return fail_as(
                contract("D-ERROR"),
                format!("status {} carries a body it documents none for", ex.status),
                format!("{} bytes: {}", ex.body.len(), excerpt(&ex.body)),
            );
        }
        return Applied::Pass;
    }
    let got = ex.header("content-type").map(essence).unwrap_or_default();
    if doc.content.iter().any(|m| essence(&m.media_type) == got) {
        return Applied::Pass;
    }
    let want: Vec<&str> = doc.content.iter().map(|m| m.media_type.as_str()).collect();
    let title = format!("status {} has Content-Type '{got}'", ex.status);
    let message = format!("documented: {}", want.join(", "));
    // The page promises JSON and a WAV; the exact spelling (audio/x-wav, a +json type) is ours.
    let same_family = doc.content.iter().any(|m| {
        let m = essence(&m.media_type);
        (is_json_type(&m) && is_json_type(&got))
            || (m.starts_with("audio/") && got.starts_with("audio/"))
    });
    if same_family {
        fail_as(contract("D-ERROR"), title, message)
    } else {
        fail(title, message)
    }
}

pub(super) fn response_headers(ctx: &Ctx<'_>, r: &Result<Exchange, TransportError>) -> Applied {
    let (Some(ex), Some(op)) = (ok(r), ctx.op) else {
        return Applied::Skip;
    };
    let Some(doc) = documented(op, ex.status) else {
        return Applied::Skip;
    };
    // Every header is judged; the strongest broken rule is the one reported, so a missing
    // page-level header is never hidden behind a contract-level one.
    let mut worst: Option<Applied> = None;
    let mut worst_binding = Binding::Mock;
    for h in &doc.headers {
        let verdict = match ex.header(&h.name) {
            None if h.required => Some(fail_as(
                h.rule.clone(),
                format!("required header {} is missing on {}", h.name, ex.status),
                "the contract requires it on this response".to_owned(),
            )),
            None => None,
            Some(raw) => {
                let integer = h.schema.get("type").and_then(Value::as_str) == Some("integer");
                let value = match raw.trim().parse::<i64>() {
                    Ok(n) if integer => Value::from(n),
                    _ => Value::from(raw),
                };
                h.validator.violations(&value).into_iter().next().map(|v| {
                    fail_as(
                        h.rule.clone(),
                        format!("header {} is invalid on {}", h.name, ex.status),
                        format!("'{raw}': {}", v.message),
                    )
                })
            }
        };
        if let Some(v) = verdict
            && (worst.is_none() || h.rule.binding < worst_binding)
        {
            worst_binding = h.rule.binding;
            worst = Some(v);
        }
    }
    worst.unwrap_or(Applied::Pass)
}

pub(super) fn response_schema(ctx: &Ctx<'_>, r: &Result<Exchange, TransportError>) -> Applied {
    let (Some(ex), Some(op)) = (ok(r), ctx.op) else {
        return Applied::Skip;
    };
    let Some(doc) = documented(op, ex.status) else {
        return Applied::Skip;
    };
    let Some(media) = doc.content.iter().find(|m| m.is_json()) else {
        return Applied::Skip;
    };
    if ctx.case.method == "HEAD" {
        return Applied::Skip;
    }
    if ex.truncated {
        return fail(
            "the body is larger than the runner's cap",
            format!("{} bytes read", ex.body.len()),
        );
    }
    let Some(value) = ex.json_ref() else {
        return fail_as(
            Rule::new(Binding::Page, "\"REST + JSON\""),
            format!("status {} body is not JSON", ex.status),
            format!("body: {}", excerpt(&ex.body)),
        );
    };
    match media.classify(value) {
        None => Applied::Pass,
        Some(c) => Applied::Fail(Failure {
            title: format!(
                "status {} body breaks the schema at {}",
                ex.status,
                generalise(&c.violation.instance_pointer)
            ),
            message: format!(
                "at '{}': {} (schema {})",
                c.violation.instance_pointer, c.violation.message, c.violation.schema_path
            ),
            instance_pointer: Some(c.violation.instance_pointer),
            schema_path: Some(c.violation.schema_path),
            rule: Some(c.rule),
        }),
    }
}

/// `/data/3/id` and `/data/7/id` are the same problem: numbers become `*` in titles.
fn generalise(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The `Error` schema as a media type (validator and projections), compiled once: compiling a
/// schema costs far more than validating with it, and every error response is checked.
fn error_media(contract: &Contract) -> Option<&'static spec::MediaType> {
    static ERROR: std::sync::OnceLock<Option<spec::MediaType>> = std::sync::OnceLock::new();
    ERROR
        .get_or_init(|| {
            let schema = contract.schema("Error")?.clone();
            let validator = contract.validator(&schema).ok()?;
            Some(spec::MediaType {
                media_type: "application/json".to_owned(),
                schema,
                validator,
                examples: Vec::new(),
                projections: Default::default(),
            })
        })
        .as_ref()
}

pub(super) fn error_shape(ctx: &Ctx<'_>, r: &Result<Exchange, TransportError>) -> Applied {
    let Some(ex) = ok(r) else {
        return Applied::Skip;
    };
    if ex.status < 400 || ex.status >= 500 || ctx.case.method == "HEAD" {
        // 5xx are not_a_server_error's: one broken exchange is one finding.
        return Applied::Skip;
    }
    let Some(body) = ex.json_ref() else {
        return fail(
            format!("{} is not the JSON error shape", ex.status),
            format!("body: {}", excerpt(&ex.body)),
        );
    };
    let Some(error) = error_media(ctx.contract) else {
        return Applied::Skip;
    };
    if let Some(c) = error.classify(body) {
        return fail_as(
            c.rule,
            format!("{} is not the error shape", ex.status),
            format!(
                "at '{}': {}; body: {}",
                c.violation.instance_pointer,
                c.violation.message,
                excerpt(&ex.body)
            ),
        );
    }
    let code = body["error"].as_str().unwrap_or("");
    let allowed = spec::rules::codes_for(ex.status);
    if !allowed.is_empty() && !allowed.contains(&code) {
        // The page's own example pairs the rate limit with `rate_limited`; every other pairing
        // is our table.
        let rule = if ex.status == 429 {
            Rule::new(
                Binding::Page,
                "\"error\": \"rate_limited\", \"message\": \"too many requests — wait 12s\"",
            )
        } else {
            contract("D-ERROR")
        };
        return fail_as(
            rule,
            format!("{} carries error code '{code}'", ex.status),
            format!(
                "the contract pairs {} with {}",
                ex.status,
                allowed.join(" or ")
            ),
        );
    }
    if ex.status == 429 {
        let header = ex.header("retry-after");
        let seconds = header.and_then(|v| v.trim().parse::<i64>().ok());
        let body_value = &body["details"]["retryAfterSec"];
        if seconds != body_value.as_i64() {
            let shown = match header {
                Some(h) => format!("Retry-After '{h}'"),
                None => "no Retry-After header".to_owned(),
            };
            return fail_as(
                contract("D-RATE"),
                "Retry-After differs from details.retryAfterSec",
                format!("{shown}, details.retryAfterSec {body_value}"),
            );
        }
    }
    Applied::Pass
}

pub(super) fn negative_data_rejection(
    ctx: &Ctx<'_>,
    r: &Result<Exchange, TransportError>,
) -> Applied {
    let Expectation::Reject {
        status,
        error,
        binding,
        ..
    } = &ctx.case.expect
    else {
        return Applied::Skip;
    };
    let Some(ex) = ok(r) else {
        return Applied::Skip;
    };
    if ex.status >= 500 {
        return Applied::Skip;
    }
    if ex.status == *status {
        return Applied::Pass;
    }
    let message = format!(
        "expected {status} {error}; got {}: {}",
        ex.status,
        excerpt(&ex.body)
    );
    if (200..300).contains(&ex.status) {
        // Accepting it breaks the rule the case was built on (the page's, for a tampered
        // recording signature; the contract's for most).
        return fail_as(
            Rule::new(*binding, rejection_source(*binding)),
            format!("invalid input accepted ({})", ctx.case.note),
            message,
        );
    }
    // Refused, with another status: which 4xx is our table.
    fail_as(
        contract("D-ERROR"),
        format!(
            "invalid input answered {} instead of {status} ({})",
            ex.status, ctx.case.note
        ),
        message,
    )
}

fn rejection_source(binding: Binding) -> &'static str {
    match binding {
        Binding::Page => "\"GET /v1/calls/:id/recording.wav — streamed audio. Signed-URL gated.\"",
        // The only mock-bound request rules are the id prefixes.
        Binding::Mock => "D-IDS",
        Binding::Contract => "D-ERROR, D-PARAMS, D-UNKNOWN",
    }
}

/// Whether a reported violation matches an expected location (`query:limit`, `body:/a/b`).
pub fn location_matches(expected: &str, v: &Value) -> bool {
    let Some((kind, what)) = expected.split_once(':') else {
        return false;
    };
    if v["in"].as_str() != Some(kind) {
        return false;
    }
    match kind {
        "body" => {
            if what.is_empty() || what == "csv" {
                return true;
            }
            let Some(p) = v["pointer"].as_str() else {
                return false;
            };
            // A server may point at the field or at the object that lacks it.
            p == what
                || what.starts_with(&format!("{p}/"))
                || p.starts_with(&format!("{what}/"))
                || p.is_empty()
        }
        _ => v["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(what)),
    }
}

pub(super) fn violation_named(ctx: &Ctx<'_>, r: &Result<Exchange, TransportError>) -> Applied {
    let Expectation::Reject {
        status,
        error,
        locations,
        ..
    } = &ctx.case.expect
    else {
        return Applied::Skip;
    };
    let Some(ex) = ok(r) else {
        return Applied::Skip;
    };
    if ex.status != *status || error != "validation_error" || locations.is_empty() {
        return Applied::Skip;
    }
    let body = ex.json().unwrap_or(Value::Null);
    let violations = body["details"]["violations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if locations
        .iter()
        .any(|l| violations.iter().any(|v| location_matches(l, v)))
    {
        Applied::Pass
    } else {
        fail(
            format!("validation_error does not name {}", locations.join(" or ")),
            format!("details: {}", body["details"]),
        )
    }
}

pub(super) fn positive_data_acceptance(
    ctx: &Ctx<'_>,
    r: &Result<Exchange, TransportError>,
) -> Applied {
    let Expectation::Accept { statuses, binding } = &ctx.case.expect else {
        return Applied::Skip;
    };
    let Some(ex) = ok(r) else {
        return Applied::Skip;
    };
    if ex.status >= 500 {
        return Applied::Skip;
    }
    if statuses.contains(&ex.status) {
        return Applied::Pass;
    }
    let list: Vec<String> = statuses.iter().map(u16::to_string).collect();
    let title = format!("valid input answered {} ({})", ex.status, ctx.case.note);
    let message = format!(
        "expected {}; body: {}",
        list.join(" or "),
        excerpt(&ex.body)
    );
    // A 2xx other than the documented one still accepted the input.
    let binding = if (200..300).contains(&ex.status) {
        Binding::Contract
    } else {
        *binding
    };
    match binding {
        Binding::Page => fail_as(
            Rule::new(
                Binding::Page,
                ctx.op
                    .map(|o| o.rule().source)
                    .unwrap_or_else(|| "the operation the page lists".to_owned()),
            ),
            title,
            message,
        ),
        b => fail_as(Rule::new(b, "D-MODEL"), title, message),
    }
}

pub(super) fn undocumented_field(ctx: &Ctx<'_>, r: &Result<Exchange, TransportError>) -> Applied {
    let (Some(ex), Some(op)) = (ok(r), ctx.op) else {
        return Applied::Skip;
    };
    let Some(media) =
        documented(op, ex.status).and_then(|d| d.content.iter().find(|m| m.is_json()))
    else {
        return Applied::Skip;
    };
    let Some(value) = ex.json_ref() else {
        return Applied::Skip;
    };
    match extra_field(&media.schema, value, "") {
        None => Applied::Pass,
        Some(p) => fail(
            format!("undocumented field {}", generalise(&p)),
            format!("status {}", ex.status),
        ),
    }
}

/// The first field present in `value` but not described by `schema`.
fn extra_field(schema: &Value, value: &Value, at: &str) -> Option<String> {
    if let Some(branches) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        // Judge against the branch that fits best: the first with no extras.
        let mut first = None;
        for b in branches {
            match extra_field(b, value, at) {
                None => return None,
                Some(p) => {
                    first.get_or_insert(p);
                }
            }
        }
        return first;
    }
    match value {
        Value::Object(m) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in m {
                let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match props.and_then(|p| p.get(k)) {
                    Some(s) => {
                        if let Some(p) = extra_field(s, v, &child) {
                            return Some(p);
                        }
                    }
                    None if props.is_some() && schema.get("additionalProperties").is_none() => {
                        return Some(child);
                    }
                    None => {}
                }
            }
            None
        }
        Value::Array(a) => {
            let items = schema.get("items")?;
            a.iter()
                .enumerate()
                .find_map(|(i, v)| extra_field(items, v, &format!("{at}/{i}")))
        }
        _ => None,
    }
}

/// The first 300 characters of a body, for messages.
pub fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let mut out: String = s.chars().take(300).collect();
    if s.chars().count() > 300 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::case::{Auth, Phase};

    fn case(op: &str, expect: Expectation) -> Case {
        Case {
            id: "t/1".into(),
            operation_id: Some(op.into()),
            phase: Phase::Fuzzing,
            method: "GET".into(),
            path: "/agents".into(),
            query: vec![],
            headers: vec![],
            auth: Auth::Primary,
            body: None,
            expect,
            note: "test".into(),
        }
    }

    fn ex(status: u16, headers: &[(&str, &str)], body: Value) -> Result<Exchange, TransportError> {
        Ok(Exchange {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: if body.is_null() {
                vec![]
            } else {
                serde_json::to_vec(&body).unwrap()
            },
            truncated: false,
            elapsed: Duration::ZERO,
            parsed: Default::default(),
        })
    }

    const RL: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("x-ratelimit-limit", "300"),
        ("x-ratelimit-remaining", "299"),
        ("x-ratelimit-reset", "60"),
    ];

    fn run(check: &str, c: &Case, r: &Result<Exchange, TransportError>) -> Applied {
        let contract = Contract::v1();
        let ctx = Ctx {
            contract,
            op: c
                .operation_id
                .as_deref()
                .and_then(|id| contract.operation(id)),
            case: c,
        };
        let (_, f) = crate::checks::catalogue::exchange_checks()
            .find(|(id, _)| *id == check)
            .unwrap();
        f(&ctx, r)
    }

    fn good_list() -> Value {
        json!({ "data": [], "total": 0, "limit": 20, "offset": 0 })
    }

    #[test]
    fn each_check_stays_quiet_on_a_good_exchange() {
        let c = case("listAgents", Expectation::accept(&[200]));
        let r = ex(200, RL, good_list());
        for (id, _) in crate::checks::catalogue::exchange_checks() {
            let out = run(id, &c, &r);
            assert!(
                matches!(out, Applied::Pass | Applied::Skip),
                "{id}: {out:?}"
            );
        }
    }

    #[test]
    fn server_errors_and_transport_failures_fire() {
        let c = case("listAgents", Expectation::Observe);
        assert!(matches!(
            run("not_a_server_error", &c, &ex(503, RL, json!({}))),
            Applied::Fail(_)
        ));
        let broken = Err(TransportError::Broken("reset".into()));
        assert!(matches!(
            run("not_a_server_error", &c, &broken),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn undocumented_status_fires() {
        let c = case("listAgents", Expectation::Observe);
        // `default` documents other errors only: a success or redirect must be listed.
        for status in [203, 302] {
            assert!(matches!(
                run("status_code_documented", &c, &ex(status, RL, Value::Null)),
                Applied::Fail(_)
            ));
        }
        let forbidden = json!({ "error": "forbidden", "message": "no", "details": {} });
        assert_eq!(
            run(
                "status_code_documented",
                &c,
                &ex(403, RL, forbidden.clone())
            ),
            Applied::Pass
        );
        assert_eq!(
            run("error_shape", &c, &ex(403, RL, forbidden)),
            Applied::Pass
        );
    }

    #[test]
    fn wrong_content_type_and_body_on_204_fire() {
        let c = case("listAgents", Expectation::Observe);
        let mut h = RL.to_vec();
        h[0] = ("content-type", "text/html");
        assert!(matches!(
            run("content_type", &c, &ex(200, &h, good_list())),
            Applied::Fail(_)
        ));
        let d = case("deleteAgent", Expectation::Observe);
        assert!(matches!(
            run("content_type", &d, &ex(204, &RL[1..], json!({"ok": true}))),
            Applied::Fail(_)
        ));
        assert_eq!(
            run("content_type", &d, &ex(204, &RL[1..], Value::Null)),
            Applied::Pass
        );
    }

    #[test]
    fn missing_or_invalid_rate_limit_headers_fire() {
        let c = case("listAgents", Expectation::Observe);
        assert!(matches!(
            run("response_headers", &c, &ex(200, &RL[..3], good_list())),
            Applied::Fail(_)
        ));
        let mut h = RL.to_vec();
        h[2] = ("x-ratelimit-remaining", "-1");
        assert!(matches!(
            run("response_headers", &c, &ex(200, &h, good_list())),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn schema_violations_report_pointer_and_schema_path() {
        let c = case("listAgents", Expectation::Observe);
        let Applied::Fail(f) = run(
            "response_schema",
            &c,
            &ex(
                200,
                RL,
                json!({ "data": [], "total": -1, "limit": 20, "offset": 0 }),
            ),
        ) else {
            panic!("expected a failure");
        };
        assert_eq!(f.instance_pointer.as_deref(), Some("/total"));
        assert!(f.schema_path.unwrap().contains("minimum"));
        assert!(matches!(
            run("response_schema", &c, &ex(200, RL, json!("not a list"))),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn error_shape_and_code_pairing() {
        let c = case("listAgents", Expectation::Observe);
        let good = json!({ "error": "unauthorized", "message": "no key", "details": {} });
        assert_eq!(run("error_shape", &c, &ex(401, RL, good)), Applied::Pass);
        let wrong_code = json!({ "error": "not_found", "message": "no key", "details": {} });
        assert!(matches!(
            run("error_shape", &c, &ex(401, RL, wrong_code)),
            Applied::Fail(_)
        ));
        let no_details = json!({ "error": "unauthorized", "message": "no key" });
        assert!(matches!(
            run("error_shape", &c, &ex(401, RL, no_details)),
            Applied::Fail(_)
        ));
        let limited = json!({ "error": "rate_limited", "message": "wait", "details": { "retryAfterSec": 5 } });
        let mut h = RL.to_vec();
        h.push(("retry-after", "7"));
        assert!(matches!(
            run("error_shape", &c, &ex(429, &h, limited)),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn rejection_and_naming() {
        let c = case(
            "listAgents",
            Expectation::reject(400, "validation_error", vec!["query:limit".into()]),
        );
        assert!(matches!(
            run("negative_data_rejection", &c, &ex(200, RL, good_list())),
            Applied::Fail(_)
        ));
        let named = json!({ "error": "validation_error", "message": "bad", "details": { "violations": [{ "in": "query", "name": "limit", "reason": "too big" }] } });
        assert_eq!(
            run("negative_data_rejection", &c, &ex(400, RL, named.clone())),
            Applied::Pass
        );
        assert_eq!(
            run("violation_named", &c, &ex(400, RL, named)),
            Applied::Pass
        );
        let unnamed = json!({ "error": "validation_error", "message": "bad", "details": { "violations": [{ "in": "query", "name": "offset", "reason": "x" }] } });
        assert!(matches!(
            run("violation_named", &c, &ex(400, RL, unnamed)),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn acceptance_fires_on_refusal() {
        let c = case("listAgents", Expectation::accept(&[200]));
        let refused = json!({ "error": "validation_error", "message": "x", "details": { "violations": [{ "in": "query", "name": "q", "reason": "x" }] } });
        assert!(matches!(
            run("positive_data_acceptance", &c, &ex(400, RL, refused)),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn undocumented_fields_are_noted() {
        let c = case("listAgents", Expectation::Observe);
        let extra = json!({ "data": [], "total": 0, "limit": 20, "offset": 0, "next": "x" });
        assert!(matches!(
            run("undocumented_field", &c, &ex(200, RL, extra)),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn a_success_or_redirect_is_never_judged_by_the_default_error_schema() {
        // DELETE documents only 204; a 200 with a body is undocumented, not a broken error.
        let mut d = case("deleteAgent", Expectation::accept(&[204]));
        d.method = "DELETE".into();
        let deleted = ex(200, RL, json!({ "id": "agt_1", "deleted": true }));
        assert!(matches!(
            run("status_code_documented", &d, &deleted),
            Applied::Fail(_)
        ));
        for check in ["response_schema", "content_type", "response_headers"] {
            assert_eq!(run(check, &d, &deleted), Applied::Skip, "{check}");
        }
        // A recording URL that redirects.
        let r = case("getCallRecording", Expectation::Observe);
        let found = ex(302, &[("location", "http://media/x.wav")], Value::Null);
        assert_eq!(run("content_type", &r, &found), Applied::Skip);
        assert_eq!(run("response_schema", &r, &found), Applied::Skip);
        // An error status still is judged by `default`.
        let teapot = ex(418, RL, json!({ "nope": 1 }));
        assert!(matches!(
            run("response_schema", &d, &teapot),
            Applied::Fail(_)
        ));
    }

    #[test]
    fn body_locations_match_leniently_by_prefix() {
        let v = json!({ "in": "body", "pointer": "/voice" });
        assert!(location_matches("body:/voice/speed", &v));
        assert!(!location_matches("body:/name", &v));
        assert!(!location_matches("query:voice", &v));
    }
}
