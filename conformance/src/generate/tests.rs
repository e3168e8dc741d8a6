//! Tests over the whole contract: every request parameter and body schema of
//! `spec::Contract::v1()`, judged by the same validators (and the same parameter coercion) the
//! mock uses; plus a catalogue of synthetic schemas for the keywords the contract does not use,
//! shrinking, robustness on junk schemas, and the CSV generators.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use spec::{Contract, Location, Operation, ParamIn, Parameter, RawRequest, Validator};

use super::*;

/// Samples per schema in the deterministic sweeps.
const SAMPLES: usize = 200;

fn samples<T: std::fmt::Debug>(strategy: &BoxedStrategy<T>, n: usize) -> Vec<T> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| match strategy.new_tree(&mut runner) {
            Ok(tree) => tree.current(),
            Err(e) => panic!("generation failed: {e}"),
        })
        .collect()
}

/// Every request schema of the contract: (label, schema, validator).
fn body_schemas() -> Vec<(String, Value, Validator)> {
    let mut out = Vec::new();
    for op in Contract::v1().operations() {
        if let Some(body) = &op.request_body {
            for media in &body.content {
                out.push((
                    format!("{} body {}", op.id, media.media_type),
                    media.schema.clone(),
                    media.validator.clone(),
                ));
            }
        }
    }
    out
}

/// Every checked parameter of the contract, with its operation.
fn parameters() -> Vec<(&'static Operation, &'static Parameter)> {
    let mut out = Vec::new();
    for op in Contract::v1().operations() {
        for p in &op.parameters {
            if p.location != ParamIn::Cookie {
                out.push((op, p));
            }
        }
    }
    out
}

fn label(op: &Operation, p: &Parameter) -> String {
    format!("{} {} {}", op.id, p.location.as_str(), p.name)
}

/// Every schema a generator is asked about: parameters and bodies.
fn all_schemas() -> Vec<(String, Value, Validator)> {
    let mut out: Vec<(String, Value, Validator)> = parameters()
        .into_iter()
        .map(|(op, p)| (label(op, p), p.schema.clone(), p.validator.clone()))
        .collect();
    out.extend(body_schemas());
    out
}

/// The violations `validate_parameters` reports for this parameter when it alone is sent
/// with `raw` (other parameters' "is required" are ignored).
fn param_violations(op: &Operation, p: &Parameter, raw: &str) -> Vec<String> {
    let pair = vec![(p.name.clone(), raw.to_owned())];
    let (req, location) = match p.location {
        ParamIn::Path => (
            RawRequest {
                path_params: &pair,
                ..RawRequest::default()
            },
            Location::Path {
                name: p.name.clone(),
            },
        ),
        ParamIn::Query => (
            RawRequest {
                query: &pair,
                ..RawRequest::default()
            },
            Location::Query {
                name: p.name.clone(),
            },
        ),
        ParamIn::Header | ParamIn::Cookie => (
            RawRequest {
                headers: &pair,
                ..RawRequest::default()
            },
            Location::Header {
                name: p.name.clone(),
            },
        ),
    };
    match op.validate_parameters(&req) {
        Ok(_) => Vec::new(),
        Err(violations) => violations
            .into_iter()
            .filter(|v| v.location == location)
            .map(|v| v.to_string())
            .collect(),
    }
}

/// Whether two JSON pointers are on one path (one is a prefix of the other, segment-wise).
fn related(a: &str, b: &str) -> bool {
    let prefix = |short: &str, long: &str| {
        long == short || (long.starts_with(short) && long[short.len()..].starts_with('/'))
    };
    prefix(a, b) || prefix(b, a)
}

#[test]
fn contract_has_the_schemas_we_expect() {
    let params = parameters();
    assert!(params.len() >= 20, "{} parameters", params.len());
    let bodies = body_schemas();
    assert!(bodies.len() >= 5, "{} bodies", bodies.len());
}

