//! Bindings: where each rule of the contract comes from, read from the
//! document's `x-vici-binding` annotations.
//!
//! Three sources, from the strongest to the weakest:
//!
//! - [`Binding::Page`]: the public reference page promises it; every
//!   implementation of v1 is held to it.
//! - [`Binding::Contract`]: our decision where the page is silent (a `D-…`
//!   entry of `spec/DECISIONS.md`); a real implementation may reasonably
//!   decide otherwise.
//! - [`Binding::Mock`]: how our mock happens to behave (id prefixes, seeded
//!   data); never held against anyone else.
//!
//! # The annotation
//!
//! ```json
//! "x-vici-binding": {
//!   "binding": "contract", "source": "D-IDS",
//!   "keywords": { "pattern": { "binding": "mock", "source": "D-IDS" } }
//! }
//! ```
//!
//! On operations, parameters, headers and responses it binds the object.
//! On a schema node it binds that node's own assertion keywords (`keywords`
//! overrides single ones) and, by inheritance, every subschema below it that
//! carries no annotation of its own. Unannotated means [`Rule::default`]:
//! contract, `D-MODEL`.
//!
//! # Projections
//!
//! A response that breaks its schema is classified by validating it again
//! against two *projections* of the schema: the page projection keeps only
//! page-bound assertions, the contract projection page- and contract-bound
//! ones. The weakest projection that still fails names the binding. This is
//! more robust than reading the binding off the failing keyword alone: an
//! `anyOf` failure (a nullable id with a UUID in it) does not say which
//! branch broke, but the projections do. The failing keyword's location
//! still names the source.

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::validator::{SchemaViolation, Validator};

/// The vendor extension that carries a binding.
pub const ANNOTATION: &str = "x-vici-binding";

/// Where a rule comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Binding {
    /// The reference page promises it.
    Page,
    /// Our decision where the page is silent (a D-entry).
    Contract,
    /// Our mock's own behaviour.
    Mock,
}

impl Binding {
    /// Every binding, strongest first.
    pub const ALL: [Binding; 3] = [Binding::Page, Binding::Contract, Binding::Mock];

    /// `page`, `contract` or `mock`.
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::Page => "page",
            Binding::Contract => "contract",
            Binding::Mock => "mock",
        }
    }

    /// Parses `page`, `contract` or `mock`.
    pub fn parse(s: &str) -> Option<Binding> {
        Binding::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

impl std::fmt::Display for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A binding and where it is written: a quote of the page, or a D-entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The binding.
    pub binding: Binding,
    /// For `page`, a quote of the page; otherwise a D-entry id (`D-IDS`).
    pub source: String,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule::new(Binding::Contract, "D-MODEL")
    }
}

impl Rule {
    /// A rule.
    pub fn new(binding: Binding, source: impl Into<String>) -> Rule {
        Rule {
            binding,
            source: source.into(),
        }
    }

    /// The annotation of `object` itself, if it has a well-formed one.
    pub fn of(object: &Value) -> Option<Rule> {
        parse(object.get(ANNOTATION)?)
    }

    /// The annotation of `object`, or `default`.
    pub fn of_or(object: &Value, default: &Rule) -> Rule {
        Rule::of(object).unwrap_or_else(|| default.clone())
    }
}

fn parse(v: &Value) -> Option<Rule> {
    let binding = Binding::parse(v.get("binding")?.as_str()?)?;
    let source = v.get("source").and_then(Value::as_str).unwrap_or("");
    Some(Rule::new(binding, source))
}

/// The rule of one keyword of `node`, given the rule the node inherits.
fn keyword_rule(node: &Map<String, Value>, keyword: &str, inherited: &Rule) -> Rule {
    let Some(annotation) = node.get(ANNOTATION) else {
        return inherited.clone();
    };
    annotation
        .get("keywords")
        .and_then(|k| k.get(keyword))
        .and_then(parse)
        .or_else(|| parse(annotation))
        .unwrap_or_else(|| inherited.clone())
}

/// Keywords that assert something of the instance (draft 2020-12).
const ASSERTIONS: &[&str] = &[
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "contains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "format",
];

/// Keywords whose value maps names to subschemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];

