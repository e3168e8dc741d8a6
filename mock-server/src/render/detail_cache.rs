//! A small, bounded cache of the serialised `cost` and `transcript` of call details.
//!
//! Why: `GET /calls/{id}` derives a call's transcript and line items from its seed on every
//! request (see `derive/transcript.rs` for why they are not stored), and rendering them (dozens of
//! template strings, then escaping every one into JSON) was about half of the endpoint's CPU.
//! Clients fetch the same calls again and again (a dashboard polling a call, a test re-reading
//! what it just listed), so the finished JSON of those two fields is kept for recent calls.
//!
//! Correctness does not depend on invalidation: an entry stores every input the two fields are a
//! pure function of (call seed, duration, direction, recording, status, the agent script, the
//! company and the contact's name), and a lookup only hits when all of them are equal. So edits,
//! state imports and resets can never serve stale bytes; they just miss. The output is the same
//! bytes the uncached path writes, because the cached bytes *are* that path's output.
//!
//! Memory is bounded: [`SLOTS`] direct-mapped slots (the call seed picks the slot; a collision
//! replaces the older entry), and fragments over [`MAX_FRAGMENT`] bytes (calls of many minutes)
//! are not kept. At most `SLOTS × MAX_FRAGMENT` = 16 MiB, typically a few hundred KiB.

use std::sync::Arc;

use parking_lot::Mutex;

use crate::store::model::AgentScript;

/// Number of slots.
const SLOTS: usize = 256;
/// Largest fragment kept, in bytes.
const MAX_FRAGMENT: usize = 64 * 1024;

/// Everything the `cost` and `transcript` fields of one call detail are derived from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FragmentKey<'a> {
    pub(crate) call_seed: u64,
    pub(crate) duration_sec: u32,
    pub(crate) outbound: bool,
    pub(crate) has_recording: bool,
    pub(crate) finished: bool,
    pub(crate) script: &'a Arc<AgentScript>,
    pub(crate) company: &'a str,
    pub(crate) contact_name: Option<&'a str>,
}

/// A cached fragment with an owned copy of its key.
struct Entry {
    call_seed: u64,
    duration_sec: u32,
    outbound: bool,
    has_recording: bool,
    finished: bool,
    script: Arc<AgentScript>,
    company: Box<str>,
    contact_name: Option<Box<str>>,
    bytes: Box<[u8]>,
}

impl Entry {
    fn matches(&self, k: &FragmentKey<'_>) -> bool {
        self.call_seed == k.call_seed
            && self.duration_sec == k.duration_sec
            && self.outbound == k.outbound
            && self.has_recording == k.has_recording
            && self.finished == k.finished
            && (Arc::ptr_eq(&self.script, k.script) || *self.script == **k.script)
            && *self.company == *k.company
            && self.contact_name.as_deref() == k.contact_name
    }
}

/// The cache; `Send + Sync`, one per server.
pub(crate) struct DetailCache {
    slots: Box<[Mutex<Option<Arc<Entry>>>]>,
}

impl Default for DetailCache {
    fn default() -> Self {
        DetailCache {
            slots: (0..SLOTS).map(|_| Mutex::new(None)).collect(),
        }
    }
}

impl DetailCache {
    fn slot(&self, call_seed: u64) -> &Mutex<Option<Arc<Entry>>> {
        &self.slots[(call_seed % SLOTS as u64) as usize]
    }

    /// Appends the fragment for `key` to `out`, from the cache or by calling `render` (which
    /// appends it) and keeping the result if `render` succeeded.
    pub(crate) fn append<E>(
        &self,
        key: &FragmentKey<'_>,
        out: &mut Vec<u8>,
        render: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let slot = self.slot(key.call_seed);
        // Only the pointer is copied under the lock; comparing and copying happen outside it.
        let cached = slot.lock().clone();
        if let Some(e) = cached.filter(|e| e.matches(key)) {
            out.extend_from_slice(&e.bytes);
            return Ok(());
        }
        let start = out.len();
        render(out)?;
        let bytes = &out[start..];
        if bytes.len() <= MAX_FRAGMENT {
            let entry = Arc::new(Entry {
                call_seed: key.call_seed,
                duration_sec: key.duration_sec,
                outbound: key.outbound,
                has_recording: key.has_recording,
                finished: key.finished,
                script: key.script.clone(),
                company: key.company.into(),
                contact_name: key.contact_name.map(Into::into),
                bytes: bytes.into(),
            });
            let old = slot.lock().replace(entry);
            drop(old);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(msg: &str) -> Arc<AgentScript> {
        Arc::new(AgentScript {
            first_name: "Ava".into(),
            first_message: msg.into(),
            mission: "sales".into(),
            voice_id: "v1".into(),
        })
    }

    /// What `append` writes for `key`, and whether it had to render.
    fn fetch(cache: &DetailCache, key: &FragmentKey<'_>, fresh: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut rendered = false;
        cache
            .append(key, &mut out, |o| {
                rendered = true;
                o.extend_from_slice(fresh);
                Ok::<(), ()>(())
            })
            .unwrap();
        (out, rendered)
    }

    #[test]
    fn hits_only_when_every_input_is_equal() {
        let cache = DetailCache::default();
        let s = script("Hi");
        let key = FragmentKey {
            call_seed: 7,
            duration_sec: 60,
            outbound: true,
            has_recording: true,
            finished: true,
            script: &s,
            company: "Acme",
            contact_name: Some("Jo"),
        };
        assert_eq!(fetch(&cache, &key, b"first"), (b"first".to_vec(), true));
        assert_eq!(fetch(&cache, &key, b"x"), (b"first".to_vec(), false));
        // An equal script behind another pointer still hits.
        let s2 = script("Hi");
        let same = FragmentKey {
            script: &s2,
            ..key.clone()
        };
        assert_eq!(fetch(&cache, &same, b"x"), (b"first".to_vec(), false));
        // Any changed input misses (and replaces the entry).
        let s3 = script("Hello");
        for k in [
            FragmentKey {
                duration_sec: 61,
                ..key.clone()
            },
            FragmentKey {
                outbound: false,
                ..key.clone()
            },
            FragmentKey {
                has_recording: false,
                ..key.clone()
            },
            FragmentKey {
                finished: false,
                ..key.clone()
            },
            FragmentKey {
                script: &s3,
                ..key.clone()
            },
            FragmentKey {
                company: "Other",
                ..key.clone()
            },
            FragmentKey {
                contact_name: None,
                ..key.clone()
            },
            FragmentKey {
                call_seed: 7 + SLOTS as u64,
                ..key.clone()
            },
        ] {
            assert_eq!(
                fetch(&cache, &k, b"other"),
                (b"other".to_vec(), true),
                "{k:?}"
            );
            assert_eq!(fetch(&cache, &key, b"first"), (b"first".to_vec(), true));
        }
    }

    #[test]
    fn failed_renders_and_large_fragments_are_not_kept() {
        let cache = DetailCache::default();
        let s = script("Hi");
        let key = FragmentKey {
            call_seed: 1,
            duration_sec: 3600,
            outbound: false,
            has_recording: false,
            finished: true,
            script: &s,
            company: "Acme",
            contact_name: None,
        };
        let mut out = Vec::new();
        assert!(cache.append(&key, &mut out, |_| Err(())).is_err());
        assert!(cache.slot(1).lock().is_none());
        let big = vec![b' '; MAX_FRAGMENT + 1];
        assert!(fetch(&cache, &key, &big).1);
        assert!(cache.slot(1).lock().is_none());
        assert!(fetch(&cache, &key, &big).1);
    }
}
