//! The request journal behind `GET /_mock/requests`: what clients actually sent.
//!
//! Integrators use a mock to check their own client, so they need to see the requests it made:
//! the method and path, the headers, the body, and what the mock answered. The journal keeps the
//! most recent requests in a ring buffer of fixed capacity. It never grows without bound, on
//! purpose: WireMock's journal is unbounded and runs out of memory under load tests, and a mock
//! that falls over under load is worse than one that forgets old requests. When the buffer is full
//! the oldest entry is dropped; sequence numbers keep increasing, so a client polling with
//! `since_seq` can tell from a gap that it missed entries.
//!
//! # Cost
//!
//! Recording runs on every request (the mock is meant to take ~20k requests a second), so it is a
//! push onto a [`VecDeque`] under a [`parking_lot::Mutex`] held for nothing else: the entry is
//! built and boxed into its [`Arc`] before the lock, and an evicted entry is freed after it.
//! Entries are immutable once recorded and shared as `Arc<JournalEntry>`, so a query copies
//! pointers under the lock (only those newer than `since_seq`, found by binary search because
//! sequence numbers are sorted) and filters, counts and pages after releasing it. A query never
//! holds up recording for longer than that copy.
//!
//! # What is kept
//!
//! The journal stores what it is given; the HTTP layer builds entries with the helpers here so
//! that the rules live in one place. A request's path, query and headers are copied raw, in one
//! allocation, by [`Received::capture`], and turned into text only when the journal is read:
//! most entries are never read, and converting every header to a `String` (and redacting the
//! credentials) on every request cost more than the rest of the journal together. When shown,
//! [`redact_authorization`] hides all but the last four characters of a bearer key in
//! `Authorization` and `Proxy-Authorization`, and invalid UTF-8 is replaced. [`capture_body`]
//! keeps the first [`MAX_BODY_BYTES`] of a body as text. The `key` field does hold the full API
//! key: this is a local development tool, and users filter by the key they configured, so the
//! key is not a secret from them.

// The rest of the crate, written concurrently, does not use every item here yet; the tests do,
// so test builds still catch real dead code.
#![cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "the server modules are still adopting this API; remove once they do"
    )
)]

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use http::Method;
use parking_lot::Mutex;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

/// How much of a request body the journal keeps: 8 KiB.
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024;

/// One received request and the mock's answer to it. Serialised (camelCase) as the control API
/// shows it; see [`JournalEntry::serialize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JournalEntry {
    /// Position in the journal, assigned by [`Journal::record`]: strictly increasing from 1.
    pub(crate) seq: u64,
    /// The `X-Request-Id` the mock answered with.
    pub(crate) request_id: RequestId,
    /// The virtual clock at receipt, in Unix milliseconds; shown as RFC 3339. Formatted when the
    /// journal is read, not on every request (most entries are never read).
    pub(crate) at: i64,
    /// The request method, as received.
    pub(crate) method: Method,
    /// The path, query and headers as received.
    pub(crate) received: Received,
    /// The contract operation the request was routed to, if it matched one.
    pub(crate) operation_id: Option<&'static str>,
    /// The API key used, if any, in full (see the module documentation).
    pub(crate) key: Option<Box<str>>,
    /// The response status.
    pub(crate) status: u16,
    /// Time from receipt to response, in microseconds.
    pub(crate) duration_us: u64,
    /// The first [`MAX_BODY_BYTES`] of the body as text; `None` when the body was empty.
    pub(crate) request_body: Option<String>,
    /// Whether the body was longer than what `request_body` holds.
    pub(crate) request_body_truncated: bool,
    /// The `error` code of an error response, if any.
    pub(crate) error_code: Option<&'static str>,
}

impl JournalEntry {
    /// The path as received, without the query.
    pub(crate) fn path(&self) -> &str {
        self.received.path()
    }
}

