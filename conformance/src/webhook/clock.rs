//! The target's clock, against which delivery timestamps are judged fresh.
//!
//! A real target's clock is the wall clock. Our mock's is virtual: frozen in tests and moved in
//! jumps, and a jump runs a backlog of attempts each stamped with its own scheduled time
//! (D-RETRIES). So a timestamp is judged against readings of the target's clock taken around
//! the attempt: it must lie between the last reading before the attempt arrived and the first
//! reading after it, widened by the tolerance on both sides.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// How much a timestamp may differ from the target's clock (Stripe's tolerance).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// One reading of the target's clock: its time, and the wall-clock time it was read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockReading {
    /// When it was read (wall clock).
    pub at: SystemTime,
    /// The target's time then, in Unix milliseconds.
    pub target_ms: i64,
}

/// Where the target's time comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TargetClock {
    /// The target keeps wall-clock time.
    #[default]
    Wall,
    /// Readings of the target's own clock (the mock's `/_mock/clock`), in any order.
    Readings(Vec<ClockReading>),
}

/// The window, in Unix seconds, that a timestamp of an attempt arriving at `arrived` must lie
/// in.
pub fn window(clock: &TargetClock, arrived: SystemTime, tolerance: Duration) -> (i64, i64) {
    let tol = tolerance.as_secs() as i64;
    let (lo_ms, hi_ms) = match clock {
        TargetClock::Wall => (unix_ms(arrived), unix_ms(arrived)),
        TargetClock::Readings(readings) => {
            let before = readings
                .iter()
                .filter(|r| r.at <= arrived)
                .max_by_key(|r| r.at);
            let after = readings
                .iter()
                .filter(|r| r.at >= arrived)
                .min_by_key(|r| r.at);
            // A missing side is extrapolated at wall-clock speed from the other (a running clock
            // moves at that speed; a frozen one less, which only widens the window).
            let elapsed = |from: SystemTime, to: SystemTime| {
                to.duration_since(from).unwrap_or_default().as_millis() as i64
            };
            match (before, after) {
                (Some(b), Some(a)) => (b.target_ms, a.target_ms),
                (Some(b), None) => (b.target_ms, b.target_ms + elapsed(b.at, arrived)),
                (None, Some(a)) => (a.target_ms - elapsed(arrived, a.at), a.target_ms),
                (None, None) => (unix_ms(arrived), unix_ms(arrived)),
            }
        }
    };
    (lo_ms.div_euclid(1000) - tol, hi_ms.div_euclid(1000) + tol)
}

/// Unix milliseconds of a wall-clock time.
pub fn unix_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// Why the mock's clock could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    /// The request failed.
    #[error("read the target's clock at {url}: {reason}")]
    Request {
        /// The URL asked.
        url: String,
        /// Why.
        reason: String,
    },
}

/// Reads the clock of a mock's control API (`GET {control_url}/clock`, whose `nowMs` is the
/// virtual time).
pub async fn read_mock_clock(
    client: &reqwest::Client,
    control_url: &str,
) -> Result<ClockReading, ClockError> {
    let url = format!("{}/clock", control_url.trim_end_matches('/'));
    let fail = |reason: String| ClockError::Request {
        url: url.clone(),
        reason,
    };
    let res = client
        .get(&url)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    if !res.status().is_success() {
        return Err(fail(format!("answered {}", res.status().as_u16())));
    }
    let v: Value = res.json().await.map_err(|e| fail(e.to_string()))?;
    let at = SystemTime::now();
    let target_ms = v
        .get("nowMs")
        .and_then(Value::as_i64)
        .ok_or_else(|| fail("the answer has no integer nowMs".to_owned()))?;
    Ok(ClockReading { at, target_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn the_window_brackets_the_arrival_between_readings() {
        let tol = Duration::from_secs(10);
        assert_eq!(window(&TargetClock::Wall, at(1000), tol), (990, 1010));
        // A frozen clock at 5000 s, jumped by an hour between the readings.
        let clock = TargetClock::Readings(vec![
            ClockReading {
                at: at(105),
                target_ms: 8_600_000,
            },
            ClockReading {
                at: at(100),
                target_ms: 5_000_000,
            },
        ]);
        assert_eq!(window(&clock, at(102), tol), (4990, 8610));
        assert_eq!(window(&clock, at(110), tol), (8590, 8615), "after the last");
        assert_eq!(
            window(&clock, at(99), tol),
            (4989, 5010),
            "before the first"
        );
        assert_eq!(
            window(&TargetClock::Readings(Vec::new()), at(7), tol),
            (-3, 17)
        );
    }
}
