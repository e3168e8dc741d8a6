//! The two mixers every derived value of the mock and the runner is made with, written once so
//! that the seeds they derive can never disagree: SplitMix64 over numbers and FNV-1a over labels.
//!
//! Both are tiny and fully specified. std's `DefaultHasher` is deliberately not used: its
//! algorithm is unspecified and may change between Rust releases, which would silently reshuffle
//! every seeded workspace and every generated case.

/// FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// SplitMix64's finaliser over `a ^ (b + golden ratio)`: a bijection in `a` for a fixed `b`
/// (and in `b` for a fixed `a`) that scatters nearby inputs. `mix(0, x)` is SplitMix64 of `x`.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over `bytes`: a stable, specified hash for labels and keys.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// A uniform draw in `[0, 1)` from the top 53 bits of `x`.
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden values: a change here reshuffles every seeded workspace and generated case.
    #[test]
    fn the_mixers_are_pinned() {
        assert_eq!(mix(0, 0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(fnv1a(b""), FNV_OFFSET);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert!((0.0..1.0).contains(&unit(u64::MAX)));
        assert_eq!(unit(0), 0.0);
    }
}
