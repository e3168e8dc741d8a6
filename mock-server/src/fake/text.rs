//! Small text helpers of the generators: picking from a table, first names, clipping to a
//! character limit.

use rand::seq::IndexedRandom as _;

use super::Rng;

/// Picks one element of a constant table; `fallback` only if the table is empty (never, for
/// the tables in this crate, which the tests check).
pub(crate) fn pick<'a>(rng: &mut Rng, items: &[&'a str], fallback: &'a str) -> &'a str {
    items.choose(rng).copied().unwrap_or(fallback)
}

/// The first name in a display name: `"Maria Lopez"` → `"Maria"`, `"Ava — Inbound Sales"` →
/// `"Ava"`, and for the "Last, First" form common in CSV exports, `"Chen, Wei"` → `"Wei"`.
/// Empty when the name has no word.
pub(crate) fn first_name(full: &str) -> &str {
    full.split_once(',')
        .and_then(|(_, given)| first_word(given))
        .or_else(|| first_word(full))
        .unwrap_or("")
}

/// The first word of `s`, words being separated by whitespace, em dashes and commas.
fn first_word(s: &str) -> Option<&str> {
    s.split(|c: char| c.is_whitespace() || c == '—' || c == ',')
        .find(|w| !w.is_empty())
}

/// `s` cut to at most `max` characters (not bytes), on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Owned [`clip`].
pub(super) fn clipped(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => {
            let mut s = s;
            s.truncate(i);
            s
        }
        None => s,
    }
}
