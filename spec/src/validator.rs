//! Compiled JSON Schema validators and the violations they report.
//!
//! Schemas are compiled once, when the contract loads, and shared behind an
//! `Arc`, because the mock validates on its hot path. Messages are rewritten
//! into short phrases that read after the name of the thing that failed
//! ("`limit` must be at most 100") instead of jsonschema's sentences, which
//! echo the whole offending value back.

use std::fmt;
use std::sync::Arc;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, ValidationError};
use serde_json::Value;

use crate::error::SpecError;
use crate::resolve::escape_segment;

/// A compiled draft 2020-12 schema; cheap to clone, safe to share between
/// threads.
///
/// Formats are asserted (not just annotated): `date-time`, `email`, `uri`,
/// `uuid` and the other formats jsonschema knows fail validation when
/// malformed. Unknown formats (e.g. OpenAPI's `int64`) are ignored.
///
/// A `pattern` says nothing to a person, so a schema may say what it means with
/// [`PATTERN_MESSAGE`] beside it (`"x-vici-pattern-message": "a time of day as HH:MM"`); a value
/// that fails the pattern then "must be a time of day as HH:MM".
#[derive(Clone)]
pub struct Validator {
    inner: Arc<jsonschema::Validator>,
    /// The schema, kept only when it uses [`PATTERN_MESSAGE`].
    with_messages: Option<Arc<Value>>,
}

/// The annotation that words a `pattern` for people.
pub const PATTERN_MESSAGE: &str = "x-vici-pattern-message";

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator").finish_non_exhaustive()
    }
}

/// One way an instance fails its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer to the failing part of the instance (`""` for the root,
    /// `"/voice/speed"` for a nested field). For a missing required property
    /// or a forbidden extra property it points *at that property*, so a
    /// client learns which field to add or remove.
    pub instance_pointer: String,
    /// JSON pointer to the schema keyword that failed, e.g.
    /// `"/properties/voice/properties/speed/maximum"`.
    pub schema_path: String,
    /// A short phrase that reads after the field name, e.g.
    /// "must be at most 2".
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.instance_pointer.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.instance_pointer, self.message)
        }
    }
}

impl Validator {
    /// Compiles a (resolved, `$ref`-free) schema.
    ///
    /// # Errors
    /// [`SpecError::InvalidSchema`] (empty pointer) when the schema is not
    /// valid draft 2020-12.
    pub fn compile(schema: &Value) -> Result<Self, SpecError> {
        Self::compile_at(schema, "")
    }

    /// Compiles a schema found at `pointer` in the document, so a failure
    /// says where the broken schema lives.
    pub(crate) fn compile_at(schema: &Value, pointer: &str) -> Result<Self, SpecError> {
        let inner = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(schema)
            .map_err(|e| SpecError::InvalidSchema {
                pointer: pointer.to_owned(),
                message: e.to_string(),
            })?;
        let with_messages = has_key(schema, PATTERN_MESSAGE).then(|| Arc::new(schema.clone()));
        Ok(Self {
            inner: Arc::new(inner),
            with_messages,
        })
    }

    /// Whether `instance` satisfies the schema (faster than collecting
    /// violations).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.inner.is_valid(instance)
    }

    /// Every violation found, in the order jsonschema reports them; empty
    /// when valid.
    pub fn violations(&self, instance: &Value) -> Vec<SchemaViolation> {
        let mut out = Vec::new();
        for error in self.inner.iter_errors(instance) {
            push_violations(&error, &mut out);
        }
        if let Some(schema) = &self.with_messages {
            for v in &mut out {
                let worded = v
                    .schema_path
                    .strip_suffix("/pattern")
                    .and_then(|at| schema.pointer(at))
                    .and_then(|node| node.get(PATTERN_MESSAGE))
                    .and_then(Value::as_str);
                if let Some(m) = worded {
                    v.message = format!("must be {m}");
                }
            }
        }
        out
    }
}

