//! Indexes that make every filtered call list O(log n + page), at ten thousand calls or a million.
//!
//! `GET /calls` filters by agent, contact, status, recording and a date range, pages with
//! limit/offset, and must report `total`. A scan would make every page O(n). Instead each call is
//! entered in the eight "combination" lists it belongs to, keyed by (agent or any, status or any,
//! has-recording or any), so any filter set without `contactId` maps to exactly one list. Each
//! list is sorted by the reverse of the API's order (`startedAt` ascending, then id descending):
//! the date range is two binary searches, `total` is their difference, and a page is a slice read
//! from the end. New calls start "now", so they are appended near the end (cheap inserts).
//! A contact has few calls, so the contact filter uses a per-contact list and filters the rest.
//!
//! Memory: eight `u32` per call in the combination lists plus one in the contact list.

use std::collections::HashMap;

use super::model::{CallRec, CallStatus};

type ComboKey = (Option<u32>, Option<CallStatus>, Option<bool>);

/// What `GET /calls` asks for, already resolved to workspace-local numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallQuery {
    pub(crate) agent: Option<u32>,
    pub(crate) contact: Option<u32>,
    pub(crate) status: Option<CallStatus>,
    pub(crate) has_recording: Option<bool>,
    /// Inclusive lower bound on `startedAt`, in Unix milliseconds.
    pub(crate) from_ms: Option<i64>,
    /// Exclusive upper bound on `startedAt`, in Unix milliseconds.
    pub(crate) to_ms: Option<i64>,
}

/// The call indexes of one workspace.
#[derive(Debug, Default, Clone)]
pub(crate) struct CallIndex {
    combos: HashMap<ComboKey, Vec<u32>>,
    by_contact: HashMap<u32, Vec<u32>>,
}

fn combo_keys(c: &CallRec) -> [ComboKey; 8] {
    let mut out = [(None, None, None); 8];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = (
            if i & 1 != 0 { c.agent } else { None },
            if i & 2 != 0 { Some(c.status) } else { None },
            if i & 4 != 0 {
                Some(c.has_recording)
            } else {
                None
            },
        );
    }
    out
}

/// The combination lists a call belongs to. A call without an agent would produce each
/// agent-less key twice; it belongs to those lists once.
fn distinct_keys(c: &CallRec) -> Vec<ComboKey> {
    let mut keys = combo_keys(c).to_vec();
    keys.sort();
    keys.dedup();
    keys
}

/// Sort key of the reverse API order: `startedAt` ascending, then id (sequence) descending.
fn key(calls: &[CallRec], seq: u32) -> (i64, std::cmp::Reverse<u32>) {
    (calls[seq as usize].started_at, std::cmp::Reverse(seq))
}

impl CallIndex {
    /// Builds the indexes of `calls` in one pass plus one sort per list.
    pub(crate) fn build(calls: &[CallRec]) -> CallIndex {
        let mut idx = CallIndex::default();
        for (seq, c) in calls.iter().enumerate() {
            let seq = seq as u32;
            for k in distinct_keys(c) {
                idx.combos.entry(k).or_default().push(seq);
            }
            if let Some(ct) = c.contact {
                idx.by_contact.entry(ct).or_default().push(seq);
            }
        }
        for list in idx.combos.values_mut().chain(idx.by_contact.values_mut()) {
            list.sort_by_key(|&s| key(calls, s));
        }
        idx
    }

    /// Enters call `seq` (already in `calls`) into every list it belongs to.
    pub(crate) fn insert(&mut self, calls: &[CallRec], seq: u32) {
        let c = &calls[seq as usize];
        let k = key(calls, seq);
        for ck in distinct_keys(c) {
            let list = self.combos.entry(ck).or_default();
            let pos = list.partition_point(|&s| key(calls, s) < k);
            list.insert(pos, seq);
        }
        if let Some(ct) = c.contact {
            let list = self.by_contact.entry(ct).or_default();
            let pos = list.partition_point(|&s| key(calls, s) < k);
            list.insert(pos, seq);
        }
    }

    /// Removes call `seq` from every list, using its record as it is now in `calls`. Call this
    /// before changing an indexed field (status, recording, start), then `insert` after.
    pub(crate) fn remove(&mut self, calls: &[CallRec], seq: u32) {
        let c = &calls[seq as usize];
        let k = key(calls, seq);
        for ck in distinct_keys(c) {
            if let Some(list) = self.combos.get_mut(&ck) {
                let pos = list.partition_point(|&s| key(calls, s) < k);
                if list.get(pos) == Some(&seq) {
                    list.remove(pos);
                }
            }
        }
        if let Some(ct) = c.contact
            && let Some(list) = self.by_contact.get_mut(&ct)
        {
            let pos = list.partition_point(|&s| key(calls, s) < k);
            if list.get(pos) == Some(&seq) {
                list.remove(pos);
            }
        }
    }

