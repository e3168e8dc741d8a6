//! Reading a resolved JSON Schema: types, bounds, and the merging used to pick an
//! `anyOf`/`oneOf` branch or flatten an `allOf`.
//!
//! Everything here is total: a keyword of the wrong shape is treated as absent, so an odd schema
//! degrades to a looser generator rather than a panic.

use serde_json::{Map, Value};

/// A JSON type as JSON Schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Ty {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl Ty {
    /// Every type, in the order wrong-type candidates are tried.
    pub(crate) const ALL: [Ty; 7] = [
        Ty::String,
        Ty::Integer,
        Ty::Number,
        Ty::Boolean,
        Ty::Null,
        Ty::Array,
        Ty::Object,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::Null => "null",
            Ty::Boolean => "boolean",
            Ty::Integer => "integer",
            Ty::Number => "number",
            Ty::String => "string",
            Ty::Array => "array",
            Ty::Object => "object",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Ty> {
        Some(match name {
            "null" => Ty::Null,
            "boolean" => Ty::Boolean,
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "string" => Ty::String,
            "array" => Ty::Array,
            "object" => Ty::Object,
            _ => return None,
        })
    }

    /// The most specific type of a value (whole numbers are integers, as JSON Schema counts them).
    pub(crate) fn of(value: &Value) -> Ty {
        match value {
            Value::Null => Ty::Null,
            Value::Bool(_) => Ty::Boolean,
            Value::Number(n) => {
                if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) {
                    Ty::Integer
                } else {
                    Ty::Number
                }
            }
            Value::String(_) => Ty::String,
            Value::Array(_) => Ty::Array,
            Value::Object(_) => Ty::Object,
        }
    }
}

/// Whether a value of type `value_ty` is allowed by a list of declared types (`number` admits
/// integers).
pub(crate) fn admits(types: &[Ty], value_ty: Ty) -> bool {
    types.contains(&value_ty) || (value_ty == Ty::Integer && types.contains(&Ty::Number))
}

/// The types named by `type` (a string or an array of strings); `None` when absent or malformed.
pub(crate) fn declared_types(schema: &Value) -> Option<Vec<Ty>> {
    let mut out = Vec::new();
    match schema.get("type")? {
        Value::String(name) => out.extend(Ty::parse(name)),
        Value::Array(names) => {
            for ty in names.iter().filter_map(Value::as_str).filter_map(Ty::parse) {
                if !out.contains(&ty) {
                    out.push(ty);
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

const OBJECT_KEYWORDS: &[&str] = &[
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "patternProperties",
];
const ARRAY_KEYWORDS: &[&str] = &[
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "uniqueItems",
];
const STRING_KEYWORDS: &[&str] = &["minLength", "maxLength", "pattern", "format"];
const NUMBER_KEYWORDS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// The types a generator should produce values of: the declared ones; else the ones the
/// keywords present are about; else the types of `enum`/`const` values; else a few simple
/// scalars (the schema does not restrict the type).
pub(crate) fn generation_types(schema: &Value) -> Vec<Ty> {
    if let Some(types) = declared_types(schema) {
        return types;
    }
    let has = |keys: &[&str]| keys.iter().any(|k| schema.get(*k).is_some());
    let mut out = Vec::new();
    if has(OBJECT_KEYWORDS) {
        out.push(Ty::Object);
    }
    if has(ARRAY_KEYWORDS) {
        out.push(Ty::Array);
    }
    if has(STRING_KEYWORDS) {
        out.push(Ty::String);
    }
    if has(NUMBER_KEYWORDS) {
        out.push(Ty::Number);
    }
    if out.is_empty() {
        out = vec![Ty::String, Ty::Integer, Ty::Boolean];
    }
    out
}

/// The longest string any generator builds (`minLength`/`maxLength` beyond it are treated as
/// unsatisfiable or left unprobed rather than allocating gigabytes).
pub(crate) const MAX_LEN: u64 = 1 << 20;

/// The most items or properties any generator builds.
pub(crate) const MAX_ITEMS: u64 = 1 << 16;

/// Beyond this nesting depth a subschema yields its minimal value (deep schemas are rare and
/// their random values huge).
pub(crate) const MAX_DEPTH: u32 = 16;

/// `schema[key]` as an `f64`.
pub(crate) fn num(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key)?.as_f64().filter(|f| f.is_finite())
}

/// `schema[key]` as a non-negative count.
pub(crate) fn count(schema: &Value, key: &str) -> Option<u64> {
    let v = schema.get(key)?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0)
            .map(|f| f as u64)
    })
}

/// `schema[key]` as a string.
pub(crate) fn text<'a>(schema: &'a Value, key: &str) -> Option<&'a str> {
    schema.get(key)?.as_str()
}

