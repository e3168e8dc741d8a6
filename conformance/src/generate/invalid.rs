//! Mutations: strategies for values that break a schema in one named way.
//!
//! [`candidates`] returns one strategy per *kind* of breakage at this level (wrong type, below
//! minimum, missing required property, one per nested property, ...), so a union over them picks
//! kinds evenly instead of favouring whichever kind has the most variants. Nested breakage is
//! one field of an otherwise valid object (or one item of an otherwise valid array) replaced by
//! an invalid value, with the pointer extended accordingly.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::format;
use super::output::Invalid;
use super::pattern::Pattern;
use super::schema::{
    MAX_DEPTH, MAX_ITEMS, MAX_LEN, Ty, additional_schema, admits, branches, child_pointer, closed,
    count, decimal, decimal_range, declared_types, flatten, generation_types, int_lower, int_upper,
    items_schema, num, number_decimals, prefix_items, properties, required, text,
};
use super::strategy::union;
use super::valid::{Ctx, array_len, plain_string, span, string_char, valid, valid_typed};

type Cand = BoxedStrategy<Invalid>;

fn inv(value: Value, pointer: impl Into<String>, note: impl Into<String>) -> Invalid {
    Invalid {
        value,
        pointer: pointer.into(),
        note: note.into(),
    }
}

fn fixed(value: Value, note: impl Into<String>) -> Cand {
    Just(inv(value, "", note)).boxed()
}

/// A representative value of a type, for wrong-type mutations.
pub(crate) fn representative(ty: Ty) -> Value {
    match ty {
        Ty::Null => Value::Null,
        Ty::Boolean => Value::Bool(true),
        Ty::Integer => json!(0),
        Ty::Number => json!(1.5),
        Ty::String => json!("text"),
        Ty::Array => json!([]),
        Ty::Object => json!({}),
    }
}

/// "string or null" for a list of types.
pub(crate) fn type_list(types: &[Ty]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
    names.join(" or ")
}

/// Wrong-type values for a set of allowed types: (value, note), `null` first when not allowed.
pub(crate) fn wrong_types(allowed: &[Ty]) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    if !allowed.contains(&Ty::Null) {
        out.push((
            Value::Null,
            format!("null where not allowed (expected {})", type_list(allowed)),
        ));
    }
    for ty in Ty::ALL {
        if ty == Ty::Null || admits(allowed, ty) {
            continue;
        }
        out.push((
            representative(ty),
            format!(
                "wrong type: {} instead of {}",
                ty.name(),
                type_list(allowed)
            ),
        ));
    }
    out
}

/// Values near an `enum`/`const` value but not equal to any allowed one: case changes, an extra
/// or a missing character, neighbours of numbers, the other boolean.
pub(crate) fn near_misses(allowed: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut push = |v: Value| {
        if !allowed.contains(&v) && !out.contains(&v) {
            out.push(v);
        }
    };
    for value in allowed {
        match value {
            Value::String(s) => {
                push(json!(s.to_uppercase()));
                let mut chars = s.chars();
                if let Some(first) = chars.next() {
                    push(json!(format!("{}{}", first.to_uppercase(), chars.as_str())));
                }
                push(json!(format!("{s}x")));
                let mut shorter = s.clone();
                shorter.pop();
                push(json!(shorter));
                push(json!(format!("{s} ")));
            }
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    push(json!(i.saturating_add(1)));
                    push(json!(i.saturating_sub(1)));
                } else if let Some(f) = n.as_f64() {
                    push(json!(f + 1.0));
                }
            }
            Value::Bool(b) => push(json!(!b)),
            Value::Null => push(json!("null")),
            Value::Array(_) | Value::Object(_) => push(json!("x")),
        }
    }
    out
}

