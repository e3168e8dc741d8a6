//! Recording audio: RIFF/WAVE, 8 kHz, 16-bit, mono PCM, synthesised on the fly from the call's
//! transcript and streamed in chunks.
//!
//! Nothing is stored: any byte of the file is a pure function of (seed, duration, turns), so a
//! one-hour recording streams in constant memory and any byte range can be served directly. The
//! agent speaks in one tone and the contact in another during their transcript turns, with
//! silence between, so a player shows the conversation's shape and the duration is exactly the
//! call's `durationSec`.

use std::sync::Arc;

use bytes::Bytes;

use crate::derive::transcript::{Speaker, Turn};

/// Samples per second.
pub(crate) const SAMPLE_RATE: u32 = 8_000;
/// Bytes of the canonical WAV header.
pub(crate) const HEADER_LEN: u64 = 44;
/// Bytes per streamed chunk.
const CHUNK: u64 = 32 << 10;

/// Total file size of a recording of `duration_sec` seconds.
pub(crate) fn file_len(duration_sec: u32) -> u64 {
    HEADER_LEN + u64::from(duration_sec) * u64::from(SAMPLE_RATE) * 2
}

/// The 44-byte header for `data_len` bytes of samples.
pub(crate) fn header(data_len: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&1u16.to_le_bytes()); // mono
    h[24..28].copy_from_slice(&SAMPLE_RATE.to_le_bytes());
    h[28..32].copy_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // byte rate
    h[32..34].copy_from_slice(&2u16.to_le_bytes()); // block align
    h[34..36].copy_from_slice(&16u16.to_le_bytes()); // bits per sample
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// One speaker's stretch, in samples.
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: u64,
    end: u64,
    agent: bool,
}

/// A recording, ready to be read at any offset.
#[derive(Debug, Clone)]
pub(crate) struct Recording {
    duration_sec: u32,
    agent_hz: f64,
    contact_hz: f64,
    segments: Arc<Vec<Segment>>,
}

impl Recording {
    /// The recording of a call of `duration_sec` with these transcript turns.
    pub(crate) fn new(seed: u64, duration_sec: u32, turns: &[Turn]) -> Recording {
        let rate = f64::from(SAMPLE_RATE);
        let segments = turns
            .iter()
            .map(|t| Segment {
                start: (t.start_sec * rate) as u64,
                end: (t.end_sec * rate) as u64,
                agent: matches!(t.speaker, Speaker::Agent),
            })
            .collect();
        Recording {
            duration_sec,
            agent_hz: 200.0 + (seed % 40) as f64,
            contact_hz: 310.0 + ((seed >> 8) % 40) as f64,
            segments: Arc::new(segments),
        }
    }

    /// File size in bytes.
    pub(crate) fn len(&self) -> u64 {
        file_len(self.duration_sec)
    }

    fn sample(&self, n: u64) -> i16 {
        let i = self.segments.partition_point(|s| s.end <= n);
        let Some(seg) = self.segments.get(i).filter(|s| s.start <= n) else {
            return 0;
        };
        let hz = if seg.agent {
            self.agent_hz
        } else {
            self.contact_hz
        };
        let t = n as f64 / f64::from(SAMPLE_RATE);
        // A gentle syllable-rate envelope makes the tone read as speech in a waveform view.
        let envelope = 0.55 + 0.45 * (t * std::f64::consts::TAU * 3.0).sin().abs();
        ((t * hz * std::f64::consts::TAU).sin() * 7_000.0 * envelope) as i16
    }

    /// Bytes `[from, to)` of the file (clipped to its length).
    pub(crate) fn read(&self, from: u64, to: u64) -> Vec<u8> {
        let to = to.min(self.len());
        let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
        let data_len = u32::try_from(self.len() - HEADER_LEN).unwrap_or(u32::MAX);
        let head = header(data_len);
        let mut p = from;
        while p < to.min(HEADER_LEN) {
            out.push(head[p as usize]);
            p += 1;
        }
        while p < to {
            let off = p - HEADER_LEN;
            let bytes = self.sample(off / 2).to_le_bytes();
            out.push(bytes[(off % 2) as usize]);
            p += 1;
        }
        out
    }

