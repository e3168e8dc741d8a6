//! Opaque, prefixed identifiers (spec/DECISIONS.md, D-IDS).
//!
//! An id is `<prefix><tag><seq>`: the resource's prefix (`agt_`), the six-character tag of the
//! workspace that owns it, and the resource's sequence number in that workspace as six base-62
//! digits. Clients must treat ids as opaque; inside the mock the layout buys three things:
//!
//! - Isolation by construction: two workspaces never share an id, so key B asking for key A's
//!   agent gets a 404 rather than its own agent that happens to have the same number.
//! - O(1) lookup: decoding an id gives the slot in the workspace's vector; no hash map per kind.
//! - Order for free: base-62 digits in ASCII order (`0-9A-Za-z`) make the string order of ids equal
//!   to creation order, which is the tie-break of every list (D-LIST).
//!
//! The signed recording URL carries only a call id, and the tag in it finds the owning workspace.

use spec::rules::id_prefixes;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Length of the workspace tag inside every id.
pub(crate) const TAG_LEN: usize = 6;
/// Length of the sequence part: 62^6 is about 5.7e10, comfortably above `u32::MAX`.
const SEQ_LEN: usize = 6;

/// The kinds of resource that have ids. Events and campaigns are minted by the call lifecycle
/// simulation (webhooks); until it lands they are only named here.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// `call_`
    Call,
    /// `agt_`
    Agent,
    /// `pn_`
    PhoneNumber,
    /// `ct_`
    Contact,
    /// `cl_`
    ContactList,
    /// `evt_`
    Event,
    /// `cmp_`
    Campaign,
}

impl Kind {
    /// The id prefix of this kind, underscore included: the contract's (D-IDS), which the runner
    /// uses to make up ids too.
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Kind::Call => id_prefixes::CALL,
            Kind::Agent => id_prefixes::AGENT,
            Kind::PhoneNumber => id_prefixes::PHONE_NUMBER,
            Kind::Contact => id_prefixes::CONTACT,
            Kind::ContactList => id_prefixes::CONTACT_LIST,
            Kind::Event => id_prefixes::EVENT,
            Kind::Campaign => id_prefixes::CAMPAIGN,
        }
    }

    /// The resource name used in error details (`{"resource": "agent"}`).
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Agent => "agent",
            Kind::PhoneNumber => "phone number",
            Kind::Contact => "contact",
            Kind::ContactList => "contact list",
            Kind::Event => "event",
            Kind::Campaign => "campaign",
        }
    }
}

/// Derives a workspace's tag from a 64-bit hash of its key and the seed.
pub(crate) fn tag_from_hash(mut h: u64) -> String {
    let mut out = String::with_capacity(TAG_LEN);
    for _ in 0..TAG_LEN {
        out.push(ALPHABET[(h % 62) as usize] as char);
        h /= 62;
    }
    out
}

/// Formats the id of resource `seq` of `kind` in the workspace tagged `tag`.
pub(crate) fn encode(kind: Kind, tag: &str, seq: u32) -> Id {
    let mut digits = [b'0'; SEQ_LEN];
    let mut n = u64::from(seq);
    for d in digits.iter_mut().rev() {
        *d = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    let prefix = kind.prefix().as_bytes();
    let len = prefix.len() + tag.len() + SEQ_LEN;
    if tag.len() != TAG_LEN {
        // Tags are always TAG_LEN long (made so, and checked on import); stay correct anyway.
        let mut out = String::with_capacity(len);
        out.push_str(kind.prefix());
        out.push_str(tag);
        out.extend(digits.iter().map(|&b| b as char));
        return Id(IdRepr::Heap(out));
    }
    let mut buf = [0u8; MAX_ID_LEN];
    buf[..prefix.len()].copy_from_slice(prefix);
    buf[prefix.len()..prefix.len() + TAG_LEN].copy_from_slice(tag.as_bytes());
    buf[prefix.len() + TAG_LEN..len].copy_from_slice(&digits);
    Id(IdRepr::Inline {
        buf,
        len: len as u8,
    })
}

/// The longest id: the longest prefix (`call_`), the tag and the sequence digits.
const MAX_ID_LEN: usize = id_prefixes::MAX_LEN + TAG_LEN + SEQ_LEN;

/// A formatted id, on the stack: a call detail renders four ids and a list page dozens, and a
/// `String` each was a measurable share of their allocations. Serialises and displays as the
/// text.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Id(IdRepr);

#[derive(Clone, PartialEq, Eq)]
enum IdRepr {
    Inline { buf: [u8; MAX_ID_LEN], len: u8 },
    Heap(String),
}

impl Id {
    /// The id's text.
    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            // Written from a prefix, a tag and base-62 digits; a tag is text.
            IdRepr::Inline { buf, len } => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default()
            }
            IdRepr::Heap(s) => s,
        }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Splits an id of `kind` into its tag and sequence number; `None` for anything that is not
/// exactly an id of that kind (wrong prefix, length, alphabet, or a sequence beyond `u32`).
pub(crate) fn decode(kind: Kind, id: &str) -> Option<(&str, u32)> {
    let rest = id.strip_prefix(kind.prefix())?;
    if rest.len() != TAG_LEN + SEQ_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (tag, digits) = rest.split_at(TAG_LEN);
    let mut n: u64 = 0;
    for b in digits.bytes() {
        n = n * 62 + u64::from(digit_value(b)?);
    }
    u32::try_from(n).ok().map(|seq| (tag, seq))
}

fn digit_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'Z' => Some(b - b'A' + 10),
        b'a'..=b'z' => Some(b - b'a' + 36),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_with_prefix_tag_and_fixed_width_sequence() {
        assert_eq!(encode(Kind::Agent, "AbC123", 0), "agt_AbC123000000");
        assert_eq!(encode(Kind::Call, "AbC123", 61), "call_AbC12300000z");
        assert_eq!(encode(Kind::Call, "AbC123", 62), "call_AbC123000010");
        assert_eq!(encode(Kind::Call, "long_tag", 62), "call_long_tag000010");
    }

    #[test]
    fn rejects_other_kinds_lengths_and_characters() {
        let id = encode(Kind::Agent, "AbC123", 7);
        let id = id.as_str();
        assert_eq!(decode(Kind::Agent, id), Some(("AbC123", 7)));
        assert_eq!(decode(Kind::Call, id), None);
        assert_eq!(decode(Kind::Agent, &format!("{id}0")), None);
        assert_eq!(decode(Kind::Agent, "agt_AbC123/00007"), None);
        assert_eq!(decode(Kind::Agent, "agt_AbC123zzzzzz"), None, "beyond u32");
        assert_eq!(decode(Kind::Agent, "agt_AbC12300000é"), None);
    }

    #[test]
    fn tags_have_fixed_length_and_alphabet() {
        for h in [0, 1, u64::MAX, 0xdead_beef] {
            let t = tag_from_hash(h);
            assert_eq!(t.len(), TAG_LEN);
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
    }

    proptest! {
        #[test]
        fn round_trips_and_string_order_is_sequence_order(a in any::<u32>(), b in any::<u32>()) {
            let (ia, ib) = (encode(Kind::Contact, "tagtag", a), encode(Kind::Contact, "tagtag", b));
            prop_assert_eq!(decode(Kind::Contact, ia.as_str()), Some(("tagtag", a)));
            prop_assert_eq!(ia.as_str().cmp(ib.as_str()), a.cmp(&b));
        }
    }
}
