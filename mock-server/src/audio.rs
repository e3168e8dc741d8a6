//! Recording audio: RIFF/WAVE, 8 kHz, 16-bit, mono PCM, derived from the call's seed.
//!
//! The audio is synthesised, never stored: a tone per speaker with silence between, so a player
//! shows a real waveform and the file's duration is exactly the call's `durationSec`.

/// Samples per second.
pub(crate) const SAMPLE_RATE: u32 = 8_000;
/// Bytes of the canonical WAV header.
pub(crate) const HEADER_LEN: u64 = 44;

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

/// Sample `n` of a recording: alternating speaker tones in 4-second turns with half a second of
/// silence between them; the pitch of each speaker depends on the seed.
fn sample(seed: u64, n: u64) -> i16 {
    let t = n % (u64::from(SAMPLE_RATE) * 9 / 2);
    let turn = n / (u64::from(SAMPLE_RATE) * 9 / 2);
    if t >= u64::from(SAMPLE_RATE) * 4 {
        return 0;
    }
    let base = 180.0 + (seed % 60) as f64;
    let freq = if turn.is_multiple_of(2) {
        base
    } else {
        base * 1.5
    };
    let x = (n as f64) * freq * std::f64::consts::TAU / f64::from(SAMPLE_RATE);
    (x.sin() * 6_000.0) as i16
}

/// The whole file in memory.
pub(crate) fn wav_bytes(seed: u64, duration_sec: u32) -> Vec<u8> {
    let samples = u64::from(duration_sec) * u64::from(SAMPLE_RATE);
    let data_len = u32::try_from(samples * 2).unwrap_or(u32::MAX - 44);
    let mut out = Vec::with_capacity(HEADER_LEN as usize + data_len as usize);
    out.extend_from_slice(&header(data_len));
    for n in 0..samples {
        out.extend_from_slice(&sample(seed, n).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout_matches_the_canonical_wav() {
        let bytes = wav_bytes(7, 3);
        assert_eq!(bytes.len() as u64, file_len(3));
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
            bytes.len() - 8
        );
        assert_eq!(
            u32::from_le_bytes(bytes[40..44].try_into().unwrap()),
            48_000
        );
    }
}
