//! The virtual clock: the mock's only source of "now".
//!
//! Everything in the mock that depends on time (rate-limit windows, signed-URL expiry, call
//! lifecycles, webhook retry schedules) reads this clock instead of the system's, so that a test
//! can move time forward with `POST /_mock/clock` rather than sleeping. A test suite that sleeps is
//! slow and flaky; one that advances a virtual clock is instant and deterministic.
//!
//! # Model
//!
//! The clock is a virtual Unix time in milliseconds. It starts *running*: real elapsed time (from
//! [`std::time::Instant`], which is monotonic, never the wall clock, which NTP can step backwards)
//! moves it forward, so a mock left alone behaves like a server in real time. A test can *freeze*
//! it, so that nothing moves unless the test says so, and *advance* it by any non-negative amount,
//! frozen or not. Unfreezing resumes real-time flow from the frozen value; it does not jump ahead by
//! the time spent frozen, because a jump would expire signed URLs and rate-limit windows that the
//! test deliberately held still.
//!
//! Internally the state is a `base_ms` plus an optional `anchor` instant: while running, now is
//! `base_ms + (real now - anchor)`; while frozen, now is `base_ms`. Advancing adds to `base_ms`;
//! freezing folds the elapsed real time into `base_ms` and drops the anchor; unfreezing sets a new
//! anchor. This keeps every operation O(1) and free of accumulated rounding.
//!
//! # Why time never goes backwards
//!
//! Rate-limit windows, expiries and retry schedules are all "has `t + d` passed?" questions, and
//! every one of them becomes wrong if now can decrease: a refused client could be admitted early,
//! an expired URL could come back to life. So [`Clock::advance`] refuses negative amounts, and
//! [`Clock::now_ms`] never returns less than it has returned before, to any thread. That guarantee
//! is why the state sits behind a single [`parking_lot::Mutex`] rather than a few atomics: the
//! running/frozen flag, the base and the last value handed out must change together, and an
//! uncontended `parking_lot` lock is a single atomic compare-and-swap, cheap enough for a read on
//! every request. The critical section does no allocation and no I/O.
//!
//! # Range
//!
//! The clock stays within what RFC 3339 can write, years 0000 to 9999
//! ([`MIN_UNIX_MS`]..=[`MAX_UNIX_MS`]): a start outside it is clamped, an advance that would leave it
//! is refused, and real time saturates at the end. Ten thousand years is more than any test needs,
//! and the bound means [`format_rfc3339_ms`] can never be handed a value it cannot write.
//!
//! # Waking background tasks
//!
//! Background tasks (webhook retries, call lifecycles) sleep until a virtual deadline. When a test
//! advances the clock they must wake at once, so every advance, freeze and unfreeze publishes the
//! new now on a [`tokio::sync::watch`] channel ([`Clock::subscribe`]). The value is published after
//! the state lock is released, so a subscriber that reads the clock while holding the channel's
//! borrow cannot deadlock against a writer; the publish keeps the largest value, so a slower racing
//! writer can never make the channel's value go backwards.

// The rest of the crate, written concurrently, does not use every item here yet; the tests do,
// so test builds still catch real dead code.
#![cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "the server modules are still adopting this API; remove once they do"
    )
)]

use std::time::Instant;

use parking_lot::Mutex;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::watch;

/// The earliest instant the clock can show: `0000-01-01T00:00:00Z`, the first RFC 3339 can write.
pub(crate) const MIN_UNIX_MS: i64 = -62_167_219_200_000;

/// The latest instant the clock can show: `9999-12-31T23:59:59.999Z`, the last RFC 3339 can write.
pub(crate) const MAX_UNIX_MS: i64 = 253_402_300_799_999;

/// The largest single [`Clock::advance`]: ten years of 365 days plus the three leap days that ten
/// consecutive years can hold at most. A larger request is almost certainly a unit mistake
/// (seconds passed as milliseconds the other way round, or microseconds), so it is refused rather
/// than silently expiring everything in the mock.
pub(crate) const MAX_ADVANCE_MS: i64 = 3_653 * 86_400_000;