    /// Bytes `[from, to)` as a stream of chunks: memory stays at one chunk whatever the length.
    pub(crate) fn stream(
        self,
        from: u64,
        to: u64,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
        futures_util::stream::unfold((self, from), move |(rec, at)| async move {
            if at >= to {
                return None;
            }
            let end = (at + CHUNK).min(to);
            let chunk = Bytes::from(rec.read(at, end));
            Some((Ok(chunk), (rec, end)))
        })
    }
}

/// A byte range request, resolved against a file of `len` bytes (RFC 9110 section 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// No usable Range header: send the whole file.
    Whole,
    /// One satisfiable range `[start, end]`, inclusive.
    Partial(u64, u64),
    /// A range that starts past the end: 416.
    Unsatisfiable,
}

/// Parses a `Range` value. Syntax errors and multiple ranges are ignored (RFC 9110 allows a
/// server to ignore the header), so players always get audio.
pub(crate) fn parse_range(value: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (a.trim(), b.trim()) {
        ("", n) => match num(n) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(n) if len > 0 => RangeRequest::Partial(len.saturating_sub(n), len - 1),
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Whole,
        },
        (a, "") => match num(a) {
            Some(a) if a < len => RangeRequest::Partial(a, len - 1),
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Whole,
        },
        (a, b) => match (num(a), num(b)) {
            (Some(a), Some(b)) if a <= b => {
                if a >= len {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Partial(a, b.min(len - 1))
                }
            }
            _ => RangeRequest::Whole,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(speaker: Speaker, s: f64, e: f64) -> Turn {
        Turn {
            speaker,
            text: "x".into(),
            start_sec: s,
            end_sec: e,
        }
    }

    #[test]
    fn the_file_is_a_canonical_wav_that_hound_reads_with_the_right_duration() {
        let rec = Recording::new(
            7,
            3,
            &[
                turn(Speaker::Agent, 0.0, 1.0),
                turn(Speaker::Contact, 1.5, 2.5),
            ],
        );
        let bytes = rec.read(0, rec.len());
        assert_eq!(bytes.len() as u64, file_len(3));
        assert_eq!(
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
            bytes.len() - 8
        );
        let reader = hound::WavReader::new(std::io::Cursor::new(&bytes)).unwrap();
        let spec = reader.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (1, 8_000, 16)
        );
        assert_eq!(reader.duration(), 3 * 8_000);
        let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
        assert!(
            samples[100..7_900].iter().any(|&s| s.abs() > 1_000),
            "the agent speaks"
        );
        assert!(
            samples[8_100..11_900].iter().all(|&s| s == 0),
            "silence between turns"
        );
        assert!(
            samples[23_000..].iter().all(|&s| s == 0),
            "silence after the last turn"
        );
    }

    #[test]
    fn any_slice_equals_the_same_slice_of_the_whole() {
        let rec = Recording::new(9, 2, &[turn(Speaker::Contact, 0.2, 1.7)]);
        let whole = rec.read(0, rec.len());
        for (a, b) in [
            (0, 1),
            (0, 44),
            (43, 47),
            (44, 45),
            (1_000, 9_999),
            (whole.len() as u64 - 3, whole.len() as u64 + 10),
        ] {
            let b2 = b.min(whole.len() as u64);
            assert_eq!(rec.read(a, b), whole[a as usize..b2 as usize], "[{a}, {b})");
        }
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        use RangeRequest::*;
        let n = 1_000;
        assert_eq!(parse_range(None, n), Whole);
        assert_eq!(parse_range(Some("bytes=0-1"), n), Partial(0, 1));
        assert_eq!(parse_range(Some("bytes=0-"), n), Partial(0, 999));
        assert_eq!(parse_range(Some("bytes=990-5000"), n), Partial(990, 999));
        assert_eq!(parse_range(Some("bytes=-100"), n), Partial(900, 999));
        assert_eq!(parse_range(Some("bytes=-5000"), n), Partial(0, 999));
        assert_eq!(parse_range(Some("bytes=1000-"), n), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=1000-1001"), n), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), n), Unsatisfiable);
        for ignored in [
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=+1-2",
        ] {
            assert_eq!(parse_range(Some(ignored), n), Whole, "{ignored}");
        }
    }
}