    /// Answers a query: the total number of matches and the sequence numbers of one page, in API
    /// order (newest first).
    pub(crate) fn query(
        &self,
        calls: &[CallRec],
        q: &CallQuery,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<u32>) {
        let in_range = |s: u32| {
            let at = calls[s as usize].started_at * 1000;
            q.from_ms.is_none_or(|f| at >= f) && q.to_ms.is_none_or(|t| at < t)
        };
        if let Some(ct) = q.contact {
            let Some(list) = self.by_contact.get(&ct) else {
                return (0, Vec::new());
            };
            let matching: Vec<u32> = list
                .iter()
                .rev()
                .copied()
                .filter(|&s| {
                    let c = &calls[s as usize];
                    q.agent.is_none_or(|a| c.agent == Some(a))
                        && q.status.is_none_or(|st| c.status == st)
                        && q.has_recording.is_none_or(|r| c.has_recording == r)
                        && in_range(s)
                })
                .collect();
            let page = matching.iter().skip(offset).take(limit).copied().collect();
            return (matching.len(), page);
        }
        let Some(list) = self.combos.get(&(q.agent, q.status, q.has_recording)) else {
            return (0, Vec::new());
        };
        // Bounds in seconds: startedAt has second precision, the filters millisecond precision.
        let lo = match q.from_ms {
            Some(f) => list.partition_point(|&s| calls[s as usize].started_at * 1000 < f),
            None => 0,
        };
        let hi = match q.to_ms {
            Some(t) => list.partition_point(|&s| calls[s as usize].started_at * 1000 < t),
            None => list.len(),
        };
        let hi = hi.max(lo);
        let total = hi - lo;
        let page = list[lo..hi]
            .iter()
            .rev()
            .skip(offset)
            .take(limit)
            .copied()
            .collect();
        (total, page)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::store::model::AgentScript;

    fn call(
        agent: Option<u32>,
        contact: Option<u32>,
        status: CallStatus,
        rec: bool,
        at: i64,
    ) -> CallRec {
        CallRec {
            agent,
            contact,
            number: 0,
            outbound: true,
            status,
            failure: None,
            started_at: at,
            connected_at: None,
            ended_at: None,
            duration_sec: 0,
            has_recording: rec,
            cost_cents: 0,
            caller: None,
            script: Arc::new(AgentScript {
                first_name: "Ava".into(),
                first_message: "Hi".into(),
                mission: String::new(),
                voice_id: "aria".into(),
            }),
        }
    }

    /// The obvious implementation the index must agree with.
    fn scan(calls: &[CallRec], q: &CallQuery) -> Vec<u32> {
        let mut v: Vec<u32> = (0..calls.len() as u32)
            .filter(|&s| {
                let c = &calls[s as usize];
                q.agent.is_none_or(|a| c.agent == Some(a))
                    && q.contact.is_none_or(|a| c.contact == Some(a))
                    && q.status.is_none_or(|st| c.status == st)
                    && q.has_recording.is_none_or(|r| c.has_recording == r)
                    && q.from_ms.is_none_or(|f| c.started_at * 1000 >= f)
                    && q.to_ms.is_none_or(|t| c.started_at * 1000 < t)
            })
            .collect();
        v.sort_by_key(|&s| (std::cmp::Reverse(calls[s as usize].started_at), s));
        v
    }

    fn arb_call() -> impl Strategy<Value = CallRec> {
        (
            proptest::option::of(0u32..3),
            proptest::option::of(0u32..4),
            0usize..4,
            any::<bool>(),
            0i64..20,
        )
            .prop_map(|(a, c, s, r, at)| call(a, c, CallStatus::ALL[s], r, at))
    }

    fn arb_query() -> impl Strategy<Value = CallQuery> {
        (
            proptest::option::of(0u32..3),
            proptest::option::of(0u32..4),
            proptest::option::of(0usize..4),
            proptest::option::of(any::<bool>()),
            proptest::option::of(-1000i64..21_000),
            proptest::option::of(-1000i64..21_000),
        )
            .prop_map(
                |(agent, contact, s, has_recording, from_ms, to_ms)| CallQuery {
                    agent,
                    contact,
                    status: s.map(|i| CallStatus::ALL[i]),
                    has_recording,
                    from_ms,
                    to_ms,
                },
            )
    }

    proptest! {
        #[test]
        fn index_agrees_with_a_scan(
            calls in proptest::collection::vec(arb_call(), 0..60),
            q in arb_query(),
            offset in 0usize..70,
            limit in 1usize..10,
        ) {
            let idx = CallIndex::build(&calls);
            let expected = scan(&calls, &q);
            let (total, page) = idx.query(&calls, &q, offset, limit);
            prop_assert_eq!(total, expected.len());
            let want: Vec<u32> = expected.iter().skip(offset).take(limit).copied().collect();
            prop_assert_eq!(page, want);
        }

        #[test]
        fn updates_keep_the_index_in_step(
            mut calls in proptest::collection::vec(arb_call(), 1..40),
            changes in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..4, any::<bool>()), 0..10),
            extra in proptest::collection::vec(arb_call(), 0..5),
            q in arb_query(),
        ) {
            let mut idx = CallIndex::build(&calls);
            for (i, s, r) in changes {
                let seq = i.index(calls.len()) as u32;
                idx.remove(&calls, seq);
                calls[seq as usize].status = CallStatus::ALL[s];
                calls[seq as usize].has_recording = r;
                idx.insert(&calls, seq);
            }
            for c in extra {
                calls.push(c);
                idx.insert(&calls, calls.len() as u32 - 1);
            }
            let (total, page) = idx.query(&calls, &q, 0, 100);
            let expected = scan(&calls, &q);
            prop_assert_eq!(total, expected.len());
            prop_assert_eq!(page, expected);
        }
    }
}
