//! An exact sliding-log rate limiter (D-RATE: 300 requests a minute per key).
//!
//! # The contract
//!
//! At most `limit` admitted requests per bucket in any rolling window (60 s by default). A client
//! that stays within that is never refused, and refused requests do not count. A request admitted
//! at `t` occupies a slot during `[t, t + window)`; at `now` it has left the window when
//! `t + window <= now`. So a request at `now` is admitted if and only if fewer than `limit`
//! admissions lie in `(now - window, now]`.
//!
//! # Why a sliding log
//!
//! A fixed window lets `2 × limit` through across a boundary, and a token bucket refuses bursts
//! that the stated limit allows; both would make the mock disagree with a client that counts
//! correctly. A log of admission times is the only structure that answers the contract's question
//! exactly. Its cost is bounded: a bucket never holds more than `limit` timestamps, because a
//! request is only recorded when fewer than `limit` are in the window, and expired ones are dropped
//! from the front before every decision. At the default limit that is 300 × 8 bytes per active key.
//!
//! # Concurrency
//!
//! Buckets live in a map behind a [`RwLock`], each bucket behind its own [`Mutex`]. The hot path
//! takes the map's read lock and the one bucket's mutex, so requests on different keys never
//! contend; the write lock is only taken to create a bucket (once per key) and to remove buckets
//! ([`RateLimiter::reset`], [`RateLimiter::clear`], [`RateLimiter::prune`]). The read lock is held
//! while the bucket is used, rather than cloning out an `Arc` to it, so that `prune` cannot remove
//! a bucket that a request is about to record into: the admission would be lost and the next
//! request on that key would see one slot too many.
//!
//! Callers read the clock before taking the bucket's lock, so two racing requests on one key can
//! reach the log out of clock order. Each request is therefore evaluated at
//! `max(now_ms, newest recorded time)`. This is the truthful reading, not an approximation: the
//! later-locked request *was* processed after the other one, and the virtual clock never goes
//! backwards, so placing it at the bucket's newest time is a valid serialisation of what happened.
//! It also keeps each log sorted, which is what makes "pop expired entries from the front" correct.
//! The price is that a stale request holds its slot for at most the race's length longer, which
//! errs on the side of the contract ("at most `limit` in any window").
//!
//! # Degenerate settings
//!
//! The CLI rejects a limit of 0, but this type does not panic on it: it takes the contract
//! literally (at most zero admissions) and refuses everything, with `Retry-After` at its floor of
//! one second, since no slot will ever free. That is also the honest answer for a client's 429
//! handling under test, whereas "0 means unlimited" would silently switch the limit off. A window
//! below 1 ms is raised to 1 ms so that every admission occupies its slot for some time.

// The rest of the crate, written concurrently, does not use every item here yet; the tests do,
// so test builds still catch real dead code.
#![cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "the server modules are still adopting this API; remove once they do"
    )
)]

use std::collections::{HashMap, VecDeque};

use parking_lot::{Mutex, RwLock};

/// The contract's limit per key: 300 admitted requests per window.
pub(crate) const DEFAULT_LIMIT: u32 = 300;

/// The contract's window: 60 seconds.
pub(crate) const DEFAULT_WINDOW_MS: i64 = 60_000;

/// The values of the `X-RateLimit-*` headers for one bucket at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    /// `X-RateLimit-Limit`: admissions allowed per window.
    pub(crate) limit: u32,
    /// `X-RateLimit-Remaining`: admissions still available now (after this request, if it was
    /// admitted).
    pub(crate) remaining: u32,
    /// `X-RateLimit-Reset`: seconds until the oldest admitted request leaves the window, rounded
    /// up; 0 when the window is empty.
    pub(crate) reset_sec: u64,
}

/// The limiter's answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The request was admitted and now occupies a slot.
    Admitted(Quota),
    /// The request was refused and recorded nothing.
    Refused {
        /// The header values; `remaining` is 0.
        quota: Quota,
        /// `Retry-After` and `details.retryAfterSec`: seconds until one slot frees, rounded up,
        /// at least 1.
        retry_after_sec: u64,
    },
}

