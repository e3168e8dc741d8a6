//! Appending JSON values to a byte buffer by hand, byte-identical to `serde_json`'s compact output.
//!
//! Why: the call detail is the hottest response, and serialising its dozen plain fields through
//! serde (every key and every value escaped byte by byte, ids and timestamps checked as UTF-8
//! again) cost more than everything else in building it. Keys here are literals written by the
//! caller; values go through these helpers, which copy a string as is when it holds nothing
//! `serde_json` would escape, and hand it to `serde_json` otherwise.

/// Whether `serde_json` writes `s` between quotes unchanged: it escapes only `"`, `\` and
/// control characters below U+0020. Checked eight bytes at a time (a recording URL is close to
/// 200 bytes): a word has a byte below 0x20, or equal to one of the two, exactly when the classic
/// "has a byte less than n" / "has a zero byte" bit tricks say so.
fn plain(s: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS != 0;
    let bytes = s.as_bytes();
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let below_space = v.wrapping_sub(ONES * 0x20) & !v & HIGHS != 0;
        if below_space
            || has_zero(v ^ (ONES * u64::from(b'"')))
            || has_zero(v ^ (ONES * u64::from(b'\\')))
        {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// Appends `s` as a JSON string.
pub(crate) fn str(out: &mut Vec<u8>, s: &str) {
    if plain(s) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing to a `Vec` cannot fail, and a `str` always serialises.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Appends `s` as a JSON string, or `null`.
pub(crate) fn opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends an unsigned integer.
pub(crate) fn uint(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `true` or `false`.
pub(crate) fn bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_match_serde_json() {
        let cases = [
            "",
            "call_AbC123000001",
            "+14155550123",
            "a\"b",
            "back\\slash",
            "tab\there",
            "nl\n",
            "\u{1}\u{1f}",
            "\u{7f}",
            "é ü — 日本",
            "http://h:1/p?x=1&y=\"",
            " ",
        ];
        for s in cases {
            let mut out = Vec::new();
            str(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
            let mut out = Vec::new();
            opt_str(&mut out, Some(s));
            assert_eq!(out, serde_json::to_vec(&Some(s)).unwrap(), "{s:?}");
        }
        let mut out = Vec::new();
        opt_str(&mut out, None);
        assert_eq!(out, b"null");
    }

    #[test]
    fn plain_finds_every_byte_that_needs_escaping_at_every_position() {
        for len in 0..20 {
            for pos in 0..len {
                for special in (0u8..0x20).chain([b'"', b'\\']) {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = special;
                    let s = std::str::from_utf8(&bytes).unwrap();
                    assert!(!plain(s), "{s:?}");
                }
                for ok in [b' ', b'!', b'#', b'[', b']', 0x7f, b'~', b'0'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = ok;
                    assert!(plain(std::str::from_utf8(&bytes).unwrap()));
                }
            }
        }
        assert!(plain("é ü — 日本 and more than eight bytes"));
    }

    #[test]
    fn numbers_and_booleans_match_serde_json() {
        for n in [0, 1, 59, 3_600, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            uint(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
        for b in [true, false] {
            let mut out = Vec::new();
            bool(&mut out, b);
            assert_eq!(out, serde_json::to_vec(&b).unwrap());
        }
    }
}
