//! Deterministic values for the coverage phase: the simplest valid value of a schema, and for
//! each constraint the values just inside and just outside it.

use serde_json::{Value, json};
use spec::Validator;

use super::format;
use super::invalid::{near_misses, type_list, wrong_types};
use super::minimal::{FILL, minimal_at, minimal_typed};
use super::output::{Boundary, ParamBoundary};
use super::params::{Types, raw_is_valid, to_raw};
use super::pattern::Pattern;
use super::schema::{
    MAX_DEPTH, MAX_ITEMS, MAX_LEN, Ty, admits, branches, child_pointer, closed, count, decimal,
    decimal_range, declared_types, flatten, generation_types, int_lower, int_upper, items_schema,
    num, number_decimals, prefix_items, properties, required, text,
};

fn b(value: Value, valid: bool, note: impl Into<String>) -> Boundary {
    Boundary {
        value,
        valid,
        pointer: String::new(),
        note: note.into(),
    }
}

/// Boundary candidates, before the consistency check against the validator.
fn candidates(schema: &Value, depth: u32) -> Vec<Boundary> {
    let mut out = Vec::new();
    match schema {
        Value::Bool(false) => {
            out.push(b(Value::Null, false, "nothing is allowed here"));
            return out;
        }
        Value::Object(_) => {}
        _ => return out,
    }
    if depth > MAX_DEPTH {
        return out;
    }
    let schema = flatten(schema);
    let allowed: Option<Vec<Value>> = schema
        .get("const")
        .map(|c| vec![c.clone()])
        .or_else(|| schema.get("enum").and_then(Value::as_array).cloned());
    if let Some(allowed) = allowed {
        for v in &allowed {
            out.push(b(v.clone(), true, "allowed value"));
        }
        for v in near_misses(&allowed) {
            out.push(b(v, false, "near miss of an allowed value"));
        }
        if let Some(types) = declared_types(&schema) {
            for (v, note) in wrong_types(&types) {
                out.push(b(v, false, note));
            }
        }
        return out;
    }
    if let Some(branches) = branches(&schema) {
        let all_types: Option<Vec<Ty>> = branches.iter().try_fold(Vec::new(), |mut acc, br| {
            acc.extend(declared_types(br)?);
            Some(acc)
        });
        for branch in &branches {
            out.extend(candidates(branch, depth + 1));
        }
        if let Some(types) = all_types {
            for (v, note) in wrong_types(&types) {
                out.push(b(v, false, note));
            }
        }
        return out;
    }
    let declared = declared_types(&schema);
    let types = declared
        .clone()
        .unwrap_or_else(|| generation_types(&schema));
    for ty in &types {
        if let Some(v) = minimal_typed(&schema, *ty, depth) {
            out.push(b(v, true, format!("simplest {}", ty.name())));
        }
    }
    if let Some(allowed) = &declared {
        for (v, note) in wrong_types(allowed) {
            out.push(b(v, false, note));
        }
    }
    if types.contains(&Ty::Boolean) {
        out.push(b(Value::Bool(true), true, "true"));
    }
    if types.contains(&Ty::Number) {
        number(&schema, &mut out);
    } else if types.contains(&Ty::Integer) {
        integer(&schema, &mut out, declared.as_deref());
    }
    if types.contains(&Ty::String) {
        string(&schema, &mut out);
    }
    if types.contains(&Ty::Array) {
        array(&schema, depth, &mut out);
    }
    if types.contains(&Ty::Object) {
        object(&schema, depth, &mut out);
    }
    out
}

fn integer(schema: &Value, out: &mut Vec<Boundary>, declared: Option<&[Ty]>) {
    if let Some(lo) = int_lower(schema) {
        out.push(b(json!(lo), true, format!("at minimum {lo}")));
        if let Some(below) = lo.checked_sub(1) {
            out.push(b(
                json!(below),
                false,
                format!("below minimum ({below} < {lo})"),
            ));
        }
    }
    if let Some(hi) = int_upper(schema) {
        out.push(b(json!(hi), true, format!("at maximum {hi}")));
        if let Some(above) = hi.checked_add(1) {
            out.push(b(
                json!(above),
                false,
                format!("above maximum ({above} > {hi})"),
            ));
        }
    }
    if let Some(m) =
        num(schema, "multipleOf").filter(|m| *m >= 2.0 && m.fract() == 0.0 && *m < 1e15)
    {
        let m = m as i64;
        let lo = int_lower(schema).unwrap_or(0);
        let first = lo
            .div_euclid(m)
            .saturating_add(i64::from(lo.rem_euclid(m) != 0))
            .saturating_mul(m);
        out.push(b(json!(first), true, format!("multiple of {m}")));
        out.push(b(
            json!(first.saturating_add(1)),
            false,
            format!("not a multiple of {m}"),
        ));
    }
    if let Some(types) = declared
        && !admits(types, Ty::Number)
    {
        let base = int_lower(schema).unwrap_or(0);
        out.push(b(
            json!(decimal(base.saturating_mul(10).saturating_add(5), 1)),
            false,
            format!("wrong type: number instead of {}", type_list(types)),
        ));
    }
}