#[test]
fn valid_values_validate_for_every_contract_schema() {
    let mut report = Vec::new();
    for (label, schema, validator) in all_schemas() {
        let values = samples(&valid_value(&schema), SAMPLES);
        let failures: Vec<&Value> = values.iter().filter(|v| !validator.is_valid(v)).collect();
        for v in failures.iter().take(3) {
            eprintln!(
                "{label}: generated value does not validate: {v} -> {:?}",
                validator.violations(v)
            );
        }
        let rate = 100.0 * (SAMPLES - failures.len()) as f64 / SAMPLES as f64;
        report.push(format!("{rate:6.1}% valid  {label}"));
        assert!(rate >= 95.0, "{label}: only {rate}% valid");
    }
    eprintln!("valid_value:\n{}", report.join("\n"));
}

#[test]
fn valid_values_have_some_variety() {
    for (label, schema, _) in body_schemas() {
        let values = samples(&valid_value(&schema), 50);
        let mut distinct = values.clone();
        distinct.dedup();
        assert!(
            distinct.len() > 10,
            "{label}: {} distinct values of 50",
            distinct.len()
        );
    }
}

#[test]
fn invalid_values_never_validate_for_every_contract_schema() {
    let mut report = Vec::new();
    for (label, schema, validator) in all_schemas() {
        let values = samples(&invalid_value(&schema), SAMPLES);
        if values.iter().all(|i| i.note == NO_INVALID) {
            // Only unconstrained parameters (e.g. the `Range` header) accept everything.
            assert_eq!(
                schema,
                json!({"type": "string"}),
                "{label}: no invalid value"
            );
            report.push(format!("   n/a (accepts every string)  {label}"));
            continue;
        }
        let mut notes: BTreeMap<String, usize> = BTreeMap::new();
        let mut unrelated = 0;
        for inv in &values {
            let violations = validator.violations(&inv.value);
            assert!(
                !violations.is_empty(),
                "{label}: invalid value validates: {} ({} at {:?})",
                inv.value,
                inv.note,
                inv.pointer
            );
            if !violations
                .iter()
                .any(|v| related(&v.instance_pointer, &inv.pointer))
            {
                unrelated += 1;
                eprintln!(
                    "{label}: pointer {:?} ({}) not among {violations:?}",
                    inv.pointer, inv.note
                );
            }
            let kind = inv
                .note
                .split([':', '('])
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            *notes.entry(kind).or_default() += 1;
        }
        assert_eq!(unrelated, 0, "{label}: pointers that match no violation");
        report.push(format!("100.0% invalid  {label}  kinds: {notes:?}"));
    }
    eprintln!("invalid_value:\n{}", report.join("\n"));
}

#[test]
fn invalid_values_reach_nested_fields() {
    let op = Contract::v1()
        .operation("createAgent")
        .expect("createAgent");
    let schema = &op.request_body.as_ref().expect("body").content[0].schema;
    let values = samples(&invalid_value(schema), 1000);
    let pointers: Vec<&str> = values.iter().map(|i| i.pointer.as_str()).collect();
    for wanted in [
        "/name",
        "/voice/speed",
        "/voice/language",
        "/transfer/phoneNumber",
        "/playbook/0/title",
    ] {
        assert!(
            pointers.iter().any(|p| p.starts_with(wanted)),
            "no mutation at {wanted}: {pointers:?}"
        );
    }
    let notes: Vec<&str> = values.iter().map(|i| i.note.as_str()).collect();
    for wanted in [
        "unknown field",
        "missing required 'name'",
        "below minimum",
        "too long",
        "pattern mismatch",
        "null where not allowed",
        "wrong type",
        "not in enum",
        "too many items",
    ] {
        assert!(
            notes.iter().any(|n| n.contains(wanted)),
            "no {wanted:?} among {notes:?}"
        );
    }
}

