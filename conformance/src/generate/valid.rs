//! Strategies for values that satisfy a schema.
//!
//! Each keyword narrows the generator instead of filtering its output, so almost every value is
//! valid without rejection sampling; the rare misses (a `pattern` together with length bounds,
//! overlapping `oneOf` branches) are left for the caller's validator. Sizes stay small: strings
//! up to about 40 characters and arrays up to 3 items beyond what `minLength`/`minItems` demand.

use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Value};

use super::format;
use super::minimal::minimal;
use super::pattern::{Pattern, regex_fallback};
use super::schema::{
    MAX_DEPTH, MAX_ITEMS, MAX_LEN, Ty, additional_schema, branches, closed, count, decimal,
    decimal_range, flatten, generation_types, int_lower, int_upper, items_schema, num,
    number_decimals, prefix_items, properties, required, text,
};
use super::strategy::union;

/// Extra characters a string may have beyond `minLength`.
const STRING_SPAN: u64 = 40;

/// Items an array has at most unless `minItems` asks for more.
const ARRAY_ITEMS: u64 = 3;

/// Generation settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    /// Strings travel in a URL or header: only unreserved characters.
    pub(crate) param: bool,
    /// Nesting depth of the current subschema.
    pub(crate) depth: u32,
}

impl Ctx {
    pub(crate) fn body() -> Ctx {
        Ctx {
            param: false,
            depth: 0,
        }
    }

    pub(crate) fn param() -> Ctx {
        Ctx {
            param: true,
            depth: 0,
        }
    }

    pub(crate) fn deeper(self) -> Ctx {
        Ctx {
            depth: self.depth + 1,
            ..self
        }
    }
}