/// Mutations of `schema`; `wrong_type` includes values of a type the schema does not allow
/// (left out for the branches of an `anyOf`, where another branch may allow them).
pub(crate) fn candidates(schema: &Value, ctx: Ctx, wrong_type: bool) -> Vec<Cand> {
    match schema {
        Value::Bool(false) => return vec![fixed(Value::Null, "nothing is allowed here")],
        Value::Object(_) => {}
        _ => return Vec::new(),
    }
    if ctx.depth > MAX_DEPTH {
        return Vec::new();
    }
    let schema = flatten(schema);
    let allowed_values: Option<Vec<Value>> = schema
        .get("const")
        .map(|c| vec![c.clone()])
        .or_else(|| schema.get("enum").and_then(Value::as_array).cloned());
    if let Some(allowed) = allowed_values {
        return enum_candidates(&schema, &allowed);
    }
    if let Some(branches) = branches(&schema) {
        return branch_candidates(&branches, ctx, wrong_type);
    }
    let mut out = Vec::new();
    let declared = declared_types(&schema);
    if wrong_type && let Some(allowed) = &declared {
        let mut wrong = wrong_types(allowed);
        if admits(allowed, Ty::Integer) && !admits(allowed, Ty::Number) {
            wrong.push((
                fraction_in_range(&schema),
                format!("wrong type: number instead of {}", type_list(allowed)),
            ));
        }
        out.extend(wrong_type_candidate(wrong));
    }
    let types = declared.unwrap_or_else(|| generation_types(&schema));
    if types.contains(&Ty::Number) {
        out.extend(number_candidates(&schema));
    } else if types.contains(&Ty::Integer) {
        out.extend(integer_candidates(&schema));
    }
    if types.contains(&Ty::String) {
        out.extend(string_candidates(&schema, ctx));
    }
    if types.contains(&Ty::Array) {
        out.extend(array_candidates(&schema, ctx));
    }
    if types.contains(&Ty::Object) {
        out.extend(object_candidates(&schema, ctx));
    }
    out
}

fn enum_candidates(schema: &Value, allowed: &[Value]) -> Vec<Cand> {
    let mut out = Vec::new();
    let misses = near_misses(allowed);
    if !misses.is_empty() {
        let shown: Vec<String> = allowed.iter().take(4).map(Value::to_string).collect();
        let note = if allowed.len() == 1 {
            format!("not the constant {}", shown.join(""))
        } else {
            format!(
                "not in enum [{}{}]",
                shown.join(", "),
                if allowed.len() > 4 { ", ..." } else { "" }
            )
        };
        out.push(
            prop::sample::select(misses)
                .prop_map(move |v| inv(v, "", note.clone()))
                .boxed(),
        );
    }
    let types: Vec<Ty> = match declared_types(schema) {
        Some(t) => t,
        None => {
            let mut t: Vec<Ty> = Vec::new();
            for v in allowed {
                let ty = Ty::of(v);
                if !t.contains(&ty) {
                    t.push(ty);
                }
            }
            t
        }
    };
    let wrong: Vec<(Value, String)> = wrong_types(&types)
        .into_iter()
        .filter(|(v, _)| !allowed.contains(v))
        .collect();
    out.extend(wrong_type_candidate(wrong));
    out
}

/// One option for all wrong-type values: `null` (when among them) half of the time, since it is
/// the one clients send most, any other type the other half.
fn wrong_type_candidate(mut wrong: Vec<(Value, String)>) -> Option<Cand> {
    let to_inv = |(value, note): (Value, String)| inv(value, "", note);
    let null_at = wrong.iter().position(|(v, _)| v.is_null());
    let null = null_at.map(|i| wrong.remove(i));
    match (null, wrong.is_empty()) {
        (None, true) => None,
        (Some(null), true) => Some(Just(to_inv(null)).boxed()),
        (None, false) => Some(prop::sample::select(wrong).prop_map(to_inv).boxed()),
        (Some(null), false) => Some(
            prop_oneof![
                Just(to_inv(null)),
                prop::sample::select(wrong).prop_map(to_inv),
            ]
            .boxed(),
        ),
    }
}

fn branch_candidates(branches: &[Value], ctx: Ctx, wrong_type: bool) -> Vec<Cand> {
    let mut out = Vec::new();
    let all_types: Option<Vec<Ty>> = branches.iter().try_fold(Vec::new(), |mut acc, b| {
        for t in declared_types(b)? {
            if !acc.contains(&t) {
                acc.push(t);
            }
        }
        Some(acc)
    });
    if wrong_type && let Some(allowed) = &all_types {
        out.extend(wrong_type_candidate(wrong_types(allowed)));
    }
    for branch in branches {
        out.extend(candidates(branch, ctx.deeper(), false));
    }
    out
}

