//! The HTML report: one self-contained file (no external asset, no script), readable offline
//! and in print, for the person who reads a certification. It shows the run's facts (version,
//! contract digest, target, time, seed, profile, configuration), the verdict per level, the
//! certification, the requirement matrix with evidence, coverage (operations × documented
//! statuses, webhook event types), drift, every failure with its reproduction, and the
//! scenarios. Every text passes through [`Redactor`]: keys, the webhook secret and URL
//! signatures never reach the page.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::events::{RunInfo, ScenarioStatus, Summary};
use crate::requirements::{CertVerdict, ReqLevel, ReqStatus};

/// Takes secrets out of text: the given ones, and the `signature=` of signed URLs.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these secrets (empty ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut all: Vec<String> = Vec::new();
        for s in secrets.into_iter().filter(|s| s.len() >= 4) {
            // As written, and as an HTML page spells it.
            let escaped = escape(&s);
            if escaped != s {
                all.push(escaped);
            }
            all.push(s);
        }
        Redactor { secrets: all }
    }

    /// `text` without any secret.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "[redacted]");
        }
        // A signed URL's signature opens the recording until it expires.
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find("signature=") {
            let (head, tail) = rest.split_at(i + "signature=".len());
            result.push_str(head);
            let n = tail
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'%')
                .count();
            if n > 0 {
                result.push_str("[redacted]");
            }
            rest = &tail[n..];
        }
        result.push_str(rest);
        result
    }
}

/// `text` with the characters HTML gives a meaning escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML, after redaction.
struct Page<'a> {
    out: String,
    redactor: &'a Redactor,
}

impl Page<'_> {
    fn text(&mut self, t: &str) {
        self.out.push_str(&escape(&self.redactor.redact(t)));
    }

    fn raw(&mut self, html: &str) {
        self.out.push_str(html);
    }

    fn cell(&mut self, t: &str) {
        self.raw("<td>");
        self.text(t);
        self.raw("</td>");
    }
}

const STYLE: &str = "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;\
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%;margin:.6rem 0}th,td{border:1px solid #ccc;\
padding:.25rem .45rem;vertical-align:top;text-align:left}th{background:#f2f2f2}\
td.n{text-align:right}code,pre{font:12.5px/1.35 ui-monospace,Menlo,Consolas,monospace}\
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:.4rem;margin:.3rem 0}\
.pass{color:#17692a}.fail{color:#b00020;font-weight:600}.skip,.error{color:#8a5a00;font-weight:600}\
.verdict{font-size:1.2rem;font-weight:600}.matrix td:last-child{width:42%}dl{display:grid;grid-template-columns:max-content 1fr;\
gap:.15rem 1rem}dt{font-weight:600}.hole{background:#fff1f1}.hit{background:#f1fff3}\
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}";

/// The HTML of a run.
pub fn html(run: Option<&RunInfo>, summary: &Summary, redactor: &Redactor) -> String {
    let mut p = Page {
        out: String::new(),
        redactor,
    };
    let verdict = super::terminal::verdict_line(summary);
    p.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    p.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    p.text(&format!("vici-conformance: {verdict}"));
    p.raw("</title><style>");
    p.raw(STYLE);
    p.raw("</style></head><body>\n<h1>vici-conformance report</h1>\n<p class=\"verdict\">");
    p.text(&verdict);
    p.raw("</p>\n");
    facts(&mut p, run, summary);
    levels(&mut p, summary);
    if let Some(c) = &summary.certification {
        certification(&mut p, c);
    }
    if let Some(b) = &summary.baseline {
        baseline(&mut p, b);
    }
    matrix(&mut p, summary);
    coverage(&mut p, summary);
    drift(&mut p, summary);
    failures(&mut p, summary);
    scenarios(&mut p, summary);
    p.raw("</body></html>\n");
    p.out
}

fn facts(p: &mut Page<'_>, run: Option<&RunInfo>, summary: &Summary) {
    p.raw("<dl>");
    let row = |p: &mut Page<'_>, k: &str, v: &str| {
        p.raw("<dt>");
        p.text(k);
        p.raw("</dt><dd>");
        p.text(v);
        p.raw("</dd>");
    };
    if let Some(r) = run {
        row(p, "target", &r.target);
        row(p, "runner", &format!("vici-conformance {}", r.version));
        row(p, "contract (sha256)", &r.contract_digest);
        row(p, "started", &r.started_at);
    }
    row(p, "duration", &format!("{:.1} s", summary.duration_sec));
    row(p, "cases", &summary.cases.to_string());
    row(p, "profile", summary.profile.as_str());
    if let Some(r) = run {
        row(p, "seed", &r.seed.to_string());
    }
    p.raw("</dl>");
    if let Some(r) = run {
        p.raw("<details><summary>configuration</summary><pre>");
        p.text(&serde_json::to_string_pretty(&r.settings).unwrap_or_default());
        p.raw("</pre></details>\n");
    }
}