#[test]
fn valid_params_pass_validate_parameters() {
    let mut report = Vec::new();
    for (op, p) in parameters() {
        let label = label(op, p);
        let raws = samples(&valid_param(&p.schema), SAMPLES);
        let mut bad = 0;
        for raw in &raws {
            let violations = param_violations(op, p, raw);
            if !violations.is_empty() {
                bad += 1;
                if bad <= 3 {
                    eprintln!("{label}: valid_param {raw:?} rejected: {violations:?}");
                }
            }
        }
        let rate = 100.0 * (SAMPLES - bad) as f64 / SAMPLES as f64;
        report.push(format!("{rate:6.1}% valid  {label}"));
        assert!(rate >= 95.0, "{label}: only {rate}% valid");
    }
    eprintln!("valid_param:\n{}", report.join("\n"));
}

#[test]
fn invalid_params_fail_validate_parameters() {
    let mut report = Vec::new();
    for (op, p) in parameters() {
        let label = label(op, p);
        let pairs = samples(&invalid_param(&p.schema), SAMPLES);
        if pairs.iter().all(|(_, note)| note == NO_INVALID) {
            // Vendor extensions (`x-vici-binding`) assert nothing.
            let mut keywords = p.schema.clone();
            if let Some(m) = keywords.as_object_mut() {
                m.retain(|k, _| !k.starts_with("x-"));
            }
            assert_eq!(
                keywords,
                json!({"type": "string"}),
                "{label}: no invalid raw value"
            );
            report.push(format!("   n/a (accepts every string)  {label}"));
            continue;
        }
        let mut distinct: Vec<&str> = Vec::new();
        for (raw, note) in &pairs {
            assert!(
                !param_violations(op, p, raw).is_empty(),
                "{label}: invalid_param {raw:?} ({note}) is accepted"
            );
            if !distinct.contains(&raw.as_str()) {
                distinct.push(raw);
            }
        }
        report.push(format!(
            "100.0% invalid  {label}  ({} distinct)",
            distinct.len()
        ));
    }
    eprintln!("invalid_param:\n{}", report.join("\n"));
}

#[test]
fn invalid_params_cover_the_d_params_syntax() {
    let op = Contract::v1().operation("listCalls").expect("listCalls");
    let raws = |name: &str| -> Vec<String> {
        let p = op.parameter(name, ParamIn::Query).expect("param");
        samples(&invalid_param(&p.schema), 400)
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    };
    let limit = raws("limit");
    for wanted in [
        "1.0",
        "abc",
        "",
        "+1",
        "1e3",
        "0",
        "101",
        "99999999999999999999",
    ] {
        assert!(limit.iter().any(|r| r == wanted), "limit: no {wanted:?}");
    }
    let flag = raws("hasRecording");
    for wanted in ["yes", "1", "TRUE", ""] {
        assert!(
            flag.iter().any(|r| r == wanted),
            "hasRecording: no {wanted:?}"
        );
    }
    let date = raws("dateFrom");
    for wanted in ["yesterday", "2026-13-01T00:00:00Z"] {
        assert!(date.iter().any(|r| r == wanted), "dateFrom: no {wanted:?}");
    }
    let status = raws("status");
    assert!(
        status.iter().any(|r| r == "QUEUED" || r == "Queued"),
        "{status:?}"
    );
}

#[test]
fn boundary_values_are_flagged_correctly_for_every_contract_schema() {
    let mut report = Vec::new();
    for (label, schema, validator) in all_schemas() {
        let items = boundary_values(&schema);
        assert!(!items.is_empty(), "{label}: no boundary values");
        assert!(items.iter().any(|b| b.valid), "{label}: no valid boundary");
        for item in &items {
            assert_eq!(
                validator.is_valid(&item.value),
                item.valid,
                "{label}: {} ({}) flagged {}",
                item.value,
                item.note,
                item.valid
            );
        }
        // Deterministic.
        assert_eq!(items, boundary_values(&schema), "{label}");
        let valid = items.iter().filter(|b| b.valid).count();
        report.push(format!(
            "{valid:3} valid {:3} invalid  {label}",
            items.len() - valid
        ));
    }
    eprintln!("boundary_values:\n{}", report.join("\n"));
}