/// A non-integral number inside the bounds (or near them), for integer-only schemas.
fn fraction_in_range(schema: &Value) -> Value {
    let lo = int_lower(schema);
    let hi = int_upper(schema);
    let base = match (lo, hi) {
        (Some(l), Some(h)) if l < h => l,
        (Some(l), None) => l,
        (None, Some(h)) => h.saturating_sub(1),
        (Some(l), Some(_)) => l,
        (None, None) => 0,
    };
    json!(decimal(base.saturating_mul(10).saturating_add(5), 1))
}

/// Integer mutations: just below / above the bounds (and further), beyond 64 bits, off a
/// `multipleOf`.
fn integer_candidates(schema: &Value) -> Vec<Cand> {
    let mut out = Vec::new();
    let exclusive_lo = schema.get("exclusiveMinimum").is_some();
    let exclusive_hi = schema.get("exclusiveMaximum").is_some();
    if let Some(lo) = int_lower(schema)
        && let Some(below) = lo.checked_sub(1)
    {
        let note = if exclusive_lo {
            format!("at or below exclusive minimum ({below} < {lo})")
        } else {
            format!("below minimum ({below} < {lo})")
        };
        let far = below.saturating_sub(1000);
        out.push(
            prop_oneof![
                3 => Just(below),
                1 => span(far, below),
            ]
            .prop_map(move |n| inv(json!(n), "", note.clone()))
            .boxed(),
        );
    }
    if let Some(hi) = int_upper(schema)
        && let Some(above) = hi.checked_add(1)
    {
        let note = if exclusive_hi {
            format!("at or above exclusive maximum ({above} > {hi})")
        } else {
            format!("above maximum ({above} > {hi})")
        };
        let far = above.saturating_add(1000);
        let huge_note = format!("above maximum (huge, > {hi})");
        out.push(
            prop_oneof![
                3 => Just(above).prop_map(move |n| inv(json!(n), "", note.clone())),
                1 => span(above, far).prop_map(move |n| inv(json!(n), "", format!("above maximum ({n} > {hi})"))),
                1 => Just(inv(json!(1e20), "", huge_note)),
            ]
            .boxed(),
        );
    }
    if let Some(m) =
        num(schema, "multipleOf").filter(|m| *m >= 2.0 && m.fract() == 0.0 && *m < 1e15)
    {
        let m = m as i64;
        let lo = int_lower(schema).unwrap_or(0);
        let start = lo.div_euclid(m).saturating_add(1).saturating_mul(m);
        out.push(fixed(
            json!(start.saturating_add(1)),
            format!("not a multiple of {m}"),
        ));
    }
    out
}

/// Number mutations: one decimal step below / above the bounds, and further.
fn number_candidates(schema: &Value) -> Vec<Cand> {
    let mut out = Vec::new();
    let d = number_decimals(schema);
    let unit = 10i64.pow(d);
    let (lo, hi) = decimal_range(schema, d);
    if let Some(lo) = lo {
        let exclusive = schema.get("exclusiveMinimum").is_some();
        let bound = decimal(lo, d);
        let mk = move |k: i64| {
            let v = decimal(k, d);
            let note = if exclusive {
                format!("at or below exclusive minimum ({v} < {bound})")
            } else {
                format!("below minimum ({v} < {bound})")
            };
            inv(json!(v), "", note)
        };
        let below = lo.saturating_sub(1);
        out.push(
            prop_oneof![
                3 => Just(below),
                1 => span(below.saturating_sub(1000 * unit), below),
            ]
            .prop_map(mk)
            .boxed(),
        );
    }
    if let Some(hi) = hi {
        let exclusive = schema.get("exclusiveMaximum").is_some();
        let bound = decimal(hi, d);
        let mk = move |k: i64| {
            let v = decimal(k, d);
            let note = if exclusive {
                format!("at or above exclusive maximum ({v} > {bound})")
            } else {
                format!("above maximum ({v} > {bound})")
            };
            inv(json!(v), "", note)
        };
        let above = hi.saturating_add(1);
        out.push(
            prop_oneof![
                3 => Just(above),
                1 => span(above, above.saturating_add(1000 * unit)),
            ]
            .prop_map(mk)
            .boxed(),
        );
    }
    out
}