/// Why the clock refused to move.
///
/// Messages are lowercase fragments that read well after "failed to advance the clock: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ClockError {
    /// A negative amount: virtual time never goes backwards.
    #[error("{ms} ms is negative: virtual time only moves forward")]
    Negative {
        /// The amount asked for.
        ms: i64,
    },
    /// More than [`MAX_ADVANCE_MS`] at once.
    #[error("{ms} ms is more than the {max} ms (ten years) a single advance may move")]
    TooLarge {
        /// The amount asked for.
        ms: i64,
        /// The most a single advance may move, [`MAX_ADVANCE_MS`].
        max: i64,
    },
    /// The result would pass [`MAX_UNIX_MS`], the last instant RFC 3339 can write.
    #[error(
        "{ms} ms would move the clock past 9999-12-31T23:59:59.999Z, the last instant RFC 3339 can write"
    )]
    OutOfRange {
        /// The amount asked for.
        ms: i64,
    },
}

/// What `GET /_mock/clock` shows: the clock's state at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClockSnapshot {
    /// Virtual Unix time in milliseconds.
    pub(crate) now_ms: i64,
    /// The same instant as RFC 3339 UTC, formatted by [`format_rfc3339_ms`].
    pub(crate) now: String,
    /// Whether real time is currently stopped.
    pub(crate) frozen: bool,
    /// The total of every manual [`Clock::advance`] since the clock was created.
    pub(crate) advanced_ms: i64,
}

/// The mutable part of the clock, changed only under the lock.
#[derive(Debug)]
struct State {
    /// While frozen, the current value; while running, the value at `anchor`.
    base_ms: i64,
    /// The real instant at which virtual time was `base_ms`; `None` while frozen.
    anchor: Option<Instant>,
    /// Total manual advance, for the snapshot.
    advanced_ms: i64,
    /// The largest value handed out so far; `now` never returns less.
    last_ms: i64,
}

impl State {
    /// The virtual time at real instant `real`, recorded as handed out.
    fn now_at(&mut self, real: Instant) -> i64 {
        let computed = match self.anchor {
            Some(anchor) => {
                // `saturating_duration_since` gives zero rather than panicking if `real` is before
                // the anchor, which a caller passing a stale instant could cause.
                let elapsed = real.saturating_duration_since(anchor).as_millis();
                let elapsed = i64::try_from(elapsed).unwrap_or(i64::MAX);
                self.base_ms.saturating_add(elapsed).min(MAX_UNIX_MS)
            }
            None => self.base_ms,
        };
        // `Instant` is monotonic, but callers read it before taking the lock: a thread that read
        // the instant first can get the lock second and compute a smaller value than the one just
        // handed to its rival. The floor turns that race into a repeat of the rival's value.
        self.last_ms = self.last_ms.max(computed);
        self.last_ms
    }
}

/// The real time now, in Unix milliseconds: the virtual clock's default start. The only read of
/// the wall clock in the crate.
pub(crate) fn wall_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Real elapsed time, for how long something took (a request, a webhook attempt), never for what
/// time it is: that is the virtual clock's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopwatch(Instant);

impl Stopwatch {
    /// Starts timing now.
    pub(crate) fn start() -> Stopwatch {
        Stopwatch(Instant::now())
    }

    /// The real time since [`Stopwatch::start`].
    pub(crate) fn elapsed(&self) -> std::time::Duration {
        self.0.elapsed()
    }
}

/// The mock's virtual clock. Cheap to read, `Send + Sync`, shared through an `Arc`.
#[derive(Debug)]
pub(crate) struct Clock {
    /// Base, anchor, total advance and the monotonic floor, changed together.
    state: Mutex<State>,
    /// Publishes the new now on every advance, freeze and unfreeze.
    tx: watch::Sender<i64>,
}

impl Clock {
    /// A running clock that shows `start_unix_ms` now, clamped into
    /// [`MIN_UNIX_MS`]..=[`MAX_UNIX_MS`].
    pub(crate) fn new(start_unix_ms: i64) -> Clock {
        Clock::starting_at(start_unix_ms, Instant::now())
    }

