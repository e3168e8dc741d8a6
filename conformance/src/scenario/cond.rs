//! Evaluating a condition (`that:`, `every:`, `where:`) on one value.

use serde_json::Value;

use super::model::Cond;
use super::template::{Unbound, Vars, render_value, text};
use crate::http::Exchange;

/// Where a condition's subject comes from.
pub struct Subject<'a> {
    /// The JSON the pointers read (the body, or one item of a list).
    pub json: Option<&'a Value>,
    /// The exchange, for headers.
    pub exchange: Option<&'a Exchange>,
    /// The variables.
    pub vars: &'a Vars,
}

fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (numeric(a), numeric(b)) {
        (Some(x), Some(y)) if a.is_number() || b.is_number() => x == y,
        _ => a == b,
    }
}

fn timestamp(v: &Value) -> Option<time::OffsetDateTime> {
    v.as_str().and_then(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
    })
}

/// What the condition reads, and a name for it in messages.
fn subject(c: &Cond, s: &Subject<'_>) -> Result<(Option<Value>, String), Unbound> {
    if let Some(h) = &c.header {
        let v = s
            .exchange
            .and_then(|e| e.header(h))
            .map(|v| Value::String(v.to_owned()));
        return Ok((v, format!("header {h}")));
    }
    if let Some(var) = &c.var {
        let v = render_value(&Value::String(format!("{{{{{var}}}}}")), s.vars)?;
        return Ok((Some(v), format!("variable {var}")));
    }
    let p = super::template::render(c.pointer.as_deref().unwrap_or(""), s.vars)?;
    let v = s.json.and_then(|j| j.pointer(&p)).cloned();
    Ok((
        v,
        if p.is_empty() {
            "the body".to_owned()
        } else {
            p
        },
    ))
}

/// Holds, or the reason it does not (`Err(Err(..))` for a variable the file never set).
pub fn eval(c: &Cond, s: &Subject<'_>) -> Result<Result<(), String>, Unbound> {
    let (value, what) = subject(c, s)?;
    let r = |x: &Option<Value>| x.as_ref().map(|v| render_value(v, s.vars)).transpose();
    let equals = r(&c.equals)?;
    let differs = r(&c.differs)?;
    let contains = r(&c.contains)?;
    let bound = |x: &Option<String>| -> Result<Option<Value>, Unbound> {
        x.as_ref()
            .map(|v| render_value(&Value::String(v.clone()), s.vars))
            .transpose()
    };
    let sum_of: Option<Vec<Value>> = c
        .sum_of
        .as_ref()
        .map(|parts| parts.iter().map(|p| render_value(p, s.vars)).collect())
        .transpose()?;
    let not_before = bound(&c.not_before)?;
    let not_after = bound(&c.not_after)?;
    let matches = bound(&c.matches)?;
    let Some(v) = value else {
        return Ok(match c.present {
            Some(false) => Ok(()),
            _ => Err(format!("{what} is missing")),
        });
    };
    if c.present == Some(false) {
        return Ok(Err(format!("{what} is present ({})", short(&v))));
    }
    if let Some(e) = &equals
        && !same(&v, e)
    {
        return Ok(Err(format!("{what} is {}, not {}", short(&v), short(e))));
    }
    if let Some(d) = &differs
        && same(&v, d)
    {
        return Ok(Err(format!("{what} is {}", short(&v))));
    }
    if let Some(want) = &contains {
        let ok = match (&v, want) {
            (Value::String(s), w) => s.contains(&text(w)),
            (Value::Array(a), w) => a.iter().any(|x| same(x, w)),
            (Value::Object(_), Value::Object(_)) => crate::webhook::matcher::contains(&v, want),
            _ => false,
        };
        if !ok {
            return Ok(Err(format!(
                "{what} ({}) does not contain {}",
                short(&v),
                short(want)
            )));
        }
    }
    if let Some(p) = &matches {
        let schema = serde_json::json!({ "type": "string", "pattern": text(p) });
        let ok = spec::Validator::compile(&schema).is_ok_and(|val| val.is_valid(&v));
        if !ok {
            return Ok(Err(format!(
                "{what} ({}) does not match {}",
                short(&v),
                text(p)
            )));
        }
    }
    for (limit, at_least) in [(c.min, true), (c.max, false)] {
        if let Some(l) = limit {
            let n = numeric(&v);
            let ok = n.is_some_and(|n| if at_least { n >= l } else { n <= l });
            if !ok {
                let word = if at_least { "at least" } else { "at most" };
                return Ok(Err(format!("{what} is {}, not {word} {l}", short(&v))));
            }
        }
    }
    for (limit, before) in [(&not_before, true), (&not_after, false)] {
        if let Some(l) = limit {
            let ok = match (timestamp(&v), timestamp(l)) {
                (Some(t), Some(b)) => {
                    if before {
                        t >= b
                    } else {
                        t <= b
                    }
                }
                _ => false,
            };
            if !ok {
                let word = if before { "before" } else { "after" };
                return Ok(Err(format!("{what} ({}) is {word} {}", short(&v), text(l))));
            }
        }
    }
    if let Some(parts) = &sum_of {
        let total: Option<f64> = parts.iter().map(numeric).sum();
        let ok = matches!((numeric(&v), total), (Some(a), Some(b)) if a == b);
        if !ok {
            let shown: Vec<String> = parts.iter().map(short).collect();
            return Ok(Err(format!(
                "{what} is {}, not the sum of {}",
                short(&v),
                shown.join(" + ")
            )));
        }
    }
    if let Some(n) = c.length {
        let len = match &v {
            Value::Array(a) => Some(a.len() as u64),
            Value::String(s) => Some(s.chars().count() as u64),
            _ => None,
        };
        if len != Some(n) {
            return Ok(Err(format!(
                "{what} has length {}, not {n}",
                len.map_or_else(|| "none".to_owned(), |l| l.to_string())
            )));
        }
    }
    Ok(Ok(()))
}

