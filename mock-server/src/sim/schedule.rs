//! Jobs due at a time on the virtual clock, run in (due time, insertion) order.
//!
//! Ties are broken by insertion order, which is what keeps a call's events in lifecycle order
//! when one clock advance makes several of them due at once: `call.queued` was scheduled before
//! `call.connected`, so its first delivery attempt goes out first.

use std::collections::BTreeMap;

/// A time-ordered queue of jobs.
#[derive(Debug)]
pub(crate) struct Schedule<J> {
    jobs: BTreeMap<(i64, u64), J>,
    next_seq: u64,
}

impl<J> Default for Schedule<J> {
    fn default() -> Self {
        Schedule {
            jobs: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

impl<J> Schedule<J> {
    /// Adds `job`, due at `due_ms`.
    pub(crate) fn push(&mut self, due_ms: i64, job: J) {
        self.jobs.insert((due_ms, self.next_seq), job);
        self.next_seq += 1;
    }

    /// Removes and returns the earliest job due at or before `now_ms`.
    pub(crate) fn pop_due(&mut self, now_ms: i64) -> Option<(i64, J)> {
        let entry = self.jobs.first_entry()?;
        if entry.key().0 > now_ms {
            return None;
        }
        let ((due, _), job) = entry.remove_entry();
        Some((due, job))
    }

    /// When the earliest job is due.
    pub(crate) fn next_due(&self) -> Option<i64> {
        self.jobs.keys().next().map(|&(due, _)| due)
    }

    /// Drops every job for which `keep` is false.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&J) -> bool) {
        self.jobs.retain(|_, j| keep(j));
    }

    /// Jobs waiting.
    pub(crate) fn len(&self) -> usize {
        self.jobs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_due_then_insertion_order_and_only_when_due() {
        let mut s = Schedule::default();
        s.push(20, "c");
        s.push(10, "a");
        s.push(10, "b");
        assert_eq!(s.next_due(), Some(10));
        assert_eq!(s.pop_due(9), None);
        assert_eq!(s.pop_due(10), Some((10, "a")));
        assert_eq!(s.pop_due(10), Some((10, "b")));
        assert_eq!(s.pop_due(19), None);
        assert_eq!(s.len(), 1);
        assert_eq!(s.pop_due(100), Some((20, "c")));
        assert_eq!(s.pop_due(100), None);
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn retain_keeps_order() {
        let mut s = Schedule::default();
        for i in 0..6 {
            s.push(i * 10, i);
        }
        s.retain(|j| j % 2 == 0);
        assert_eq!(s.len(), 3);
        assert_eq!(s.pop_due(100), Some((0, 0)));
        assert_eq!(s.pop_due(100), Some((20, 2)));
    }
}