    /// A running clock that showed `start_unix_ms` at real instant `origin`; lets tests put real
    /// time where they want it without sleeping.
    fn starting_at(start_unix_ms: i64, origin: Instant) -> Clock {
        let start = start_unix_ms.clamp(MIN_UNIX_MS, MAX_UNIX_MS);
        let (tx, _rx) = watch::channel(start);
        Clock {
            state: Mutex::new(State {
                base_ms: start,
                anchor: Some(origin),
                advanced_ms: 0,
                last_ms: start,
            }),
            tx,
        }
    }

    /// Virtual Unix time in milliseconds. Never less than any value returned before.
    pub(crate) fn now_ms(&self) -> i64 {
        self.now_ms_at(Instant::now())
    }

    /// [`Clock::now_ms`] as if the real time were `real`.
    fn now_ms_at(&self, real: Instant) -> i64 {
        self.state.lock().now_at(real)
    }

    /// Virtual Unix time in whole seconds, rounded down (also before 1970).
    pub(crate) fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves the clock forward by `ms` (zero is allowed and changes nothing) and returns the new
    /// now. Works whether the clock is running or frozen.
    pub(crate) fn advance(&self, ms: i64) -> Result<i64, ClockError> {
        self.advance_at(ms, Instant::now())
    }

    /// [`Clock::advance`] as if the real time were `real`.
    fn advance_at(&self, ms: i64, real: Instant) -> Result<i64, ClockError> {
        if ms < 0 {
            return Err(ClockError::Negative { ms });
        }
        if ms > MAX_ADVANCE_MS {
            return Err(ClockError::TooLarge {
                ms,
                max: MAX_ADVANCE_MS,
            });
        }
        let now = {
            let mut state = self.state.lock();
            let current = state.now_at(real);
            // `current <= MAX_UNIX_MS` and `ms <= MAX_ADVANCE_MS`, so the sum cannot overflow.
            if current + ms > MAX_UNIX_MS {
                return Err(ClockError::OutOfRange { ms });
            }
            state.base_ms += ms;
            state.advanced_ms += ms;
            state.now_at(real)
        };
        self.publish(now);
        Ok(now)
    }

    /// Stops real time from moving the clock and returns the frozen value. Freezing a frozen
    /// clock changes nothing.
    pub(crate) fn freeze(&self) -> i64 {
        self.freeze_at(Instant::now())
    }

    /// [`Clock::freeze`] as if the real time were `real`.
    fn freeze_at(&self, real: Instant) -> i64 {
        let now = {
            let mut state = self.state.lock();
            let now = state.now_at(real);
            state.base_ms = now;
            state.anchor = None;
            now
        };
        self.publish(now);
        now
    }

    /// Lets real time move the clock again, from the frozen value (no jump), and returns it.
    /// Unfreezing a running clock changes nothing.
    pub(crate) fn unfreeze(&self) -> i64 {
        self.unfreeze_at(Instant::now())
    }

    /// [`Clock::unfreeze`] as if the real time were `real`.
    fn unfreeze_at(&self, real: Instant) -> i64 {
        let now = {
            let mut state = self.state.lock();
            let now = state.now_at(real);
            if state.anchor.is_none() {
                state.base_ms = now;
                state.anchor = Some(real);
            }
            now
        };
        self.publish(now);
        now
    }

    /// Whether real time is currently stopped.
    pub(crate) fn is_frozen(&self) -> bool {
        self.state.lock().anchor.is_none()
    }

    /// The clock's state, read atomically.
    pub(crate) fn snapshot(&self) -> ClockSnapshot {
        self.snapshot_at(Instant::now())
    }

    /// [`Clock::snapshot`] as if the real time were `real`.
    fn snapshot_at(&self, real: Instant) -> ClockSnapshot {
        let (now_ms, frozen, advanced_ms) = {
            let mut state = self.state.lock();
            (
                state.now_at(real),
                state.anchor.is_none(),
                state.advanced_ms,
            )
        };
        ClockSnapshot {
            now_ms,
            now: format_rfc3339_ms(now_ms),
            frozen,
            advanced_ms,
        }
    }