impl Serialize for JournalEntry {
    /// The control API's entry: the fields in declaration order, camelCase, with the time as
    /// RFC 3339 and the headers as `[name, value]` pairs of text, credentials redacted.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut e = s.serialize_struct("JournalEntry", 14)?;
        e.serialize_field("seq", &self.seq)?;
        e.serialize_field("requestId", &self.request_id)?;
        e.serialize_field("at", &crate::clock::Timestamp::from_ms(self.at))?;
        e.serialize_field("method", self.method.as_str())?;
        e.serialize_field("path", self.received.path())?;
        e.serialize_field("query", &self.received.query())?;
        e.serialize_field("operationId", &self.operation_id)?;
        e.serialize_field("key", &self.key)?;
        e.serialize_field("status", &self.status)?;
        e.serialize_field("durationUs", &self.duration_us)?;
        e.serialize_field("requestHeaders", &ShownHeaders(&self.received))?;
        e.serialize_field("requestBody", &self.request_body)?;
        e.serialize_field("requestBodyTruncated", &self.request_body_truncated)?;
        e.serialize_field("errorCode", &self.error_code)?;
        e.end()
    }
}

/// A request id: the server's own, kept as its number until shown, or the client's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestId {
    /// `req_` and the number zero-padded to ten digits.
    Seq(u64),
    /// The client's `X-Request-Id`.
    Given(Box<str>),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Seq(n) => write!(f, "req_{n:010}"),
            RequestId::Given(id) => f.write_str(id),
        }
    }
}

impl Serialize for RequestId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The path, query and headers of a request, copied raw into one buffer:
/// the path, then the query, then per header its name's and value's lengths (4 bytes each,
/// little-endian) and bytes. Decoded and made presentable only when shown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Received {
    bytes: Box<[u8]>,
    /// End of the path in `bytes`.
    path_end: u32,
    /// End of the query, if there was one.
    query_end: Option<u32>,
}

impl Received {
    /// Copies `path`, `query` and the headers `headers()` yields (in that order); it is called
    /// twice, to size the buffer first.
    pub(crate) fn new<'h, I: Iterator<Item = (&'h str, &'h [u8])>>(
        path: &str,
        query: Option<&str>,
        headers: impl Fn() -> I,
    ) -> Received {
        let query_len = query.map_or(0, str::len);
        let headers_len: usize = headers().map(|(n, v)| 8 + n.len() + v.len()).sum();
        let mut bytes = Vec::with_capacity(path.len() + query_len + headers_len);
        bytes.extend_from_slice(path.as_bytes());
        let path_end = bytes.len() as u32;
        let query_end = query.map(|q| {
            bytes.extend_from_slice(q.as_bytes());
            bytes.len() as u32
        });
        for (name, value) in headers() {
            bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&(value.len() as u32).to_le_bytes());
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(value);
        }
        Received {
            bytes: bytes.into_boxed_slice(),
            path_end,
            query_end,
        }
    }

    /// Copies the path and query of `uri` and every header of `headers`, in received order.
    pub(crate) fn capture(uri: &http::Uri, headers: &http::HeaderMap) -> Received {
        Received::new(uri.path(), uri.query(), || {
            headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes()))
        })
    }

    /// The path without the query.
    pub(crate) fn path(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.path_end as usize]).unwrap_or_default()
    }

    /// The raw query without the `?`, if there was one.
    pub(crate) fn query(&self) -> Option<&str> {
        let end = self.query_end? as usize;
        std::str::from_utf8(&self.bytes[self.path_end as usize..end]).ok()
    }

    /// The headers as received: name (lowercase) and raw value.
    pub(crate) fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let start = self.query_end.unwrap_or(self.path_end) as usize;
        let mut rest = &self.bytes[start..];
        std::iter::from_fn(move || {
            let (lens, tail) = rest.split_first_chunk::<8>()?;
            let name_len = u32::from_le_bytes([lens[0], lens[1], lens[2], lens[3]]) as usize;
            let value_len = u32::from_le_bytes([lens[4], lens[5], lens[6], lens[7]]) as usize;
            let (name, tail) = tail.split_at_checked(name_len)?;
            let (value, tail) = tail.split_at_checked(value_len)?;
            rest = tail;
            Some((std::str::from_utf8(name).unwrap_or_default(), value))
        })
    }

    /// The headers as the journal shows them: text (invalid UTF-8 replaced), with
    /// `Authorization` and `Proxy-Authorization` passed through [`redact_authorization`].
    pub(crate) fn shown_headers(&self) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
        self.headers().map(|(name, value)| {
            let text = String::from_utf8_lossy(value);
            let shown = if name == http::header::AUTHORIZATION.as_str()
                || name == http::header::PROXY_AUTHORIZATION.as_str()
            {
                Cow::Owned(redact_authorization(&text))
            } else {
                text
            };
            (name, shown)
        })
    }
}

