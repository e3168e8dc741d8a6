//! Test-data generators: JSON Schema → proptest strategies for the contract's parameters and
//! request bodies, deterministic boundary values for the coverage phase, and CSV bodies for the
//! contact import.
//!
//! Schemas are the resolved ones the `spec` crate hands out (no `$ref`). The keywords the
//! generators understand: `type` (string or array), `enum`, `const`, `minimum`, `maximum`,
//! `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minLength`, `maxLength`, `pattern`,
//! `format` (`date-time`, `date`, `time`, `email`, `uri`, `uri-reference`, `uuid`, `hostname`,
//! `ipv4`, `ipv6`, `duration`), `properties`, `required`, `additionalProperties` (`false` or a
//! schema), `minProperties`, `maxProperties`, `items`, `prefixItems`, `minItems`, `maxItems`,
//! `uniqueItems`, `allOf` (merged), `anyOf`/`oneOf` (a branch is picked) and boolean schemas.
//! Other keywords (`not`, `if`/`then`, `patternProperties`, annotations) are ignored: values
//! stay mostly valid and the caller's validator filters the rest. No schema makes a function
//! here panic; an unsatisfiable one yields `Value::Null`.
//!
//! Query, path and header parameters are strings on the wire: [`valid_param`] and
//! [`invalid_param`] produce raw strings judged after the D-PARAMS coercion (integers are
//! `-?digits`, booleans exactly `true`/`false`, strings as is, an empty value only a string).

use proptest::prelude::*;
use serde_json::Value;
use spec::Validator;

mod boundary;
mod csv;
mod format;
mod invalid;
mod minimal;
mod output;
mod params;
mod pattern;
mod schema;
mod strategy;
mod valid;

#[cfg(test)]
mod tests;

pub use output::{Boundary, CsvCase, Invalid, NO_INVALID, ParamBoundary};

/// Values intended to validate against `schema`.
///
/// Callers still filter with the validator: a generator may rarely be imperfect (a `pattern`
/// combined with length bounds, overlapping `oneOf` branches). Objects closed with
/// `additionalProperties: false` never get extra keys; `minProperties` is honoured; optional
/// properties are present about half the time. Numbers are short decimals (multiples of 0.1, or
/// finer when a bound needs it) so they round-trip through JSON unchanged. Strings are up to
/// about 40 characters beyond `minLength`, arrays up to 3 items unless `minItems` asks for more.
///
/// Shrinks toward small, simple values: optional properties are dropped first, strings and
/// arrays get shorter, numbers move toward zero (or the bound nearest to it).
pub fn valid_value(schema: &Value) -> BoxedStrategy<Value> {
    valid::valid(schema, valid::Ctx::body())
}

/// A value that does NOT validate against `schema`, with where and how it breaks it.
///
/// Each kind of breakage at each level is one option, picked evenly: wrong type, `null` where
/// not allowed, just outside a bound (`min - 1`, `max + 1`, and further), too short or too long,
/// a pattern broken (a character outside a class, a repetition count off by one, a leading or
/// trailing character), a malformed format, a near miss of an `enum` value, a missing required
/// property, an unknown property (typos of declared names first) when `additionalProperties`
/// is `false`, too few or too many items or properties, duplicate items, and all of these
/// nested: one field of an otherwise valid object, or one item of an otherwise valid array.
///
/// Values are checked against a validator compiled once here, so every value is invalid. When
/// the schema accepts everything, the strategy yields `Value::Null` with the note
/// [`NO_INVALID`].
pub fn invalid_value(schema: &Value) -> BoxedStrategy<Invalid> {
    let none = Invalid {
        value: Value::Null,
        pointer: String::new(),
        note: NO_INVALID.to_owned(),
    };
    let candidates = invalid::candidates(schema, valid::Ctx::body(), true);
    let Ok(validator) = Validator::compile(schema) else {
        // Not a schema the validator accepts: nothing to check against.
        return strategy::union(candidates, none);
    };
    let kept: Vec<BoxedStrategy<Invalid>> = candidates
        .into_iter()
        .filter(|c| strategy::probe(c, |i| !validator.is_valid(&i.value)))
        .collect();
    if kept.is_empty() {
        return Just(none).boxed();
    }
    strategy::union(kept, none)
        .prop_filter("generated value is valid", move |i| {
            !validator.is_valid(&i.value)
        })
        .boxed()
}

