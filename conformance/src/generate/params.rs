//! Parameters as raw strings: rendering typed values, the D-PARAMS coercion (a copy of the
//! rules in `spec::request`, checked against `Operation::validate_parameters` by the tests), and
//! the raw strings that break a parameter's syntax or constraints.

use proptest::prelude::*;
use serde_json::Value;
use spec::Validator;

use super::invalid::{self, near_misses};
use super::output::NO_INVALID;
use super::schema::{Ty, declared_types};
use super::strategy::{probe, union};
use super::valid::{self, Ctx};

/// The scalar types a raw parameter string may become, per D-PARAMS: `type` (string or array),
/// plus the `type`s of one level of `anyOf`/`oneOf`; else the types of `enum`/`const` values;
/// plain string when nothing says otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Types {
    pub(crate) integer: bool,
    pub(crate) number: bool,
    pub(crate) boolean: bool,
    pub(crate) string: bool,
    pub(crate) array: bool,
}

impl Types {
    fn add(&mut self, ty: Ty) {
        match ty {
            Ty::Integer => self.integer = true,
            Ty::Number => self.number = true,
            Ty::Boolean => self.boolean = true,
            Ty::String => self.string = true,
            Ty::Array => self.array = true,
            Ty::Null | Ty::Object => {}
        }
    }

    fn any_named(&self) -> bool {
        self.integer || self.number || self.boolean || self.string || self.array
    }

    pub(crate) fn of(schema: &Value) -> Types {
        let mut types = Types::default();
        let mut named = false;
        let mut add_declared = |s: &Value, types: &mut Types| {
            // Any name counts as naming a type, even one coercion ignores (as in `spec`).
            named |= match s.get("type") {
                Some(Value::String(_)) => true,
                Some(Value::Array(names)) => names.iter().any(Value::is_string),
                _ => false,
            };
            if let Some(list) = declared_types(s) {
                list.into_iter().for_each(|t| types.add(t));
            }
        };
        add_declared(schema, &mut types);
        for key in ["anyOf", "oneOf"] {
            for branch in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                add_declared(branch, &mut types);
            }
        }
        if !named {
            let values = schema
                .get("enum")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .chain(schema.get("const").cloned());
            for v in values {
                types.add(Ty::of(&v));
                if let Value::Number(n) = &v
                    && !(n.is_i64() || n.is_u64())
                {
                    types.number = true;
                }
            }
        }
        types
    }

    /// The scalar part; plain string when none.
    fn scalars(self) -> Types {
        let t = Types {
            array: false,
            ..self
        };
        if t.any_named() {
            t
        } else {
            Types {
                string: true,
                ..Types::default()
            }
        }
    }
}

/// Coerces one raw parameter value as D-PARAMS prescribes: the spec crate's
/// coercion, the very code the mock runs, so generators and target agree.
pub(crate) fn coerce(raw: &str, schema: &Value) -> Result<Value, String> {
    spec::request::coerce_param(raw, schema)
}

/// Whether `raw` is a valid value for a parameter of this schema (coerced, then validated).
pub(crate) fn raw_is_valid(raw: &str, schema: &Value, validator: &Validator) -> bool {
    coerce(raw, schema).is_ok_and(|v| validator.is_valid(&v))
}

/// Renders a scalar as a raw parameter string.
pub(crate) fn to_raw(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// See [`super::valid_param`].
pub(crate) fn valid_param(schema: &Value) -> BoxedStrategy<String> {
    valid::valid(schema, Ctx::param())
        .prop_map(|v| to_raw(&v).unwrap_or_else(|| v.to_string()))
        .boxed()
}

/// Raw strings that are not integers / numbers / booleans under D-PARAMS, with notes.
fn syntax_breakers(types: Types) -> Vec<(String, String)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    let scalars = types.scalars();
    if scalars.string {
        return Vec::new();
    }
    out.push(("", "empty value"));
    if scalars.integer || scalars.number {
        out.extend([
            ("abc", "not a number"),
            ("+1", "leading '+'"),
            (" 1", "leading space"),
            ("1 ", "trailing space"),
            ("0x10", "hexadecimal"),
            ("1_000", "digit separator"),
            ("-", "sign without digits"),
            ("1,5", "decimal comma"),
        ]);
    }
    if scalars.integer && !scalars.number {
        out.extend([
            ("1.0", "not an integer: decimal point"),
            ("1e3", "not an integer: exponent"),
            ("99999999999999999999", "out of 64-bit range (huge)"),
            ("9223372036854775808", "out of 64-bit range (i64::MAX + 1)"),
        ]);
    }
    if scalars.number {
        out.extend([
            (".5", "not a JSON number: no leading digit"),
            ("5.", "not a JSON number: no fraction digits"),
            ("1e", "not a JSON number: empty exponent"),
            ("NaN", "not a finite number"),
            ("inf", "not a finite number"),
            ("1e400", "not a finite number (overflow)"),
        ]);
    }
    if scalars.boolean {
        out.extend([
            ("yes", "not true/false"),
            ("no", "not true/false"),
            ("1", "not true/false"),
            ("0", "not true/false"),
            ("TRUE", "not true/false: case"),
            ("True", "not true/false: case"),
            ("FALSE", "not true/false: case"),
            ("on", "not true/false"),
            ("true ", "not true/false: trailing space"),
        ]);
    }
    out.into_iter()
        .map(|(raw, note)| (raw.to_owned(), note.to_owned()))
        .collect()
}

