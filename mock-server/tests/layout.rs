//! The folders of `mock-server/src` show the design only if they form layers: this test reads
//! every `crate::…` path in the crate's sources, builds the dependency graph between top-level
//! modules (a folder such as `store/` or a file such as `clock.rs` is one node) and fails, naming
//! the cycle and the files that make each edge, if the graph has a loop. Loops inside one folder
//! are allowed. Paths to items of `lib.rs` itself (`crate::install_crypto`) count as an edge to
//! the crate root, which depends on everything, so they make a loop too.
//!
//! Comments and string literals are skipped, so doc links do not count; `use super::…` never
//! leaves a folder except from a top-level file, whose `super` is the root (not used today).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Edges of the graph: node → (node it uses → files that use it).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The source without comments and with the contents of string and char literals removed.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // A raw string r"…", r#"…"#: skip to the matching close.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    // r#ident
                    out.push('r');
                    i += 1;
                    continue;
                }
                j += 1;
                loop {
                    if j >= b.len() {
                        break;
                    }
                    if b[j] == b'"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&b'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' => {
                // A char literal ('x', '\n', '\'', '\u{..}') or a lifetime ('a).
                if b.get(i + 1) == Some(&b'\\') {
                    let mut j = i + 2;
                    while j < b.len() && b[j] != b'\'' {
                        j += 1;
                    }
                    i = j + 1;
                    out.push_str("' '");
                } else {
                    let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if b.get(i + 1 + ch_len) == Some(&b'\'') {
                        i += 2 + ch_len;
                        out.push_str("' '");
                    } else {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn ident_at(s: &str) -> Option<&str> {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (end > 0).then(|| &s[..end])
}

/// The first segment of every `crate::…` path in `code` (`crate::{a, b::c}` gives `a` and `b`).
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + 5..].trim_start();
        rest = &rest[at + 5..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let Some(path) = after.strip_prefix("::") else {
            continue;
        };
        let path = path.trim_start();
        if let Some(group) = path.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start && depth == 0 => {
                        if let Some(id) = ident_at(&group[i..]) {
                            found.push(id.to_owned());
                        }
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else if let Some(id) = ident_at(path) {
            found.push(id.to_owned());
        }
    }
    found
}

/// The modules `lib.rs` declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
fn root_modules(lib: &str) -> BTreeSet<String> {
    code_only(lib)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l
                .strip_prefix("pub(crate) ")
                .or_else(|| l.strip_prefix("pub "))
                .unwrap_or(l);
            let name = l.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_owned())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The folder-level graph of the crate whose sources are under `src`.
fn graph_of(src: &Path) -> Graph {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let modules = root_modules(&lib);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut graph = Graph::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let rel_name = rel.to_string_lossy().replace('\\', "/");
        let first = rel_name.split('/').next().unwrap_or_default();
        let node = first.strip_suffix(".rs").unwrap_or(first).to_owned();
        if node == "main" {
            continue; // the binary: `crate` there is the binary, not the library
        }
        let node = if node == "lib" {
            "crate root".to_owned()
        } else {
            node
        };
        let code = code_only(&std::fs::read_to_string(&file).expect("readable source"));
        let edges = graph.entry(node.clone()).or_default();
        for target in crate_paths(&code) {
            let target = if modules.contains(&target) {
                target
            } else {
                "crate root".to_owned()
            };
            if target != node {
                edges.entry(target).or_default().insert(rel_name.clone());
            }
        }
    }
    // The root declares and re-exports every module.
    let root = graph.entry("crate root".to_owned()).or_default();
    for m in &modules {
        root.entry(m.clone())
            .or_default()
            .insert("lib.rs (mod declaration)".to_owned());
    }
    graph
}

/// A cycle of `graph` (its nodes in order, the first repeated at the end), if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        graph: &Graph,
        node: &str,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            match marks.get(next.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let start = path.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(graph, next, marks, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node.as_str()).copied().unwrap_or(Mark::New) == Mark::New
            && let Some(c) = visit(graph, node, &mut marks, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// "a → b (a/x.rs) → a (b.rs)".
fn describe(graph: &Graph, cycle: &[String]) -> String {
    let mut s = cycle[0].clone();
    for pair in cycle.windows(2) {
        let files: Vec<&str> = graph[&pair[0]][&pair[1]]
            .iter()
            .map(String::as_str)
            .collect();
        s.push_str(&format!(" → {} (in {})", pair[1], files.join(", ")));
    }
    s
}

#[test]
fn top_level_modules_form_no_import_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph_of(&src);
    assert!(
        graph.len() > 5,
        "the graph looks empty, the parser is broken: {graph:?}"
    );
    assert!(
        graph["api"].contains_key("store"),
        "api uses the store; the parser missed it: {:?}",
        graph["api"]
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import loop between top-level modules of mock-server/src: {}",
            describe(&graph, &cycle)
        );
    }
}

fn tiny(edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new();
    for (a, b) in edges {
        g.entry((*a).to_owned())
            .or_default()
            .entry((*b).to_owned())
            .or_default()
            .insert(format!("{a}.rs"));
    }
    g
}

#[test]
fn the_cycle_finder_finds_cycles_and_only_cycles() {
    let dag = tiny(&[("http", "api"), ("api", "store"), ("http", "store")]);
    assert_eq!(find_cycle(&dag), None);
    let looped = tiny(&[
        ("http", "api"),
        ("api", "store"),
        ("store", "state"),
        ("state", "api"),
    ]);
    let cycle = find_cycle(&looped).expect("a cycle");
    assert_eq!(cycle, ["api", "store", "state", "api"]);
    assert_eq!(
        describe(&looped, &cycle),
        "api → store (in api.rs) → state (in store.rs) → api (in state.rs)"
    );
}

#[test]
fn paths_are_read_from_code_not_comments_or_strings() {
    let code = code_only(
        r##"
        use crate::store::Workspace;
        use crate::{clock::Clock, derive::{cost, audio}};
        // use crate::commented;
        /// [`crate::doc_link`]
        /* crate::block /* nested crate::inner */ */
        let s = "crate::in_string";
        let r = r#"crate::in_raw"#;
        let c = '"'; let l: &'static str = "";
        pub(crate) fn f() { crate::render::x(); $crate::macro_path; }
        "##,
    );
    assert_eq!(
        crate_paths(&code),
        ["store", "clock", "derive", "render"],
        "{code}"
    );
    assert_eq!(
        root_modules("pub(crate) mod api;\npub mod state;\n#[doc(hidden)]\nmod x;\n// mod no;"),
        BTreeSet::from(["api".to_owned(), "state".to_owned(), "x".to_owned()])
    );
}