fn number(schema: &Value, out: &mut Vec<Boundary>) {
    let d = number_decimals(schema);
    let (lo, hi) = decimal_range(schema, d);
    if let Some(lo) = lo {
        let (at, below) = (decimal(lo, d), decimal(lo.saturating_sub(1), d));
        out.push(b(json!(at), true, format!("at minimum {at}")));
        out.push(b(
            json!(below),
            false,
            format!("below minimum ({below} < {at})"),
        ));
    }
    if let Some(hi) = hi {
        let (at, above) = (decimal(hi, d), decimal(hi.saturating_add(1), d));
        out.push(b(json!(at), true, format!("at maximum {at}")));
        out.push(b(
            json!(above),
            false,
            format!("above maximum ({above} > {at})"),
        ));
    }
}

fn fill(n: u64) -> Value {
    Value::String(std::iter::repeat_n(FILL, n as usize).collect())
}

fn string(schema: &Value, out: &mut Vec<Boundary>) {
    let min = count(schema, "minLength").unwrap_or(0);
    if min > 0 && min <= MAX_LEN {
        out.push(b(fill(min), true, format!("at minLength {min}")));
        out.push(b(
            fill(min - 1),
            false,
            format!("too short ({} characters, minimum {min})", min - 1),
        ));
    }
    if let Some(max) = count(schema, "maxLength").filter(|m| *m < MAX_LEN) {
        out.push(b(fill(max), true, format!("at maxLength {max}")));
        let n = max.saturating_add(1);
        out.push(b(
            fill(n),
            false,
            format!("too long ({n} characters, maximum {max})"),
        ));
    }
    if let Some(pattern) = text(schema, "pattern").and_then(Pattern::parse) {
        for (s, valid, note) in pattern.boundaries() {
            out.push(b(json!(s), valid, note));
        }
    }
    if let Some(f) = text(schema, "format") {
        for example in format::examples(f) {
            out.push(b(json!(example), true, format!("a valid {f}")));
        }
        for (note, value) in format::malformed(f) {
            out.push(b(json!(value), false, note));
        }
    }
}

fn array(schema: &Value, depth: u32, out: &mut Vec<Boundary>) {
    let Some(items) = items_schema(schema) else {
        return;
    };
    let Some(item) = minimal_at(&items, depth + 1) else {
        return;
    };
    let prefix: Vec<Value> = prefix_items(schema)
        .iter()
        .map_while(|s| minimal_at(s, depth + 1))
        .collect();
    let list = |n: u64| -> Value {
        let mut v: Vec<Value> = prefix.iter().take(n as usize).cloned().collect();
        v.resize(n as usize, item.clone());
        Value::Array(v)
    };
    let min = count(schema, "minItems").unwrap_or(0);
    if min > MAX_ITEMS {
        return;
    }
    let max = count(schema, "maxItems").filter(|m| *m < MAX_ITEMS);
    if min > 0 {
        out.push(b(list(min), true, format!("at minItems {min}")));
        out.push(b(
            list(min - 1),
            false,
            format!("too few items ({}, minimum {min})", min - 1),
        ));
    }
    if let Some(max) = max {
        out.push(b(list(max), true, format!("at maxItems {max}")));
        let n = max.saturating_add(1);
        out.push(b(
            list(n),
            false,
            format!("too many items ({n}, maximum {max})"),
        ));
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        out.push(b(
            json!([item.clone(), item.clone()]),
            false,
            "duplicate items (uniqueItems)",
        ));
    }
    if max != Some(0) {
        let base = list(min.max(1));
        for inner in candidates(&items, depth + 1) {
            let mut arr = base.clone();
            let i = prefix.len().min(min.max(1) as usize - 1);
            if let Some(slot) = arr.as_array_mut().and_then(|a| a.get_mut(i)) {
                *slot = inner.value;
            }
            out.push(Boundary {
                value: arr,
                valid: inner.valid,
                pointer: child_pointer(&i.to_string(), &inner.pointer),
                note: inner.note,
            });
        }
    }
}