/// A value for a message: JSON, cut at 120 characters.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 120 {
        s
    } else {
        format!("{}…", s.chars().take(120).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(c: serde_json::Value, body: serde_json::Value) -> Result<(), String> {
        let c: Cond = serde_json::from_value(c).unwrap();
        let vars: Vars = [("want".to_owned(), json!("completed"))].into();
        eval(
            &c,
            &Subject {
                json: Some(&body),
                exchange: None,
                vars: &vars,
            },
        )
        .unwrap()
    }

    #[test]
    fn conditions_hold_or_say_why() {
        let b = json!({"status": "completed", "n": 3, "tags": ["a"], "at": "2026-05-13T16:00:00Z"});
        assert_eq!(
            check(
                json!({"pointer": "/status", "equals": "{{want}}"}),
                b.clone()
            ),
            Ok(())
        );
        assert_eq!(
            check(json!({"pointer": "/status", "equals": "failed"}), b.clone()),
            Err("/status is \"completed\", not \"failed\"".to_owned())
        );
        assert_eq!(
            check(json!({"pointer": "/n", "equals": "3"}), b.clone()),
            Ok(())
        );
        assert!(check(json!({"pointer": "/n", "max": 2}), b.clone()).is_err());
        assert_eq!(
            check(json!({"pointer": "/tags", "contains": "a"}), b.clone()),
            Ok(())
        );
        assert_eq!(
            check(json!({"pointer": "/status", "matches": "^comp"}), b.clone()),
            Ok(())
        );
        assert!(check(json!({"pointer": "/status", "matches": "^x"}), b.clone()).is_err());
        assert_eq!(
            check(
                json!({"pointer": "/at", "not_before": "2026-05-13T15:00:00+00:00"}),
                b.clone()
            ),
            Ok(())
        );
        assert!(
            check(
                json!({"pointer": "/at", "not_after": "2026-05-13T15:00:00Z"}),
                b.clone()
            )
            .is_err()
        );
        assert_eq!(
            check(json!({"pointer": "/gone", "present": false}), b.clone()),
            Ok(())
        );
        assert_eq!(
            check(json!({"pointer": "/gone", "equals": 1}), b.clone()),
            Err("/gone is missing".to_owned())
        );
        assert_eq!(check(json!({"pointer": "/tags", "length": 1}), b), Ok(()));
    }
}