/// Values of `schema`; `Value::Null` when it cannot be satisfied.
pub(crate) fn valid(schema: &Value, ctx: Ctx) -> BoxedStrategy<Value> {
    match schema {
        Value::Bool(true) => return simple(ctx),
        Value::Object(_) => {}
        _ => return Just(Value::Null).boxed(),
    }
    if ctx.depth > MAX_DEPTH {
        return Just(minimal(schema).unwrap_or(Value::Null)).boxed();
    }
    let schema = flatten(schema);
    if let Some(value) = schema.get("const") {
        return Just(value.clone()).boxed();
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.is_empty()
    {
        let mut values = values.clone();
        if ctx.param && values.iter().any(is_scalar) {
            // A parameter cannot carry null, arrays or objects.
            values.retain(is_scalar);
        }
        return prop::sample::select(values).boxed();
    }
    if let Some(mut branches) = branches(&schema) {
        branches.retain(|b| !matches!(b, Value::Bool(false)));
        if ctx.param && branches.iter().any(|b| !only_null(b)) {
            branches.retain(|b| !only_null(b));
        }
        let options = branches.iter().map(|b| valid(b, ctx.deeper())).collect();
        return union(options, Value::Null);
    }
    let mut types = generation_types(&schema);
    if ctx.param && types.iter().any(|t| *t != Ty::Null) {
        types.retain(|t| *t != Ty::Null);
    }
    let mut weighted: Vec<(u32, BoxedStrategy<Value>)> = types
        .into_iter()
        .filter_map(|ty| {
            let weight = if ty == Ty::Null { 1 } else { 3 };
            valid_typed(&schema, ty, ctx).map(|s| (weight, s))
        })
        .collect();
    match weighted.len() {
        0 => Just(Value::Null).boxed(),
        1 => weighted
            .pop()
            .map_or_else(|| Just(Value::Null).boxed(), |(_, s)| s),
        _ => Union::new_weighted(weighted).boxed(),
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Bool(_) | Value::Number(_) | Value::String(_))
}

/// Whether a (merged) branch allows only `null`.
fn only_null(schema: &Value) -> bool {
    generation_types(schema) == [Ty::Null]
}

/// Values of one type under a (flattened, branch-free) schema's keywords for that type; `None`
/// when the keywords leave no value of that type.
pub(crate) fn valid_typed(schema: &Value, ty: Ty, ctx: Ctx) -> Option<BoxedStrategy<Value>> {
    match ty {
        Ty::Null => Some(Just(Value::Null).boxed()),
        Ty::Boolean => Some(any::<bool>().prop_map(Value::Bool).boxed()),
        Ty::Integer => integer(schema),
        Ty::Number => number(schema),
        Ty::String => string(schema, ctx),
        Ty::Array => array(schema, ctx),
        Ty::Object => object(schema, ctx),
    }
}

/// A few simple scalars, for `true` schemas and untyped items.
fn simple(ctx: Ctx) -> BoxedStrategy<Value> {
    prop_oneof![
        plain_string(0, 12, ctx).prop_map(Value::String),
        (-100i64..=100).prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
    ]
    .boxed()
}

/// Integers in `[lo, hi]` drawn uniformly, shrinking toward zero (or the bound nearest to it).
///
/// proptest's integer shrinking computes `hi - 1` and `hi - lo` in `i64`, so the range is kept
/// off `i64::MIN` and, when absurdly wide, narrowed to a window around zero (or the bound
/// nearest it).
pub(crate) fn span(lo: i64, hi: i64) -> BoxedStrategy<i64> {
    const HALF_WINDOW: i64 = 1 << 61;
    let lo = lo.max(i64::MIN + 1);
    let hi = hi.max(lo);
    let (lo, hi) = if (hi as i128) - (lo as i128) > (1i128 << 62) {
        let mid = 0i64.clamp(lo, hi);
        (
            mid.saturating_sub(HALF_WINDOW).max(lo),
            mid.saturating_add(HALF_WINDOW).min(hi),
        )
    } else {
        (lo, hi)
    };
    (lo..=hi).boxed()
}

/// Integers in `[lo, hi]`, shrinking toward zero (or the bound nearest to it) and hitting both
/// ends of wide ranges often.
pub(crate) fn int_range(lo: i64, hi: i64) -> BoxedStrategy<i64> {
    if lo > hi {
        return Just(lo).boxed();
    }
    if (hi as i128) - (lo as i128) <= 20 {
        return span(lo, hi);
    }
    prop_oneof![
        2 => span(lo, hi),
        1 => span(lo, lo.saturating_add(10)),
        1 => span(hi.saturating_sub(10), hi),
    ]
    .boxed()
}

/// A whole `multipleOf`, when it is one (≥ 1).
fn int_multiple(schema: &Value) -> Option<i64> {
    let m = num(schema, "multipleOf")?;
    (m >= 1.0 && m.fract() == 0.0 && m < 1e15).then_some(m as i64)
}

fn integer(schema: &Value) -> Option<BoxedStrategy<Value>> {
    let (lo, hi) = match (int_lower(schema), int_upper(schema)) {
        (Some(l), Some(h)) => (l, h),
        (Some(l), None) => (l, l.saturating_add(1000)),
        (None, Some(h)) => (h.saturating_sub(1000), h),
        (None, None) => (-1000, 1000),
    };
    if lo > hi {
        return None;
    }
    match int_multiple(schema) {
        Some(m) if m > 1 => {
            let k_lo = lo.div_euclid(m) + i64::from(lo.rem_euclid(m) != 0);
            let k_hi = hi.div_euclid(m);
            (k_lo <= k_hi).then(|| {
                int_range(k_lo, k_hi)
                    .prop_map(move |k| Value::from(k.saturating_mul(m)))
                    .boxed()
            })
        }
        _ => Some(int_range(lo, hi).prop_map(Value::from).boxed()),
    }
}

fn number(schema: &Value) -> Option<BoxedStrategy<Value>> {
    let d = number_decimals(schema);
    let span = 1000i64.saturating_mul(10i64.pow(d));
    let (lo, hi) = match decimal_range(schema, d) {
        (Some(l), Some(h)) => (l, h),
        (Some(l), None) => (l, l.saturating_add(span)),
        (None, Some(h)) => (h.saturating_sub(span), h),
        (None, None) => (-span, span),
    };
    if lo > hi {
        return None;
    }
    let step = num(schema, "multipleOf")
        .map(|m| (m * 10f64.powi(d as i32)).round())
        .filter(|s| *s >= 1.0 && *s < 1e15)
        .map(|s| s as i64);
    match step {
        Some(s) if s > 1 => {
            let k_lo = lo.div_euclid(s) + i64::from(lo.rem_euclid(s) != 0);
            let k_hi = hi.div_euclid(s);
            (k_lo <= k_hi).then(|| {
                int_range(k_lo, k_hi)
                    .prop_map(move |k| Value::from(decimal(k.saturating_mul(s), d)))
                    .boxed()
            })
        }
        _ => Some(
            int_range(lo, hi)
                .prop_map(move |k| Value::from(decimal(k, d)))
                .boxed(),
        ),
    }
}

/// Characters for strings: mostly letters, some digits, spaces, punctuation and non-ASCII in
/// bodies; only unreserved URL characters (no `.` or `~`, so no dot segments) in parameters.
pub(crate) fn string_char(ctx: Ctx) -> BoxedStrategy<char> {
    if ctx.param {
        prop_oneof![
            6 => proptest::char::range('a', 'z'),
            2 => proptest::char::range('A', 'Z'),
            2 => proptest::char::range('0', '9'),
            1 => prop::sample::select(vec!['-', '_']),
        ]
        .boxed()
    } else {
        prop_oneof![
            10 => proptest::char::range('a', 'z'),
            3 => proptest::char::range('A', 'Z'),
            2 => proptest::char::range('0', '9'),
            2 => Just(' '),
            1 => prop::sample::select(vec!['.', ',', '-', '\'', '!', '?', '"', '/', '&', '#', '\\']),
            1 => prop::sample::select(vec!['é', 'ñ', 'ü', '—', '’', '日', '本', '😀']),
        ]
        .boxed()
    }
}

/// Strings of `lo..=hi` characters from [`string_char`].
pub(crate) fn plain_string(lo: u64, hi: u64, ctx: Ctx) -> BoxedStrategy<String> {
    let hi = hi.max(lo);
    proptest::collection::vec(string_char(ctx), lo as usize..=hi as usize)
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .boxed()
}

fn string(schema: &Value, ctx: Ctx) -> Option<BoxedStrategy<Value>> {
    let min = count(schema, "minLength").unwrap_or(0);
    let max = count(schema, "maxLength");
    if max.is_some_and(|m| m < min) || min > MAX_LEN {
        return None;
    }
    if let Some(strategy) = text(schema, "format").and_then(format::valid) {
        return Some(strategy.prop_map(Value::String).boxed());
    }
    if let Some(p) = text(schema, "pattern") {
        let strategy = Pattern::parse(p)
            .map(|pattern| pattern.strategy())
            .or_else(|| regex_fallback(p));
        if let Some(strategy) = strategy {
            return Some(strategy.prop_map(Value::String).boxed());
        }
    }
    let hi = max.map_or(min.saturating_add(STRING_SPAN), |m| {
        m.min(min.saturating_add(STRING_SPAN))
    });
    Some(plain_string(min, hi, ctx).prop_map(Value::String).boxed())
}

/// The item count range arrays are generated with.
pub(crate) fn array_len(schema: &Value) -> Option<(u64, u64)> {
    let min = count(schema, "minItems").unwrap_or(0);
    let max = count(schema, "maxItems");
    if max.is_some_and(|m| m < min) || min > MAX_ITEMS {
        return None;
    }
    let base = if min >= ARRAY_ITEMS {
        min.saturating_add(1)
    } else {
        ARRAY_ITEMS
    };
    Some((min, max.map_or(base, |m| m.min(base))))
}

/// Removes repeated items, keeping the first of each.
pub(crate) fn dedup(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn array(schema: &Value, ctx: Ctx) -> Option<BoxedStrategy<Value>> {
    let (min, hi) = array_len(schema)?;
    let prefix = prefix_items(schema);
    let n_prefix = (prefix.len() as u64).min(hi);
    let prefix_strategies: Vec<BoxedStrategy<Value>> = prefix
        .iter()
        .take(n_prefix as usize)
        .map(|s| valid(s, ctx.deeper()))
        .collect();
    let extra_lo = min.saturating_sub(n_prefix);
    let extra_hi = hi.saturating_sub(n_prefix).max(extra_lo);
    let items = match items_schema(schema) {
        Some(items) => valid(&items, ctx.deeper()),
        None if extra_lo > 0 => return None,
        None => Just(Value::Null).boxed(),
    };
    let (extra_lo, extra_hi) = if items_schema(schema).is_none() {
        (0, 0)
    } else {
        (extra_lo, extra_hi)
    };
    let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
    // With `uniqueItems`, a few spare items replace the duplicates dropped.
    let spares = if unique { 4 } else { 0 };
    Some(
        (
            prefix_strategies,
            proptest::collection::vec(items.clone(), extra_lo as usize..=extra_hi as usize),
            proptest::collection::vec(items, spares..=spares),
        )
            .prop_map(move |(mut head, tail, spare)| {
                head.extend(tail);
                if !unique {
                    return Value::Array(head);
                }
                let want = head.len();
                head.extend(spare);
                let mut items = dedup(head);
                items.truncate(want);
                Value::Array(items)
            })
            .boxed(),
    )
}

/// One key an object generator may emit.
struct Entry {
    name: String,
    required: bool,
    strategy: BoxedStrategy<Value>,
}

fn entries(schema: &Value, ctx: Ctx) -> Option<Vec<Entry>> {
    let required = required(schema);
    let extra_schema = additional_schema(schema)
        .cloned()
        .unwrap_or(Value::Bool(true));
    let mut out = Vec::new();
    for (name, sub) in properties(schema) {
        let is_required = required.contains(&name);
        if sub == Value::Bool(false) {
            if is_required {
                return None;
            }
            continue;
        }
        out.push(Entry {
            strategy: valid(&sub, ctx.deeper()),
            name,
            required: is_required,
        });
    }
    for name in required {
        if !out.iter().any(|e| e.name == name) {
            out.push(Entry {
                strategy: valid(&extra_schema, ctx.deeper()),
                name,
                required: true,
            });
        }
    }
    let min = count(schema, "minProperties").unwrap_or(0);
    if min > MAX_ITEMS {
        return None;
    }
    let min = min as usize;
    if out.len() < min && !closed(schema) {
        for i in out.len()..min {
            out.push(Entry {
                strategy: valid(&extra_schema, ctx.deeper()),
                name: format!("extra{}", i + 1),
                required: false,
            });
        }
    }
    Some(out)
}

fn object(schema: &Value, ctx: Ctx) -> Option<BoxedStrategy<Value>> {
    let entries = entries(schema, ctx)?;
    let min = count(schema, "minProperties").unwrap_or(0) as usize;
    let max = count(schema, "maxProperties").map(|m| m as usize);
    let names: Vec<(String, bool)> = entries
        .iter()
        .map(|e| (e.name.clone(), e.required))
        .collect();
    let parts: Vec<BoxedStrategy<(bool, Value)>> = entries
        .into_iter()
        .map(|e| {
            let presence = if e.required {
                Just(true).boxed()
            } else {
                proptest::bool::weighted(0.5).boxed()
            };
            (presence, e.strategy).boxed()
        })
        .collect();
    let order: Vec<usize> = (0..names.len()).collect();
    Some(
        (parts, Just(order).prop_shuffle())
            .prop_map(move |(parts, order)| {
                let mut present: Vec<bool> = parts.iter().map(|(p, _)| *p).collect();
                let mut n = present.iter().filter(|p| **p).count();
                for i in order {
                    if n >= min {
                        break;
                    }
                    if !present[i] {
                        present[i] = true;
                        n += 1;
                    }
                }
                if let Some(max) = max {
                    for i in (0..present.len()).rev() {
                        if n <= max {
                            break;
                        }
                        if present[i] && !names[i].1 {
                            present[i] = false;
                            n -= 1;
                        }
                    }
                }
                let mut map = Map::new();
                for (i, (_, value)) in parts.into_iter().enumerate() {
                    if present[i] {
                        map.insert(names[i].0.clone(), value);
                    }
                }
                Value::Object(map)
            })
            .boxed(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use serde_json::json;

    fn sample(schema: &Value, n: usize) -> Vec<Value> {
        let mut runner = TestRunner::deterministic();
        let s = valid(schema, Ctx::body());
        (0..n)
            .map(|_| s.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn numbers_are_short_decimals_within_bounds() {
        let schema = json!({"type": "number", "minimum": 0.5, "maximum": 2.0});
        for v in sample(&schema, 300) {
            let f = v.as_f64().unwrap();
            assert!((0.5..=2.0).contains(&f), "{v}");
            let text = v.to_string();
            assert!(text.len() <= 3, "{text}");
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
        }
    }

    #[test]
    fn integer_multiples_and_bounds() {
        let schema =
            json!({"type": "integer", "minimum": 3, "exclusiveMaximum": 40, "multipleOf": 7});
        for v in sample(&schema, 200) {
            let n = v.as_i64().unwrap();
            assert!((3..40).contains(&n) && n % 7 == 0, "{n}");
        }
        let wide = json!({"type": "integer", "minimum": 0, "maximum": 1_000_000_000});
        let values = sample(&wide, 400);
        assert!(values.iter().any(|v| v.as_i64() == Some(0)));
        assert!(values.iter().any(|v| v.as_i64() == Some(1_000_000_000)));
    }

    #[test]
    fn unsatisfiable_yields_null() {
        for schema in [
            json!({"type": "integer", "minimum": 5, "maximum": 1}),
            json!({"type": "string", "minLength": 5, "maxLength": 1}),
            json!(false),
            json!({"type": []}),
        ] {
            assert_eq!(sample(&schema, 3), vec![Value::Null; 3], "{schema}");
        }
    }

    #[test]
    fn strings_respect_lengths_and_param_alphabet() {
        let schema = json!({"type": "string", "minLength": 3, "maxLength": 5});
        for v in sample(&schema, 200) {
            let n = v.as_str().unwrap().chars().count();
            assert!((3..=5).contains(&n), "{v}");
        }
        let mut runner = TestRunner::deterministic();
        let s = valid(&json!({"type": "string"}), Ctx::param());
        for _ in 0..200 {
            let v = s.new_tree(&mut runner).unwrap().current();
            assert!(
                v.as_str()
                    .unwrap()
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{v}"
            );
        }
    }

    #[test]
    fn objects_respect_min_and_max_properties() {
        let schema = json!({"type": "object", "additionalProperties": false, "minProperties": 2, "maxProperties": 3,
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "integer"}, "d": {"type": "integer"}}});
        for v in sample(&schema, 200) {
            let n = v.as_object().unwrap().len();
            assert!((2..=3).contains(&n), "{v}");
        }
    }
}
