//! The simplest valid value of a schema: the base the coverage phase's boundaries are nested
//! into, and what the valid generators fall back to beyond `MAX_DEPTH`.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

use super::format;
use super::pattern::{Pattern, regex_fallback};
use super::schema::{
    MAX_DEPTH, MAX_ITEMS, MAX_LEN, Ty, branches, count, decimal, decimal_range, flatten,
    generation_types, int_lower, int_upper, items_schema, number_decimals, prefix_items,
    properties, required, text,
};

/// The character strings at a length boundary are made of.
pub(crate) const FILL: char = 'a';

/// The simplest valid value of `schema`, if one is found: `const`, the first `enum` value, the
/// first satisfiable type's simplest value (0 or the bound nearest to it, `false`, the shortest
/// string, the fewest items, only required properties).
pub(crate) fn minimal(schema: &Value) -> Option<Value> {
    minimal_at(schema, 0)
}

pub(crate) fn minimal_at(schema: &Value, depth: u32) -> Option<Value> {
    match schema {
        Value::Bool(true) => return Some(Value::Null),
        Value::Object(_) => {}
        _ => return None,
    }
    if depth > MAX_DEPTH {
        return None;
    }
    let schema = flatten(schema);
    if let Some(c) = schema.get("const") {
        return Some(c.clone());
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.first().cloned();
    }
    if let Some(branches) = branches(&schema) {
        return branches.iter().find_map(|b| minimal_at(b, depth + 1));
    }
    generation_types(&schema)
        .into_iter()
        .find_map(|ty| minimal_typed(&schema, ty, depth))
}

pub(crate) fn minimal_typed(schema: &Value, ty: Ty, depth: u32) -> Option<Value> {
    match ty {
        Ty::Null => Some(Value::Null),
        Ty::Boolean => Some(Value::Bool(false)),
        Ty::Integer => {
            let lo = int_lower(schema).unwrap_or(i64::MIN);
            let hi = int_upper(schema).unwrap_or(i64::MAX);
            (lo <= hi).then(|| json!(0i64.clamp(lo, hi)))
        }
        Ty::Number => {
            let d = number_decimals(schema);
            let (lo, hi) = decimal_range(schema, d);
            let (lo, hi) = (lo.unwrap_or(i64::MIN), hi.unwrap_or(i64::MAX));
            (lo <= hi).then(|| json!(decimal(0i64.clamp(lo, hi), d)))
        }
        Ty::String => minimal_string(schema).map(Value::String),
        Ty::Array => {
            let min = count(schema, "minItems").unwrap_or(0);
            if min > MAX_ITEMS {
                return None;
            }
            let min = min as usize;
            let mut items: Vec<Value> = Vec::new();
            for sub in prefix_items(schema).iter().take(min) {
                items.push(minimal_at(sub, depth + 1)?);
            }
            if items.len() < min {
                let item = minimal_at(&items_schema(schema)?, depth + 1)?;
                items.resize(min, item);
            }
            Some(Value::Array(items))
        }
        Ty::Object => {
            let props = properties(schema);
            let mut map = Map::new();
            for name in required(schema) {
                let sub = props
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, s)| s.clone())
                    .unwrap_or(Value::Bool(true));
                map.insert(name, minimal_at(&sub, depth + 1)?);
            }
            let min = count(schema, "minProperties").unwrap_or(0) as usize;
            for (name, sub) in &props {
                if map.len() >= min {
                    break;
                }
                if !map.contains_key(name)
                    && let Some(v) = minimal_at(sub, depth + 1)
                {
                    map.insert(name.clone(), v);
                }
            }
            Some(Value::Object(map))
        }
    }
}

fn minimal_string(schema: &Value) -> Option<String> {
    let min = count(schema, "minLength").unwrap_or(0);
    if count(schema, "maxLength").is_some_and(|m| m < min) || min > MAX_LEN {
        return None;
    }
    if let Some(example) = text(schema, "format").and_then(format::example) {
        return Some(example.to_owned());
    }
    if let Some(p) = text(schema, "pattern") {
        if let Some(pattern) = Pattern::parse(p) {
            return Some(pattern.minimal());
        }
        if let Some(strategy) = regex_fallback(p) {
            let mut runner = TestRunner::deterministic();
            if let Ok(mut tree) = strategy.new_tree(&mut runner) {
                while tree.simplify() {}
                return Some(tree.current());
            }
        }
    }
    Some(std::iter::repeat_n(FILL, min as usize).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_values() {
        assert_eq!(
            minimal(&json!({"type": "integer", "minimum": 1, "maximum": 100})),
            Some(json!(1))
        );
        assert_eq!(
            minimal(&json!({"type": "number", "minimum": 0.5, "maximum": 2.0})),
            Some(json!(0.5))
        );
        assert_eq!(
            minimal(&json!({"type": "string", "minLength": 2})),
            Some(json!("aa"))
        );
        assert_eq!(
            minimal(&json!({"type": "string", "pattern": "^[A-Z]{2}$"})),
            Some(json!("AA"))
        );
        assert_eq!(
            minimal(
                &json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}, "b": {}}})
            ),
            Some(json!({"a": false}))
        );
        assert_eq!(
            minimal(&json!({"anyOf": [{"type": "null"}, {"type": "string"}]})),
            Some(Value::Null)
        );
        assert_eq!(
            minimal(&json!({"type": "integer", "minimum": 3, "maximum": 1})),
            None
        );
        assert_eq!(minimal(&json!(false)), None);
        let fallback = minimal(&json!({"type": "string", "pattern": "^(?i)x[0-9]$"}));
        assert_eq!(
            fallback
                .and_then(|v| v.as_str().map(str::to_lowercase))
                .as_deref(),
            Some("x0")
        );
    }
}
