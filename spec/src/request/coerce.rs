//! Turning raw parameter strings into typed JSON values, guided by the
//! parameter schema's `type`, before the schema itself is checked.
//!
//! Rules (strict on purpose: the contract should catch sloppy clients):
//! - The types come from `type` (a string or an array such as
//!   `["integer", "null"]`), plus the `type`s of a single level of
//!   `anyOf`/`oneOf` branches; with none of those, from the JSON types of
//!   `enum`/`const` values; with nothing at all, the value stays a string.
//! - integer: optional `-`, then ASCII digits, fitting an `i64`. Leading
//!   zeros are fine (`"007"` is 7); `"+1"`, `"1.0"`, `"1e3"`, `" 1"` are not
//!   integers.
//! - number: `-?digits(.digits)?([eE][+-]?digits)?`, finite. Whole numbers
//!   become JSON integers, so `"5"` is `5`, not `5.0`.
//! - boolean: exactly `"true"` or `"false"`.
//! - string: taken as is.
//! - When several types are allowed, the first that parses wins, in the
//!   order integer, number, boolean, string.
//! - An empty value is only a valid string; for any other type it is a
//!   violation ("must not be empty").
//! - array: the items are the repeated values (form, explode) or the
//!   comma-separated parts (simple style, or `explode: false`); each item is
//!   coerced by `items`' types. A single empty value is the empty array.
//! - A non-array parameter given more than once is a violation
//!   ("is repeated").
//! - Types a string cannot express (object, null) are left as strings for
//!   the schema check to reject with a precise message.

use serde_json::{Number, Value};

/// A set of JSON types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Types(u8);

impl Types {
    const INTEGER: u8 = 1;
    const NUMBER: u8 = 2;
    const BOOLEAN: u8 = 4;
    const STRING: u8 = 8;
    const ARRAY: u8 = 16;
    const OTHER: u8 = 32;

    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    fn add_name(&mut self, name: &str) {
        self.0 |= match name {
            "integer" => Self::INTEGER,
            "number" => Self::NUMBER,
            "boolean" => Self::BOOLEAN,
            "string" => Self::STRING,
            "array" => Self::ARRAY,
            _ => Self::OTHER,
        };
    }

    fn add_value(&mut self, value: &Value) {
        self.0 |= match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Self::INTEGER,
            Value::Number(_) => Self::NUMBER,
            Value::Bool(_) => Self::BOOLEAN,
            Value::String(_) => Self::STRING,
            Value::Array(_) => Self::ARRAY,
            Value::Null | Value::Object(_) => Self::OTHER,
        };
    }

    fn add_type_keyword(&mut self, schema: &Value) {
        match schema.get("type") {
            Some(Value::String(name)) => self.add_name(name),
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .for_each(|n| self.add_name(n)),
            _ => {}
        }
    }

    /// The types `schema` admits, as far as coercion cares.
    pub(crate) fn of(schema: &Value) -> Types {
        let mut types = Types::default();
        types.add_type_keyword(schema);
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                branches.iter().for_each(|b| types.add_type_keyword(b));
            }
        }
        if types.0 == 0 {
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                values.iter().for_each(|v| types.add_value(v));
            }
            if let Some(value) = schema.get("const") {
                types.add_value(value);
            }
        }
        types
    }

    pub(crate) fn is_array(self) -> bool {
        self.has(Self::ARRAY)
    }

    /// The scalar types a raw string may become; plain string when the
    /// schema names none of them.
    fn scalars(self) -> Types {
        let scalars = self.0 & (Self::INTEGER | Self::NUMBER | Self::BOOLEAN | Self::STRING);
        if scalars == 0 {
            Types(Self::STRING)
        } else {
            Types(scalars)
        }
    }

    fn expectation(self) -> String {
        let mut parts = Vec::new();
        if self.has(Self::NUMBER) {
            parts.push("a number");
        } else if self.has(Self::INTEGER) {
            parts.push("an integer");
        }
        if self.has(Self::BOOLEAN) {
            parts.push("true or false");
        }
        format!("must be {}", parts.join(" or "))
    }
}

/// The schema `items` applies to array elements: `items` itself, or the
/// `items` of the array branch of an `anyOf`/`oneOf`.
fn items_schema(schema: &Value) -> Option<&Value> {
    schema.get("items").or_else(|| {
        ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array))
            .flatten()
            .find_map(|b| b.get("items"))
    })
}