fn levels(p: &mut Page<'_>, summary: &Summary) {
    p.raw("<h2>Requirements by level</h2><table><tr><th>level</th><th>pass</th><th>fail</th><th>skip</th><th>error</th></tr>");
    for level in [ReqLevel::Must, ReqLevel::Should, ReqLevel::Info] {
        p.raw("<tr>");
        p.cell(level.as_str());
        for st in [
            ReqStatus::Pass,
            ReqStatus::Fail,
            ReqStatus::Skip,
            ReqStatus::Error,
        ] {
            let n = summary
                .requirements
                .iter()
                .filter(|r| r.level == level && r.status == st)
                .count();
            let _ = write!(p.out, "<td class=\"n\">{n}</td>");
        }
        p.raw("</tr>");
    }
    p.raw("</table>\n");
}

fn certification(p: &mut Page<'_>, c: &crate::requirements::Certification) {
    p.raw("<h2>Certification</h2><p class=\"verdict ");
    p.raw(match c.verdict {
        CertVerdict::Certified => "pass\">Certified",
        CertVerdict::CertifiedWithExceptions => "pass\">Certified with exceptions",
        CertVerdict::NotCertified => "fail\">Not certified",
    });
    if c.require_contract {
        p.text(" (the reference contract's decisions required)");
    }
    p.raw("</p>");
    if !c.failed.is_empty() {
        p.raw("<p>Requirements failed: ");
        p.text(&c.failed.join(", "));
        p.raw("</p>");
    }
    if !c.not_tested.is_empty() {
        p.raw("<p>MUST requirements not tested (each must be):</p><ul>");
        for crate::requirements::Untested { id, reason: why } in &c.not_tested {
            p.raw("<li><code>");
            p.text(id);
            p.raw("</code>: ");
            p.text(why);
            p.raw("</li>");
        }
        p.raw("</ul>");
    }
    if !c.differences.is_empty() {
        p.raw("<p>Differences from the reference contract (SHOULD: they do not stop certification):</p><ul>");
        for crate::requirements::Difference { id, source } in &c.differences {
            p.raw("<li><code>");
            p.text(id);
            p.raw("</code> (");
            p.text(source);
            p.raw(")</li>");
        }
        p.raw("</ul>");
    }
    p.raw("\n");
}

fn baseline(p: &mut Page<'_>, b: &crate::baseline::Applied) {
    p.raw("<h2>Baseline</h2>");
    for (title, list) in [
        ("Accepted deviations (shown, not failing)", &b.accepted),
        ("Expired acceptances (each fails the gate)", &b.expired),
        ("Stale entries (they match nothing)", &b.stale),
    ] {
        if list.is_empty() {
            continue;
        }
        p.raw("<p>");
        p.text(title);
        p.raw("</p><ul>");
        for e in list {
            p.raw("<li><code>");
            p.text(&e.check);
            p.raw("</code> ");
            p.text(&format!(
                "{}{} — {} (until {})",
                e.operation
                    .as_deref()
                    .map_or(String::new(), |o| format!("on {o} ")),
                e.title
                    .as_deref()
                    .map_or(String::new(), |t| format!("titled “{t}” ")),
                e.reason,
                e.expires
            ));
            p.raw("</li>");
        }
        p.raw("</ul>");
    }
    p.raw("\n");
}

fn matrix(p: &mut Page<'_>, summary: &Summary) {
    p.raw("<h2>Requirement matrix</h2><p>What did not pass first, then by level.</p><table class=\"matrix\"><tr><th>requirement</th><th>level</th><th>binding</th><th>rests on</th><th>status</th><th>verdicts</th><th>evidence</th></tr>\n");
    let mut rows: Vec<&crate::requirements::Requirement> = summary.requirements.iter().collect();
    rows.sort_by_key(|r| (r.status, r.level));
    for r in rows {
        let _ = write!(p.out, "<tr id=\"req-{}\">", r.id);
        p.raw("<td><code>");
        p.text(r.id);
        p.raw("</code><br>");
        p.text(r.description);
        p.raw("</td>");
        p.cell(r.level.as_str());
        p.cell(r.binding.as_str());
        p.cell(r.source);
        let _ = write!(p.out, "<td class=\"{}\">", r.status.as_str());
        p.text(r.status.as_str());
        if let Some(why) = &r.reason {
            p.raw("<br><small>");
            p.text(why);
            p.raw("</small>");
        }
        p.raw("</td>");
        let _ = write!(p.out, "<td class=\"n\">{}</td>", r.verdicts);
        p.raw("<td>");
        if let Some(e) = &r.evidence {
            p.text(&e.title);
            p.raw("<br><small>");
            p.text(&e.case_id);
            p.raw("</small><pre>");
            p.text(&e.curl);
            p.raw("</pre>");
            if let Some(r) = &e.replay {
                p.raw("<small>the scenario again: <code>");
                p.text(r);
                p.raw("</code></small>");
            }
        }
        p.raw("</td></tr>\n");
    }
    p.raw("</table>\n");
}