fn object(schema: &Value, depth: u32, out: &mut Vec<Boundary>) {
    let Some(base) = minimal_typed(schema, Ty::Object, depth) else {
        return;
    };
    let Value::Object(base) = base else {
        return;
    };
    let props = properties(schema);
    let mut full = base.clone();
    for (name, sub) in &props {
        if !full.contains_key(name)
            && let Some(v) = minimal_at(sub, depth + 1)
        {
            full.insert(name.clone(), v);
        }
    }
    if full.len() > base.len() {
        out.push(b(Value::Object(full), true, "every property present"));
    }
    for name in required(schema) {
        let mut map = base.clone();
        map.shift_remove(&name);
        out.push(Boundary {
            value: Value::Object(map),
            valid: false,
            pointer: child_pointer(&name, ""),
            note: format!("missing required '{name}'"),
        });
    }
    if closed(schema) {
        for name in ["zq", "unknownField"] {
            if props.iter().any(|(n, _)| n == name) {
                continue;
            }
            let mut map = base.clone();
            map.insert(name.to_owned(), json!("x"));
            out.push(Boundary {
                value: Value::Object(map),
                valid: false,
                pointer: child_pointer(name, ""),
                note: format!("unknown field '{name}'"),
            });
        }
    }
    if count(schema, "minProperties").is_some_and(|m| m > 0) {
        out.push(b(json!({}), false, "too few properties (empty object)"));
    }
    for (name, sub) in &props {
        for inner in candidates(sub, depth + 1) {
            let mut map = base.clone();
            map.insert(name.clone(), inner.value);
            out.push(Boundary {
                value: Value::Object(map),
                valid: inner.valid,
                pointer: child_pointer(name, &inner.pointer),
                note: inner.note,
            });
        }
    }
}

/// See [`super::boundary_values`].
pub(crate) fn boundary_values(schema: &Value) -> Vec<Boundary> {
    let validator = Validator::compile(schema).ok();
    let mut out: Vec<Boundary> = Vec::new();
    for item in candidates(schema, 0) {
        if validator
            .as_ref()
            .is_some_and(|v| v.is_valid(&item.value) != item.valid)
        {
            continue;
        }
        if out.iter().any(|o| o.value == item.value) {
            continue;
        }
        out.push(item);
    }
    out
}

/// Raw strings around the syntax of a parameter type (leading zeros, signs, case of booleans).
fn syntax_boundaries(schema: &Value) -> Vec<(String, bool, String)> {
    let types = Types::of(schema);
    let mut out: Vec<(String, bool, String)> = Vec::new();
    let mut add = |raw: String, valid: bool, note: &str| out.push((raw, valid, note.to_owned()));
    if types.string {
        return out;
    }
    add(String::new(), false, "empty value");
    if types.integer || types.number {
        let lo = int_lower(schema).unwrap_or(0).max(0);
        add(format!("0{lo}"), true, "leading zero");
        add(format!("+{lo}"), false, "leading '+'");
        add(format!(" {lo}"), false, "leading space");
        add(format!("{lo} "), false, "trailing space");
        add("-0".to_owned(), true, "negative zero");
        add("abc".to_owned(), false, "not a number");
        if !types.number {
            add(format!("{lo}.0"), false, "not an integer: decimal point");
            add("1e1".to_owned(), false, "not an integer: exponent");
            add(i64::MAX.to_string(), true, "largest 64-bit integer");
            add(
                "9223372036854775808".to_owned(),
                false,
                "out of 64-bit range (i64::MAX + 1)",
            );
            add(
                "99999999999999999999".to_owned(),
                false,
                "out of 64-bit range (huge)",
            );
        } else {
            add(format!("{lo}.0"), true, "decimal point");
            add(
                ".5".to_owned(),
                false,
                "not a JSON number: no leading digit",
            );
            add("NaN".to_owned(), false, "not a finite number");
        }
    }
    if types.boolean {
        add("true".to_owned(), true, "true");
        add("false".to_owned(), true, "false");
        for raw in ["TRUE", "True", "FALSE", "1", "0", "yes", "no"] {
            add(raw.to_owned(), false, "not exactly true/false");
        }
    }
    out
}

/// See [`super::boundary_params`].
pub(crate) fn boundary_params(schema: &Value) -> Vec<ParamBoundary> {
    let validator = Validator::compile(schema).ok();
    let mut raws: Vec<(String, bool, String)> = Vec::new();
    for item in candidates(schema, 0) {
        if let Some(raw) = to_raw(&item.value) {
            raws.push((raw, item.valid, item.note));
        }
    }
    raws.extend(syntax_boundaries(schema));
    let mut out: Vec<ParamBoundary> = Vec::new();
    for (raw, valid, note) in raws {
        if validator
            .as_ref()
            .is_some_and(|v| raw_is_valid(&raw, schema, v) != valid)
        {
            continue;
        }
        if out.iter().any(|o| o.raw == raw) {
            continue;
        }
        out.push(ParamBoundary { raw, valid, note });
    }
    out
}