/// String mutations: one character too few, a few too many, a broken pattern, a malformed
/// format.
fn string_candidates(schema: &Value, ctx: Ctx) -> Vec<Cand> {
    let mut out = Vec::new();
    let min = count(schema, "minLength").unwrap_or(0);
    let max = count(schema, "maxLength");
    if min > 0 && min <= MAX_LEN {
        let n = min - 1;
        out.push(
            plain_string(n, n, ctx)
                .prop_map(move |s| {
                    inv(
                        json!(s),
                        "",
                        format!("too short ({n} characters, minimum {min})"),
                    )
                })
                .boxed(),
        );
    }
    if let Some(max) = max.filter(|m| *m < MAX_LEN) {
        // A short random head padded with one repeated character: long strings shrink in a
        // few steps instead of one per character.
        let n = max.saturating_add(1);
        let head = n.min(12);
        out.push(
            (
                plain_string(0, head, ctx),
                string_char(ctx),
                n..=n.saturating_add(3),
            )
                .prop_map(move |(head, fill, len)| {
                    let mut s = head;
                    let missing = (len as usize).saturating_sub(s.chars().count());
                    s.extend(std::iter::repeat_n(fill, missing));
                    inv(
                        json!(s),
                        "",
                        format!("too long ({len} characters, maximum {max})"),
                    )
                })
                .boxed(),
        );
    }
    if let Some(p) = text(schema, "pattern") {
        let mut breakers = Pattern::parse(p)
            .map(|pat| pat.breakers())
            .unwrap_or_default();
        if breakers.is_empty() {
            let generic: Vec<(String, String)> = ["", "!", " ", "#?", "\u{e9}\u{e9}"]
                .iter()
                .map(|s| (s.to_string(), "pattern mismatch".to_owned()))
                .collect();
            breakers.push(prop::sample::select(generic).boxed());
        }
        out.push(
            union(breakers, (String::new(), String::new()))
                .prop_map(|(s, note)| inv(json!(s), "", note))
                .boxed(),
        );
    }
    if let Some(f) = text(schema, "format") {
        let mut options: Vec<BoxedStrategy<Invalid>> = Vec::new();
        let bad: Vec<(&'static str, &'static str)> = format::malformed(f);
        if !bad.is_empty() {
            options.push(
                prop::sample::select(bad)
                    .prop_map(|(note, value)| inv(json!(value), "", note))
                    .boxed(),
            );
        }
        if let Some(random) = format::malformed_random(f) {
            options.push(
                random
                    .prop_map(|(value, note)| inv(json!(value), "", note))
                    .boxed(),
            );
        }
        if !options.is_empty() {
            out.push(union(options, inv(Value::Null, "", "")));
        }
    }
    out
}

