//! Presets: where a key's workspace starts when it is not seeded with fake data. A fixture file
//! (`--fixtures`) or a state export (`--state`) names keys; each of those keys starts from its
//! preset on first use, and again after every reset.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::fixtures::{self, FixtureError};
use super::seed::{self, SeedConfig};
use super::snapshot;
use super::workspace::Workspace;

/// Where one key's workspace starts.
#[derive(Debug, Clone)]
pub(crate) enum Preset {
    /// A workspace written by hand (`--fixtures`).
    Fixture(Arc<fixtures::Prepared>),
    /// An export loaded at start-up (`--state`), checked by an import when it was loaded, and
    /// imported afresh whenever the key's workspace is made.
    State(Arc<Value>),
}

/// The workspace of `key` made from its preset.
///
/// Presets are checked when they are loaded (a fixture is built once, a state document imported
/// once), so this fails only if the mock itself is wrong; then the error is logged and the key
/// gets its seeded workspace rather than none.
pub(crate) fn make(cfg: &SeedConfig, key: &str, preset: &Preset) -> Workspace {
    let made = match preset {
        Preset::Fixture(p) => fixtures::workspace(cfg, key, p).map_err(|e| e.to_string()),
        Preset::State(doc) => snapshot::import(doc),
    };
    made.unwrap_or_else(|e| {
        tracing::error!(key, error = %e, "the preset of this key no longer builds; seeding it instead");
        seed::seed_workspace(cfg, key)
    })
}

/// The presets of a fixture file (`json`: JSON syntax, otherwise YAML).
pub(crate) fn from_fixtures(
    text: &str,
    json: bool,
    cfg: &SeedConfig,
) -> Result<HashMap<String, Preset>, FixtureError> {
    let loaded = fixtures::load(text, json, cfg)?;
    Ok(loaded
        .by_key
        .into_iter()
        .map(|(key, p)| (key, Preset::Fixture(p)))
        .collect())
}

/// The presets of a state file: one document of `GET /_mock/state`, or a JSON array of them.
/// Each is imported once here, so a bad one is refused at start-up, naming it.
pub(crate) fn from_state(text: &str) -> Result<HashMap<String, Preset>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let (docs, several) = match doc {
        Value::Array(docs) => (docs, true),
        one => (vec![one], false),
    };
    let mut presets = HashMap::new();
    let mut tags: HashMap<String, String> = HashMap::new();
    for (i, doc) in docs.into_iter().enumerate() {
        let which = if several {
            format!("document {i}: ")
        } else {
            String::new()
        };
        let ws = snapshot::import(&doc).map_err(|e| format!("{which}not a state export: {e}"))?;
        if let Some(other) = tags.insert(ws.tag.clone(), ws.key.clone()) {
            return Err(format!(
                "{which}its tag {} is also the tag of {other}'s export; ids would collide",
                ws.tag
            ));
        }
        if presets.contains_key(&ws.key) {
            return Err(format!("{which}a second export of {}", ws.key));
        }
        presets.insert(ws.key.clone(), Preset::State(Arc::new(doc)));
    }
    Ok(presets)
}
