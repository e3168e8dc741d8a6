//! Invariants of the crate's own sources, read as text, that the compiler cannot check:
//!
//! - every verdict names a check of the registry (`checks/catalogue.rs`), and every flow check of
//!   the registry is produced somewhere;
//! - the modules of `generate/` import one another one way (their graph has no cycle).
//!
//! A small tokenizer (comments skipped, string literals kept whole) is enough for both: neither
//! needs to parse Rust, only to see literals and paths where they stand.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use conformance::checks::catalogue::{CATALOGUE, Kind};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Rust source as tokens: identifiers (numbers too), string literals (plain, byte and raw, with
/// their escapes left as written) and single punctuation characters. Comments are dropped, and so
/// are character literals and lifetimes' quotes.
fn lex(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' || (ch == 'b' && at(i + 1) == '"') {
            let start_line = line;
            i += if ch == 'b' { 2 } else { 1 };
            let mut s = String::new();
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    s.push(c[i]);
                    i += 1;
                }
                line += usize::from(at(i) == '\n');
                s.push(at(i));
                i += 1;
            }
            i += 1;
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
        } else if (ch == 'r' && matches!(at(i + 1), '"' | '#'))
            || (ch == 'b' && at(i + 1) == 'r' && matches!(at(i + 2), '"' | '#'))
        {
            let mut j = i + if ch == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                // A raw identifier (`r#type`): the identifier follows.
                i = j;
                continue;
            }
            let start_line = line;
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = c[j + 1..].iter().collect();
            let len = rest.find(&close).unwrap_or(rest.len());
            let s: String = rest.chars().take(len).collect();
            line += s.matches('\n').count();
            i = j + 1 + s.chars().count() + close.chars().count();
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                // An escaped character literal: '\n', '\'', '\u{1F600}'.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime: its name follows as an identifier.
                i += 1;
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(c[start..i].iter().collect()),
                line,
            });
        } else {
            out.push(Token {
                tok: Tok::Punct(ch),
                line,
            });
            i += 1;
        }
    }
    out
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted, as (path relative to `src/`, text).
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                let rel = path
                    .strip_prefix(src_dir())
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Verdict ids

/// Snake-case literals in verdict position that are not check ids, each with where it stands
/// and why. A verdict is an `(id, Applied)` pair or a call taking the id among its arguments, so
/// the scan below also meets query pairs and error codes written the same way.
const NOT_CHECK_IDS: &[(&str, &str)] = &[
    (
        "header",
        "webhook/signature.rs: a key of the x-vici-webhook-signature extension",
    ),
    ("k", "webhook/signature.rs tests: an HMAC key"),
    ("another", "webhook/verify.rs tests: a wrong HMAC key"),
    (
        "validation_error",
        "checks/response.rs tests: an error code",
    ),
    (
        "no_such_check",
        "exec.rs tests: the unregistered id fed to the executor on purpose",
    ),
];

/// Whether a file may make verdicts: it names the verdict type or the helpers that build one.
/// Reports only consume events, the generators only build data, and the registry is the
/// registry.
fn makes_verdicts(path: &str, text: &str) -> bool {
    !path.starts_with("report/")
        && !path.starts_with("generate/")
        && path != "checks/catalogue.rs"
        && (text.contains("Applied") || text.contains("verdict"))
}

fn is_snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Snake-case string literals standing where a verdict's id stands: first in a tuple or among a
/// call's arguments, followed by something other than another literal (a verdict's second half
/// is an expression, never a literal; a query pair's is).
fn verdict_literals(tokens: &[Token]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for k in 1..tokens.len().saturating_sub(2) {
        let Tok::Str(s) = &tokens[k].tok else {
            continue;
        };
        let opens = matches!(tokens[k - 1].tok, Tok::Punct('(' | ',' | '['));
        let comma = tokens[k + 1].tok == Tok::Punct(',');
        let then_literal = matches!(tokens[k + 2].tok, Tok::Str(_));
        if is_snake(s) && opens && comma && !then_literal {
            out.push((s.clone(), tokens[k].line));
        }
    }
    out
}