/// Keywords whose value is one subschema.
const SCHEMA_ONE: &[&str] = &[
    "additionalProperties",
    "items",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "then",
    "else",
    "not",
];

/// Keywords whose value is a list of subschemas.
const SCHEMA_LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// `schema` with every assertion whose binding `held` refuses removed.
///
/// Structure is kept (so page-bound rules deep inside contract-bound objects
/// still apply); `oneOf` becomes `anyOf` (two branches stripped to the same
/// thing must not make it fail); a `not` that lost anything is dropped; `if`
/// is a condition and stays as written; a `false` subschema whose binding is
/// not held becomes `true`.
pub fn project(schema: &Value, held: &dyn Fn(Binding) -> bool) -> Value {
    project_node(schema, &Rule::default(), held)
}

fn project_node(schema: &Value, inherited: &Rule, held: &dyn Fn(Binding) -> bool) -> Value {
    let Value::Object(node) = schema else {
        return schema.clone();
    };
    let own = Rule::of_or(schema, inherited);
    let mut out = Map::new();
    for (key, value) in node {
        let k = key.as_str();
        if ASSERTIONS.contains(&k) {
            if held(keyword_rule(node, k, inherited).binding) {
                out.insert(key.clone(), value.clone());
            }
        } else if SCHEMA_MAPS.contains(&k) {
            let projected = match value {
                Value::Object(m) => Value::Object(
                    m.iter()
                        .map(|(n, s)| (n.clone(), project_child(node, k, s, &own, held)))
                        .collect(),
                ),
                other => other.clone(),
            };
            out.insert(key.clone(), projected);
        } else if SCHEMA_ONE.contains(&k) {
            let projected = project_child(node, k, value, &own, held);
            if k == "not" && projected != *value {
                continue;
            }
            out.insert(key.clone(), projected);
        } else if SCHEMA_LIST.contains(&k) {
            let projected = match value {
                Value::Array(a) => Value::Array(
                    a.iter()
                        .map(|s| project_child(node, k, s, &own, held))
                        .collect(),
                ),
                other => other.clone(),
            };
            let name = if k == "oneOf" { "anyOf" } else { k };
            out.insert(name.to_owned(), projected);
        } else {
            // `if`, annotations, vendor extensions: as written.
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn project_child(
    parent: &Map<String, Value>,
    keyword: &str,
    child: &Value,
    own: &Rule,
    held: &dyn Fn(Binding) -> bool,
) -> Value {
    match child {
        Value::Bool(false) if !held(keyword_rule(parent, keyword, own).binding) => {
            Value::Bool(true)
        }
        other => project_node(other, own, held),
    }
}

/// The rule of the keyword that `schema_path` (a JSON pointer into `schema`
/// as jsonschema reports it, ending at the failing keyword) names.
pub fn rule_at(schema: &Value, schema_path: &str) -> Rule {
    let segments: Vec<String> = schema_path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut rule = Rule::default();
    let mut node = schema;
    for (i, segment) in segments.iter().enumerate() {
        let next = match node {
            Value::Object(map) => {
                if i + 1 == segments.len() {
                    return keyword_rule(map, segment, &rule);
                }
                rule = Rule::of_or(node, &rule);
                map.get(segment.as_str()).or_else(|| {
                    // The projections rename oneOf to anyOf.
                    (segment == "anyOf").then(|| map.get("oneOf")).flatten()
                })
            }
            Value::Array(a) => segment.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    rule
}

/// A schema violation and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The violation (from the weakest projection that still fails).
    pub violation: SchemaViolation,
    /// Its binding and source.
    pub rule: Rule,
}

/// A schema with its page and contract projections, compiled on first use.
/// Cheap to clone.
#[derive(Clone, Default)]
pub struct Projections {
    inner: Arc<OnceLock<Option<(Validator, Validator)>>>,
}

impl std::fmt::Debug for Projections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projections").finish_non_exhaustive()
    }
}

impl Projections {
    /// Classifies how `instance` breaks `schema` (whose full validator is
    /// `strict`); `None` when it does not.
    pub fn classify(
        &self,
        schema: &Value,
        strict: &Validator,
        instance: &Value,
    ) -> Option<Classified> {
        if strict.is_valid(instance) {
            return None;
        }
        let layers = self.inner.get_or_init(|| {
            let page = Validator::compile(&project(schema, &|b| b == Binding::Page)).ok()?;
            let contract = Validator::compile(&project(schema, &|b| b != Binding::Mock)).ok()?;
            Some((page, contract))
        });
        let (binding, violation) = match layers {
            Some((page, contract)) => {
                if let Some(v) = page.violations(instance).into_iter().next() {
                    (Binding::Page, v)
                } else if let Some(v) = contract.violations(instance).into_iter().next() {
                    (Binding::Contract, v)
                } else {
                    (
                        Binding::Mock,
                        strict.violations(instance).into_iter().next()?,
                    )
                }
            }
            None => (
                Binding::Contract,
                strict.violations(instance).into_iter().next()?,
            ),
        };
        let mut rule = rule_at(schema, &violation.schema_path);
        if rule.binding != binding {
            // The keyword's own annotation disagrees (an applicator such as
            // anyOf failed): name the first rule of that binding below it.
            let parent = violation
                .schema_path
                .rsplit_once('/')
                .map_or("", |(p, _)| p);
            rule = first_rule_below(pointer(schema, parent), binding)
                .unwrap_or_else(|| Rule::new(binding, rule.source));
        }
        Some(Classified { violation, rule })
    }
}

fn pointer<'a>(schema: &'a Value, path: &str) -> &'a Value {
    let mut node = schema;
    for seg in path.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let next = match node {
            Value::Object(m) => m
                .get(seg.as_str())
                .or_else(|| (seg == "anyOf").then(|| m.get("oneOf")).flatten()),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return node,
        }
    }
    node
}