/// `required`, as strings.
pub(crate) fn required(schema: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    out
}

/// `properties`, in document order.
pub(crate) fn properties(schema: &Value) -> Vec<(String, Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Whether `additionalProperties` is `false` (extra keys are invalid).
pub(crate) fn closed(schema: &Value) -> bool {
    matches!(schema.get("additionalProperties"), Some(Value::Bool(false)))
        || matches!(
            schema.get("unevaluatedProperties"),
            Some(Value::Bool(false))
        )
}

/// The schema extra keys must satisfy: `additionalProperties` when it is a schema object.
pub(crate) fn additional_schema(schema: &Value) -> Option<&Value> {
    schema.get("additionalProperties").filter(|v| v.is_object())
}

/// An integer bound: the smallest integer the lower bounds allow.
pub(crate) fn int_lower(schema: &Value) -> Option<i64> {
    let min = num(schema, "minimum").map(|m| m.ceil());
    let ex = num(schema, "exclusiveMinimum").map(|e| e.floor() + 1.0);
    let bound = match (min, ex) {
        (Some(a), Some(b)) => a.max(b),
        (a, b) => a.or(b)?,
    };
    Some(clamp_i64(bound))
}

/// An integer bound: the largest integer the upper bounds allow.
pub(crate) fn int_upper(schema: &Value) -> Option<i64> {
    let max = num(schema, "maximum").map(|m| m.floor());
    let ex = num(schema, "exclusiveMaximum").map(|e| e.ceil() - 1.0);
    let bound = match (max, ex) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    Some(clamp_i64(bound))
}

/// Converts a whole `f64` to `i64`, saturating (the cast saturates; this names the intent).
pub(crate) fn clamp_i64(f: f64) -> i64 {
    // `as` saturates at the bounds and maps NaN to 0; bounds were checked finite.
    f as i64
}

/// The number of decimals a bound is written with (0.5 -> 1, 2 -> 0, 0.25 -> 2), at most 6.
pub(crate) fn decimals(f: f64) -> u32 {
    let mut scale = 1.0;
    for d in 0..=6 {
        let scaled = f * scale;
        if (scaled - scaled.round()).abs() < 1e-9 {
            return d;
        }
        scale *= 10.0;
    }
    6
}

/// The decimal `k / 10^d` as the nearest `f64` (so it prints as that decimal).
pub(crate) fn decimal(k: i64, d: u32) -> f64 {
    (k as f64) / 10f64.powi(d as i32)
}

/// The `(k_lo, k_hi)` range of `k` such that `k / 10^d` satisfies the numeric bounds of the
/// schema; `None` when no bound at all is given on that side (the caller picks a default).
pub(crate) fn decimal_range(schema: &Value, d: u32) -> (Option<i64>, Option<i64>) {
    let scale = 10f64.powi(d as i32);
    // Steps `k` from a start next to the bound until `ok`; a few steps always suffice for
    // representable bounds, and the cap keeps absurd ones (1e300) from looping.
    let walk = |start: f64, ok: &dyn Fn(f64) -> bool, up: bool| -> i64 {
        let step = |k: i64| {
            if up {
                k.saturating_add(1)
            } else {
                k.saturating_sub(1)
            }
        };
        let mut k = if up {
            clamp_i64(start).saturating_sub(1)
        } else {
            clamp_i64(start).saturating_add(1)
        };
        for _ in 0..4 {
            if ok(decimal(k, d)) {
                break;
            }
            k = step(k);
        }
        k
    };
    let mut lo: Option<i64> = None;
    if let Some(m) = num(schema, "minimum") {
        lo = Some(walk((m * scale).floor(), &|v| v >= m, true));
    }
    if let Some(e) = num(schema, "exclusiveMinimum") {
        let k = walk((e * scale).floor(), &|v| v > e, true);
        lo = Some(lo.map_or(k, |l| l.max(k)));
    }
    let mut hi: Option<i64> = None;
    if let Some(m) = num(schema, "maximum") {
        hi = Some(walk((m * scale).ceil(), &|v| v <= m, false));
    }
    if let Some(e) = num(schema, "exclusiveMaximum") {
        let k = walk((e * scale).ceil(), &|v| v < e, false);
        hi = Some(hi.map_or(k, |h| h.min(k)));
    }
    (lo, hi)
}

/// Shallow-merges two schemas as if both applied (`allOf`, or a parent and its chosen `anyOf`
/// branch): `properties` are merged, `required` united, `type` intersected, numeric and length
/// bounds tightened; any other keyword of `branch` wins.
pub(crate) fn merge(base: &Value, branch: &Value) -> Value {
    let (Some(b), Some(o)) = (base.as_object(), branch.as_object()) else {
        return match (base, branch) {
            (_, Value::Bool(true)) => base.clone(),
            (Value::Bool(true), _) => branch.clone(),
            _ => Value::Bool(false),
        };
    };
    let mut out: Map<String, Value> = b.clone();
    for (key, value) in o {
        let merged = match (key.as_str(), out.get(key)) {
            (_, None) => value.clone(),
            ("properties", Some(Value::Object(mine))) => {
                let mut props = mine.clone();
                if let Value::Object(theirs) = value {
                    for (name, schema) in theirs {
                        let combined = match props.get(name) {
                            Some(existing) => merge(existing, schema),
                            None => schema.clone(),
                        };
                        props.insert(name.clone(), combined);
                    }
                }
                Value::Object(props)
            }
            ("required", Some(Value::Array(mine))) => {
                let mut names = mine.clone();
                for name in value.as_array().into_iter().flatten() {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
                Value::Array(names)
            }
            ("type", Some(_)) => {
                let mine = declared_types(base).unwrap_or_default();
                let theirs = declared_types(branch).unwrap_or_default();
                let both: Vec<Value> = theirs
                    .iter()
                    .filter(|t| {
                        mine.contains(t) || (**t == Ty::Integer && mine.contains(&Ty::Number))
                    })
                    .map(|t| Value::from(t.name()))
                    .collect();
                Value::Array(both)
            }
            (
                "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties",
                Some(m),
            ) => pick_num(m, value, f64::max),
            (
                "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties",
                Some(m),
            ) => pick_num(m, value, f64::min),
            _ => value.clone(),
        };
        out.insert(key.clone(), merged);
    }
    Value::Object(out)
}

fn pick_num(a: &Value, b: &Value, choose: fn(f64, f64) -> f64) -> Value {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            if choose(x, y) == x {
                a.clone()
            } else {
                b.clone()
            }
        }
        _ => b.clone(),
    }
}

