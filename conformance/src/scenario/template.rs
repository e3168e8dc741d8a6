//! Variables in scenario files: `{{name}}`, or `{{name/pointer}}` into a JSON variable. A string
//! that is exactly one reference takes the variable's JSON value (a number stays a number);
//! anywhere else the value is spliced in as text.

use std::collections::BTreeMap;

use serde_json::Value;

/// The variables of one scenario run.
pub type Vars = BTreeMap<String, Value>;

/// A reference to a variable no step has set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the variable '{0}' is not set here")]
pub struct Unbound(pub String);

/// Every reference in `s`: (whole reference, variable name, pointer).
fn references(s: &str) -> Vec<(&str, &str, &str)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let whole = &rest[start..start + len + 2];
        let inner = whole[2..whole.len() - 2].trim();
        let (name, pointer) = match inner.find('/') {
            Some(i) => (&inner[..i], &inner[i..]),
            None => (inner, ""),
        };
        out.push((whole, name, pointer));
        rest = &rest[start + len + 2..];
    }
    out
}

/// The variable names `s` refers to.
pub fn names(s: &str) -> Vec<String> {
    references(s)
        .into_iter()
        .map(|(_, n, _)| n.to_owned())
        .collect()
}

/// The variable names a JSON value refers to, keys included.
pub fn names_in(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => names(s),
        Value::Array(a) => a.iter().flat_map(names_in).collect(),
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, v)| names(k).into_iter().chain(names_in(v)))
            .collect(),
        _ => Vec::new(),
    }
}

/// How deep a variable's value may itself refer to variables (a matrix row naming a capture).
const DEPTH: usize = 4;

fn lookup_at(vars: &Vars, name: &str, pointer: &str, depth: usize) -> Result<Value, Unbound> {
    let mut v = vars
        .get(name)
        .cloned()
        .ok_or_else(|| Unbound(name.to_owned()))?;
    // A value that is itself a template (a matrix row's `{{all/0/agentId}}`) is filled in when
    // used, so rows can name what earlier steps captured.
    if depth < DEPTH
        && let Value::String(s) = &v
        && s.contains("{{")
    {
        v = render_value_at(&Value::String(s.clone()), vars, depth + 1)?;
    }
    if pointer.is_empty() {
        return Ok(v);
    }
    v.pointer(pointer)
        .cloned()
        .ok_or_else(|| Unbound(format!("{name}{pointer}")))
}

/// A value as text: strings bare, everything else as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `s` with every reference replaced by its value's text.
pub fn render(s: &str, vars: &Vars) -> Result<String, Unbound> {
    render_at(s, vars, 0)
}

fn render_at(s: &str, vars: &Vars, depth: usize) -> Result<String, Unbound> {
    let mut out = s.to_owned();
    for (whole, name, pointer) in references(s) {
        out = out.replacen(whole, &text(&lookup_at(vars, name, pointer, depth)?), 1);
    }
    Ok(out)
}

/// `v` with every reference replaced: a string that is one reference becomes the value itself.
pub fn render_value(v: &Value, vars: &Vars) -> Result<Value, Unbound> {
    render_value_at(v, vars, 0)
}

fn render_value_at(v: &Value, vars: &Vars, depth: usize) -> Result<Value, Unbound> {
    Ok(match v {
        Value::String(s) => {
            let refs = references(s);
            match refs.as_slice() {
                [(whole, name, pointer)] if *whole == s.trim() => {
                    lookup_at(vars, name, pointer, depth)?
                }
                _ => Value::String(render_at(s, vars, depth)?),
            }
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_value_at(x, vars, depth))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, x) in o {
                m.insert(render_at(k, vars, depth)?, render_value_at(x, vars, depth)?);
            }
            Value::Object(m)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        [
            ("n".to_owned(), json!(3)),
            ("agent".to_owned(), json!({"id": "agt_1", "tags": ["a"]})),
            ("tag".to_owned(), json!("vc-1")),
        ]
        .into()
    }

    #[test]
    fn one_reference_keeps_its_type_and_text_is_spliced() {
        let v = vars();
        assert_eq!(render_value(&json!("{{n}}"), &v), Ok(json!(3)));
        assert_eq!(render_value(&json!("{{agent/id}}"), &v), Ok(json!("agt_1")));
        assert_eq!(
            render_value(&json!({"name": "{{tag}} agent {{n}}", "{{tag}}": 1}), &v),
            Ok(json!({"name": "vc-1 agent 3", "vc-1": 1}))
        );
        assert_eq!(render("x{{ agent/tags/0 }}y", &v), Ok("xay".to_owned()));
        // A row value naming another variable is filled in when used.
        let mut v = v;
        v.insert("row".into(), json!("{{agent/id}}"));
        assert_eq!(render_value(&json!("{{row}}"), &v), Ok(json!("agt_1")));
    }

    #[test]
    fn unknown_variables_and_pointers_are_named() {
        let v = vars();
        assert_eq!(render("{{nope}}", &v), Err(Unbound("nope".into())));
        assert_eq!(
            render_value(&json!("{{agent/missing}}"), &v),
            Err(Unbound("agent/missing".into()))
        );
        assert_eq!(names("{{a}} and {{b/c}}"), ["a", "b"]);
        assert_eq!(names_in(&json!({"{{k}}": ["{{v}}"]})), ["k", "v"]);
    }
}