fn first_rule_below(node: &Value, binding: Binding) -> Option<Rule> {
    match node {
        Value::Object(m) => {
            if let Some(a) = m.get(ANNOTATION) {
                if let Some(r) = parse(a).filter(|r| r.binding == binding) {
                    return Some(r);
                }
                if let Some(Value::Object(kws)) = a.get("keywords") {
                    for v in kws.values() {
                        if let Some(r) = parse(v).filter(|r| r.binding == binding) {
                            return Some(r);
                        }
                    }
                }
            }
            m.iter()
                .filter(|(k, _)| k.as_str() != ANNOTATION && k.as_str() != "if")
                .find_map(|(_, v)| first_rule_below(v, binding))
        }
        Value::Array(a) => a.iter().find_map(|v| first_rule_below(v, binding)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn page(s: &str) -> Value {
        json!({ "binding": "page", "source": s })
    }

    /// A call-like object: ids are contract strings with a mock-bound prefix, the error shape's
    /// two fields are page-bound and `details` is contract-bound.
    fn schema() -> Value {
        json!({
            "type": "object",
            "x-vici-binding": page("\"JSON error shape\""),
            "required": ["error", "message"],
            "properties": {
                "error": { "type": "string" },
                "message": { "type": "string", "minLength": 1,
                    "x-vici-binding": { "binding": "page", "source": "q",
                        "keywords": { "minLength": { "binding": "contract", "source": "D-ERROR" } } } },
                "agentId": { "anyOf": [
                    { "type": "string", "pattern": "^agt_",
                      "x-vici-binding": { "binding": "contract", "source": "D-IDS",
                        "keywords": { "pattern": { "binding": "mock", "source": "D-IDS" } } } },
                    { "type": "null" } ] },
                "kind": { "oneOf": [ { "const": "a" }, { "const": "b" } ],
                    "x-vici-binding": { "binding": "contract", "source": "D-KIND" } }
            },
            "allOf": [ { "required": ["details"],
                "x-vici-binding": { "binding": "contract", "source": "D-ERROR" } } ]
        })
    }

    fn classify(instance: Value) -> Option<(Binding, String, String)> {
        let s = schema();
        let v = Validator::compile(&s).unwrap();
        Projections::default()
            .classify(&s, &v, &instance)
            .map(|c| (c.rule.binding, c.rule.source, c.violation.instance_pointer))
    }

    #[test]
    fn violations_are_classified_by_the_weakest_projection_that_fails() {
        let ok = json!({ "error": "x", "message": "m", "details": {}, "agentId": "agt_1" });
        assert_eq!(classify(ok), None);
        let (b, src, at) = classify(json!({ "message": "m", "details": {} })).unwrap();
        assert_eq!(
            (b, src.as_str(), at.as_str()),
            (Binding::Page, "\"JSON error shape\"", "/error")
        );
        let (b, src, _) = classify(json!({ "error": "x", "message": "m" })).unwrap();
        assert_eq!((b, src.as_str()), (Binding::Contract, "D-ERROR"));
        let (b, src, _) = classify(json!({ "error": "x", "message": "", "details": {} })).unwrap();
        assert_eq!((b, src.as_str()), (Binding::Contract, "D-ERROR"));
    }

    #[test]
    fn a_failed_any_of_names_the_branch_binding() {
        let uuid = json!({ "error": "x", "message": "m", "details": {},
            "agentId": "0b8f5a4e-7c1d-4e2a-9f3b-6d5c4b3a2918" });
        let (b, src, at) = classify(uuid).unwrap();
        assert_eq!(
            (b, src.as_str(), at.as_str()),
            (Binding::Mock, "D-IDS", "/agentId")
        );
        let number = json!({ "error": "x", "message": "m", "details": {}, "agentId": 7 });
        assert_eq!(classify(number).unwrap().0, Binding::Contract);
    }

    #[test]
    fn one_of_turns_into_any_of_and_if_stays() {
        let s = json!({ "oneOf": [ { "const": 1, "x-vici-binding": { "binding": "mock", "source": "D-X" } },
                                   { "const": 2, "x-vici-binding": { "binding": "mock", "source": "D-X" } } ],
                        "if": { "const": 1 }, "then": { "type": "integer" },
                        "not": { "const": 3, "x-vici-binding": { "binding": "mock", "source": "D-X" } } });
        let p = project(&s, &|b| b == Binding::Page);
        assert!(p.get("oneOf").is_none());
        assert_eq!(
            p["anyOf"],
            json!([{ "x-vici-binding": { "binding": "mock", "source": "D-X" } },
                                      { "x-vici-binding": { "binding": "mock", "source": "D-X" } }])
        );
        assert_eq!(p["if"], json!({ "const": 1 }));
        assert!(
            p.get("not").is_none(),
            "a not that lost its assertion is dropped"
        );
        assert!(Validator::compile(&p).unwrap().is_valid(&json!(3)));
        assert_eq!(project(&s, &|_| true)["not"], s["not"]);
    }

    #[test]
    fn a_closed_object_opens_where_its_binding_is_not_held() {
        let s = json!({ "type": "object", "additionalProperties": false,
            "x-vici-binding": { "binding": "contract", "source": "D-UNKNOWN" } });
        let p = project(&s, &|b| b == Binding::Page);
        assert_eq!(p["additionalProperties"], json!(true));
        assert!(p.get("type").is_none());
    }

    #[test]
    fn rule_at_reads_keyword_overrides_and_inheritance() {
        let s = schema();
        assert_eq!(rule_at(&s, "/required").binding, Binding::Page);
        assert_eq!(rule_at(&s, "/allOf/0/required").source, "D-ERROR");
        assert_eq!(
            rule_at(&s, "/properties/message/minLength").source,
            "D-ERROR"
        );
        assert_eq!(rule_at(&s, "/properties/message/type").source, "q");
        assert_eq!(rule_at(&s, "/properties/error/type").binding, Binding::Page);
        assert_eq!(
            rule_at(&s, "/properties/agentId/anyOf/0/pattern").binding,
            Binding::Mock
        );
        assert_eq!(rule_at(&s, "/properties/kind/anyOf").source, "D-KIND");
        assert_eq!(rule_at(&json!({}), "/type"), Rule::default());
    }

    #[test]
    fn annotations_parse_and_malformed_ones_are_ignored() {
        assert_eq!(
            Rule::of(&json!({ ANNOTATION: page("q") })),
            Some(Rule::new(Binding::Page, "q"))
        );
        assert_eq!(Rule::of(&json!({ ANNOTATION: { "binding": "law" } })), None);
        assert_eq!(Rule::of(&json!({})), None);
        for b in Binding::ALL {
            assert_eq!(Binding::parse(b.as_str()), Some(b));
        }
    }
}