#[test]
fn boundary_values_hit_the_agent_limits() {
    let op = Contract::v1()
        .operation("createAgent")
        .expect("createAgent");
    let schema = &op.request_body.as_ref().expect("body").content[0].schema;
    let items = boundary_values(schema);
    let find = |pointer: &str, valid: bool, pred: &dyn Fn(&Value) -> bool| {
        // Duplicates are dropped, so the item may be filed under a parent's pointer (the
        // simplest `voice` already has speed 0.5).
        items.iter().any(|b| {
            b.valid == valid
                && related(&b.pointer, pointer)
                && b.value.pointer(pointer).is_some_and(pred)
        })
    };
    let len = |n: usize| move |v: &Value| v.as_str().is_some_and(|s| s.chars().count() == n);
    assert!(find("/name", true, &len(100)));
    assert!(find("/name", false, &len(101)));
    assert!(find("/name", false, &len(0)));
    assert!(find("/voice/speed", true, &|v| v == &json!(0.5)));
    assert!(find("/voice/speed", false, &|v| v == &json!(0.4)));
    assert!(find("/voice/speed", true, &|v| v == &json!(2.0)));
    assert!(find("/voice/speed", false, &|v| v == &json!(2.1)));
    assert!(find("/knowledgeBase/0/content", true, &len(20000)));
    assert!(find("/knowledgeBase/0/content", false, &len(20001)));
    assert!(find("/knowledgeBase", false, &|v| v
        .as_array()
        .is_some_and(|a| a.len() == 101)));
    assert!(find("/transfer", true, &Value::is_null));
    assert!(
        items
            .iter()
            .any(|b| !b.valid && b.note == "missing required 'name'")
    );
    assert!(
        items
            .iter()
            .any(|b| !b.valid && b.note.starts_with("unknown field"))
    );
}

#[test]
fn boundary_params_pass_or_fail_validate_parameters_as_flagged() {
    let mut report = Vec::new();
    for (op, p) in parameters() {
        let label = label(op, p);
        let items = boundary_params(&p.schema);
        for item in &items {
            let violations = param_violations(op, p, &item.raw);
            assert_eq!(
                violations.is_empty(),
                item.valid,
                "{label}: {:?} ({}) flagged {}: {violations:?}",
                item.raw,
                item.note,
                item.valid
            );
        }
        let valid = items.iter().filter(|b| b.valid).count();
        report.push(format!(
            "{valid:3} valid {:3} invalid  {label}",
            items.len() - valid
        ));
    }
    eprintln!("boundary_params:\n{}", report.join("\n"));
}

#[test]
fn boundary_params_of_limit_and_flags() {
    let op = Contract::v1().operation("listCalls").expect("listCalls");
    let of =
        |name: &str| boundary_params(&op.parameter(name, ParamIn::Query).expect("param").schema);
    let limit = of("limit");
    let has = |items: &[ParamBoundary], raw: &str, valid: bool| {
        items.iter().any(|b| b.raw == raw && b.valid == valid)
    };
    for (raw, valid) in [
        ("0", false),
        ("1", true),
        ("100", true),
        ("101", false),
        ("01", true),
        ("+1", false),
        ("1.0", false),
        ("", false),
    ] {
        assert!(has(&limit, raw, valid), "limit {raw:?} {valid}: {limit:?}");
    }
    let flag = of("hasRecording");
    for (raw, valid) in [
        ("true", true),
        ("false", true),
        ("TRUE", false),
        ("1", false),
        ("", false),
    ] {
        assert!(
            has(&flag, raw, valid),
            "hasRecording {raw:?} {valid}: {flag:?}"
        );
    }
    let search = Contract::v1()
        .operation("searchPhoneNumberInventory")
        .map(|op| {
            boundary_params(
                &op.parameter("country", ParamIn::Query)
                    .expect("country")
                    .schema,
            )
        });
    if let Some(country) = search {
        assert!(
            has(&country, "AA", true) && has(&country, "AA!", false),
            "{country:?}"
        );
    }
}

