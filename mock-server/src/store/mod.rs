//! Per-key workspaces: created on first use, seeded deterministically, isolated from each other.
//!
//! The registry maps keys to workspaces behind a read-write lock that is only taken for writing
//! when a key is first seen or reset; each workspace has its own read-write lock, so requests of
//! different keys never contend and reads of one key run in parallel. `parking_lot` locks are
//! used because they are small, fair enough, and never poisoned: a panic in one request must not
//! turn every later request of that key into a 500.

pub(crate) mod call_index;
pub(crate) mod csv_import;
pub(crate) mod fixtures;
pub(crate) mod ids;
pub(crate) mod journal;
pub(crate) mod model;
pub(crate) mod presets;
pub(crate) mod seed;
pub(crate) mod snapshot;
pub(crate) mod workspace;

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

pub(crate) use presets::Preset;
pub(crate) use seed::SeedConfig;
pub(crate) use workspace::{StoreError, Workspace};

/// A workspace shared between requests.
pub(crate) type SharedWorkspace = Arc<RwLock<Workspace>>;

/// A workspace being seeded: the first request of a key seeds, concurrent ones wait for it.
pub(crate) type Seeding = Arc<tokio::sync::OnceCell<SharedWorkspace>>;

/// Every workspace of the running mock.
pub(crate) struct Store {
    seed: RwLock<SeedConfig>,
    /// Keys that start from a preset rather than seeded data.
    presets: HashMap<String, Preset>,
    /// Keys whose workspace is being seeded right now.
    seeding: Mutex<HashMap<String, Seeding>>,
    by_key: RwLock<HashMap<String, SharedWorkspace>>,
    /// Workspace tag to key, for signed recording URLs (which carry a call id, not a key).
    by_tag: RwLock<HashMap<String, String>>,
}

impl Store {
    /// An empty store that seeds workspaces with `seed`, and makes those of the keys in
    /// `presets` from them.
    pub(crate) fn new(seed: SeedConfig, presets: HashMap<String, Preset>) -> Store {
        Store {
            seed: RwLock::new(seed),
            presets,
            seeding: Mutex::new(HashMap::new()),
            by_key: RwLock::new(HashMap::new()),
            by_tag: RwLock::new(HashMap::new()),
        }
    }

    /// The workspace of `key`, seeding it on first use. Seeding happens outside the registry
    /// lock, so a large first workspace does not stall other keys.
    pub(crate) fn workspace(&self, key: &str) -> SharedWorkspace {
        if let Some(ws) = self.by_key.read().get(key) {
            return ws.clone();
        }
        let cfg = self.seed.read().clone();
        let fresh = match self.presets.get(key) {
            Some(preset) => presets::make(&cfg, key, preset),
            None => seed::seed_workspace(&cfg, key),
        };
        self.insert(fresh)
    }

    /// The seeding cell of `key`, shared by every request that finds the key without a workspace.
    pub(crate) fn seeding_cell(&self, key: &str) -> Seeding {
        self.seeding
            .lock()
            .entry(key.to_owned())
            .or_default()
            .clone()
    }

    /// Forgets `key`'s seeding cell once its workspace is installed (later requests find the
    /// workspace itself; after a reset, a new cell seeds afresh).
    pub(crate) fn seeding_done(&self, key: &str, cell: &Seeding) {
        let mut seeding = self.seeding.lock();
        if seeding.get(key).is_some_and(|c| Arc::ptr_eq(c, cell)) {
            seeding.remove(key);
        }
    }

    /// The workspace of `key` if it exists, without creating it.
    pub(crate) fn existing(&self, key: &str) -> Option<SharedWorkspace> {
        self.by_key.read().get(key).cloned()
    }

    /// The workspace whose ids carry `tag`.
    pub(crate) fn by_tag(&self, tag: &str) -> Option<SharedWorkspace> {
        let key = self.by_tag.read().get(tag).cloned()?;
        self.existing(&key)
    }

    /// The key whose workspace has `tag`.
    pub(crate) fn tag_owner(&self, tag: &str) -> Option<String> {
        self.by_tag.read().get(tag).cloned()
    }

    /// Installs `ws` unless its key already has a workspace (then the existing one wins, so two
    /// first requests racing each other see the same state).
    fn insert(&self, ws: Workspace) -> SharedWorkspace {
        let mut by_key = self.by_key.write();
        if let Some(existing) = by_key.get(&ws.key) {
            return existing.clone();
        }
        self.by_tag.write().insert(ws.tag.clone(), ws.key.clone());
        let key = ws.key.clone();
        let shared = Arc::new(RwLock::new(ws));
        by_key.insert(key, shared.clone());
        shared
    }

    /// Replaces (or creates) the workspace of `ws.key`, as a state import does.
    pub(crate) fn replace(&self, ws: Workspace) {
        let mut by_key = self.by_key.write();
        self.by_tag.write().insert(ws.tag.clone(), ws.key.clone());
        by_key.insert(ws.key.clone(), Arc::new(RwLock::new(ws)));
    }

    /// Forgets one key's workspace (it is seeded afresh on next use); `false` if it had none.
    pub(crate) fn reset_key(&self, key: &str) -> bool {
        let removed = self.by_key.write().remove(key);
        if let Some(ws) = &removed {
            self.by_tag.write().remove(&ws.read().tag);
        }
        removed.is_some()
    }

    /// Forgets every workspace.
    pub(crate) fn reset_all(&self) -> usize {
        let mut by_key = self.by_key.write();
        let n = by_key.len();
        by_key.clear();
        self.by_tag.write().clear();
        n
    }

    /// The keys that have a workspace, sorted.
    pub(crate) fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.by_key.read().keys().cloned().collect();
        keys.sort();
        keys
    }
}