/// Array mutations: too few or too many items, duplicates under `uniqueItems`, an item beyond
/// `prefixItems` when `items` is `false`, and one invalid item (prefix position or any other).
fn array_candidates(schema: &Value, ctx: Ctx) -> Vec<Cand> {
    let mut out = Vec::new();
    let Some((min, _)) = array_len(schema) else {
        return out;
    };
    let max = count(schema, "maxItems");
    let Some(valid_array) = valid_typed(schema, Ty::Array, ctx) else {
        return out;
    };
    let items = items_schema(schema);
    let extra_item = match &items {
        Some(items) => valid(items, ctx.deeper()),
        None => Just(json!("x")).boxed(),
    };
    if min > 0 {
        let keep = (min - 1) as usize;
        out.push(
            valid_array
                .clone()
                .prop_map(move |v| {
                    let mut items = into_items(v);
                    items.truncate(keep);
                    inv(
                        Value::Array(items),
                        "",
                        format!("too few items ({keep}, minimum {min})"),
                    )
                })
                .boxed(),
        );
    }
    if let Some(max) = max.filter(|m| *m < MAX_ITEMS) {
        // A valid array, a few random items, then copies of one item: shrinks in a few steps
        // even when `maxItems` is large.
        let n = max.saturating_add(1) as usize;
        out.push(
            (
                valid_array.clone(),
                extra_item.clone(),
                proptest::collection::vec(extra_item.clone(), 0..=2),
            )
                .prop_map(move |(v, fill, extra)| {
                    let mut items = into_items(v);
                    items.extend(extra);
                    items.resize(n.max(items.len()), fill);
                    items.truncate(n);
                    inv(
                        Value::Array(items),
                        "",
                        format!("too many items ({n}, maximum {max})"),
                    )
                })
                .boxed(),
        );
    } else if items.is_none() {
        let n = prefix_items(schema).len() + 1;
        out.push(
            (
                valid_array.clone(),
                proptest::collection::vec(extra_item.clone(), n..=n),
            )
                .prop_map(move |(v, extra)| {
                    let mut items = into_items(v);
                    items.extend(extra);
                    items.truncate(n);
                    inv(
                        Value::Array(items),
                        "",
                        "an item beyond prefixItems (items: false)",
                    )
                })
                .boxed(),
        );
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) && max.is_none_or(|m| m >= 2) {
        let copies = (min.max(2)) as usize;
        out.push(
            extra_item
                .clone()
                .prop_map(move |v| {
                    inv(
                        Value::Array(vec![v; copies]),
                        "",
                        "duplicate items (uniqueItems)",
                    )
                })
                .boxed(),
        );
    }
    if max != Some(0) {
        let prefix = prefix_items(schema);
        let prefix_valid: Vec<BoxedStrategy<Value>> =
            prefix.iter().map(|s| valid(s, ctx.deeper())).collect();
        for (i, sub) in prefix.iter().enumerate() {
            if max.is_some_and(|m| (i as u64) >= m) {
                break;
            }
            let inner = candidates(sub, ctx.deeper(), true);
            if inner.is_empty() {
                continue;
            }
            let inner = union(inner, inv(Value::Null, "", ""));
            out.push(
                (prefix_valid[..=i].to_vec(), inner)
                    .prop_map(move |(mut items, bad)| {
                        items[i] = bad.value;
                        inv(
                            Value::Array(items),
                            child_pointer(&i.to_string(), &bad.pointer),
                            bad.note,
                        )
                    })
                    .boxed(),
            );
        }
        if let Some(items) = &items {
            let inner = candidates(items, ctx.deeper(), true);
            if !inner.is_empty() {
                let inner = union(inner, inv(Value::Null, "", ""));
                let n_prefix = prefix.len();
                out.push(
                    (valid_array, inner, any::<prop::sample::Index>())
                        .prop_map(move |(v, bad, at)| {
                            let mut items = into_items(v);
                            let i = if items.len() > n_prefix {
                                n_prefix + at.index(items.len() - n_prefix)
                            } else {
                                items.push(Value::Null);
                                items.len() - 1
                            };
                            items[i] = bad.value;
                            inv(
                                Value::Array(items),
                                child_pointer(&i.to_string(), &bad.pointer),
                                bad.note,
                            )
                        })
                        .boxed(),
                );
            }
        }
    }
    out
}

