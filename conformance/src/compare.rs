//! `vici-conformance compare A.json B.json`: two JSON reports side by side (two
//! implementations, or one before and after a change), requirement by requirement, with the
//! requirements whose status changed first. A requirement that passed in A and does not in B is
//! a regression.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// One side's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// The report's path, as given.
    pub name: String,
    /// The target it ran against.
    pub target: String,
    /// Its verdict.
    pub verdict: String,
    /// Its profile.
    pub profile: String,
}

/// One requirement in both reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The check id.
    pub id: String,
    /// Its level in B (else in A).
    pub level: String,
    /// Its status in A (`absent` when A does not have it).
    pub a: String,
    /// Its status in B.
    pub b: String,
}

impl Row {
    /// Whether the status changed.
    pub fn changed(&self) -> bool {
        self.a != self.b
    }

    /// Whether it passed in A and does not in B.
    pub fn regressed(&self) -> bool {
        self.a == "pass" && self.b != "pass"
    }
}

/// Two reports compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Report A.
    pub a: Side,
    /// Report B.
    pub b: Side,
    /// Every requirement, those that changed first (then by id).
    pub rows: Vec<Row>,
}

impl Comparison {
    /// The rows whose status changed.
    pub fn changed(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.changed())
    }

    /// Whether some requirement passed in A and does not in B.
    pub fn regressed(&self) -> bool {
        self.rows.iter().any(Row::regressed)
    }
}

fn side(name: &str, v: &Value) -> Result<Side, String> {
    if v["tool"] != "vici-conformance" || !v["summary"].is_object() {
        return Err(format!("{name} is not a vici-conformance JSON report"));
    }
    if v["summary"]["requirements"].as_array().is_none() {
        return Err(format!(
            "{name} has no requirement matrix (a report of an older vici-conformance): run again"
        ));
    }
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Ok(Side {
        name: name.to_owned(),
        target: s("/run/target"),
        verdict: s("/summary/verdict"),
        profile: s("/summary/profile"),
    })
}

fn statuses(v: &Value) -> BTreeMap<String, (String, String)> {
    v["summary"]["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                r["id"].as_str()?.to_owned(),
                (
                    r["level"].as_str().unwrap_or("").to_owned(),
                    r["status"].as_str().unwrap_or("").to_owned(),
                ),
            ))
        })
        .collect()
}

/// Compares report `a` (named `a_name`) with report `b`.
pub fn compare(a_name: &str, a: &Value, b_name: &str, b: &Value) -> Result<Comparison, String> {
    let (sa, sb) = (side(a_name, a)?, side(b_name, b)?);
    let (ra, rb) = (statuses(a), statuses(b));
    let ids: std::collections::BTreeSet<&String> = ra.keys().chain(rb.keys()).collect();
    let mut rows: Vec<Row> = ids
        .into_iter()
        .map(|id| {
            let (la, sa) = ra.get(id).cloned().unwrap_or_default();
            let (lb, sb) = rb.get(id).cloned().unwrap_or_default();
            let absent = |s: String| if s.is_empty() { "absent".to_owned() } else { s };
            Row {
                id: id.clone(),
                level: if lb.is_empty() { la } else { lb },
                a: absent(sa),
                b: absent(sb),
            }
        })
        .collect();
    rows.sort_by(|x, y| (!x.changed(), &x.id).cmp(&(!y.changed(), &y.id)));
    Ok(Comparison { a: sa, b: sb, rows })
}

/// The comparison for a terminal.
pub fn terminal(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "A: {} ({}, {}, profile {})\nB: {} ({}, {}, profile {})\n",
        c.a.name,
        c.a.target,
        c.a.verdict,
        c.a.profile,
        c.b.name,
        c.b.target,
        c.b.verdict,
        c.b.profile
    );
    let changed: Vec<&Row> = c.changed().collect();
    if changed.is_empty() {
        s.push_str("No requirement changed status.\n");
    } else {
        let w = changed.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in &changed {
            let _ = writeln!(
                s,
                "  {:<w$}  {:<6}  {:>8} -> {:<8}{}",
                r.id,
                r.level,
                r.a,
                r.b,
                if r.regressed() { "  regressed" } else { "" }
            );
        }
    }
    let _ = writeln!(
        s,
        "\n{} of {} requirements changed status; {} regressed.",
        changed.len(),
        c.rows.len(),
        changed.iter().filter(|r| r.regressed()).count()
    );
    s
}