/// A raw string for a parameter of `schema` that is valid after the D-PARAMS coercion:
/// integers in decimal, booleans `true`/`false`, numbers as short decimals, strings as is
/// (made of unreserved URL characters, `[A-Za-z0-9_-]`, unless a pattern or format says
/// otherwise; a `date-time` may carry a `+02:00` offset, which the runner must percent-encode).
pub fn valid_param(schema: &Value) -> BoxedStrategy<String> {
    params::valid_param(schema)
}

/// A raw string that is invalid for a parameter of `schema` after the D-PARAMS coercion, with
/// a note: for integers `"1.0"`, `"abc"`, `""`, `"+1"`, `"1e3"`, out of range, beyond 64 bits;
/// for booleans `"yes"`, `"1"`, `"TRUE"`, `""`; for enums a near miss; for patterns a breaking
/// string; for lengths one character too few or too many; for formats a malformed value
/// (`"yesterday"`, `"2026-13-01T00:00:00Z"`).
///
/// Every string is checked against the coercion and a validator compiled once here. For a
/// schema no raw string can break (plain `{"type": "string"}`), the strategy yields `""` with
/// the note [`NO_INVALID`].
pub fn invalid_param(schema: &Value) -> BoxedStrategy<(String, String)> {
    params::invalid_param(schema)
}

/// Boundary values for the coverage phase, deterministic: the simplest valid value of each
/// allowed type; wrong types; each bound and the value just past it (`minimum` and `minimum -
/// 1`, `maxLength` and `maxLength + 1` characters, `maxItems + 1` items, ...); the shortest and
/// longest pattern matches and strings just outside the pattern; a typical and malformed
/// formatted strings; every `enum` value and near misses; objects with only the required
/// properties, with every property, missing each required one, with an unknown one; and the
/// boundaries of every property and of the items, nested into the simplest valid parent.
///
/// Each item's `valid` flag is checked against the schema's validator; items whose value turned
/// out otherwise (a boundary masked by another keyword) are dropped, and so are duplicates.
pub fn boundary_values(schema: &Value) -> Vec<Boundary> {
    boundary::boundary_values(schema)
}

/// Boundary values of a parameter as raw strings: those of [`boundary_values`] that render as
/// a string, plus the syntax edges of D-PARAMS (leading zero and `-0` valid; `+1`, `1.0`,
/// `1e1`, spaces, `""` and 64-bit overflow invalid for integers; `TRUE`, `1`, `yes` invalid for
/// booleans). Each `valid` flag is checked against the coercion and the validator.
pub fn boundary_params(schema: &Value) -> Vec<ParamBoundary> {
    boundary::boundary_params(schema)
}

/// Renders a typed JSON value as the raw string the runner sends as a parameter: integer `5` →
/// `"5"`, `0.5` → `"0.5"`, `true` → `"true"`, a string as is; `None` for `null`, arrays and
/// objects, which have no single raw form (v1 has no array parameters).
pub fn param_to_raw(value: &Value) -> Option<String> {
    params::to_raw(value)
}

/// Contact-import CSV bodies (D-CONTACTS) the import must accept (201), with how many data rows
/// they hold and how many of those have a bad phone, email or `doNotCall` cell.
///
/// The header has `phone` and a random choice of `name`, `email`, `doNotCall` (spelled in
/// several cases, `do_not_call` too) and custom columns (one with a comma in its name), in
/// random order. Rows have quoted fields with commas, doubled quotes and line breaks, padded
/// phones (cells are trimmed), E.164 numbers like `+1415555xxxx`; files use CRLF or LF, with or
/// without a final line end, sometimes a BOM. Between 0 and 6 data rows.
pub fn csv_body() -> BoxedStrategy<CsvCase> {
    csv::csv_body()
}

/// Contact-import CSV bodies that do not parse, so the whole import must be refused (400) and
/// nothing imported, with a note: a record with one field more or one fewer than the header, or
/// a quoted field that never closes.
pub fn csv_unparseable() -> BoxedStrategy<(String, String)> {
    csv::csv_unparseable()
}
