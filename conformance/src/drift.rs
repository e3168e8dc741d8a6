//! Drift: the target's own `openapi.json` (the page promises one at the base URL) against the
//! reference contract. A page-level operation the target does not document is a failure; every
//! other difference (operations missing or extra, parameters, required fields, enums, types) is a
//! note, since a real implementation may document more, or document it differently.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use spec::{Binding, Contract, Rule};

use crate::checks::response::{Applied, fail_as};

/// One difference between the documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    /// What differs, in a few words (stable across runs: used to deduplicate).
    pub title: String,
    /// The details.
    pub message: String,
    /// The rule: page for a missing page-level operation, else contract (a note).
    pub rule: Rule,
    /// Whether it is a failure under a profile that holds its binding (else always a note).
    pub must: bool,
}

/// An operation as a document describes it, keyed by method and path template (parameter
/// names blanked, so `/calls/{id}` and `/calls/{callId}` are the same path).
#[derive(Debug, Clone, Default)]
struct Op {
    id: Option<String>,
    template: String,
    params: BTreeMap<(String, String), Param>,
    body_required: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Param {
    required: bool,
    kind: Option<String>,
    values: Option<Vec<Value>>,
}

fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(p) = r.strip_prefix('#') else { break };
        match doc.pointer(p) {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

fn blank(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn operations(doc: &Value) -> BTreeMap<(String, String), Op> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (template, item) in paths {
        let item = deref(doc, item);
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for method in ["get", "post", "put", "patch", "delete", "head"] {
            let Some(op) = item.get(method) else { continue };
            let mut o = Op {
                id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                template: template.clone(),
                ..Op::default()
            };
            let own = op.get("parameters").and_then(Value::as_array);
            for p in shared.iter().copied().chain(own.into_iter().flatten()) {
                let p = deref(doc, p);
                let (Some(name), Some(at)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if at == "path" {
                    continue;
                }
                let schema = deref(doc, p.get("schema").unwrap_or(&Value::Null));
                o.params.insert(
                    (at.to_owned(), name.to_ascii_lowercase()),
                    Param {
                        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        kind: schema.get("type").map(Value::to_string),
                        values: schema.get("enum").and_then(Value::as_array).cloned(),
                    },
                );
            }
            let body = op
                .get("requestBody")
                .map(|b| deref(doc, b))
                .and_then(|b| b.get("content"))
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|m| m.get("schema"))
                .map(|s| deref(doc, s));
            if let Some(req) = body
                .and_then(|s| s.get("required"))
                .and_then(Value::as_array)
            {
                o.body_required = req
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
            }
            out.insert((method.to_ascii_uppercase(), blank(template)), o);
        }
    }
    out
}

/// Every difference between the target's document and the reference contract.
pub fn compare(contract: &Contract, target: &Value) -> Vec<Drift> {
    let ours = operations(contract.document());
    let theirs = operations(target);
    let by_id: BTreeMap<&str, &(String, String)> = theirs
        .iter()
        .filter_map(|(k, o)| o.id.as_deref().map(|id| (id, k)))
        .collect();
    let mut out = Vec::new();
    let mut matched: BTreeSet<&(String, String)> = BTreeSet::new();
    for (key, op) in &ours {
        let id = op.id.clone().unwrap_or_default();
        let rule = contract
            .operation(&id)
            .map(spec::Operation::rule)
            .unwrap_or_default();
        let found = theirs
            .get_key_value(key)
            .map(|(k, _)| k)
            .or_else(|| by_id.get(id.as_str()).copied())
            .or_else(|| alternative(key, &theirs));
        let Some(k) = found else {
            let page = rule.binding == Binding::Page;
            out.push(Drift {
                title: format!(
                    "{} {} ({id}) is not in the target's document",
                    key.0, op.template
                ),
                message: if page {
                    format!("the reference page lists this operation: {}", rule.source)
                } else {
                    "the reference contract has this operation; the page does not require it"
                        .to_owned()
                },
                rule: if page {
                    rule
                } else {
                    Rule::new(Binding::Contract, "D-MODEL")
                },
                must: page,
            });
            continue;
        };
        matched.insert(k);
        compare_op(&id, op, &theirs[k], &mut out);
    }
    for (key, op) in &theirs {
        if !matched.contains(key) {
            out.push(note(
                format!("{} {} is in the target's document only", key.0, op.template),
                "the target documents an operation the reference contract does not have".to_owned(),
            ));
        }
    }
    out
}

/// Where the page leaves the path open, the readings DECISIONS.md lists: "POST to buy from
/// inventory" may be any POST under /phone-numbers (D-NUMBERS).
fn alternative<'a>(
    key: &(String, String),
    theirs: &'a BTreeMap<(String, String), Op>,
) -> Option<&'a (String, String)> {
    if key != &("POST".to_owned(), "/phone-numbers".to_owned()) {
        return None;
    }
    theirs
        .keys()
        .find(|(m, p)| m == "POST" && p.starts_with("/phone-numbers"))
}