/// The comparison as Markdown.
pub fn markdown(c: &Comparison) -> String {
    let mut s = String::from(
        "## vici-conformance: comparison\n\n| | report | target | verdict | profile |\n|---|---|---|---|---|\n",
    );
    for (k, side) in [("A", &c.a), ("B", &c.b)] {
        let _ = writeln!(
            s,
            "| {k} | `{}` | `{}` | {} | {} |",
            side.name, side.target, side.verdict, side.profile
        );
    }
    s.push_str("\n| requirement | level | A | B |\n|---|---|---|---|\n");
    for r in &c.rows {
        let mark = if r.regressed() {
            " ⚠ regressed"
        } else if r.changed() {
            " (changed)"
        } else {
            ""
        };
        let _ = writeln!(s, "| `{}` | {} | {} | {}{mark} |", r.id, r.level, r.a, r.b);
    }
    s
}

/// The comparison as one self-contained HTML page.
pub fn html(c: &Comparison) -> String {
    let esc = crate::report::html_escape;
    let mut s = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vici-conformance: comparison</title><style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left}th{background:#f2f2f2}.changed{background:#fff8e1}.regressed{background:#fff1f1;font-weight:600}</style></head><body><h1>vici-conformance: comparison</h1><table><tr><th></th><th>report</th><th>target</th><th>verdict</th><th>profile</th></tr>",
    );
    for (k, side) in [("A", &c.a), ("B", &c.b)] {
        let _ = write!(
            s,
            "<tr><td>{k}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&side.name),
            esc(&side.target),
            esc(&side.verdict),
            esc(&side.profile)
        );
    }
    s.push_str("</table><h2>Requirements</h2><table><tr><th>requirement</th><th>level</th><th>A</th><th>B</th></tr>\n");
    for r in &c.rows {
        let class = if r.regressed() {
            " class=\"regressed\""
        } else if r.changed() {
            " class=\"changed\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<tr{class}><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.id),
            esc(&r.level),
            esc(&r.a),
            esc(&r.b)
        );
    }
    s.push_str("</table></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(target: &str, rows: &[(&str, &str)]) -> Value {
        json!({"tool": "vici-conformance", "run": {"target": target},
               "summary": {"verdict": "conformant", "profile": "page",
                 "requirements": rows.iter().map(|(id, st)| json!({"id": id, "level": "MUST", "status": st})).collect::<Vec<_>>()}})
    }

    #[test]
    fn changed_requirements_come_first_and_a_lost_pass_is_a_regression() {
        let a = report(
            "http://a",
            &[
                ("isolation", "pass"),
                ("pagination", "pass"),
                ("cost_sum", "fail"),
            ],
        );
        let b = report(
            "http://b",
            &[
                ("isolation", "pass"),
                ("pagination", "fail"),
                ("cost_sum", "pass"),
            ],
        );
        let c = compare("a.json", &a, "b.json", &b).unwrap();
        let ids: Vec<&str> = c.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["cost_sum", "pagination", "isolation"]);
        assert!(c.regressed());
        let t = terminal(&c);
        assert!(t.contains("pagination") && t.contains("regressed"), "{t}");
        assert!(
            t.contains("2 of 3 requirements changed status; 1 regressed."),
            "{t}"
        );
        assert!(markdown(&c).contains("| `pagination` | MUST | pass | fail ⚠ regressed |"));
        assert!(html(&c).contains("class=\"regressed\""));
    }

    #[test]
    fn what_is_not_a_report_is_said_so() {
        let e = compare(
            "x.json",
            &json!({"a": 1}),
            "b.json",
            &report("http://b", &[]),
        )
        .unwrap_err();
        assert!(
            e.contains("x.json is not a vici-conformance JSON report"),
            "{e}"
        );
    }
}