#[test]
fn param_to_raw_renders_scalars() {
    assert_eq!(param_to_raw(&json!(5)).as_deref(), Some("5"));
    assert_eq!(param_to_raw(&json!(-3)).as_deref(), Some("-3"));
    assert_eq!(param_to_raw(&json!(true)).as_deref(), Some("true"));
    assert_eq!(param_to_raw(&json!("x y")).as_deref(), Some("x y"));
    assert_eq!(param_to_raw(&json!(1.5)).as_deref(), Some("1.5"));
    assert_eq!(param_to_raw(&Value::Null), None);
    assert_eq!(param_to_raw(&json!({"a": 1})), None);
}

#[test]
fn object_values_shrink_toward_fewer_optional_properties() {
    let schema = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "soul": {"type": "string"},
            "speed": {"type": "number", "minimum": 0.5, "maximum": 2},
            "tags": {"type": "array", "items": {"type": "string"}},
            "flag": {"type": "boolean"}
        }
    });
    let strategy = valid_value(&schema);
    let mut runner = TestRunner::deterministic();
    let mut tree = loop {
        let tree = strategy.new_tree(&mut runner).expect("tree");
        if tree.current().as_object().is_some_and(|m| m.len() >= 3) {
            break tree;
        }
    };
    let start = tree.current().as_object().map_or(0, |m| m.len());
    // Accept every simplification, as a test that keeps failing would.
    let mut steps = 0;
    while tree.simplify() && steps < 10_000 {
        steps += 1;
    }
    let end = tree.current();
    assert!(start >= 3);
    assert_eq!(end, json!({"name": "a"}), "shrunk to {end}");
}

#[test]
fn invalid_values_shrink_and_stay_invalid() {
    let op = Contract::v1()
        .operation("createAgent")
        .expect("createAgent");
    let media = &op.request_body.as_ref().expect("body").content[0];
    let strategy = invalid_value(&media.schema);
    let mut runner = TestRunner::deterministic();
    for _ in 0..10 {
        let mut tree = strategy.new_tree(&mut runner).expect("tree");
        let mut steps = 0;
        while tree.simplify() && steps < 500 {
            steps += 1;
            assert!(!media.validator.is_valid(&tree.current().value));
        }
    }
}

/// Synthetic schemas for keywords and shapes the contract does not use.
fn catalogue() -> Vec<Value> {
    vec![
        json!({"type": "integer"}),
        json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}),
        json!({"type": "integer", "multipleOf": 5, "minimum": -20, "maximum": 20}),
        json!({"type": "number", "exclusiveMinimum": 0.25, "maximum": 0.75}),
        json!({"type": "number", "multipleOf": 0.5, "minimum": 0, "maximum": 10}),
        json!({"type": ["integer", "null"], "minimum": 1}),
        json!({"type": "boolean"}),
        json!({"type": "null"}),
        json!({"const": "fixed"}),
        json!({"enum": [1, "two", null, true]}),
        json!({"type": "string", "enum": ["a", "b"]}),
        json!({"type": "string", "minLength": 3, "maxLength": 3}),
        json!({"type": "string", "pattern": "^(foo|bar)-[0-9]+$"}),
        json!({"type": "string", "pattern": "^\\d{3}-\\w+$"}),
        json!({"type": "string", "pattern": "^[^@\\s]+@[a-z]+\\.com$"}),
        json!({"type": "string", "pattern": "(?i)^abc$"}),
        json!({"type": "string", "format": "date"}),
        json!({"type": "string", "format": "uuid"}),
        json!({"type": "string", "format": "email"}),
        json!({"type": "string", "format": "uri"}),
        json!({"type": "string", "format": "date-time"}),
        json!({"type": "string", "format": "int64"}),
        json!({"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 9}, "minItems": 2, "maxItems": 4, "uniqueItems": true}),
        json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}),
        json!({"type": "array", "minItems": 5, "items": {"type": "boolean"}}),
        json!({"type": "object", "minProperties": 1, "additionalProperties": false,
               "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}),
        json!({"type": "object", "maxProperties": 2, "additionalProperties": {"type": "integer"}}),
        json!({"type": "object", "required": ["x", "y"], "properties": {"x": {"type": "number"}}}),
        json!({"type": "object", "properties": {"n": {"oneOf": [{"type": "string", "maxLength": 2}, {"type": "integer", "minimum": 10}]}}, "required": ["n"]}),
        json!({"allOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
                         {"properties": {"b": {"type": "string"}}, "required": ["b"]}]}),
        json!({"type": "object", "properties": {"deep": {"type": "object", "properties": {"deeper": {"type": "array", "items": {"type": "object", "required": ["k"], "properties": {"k": {"enum": ["x"]}}, "additionalProperties": false}}}}}}),
        json!({"minLength": 2}),
        json!({"minimum": 5}),
        json!({"not": {"type": "string"}, "type": ["string", "integer"]}),
        json!(true),
        json!({}),
        json!(false),
    ]
}