#[test]
fn every_verdict_names_a_registered_check_and_every_flow_check_is_produced() {
    let registered: BTreeSet<&str> = CATALOGUE.iter().map(|c| c.id).collect();
    let allowed: BTreeSet<&str> = NOT_CHECK_IDS.iter().map(|(id, _)| *id).collect();
    let mut produced: BTreeSet<String> = BTreeSet::new();
    let mut unknown = Vec::new();
    for (path, text) in sources(&src_dir()) {
        if !makes_verdicts(&path, &text) {
            continue;
        }
        let tokens = lex(&text);
        // A check id kept in a constant (`const DELIVERED: &str = "webhook_delivered";`) is
        // produced where the constant is used.
        for k in 1..tokens.len().saturating_sub(1) {
            if let Tok::Str(id) = &tokens[k].tok
                && tokens[k - 1].tok == Tok::Punct('=')
                && tokens[k + 1].tok == Tok::Punct(';')
                && registered.contains(id.as_str())
            {
                produced.insert(id.clone());
            }
        }
        for (id, line) in verdict_literals(&tokens) {
            if registered.contains(id.as_str()) {
                produced.insert(id);
            } else if !allowed.contains(id.as_str()) {
                unknown.push(format!("  {path}:{line}: \"{id}\""));
            }
        }
    }
    // The scenario suites produce verdicts too: their assertions and walks name their checks
    // (`check: pagination`); `scenarios lint` proves each is registered.
    let scenarios = src_dir().join("../../scenarios");
    for entry in std::fs::read_dir(&scenarios).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|x| x == "yaml") {
            let text = std::fs::read_to_string(&path).expect("read");
            for part in text.split("check:").skip(1) {
                let id: String = part
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                produced.insert(id);
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "verdicts under ids the registry does not hold:\n{}\n\
         Register each in conformance/src/checks/catalogue.rs; or, if it is not a check id, \
         add it to NOT_CHECK_IDS in this file with the reason.",
        unknown.join("\n")
    );
    let idle: Vec<&str> = CATALOGUE
        .iter()
        .filter(|c| matches!(c.kind, Kind::Flow) && !produced.contains(c.id))
        .map(|c| c.id)
        .collect();
    assert!(
        idle.is_empty(),
        "flow checks that no flow produces a verdict for: {}",
        idle.join(", ")
    );
    let stale: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|id| registered.contains(id))
        .collect();
    assert!(
        stale.is_empty(),
        "NOT_CHECK_IDS lists registered ids: {}",
        stale.join(", ")
    );
}

#[test]
fn the_verdict_scan_sees_verdicts_and_only_them() {
    let src = r##"
        // ("in_a_comment", x)
        let v = vec![("auth_required", v), ("limit", "100".to_owned())];
        record(shared, "stateful/x", "listAgents", "create_read_back", ok, "a title", m);
        extra.push((
            "recording_audio",
            failed("a", "b"),
        ));
        c.expect = reject(404, "not_found");
        let s = r#"("raw_one", x)"#; let ch = '"'; let lt: &'static str = "x";
    "##;
    let found: Vec<String> = verdict_literals(&lex(src))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        found,
        ["auth_required", "create_read_back", "recording_audio"]
    );
}

// ---------------------------------------------------------------------------------------------
// The import graph of generate/