/// The schema with `allOf` folded into it (recursively through nested `allOf`s).
pub(crate) fn flatten(schema: &Value) -> Value {
    let Some(all) = schema.get("allOf").and_then(Value::as_array) else {
        return schema.clone();
    };
    let mut base = schema.clone();
    if let Some(map) = base.as_object_mut() {
        map.remove("allOf");
    }
    for part in all {
        base = merge(&base, &flatten(part));
    }
    base
}

/// The branches of `anyOf` (else `oneOf`), each merged with the rest of the schema; `None`
/// when the schema has neither (or an empty list).
pub(crate) fn branches(schema: &Value) -> Option<Vec<Value>> {
    let key = ["anyOf", "oneOf"].into_iter().find(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    })?;
    let list = schema.get(key)?.as_array()?;
    let mut rest = schema.clone();
    if let Some(map) = rest.as_object_mut() {
        map.remove(key);
    }
    Some(
        list.iter()
            .map(|b| flatten(&merge(&rest, &flatten(b))))
            .collect(),
    )
}

/// Escapes one JSON pointer segment (RFC 6901).
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `/segment` followed by an inner pointer.
pub(crate) fn child_pointer(segment: &str, inner: &str) -> String {
    format!("/{}{inner}", escape(segment))
}

/// How many decimals generated numbers use: enough for the bounds and `multipleOf`, at least 1.
pub(crate) fn number_decimals(schema: &Value) -> u32 {
    [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]
    .iter()
    .filter_map(|k| num(schema, k))
    .map(decimals)
    .max()
    .unwrap_or(1)
    .max(1)
}