fn note(title: String, message: String) -> Drift {
    Drift {
        title,
        message,
        rule: Rule::new(Binding::Contract, "D-MODEL"),
        must: false,
    }
}

fn compare_op(id: &str, ours: &Op, theirs: &Op, out: &mut Vec<Drift>) {
    for ((at, name), p) in &ours.params {
        match theirs.params.get(&(at.clone(), name.clone())) {
            None => out.push(note(
                format!("{id}: {at} parameter {name} is not documented by the target"),
                "the reference contract documents it".to_owned(),
            )),
            Some(t) => {
                if t.required != p.required {
                    out.push(note(
                        format!("{id}: {at} parameter {name} differs in being required"),
                        format!("reference: {}; target: {}", p.required, t.required),
                    ));
                }
                if t.kind.is_some() && t.kind != p.kind {
                    out.push(note(
                        format!("{id}: {at} parameter {name} has another type"),
                        format!(
                            "reference: {}; target: {}",
                            p.kind.as_deref().unwrap_or("any"),
                            t.kind.as_deref().unwrap_or("any")
                        ),
                    ));
                }
                if t.values != p.values {
                    let show = |v: &Option<Vec<Value>>| match v {
                        Some(list) => list
                            .iter()
                            .map(Value::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                        None => "any value".to_owned(),
                    };
                    out.push(note(
                        format!("{id}: {at} parameter {name} allows other values"),
                        format!(
                            "reference: {}; target: {}",
                            show(&p.values),
                            show(&t.values)
                        ),
                    ));
                }
            }
        }
    }
    for (at, name) in theirs.params.keys() {
        if !ours.params.contains_key(&(at.clone(), name.clone())) {
            out.push(note(
                format!("{id}: the target documents a {at} parameter {name}"),
                "the reference contract has no such parameter".to_owned(),
            ));
        }
    }
    if ours.body_required != theirs.body_required {
        let list = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "none".to_owned()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        out.push(note(
            format!("{id}: the request body requires other fields"),
            format!(
                "reference: {}; target: {}",
                list(&ours.body_required),
                list(&theirs.body_required)
            ),
        ));
    }
}

/// A drift as a check verdict of `contract_drift`.
pub fn verdict(d: &Drift) -> Applied {
    fail_as(d.rule.clone(), d.title.clone(), d.message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_contract_does_not_drift_from_itself() {
        let c = Contract::v1();
        assert_eq!(compare(c, c.document()), Vec::new());
    }

    #[test]
    fn a_missing_page_operation_fails_and_other_drift_is_a_note() {
        let c = Contract::v1();
        let mut doc = c.document().clone();
        let paths = doc["paths"].as_object_mut().unwrap();
        paths.remove("/contacts");
        paths["/calls"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .retain(|p| p.get("name").and_then(Value::as_str) != Some("hasRecording"));
        paths.insert(
            "/extra".into(),
            serde_json::json!({ "get": { "operationId": "x" } }),
        );
        let drift = compare(c, &doc);
        let titles: Vec<(&str, bool)> = drift.iter().map(|d| (d.title.as_str(), d.must)).collect();
        assert!(
            titles.contains(&(
                "GET /contacts (listContacts) is not in the target's document",
                true
            )),
            "{titles:?}"
        );
        assert!(
            titles.contains(&(
                "listCalls: query parameter hasrecording is not documented by the target",
                false
            )),
            "{titles:?}"
        );
        assert!(
            titles.contains(&("GET /extra is in the target's document only", false)),
            "{titles:?}"
        );
    }

    #[test]
    fn the_purchase_may_live_at_another_post_under_phone_numbers() {
        let c = Contract::v1();
        let mut doc = c.document().clone();
        let paths = doc["paths"].as_object_mut().unwrap();
        let post = paths["/phone-numbers"]["post"].take();
        paths["/phone-numbers"]
            .as_object_mut()
            .unwrap()
            .remove("post");
        let mut moved = post.clone();
        moved["operationId"] = Value::from("purchaseNumber");
        paths.insert(
            "/phone-numbers/purchase".into(),
            serde_json::json!({ "post": moved }),
        );
        assert!(compare(c, &doc).iter().all(|d| !d.must));
    }
}