    /// A receiver that is notified with the new now on every advance, freeze and unfreeze. Its
    /// initial value is the latest published one (the start value if none), not the current time:
    /// a running clock moves continuously and is not republished.
    pub(crate) fn subscribe(&self) -> watch::Receiver<i64> {
        self.tx.subscribe()
    }

    /// Publishes `now` unless a racing writer already published a later value, so the channel's
    /// value never decreases. Equal values are still notified: a freeze or unfreeze changes how
    /// time will move even when it does not change the current value.
    fn publish(&self, now: i64) {
        self.tx.send_if_modified(|current| {
            if now >= *current {
                *current = now;
                true
            } else {
                false
            }
        });
    }
}

/// Formats Unix milliseconds as RFC 3339 UTC: `YYYY-MM-DDTHH:MM:SSZ` when the milliseconds are
/// zero, `YYYY-MM-DDTHH:MM:SS.mmmZ` otherwise.
///
/// Values outside [`MIN_UNIX_MS`]..=[`MAX_UNIX_MS`] are clamped to that range, because RFC 3339
/// has four-digit years and nothing else; the clock never produces such values.
pub(crate) fn format_rfc3339_ms(unix_ms: i64) -> String {
    Timestamp::from_ms(unix_ms).as_str().to_owned()
}

/// [`format_rfc3339_ms`] on the stack: responses render several timestamps per record, and a
/// `String` each was a measurable share of a call detail's allocations. Serialises and displays
/// as the text.
#[derive(Clone, Copy)]
pub(crate) struct Timestamp {
    buf: [u8; 24],
    len: u8,
}

impl Timestamp {
    /// Formats Unix milliseconds (see [`format_rfc3339_ms`]).
    pub(crate) fn from_ms(unix_ms: i64) -> Timestamp {
        let ms = unix_ms.clamp(MIN_UNIX_MS, MAX_UNIX_MS);
        let secs = ms.div_euclid(1000);
        let millis = ms.rem_euclid(1000);
        let mut out = Timestamp {
            buf: [0; 24],
            len: 0,
        };
        // After the clamp the year is 0..=9999, inside what `time` represents, so this cannot
        // fail; the fallback keeps the function total without an `unwrap`.
        let Ok(dt) = OffsetDateTime::from_unix_timestamp(secs) else {
            out.push(b"1970-01-01T00:00:00Z");
            return out;
        };
        // Digits by hand rather than `write!`: every rendered record has several timestamps (a
        // list page dozens), and the formatting machinery (padding, `Display` per field) cost
        // more than the date arithmetic.
        out.digits(dt.year().clamp(0, 9999) as u32, 4);
        out.push(b"-");
        out.digits(u32::from(u8::from(dt.month())), 2);
        out.push(b"-");
        out.digits(u32::from(dt.day()), 2);
        out.push(b"T");
        out.digits(u32::from(dt.hour()), 2);
        out.push(b":");
        out.digits(u32::from(dt.minute()), 2);
        out.push(b":");
        out.digits(u32::from(dt.second()), 2);
        if millis != 0 {
            out.push(b".");
            out.digits(millis as u32, 3);
        }
        out.push(b"Z");
        out
    }

    /// Formats Unix seconds.
    pub(crate) fn from_secs(unix_secs: i64) -> Timestamp {
        Timestamp::from_ms(unix_secs.saturating_mul(1000))
    }

