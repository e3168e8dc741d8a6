//! `$ref` inlining: turns the document into one where every internal
//! reference has been replaced by (a copy of) its target.
//!
//! Why inline instead of handing `$ref`s to the schema compiler: every
//! schema we compile is a fragment cut out of the document, and a fragment
//! has no way to reach `#/components/...` of its parent. Inlining once at load
//! time makes every fragment self-contained, lets the index read resolved
//! parameter/response objects directly, and turns broken or cyclic references
//! into a load error instead of a surprise at request time.
//!
//! The walk knows a little about where it is. Keys of *name maps*
//! (`properties`, `components/schemas`, `paths`, `content`, ...) are names
//! chosen by the author, so a property called `$ref` or `example` is left
//! alone. Values that are literal data (`example`, `default`, `const`, `enum`,
//! an Example Object's `value`, vendor extensions) are copied verbatim, since a
//! `$ref` key there is data, not a reference.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::SpecError;

/// Keys whose object value maps author-chosen names to objects.
const NAME_MAP_KEYS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "paths",
    "webhooks",
    "content",
    "encoding",
    "variables",
    "mapping",
];

/// Keys whose value is literal data, never to be interpreted.
const LITERAL_KEYS: &[&str] = &["example", "default", "const", "enum", "value"];

/// Sibling keywords of a `$ref` that only annotate; they may simply
/// overwrite the target's value (OpenAPI 3.1: siblings win for
/// `description`/`summary`).
const ANNOTATION_KEYS: &[&str] = &[
    "description",
    "summary",
    "title",
    "deprecated",
    "readOnly",
    "writeOnly",
    "example",
    "examples",
    "default",
    "$comment",
    "externalDocs",
];

/// How the keys of an object are to be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Keys are fields or keywords (`$ref` means a reference).
    Fields,
    /// Keys are names chosen by the author.
    Names,
}

/// What to do with the value under `key` of an object read in `ctx`.
fn child_ctx(ctx: Ctx, key: &str, value: &Value) -> Option<Ctx> {
    if ctx == Ctx::Names {
        return Some(Ctx::Fields);
    }
    if LITERAL_KEYS.contains(&key) || key.starts_with("x-") {
        return None;
    }
    // JSON Schema `examples` is an array of literal instances; OpenAPI
    // `examples` is a map of Example Objects (which may themselves be `$ref`s).
    if key == "examples" && value.is_array() {
        return None;
    }
    if NAME_MAP_KEYS.contains(&key) && value.is_object() {
        Some(Ctx::Names)
    } else {
        Some(Ctx::Fields)
    }
}

/// Returns a copy of `doc` with every internal `$ref` inlined.
pub(crate) fn resolve_document(doc: &Value) -> Result<Value, SpecError> {
    let mut resolver = Resolver {
        root: doc,
        cache: HashMap::new(),
        stack: Vec::new(),
    };
    resolver.resolve(doc, Ctx::Fields)
}

/// Every `$ref` still present in reference position anywhere in `doc`.
///
/// On a resolved document this is empty; it exists so tests (and the lead's
/// document checks) can prove that rather than assume it.
pub(crate) fn remaining_refs(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_refs(doc, Ctx::Fields, &mut out);
    out
}

fn collect_refs(value: &Value, ctx: Ctx, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if ctx == Ctx::Fields && key == "$ref" {
                    out.push(child.as_str().unwrap_or("<non-string $ref>").to_owned());
                    continue;
                }
                if let Some(next) = child_ctx(ctx, key, child) {
                    collect_refs(child, next, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_refs(item, Ctx::Fields, out);
            }
        }
        _ => {}
    }
}

/// Looks up an internal reference (`#` followed by a JSON pointer, which in
/// a URI fragment may also be percent-encoded).
pub(crate) fn lookup<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, SpecError> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(SpecError::ExternalRef {
            reference: reference.to_owned(),
        });
    };
    let unresolved = || SpecError::UnresolvedRef {
        reference: reference.to_owned(),
    };
    let pointer = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .map_err(|_| unresolved())?;
    // `Value::pointer` handles the `~0`/`~1` escapes; a fragment that is not a
    // pointer (a plain-name anchor like `#foo`) yields None, i.e. unresolved.
    root.pointer(&pointer).ok_or_else(unresolved)
}

/// Escapes one JSON pointer segment (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

struct Resolver<'a> {
    root: &'a Value,
    /// Fully resolved targets; a component used a hundred times is resolved
    /// once.
    cache: HashMap<String, Value>,
    /// References being resolved right now, innermost last: meeting one of
    /// them again is a cycle.
    stack: Vec<String>,
}