impl Decision {
    /// The header values, whichever the outcome.
    pub(crate) fn quota(&self) -> Quota {
        match *self {
            Decision::Admitted(quota) | Decision::Refused { quota, .. } => quota,
        }
    }

    /// Whether the request was admitted.
    pub(crate) fn is_admitted(&self) -> bool {
        matches!(self, Decision::Admitted(_))
    }
}

/// The log of one bucket: admission times, oldest first, never more than `limit` of them.
type Log = VecDeque<i64>;

/// A per-bucket sliding-log limiter. `Send + Sync`; share it through an `Arc`.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// Admissions allowed per window.
    limit: u32,
    /// The window's length in milliseconds, at least 1.
    window_ms: i64,
    /// Bucket name (a key, or a client address) to its log.
    buckets: RwLock<HashMap<String, Mutex<Log>>>,
}

impl RateLimiter {
    /// A limiter admitting `limit` requests per `window_ms` per bucket. A `window_ms` below 1 is
    /// raised to 1; a `limit` of 0 refuses everything (see the module documentation).
    pub(crate) fn new(limit: u32, window_ms: i64) -> RateLimiter {
        RateLimiter {
            limit,
            window_ms: window_ms.max(1),
            buckets: RwLock::new(HashMap::new()),
        }
    }

    /// Admissions allowed per window (`X-RateLimit-Limit`).
    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// Decides one request on `bucket` at `now_ms`: admits it (recording `now_ms`) if fewer than
    /// `limit` admissions are in the window, otherwise refuses it and records nothing. The decision
    /// and the recording are atomic per bucket.
    pub(crate) fn check(&self, bucket: &str, now_ms: i64) -> Decision {
        {
            let buckets = self.buckets.read();
            if let Some(log) = buckets.get(bucket) {
                return self.decide(&mut log.lock(), now_ms);
            }
        }
        if self.limit == 0 {
            // Nothing will ever be recorded, so do not keep a bucket for it.
            return self.decide(&mut Log::new(), now_ms);
        }
        // The first request on this key. Another thread may have created the bucket between the
        // read lock's release and here; `entry` then finds it, so neither admission is lost.
        let mut buckets = self.buckets.write();
        let log = buckets.entry(bucket.to_owned()).or_default();
        self.decide(log.get_mut(), now_ms)
    }

    /// The header values for `bucket` at `now_ms`, admitting nothing. An unknown bucket has its
    /// full quota.
    pub(crate) fn peek(&self, bucket: &str, now_ms: i64) -> Quota {
        let buckets = self.buckets.read();
        match buckets.get(bucket) {
            Some(log) => {
                let mut log = log.lock();
                // Dropping expired entries changes no answer, so a peek may as well do it.
                let now = self.expire(&mut log, now_ms);
                self.quota(&log, now)
            }
            None => self.quota(&Log::new(), now_ms),
        }
    }

    /// Forgets `bucket`'s admissions, giving it a full quota.
    pub(crate) fn reset(&self, bucket: &str) {
        self.buckets.write().remove(bucket);
    }

    /// Forgets every bucket.
    pub(crate) fn clear(&self) {
        self.buckets.write().clear();
    }

    /// Removes the buckets whose window is empty at `now_ms` and returns how many it removed.
    ///
    /// Without it the map keeps one (empty) entry per key or address ever seen. It takes the write
    /// lock and visits every bucket, so call it occasionally (say once a minute from a background
    /// task), not per request. Removing an empty bucket changes no answer.
    pub(crate) fn prune(&self, now_ms: i64) -> usize {
        let mut buckets = self.buckets.write();
        let before = buckets.len();
        buckets.retain(|_, log| {
            let log = log.get_mut();
            self.expire(log, now_ms);
            !log.is_empty()
        });
        before - buckets.len()
    }