    // At most 24 bytes are ever written ("YYYY-MM-DDTHH:MM:SS.mmmZ"), the buffer's size.
    fn push(&mut self, bytes: &[u8]) {
        let start = usize::from(self.len);
        self.buf[start..start + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len() as u8;
    }

    fn digits(&mut self, n: u32, width: u32) {
        for i in (0..width).rev() {
            self.push(&[b'0' + (n / 10u32.pow(i) % 10) as u8]);
        }
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever written.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Parses an RFC 3339 timestamp with any offset (`Z`, `z` or `±HH:MM`; `T` or `t`) into Unix
/// milliseconds. Fractions finer than a millisecond are truncated toward the past, so the result
/// is the millisecond that contains the instant. A leap second (`:60`) is read as the last
/// instant of the preceding second. `None` for anything that is not RFC 3339.
///
/// The date and time must be separated by `T` (or `t`), as RFC 3339's grammar says. The `time`
/// crate also takes a space, which the RFC only mentions as something applications "may choose";
/// the mock refuses it, because a mock that is laxer than the contract hides client bugs.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(dt.unix_timestamp_nanos().div_euclid(1_000_000)).ok()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    use super::*;

    /// 2024-05-13T16:00:00Z, the timestamp in the API reference's webhook example.
    const T0: i64 = 1_715_616_000_000;

    fn later(origin: Instant, ms: u64) -> Instant {
        origin + Duration::from_millis(ms)
    }

    #[test]
    fn running_clock_follows_real_time_from_start() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        assert!(!clock.is_frozen());
        assert_eq!(clock.now_ms_at(origin), T0);
        assert_eq!(clock.now_ms_at(later(origin, 1_234)), T0 + 1_234);
        assert_eq!(clock.now_ms_at(later(origin, 5_000)), T0 + 5_000);
    }

    #[test]
    fn real_clock_starts_at_start_and_does_not_go_backwards() {
        let clock = Clock::new(T0);
        let first = clock.now_ms();
        assert!(first >= T0);
        // A bound that only a broken clock could exceed, not a timing assumption.
        assert!(first < T0 + 3_600_000);
        let mut previous = first;
        for _ in 0..1_000 {
            let now = clock.now_ms();
            assert!(now >= previous, "{now} < {previous}");
            previous = now;
        }
    }

    #[test]
    fn frozen_clock_stands_still_and_advances_only_on_request() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        assert_eq!(clock.freeze_at(later(origin, 500)), T0 + 500);
        assert!(clock.is_frozen());
        assert_eq!(clock.now_ms_at(later(origin, 90_000)), T0 + 500);
        assert_eq!(
            clock.advance_at(1_000, later(origin, 95_000)),
            Ok(T0 + 1_500)
        );
        assert_eq!(clock.now_ms_at(later(origin, 99_000)), T0 + 1_500);
        assert_eq!(clock.now_secs(), (T0 + 1_500) / 1000);
    }

