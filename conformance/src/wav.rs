//! Reading a WAV file as far as a conformance check needs: the RIFF and data sizes against the
//! bytes received, the format fields consistent with each other, and the duration they give.

/// What a well-formed WAV says of itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wav {
    /// Samples a second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Bits a sample.
    pub bits: u16,
    /// Bytes of audio (the `data` chunk).
    pub data_len: u32,
    /// `data_len` over the byte rate.
    pub duration_sec: f64,
}

/// The little-endian `u16` at `i`, if the bytes are there.
pub(crate) fn le16(b: &[u8], i: usize) -> Option<u16> {
    b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

/// The little-endian `u32` at `i`, if the bytes are there.
pub(crate) fn le32(b: &[u8], i: usize) -> Option<u32> {
    b.get(i..i + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Parses `b`; `Err` says what is wrong, in words.
pub fn parse(b: &[u8]) -> Result<Wav, String> {
    if b.get(0..4) != Some(b"RIFF") || b.get(8..12) != Some(b"WAVE") {
        return Err("not a RIFF/WAVE file".to_owned());
    }
    let riff = le32(b, 4).unwrap_or(0) as usize;
    if riff + 8 != b.len() {
        return Err(format!(
            "the RIFF size says {} bytes, {} came",
            riff + 8,
            b.len()
        ));
    }
    let mut at = 12;
    let mut fmt = None;
    let mut data = None;
    while at + 8 <= b.len() {
        let id = &b[at..at + 4];
        let len = le32(b, at + 4).unwrap_or(0) as usize;
        let body = at + 8;
        if id == b"fmt " {
            fmt = Some(body);
        } else if id == b"data" {
            if body + len > b.len() {
                return Err(format!(
                    "the data chunk says {len} bytes, {} follow it",
                    b.len() - body
                ));
            }
            data = Some(len);
        }
        at = body + len + (len % 2);
    }
    let (Some(f), Some(data_len)) = (fmt, data) else {
        return Err("no fmt or no data chunk".to_owned());
    };
    let channels = le16(b, f + 2).unwrap_or(0);
    let sample_rate = le32(b, f + 4).unwrap_or(0);
    let byte_rate = le32(b, f + 8).unwrap_or(0);
    let block_align = le16(b, f + 12).unwrap_or(0);
    let bits = le16(b, f + 14).unwrap_or(0);
    let frame = u32::from(channels) * u32::from(bits) / 8;
    if channels == 0 || sample_rate == 0 || frame == 0 {
        return Err("the format chunk has no channels, rate or sample size".to_owned());
    }
    if byte_rate != sample_rate * frame || u32::from(block_align) != frame {
        return Err(format!(
            "the format fields disagree: byte rate {byte_rate}, block align {block_align} for \
             {sample_rate} Hz, {channels} channel(s), {bits} bits"
        ));
    }
    Ok(Wav {
        sample_rate,
        channels,
        bits,
        data_len: data_len as u32,
        duration_sec: f64::from(data_len as u32) / f64::from(byte_rate),
    })
}

/// A 44-byte-header WAV of `rate` Hz, 16-bit mono PCM, with `data` bytes of silence (for tests).
#[cfg(test)]
pub(crate) fn silence(rate: u32, data: usize) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data as u32).to_le_bytes());
    b.resize(44 + data, 0);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(rate: u32, samples: u32) -> Vec<u8> {
        silence(rate, samples as usize * 2)
    }

    #[test]
    fn duration_comes_from_the_data_and_the_byte_rate() {
        let w = parse(&wav(8_000, 24_000)).unwrap();
        assert_eq!((w.sample_rate, w.channels, w.bits), (8_000, 1, 16));
        assert!((w.duration_sec - 3.0).abs() < 1e-9);
    }

    #[test]
    fn sizes_that_disagree_with_the_bytes_are_named() {
        let mut b = wav(8_000, 100);
        b.pop();
        assert!(parse(&b).unwrap_err().contains("RIFF size"));
        let mut b = wav(8_000, 100);
        b[28] ^= 1; // byte rate
        assert!(parse(&b).unwrap_err().contains("disagree"));
        assert!(parse(b"hello").is_err());
    }
}