    /// How many buckets are held, empty or not.
    pub(crate) fn bucket_count(&self) -> usize {
        self.buckets.read().len()
    }

    /// Admits or refuses one request against `log`.
    fn decide(&self, log: &mut Log, now_ms: i64) -> Decision {
        let now = self.expire(log, now_ms);
        if log.len() < self.limit as usize {
            log.push_back(now);
            Decision::Admitted(self.quota(log, now))
        } else {
            let quota = self.quota(log, now);
            // The log is full, so one slot frees exactly when its oldest entry leaves, which is
            // what `reset_sec` measures; with a limit of 0 the log is empty and the floor applies.
            Decision::Refused {
                quota,
                retry_after_sec: quota.reset_sec.max(1),
            }
        }
    }

    /// Drops the entries that have left the window at the effective now, and returns it: the
    /// later of `now_ms` and the newest recorded time (see "Concurrency" in the module docs).
    fn expire(&self, log: &mut Log, now_ms: i64) -> i64 {
        let now = log.back().map_or(now_ms, |&newest| now_ms.max(newest));
        while log
            .front()
            .is_some_and(|&t| t.saturating_add(self.window_ms) <= now)
        {
            log.pop_front();
        }
        now
    }

    /// The header values for an already expired `log` at `now`.
    fn quota(&self, log: &Log, now: i64) -> Quota {
        let used = u32::try_from(log.len()).unwrap_or(u32::MAX);
        Quota {
            limit: self.limit,
            remaining: self.limit.saturating_sub(used),
            reset_sec: log.front().map_or(0, |&oldest| {
                ceil_secs(oldest.saturating_add(self.window_ms).saturating_sub(now))
            }),
        }
    }
}

impl Default for RateLimiter {
    /// The contract's limiter: [`DEFAULT_LIMIT`] per [`DEFAULT_WINDOW_MS`].
    fn default() -> RateLimiter {
        RateLimiter::new(DEFAULT_LIMIT, DEFAULT_WINDOW_MS)
    }
}