/// The modules of `generate/` each file's code names: through `super::` paths that reach
/// `generate` (from the file, or from a module nested in it, with one more `super` per level),
/// `crate::generate::` paths, and in `mod.rs` the paths that start with a child module's name.
/// A name that is no child module is an item of `mod.rs`: an edge to `mod`.
fn generate_imports(name: &str, tokens: &[Token], children: &BTreeSet<String>) -> BTreeSet<String> {
    let ident = |k: usize| match tokens.get(k).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let punct = |k: usize, p: char| tokens.get(k).is_some_and(|t| t.tok == Tok::Punct(p));
    let path_sep = |k: usize| punct(k, ':') && punct(k + 1, ':');
    let mut out = BTreeSet::new();
    let target = |seg: usize, out: &mut BTreeSet<String>| {
        // `seg` is the token after `generate::`: a name, a `{group}` or a `*`.
        if punct(seg, '{') {
            // Each top-level entry of the group: its first segment.
            let mut depth = 0;
            let mut k = seg;
            let mut expect_name = true;
            while k < tokens.len() {
                match &tokens[k].tok {
                    Tok::Punct('{') => {
                        depth += 1;
                        expect_name = depth == 1;
                    }
                    Tok::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Punct(',') if depth == 1 => expect_name = true,
                    Tok::Punct('*') if depth == 1 && expect_name => {
                        out.insert("mod".to_owned());
                        expect_name = false;
                    }
                    Tok::Ident(s) if depth == 1 && expect_name => {
                        let s = if s == "self" { "mod" } else { s.as_str() };
                        out.insert(if children.contains(s) { s } else { "mod" }.to_owned());
                        expect_name = false;
                    }
                    _ => {}
                }
                k += 1;
            }
        } else if let Some(s) = ident(seg) {
            out.insert(if children.contains(s) { s } else { "mod" }.to_owned());
        } else if punct(seg, '*') {
            out.insert("mod".to_owned());
        }
    };
    // Braces opened by `mod name {`: inside them `super` climbs one level less far.
    let mut nested: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    while k < tokens.len() {
        match &tokens[k].tok {
            Tok::Punct('{') => {
                depth += 1;
                if k >= 2 && ident(k - 2) == Some("mod") && ident(k - 1).is_some() {
                    nested.push(depth);
                }
            }
            Tok::Punct('}') => {
                if nested.last() == Some(&depth) {
                    nested.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(s) if s == "super" && !(k >= 2 && path_sep(k - 2)) => {
                let mut supers = 0;
                let mut j = k;
                while ident(j) == Some("super") && path_sep(j + 1) {
                    supers += 1;
                    j += 3;
                }
                // `mod.rs` is `generate` itself: its `super` leaves it.
                if name != "mod" && supers == nested.len() + 1 {
                    target(j, &mut out);
                }
                k = j;
                continue;
            }
            Tok::Ident(s)
                if s == "crate"
                    && !(k >= 2 && path_sep(k - 2))
                    && path_sep(k + 1)
                    && ident(k + 3) == Some("generate")
                    && path_sep(k + 4) =>
            {
                target(k + 6, &mut out);
            }
            Tok::Ident(s)
                if name == "mod"
                    && children.contains(s.as_str())
                    && path_sep(k + 1)
                    && !(k >= 2 && path_sep(k - 2)) =>
            {
                out.insert(s.clone());
            }
            _ => {}
        }
        k += 1;
    }
    out.remove(name);
    out
}

/// A cycle of `graph`, if it has one, as the path around it (first node repeated at the end).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

fn generate_graph() -> BTreeMap<String, BTreeSet<String>> {
    let files: Vec<(String, String)> = sources(&src_dir().join("generate"))
        .into_iter()
        .map(|(path, text)| {
            let stem = path
                .rsplit('/')
                .next()
                .unwrap_or(&path)
                .trim_end_matches(".rs")
                .to_owned();
            (stem, text)
        })
        .collect();
    let children: BTreeSet<String> = files
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n != "mod")
        .collect();
    files
        .iter()
        .map(|(name, text)| (name.clone(), generate_imports(name, &lex(text), &children)))
        .collect()
}

#[test]
fn generate_modules_import_one_way() {
    let graph = generate_graph();
    assert!(graph.len() > 5, "generate/ looks empty: {:?}", graph.keys());
    if let Some(cycle) = find_cycle(&graph) {
        let edges: Vec<String> = graph
            .iter()
            .map(|(n, to)| {
                format!(
                    "  {n} -> {}",
                    to.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        panic!(
            "the modules of generate/ import each other in a cycle: {}\nthe graph:\n{}",
            cycle.join(" -> "),
            edges.join("\n")
        );
    }
    // The facade re-exports and wraps; nothing but its own tests reaches back into it.
    let into_mod: Vec<&String> = graph
        .iter()
        .filter(|(n, to)| *n != "tests" && to.contains("mod"))
        .map(|(n, _)| n)
        .collect();
    assert!(
        into_mod.is_empty(),
        "modules importing from generate/mod.rs: {into_mod:?}"
    );
}

#[test]
fn the_import_reader_sees_every_form_of_path() {
    let children: BTreeSet<String> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let src = r#"
        use super::a;
        use super::{b::thing, Item};
        fn f() { super::c::g(); crate::generate::d::h(); }
        // use super::e;
        #[cfg(test)]
        mod tests {
            use super::*;
            use super::super::e::x;
        }
    "#;
    let got = generate_imports("x", &lex(src), &children);
    let want: BTreeSet<String> = ["a", "b", "c", "d", "e", "mod"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(got, want);
    let facade = generate_imports("mod", &lex("fn f() { a::g(); x::a::h(); }"), &children);
    assert_eq!(facade, BTreeSet::from(["a".to_owned()]));

    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.insert("a".into(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".into(), BTreeSet::from(["c".to_owned()]));
    graph.insert("c".into(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_cycle(&graph).map(|c| c.join(" -> ")).as_deref(),
        Some("a -> b -> c -> a")
    );
    graph.get_mut("c").map(BTreeSet::clear);
    assert_eq!(find_cycle(&graph), None);
}