fn into_items(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Plausible typos of the declared property names, plus invented names; none declared.
fn unknown_names(schema: &Value) -> Vec<String> {
    let declared: Vec<String> = properties(schema).into_iter().map(|(n, _)| n).collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |name: String| {
        if !name.is_empty() && !declared.contains(&name) && !out.contains(&name) {
            out.push(name);
        }
    };
    for name in declared.iter().take(6) {
        push(name.to_lowercase());
        let snake: String = name
            .chars()
            .flat_map(|c| {
                if c.is_ascii_uppercase() {
                    vec!['_', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect();
        push(snake);
        push(format!("{name}s"));
    }
    for name in ["zq", "extra", "unknownField"] {
        push(name.to_owned());
    }
    out
}

/// Object mutations: a missing required property, an unknown one (or an invalid extra one under
/// an `additionalProperties` schema), too few or too many properties, one invalid property.
fn object_candidates(schema: &Value, ctx: Ctx) -> Vec<Cand> {
    let mut out = Vec::new();
    let Some(valid_object) = valid_typed(schema, Ty::Object, ctx) else {
        return out;
    };
    let required = required(schema);
    if !required.is_empty() {
        out.push(
            (valid_object.clone(), prop::sample::select(required))
                .prop_map(|(v, name)| {
                    let mut map = into_map(v);
                    map.shift_remove(&name);
                    inv(
                        Value::Object(map),
                        child_pointer(&name, ""),
                        format!("missing required '{name}'"),
                    )
                })
                .boxed(),
        );
    }
    if closed(schema) {
        let names = unknown_names(schema);
        let values = vec![json!("x"), json!(1), json!(true), Value::Null, json!({})];
        out.push(
            (
                valid_object.clone(),
                prop::sample::select(names),
                prop::sample::select(values),
            )
                .prop_map(|(v, name, extra)| {
                    let mut map = into_map(v);
                    map.insert(name.clone(), extra);
                    inv(
                        Value::Object(map),
                        child_pointer(&name, ""),
                        format!("unknown field '{name}'"),
                    )
                })
                .boxed(),
        );
    } else if let Some(extra) = additional_schema(schema) {
        let inner = candidates(extra, ctx.deeper(), true);
        if !inner.is_empty() {
            let inner = union(inner, inv(Value::Null, "", ""));
            let name = unknown_names(schema)
                .into_iter()
                .next()
                .unwrap_or_else(|| "zq".to_owned());
            out.push(
                (valid_object.clone(), inner)
                    .prop_map(move |(v, bad)| {
                        let mut map = into_map(v);
                        map.insert(name.clone(), bad.value);
                        inv(
                            Value::Object(map),
                            child_pointer(&name, &bad.pointer),
                            bad.note,
                        )
                    })
                    .boxed(),
            );
        }
    }
    if let Some(min) = count(schema, "minProperties").filter(|m| *m > 0) {
        let keep = (min - 1) as usize;
        out.push(
            valid_object
                .clone()
                .prop_map(move |v| {
                    let map: Map<String, Value> = into_map(v).into_iter().take(keep).collect();
                    inv(
                        Value::Object(map),
                        "",
                        format!("too few properties ({keep}, minimum {min})"),
                    )
                })
                .boxed(),
        );
    }
    if let Some(max) = count(schema, "maxProperties").filter(|m| *m < MAX_ITEMS)
        && !closed(schema)
    {
        let n = max.saturating_add(1) as usize;
        out.push(
            valid_object
                .clone()
                .prop_map(move |v| {
                    let mut map = into_map(v);
                    let mut i = 0;
                    while map.len() < n {
                        i += 1;
                        map.insert(format!("extra{i}"), json!("x"));
                    }
                    inv(
                        Value::Object(map),
                        "",
                        format!("too many properties (maximum {max})"),
                    )
                })
                .boxed(),
        );
    }
    for (name, sub) in properties(schema) {
        let inner = candidates(&sub, ctx.deeper(), true);
        if inner.is_empty() {
            continue;
        }
        let inner = union(inner, inv(Value::Null, "", ""));
        out.push(
            (valid_object.clone(), inner)
                .prop_map(move |(v, bad)| {
                    let mut map = into_map(v);
                    map.insert(name.clone(), bad.value);
                    inv(
                        Value::Object(map),
                        child_pointer(&name, &bad.pointer),
                        bad.note,
                    )
                })
                .boxed(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_respect_number_admitting_integers() {
        let notes: Vec<String> = wrong_types(&[Ty::Number])
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert!(
            notes.iter().all(|n| !n.contains("integer instead")),
            "{notes:?}"
        );
        let values: Vec<Value> = wrong_types(&[Ty::Integer])
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        assert!(values.contains(&json!(1.5)) && values.contains(&Value::Null));
        assert!(
            wrong_types(&[Ty::String, Ty::Null])
                .iter()
                .all(|(v, _)| !v.is_null())
        );
    }

    #[test]
    fn near_misses_exclude_allowed_values() {
        let allowed = vec![json!("queued"), json!("Queued")];
        let misses = near_misses(&allowed);
        assert!(misses.contains(&json!("QUEUED")) && misses.contains(&json!("queuedx")));
        assert!(!misses.contains(&json!("Queued")));
        assert_eq!(near_misses(&[json!(true)]), vec![json!(false)]);
        assert_eq!(near_misses(&[json!(3)]), vec![json!(4), json!(2)]);
    }

    #[test]
    fn unknown_names_are_typos_first() {
        let names = unknown_names(&json!({"properties": {"hasRecording": {}, "name": {}}}));
        assert_eq!(names[0], "hasrecording");
        assert!(names.contains(&"has_recording".to_owned()));
        assert!(!names.contains(&"name".to_owned()));
    }

    #[test]
    fn representative_values_have_their_type() {
        for ty in Ty::ALL {
            let v = representative(ty);
            assert!(
                Ty::of(&v) == ty || (ty == Ty::Number && Ty::of(&v) == Ty::Number),
                "{ty:?}"
            );
        }
    }
}