/// See [`super::invalid_param`].
pub(crate) fn invalid_param(schema: &Value) -> BoxedStrategy<(String, String)> {
    let validator = Validator::compile(schema).ok();
    let is_invalid = {
        let schema = schema.clone();
        let validator = validator.clone();
        move |raw: &str| {
            validator
                .as_ref()
                .is_none_or(|v| !raw_is_valid(raw, &schema, v))
        }
    };
    let types = Types::of(schema);
    let mut fixed: Vec<(String, String)> = syntax_breakers(types);
    let allowed: Option<Vec<Value>> = schema
        .get("const")
        .map(|c| vec![c.clone()])
        .or_else(|| schema.get("enum").and_then(Value::as_array).cloned());
    if let Some(allowed) = &allowed {
        for miss in near_misses(allowed) {
            if let Some(raw) = to_raw(&miss) {
                fixed.push((raw, "not in enum".to_owned()));
            }
        }
        fixed.push(("".to_owned(), "empty value (not in enum)".to_owned()));
    }
    fixed.retain(|(raw, _)| is_invalid(raw));
    let mut seen: Vec<String> = Vec::new();
    fixed.retain(|(raw, _)| {
        let new = !seen.contains(raw);
        seen.push(raw.clone());
        new
    });

    let mut options: Vec<BoxedStrategy<(String, String)>> = Vec::new();
    if !fixed.is_empty() {
        options.push(prop::sample::select(fixed).boxed());
    }
    // Constraint breakers (bounds, lengths, pattern, format) from the typed mutations, rendered
    // raw; wrong types are left out, since every raw string is a string.
    for candidate in invalid::candidates(schema, Ctx::param(), false) {
        let rendered = candidate
            .prop_map(|inv| (to_raw(&inv.value).unwrap_or_default(), inv.note))
            .boxed();
        let check = is_invalid.clone();
        if probe(&rendered, |(raw, _)| check(raw)) {
            options.push(rendered);
        }
    }
    if options.is_empty() {
        return Just((String::new(), NO_INVALID.to_owned())).boxed();
    }
    union(options, (String::new(), String::new()))
        .prop_filter("raw value is valid", move |(raw, _)| is_invalid(raw))
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(raw: &str, schema: Value) -> Result<Value, String> {
        coerce(raw, &schema)
    }

    #[test]
    fn coercion_follows_d_params() {
        let int = json!({"type": "integer"});
        assert_eq!(c("42", int.clone()), Ok(json!(42)));
        assert_eq!(c("007", int.clone()), Ok(json!(7)));
        for bad in ["+1", "1.0", "1e3", " 1", "", "9223372036854775808", "abc"] {
            assert!(c(bad, int.clone()).is_err(), "{bad:?}");
        }
        let boolean = json!({"type": "boolean"});
        assert_eq!(c("true", boolean.clone()), Ok(json!(true)));
        assert!(c("TRUE", boolean).is_err());
        let number = json!({"type": "number"});
        assert_eq!(c("5", number.clone()), Ok(json!(5)));
        assert_eq!(c("0.5", number.clone()), Ok(json!(0.5)));
        assert!(c(".5", number).is_err());
        assert_eq!(c("", json!({"type": "string"})), Ok(json!("")));
        assert_eq!(c("12", json!({})), Ok(json!("12")));
        assert_eq!(c("10", json!({"enum": [10, 20]})), Ok(json!(10)));
        assert_eq!(
            c(
                "3",
                json!({"anyOf": [{"type": "integer"}, {"type": "null"}]})
            ),
            Ok(json!(3))
        );
        assert_eq!(
            c(
                "1,2",
                json!({"type": "array", "items": {"type": "integer"}})
            ),
            Ok(json!([1, 2]))
        );
    }

    #[test]
    fn raw_rendering() {
        assert_eq!(to_raw(&json!(5)), Some("5".to_owned()));
        assert_eq!(to_raw(&json!(0.5)), Some("0.5".to_owned()));
        assert_eq!(to_raw(&json!(true)), Some("true".to_owned()));
        assert_eq!(to_raw(&json!("a b")), Some("a b".to_owned()));
        assert_eq!(to_raw(&Value::Null), None);
        assert_eq!(to_raw(&json!([1])), None);
    }
}