fn coverage(p: &mut Page<'_>, summary: &Summary) {
    let contract = spec::Contract::v1();
    p.raw("<h2>Coverage</h2><p>Each operation's documented statuses, and whether a case received it (a red cell is a hole).</p><table><tr><th>operation</th><th>documented statuses</th><th>also received</th></tr>\n");
    for op in contract.operations() {
        let got = summary.operations.get(&op.id);
        let received: BTreeSet<&str> = got
            .map(|o| o.statuses.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let documented: Vec<String> = op.responses.iter().map(|r| r.status.clone()).collect();
        p.raw("<tr>");
        p.raw("<td><code>");
        p.text(&op.id);
        p.raw("</code></td><td>");
        for d in &documented {
            let hit = received.contains(d.as_str());
            let _ = write!(
                p.out,
                "<span class=\"{}\">",
                if hit { "hit" } else { "hole" }
            );
            p.text(&format!("{d}{} ", if hit { " ✓" } else { " —" }));
            p.raw("</span>");
        }
        p.raw("</td>");
        let extra: Vec<&str> = received
            .iter()
            .copied()
            .filter(|s| !documented.iter().any(|d| d == s))
            .collect();
        p.cell(&extra.join(" "));
        p.raw("</tr>\n");
    }
    p.raw("</table><p>The reference page's sentences, and the checks resting on each:</p><table><tr><th>page sentence</th><th>checks</th></tr>");
    for (sentence, ids) in
        crate::requirements::page_coverage(&crate::scenario::load::built_in().unwrap_or_default())
    {
        let why = crate::requirements::NOT_API
            .iter()
            .find(|(s, _)| *s == sentence)
            .map(|(_, why)| *why);
        let _ = write!(
            p.out,
            "<tr class=\"{}\">",
            if ids.is_empty() && why.is_none() {
                "hole"
            } else {
                "hit"
            }
        );
        p.cell(sentence);
        p.cell(&match (ids.is_empty(), why) {
            (true, Some(w)) => format!("none: {w}"),
            (true, None) => "none".to_owned(),
            _ => ids.join(", "),
        });
        p.raw("</tr>");
    }
    p.raw("</table><p>Webhook event types received:</p><ul>");
    for w in contract.webhooks() {
        let n = summary
            .operations
            .get(&w.operation.id)
            .map_or(0, |o| o.cases);
        p.raw("<li><code>");
        p.text(&w.event_type);
        p.raw("</code>: ");
        p.text(&if n > 0 {
            format!("{n} records")
        } else {
            "not received".to_owned()
        });
        p.raw("</li>");
    }
    p.raw("</ul>\n");
}

fn drift(p: &mut Page<'_>, summary: &Summary) {
    let found: Vec<_> = summary
        .findings
        .iter()
        .filter(|f| f.check == "contract_drift" || f.check == "document_drift")
        .collect();
    p.raw("<h2>Drift against the target's own openapi.json</h2>");
    if found.is_empty() {
        p.raw("<p>None found.</p>\n");
        return;
    }
    p.raw("<ul>");
    for f in found {
        p.raw("<li>");
        p.text(&format!("{}: {} — {}", f.check, f.title, f.message));
        p.raw("</li>");
    }
    p.raw("</ul>\n");
}

fn failures(p: &mut Page<'_>, summary: &Summary) {
    let failing: Vec<_> = summary.findings.iter().filter(|f| f.is_failure()).collect();
    p.raw("<h2>Failures</h2>");
    if failing.is_empty() {
        p.raw("<p>None.</p>\n");
        return;
    }
    for f in failing {
        let _ = write!(p.out, "<h3 id=\"finding-{}\">", f.check);
        p.text(&format!("{} — {}", f.check, f.title));
        p.raw("</h3><p>");
        p.text(&f.message);
        p.raw("</p><p><small>");
        p.text(&format!(
            "case {} · {} rule: {}",
            f.case_id,
            f.binding.as_str(),
            f.source
        ));
        p.raw("</small></p><pre>");
        p.text(&f.curl);
        p.raw("</pre>\n");
    }
}

fn scenarios(p: &mut Page<'_>, summary: &Summary) {
    if summary.scenarios.is_empty() {
        return;
    }
    p.raw("<h2>Scenarios</h2><table><tr><th>scenario</th><th>status</th><th>why</th></tr>\n");
    for o in &summary.scenarios {
        let class = match o.status {
            ScenarioStatus::Passed => "pass",
            ScenarioStatus::Failed => "fail",
            ScenarioStatus::Error => "error",
            ScenarioStatus::Skipped | ScenarioStatus::NotApplicable => "skip",
        };
        p.raw("<tr>");
        p.cell(&o.id);
        let _ = write!(p.out, "<td class=\"{class}\">");
        p.text(o.status.as_str());
        p.raw("</td>");
        p.cell(o.reason.as_deref().unwrap_or(""));
        p.raw("</tr>\n");
    }
    p.raw("</table>\n");
}

/// Writes the HTML report to its path when the run finishes.
pub struct HtmlReporter;

impl HtmlReporter {
    /// A reporter writing to `path`, taking `redactor`'s secrets out of every text.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: PathBuf, redactor: Redactor) -> super::on_finish::FileReport {
        // The file report redacts the page; a secret's HTML-escaped spelling is among what
        // the redactor looks for.
        super::on_finish::FileReport::new(path, |run, summary| {
            Ok(html(run, summary, &Redactor::default()))
        })
        .redacting(redactor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::RunEvent;
    use crate::report::fixtures::{conformant_events, failing_events, run_info, summary_of};

    /// Whether every element that opens closes, in order (void elements aside): enough to
    /// say the page parses as the HTML it means to be.
    fn balanced(html: &str) -> Result<(), String> {
        const VOID: [&str; 5] = ["meta", "br", "hr", "img", "input"];
        let mut stack: Vec<String> = Vec::new();
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            let Some(j) = rest[i..].find('>') else {
                return Err("a tag never closes".into());
            };
            let tag = &rest[i + 1..i + j];
            rest = &rest[i + j + 1..];
            if tag.starts_with('!') {
                continue;
            }
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if let Some(closing) = tag.strip_prefix('/') {
                let _ = closing;
                match stack.pop() {
                    Some(open) if open == name => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
            } else if !VOID.contains(&name.as_str()) {
                stack.push(name);
            }
        }
        if stack.is_empty() {
            Ok(())
        } else {
            Err(format!("never closed: {stack:?}"))
        }
    }

    fn page(events: &[RunEvent], redactor: &Redactor) -> String {
        html(Some(&run_info()), summary_of(events), redactor)
    }

    #[test]
    fn the_page_parses_holds_every_requirement_and_references_nothing_outside() {
        for events in [conformant_events(), failing_events()] {
            let text = page(&events, &Redactor::default());
            balanced(&text).unwrap();
            for r in &summary_of(&events).requirements {
                assert!(
                    text.contains(&format!("<tr id=\"req-{}\">", r.id)),
                    "{}",
                    r.id
                );
            }
            for outside in ["src=", "href=", "url(", "@import", "<script", "<link"] {
                assert!(!text.contains(outside), "{outside}");
            }
        }
    }

    #[test]
    fn a_failing_run_shows_its_failures_with_their_reproduction() {
        let events = failing_events();
        let text = page(&events, &Redactor::default());
        let failing = summary_of(&events)
            .findings
            .iter()
            .find(|f| f.is_failure())
            .expect("a failure");
        let mut escaped = String::new();
        let mut p = Page {
            out: String::new(),
            redactor: &Redactor::default(),
        };
        p.text(&failing.curl);
        escaped.push_str(&p.out);
        assert!(text.contains(&escaped), "the curl of {}", failing.check);
        assert!(text.contains("class=\"fail\""));
    }

    #[test]
    fn no_secret_reaches_the_page() {
        let events = failing_events();
        let mut s = summary_of(&events).clone();
        s.findings[0].curl = "curl -d '{\"key\":\"va_secret_key_0123456789\"}' \
             'http://h/api/v1/calls/c/recording.wav?expires=1&signature=abcdef0123'"
            .to_owned();
        let redactor = Redactor::new(["va_secret_key_0123456789".to_owned()]);
        let text = html(Some(&run_info()), &s, &redactor);
        assert!(!text.contains("va_secret_key_0123456789"));
        assert!(!text.contains("abcdef0123"));
        assert!(text.contains("signature=[redacted]"));
    }

    #[test]
    fn a_secret_with_markup_in_it_is_redacted_from_the_page_too() {
        let r = Redactor::new(["whsec_<a&b>".to_owned()]);
        assert_eq!(r.redact("x whsec_&lt;a&amp;b&gt; y"), "x [redacted] y");
    }

    #[test]
    fn redaction_takes_out_signatures_and_secrets_only() {
        let r = Redactor::new(["whsec_abcdef".to_owned(), String::new()]);
        assert_eq!(
            r.redact("x?expires=5&signature=0f0f&y=1 whsec_abcdef"),
            "x?expires=5&signature=[redacted]&y=1 [redacted]"
        );
        assert_eq!(r.redact("no secrets here"), "no secrets here");
    }
}