/// [`Received::shown_headers`] as a JSON array of `[name, value]` pairs.
struct ShownHeaders<'a>(&'a Received);

impl Serialize for ShownHeaders<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for (name, value) in self.0.shown_headers() {
            seq.serialize_element(&(name, value))?;
        }
        seq.end()
    }
}

/// A status filter: one code (`404`) or a class (`4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusFilter {
    /// Exactly this code.
    Exact(u16),
    /// Any code whose first digit is this (1 to 5).
    Class(u8),
}

impl StatusFilter {
    /// Parses `"404"` (a code from 100 to 599) or `"4xx"` (any case, class 1 to 5). Anything else,
    /// including signs, spaces and extra digits, is `None`, so the API can answer 400 rather than
    /// silently match nothing.
    pub(crate) fn parse(s: &str) -> Option<StatusFilter> {
        match s.as_bytes() {
            [class @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => {
                Some(StatusFilter::Class(class - b'0'))
            }
            [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9'] => Some(StatusFilter::Exact(
                u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'),
            )),
            _ => None,
        }
    }

    /// Whether `status` passes this filter.
    pub(crate) fn matches(self, status: u16) -> bool {
        match self {
            StatusFilter::Exact(code) => status == code,
            StatusFilter::Class(class) => status / 100 == u16::from(class),
        }
    }
}

/// Which entries a query returns. Every criterion that is set must hold; the default matches
/// everything but has a `limit` of 0, so callers always choose a page size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct JournalFilter {
    /// The API key, exactly.
    pub(crate) key: Option<String>,
    /// The method, ignoring ASCII case.
    pub(crate) method: Option<String>,
    /// The path exactly, or every path starting with what precedes a trailing `*`.
    pub(crate) path: Option<String>,
    /// The status code or class.
    pub(crate) status: Option<StatusFilter>,
    /// The operation id, exactly.
    pub(crate) operation_id: Option<String>,
    /// Only entries with `seq` greater than this (for polling).
    pub(crate) since_seq: Option<u64>,
    /// At most this many entries in [`JournalPage::data`], newest first. `total` and `counts`
    /// cover every match regardless, so a limit of 0 asks for counts only.
    pub(crate) limit: usize,
}

impl JournalFilter {
    /// Whether `entry` passes every criterion that is set.
    pub(crate) fn matches(&self, entry: &JournalEntry) -> bool {
        self.since_seq.is_none_or(|since| entry.seq > since)
            && self
                .key
                .as_deref()
                .is_none_or(|key| entry.key.as_deref() == Some(key))
            && self
                .method
                .as_deref()
                .is_none_or(|method| entry.method.as_str().eq_ignore_ascii_case(method))
            && self
                .path
                .as_deref()
                .is_none_or(|path| match path.strip_suffix('*') {
                    Some(prefix) => entry.path().starts_with(prefix),
                    None => entry.path() == path,
                })
            && self
                .status
                .is_none_or(|status| status.matches(entry.status))
            && self
                .operation_id
                .as_deref()
                .is_none_or(|op| entry.operation_id == Some(op))
    }
}

/// Tallies over every entry that matched a query, not only the returned page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JournalCounts {
    /// Matches per status code, keyed by the code as text (`"200"`).
    pub(crate) by_status: BTreeMap<String, usize>,
    /// Matches per method, as received.
    pub(crate) by_method: BTreeMap<String, usize>,
    /// Matches per operation id; requests that matched no operation are not counted here.
    pub(crate) by_operation: BTreeMap<String, usize>,
}

/// The answer to a query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JournalPage {
    /// Matching entries, newest first, at most the filter's `limit`. Shared with the journal, so
    /// a page costs pointers, not copies of headers and bodies.
    #[serde(serialize_with = "serialize_entries")]
    pub(crate) data: Vec<Arc<JournalEntry>>,
    /// How many entries in the buffer matched.
    pub(crate) total: usize,
    /// Tallies over all the matches.
    pub(crate) counts: JournalCounts,
}

/// Serializes shared entries as plain entries; serde's own `Arc` support needs its `rc` feature,
/// which the workspace does not enable.
fn serialize_entries<S: Serializer>(
    entries: &[Arc<JournalEntry>],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(entries.iter().map(|entry| &**entry))
}