/// Whether `key` is a property name anywhere in `v`.
fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

/// Turns one jsonschema error into one or more violations (one per missing
/// or unexpected property, so each gets its own pointer).
fn push_violations(error: &ValidationError<'_>, out: &mut Vec<SchemaViolation>) {
    let instance_pointer = error.instance_path().as_str();
    let schema_path = error.schema_path().as_str().to_owned();
    let at_property = |property: &str| format!("{instance_pointer}/{}", escape_segment(property));
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            out.push(SchemaViolation {
                instance_pointer: at_property(&name),
                schema_path,
                message: "is required".to_owned(),
            });
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                out.push(SchemaViolation {
                    instance_pointer: at_property(name),
                    schema_path: schema_path.clone(),
                    message: "is not an allowed property".to_owned(),
                });
            }
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            match closest_branch(instance_pointer, context) {
                Some(branch) => {
                    for e in branch {
                        push_violations(e, out);
                    }
                }
                None => out.push(SchemaViolation {
                    instance_pointer: instance_pointer.to_owned(),
                    schema_path,
                    message: kinds_expected(context).unwrap_or_else(|| {
                        describe(error.kind()).unwrap_or_else(|| error.to_string())
                    }),
                }),
            }
        }
        kind => out.push(SchemaViolation {
            instance_pointer: instance_pointer.to_owned(),
            schema_path,
            message: describe(kind).unwrap_or_else(|| error.to_string()),
        }),
    }
}

/// The branch of a failed `anyOf` / `oneOf` that the instance came closest to, so its own
/// violations (deeper, and named) are reported instead of "matches none of the schemas": a
/// nullable object given an object reports what is wrong inside the object.
///
/// A branch the instance is not even the right type for, or whose discriminating `const` it
/// does not carry, is not a candidate; among the rest, the one with the fewest violations wins
/// (the first on a tie). `None` when no branch is a candidate.
fn closest_branch<'a>(
    pointer: &str,
    branches: &'a [Vec<ValidationError<'static>>],
) -> Option<&'a [ValidationError<'static>]> {
    let depth = |p: &str| p.matches('/').count();
    let own = depth(pointer);
    branches
        .iter()
        .filter(|errors| !errors.is_empty())
        .filter(|errors| {
            !errors.iter().any(|e| {
                let at = e.instance_path().as_str();
                match e.kind() {
                    ValidationErrorKind::Type { .. } => at == pointer,
                    ValidationErrorKind::Constant { .. } => depth(at) == own + 1,
                    _ => false,
                }
            })
        })
        .min_by_key(|errors| errors.len())
        .map(Vec::as_slice)
}