#[test]
fn catalogue_valid_and_invalid_rates() {
    let mut report = Vec::new();
    for schema in catalogue() {
        let validator = Validator::compile(&schema).expect("compiles");
        let satisfiable = schema != json!(false);
        if satisfiable {
            let values = samples(&valid_value(&schema), SAMPLES);
            let ok = values.iter().filter(|v| validator.is_valid(v)).count();
            for v in values.iter().filter(|v| !validator.is_valid(v)).take(2) {
                eprintln!("{schema}: not valid: {v}");
            }
            let rate = 100.0 * ok as f64 / SAMPLES as f64;
            report.push(format!("{rate:6.1}% valid  {schema}"));
            // `not` is ignored by design; everything else must be near perfect.
            let floor = if schema.get("not").is_some() {
                40.0
            } else {
                90.0
            };
            assert!(rate >= floor, "{schema}: {rate}% valid");
        }
        let invalid = samples(&invalid_value(&schema), SAMPLES);
        if invalid.iter().all(|i| i.note == NO_INVALID) {
            assert!(
                schema == json!(true) || schema == json!({}),
                "{schema}: no invalid value"
            );
            continue;
        }
        for i in &invalid {
            assert!(
                !validator.is_valid(&i.value),
                "{schema}: {} ({}) validates",
                i.value,
                i.note
            );
        }
        for item in boundary_values(&schema) {
            assert_eq!(
                validator.is_valid(&item.value),
                item.valid,
                "{schema}: {item:?}"
            );
        }
    }
    eprintln!("catalogue:\n{}", report.join("\n"));
}

#[test]
fn catalogue_params() {
    for schema in [
        json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}),
        json!({"type": "number", "minimum": 0.5, "maximum": 2}),
        json!({"type": ["integer", "null"]}),
        json!({"enum": [10, 20]}),
        json!({"type": "string", "format": "uuid"}),
        json!({"type": "string", "pattern": "^(foo|bar)-[0-9]+$"}),
        json!({"type": "boolean"}),
    ] {
        let validator = Validator::compile(&schema).expect("compiles");
        for raw in samples(&valid_param(&schema), 100) {
            assert!(
                params::raw_is_valid(&raw, &schema, &validator),
                "{schema}: {raw:?}"
            );
        }
        for (raw, note) in samples(&invalid_param(&schema), 100) {
            assert!(
                !params::raw_is_valid(&raw, &schema, &validator),
                "{schema}: {raw:?} ({note})"
            );
        }
        for item in boundary_params(&schema) {
            assert_eq!(
                params::raw_is_valid(&item.raw, &schema, &validator),
                item.valid,
                "{schema}: {item:?}"
            );
        }
    }
}

