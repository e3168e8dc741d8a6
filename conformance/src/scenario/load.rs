//! Reading suites: the built-in ones embedded in the binary, and a user's own from a directory
//! (`--scenarios DIR`). A file that does not parse, or holds an unknown key, is an error naming
//! the file and the line.

use std::path::Path;

use super::model::Suite;

/// The built-in suites, embedded at build time.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "scenarios/pagination.yaml",
        include_str!("../../../scenarios/pagination.yaml"),
    ),
    (
        "scenarios/call-filters.yaml",
        include_str!("../../../scenarios/call-filters.yaml"),
    ),
    (
        "scenarios/agents.yaml",
        include_str!("../../../scenarios/agents.yaml"),
    ),
    (
        "scenarios/inventory.yaml",
        include_str!("../../../scenarios/inventory.yaml"),
    ),
    (
        "scenarios/calls.yaml",
        include_str!("../../../scenarios/calls.yaml"),
    ),
    (
        "scenarios/numbers.yaml",
        include_str!("../../../scenarios/numbers.yaml"),
    ),
    (
        "scenarios/contacts.yaml",
        include_str!("../../../scenarios/contacts.yaml"),
    ),
    (
        "scenarios/isolation.yaml",
        include_str!("../../../scenarios/isolation.yaml"),
    ),
    (
        "scenarios/auth.yaml",
        include_str!("../../../scenarios/auth.yaml"),
    ),
    // Near the end: it moves the virtual clock on.
    (
        "scenarios/recordings.yaml",
        include_str!("../../../scenarios/recordings.yaml"),
    ),
    // After the suites that read the workspace: its simulated calls add to it, and it moves
    // the virtual clock on.
    (
        "scenarios/webhooks.yaml",
        include_str!("../../../scenarios/webhooks.yaml"),
    ),
    // Last: it leaves the key refused until the window frees up.
    (
        "scenarios/rate-limit.yaml",
        include_str!("../../../scenarios/rate-limit.yaml"),
    ),
];

/// A parsed suite file, with its text for line numbers.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Where it came from (`scenarios/pagination.yaml`, or a path under the user's directory).
    pub file: String,
    /// Its text.
    pub text: String,
    /// What it says.
    pub suite: Suite,
}

impl Loaded {
    /// The 1-based line of the first occurrence of `needle` (1 when it is not there).
    pub fn line_of(&self, needle: &str) -> usize {
        self.text
            .lines()
            .position(|l| l.contains(needle))
            .map_or(1, |i| i + 1)
    }
}

/// A problem with a scenario file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct FileError {
    /// The file.
    pub file: String,
    /// The 1-based line (0: the problem is not at a line, e.g. an unreadable directory).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses one file's text.
pub fn parse(file: &str, text: &str) -> Result<Loaded, FileError> {
    match serde_norway::from_str::<Suite>(text) {
        Ok(suite) => Ok(Loaded {
            file: file.to_owned(),
            text: text.to_owned(),
            suite,
        }),
        Err(e) => Err(FileError {
            file: file.to_owned(),
            line: e.location().map_or(1, |l| l.line()),
            message: e.to_string(),
        }),
    }
}

/// The built-in suites.
pub fn built_in() -> Result<Vec<Loaded>, FileError> {
    BUILT_IN.iter().map(|(f, t)| parse(f, t)).collect()
}

/// Every `*.yaml` / `*.yml` file of `dir`, sorted by name (not recursive).
pub fn from_dir(dir: &Path) -> Result<Vec<Loaded>, FileError> {
    let err = |message: String| FileError {
        file: dir.display().to_string(),
        line: 0,
        message,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| err(format!("read the directory: {e}")))?;
    let mut paths: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| x == "yaml" || x == "yml")
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(err("holds no .yaml or .yml file".to_owned()));
    }
    paths
        .iter()
        .map(|p| {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|e| FileError {
                file: file.clone(),
                line: 0,
                message: format!("read the file: {e}"),
            })?;
            parse(&file, &text)
        })
        .collect()
}