/// Coerces one raw value to one of `types` (see the module rules).
pub(crate) fn scalar(raw: &str, types: Types) -> Result<Value, String> {
    let types = types.scalars();
    if raw.is_empty() {
        return if types.has(Types::STRING) {
            Ok(Value::String(String::new()))
        } else {
            Err("must not be empty".to_owned())
        };
    }
    if types.has(Types::INTEGER) && is_integer_literal(raw) {
        match raw.parse::<i64>() {
            Ok(n) => return Ok(Value::from(n)),
            Err(_) if !types.has(Types::NUMBER) && !types.has(Types::STRING) => {
                return Err("is out of range for a 64-bit integer".to_owned());
            }
            Err(_) => {}
        }
    }
    if types.has(Types::NUMBER)
        && let Some(n) = number(raw)
    {
        return Ok(n);
    }
    if types.has(Types::BOOLEAN) {
        match raw {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            _ => {}
        }
    }
    if types.has(Types::STRING) {
        return Ok(Value::String(raw.to_owned()));
    }
    Err(types.expectation())
}

/// Coerces every raw value given for one parameter.
///
/// `split_commas` selects simple style / `explode: false` for arrays. The
/// error strings are complete reasons ("is repeated; ...", "at /1: must be
/// an integer").
pub(crate) fn values(
    raws: &[&str],
    schema: &Value,
    split_commas: bool,
) -> Result<Value, Vec<String>> {
    let types = Types::of(schema);
    if !types.is_array() {
        return match raws {
            [one] => scalar(one, types).map_err(|reason| vec![reason]),
            _ => Err(vec!["is repeated; it takes a single value".to_owned()]),
        };
    }
    let item_types = items_schema(schema).map_or(Types(Types::STRING), Types::of);
    if let [""] = raws {
        return Ok(Value::Array(Vec::new()));
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let parts = raws.iter().flat_map(|raw| {
        if split_commas {
            raw.split(',').collect::<Vec<_>>()
        } else {
            vec![*raw]
        }
    });
    for (i, part) in parts.enumerate() {
        match scalar(part, item_types) {
            Ok(v) => items.push(v),
            Err(reason) => errors.push(format!("at /{i}: {reason}")),
        }
    }
    if errors.is_empty() {
        Ok(Value::Array(items))
    } else {
        Err(errors)
    }
}

fn is_integer_literal(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses the JSON number grammar (leading zeros allowed), finite only.
fn number(raw: &str) -> Option<Value> {
    let unsigned = raw.strip_prefix('-').unwrap_or(raw);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !all_digits(whole) || !fraction.is_none_or(all_digits) || !exponent_ok {
        return None;
    }
    if fraction.is_none()
        && exponent.is_none()
        && let Ok(n) = raw.parse::<i64>()
    {
        return Some(Value::from(n));
    }
    let f: f64 = raw.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn coerce(raw: &str, schema: Value) -> Result<Value, String> {
        scalar(raw, Types::of(&schema))
    }

    #[test]
    fn integers() {
        let s = json!({"type": "integer"});
        assert_eq!(coerce("42", s.clone()), Ok(json!(42)));
        assert_eq!(coerce("-7", s.clone()), Ok(json!(-7)));
        assert_eq!(coerce("007", s.clone()), Ok(json!(7)));
        assert_eq!(coerce("-0", s.clone()), Ok(json!(0)));
        for bad in ["+1", "1.0", "1e3", " 1", "1 ", "0x10", "-", "one", "1_000"] {
            assert_eq!(
                coerce(bad, s.clone()),
                Err("must be an integer".to_owned()),
                "{bad:?}"
            );
        }
        assert_eq!(
            coerce("9223372036854775808", s.clone()),
            Err("is out of range for a 64-bit integer".to_owned())
        );
        assert_eq!(coerce("9223372036854775807", s), Ok(json!(i64::MAX)));
    }

    #[test]
    fn numbers() {
        let s = json!({"type": "number"});
        assert_eq!(coerce("5", s.clone()), Ok(json!(5)));
        assert_eq!(coerce("1.5", s.clone()), Ok(json!(1.5)));
        assert_eq!(coerce("-0.25", s.clone()), Ok(json!(-0.25)));
        assert_eq!(coerce("1e3", s.clone()), Ok(json!(1000.0)));
        assert_eq!(coerce("2E-1", s.clone()), Ok(json!(0.2)));
        for bad in [
            "inf", "NaN", "infinity", ".5", "5.", "+1", "1e", "1e400", "1.2.3", " 1",
        ] {
            assert_eq!(
                coerce(bad, s.clone()),
                Err("must be a number".to_owned()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn booleans_are_exact() {
        let s = json!({"type": "boolean"});
        assert_eq!(coerce("true", s.clone()), Ok(json!(true)));
        assert_eq!(coerce("false", s.clone()), Ok(json!(false)));
        for bad in ["True", "1", "yes", "FALSE"] {
            assert_eq!(
                coerce(bad, s.clone()),
                Err("must be true or false".to_owned())
            );
        }
    }

    #[test]
    fn strings_and_empty_values() {
        assert_eq!(coerce("007", json!({"type": "string"})), Ok(json!("007")));
        assert_eq!(coerce("", json!({"type": "string"})), Ok(json!("")));
        assert_eq!(
            coerce("", json!({"type": "integer"})),
            Err("must not be empty".to_owned())
        );
        assert_eq!(
            coerce("", json!({"type": "boolean"})),
            Err("must not be empty".to_owned())
        );
        // No type information: stays a string.
        assert_eq!(coerce("12", json!({})), Ok(json!("12")));
        // Object-typed: left as a string for the schema to reject.
        assert_eq!(coerce("{}", json!({"type": "object"})), Ok(json!("{}")));
    }

    #[test]
    fn type_arrays_and_single_level_combinators() {
        let s = json!({"type": ["integer", "null"]});
        assert_eq!(coerce("3", s.clone()), Ok(json!(3)));
        assert_eq!(coerce("x", s), Err("must be an integer".to_owned()));
        let s = json!({"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["all"]}]});
        assert_eq!(coerce("3", s.clone()), Ok(json!(3)));
        assert_eq!(coerce("all", s), Ok(json!("all")));
        let s = json!({"oneOf": [{"type": "boolean"}, {"type": "number"}]});
        assert_eq!(coerce("2.5", s.clone()), Ok(json!(2.5)));
        assert_eq!(coerce("true", s.clone()), Ok(json!(true)));
        assert_eq!(
            coerce("x", s),
            Err("must be a number or true or false".to_owned())
        );
    }

    #[test]
    fn enum_values_imply_types() {
        assert_eq!(coerce("10", json!({"enum": [10, 20]})), Ok(json!(10)));
        assert_eq!(coerce("a", json!({"enum": ["a", "b"]})), Ok(json!("a")));
        assert_eq!(coerce("true", json!({"const": true})), Ok(json!(true)));
    }

    #[test]
    fn repeated_scalars_are_violations() {
        let s = json!({"type": "integer"});
        assert_eq!(values(&["1"], &s, false), Ok(json!(1)));
        let err = values(&["1", "2"], &s, false).unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].contains("repeated"), "{err:?}");
    }

    #[test]
    fn arrays_collect_repeats_or_split_commas() {
        let s = json!({"type": "array", "items": {"type": "integer"}});
        assert_eq!(values(&["1", "2"], &s, false), Ok(json!([1, 2])));
        assert_eq!(values(&["1,2", "3"], &s, true), Ok(json!([1, 2, 3])));
        // Without splitting, "1,2" is one (non-integer) item.
        assert_eq!(
            values(&["1,2"], &s, false),
            Err(vec!["at /0: must be an integer".to_owned()])
        );
        assert_eq!(values(&[""], &s, false), Ok(json!([])));
        assert_eq!(
            values(&["1", "x", ""], &s, false),
            Err(vec![
                "at /1: must be an integer".to_owned(),
                "at /2: must not be empty".to_owned()
            ])
        );
        // Items without a type stay strings.
        assert_eq!(
            values(&["a", "b"], &json!({"type": "array"}), false),
            Ok(json!(["a", "b"]))
        );
        let nullable = json!({"type": ["array", "null"], "items": {"type": "boolean"}});
        assert_eq!(values(&["true"], &nullable, false), Ok(json!([true])));
    }

    proptest! {
        #[test]
        fn coercion_never_panics(raw in ".*", pick in 0usize..8) {
            let schemas = [
                json!({"type": "integer"}),
                json!({"type": "number"}),
                json!({"type": "boolean"}),
                json!({"type": "string"}),
                json!({"type": ["integer", "number", "boolean", "null"]}),
                json!({"type": "array", "items": {"type": "number"}}),
                json!({"anyOf": [{"type": "integer"}, {"type": "boolean"}]}),
                json!({}),
            ];
            let schema = &schemas[pick];
            let _ = scalar(&raw, Types::of(schema));
            let _ = values(&[raw.as_str(), raw.as_str()], schema, true);
            let _ = values(&[raw.as_str()], schema, false);
        }

        #[test]
        fn integers_round_trip(n in any::<i64>()) {
            prop_assert_eq!(scalar(&n.to_string(), Types::of(&json!({"type": "integer"}))), Ok(json!(n)));
        }

        #[test]
        fn accepted_numbers_are_finite(raw in "-?[0-9]{1,400}(\\.[0-9]{1,5})?([eE][+-]?[0-9]{1,4})?") {
            if let Ok(v) = scalar(&raw, Types::of(&json!({"type": "number"}))) {
                prop_assert!(v.as_f64().is_some_and(f64::is_finite));
            }
        }
    }
}