/// The buffer and the next sequence number, changed together under one lock.
#[derive(Debug)]
struct Ring {
    /// Recorded entries, oldest first, so `seq` increases from front to back.
    entries: VecDeque<Arc<JournalEntry>>,
    /// The `seq` the next recorded entry gets.
    next_seq: u64,
}

/// A bounded, thread-safe journal of recent requests. `Send + Sync`; share it through an `Arc`.
#[derive(Debug)]
pub(crate) struct Journal {
    /// The most entries kept; 0 disables recording.
    capacity: usize,
    /// The ring, held only to push, pop, clear or copy pointers.
    ring: Mutex<Ring>,
}

impl Journal {
    /// A journal keeping the `capacity` most recent requests; a capacity of 0 records nothing.
    /// Memory grows with use up to the capacity; nothing is reserved up front.
    pub(crate) fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            ring: Mutex::new(Ring {
                entries: VecDeque::new(),
                next_seq: 1,
            }),
        }
    }

    /// The most entries kept.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Records `entry`, overwriting its `seq` with the next sequence number, which it returns. When
    /// the journal is full the oldest entry is dropped. With a capacity of 0 nothing is recorded
    /// and the return value is 0, which is never a real sequence number.
    pub(crate) fn record(&self, entry: JournalEntry) -> u64 {
        if self.capacity == 0 {
            return 0;
        }
        // Allocate before taking the lock; only the sequence number needs it.
        let mut entry = Arc::new(entry);
        let (seq, evicted) = {
            let mut ring = self.ring.lock();
            let seq = ring.next_seq;
            ring.next_seq += 1;
            // The `Arc` was created just above and not shared yet, so this always succeeds.
            if let Some(unique) = Arc::get_mut(&mut entry) {
                unique.seq = seq;
            }
            ring.entries.push_back(entry);
            let evicted = if ring.entries.len() > self.capacity {
                ring.entries.pop_front()
            } else {
                None
            };
            (seq, evicted)
        };
        // Freeing an entry's strings is the most expensive part of eviction; do it unlocked.
        drop(evicted);
        seq
    }

    /// The entries matching `filter`, newest first, with their total and tallies.
    pub(crate) fn query(&self, filter: &JournalFilter) -> JournalPage {
        let candidates: Vec<Arc<JournalEntry>> = {
            let ring = self.ring.lock();
            let start = filter.since_seq.map_or(0, |since| {
                ring.entries.partition_point(|entry| entry.seq <= since)
            });
            ring.entries.range(start..).cloned().collect()
        };
        let mut page = JournalPage::default();
        for entry in candidates.into_iter().rev() {
            if !filter.matches(&entry) {
                continue;
            }
            page.total += 1;
            let counts = &mut page.counts;
            *counts
                .by_status
                .entry(entry.status.to_string())
                .or_default() += 1;
            *counts
                .by_method
                .entry(entry.method.as_str().to_owned())
                .or_default() += 1;
            if let Some(op) = entry.operation_id {
                *counts.by_operation.entry(op.to_owned()).or_default() += 1;
            }
            if page.data.len() < filter.limit {
                page.data.push(entry);
            }
        }
        page
    }

    /// Forgets every entry. Sequence numbers continue from where they were, so a client polling
    /// with `since_seq` is not confused into re-reading numbers it has seen.
    pub(crate) fn clear(&self) {
        let old = std::mem::take(&mut self.ring.lock().entries);
        drop(old);
    }

    /// How many entries are held.
    pub(crate) fn len(&self) -> usize {
        self.ring.lock().entries.len()
    }

    /// Whether no entry is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Redacts an `Authorization` value for display: a bearer token keeps its scheme, its `va_`
/// prefix if it has one, and its last four characters (`"Bearer va_abcdefghijklmnop1234"` becomes
/// `"Bearer va_…1234"`), enough to tell keys apart without revealing one. A token with fewer than
/// twelve characters after the prefix keeps no characters, since four of eleven would be too
/// much of it. Any other scheme, or a malformed value, becomes `"<redacted>"`.
pub(crate) fn redact_authorization(value: &str) -> String {
    const REDACTED: &str = "<redacted>";
    let mut parts = value.trim().splitn(2, [' ', '\t']);
    let scheme = parts.next().unwrap_or_default();
    let token = parts.next().unwrap_or_default().trim();
    // RFC 9110: the scheme is case-insensitive. A token with inner whitespace is not a token.
    if !scheme.eq_ignore_ascii_case("bearer")
        || token.is_empty()
        || token.contains(char::is_whitespace)
    {
        return REDACTED.to_owned();
    }
    let (prefix, secret) = match token.strip_prefix("va_") {
        Some(rest) => ("va_", rest),
        None => ("", token),
    };
    let chars = secret.chars().count();
    let tail: String = if chars >= 12 {
        secret.chars().skip(chars - 4).collect()
    } else {
        String::new()
    };
    format!("Bearer {prefix}…{tail}")
}