    #[test]
    fn freeze_is_idempotent() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        let frozen = clock.freeze_at(later(origin, 10));
        assert_eq!(clock.freeze_at(later(origin, 20_000)), frozen);
        assert!(clock.is_frozen());
    }

    #[test]
    fn unfreeze_resumes_from_the_frozen_value_without_a_jump() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        clock.freeze_at(later(origin, 1_000));
        // Ten minutes pass in real time while frozen; none of it shows after unfreezing.
        assert_eq!(clock.unfreeze_at(later(origin, 601_000)), T0 + 1_000);
        assert!(!clock.is_frozen());
        assert_eq!(clock.now_ms_at(later(origin, 601_000)), T0 + 1_000);
        assert_eq!(clock.now_ms_at(later(origin, 603_500)), T0 + 3_500);
    }

    #[test]
    fn unfreeze_on_a_running_clock_changes_nothing() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        assert_eq!(clock.unfreeze_at(later(origin, 2_000)), T0 + 2_000);
        // The anchor was not reset, so real time since the origin still counts.
        assert_eq!(clock.now_ms_at(later(origin, 3_000)), T0 + 3_000);
    }

    #[test]
    fn advance_while_running_adds_to_real_time() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        assert_eq!(
            clock.advance_at(60_000, later(origin, 100)),
            Ok(T0 + 60_100)
        );
        assert_eq!(clock.now_ms_at(later(origin, 200)), T0 + 60_200);
        assert_eq!(clock.snapshot_at(later(origin, 200)).advanced_ms, 60_000);
    }

    #[test]
    fn advance_refuses_negative_too_large_and_out_of_range() {
        let clock = Clock::new(T0);
        clock.freeze();
        let before = clock.now_ms();
        assert_eq!(clock.advance(-1), Err(ClockError::Negative { ms: -1 }));
        assert_eq!(
            clock.advance(MAX_ADVANCE_MS + 1),
            Err(ClockError::TooLarge {
                ms: MAX_ADVANCE_MS + 1,
                max: MAX_ADVANCE_MS
            })
        );
        assert_eq!(clock.advance(i64::MAX).map_err(|_| ()), Err(()));
        assert_eq!(
            clock.now_ms(),
            before,
            "a refused advance must not move the clock"
        );
        assert_eq!(clock.advance(0), Ok(before));
        assert_eq!(clock.advance(MAX_ADVANCE_MS), Ok(before + MAX_ADVANCE_MS));

        let near_end = Clock::new(MAX_UNIX_MS - 10);
        near_end.freeze();
        assert_eq!(near_end.advance(11), Err(ClockError::OutOfRange { ms: 11 }));
        assert_eq!(near_end.advance(10), Ok(MAX_UNIX_MS));
        assert_eq!(near_end.snapshot().advanced_ms, 10);
    }

    #[test]
    fn error_messages_read_after_failed_to() {
        assert_eq!(
            ClockError::Negative { ms: -5 }.to_string(),
            "-5 ms is negative: virtual time only moves forward"
        );
    }

    #[test]
    fn start_is_clamped_and_real_time_saturates_at_the_end() {
        let origin = Instant::now();
        assert_eq!(
            Clock::starting_at(i64::MIN, origin).now_ms_at(origin),
            MIN_UNIX_MS
        );
        let clock = Clock::starting_at(i64::MAX, origin);
        assert_eq!(clock.now_ms_at(origin), MAX_UNIX_MS);
        assert_eq!(clock.now_ms_at(later(origin, 10_000)), MAX_UNIX_MS);
    }

    #[test]
    fn now_secs_rounds_down_also_before_1970() {
        let origin = Instant::now();
        let clock = Clock::starting_at(-1, origin);
        clock.freeze_at(origin);
        assert_eq!(clock.now_ms(), -1);
        assert_eq!(clock.now_secs(), -1);
        clock.advance(1).ok();
        assert_eq!(clock.now_secs(), 0);
        clock.advance(1_998).ok();
        assert_eq!(clock.now_secs(), 1);
    }

    #[test]
    fn snapshot_serializes_in_camel_case() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        clock.freeze_at(origin);
        clock.advance_at(250, origin).ok();
        let json = serde_json::to_value(clock.snapshot()).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({
                "nowMs": T0 + 250,
                "now": "2024-05-13T16:00:00.250Z",
                "frozen": true,
                "advancedMs": 250,
            }))
        );
    }

    #[test]
    fn subscribers_are_notified_on_advance_freeze_and_unfreeze() {
        let origin = Instant::now();
        let clock = Clock::starting_at(T0, origin);
        let mut rx = clock.subscribe();
        assert_eq!(*rx.borrow_and_update(), T0);
        assert!(!rx.has_changed().unwrap_or(true));

        let frozen = clock.freeze_at(later(origin, 10));
        assert!(rx.has_changed().unwrap_or(false));
        assert_eq!(*rx.borrow_and_update(), frozen);

        let advanced = clock.advance_at(5_000, later(origin, 20));
        assert!(rx.has_changed().unwrap_or(false));
        assert_eq!(Ok(*rx.borrow_and_update()), advanced);

        clock.unfreeze_at(later(origin, 30));
        assert!(rx.has_changed().unwrap_or(false));
        assert_eq!(*rx.borrow_and_update(), T0 + 5_010);

        // Reading the time is not an event.
        clock.now_ms_at(later(origin, 40));
        assert!(!rx.has_changed().unwrap_or(true));
    }

    #[test]
    fn publish_never_moves_the_channel_backwards() {
        let clock = Clock::new(T0);
        let rx = clock.subscribe();
        clock.publish(T0 + 100);
        clock.publish(T0 + 50);
        assert_eq!(*rx.borrow(), T0 + 100);
    }

    #[tokio::test]
    async fn a_waiting_task_wakes_when_the_clock_is_advanced() {
        let clock = Arc::new(Clock::new(T0));
        clock.freeze();
        let deadline = clock.now_ms() + 30_000;
        let mut rx = clock.subscribe();
        let waiter =
            tokio::spawn(async move { rx.wait_for(|now| *now >= deadline).await.map(|now| *now) });
        clock.advance(10_000).ok();
        clock.advance(20_000).ok();
        // The timeout only turns a lost notification into a failure instead of a hang; the test
        // never waits on it when the clock works.
        let woke = tokio::time::timeout(Duration::from_secs(10), waiter).await;
        assert_eq!(
            woke.ok().and_then(Result::ok).and_then(Result::ok),
            Some(deadline)
        );
    }

    #[test]
    fn now_is_monotonic_per_thread_under_concurrent_freeze_unfreeze_and_advance() {
        let clock = Arc::new(Clock::new(T0));
        let barrier = Arc::new(Barrier::new(8));
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let clock = Arc::clone(&clock);
                let barrier = Arc::clone(&barrier);
                scope.spawn(move || {
                    barrier.wait();
                    let mut previous = i64::MIN;
                    for i in 0..2_000 {
                        let now = match (thread + i) % 5 {
                            0 => clock.freeze(),
                            1 => clock.unfreeze(),
                            2 => clock.advance(1).unwrap_or(i64::MIN),
                            _ => clock.now_ms(),
                        };
                        assert!(now >= previous, "time went back from {previous} to {now}");
                        previous = now;
                    }
                });
            }
        });
    }

    #[test]
    fn formats_like_the_format_macro_across_the_range() {
        let mut ms = MIN_UNIX_MS;
        while ms <= MAX_UNIX_MS {
            let dt = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap();
            let millis = ms.rem_euclid(1000);
            let mut want = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            );
            if millis != 0 {
                want.push_str(&format!(".{millis:03}"));
            }
            want.push('Z');
            assert_eq!(format_rfc3339_ms(ms), want);
            ms += 9_876_543_211;
        }
        assert_eq!(format_rfc3339_ms(MAX_UNIX_MS), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339_ms(MIN_UNIX_MS), "0000-01-01T00:00:00Z");
    }

    #[test]
    fn formats_with_milliseconds_only_when_non_zero() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (T0, "2024-05-13T16:00:00Z"),
            (T0 + 7, "2024-05-13T16:00:00.007Z"),
            (T0 + 999, "2024-05-13T16:00:00.999Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
            (MIN_UNIX_MS, "0000-01-01T00:00:00Z"),
            (MAX_UNIX_MS, "9999-12-31T23:59:59.999Z"),
            (i64::MIN, "0000-01-01T00:00:00Z"),
            (i64::MAX, "9999-12-31T23:59:59.999Z"),
        ];
        for (ms, expected) in cases {
            assert_eq!(format_rfc3339_ms(ms), expected, "{ms}");
        }
    }

    #[test]
    fn parses_any_offset() {
        let cases = [
            ("2024-05-13T16:00:00Z", Some(T0)),
            ("2024-05-13t16:00:00z", Some(T0)),
            ("2024-05-13T18:00:00+02:00", Some(T0)),
            ("2024-05-13T11:30:00-04:30", Some(T0)),
            ("2024-05-13T16:00:00.25Z", Some(T0 + 250)),
            ("2024-05-13T16:00:00.123999999Z", Some(T0 + 123)),
            ("1969-12-31T23:59:59.9995Z", Some(-1)),
            ("1990-12-31T23:59:60Z", Some(662_688_000_000 - 1)),
            ("2024-05-13T16:00:00", None),
            ("2024-05-13 16:00:00Z", None),
            ("2024-02-30T00:00:00Z", None),
            ("1715616000", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_rfc3339(input), expected, "{input}");
        }
    }

    #[test]
    fn format_then_parse_round_trips() {
        for ms in [MIN_UNIX_MS, -86_400_001, -1, 0, 1, T0, T0 + 1, MAX_UNIX_MS] {
            assert_eq!(parse_rfc3339(&format_rfc3339_ms(ms)), Some(ms), "{ms}");
        }
    }
}