/// The schema of items after `prefixItems`: `Some(schema)`, `None` when `items` is `false`.
pub(crate) fn items_schema(schema: &Value) -> Option<Value> {
    match schema.get("items") {
        Some(Value::Bool(false)) => None,
        Some(items) => Some(items.clone()),
        None => Some(Value::Bool(true)),
    }
}

/// `prefixItems`, if any.
pub(crate) fn prefix_items(schema: &Value) -> Vec<Value> {
    schema
        .get("prefixItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_are_read_and_inferred() {
        assert_eq!(
            declared_types(&json!({"type": "string"})),
            Some(vec![Ty::String])
        );
        assert_eq!(
            declared_types(&json!({"type": ["string", "null", "bogus"]})),
            Some(vec![Ty::String, Ty::Null])
        );
        assert_eq!(declared_types(&json!({"type": 3})), None);
        assert_eq!(generation_types(&json!({"minLength": 2})), vec![Ty::String]);
        assert_eq!(
            generation_types(&json!({"properties": {}})),
            vec![Ty::Object]
        );
        assert!(admits(&[Ty::Number], Ty::Integer));
        assert!(!admits(&[Ty::Integer], Ty::Number));
        assert_eq!(Ty::of(&json!(2.0)), Ty::Integer);
        assert_eq!(Ty::of(&json!(2.5)), Ty::Number);
    }

    #[test]
    fn integer_bounds_follow_exclusive_keywords() {
        let s = json!({"minimum": 0.5, "exclusiveMaximum": 10});
        assert_eq!(int_lower(&s), Some(1));
        assert_eq!(int_upper(&s), Some(9));
        let s = json!({"exclusiveMinimum": 3, "maximum": 7.9});
        assert_eq!(int_lower(&s), Some(4));
        assert_eq!(int_upper(&s), Some(7));
        assert_eq!(int_lower(&json!({})), None);
    }

    #[test]
    fn decimal_ranges_are_exact() {
        assert_eq!(decimals(0.5), 1);
        assert_eq!(decimals(2.0), 0);
        assert_eq!(decimals(0.25), 2);
        let s = json!({"minimum": 0.5, "maximum": 2.0});
        assert_eq!(decimal_range(&s, 1), (Some(5), Some(20)));
        let s = json!({"exclusiveMinimum": 0.5, "exclusiveMaximum": 2});
        assert_eq!(decimal_range(&s, 1), (Some(6), Some(19)));
        assert_eq!(decimal(3, 1).to_string(), "0.3");
    }

    #[test]
    fn merging_combines_constraints() {
        let a = json!({"type": ["object", "null"], "properties": {"a": {"type": "string"}}, "required": ["a"], "maxLength": 5});
        let b =
            json!({"type": "object", "properties": {"b": {}}, "required": ["b"], "maxLength": 3});
        let m = merge(&a, &b);
        assert_eq!(m["type"], json!(["object"]));
        assert_eq!(m["required"], json!(["a", "b"]));
        assert_eq!(m["maxLength"], json!(3));
        assert!(m["properties"].get("a").is_some() && m["properties"].get("b").is_some());
        assert_eq!(
            merge(&json!(true), &json!({"type": "null"})),
            json!({"type": "null"})
        );
        assert_eq!(merge(&json!(false), &json!({})), json!(false));
        let f = flatten(&json!({"allOf": [{"minimum": 1}, {"maximum": 3}]}));
        assert_eq!(f, json!({"minimum": 1, "maximum": 3}));
        let br = branches(
            &json!({"description": "x", "anyOf": [{"type": "null"}, {"type": "integer"}]}),
        )
        .unwrap();
        assert_eq!(br[0], json!({"description": "x", "type": "null"}));
    }

    #[test]
    fn pointers_escape() {
        assert_eq!(child_pointer("a/b~c", "/0"), "/a~1b~0c/0");
    }
}