/// The journal's view of a body: the first [`MAX_BODY_BYTES`] as text and whether there was more.
/// An empty body is `None`. The cut never splits a UTF-8 character (it backs up to the start of
/// one), and invalid UTF-8 is replaced with U+FFFD, so the text is always valid.
pub(crate) fn capture_body(body: &[u8]) -> (Option<String>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    let truncated = body.len() > MAX_BODY_BYTES;
    let mut kept = &body[..body.len().min(MAX_BODY_BYTES)];
    // If the cut falls inside a character, the bytes after the last valid prefix are an
    // incomplete sequence (`error_len() == None`): drop them rather than show U+FFFD. The slice is
    // in bounds because `valid_up_to` never exceeds the length it was computed on.
    if truncated
        && let Err(error) = std::str::from_utf8(kept)
        && error.error_len().is_none()
    {
        kept = &kept[..error.valid_up_to()];
    }
    (Some(String::from_utf8_lossy(kept).into_owned()), truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(method: &str, path: &str, status: u16) -> JournalEntry {
        JournalEntry {
            seq: 0,
            request_id: RequestId::Seq(0),
            at: 0,
            method: Method::from_bytes(method.as_bytes()).unwrap(),
            received: Received::new(path, None, std::iter::empty),
            operation_id: None,
            key: None,
            status,
            duration_us: 0,
            request_body: None,
            request_body_truncated: false,
            error_code: None,
        }
    }

    fn all() -> JournalFilter {
        JournalFilter {
            limit: usize::MAX,
            ..JournalFilter::default()
        }
    }

    fn seqs(page: &JournalPage) -> Vec<u64> {
        page.data.iter().map(|entry| entry.seq).collect()
    }

    /// A journal holding a small, varied history:
    /// 1 GET /calls 200 (key a, listCalls), 2 POST /calls 201 (key a, createCall),
    /// 3 GET /calls/c_1 404 (key b, getCall, not_found), 4 get /calls/c_1 200 (key b, getCall),
    /// 5 DELETE /contacts/x 401 (no key, deleteContact), 6 GET /nowhere 404 (no key, no operation),
    /// 7 POST /calls 429 (key a, createCall, rate_limited).
    fn sample() -> Journal {
        let journal = Journal::new(100);
        let rows = [
            ("GET", "/calls", 200, Some("va_a"), Some("listCalls")),
            ("POST", "/calls", 201, Some("va_a"), Some("createCall")),
            ("GET", "/calls/c_1", 404, Some("va_b"), Some("getCall")),
            ("get", "/calls/c_1", 200, Some("va_b"), Some("getCall")),
            ("DELETE", "/contacts/x", 401, None, Some("deleteContact")),
            ("GET", "/nowhere", 404, None, None),
            ("POST", "/calls", 429, Some("va_a"), Some("createCall")),
        ];
        for (method, path, status, key, op) in rows {
            journal.record(JournalEntry {
                key: key.map(Into::into),
                operation_id: op,
                ..entry(method, path, status)
            });
        }
        journal
    }

    #[test]
    fn record_assigns_increasing_seq_from_one() {
        let journal = Journal::new(10);
        assert!(journal.is_empty());
        let with_bogus_seq = JournalEntry {
            seq: 999,
            ..entry("GET", "/calls", 200)
        };
        assert_eq!(journal.record(with_bogus_seq), 1);
        assert_eq!(journal.record(entry("GET", "/calls", 200)), 2);
        assert_eq!(journal.len(), 2);
        assert_eq!(seqs(&journal.query(&all())), [2, 1]);
    }

    #[test]
    fn full_journal_drops_the_oldest_and_seq_keeps_increasing() {
        let journal = Journal::new(3);
        for i in 0..10 {
            journal.record(entry("GET", &format!("/calls/{i}"), 200));
        }
        assert_eq!(journal.len(), 3);
        assert_eq!(journal.capacity(), 3);
        let page = journal.query(&all());
        assert_eq!(seqs(&page), [10, 9, 8]);
        assert_eq!(page.data.first().map(|e| e.path()), Some("/calls/9"));
        assert_eq!(page.total, 3);
    }

    #[test]
    fn capacity_zero_records_nothing() {
        let journal = Journal::new(0);
        assert_eq!(journal.record(entry("GET", "/calls", 200)), 0);
        assert_eq!(journal.record(entry("GET", "/calls", 200)), 0);
        assert_eq!(journal.len(), 0);
        assert_eq!(journal.query(&all()), JournalPage::default());
    }

    #[test]
    fn newest_first_and_limited_but_total_counts_everything() {
        let journal = sample();
        let page = journal.query(&JournalFilter {
            limit: 2,
            ..JournalFilter::default()
        });
        assert_eq!(seqs(&page), [7, 6]);
        assert_eq!(page.total, 7);
        let counts_only = journal.query(&JournalFilter::default());
        assert!(counts_only.data.is_empty());
        assert_eq!(counts_only.total, 7);
    }

    #[test]
    fn filters_by_key() {
        let page = sample().query(&JournalFilter {
            key: Some("va_b".to_owned()),
            ..all()
        });
        assert_eq!(seqs(&page), [4, 3]);
    }

    #[test]
    fn filters_by_method_ignoring_case() {
        let journal = sample();
        let get = |m: &str| {
            seqs(&journal.query(&JournalFilter {
                method: Some(m.to_owned()),
                ..all()
            }))
        };
        assert_eq!(get("get"), [6, 4, 3, 1]);
        assert_eq!(get("GET"), [6, 4, 3, 1]);
        assert_eq!(get("PATCH"), Vec::<u64>::new());
    }

    #[test]
    fn filters_by_exact_path_or_prefix() {
        let journal = sample();
        let path = |p: &str| {
            seqs(&journal.query(&JournalFilter {
                path: Some(p.to_owned()),
                ..all()
            }))
        };
        assert_eq!(path("/calls"), [7, 2, 1]);
        assert_eq!(path("/calls/*"), [4, 3]);
        assert_eq!(path("/calls*"), [7, 4, 3, 2, 1]);
        assert_eq!(path("*"), [7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(path("/call"), Vec::<u64>::new());
    }

    #[test]
    fn filters_by_status_code_or_class() {
        let journal = sample();
        let status = |s: &str| {
            seqs(&journal.query(&JournalFilter {
                status: StatusFilter::parse(s),
                ..all()
            }))
        };
        assert_eq!(status("404"), [6, 3]);
        assert_eq!(status("4xx"), [7, 6, 5, 3]);
        assert_eq!(status("2XX"), [4, 2, 1]);
        assert_eq!(status("500"), Vec::<u64>::new());
    }

    #[test]
    fn filters_by_operation_id() {
        let page = sample().query(&JournalFilter {
            operation_id: Some("createCall".to_owned()),
            ..all()
        });
        assert_eq!(seqs(&page), [7, 2]);
    }

    #[test]
    fn since_seq_returns_only_newer_entries() {
        let journal = sample();
        let since = |n: u64| {
            seqs(&journal.query(&JournalFilter {
                since_seq: Some(n),
                ..all()
            }))
        };
        assert_eq!(since(0), [7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(since(5), [7, 6]);
        assert_eq!(since(7), Vec::<u64>::new());
        assert_eq!(since(u64::MAX), Vec::<u64>::new());
    }

    #[test]
    fn since_seq_works_after_eviction() {
        let journal = Journal::new(3);
        for _ in 0..10 {
            journal.record(entry("GET", "/calls", 200));
        }
        let since = |n: u64| {
            seqs(&journal.query(&JournalFilter {
                since_seq: Some(n),
                ..all()
            }))
        };
        assert_eq!(since(2), [10, 9, 8]);
        assert_eq!(since(8), [10, 9]);
    }

    #[test]
    fn criteria_combine() {
        let page = sample().query(&JournalFilter {
            key: Some("va_a".to_owned()),
            method: Some("post".to_owned()),
            status: StatusFilter::parse("2xx"),
            ..all()
        });
        assert_eq!(seqs(&page), [2]);
    }

    #[test]
    fn counts_cover_all_matches_not_just_the_page() {
        let page = sample().query(&JournalFilter {
            limit: 1,
            ..JournalFilter::default()
        });
        let tally = |pairs: &[(&str, usize)]| -> BTreeMap<String, usize> {
            pairs.iter().map(|&(k, n)| (k.to_owned(), n)).collect()
        };
        assert_eq!(page.data.len(), 1);
        assert_eq!(
            page.counts,
            JournalCounts {
                by_status: tally(&[("200", 2), ("201", 1), ("401", 1), ("404", 2), ("429", 1)]),
                by_method: tally(&[("DELETE", 1), ("GET", 3), ("POST", 2), ("get", 1)]),
                by_operation: tally(&[
                    ("createCall", 2),
                    ("deleteContact", 1),
                    ("getCall", 2),
                    ("listCalls", 1)
                ]),
            }
        );
    }

    #[test]
    fn clear_empties_but_seq_continues() {
        let journal = sample();
        journal.clear();
        assert_eq!(journal.len(), 0);
        assert_eq!(journal.query(&all()).total, 0);
        assert_eq!(journal.record(entry("GET", "/calls", 200)), 8);
    }

    #[test]
    fn status_filter_parses_codes_and_classes_only() {
        let cases = [
            ("404", Some(StatusFilter::Exact(404))),
            ("100", Some(StatusFilter::Exact(100))),
            ("599", Some(StatusFilter::Exact(599))),
            ("4xx", Some(StatusFilter::Class(4))),
            ("4XX", Some(StatusFilter::Class(4))),
            ("5xX", Some(StatusFilter::Class(5))),
            ("1xx", Some(StatusFilter::Class(1))),
            ("600", None),
            ("099", None),
            ("6xx", None),
            ("0xx", None),
            ("40", None),
            ("4040", None),
            ("+404", None),
            (" 404", None),
            ("4x", None),
            ("44x", None),
            ("", None),
            ("４０４", None),
        ];
        for (input, expected) in cases {
            assert_eq!(StatusFilter::parse(input), expected, "{input:?}");
        }
        assert!(StatusFilter::Class(4).matches(499));
        assert!(!StatusFilter::Class(4).matches(500));
        assert!(StatusFilter::Exact(204).matches(204));
        assert!(!StatusFilter::Exact(204).matches(200));
    }

    #[test]
    fn redacts_authorization() {
        let cases = [
            ("Bearer va_abcdefghijklmnop1234", "Bearer va_…1234"),
            ("bearer va_abcdefghijklmnop1234", "Bearer va_…1234"),
            ("  BEARER   va_abcdefghijklmnop1234  ", "Bearer va_…1234"),
            ("Bearer va_abcdefgh9876", "Bearer va_…9876"),
            ("Bearer va_short", "Bearer va_…"),
            ("Bearer va_", "Bearer va_…"),
            ("Bearer sk_live_abcdefghijklmnop", "Bearer …mnop"),
            ("Bearer tiny", "Bearer …"),
            ("Bearer va_ééééééééééééçàüö", "Bearer va_…çàüö"),
            ("Bearer", "<redacted>"),
            ("Bearer ", "<redacted>"),
            ("Bearer a b", "<redacted>"),
            ("Bearerva_abcdefghijklmnop1234", "<redacted>"),
            ("Basic dXNlcjpwYXNzd29yZA==", "<redacted>"),
            ("va_abcdefghijklmnop1234", "<redacted>"),
            ("", "<redacted>"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_authorization(input), expected, "{input:?}");
        }
    }

    #[test]
    fn received_headers_are_shown_redacted_and_as_text() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer va_abcdefghijklmnop1234"),
        );
        headers.insert(
            http::header::PROXY_AUTHORIZATION,
            http::HeaderValue::from_static("Basic dXNlcjpwYXNz"),
        );
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers.append("x-tag", http::HeaderValue::from_static("one"));
        headers.append("x-tag", http::HeaderValue::from_static("two"));
        let invalid_utf8 = http::HeaderValue::from_bytes(b"caf\xe9");
        if let Ok(value) = invalid_utf8 {
            headers.insert("x-latin1", value);
        }
        let uri: http::Uri = "/api/v1/calls?limit=5&x=%20".parse().unwrap();
        let received = Received::capture(&uri, &headers);
        assert_eq!(received.path(), "/api/v1/calls");
        assert_eq!(received.query(), Some("limit=5&x=%20"));
        let raw: Vec<(&str, &[u8])> = received.headers().collect();
        let expected: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        assert_eq!(raw, expected, "every header, raw, in received order");
        let shown: Vec<(&str, Cow<'_, str>)> = received.shown_headers().collect();
        let get = |name: &str| -> Vec<&str> {
            shown
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_ref())
                .collect()
        };
        assert_eq!(get("authorization"), ["Bearer va_…1234"]);
        assert_eq!(get("proxy-authorization"), ["<redacted>"]);
        assert_eq!(get("content-type"), ["application/json"]);
        assert_eq!(get("x-tag"), ["one", "two"]);
        assert_eq!(get("x-latin1"), ["caf\u{fffd}"]);
    }

    #[test]
    fn received_without_query_or_headers() {
        let received = Received::new("/", None, std::iter::empty);
        assert_eq!(received.path(), "/");
        assert_eq!(received.query(), None);
        assert_eq!(received.headers().count(), 0);
        let empty_query = Received::new("/a", Some(""), std::iter::empty);
        assert_eq!(empty_query.query(), Some(""));
    }

    #[test]
    fn capture_body_keeps_the_first_8_kib() {
        assert_eq!(capture_body(b""), (None, false));
        assert_eq!(
            capture_body(b"{\"a\":1}"),
            (Some("{\"a\":1}".to_owned()), false)
        );

        let exact = vec![b'a'; MAX_BODY_BYTES];
        let (text, truncated) = capture_body(&exact);
        assert_eq!(text.map(|t| t.len()), Some(MAX_BODY_BYTES));
        assert!(!truncated);

        let long = vec![b'a'; MAX_BODY_BYTES + 1];
        let (text, truncated) = capture_body(&long);
        assert_eq!(text.map(|t| t.len()), Some(MAX_BODY_BYTES));
        assert!(truncated);
    }

    #[test]
    fn capture_body_never_splits_a_character() {
        // 8191 ASCII bytes then "é" (2 bytes): the cut at 8192 falls inside the "é".
        let mut body = vec![b'a'; MAX_BODY_BYTES - 1];
        body.extend_from_slice("éé".as_bytes());
        let (text, truncated) = capture_body(&body);
        assert!(truncated);
        assert_eq!(text, Some("a".repeat(MAX_BODY_BYTES - 1)));
    }

    #[test]
    fn capture_body_replaces_invalid_utf8() {
        let (text, truncated) = capture_body(b"\xff\xfeok");
        assert_eq!(text.as_deref(), Some("\u{fffd}\u{fffd}ok"));
        assert!(!truncated);
    }

    #[test]
    fn page_serializes_in_camel_case() {
        let journal = Journal::new(4);
        journal.record(JournalEntry {
            request_id: RequestId::Given("req_1".into()),
            at: 1_715_616_000_000,
            received: Received::new("/calls", Some("limit=5"), || {
                [("accept", &b"application/json"[..])].into_iter()
            }),
            operation_id: Some("listCalls"),
            key: Some("va_abcdefghijklmnop1234".into()),
            duration_us: 42,
            ..entry("GET", "/calls", 200)
        });
        let json = serde_json::to_value(journal.query(&all())).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({
                "data": [{
                    "seq": 1,
                    "requestId": "req_1",
                    "at": "2024-05-13T16:00:00Z",
                    "method": "GET",
                    "path": "/calls",
                    "query": "limit=5",
                    "operationId": "listCalls",
                    "key": "va_abcdefghijklmnop1234",
                    "status": 200,
                    "durationUs": 42,
                    "requestHeaders": [["accept", "application/json"]],
                    "requestBody": null,
                    "requestBodyTruncated": false,
                    "errorCode": null,
                }],
                "total": 1,
                "counts": {
                    "byStatus": {"200": 1},
                    "byMethod": {"GET": 1},
                    "byOperation": {"listCalls": 1},
                },
            }))
        );
    }

    #[test]
    fn concurrent_recording_loses_nothing_and_keeps_seq_order() {
        let journal = Journal::new(10_000);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..500 {
                        journal.record(entry("GET", "/calls", 200));
                    }
                });
            }
        });
        let page = journal.query(&all());
        assert_eq!(page.total, 4_000);
        let expected: Vec<u64> = (1..=4_000).rev().collect();
        assert_eq!(seqs(&page), expected);
    }
}