impl Resolver<'_> {
    fn resolve(&mut self, value: &Value, ctx: Ctx) -> Result<Value, SpecError> {
        match value {
            Value::Object(map) => {
                if ctx == Ctx::Fields
                    && let Some(reference) = map.get("$ref")
                {
                    let Some(reference) = reference.as_str() else {
                        return Err(SpecError::InvalidField {
                            pointer: "$ref".to_owned(),
                            expected: "a string".to_owned(),
                        });
                    };
                    let target = self.resolve_ref(reference)?;
                    let mut siblings = Map::new();
                    for (key, child) in map.iter().filter(|(k, _)| *k != "$ref") {
                        siblings.insert(key.clone(), self.resolve_child(ctx, key, child)?);
                    }
                    return Ok(merge_siblings(target, siblings));
                }
                let mut out = Map::with_capacity(map.len());
                for (key, child) in map {
                    out.insert(key.clone(), self.resolve_child(ctx, key, child)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items
                .iter()
                .map(|item| self.resolve(item, Ctx::Fields))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(other.clone()),
        }
    }

    fn resolve_child(&mut self, ctx: Ctx, key: &str, child: &Value) -> Result<Value, SpecError> {
        match child_ctx(ctx, key, child) {
            Some(next) => self.resolve(child, next),
            None => Ok(child.clone()),
        }
    }

    fn resolve_ref(&mut self, reference: &str) -> Result<Value, SpecError> {
        if let Some(done) = self.cache.get(reference) {
            return Ok(done.clone());
        }
        if self.stack.iter().any(|r| r == reference) {
            return Err(SpecError::RefCycle {
                reference: reference.to_owned(),
            });
        }
        let target = lookup(self.root, reference)?;
        self.stack.push(reference.to_owned());
        let resolved = self.resolve(target, Ctx::Fields);
        self.stack.pop();
        let resolved = resolved?;
        self.cache.insert(reference.to_owned(), resolved.clone());
        Ok(resolved)
    }
}

/// Combines a resolved `$ref` target with the keywords written beside the
/// `$ref`.
///
/// Annotations simply overwrite. Other keywords are merged when they do not
/// clash with the target's; on a clash (e.g. both set `maxLength`) JSON
/// Schema says *both* apply, so the target and the extra constraints are
/// wrapped in an `allOf` rather than letting one silently replace the other.
fn merge_siblings(target: Value, siblings: Map<String, Value>) -> Value {
    if siblings.is_empty() {
        return target;
    }
    match target {
        Value::Object(mut merged) => {
            let clash = siblings
                .keys()
                .any(|k| !ANNOTATION_KEYS.contains(&k.as_str()) && merged.contains_key(k));
            if !clash {
                merged.extend(siblings);
                return Value::Object(merged);
            }
            wrap_in_all_of(Value::Object(merged), siblings)
        }
        other => wrap_in_all_of(other, siblings),
    }
}

fn wrap_in_all_of(target: Value, siblings: Map<String, Value>) -> Value {
    let (annotations, constraints): (Map<_, _>, Map<_, _>) = siblings
        .into_iter()
        .partition(|(k, _)| ANNOTATION_KEYS.contains(&k.as_str()));
    let mut all_of = vec![target];
    if !constraints.is_empty() {
        all_of.push(Value::Object(constraints));
    }
    let mut out = annotations;
    out.insert("allOf".to_owned(), Value::Array(all_of));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inlines_nested_refs() {
        let doc = json!({
            "components": {"schemas": {
                "Id": {"type": "string", "minLength": 1},
                "Call": {"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}}},
            }},
            "paths": {"/calls": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}
            }}}}}}}
        });
        let out = resolve_document(&doc).unwrap();
        let items = out
            .pointer("/paths/~1calls/get/responses/200/content/application~1json/schema/items")
            .unwrap();
        assert_eq!(
            items["properties"]["id"],
            json!({"type": "string", "minLength": 1})
        );
        assert!(remaining_refs(&out).is_empty());
        assert_eq!(remaining_refs(&doc).len(), 2);
    }

    #[test]
    fn pointer_escapes_and_percent_encoding_are_decoded() {
        let doc = json!({
            "components": {"schemas": {"a/b": {"const": 1}, "c~d": {"const": 2}, "e f": {"const": 3}}},
            "x": {"$ref": "#/components/schemas/a~1b"},
            "y": {"$ref": "#/components/schemas/c~0d"},
            "z": {"$ref": "#/components/schemas/e%20f"},
        });
        let out = resolve_document(&doc).unwrap();
        assert_eq!(out["x"], json!({"const": 1}));
        assert_eq!(out["y"], json!({"const": 2}));
        assert_eq!(out["z"], json!({"const": 3}));
    }

    #[test]
    fn annotation_siblings_win() {
        let doc = json!({
            "components": {"schemas": {"S": {"type": "string", "description": "orig"}}},
            "p": {"$ref": "#/components/schemas/S", "description": "override", "summary": "s"},
        });
        let out = resolve_document(&doc).unwrap();
        assert_eq!(
            out["p"],
            json!({"type": "string", "description": "override", "summary": "s"})
        );
    }

    #[test]
    fn non_clashing_constraint_siblings_merge_and_clashing_ones_both_apply() {
        let doc = json!({
            "components": {"schemas": {"S": {"type": "string", "maxLength": 10}}},
            "merge": {"$ref": "#/components/schemas/S", "minLength": 2},
            "clash": {"$ref": "#/components/schemas/S", "maxLength": 5, "title": "t"},
        });
        let out = resolve_document(&doc).unwrap();
        assert_eq!(
            out["merge"],
            json!({"type": "string", "maxLength": 10, "minLength": 2})
        );
        assert_eq!(
            out["clash"],
            json!({"title": "t", "allOf": [{"type": "string", "maxLength": 10}, {"maxLength": 5}]})
        );
    }

    #[test]
    fn cycles_are_errors_not_stack_overflows() {
        let doc = json!({
            "components": {"schemas": {
                "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                "B": {"items": {"$ref": "#/components/schemas/A"}},
            }},
        });
        match resolve_document(&doc) {
            Err(SpecError::RefCycle { reference }) => {
                assert!(reference.starts_with("#/components/schemas/"));
            }
            other => panic!("expected a cycle error, got {other:?}"),
        }
        let self_ref = json!({"a": {"$ref": "#/a"}});
        assert!(matches!(
            resolve_document(&self_ref),
            Err(SpecError::RefCycle { .. })
        ));
    }

    #[test]
    fn missing_and_external_refs_are_errors() {
        let missing = json!({"a": {"$ref": "#/components/schemas/Nope"}});
        assert_eq!(
            resolve_document(&missing),
            Err(SpecError::UnresolvedRef {
                reference: "#/components/schemas/Nope".into()
            })
        );
        let anchor = json!({"a": {"$ref": "#anchor"}});
        assert!(matches!(
            resolve_document(&anchor),
            Err(SpecError::UnresolvedRef { .. })
        ));
        let external = json!({"a": {"$ref": "common.json#/X"}});
        assert_eq!(
            resolve_document(&external),
            Err(SpecError::ExternalRef {
                reference: "common.json#/X".into()
            })
        );
    }

    #[test]
    fn shared_targets_are_not_cycles() {
        // A diamond (two paths to the same target) must not be mistaken for
        // a cycle.
        let doc = json!({
            "components": {"schemas": {
                "Leaf": {"type": "integer"},
                "Pair": {"properties": {
                    "a": {"$ref": "#/components/schemas/Leaf"},
                    "b": {"$ref": "#/components/schemas/Leaf"},
                }},
            }},
            "use": {"$ref": "#/components/schemas/Pair"},
        });
        let out = resolve_document(&doc).unwrap();
        assert_eq!(out["use"]["properties"]["b"], json!({"type": "integer"}));
    }

    #[test]
    fn names_and_literals_are_not_references() {
        let doc = json!({
            "components": {"schemas": {"S": {
                "type": "object",
                "properties": {"$ref": {"type": "string"}, "example": {"$ref": "#/components/schemas/T"}},
                "example": {"$ref": "not a reference"},
                "default": {"$ref": "#/nowhere"},
                "x-vendor": {"$ref": "#/nowhere"},
            }, "T": {"type": "boolean"}}},
            "e": {"examples": {"one": {"value": {"$ref": "#/nowhere"}}}},
        });
        let out = resolve_document(&doc).unwrap();
        let s = &out["components"]["schemas"]["S"];
        assert_eq!(s["properties"]["$ref"], json!({"type": "string"}));
        assert_eq!(s["properties"]["example"], json!({"type": "boolean"}));
        assert_eq!(s["example"], json!({"$ref": "not a reference"}));
        assert_eq!(s["x-vendor"], json!({"$ref": "#/nowhere"}));
        assert_eq!(
            out["e"]["examples"]["one"]["value"],
            json!({"$ref": "#/nowhere"})
        );
        assert!(remaining_refs(&out).is_empty());
    }

    #[test]
    fn example_objects_may_be_references() {
        let doc = json!({
            "components": {"examples": {"Ex": {"summary": "s", "value": {"n": 1}}}},
            "m": {"examples": {"one": {"$ref": "#/components/examples/Ex"}}},
        });
        let out = resolve_document(&doc).unwrap();
        assert_eq!(out["m"]["examples"]["one"]["value"], json!({"n": 1}));
    }

    #[test]
    fn non_string_ref_is_an_error() {
        let doc = json!({"a": {"$ref": 5}});
        assert!(matches!(
            resolve_document(&doc),
            Err(SpecError::InvalidField { .. })
        ));
    }

    #[test]
    fn escape_segment_round_trips_through_pointer_lookup() {
        let doc = json!({"a/b~c": 1});
        let pointer = format!("#/{}", escape_segment("a/b~c"));
        assert_eq!(lookup(&doc, &pointer).unwrap(), &json!(1));
    }
}