/// When every branch failed on the instance's type: "must be of type object or null", from the
/// types the branches expect. `None` when some branch failed for another reason.
fn kinds_expected(branches: &[Vec<ValidationError<'static>>]) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for errors in branches {
        let [only] = errors.as_slice() else {
            return None;
        };
        let ValidationErrorKind::Type { kind } = only.kind() else {
            return None;
        };
        let listed: Vec<String> = match kind {
            TypeKind::Single(t) => vec![t.to_string()],
            TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
        };
        for n in listed {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    if names.is_empty() {
        return None;
    }
    names.sort_by_key(|n| n == "null");
    Some(format!("must be of type {}", names.join(" or ")))
}

/// A short phrase for the common kinds; `None` falls back to jsonschema's
/// own message.
fn describe(kind: &ValidationErrorKind) -> Option<String> {
    use ValidationErrorKind as K;
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    Some(match kind {
        K::Type { kind } => {
            let mut names: Vec<String> = match kind {
                TypeKind::Single(t) => vec![t.to_string()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
            };
            // "string or null" reads better than the set's "null or string".
            names.sort_by_key(|n| n == "null");
            format!("must be of type {}", names.join(" or "))
        }
        K::Maximum { limit } => format!("must be at most {limit}"),
        K::Minimum { limit } => format!("must be at least {limit}"),
        K::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        K::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        K::MultipleOf { multiple_of } => format!("must be a multiple of {multiple_of}"),
        K::MaxLength { limit } => {
            format!(
                "must be at most {} long",
                plural(*limit, "character", "characters")
            )
        }
        K::MinLength { limit } => {
            format!(
                "must be at least {} long",
                plural(*limit, "character", "characters")
            )
        }
        K::MaxItems { limit } => format!("must have at most {}", plural(*limit, "item", "items")),
        K::MinItems { limit } => format!("must have at least {}", plural(*limit, "item", "items")),
        K::MaxProperties { limit } => format!(
            "must have at most {}",
            plural(*limit, "property", "properties")
        ),
        K::MinProperties { limit } => format!(
            "must have at least {}",
            plural(*limit, "property", "properties")
        ),
        K::UniqueItems => "must not contain duplicate items".to_owned(),
        K::Pattern { pattern } => format!("must match the pattern {pattern}"),
        K::Format { format } => format!("must be a valid {format}"),
        K::Enum { options } => match options.as_array() {
            Some(list) => {
                let list: Vec<String> = list.iter().map(Value::to_string).collect();
                format!("must be one of {}", list.join(", "))
            }
            None => format!("must be one of {options}"),
        },
        K::Constant { expected_value } => format!("must be {expected_value}"),
        K::AnyOf { .. } | K::OneOfNotValid { .. } => {
            "does not match any of the allowed schemas".to_owned()
        }
        K::OneOfMultipleValid { .. } => "matches more than one of the allowed schemas".to_owned(),
        K::Not { .. } => "must not match the excluded schema".to_owned(),
        K::FalseSchema => "is not allowed".to_owned(),
        K::Contains => "does not contain any matching item".to_owned(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(schema: Value, instance: Value) -> Vec<(String, String)> {
        Validator::compile(&schema)
            .unwrap()
            .violations(&instance)
            .into_iter()
            .map(|v| (v.instance_pointer, v.message))
            .collect()
    }

    #[test]
    fn a_pattern_message_words_the_pattern() {
        let schema = json!({
            "type": "object",
            "properties": {
                "at": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$",
                       "x-vici-pattern-message": "a time of day as HH:MM"},
                "id": {"type": "string", "pattern": "^a"}
            }
        });
        assert_eq!(
            messages(schema, json!({"at": "9", "id": "b"})),
            [
                (
                    "/at".to_owned(),
                    "must be a time of day as HH:MM".to_owned()
                ),
                ("/id".to_owned(), "must match the pattern ^a".to_owned()),
            ]
        );
    }

    #[test]
    fn valid_instance_has_no_violations() {
        let v = Validator::compile(&json!({"type": "integer", "maximum": 3})).unwrap();
        assert!(v.is_valid(&json!(3)));
        assert!(v.violations(&json!(3)).is_empty());
        assert!(!v.is_valid(&json!(4)));
    }

    #[test]
    fn nested_violations_carry_pointers_and_short_messages() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "voice": {"type": "object", "properties": {"speed": {"type": "number", "maximum": 2}}},
            },
        });
        let mut got = messages(schema, json!({"voice": {"speed": 3}, "extra": 1}));
        got.sort();
        assert_eq!(
            got,
            vec![
                ("/extra".to_owned(), "is not an allowed property".to_owned()),
                ("/name".to_owned(), "is required".to_owned()),
                ("/voice/speed".to_owned(), "must be at most 2".to_owned()),
            ]
        );
    }

    #[test]
    fn schema_path_names_the_failing_keyword() {
        let v = Validator::compile(&json!({"properties": {"a": {"minimum": 1}}})).unwrap();
        let found = v.violations(&json!({"a": 0}));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].schema_path, "/properties/a/minimum");
        assert_eq!(found[0].to_string(), "/a: must be at least 1");
    }

    #[test]
    fn formats_are_asserted() {
        for (format, bad, good) in [
            ("date-time", "yesterday", "2024-05-01T10:00:00Z"),
            ("email", "not-an-email", "a@example.com"),
            ("uri", "not a uri", "https://example.com/x"),
            ("uuid", "1234", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        ] {
            let v = Validator::compile(&json!({"type": "string", "format": format})).unwrap();
            assert!(!v.is_valid(&json!(bad)), "{format} accepted {bad}");
            assert!(v.is_valid(&json!(good)), "{format} rejected {good}");
            assert_eq!(
                v.violations(&json!(bad))[0].message,
                format!("must be a valid {format}")
            );
        }
    }

    #[test]
    fn unknown_openapi_formats_are_ignored() {
        let v = Validator::compile(&json!({"type": "integer", "format": "int64"})).unwrap();
        assert!(v.is_valid(&json!(5)));
    }

    #[test]
    fn type_enum_and_length_messages() {
        assert_eq!(
            messages(json!({"type": ["string", "null"]}), json!(1))[0].1,
            "must be of type string or null"
        );
        assert_eq!(
            messages(json!({"enum": ["a", "b"]}), json!("c"))[0].1,
            "must be one of \"a\", \"b\""
        );
        assert_eq!(
            messages(json!({"maxLength": 1}), json!("ab"))[0].1,
            "must be at most 1 character long"
        );
        assert_eq!(
            messages(json!({"minItems": 2}), json!([1]))[0].1,
            "must have at least 2 items"
        );
    }

    #[test]
    fn a_failed_one_of_names_the_deepest_violation() {
        let transfer = json!({
            "type": "object",
            "properties": {"transfer": {"oneOf": [
                {"type": "object", "required": ["mode"], "properties": {
                    "mode": {"enum": ["warm", "cold"]},
                    "phoneNumber": {"type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$"}
                }},
                {"type": "null"}
            ]}}
        });
        assert_eq!(
            messages(transfer.clone(), json!({"transfer": {"mode": "hot"}})),
            [(
                "/transfer/mode".to_owned(),
                "must be one of \"warm\", \"cold\"".to_owned()
            )]
        );
        assert_eq!(
            messages(transfer.clone(), json!({"transfer": {}})),
            [("/transfer/mode".to_owned(), "is required".to_owned())]
        );
        // Neither an object nor null: what it should have been.
        assert_eq!(
            messages(transfer, json!({"transfer": 5})),
            [(
                "/transfer".to_owned(),
                "must be of type object or null".to_owned()
            )]
        );
        // anyOf, as the contract writes a nullable id.
        let id = json!({"properties": {"agentId": {"anyOf": [
            {"type": "string", "pattern": "^agt_[0-9a-z]{6,}$"},
            {"type": "null"}
        ]}}});
        assert_eq!(
            messages(id, json!({"agentId": "nope"})),
            [(
                "/agentId".to_owned(),
                "must match the pattern ^agt_[0-9a-z]{6,}$".to_owned()
            )]
        );
        // A discriminated union: the branch whose `type` matches speaks.
        let union = json!({"oneOf": [
            {"properties": {"type": {"const": "a"}, "n": {"type": "integer"}}, "required": ["type"]},
            {"properties": {"type": {"const": "b"}, "s": {"type": "string"}}, "required": ["type"]}
        ]});
        assert_eq!(
            messages(union, json!({"type": "b", "s": 1})),
            [("/s".to_owned(), "must be of type string".to_owned())]
        );
    }

    #[test]
    fn invalid_schema_is_a_spec_error() {
        let err = Validator::compile(&json!({"type": "no-such-type"})).unwrap_err();
        assert!(matches!(err, SpecError::InvalidSchema { .. }), "{err:?}");
    }

    #[test]
    fn validator_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Validator>();
        let a = Validator::compile(&json!({"type": "string"})).unwrap();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
    }
}