#[test]
fn absurd_bounds_neither_hang_nor_allocate_wildly() {
    for schema in [
        json!({"type": "string", "minLength": 1e12}),
        json!({"type": "string", "maxLength": 4_294_967_295u64}),
        json!({"type": "string", "minLength": u64::MAX}),
        json!({"type": "string", "pattern": "^a{4294967295}$"}),
        json!({"type": "string", "pattern": "^(a|b){99999}$"}),
        json!({"type": "array", "minItems": 1e9}),
        json!({"type": "array", "maxItems": 1e9, "items": {"type": "integer"}}),
        json!({"type": "object", "minProperties": 1e9}),
        json!({"type": "object", "maxProperties": 1e9}),
        json!({"type": "integer", "minimum": -1e300, "maximum": 1e300}),
        json!({"type": "number", "exclusiveMinimum": 1e300}),
        json!({"type": "number", "minimum": -1.7e308, "maximum": 1.7e308, "multipleOf": 1e-300}),
        json!({"type": "integer", "minimum": 9.3e18}),
    ] {
        let mut runner = TestRunner::deterministic();
        for _ in 0..5 {
            let _ = valid_value(&schema)
                .new_tree(&mut runner)
                .map(|t| t.current());
            let _ = invalid_value(&schema)
                .new_tree(&mut runner)
                .map(|t| t.current());
            let _ = valid_param(&schema)
                .new_tree(&mut runner)
                .map(|t| t.current());
            let _ = invalid_param(&schema)
                .new_tree(&mut runner)
                .map(|t| t.current());
        }
        let _ = boundary_values(&schema);
        let _ = boundary_params(&schema);
    }
}

/// Arbitrary JSON, biased toward schema keywords, to check nothing panics.
fn junk_schema() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "default",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..50).prop_map(Value::from),
        (-5.0f64..5.0).prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "string",
            "integer",
            "number",
            "object",
            "array",
            "null",
            "boolean",
            "date-time",
            "email",
            "^[a-z]{2}$",
            "(",
            "^a|b$",
            "[",
            "x{2,1}",
            "\\",
            "uuid",
        ])
        .prop_map(Value::from),
    ];
    let object = move |inner: BoxedStrategy<Value>| {
        proptest::collection::vec((keys.clone(), inner), 0..5).prop_map(|pairs| {
            Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        })
    };
    let nested = {
        let object = object.clone();
        leaf.prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                object(inner.boxed()),
            ]
        })
    };
    // The top level is (almost always) an object, as schemas are.
    prop_oneof![9 => object(nested.clone().boxed()), 1 => nested]
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    #[test]
    fn nothing_panics_on_junk_schemas(schema in junk_schema()) {
        let mut runner = TestRunner::deterministic();
        // Building and drawing one value must not panic; a strategy may fail to draw (a filter
        // that rejects everything) only by returning an error.
        let _ = valid_value(&schema).new_tree(&mut runner).map(|t| t.current());
        let _ = invalid_value(&schema).new_tree(&mut runner).map(|t| t.current());
        let _ = valid_param(&schema).new_tree(&mut runner).map(|t| t.current());
        let _ = invalid_param(&schema).new_tree(&mut runner).map(|t| t.current());
        let _ = boundary_values(&schema);
        let _ = boundary_params(&schema);
    }

    #[test]
    fn agent_bodies_round_trip_and_validate(value in valid_value(&Contract::v1().operation("createAgent").and_then(|o| o.request_body.as_ref()).map(|b| b.content[0].schema.clone()).unwrap_or(Value::Null))) {
        let media = &Contract::v1().operation("createAgent").and_then(|o| o.request_body.as_ref()).map(|b| b.content[0].clone()).expect("body");
        let text = serde_json::to_string(&value).expect("serialise");
        let back: Value = serde_json::from_str(&text).expect("parse");
        prop_assert_eq!(&back, &value);
        prop_assert!(media.validator.is_valid(&value), "{}", value);
    }

    #[test]
    fn patch_agent_invalid_bodies_are_invalid(inv in invalid_value(&Contract::v1().operation("updateAgent").and_then(|o| o.request_body.as_ref()).map(|b| b.content[0].schema.clone()).unwrap_or(Value::Null))) {
        let media = Contract::v1().operation("updateAgent").and_then(|o| o.request_body.as_ref()).map(|b| b.content[0].clone()).expect("body");
        prop_assert!(!media.validator.is_valid(&inv.value));
    }
}

// ----- CSV -----

/// A header cell's meaning as the import reads it (trimmed, case-insensitive).
fn column_kind(header: &str) -> String {
    let h = header.trim().to_lowercase();
    match h.as_str() {
        "phone" | "name" | "email" => h,
        "donotcall" | "do_not_call" => "donotcall".to_owned(),
        _ => "custom".to_owned(),
    }
}

fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

fn email_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !s.contains(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|l| !l.is_empty())
}

fn flag_ok(s: &str) -> bool {
    ["true", "false", "yes", "no", "1", "0"]
        .iter()
        .any(|f| s.eq_ignore_ascii_case(f))
}

fn read_csv(text: &str) -> Result<Vec<Vec<String>>, ::csv::Error> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(body.as_bytes());
    reader
        .records()
        .map(|r| r.map(|rec| rec.iter().map(str::to_owned).collect()))
        .collect()
}

/// Whether a quoted field is still open at the end (the `csv` crate tolerates that silently).
fn ends_in_open_quote(text: &str) -> bool {
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_quotes, c) {
            (false, '"') if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            (false, ',' | '\n' | '\r') => at_field_start = true,
            (false, _) => at_field_start = false,
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    in_quotes = false;
                }
            }
            (true, _) => {}
        }
    }
    in_quotes
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    #[test]
    fn csv_bodies_parse_with_the_declared_counts(case in csv_body()) {
        let records = read_csv(&case.text).map_err(|e| TestCaseError::fail(format!("{e}: {:?}", case.text)))?;
        prop_assert!(!ends_in_open_quote(&case.text));
        prop_assert_eq!(records.len(), case.data_rows + 1, "{:?}", case.text);
        let header = &records[0];
        let kinds: Vec<String> = header.iter().map(|h| column_kind(h)).collect();
        prop_assert_eq!(kinds.iter().filter(|k| *k == "phone").count(), 1);
        for k in ["name", "email", "donotcall"] {
            prop_assert!(kinds.iter().filter(|x| *x == k).count() <= 1);
        }
        let customs: Vec<String> = header
            .iter()
            .zip(&kinds)
            .filter(|(_, k)| *k == "custom")
            .map(|(h, _)| h.trim().to_lowercase())
            .collect();
        let mut unique = customs.clone();
        unique.dedup();
        prop_assert_eq!(unique.len(), customs.len());
        let mut bad = 0;
        for row in &records[1..] {
            let mut row_bad = false;
            for (cell, kind) in row.iter().zip(&kinds) {
                let cell = cell.trim();
                row_bad |= match kind.as_str() {
                    "phone" => !is_e164(cell),
                    "email" => !cell.is_empty() && !email_ok(cell),
                    "donotcall" => !cell.is_empty() && !flag_ok(cell),
                    _ => false,
                };
            }
            bad += usize::from(row_bad);
        }
        prop_assert_eq!(bad, case.bad_rows, "{:?}", case.text);
    }

    #[test]
    fn unparseable_csv_fails_to_parse(pair in csv_unparseable()) {
        let (text, note) = pair;
        let broken = read_csv(&text).is_err() || ends_in_open_quote(&text);
        prop_assert!(broken, "{} parses: {:?}", note, text);
    }
}

#[test]
fn csv_bodies_cover_the_interesting_shapes() {
    let cases = samples(&csv_body(), 300);
    let any = |f: &dyn Fn(&CsvCase) -> bool| cases.iter().any(f);
    assert!(any(&|c| c.text.contains("\r\n")));
    assert!(any(&|c| !c.text.contains('\r')));
    assert!(any(&|c| c.text.contains("\"\"")), "doubled quotes");
    assert!(any(&|c| c.text.contains("\"Chen, Wei\"")), "quoted comma");
    assert!(
        any(&|c| c.text.contains("Line One\nLine Two")),
        "line break in a field"
    );
    assert!(
        any(&|c| c.bad_rows > 0 && c.bad_rows < c.data_rows),
        "mixed rows"
    );
    assert!(any(&|c| c.data_rows == 0));
    assert!(any(&|c| c.text.starts_with('\u{feff}')));
    assert!(any(
        &|c| c.text.contains("do_not_call") || c.text.contains("DoNotCall")
    ));
    let notes: Vec<String> = samples(&csv_unparseable(), 100)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert!(notes.iter().any(|n| n.contains("unterminated quote")));
    assert!(notes.iter().any(|n| n.contains("fields")));
}
