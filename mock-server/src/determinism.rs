//! Where every random draw of the mock comes from: (root seed, workspace, purpose, index).
//!
//! The mock promises that the same seed gives the same data on every machine and in every run,
//! and that one key's traffic never changes another key's data. So nothing draws from the
//! clock, the thread RNG or one stream shared by the whole simulation: each value is derived from
//! the root seed, the workspace's key, a purpose label and an index with the mixers of
//! [`spec::derive`] (SplitMix64 and FNV-1a, shared with the runner), and an RNG, when one is
//! needed, is seeded from such a derivation ([`rng_for`]).
//!
//! Deriving per (purpose, index) rather than drawing everything from one stream also means that
//! adding a tenth agent does not change the contacts, and that a call's transcript can be rebuilt
//! on demand from its own seed.

use rand::SeedableRng as _;
pub(crate) use spec::derive::{fnv1a, mix, unit};

/// The RNG every generator of the mock uses: ChaCha8, seeded explicitly, never from entropy.
pub(crate) type Rng = rand_chacha::ChaCha8Rng;

/// FNV-1a over a string: a workspace's key, a label.
pub(crate) fn hash_str(s: &str) -> u64 {
    fnv1a(s.as_bytes())
}

/// The seed of everything about the workspace of `key`: the root seed mixed with the key.
pub(crate) fn workspace_seed(seed: u64, key: &str) -> u64 {
    mix(seed, hash_str(key))
}

/// One value for `purpose` number `index` of a workspace whose seed is `ws_seed`.
pub(crate) fn draw(ws_seed: u64, purpose: &str, index: u64) -> u64 {
    mix(mix(ws_seed, hash_str(purpose)), index)
}

/// Whether an event of probability `p` happens, for `purpose` number `index` of a workspace.
pub(crate) fn chance(ws_seed: u64, purpose: &str, index: u64, p: f64) -> bool {
    p > 0.0 && unit(draw(ws_seed, purpose, index)) < p
}

/// Derives an independent RNG from a `seed`, a purpose label (`stream`) and an `index`.
///
/// The 256-bit ChaCha key is built from the mixed seed, the FNV-1a hash of the label, the mixed
/// index and a word that mixes all three, each written little-endian so that the key is the
/// same on every platform. Because the first and third words are bijections of `seed` and
/// `index`, two different seeds (or indices) never share a key for the same label.
pub(crate) fn rng_for(seed: u64, stream: &str, index: u64) -> Rng {
    let a = mix(0, seed);
    let b = hash_str(stream);
    let c = mix(0, index ^ 0x5ca1_ab1e_0dd5_eed5);
    let d = mix(0, a ^ b.rotate_left(21) ^ c.rotate_left(42));
    let mut key = [0u8; 32];
    for (chunk, word) in key.chunks_exact_mut(8).zip([a, b, c, d]) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    Rng::from_seed(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ_by_workspace_purpose_and_index_and_repeat_exactly() {
        let a = workspace_seed(42, "va_test_0123456789abcdef");
        let b = workspace_seed(42, "va_other_0123456789abcdef");
        assert_ne!(a, b);
        assert_eq!(draw(a, "delivery", 1), draw(a, "delivery", 1));
        assert_ne!(draw(a, "delivery", 1), draw(a, "delivery", 2));
        assert_ne!(draw(a, "delivery", 1), draw(a, "duplicate", 1));
        assert_ne!(draw(a, "delivery", 1), draw(b, "delivery", 1));
        assert!(!chance(a, "x", 1, 0.0));
        assert!(chance(a, "x", 1, 1.0));
    }
}