/// Milliseconds to whole seconds, rounded up; 0 for anything not positive.
fn ceil_secs(ms: i64) -> u64 {
    u64::try_from(ms).map_or(0, |ms| ms.div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use proptest::prelude::*;

    use super::*;

    const T0: i64 = 1_715_616_000_000;

    fn admitted(limiter: &RateLimiter, bucket: &str, now: i64) -> bool {
        limiter.check(bucket, now).is_admitted()
    }

    /// Fills `bucket` with `limit` admissions, one every `step_ms` from `start`.
    fn fill(limiter: &RateLimiter, bucket: &str, start: i64, step_ms: i64) {
        for i in 0..i64::from(limiter.limit()) {
            assert!(
                admitted(limiter, bucket, start + i * step_ms),
                "admission {i}"
            );
        }
    }

    #[test]
    fn admits_300_then_refuses_the_301st() {
        let limiter = RateLimiter::default();
        // 300 requests over the first 29.9 s, one every 100 ms.
        for i in 0..300 {
            let decision = limiter.check("key", T0 + i * 100);
            assert_eq!(
                decision,
                Decision::Admitted(Quota {
                    limit: 300,
                    remaining: 299 - u32::try_from(i).unwrap_or(0),
                    reset_sec: 60 - u64::try_from(i / 10).unwrap_or(0),
                }),
                "request {i}"
            );
        }
        // At T0 + 30 000 the oldest (T0) leaves at T0 + 60 000: 30 s to wait.
        assert_eq!(
            limiter.check("key", T0 + 30_000),
            Decision::Refused {
                quota: Quota {
                    limit: 300,
                    remaining: 0,
                    reset_sec: 30
                },
                retry_after_sec: 30,
            }
        );
    }

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        let limiter = RateLimiter::new(1, 60_000);
        assert!(admitted(&limiter, "k", T0));
        let retry = |now| match limiter.check("k", now) {
            Decision::Refused {
                retry_after_sec, ..
            } => Some(retry_after_sec),
            Decision::Admitted(_) => None,
        };
        assert_eq!(retry(T0), Some(60));
        assert_eq!(retry(T0 + 1), Some(60));
        assert_eq!(retry(T0 + 999), Some(60));
        assert_eq!(retry(T0 + 1_000), Some(59));
        assert_eq!(retry(T0 + 58_999), Some(2));
        assert_eq!(retry(T0 + 59_000), Some(1));
        assert_eq!(retry(T0 + 59_999), Some(1));
        assert_eq!(retry(T0 + 60_000), None);
    }

    #[test]
    fn a_slot_frees_exactly_when_the_oldest_leaves() {
        let limiter = RateLimiter::default();
        fill(&limiter, "key", T0, 10);
        assert!(!admitted(&limiter, "key", T0 + 59_999));
        assert_eq!(limiter.peek("key", T0 + 59_999).remaining, 0);
        assert_eq!(limiter.peek("key", T0 + 60_000).remaining, 1);
        assert!(admitted(&limiter, "key", T0 + 60_000));
        // The freed slot is taken again; the next frees 10 ms later, when the second-oldest leaves.
        assert!(!admitted(&limiter, "key", T0 + 60_009));
        assert!(admitted(&limiter, "key", T0 + 60_010));
    }

    #[test]
    fn refused_requests_do_not_count() {
        let limiter = RateLimiter::new(300, 60_000);
        fill(&limiter, "key", T0, 0);
        // Hammer for the whole minute while refused.
        for i in 0..6_000 {
            let now = T0 + i * 10;
            let decision = limiter.check("key", now);
            assert!(!decision.is_admitted(), "request at +{}", i * 10);
            assert_eq!(decision.quota().remaining, 0);
        }
        // The 300 original admissions all leave on schedule, and only they ever counted.
        let quota = limiter.peek("key", T0 + 60_000);
        assert_eq!(quota.remaining, 300);
        assert_eq!(quota.reset_sec, 0);
        fill(&limiter, "key", T0 + 60_000, 0);
    }

    #[test]
    fn reset_header_rounds_up_and_is_zero_when_empty() {
        let limiter = RateLimiter::default();
        assert_eq!(
            limiter.peek("key", T0),
            Quota {
                limit: 300,
                remaining: 300,
                reset_sec: 0
            }
        );
        assert_eq!(limiter.check("key", T0).quota().reset_sec, 60);
        assert_eq!(limiter.peek("key", T0 + 1).reset_sec, 60);
        assert_eq!(limiter.peek("key", T0 + 1_000).reset_sec, 59);
        assert_eq!(limiter.peek("key", T0 + 1_001).reset_sec, 59);
        assert_eq!(limiter.peek("key", T0 + 59_001).reset_sec, 1);
        assert_eq!(limiter.peek("key", T0 + 59_999).reset_sec, 1);
        assert_eq!(limiter.peek("key", T0 + 60_000).reset_sec, 0);
        // The reset follows the oldest remaining admission, not the newest.
        limiter.check("key", T0 + 70_000);
        limiter.check("key", T0 + 100_000);
        assert_eq!(limiter.peek("key", T0 + 100_000).reset_sec, 30);
        assert_eq!(limiter.peek("key", T0 + 100_000).remaining, 298);
    }

    #[test]
    fn peek_admits_nothing() {
        let limiter = RateLimiter::new(2, 60_000);
        for _ in 0..10 {
            assert_eq!(limiter.peek("key", T0).remaining, 2);
        }
        assert!(admitted(&limiter, "key", T0));
        assert!(admitted(&limiter, "key", T0));
        assert!(!admitted(&limiter, "key", T0));
        assert_eq!(limiter.bucket_count(), 1);
        assert_eq!(limiter.peek("other", T0).remaining, 2);
        assert_eq!(limiter.bucket_count(), 1, "peek must not create buckets");
    }

    #[test]
    fn buckets_are_independent() {
        let limiter = RateLimiter::new(3, 60_000);
        fill(&limiter, "va_a", T0, 0);
        assert!(!admitted(&limiter, "va_a", T0));
        assert!(admitted(&limiter, "va_b", T0));
        assert!(admitted(&limiter, "127.0.0.1", T0));
        assert_eq!(limiter.peek("va_b", T0).remaining, 2);
        assert_eq!(limiter.peek("va_a", T0).remaining, 0);
    }

    #[test]
    fn reset_and_clear_forget_admissions() {
        let limiter = RateLimiter::new(1, 60_000);
        assert!(admitted(&limiter, "a", T0));
        assert!(admitted(&limiter, "b", T0));
        limiter.reset("a");
        assert!(admitted(&limiter, "a", T0));
        assert!(!admitted(&limiter, "b", T0));
        limiter.clear();
        assert_eq!(limiter.bucket_count(), 0);
        assert!(admitted(&limiter, "a", T0));
        assert!(admitted(&limiter, "b", T0));
    }

    #[test]
    fn prune_removes_only_empty_buckets() {
        let limiter = RateLimiter::new(5, 60_000);
        limiter.check("old", T0);
        limiter.check("recent", T0 + 30_000);
        assert_eq!(limiter.prune(T0 + 59_999), 0);
        assert_eq!(limiter.prune(T0 + 60_000), 1);
        assert_eq!(limiter.bucket_count(), 1);
        assert_eq!(limiter.peek("recent", T0 + 60_000).remaining, 4);
        assert_eq!(limiter.prune(T0 + 90_000), 1);
        assert_eq!(limiter.bucket_count(), 0);
    }

    #[test]
    fn a_bucket_never_holds_more_than_limit_entries() {
        let limiter = RateLimiter::new(4, 60_000);
        for i in 0..1_000 {
            limiter.check("key", T0 + i);
        }
        let buckets = limiter.buckets.read();
        assert_eq!(buckets.get("key").map(|log| log.lock().len()), Some(4));
    }

    #[test]
    fn a_request_that_reaches_the_lock_late_counts_at_the_newest_time() {
        let limiter = RateLimiter::new(1, 60_000);
        assert!(admitted(&limiter, "key", T0 + 1_000));
        // A racing request read the clock earlier (T0 + 500) but arrives after the one above.
        let decision = limiter.check("key", T0 + 500);
        assert_eq!(
            decision,
            Decision::Refused {
                quota: Quota {
                    limit: 1,
                    remaining: 0,
                    reset_sec: 60
                },
                retry_after_sec: 60,
            }
        );
        // An admission of a stale request is recorded at the newest time, so the log stays sorted
        // and its slot frees at T0 + 61 000, not T0 + 60 500.
        let two = RateLimiter::new(2, 60_000);
        assert!(admitted(&two, "key", T0 + 1_000));
        assert!(admitted(&two, "key", T0 + 500));
        assert_eq!(two.peek("key", T0 + 60_999).remaining, 0);
        assert_eq!(two.peek("key", T0 + 61_000).remaining, 2);
    }

    #[test]
    fn limit_zero_refuses_everything_without_panicking_or_growing() {
        let limiter = RateLimiter::new(0, 60_000);
        for i in 0..100 {
            assert_eq!(
                limiter.check(&format!("key{i}"), T0 + i),
                Decision::Refused {
                    quota: Quota {
                        limit: 0,
                        remaining: 0,
                        reset_sec: 0
                    },
                    retry_after_sec: 1,
                }
            );
        }
        assert_eq!(limiter.bucket_count(), 0);
    }

    #[test]
    fn non_positive_window_is_raised_to_one_millisecond() {
        let limiter = RateLimiter::new(1, -5);
        assert!(admitted(&limiter, "key", T0));
        assert_eq!(
            limiter.check("key", T0),
            Decision::Refused {
                quota: Quota {
                    limit: 1,
                    remaining: 0,
                    reset_sec: 1
                },
                retry_after_sec: 1,
            }
        );
        assert!(admitted(&limiter, "key", T0 + 1));
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let limiter = RateLimiter::new(1, 60_000);
        assert!(admitted(&limiter, "key", i64::MAX - 10));
        assert_eq!(
            limiter.peek("key", i64::MAX - 5),
            Quota {
                limit: 1,
                remaining: 0,
                reset_sec: 1
            }
        );
        assert!(!admitted(&limiter, "key", i64::MAX - 5));
        let early = RateLimiter::new(1, 60_000);
        assert!(admitted(&early, "key", i64::MIN));
        assert!(admitted(&early, "key", i64::MIN + 60_000));
    }

    #[test]
    fn concurrent_requests_at_one_instant_admit_exactly_the_limit() {
        let limiter = RateLimiter::default();
        let admitted_count = AtomicUsize::new(0);
        let barrier = Barrier::new(8);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    barrier.wait();
                    for _ in 0..100 {
                        if limiter.check("key", T0).is_admitted() {
                            admitted_count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(admitted_count.load(Ordering::Relaxed), 300);
        assert_eq!(limiter.peek("key", T0).remaining, 0);
    }

    #[test]
    fn concurrent_first_requests_on_new_buckets_lose_no_admission() {
        // Every thread races to create the same fresh buckets through the write-lock path.
        let limiter = RateLimiter::new(1_000, 60_000);
        let barrier = Barrier::new(8);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    barrier.wait();
                    for bucket in 0..50 {
                        assert!(limiter.check(&format!("b{bucket}"), T0).is_admitted());
                    }
                });
            }
        });
        for bucket in 0..50 {
            assert_eq!(limiter.peek(&format!("b{bucket}"), T0).remaining, 1_000 - 8);
        }
    }

    proptest! {
        /// The limiter agrees with a brute-force model of the contract on every request: admitted
        /// if and only if fewer than `limit` admissions lie in `(now - window, now]`, with the
        /// model's header values; no rolling window ever holds more than `limit` admissions; and
        /// pruning at any point changes nothing.
        #[test]
        fn matches_the_contract_exactly(
            limit in 1u32..6,
            window_ms in 1i64..3_000,
            requests in proptest::collection::vec(
                (0usize..3, 0i64..1_500, proptest::bool::weighted(0.05)),
                0..300,
            ),
        ) {
            let limiter = RateLimiter::new(limit, window_ms);
            let mut model: HashMap<usize, Vec<i64>> = HashMap::new();
            let mut now = T0;
            for (bucket, delta, prune_first) in requests {
                now += delta;
                if prune_first {
                    // Pruning only drops empty buckets, so it must change no answer.
                    limiter.prune(now);
                }
                let name = format!("bucket-{bucket}");
                let log = model.entry(bucket).or_default();
                let live: Vec<i64> = log.iter().copied().filter(|&t| t + window_ms > now).collect();
                let expect_admit = live.len() < limit as usize;
                let decision = limiter.check(&name, now);
                prop_assert_eq!(decision.is_admitted(), expect_admit, "at {}", now - T0);
                let mut live = live;
                if expect_admit {
                    log.push(now);
                    live.push(now);
                }
                let reset_ms = live.first().map_or(0, |&oldest| oldest + window_ms - now);
                let expected_quota = Quota {
                    limit,
                    remaining: limit - u32::try_from(live.len()).unwrap_or(u32::MAX),
                    reset_sec: u64::try_from(reset_ms).unwrap_or(0).div_ceil(1000),
                };
                prop_assert_eq!(decision.quota(), expected_quota);
                if let Decision::Refused { retry_after_sec, .. } = decision {
                    prop_assert_eq!(retry_after_sec, expected_quota.reset_sec.max(1));
                    prop_assert!(retry_after_sec >= 1);
                }
            }
            for times in model.values() {
                for &start in times {
                    let in_window = times.iter().filter(|&&t| t >= start && t < start + window_ms).count();
                    prop_assert!(in_window <= limit as usize);
                }
            }
        }
    }
}
