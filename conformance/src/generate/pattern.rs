//! `pattern` support: a small parser for the regular expressions contracts actually use
//! (anchored sequences of literals and character classes with `{m,n}`, `?`, `*`, `+`
//! quantifiers, groups and alternation), generating matching strings, deterministic boundary
//! strings and strings that break the pattern.
//!
//! Anything outside that subset (look-around, backreferences, anchors in the middle, ...) makes
//! [`Pattern::parse`] return `None`; callers then fall back to proptest's `string_regex` (valid
//! strings) and to generic breakers (invalid ones), and rely on the validator to sort them out.

use std::borrow::Cow;
use std::ops::RangeInclusive;

use proptest::prelude::*;
use proptest::strategy::Union;

/// How many extra repetitions an unbounded quantifier (`*`, `+`, `{m,}`) generates at most.
const UNBOUNDED_EXTRA: u32 = 8;

/// Repetition counts beyond this are not generated (the pattern is left to the fallback, which
/// refuses it too).
const MAX_REPEAT: u32 = 1000;

/// Printable ASCII: the universe negated classes and `.` draw from.
const PRINTABLE: (char, char) = (' ', '~');

/// Characters tried, in order, when a character outside a class is needed.
const OUTSIDE_CANDIDATES: &[char] = &[
    '!', ' ', 'a', 'A', '0', '_', '-', '.', 'é', 'Z', 'z', '9', '+', '@',
];

/// A set of characters as sorted, non-overlapping inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Class {
    ranges: Vec<(char, char)>,
}

impl Class {
    fn new(mut ranges: Vec<(char, char)>) -> Class {
        ranges.retain(|(a, b)| a <= b);
        ranges.sort_unstable();
        let mut out: Vec<(char, char)> = Vec::with_capacity(ranges.len());
        for (a, b) in ranges {
            match out.last_mut() {
                Some(last) if (a as u32) <= (last.1 as u32).saturating_add(1) => {
                    if b > last.1 {
                        last.1 = b;
                    }
                }
                _ => out.push((a, b)),
            }
        }
        Class { ranges: out }
    }

    fn single(c: char) -> Class {
        Class::new(vec![(c, c)])
    }

    fn contains(&self, c: char) -> bool {
        self.ranges.iter().any(|(a, b)| *a <= c && c <= *b)
    }

    /// The complement within printable ASCII.
    fn negate(&self) -> Class {
        let mut out = Vec::new();
        let mut next = PRINTABLE.0 as u32;
        for (a, b) in &self.ranges {
            let (a, b) = (*a as u32, *b as u32);
            if b < next {
                continue;
            }
            if a > next {
                out.push((next, a - 1));
            }
            next = b + 1;
        }
        if next <= PRINTABLE.1 as u32 {
            out.push((next, PRINTABLE.1 as u32));
        }
        Class::new(
            out.into_iter()
                .filter_map(|(a, b)| Some((char::from_u32(a)?, char::from_u32(b)?)))
                .filter(|(a, b)| *a <= PRINTABLE.1 && *b <= PRINTABLE.1)
                .collect(),
        )
    }

    fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The simplest member: the first of the first range, preferring a letter or digit.
    fn first(&self) -> Option<char> {
        ['a', 'A', '0', '1']
            .into_iter()
            .find(|c| self.contains(*c))
            .or_else(|| self.ranges.first().map(|r| r.0))
    }

    /// The last member.
    fn last(&self) -> Option<char> {
        self.ranges.last().map(|r| r.1)
    }

    /// A character this class does not contain.
    fn outside(&self) -> Vec<char> {
        OUTSIDE_CANDIDATES
            .iter()
            .copied()
            .filter(|c| !self.contains(*c))
            .take(3)
            .collect()
    }

    fn strategy(&self) -> BoxedStrategy<char> {
        let ranges: Vec<RangeInclusive<char>> = self.ranges.iter().map(|(a, b)| *a..=*b).collect();
        if ranges.is_empty() {
            return Just('a').boxed();
        }
        proptest::char::ranges(Cow::Owned(ranges)).boxed()
    }
}

/// One element of a sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Class(Class),
    /// A group: alternatives, each a sequence.
    Group(Vec<Vec<Item>>),
}

/// An element and its repetition bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    node: Node,
    min: u32,
    max: Option<u32>,
}

impl Item {
    /// The generation cap of the repetition count.
    fn cap(&self) -> u32 {
        self.max
            .unwrap_or_else(|| self.min.saturating_add(UNBOUNDED_EXTRA))
    }
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    alternatives: Vec<Vec<Item>>,
    anchored_start: bool,
    anchored_end: bool,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// alternatives := seq ('|' seq)*
    fn alternatives(&mut self, top: bool) -> Option<(Vec<Vec<Item>>, bool, bool)> {
        let mut alts = Vec::new();
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        loop {
            let start = top && self.eat('^');
            let (seq, end) = self.sequence(top)?;
            alts.push(seq);
            starts.push(start);
            ends.push(end);
            if !self.eat('|') {
                break;
            }
        }
        // Anchors must be uniform across top-level alternatives to keep the model simple.
        let all = |v: &[bool]| v.iter().all(|b| *b);
        let none = |v: &[bool]| v.iter().all(|b| !*b);
        if !(all(&starts) || none(&starts)) || !(all(&ends) || none(&ends)) {
            return None;
        }
        Some((alts, all(&starts), all(&ends)))
    }

    /// seq := (atom quantifier?)* ['$' at the end of a top-level alternative]
    fn sequence(&mut self, top: bool) -> Option<(Vec<Item>, bool)> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None | Some('|') => return Some((items, false)),
                Some(')') if !top => return Some((items, false)),
                Some(')') => return None,
                Some('$') if top => {
                    self.pos += 1;
                    return match self.peek() {
                        None | Some('|') => Some((items, true)),
                        _ => None,
                    };
                }
                _ => {}
            }
            let node = self.atom()?;
            let (min, max) = self.quantifier()?;
            items.push(Item { node, min, max });
        }
    }

    fn atom(&mut self) -> Option<Node> {
        match self.bump()? {
            '[' => self.class().map(Node::Class),
            '(' => {
                if self.eat('?') {
                    // Only non-capturing groups.
                    if !self.eat(':') {
                        return None;
                    }
                }
                let (alts, _, _) = self.alternatives(false)?;
                if !self.eat(')') {
                    return None;
                }
                Some(Node::Group(alts))
            }
            '.' => Some(Node::Class(Class::new(vec![PRINTABLE]))),
            '\\' => self.escape(false).map(Node::Class),
            '^' | '$' | '*' | '+' | '?' | '{' | '}' | ']' | ')' | '|' => None,
            c => Some(Node::Class(Class::single(c))),
        }
    }

    /// After a backslash: a class shorthand or an escaped literal.
    fn escape(&mut self, in_class: bool) -> Option<Class> {
        let c = self.bump()?;
        let digit = Class::new(vec![('0', '9')]);
        let word = Class::new(vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]);
        let space = Class::new(vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')]);
        Some(match c {
            'd' => digit,
            'D' => digit.negate(),
            'w' => word,
            'W' => word.negate(),
            's' => space,
            'S' => space.negate(),
            't' => Class::single('\t'),
            'n' => Class::single('\n'),
            'r' => Class::single('\r'),
            'u' => {
                let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                let code = u32::from_str_radix(&hex, 16).ok()?;
                Class::single(char::from_u32(code)?)
            }
            'x' => {
                let hex: String = (0..2).filter_map(|_| self.bump()).collect();
                let code = u32::from_str_radix(&hex, 16).ok()?;
                Class::single(char::from_u32(code)?)
            }
            'b' if in_class => Class::single('\u{8}'),
            c if c.is_ascii_alphanumeric() => return None,
            c => Class::single(c),
        })
    }

    /// After `[`: the class up to `]`.
    fn class(&mut self) -> Option<Class> {
        let negated = self.eat('^');
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut first = true;
        loop {
            let c = self.bump()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let start = if c == '\\' {
                let class = self.escape(true)?;
                match class.ranges.as_slice() {
                    [(a, b)] if a == b => *a,
                    _ => {
                        ranges.extend(class.ranges);
                        continue;
                    }
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']') {
                self.pos += 1;
                let end = match self.bump()? {
                    '\\' => {
                        let class = self.escape(true)?;
                        match class.ranges.as_slice() {
                            [(a, b)] if a == b => *a,
                            _ => return None,
                        }
                    }
                    e => e,
                };
                if end < start {
                    return None;
                }
                ranges.push((start, end));
            } else {
                ranges.push((start, start));
            }
        }
        let class = Class::new(ranges);
        let class = if negated { class.negate() } else { class };
        (!class.is_empty()).then_some(class)
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return None;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn quantifier(&mut self) -> Option<(u32, Option<u32>)> {
        let q = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                self.pos += 1;
                let min = self.number()?;
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}')
                    || max.is_some_and(|m| m < min)
                    || min.max(max.unwrap_or(0)) > MAX_REPEAT
                {
                    return None;
                }
                (min, max)
            }
            _ => return Some((1, Some(1))),
        };
        self.pos += 1;
        // A lazy or possessive suffix changes nothing for generation.
        self.eat('?');
        Some(q)
    }
}

/// What a breaker does, for its note.
const MISMATCH: &str = "pattern mismatch";

impl Pattern {
    /// Parses the supported subset; `None` for anything else.
    pub(crate) fn parse(src: &str) -> Option<Pattern> {
        let mut parser = Parser {
            chars: src.chars().collect(),
            pos: 0,
        };
        let (alternatives, anchored_start, anchored_end) = parser.alternatives(true)?;
        if parser.pos != parser.chars.len() {
            return None;
        }
        Some(Pattern {
            alternatives,
            anchored_start,
            anchored_end,
        })
    }

    /// Strings matching the pattern, shrinking toward the shortest, simplest one.
    pub(crate) fn strategy(&self) -> BoxedStrategy<String> {
        alternatives_strategy(&self.alternatives)
    }

    /// The simplest matching string (fewest repetitions, simplest characters).
    pub(crate) fn minimal(&self) -> String {
        self.alternatives
            .first()
            .map(|seq| seq_fixed(seq, Reps::Min))
            .unwrap_or_default()
    }

    /// Deterministic strings around the repetition bounds of the first alternative, with
    /// whether each should match, and a note.
    pub(crate) fn boundaries(&self) -> Vec<(String, bool, String)> {
        let mut out = Vec::new();
        let Some(seq) = self.alternatives.first() else {
            return out;
        };
        out.push((
            seq_fixed(seq, Reps::Min),
            true,
            "pattern: shortest match".to_owned(),
        ));
        out.push((
            seq_fixed(seq, Reps::Max),
            true,
            "pattern: longest match".to_owned(),
        ));
        out.push((
            seq_fixed(seq, Reps::MaxLast),
            true,
            "pattern: longest match, last characters of each class".to_owned(),
        ));
        for (i, item) in seq.iter().enumerate() {
            if item.min > 0 {
                out.push((
                    seq_with(seq, i, item.min - 1),
                    false,
                    format!(
                        "{MISMATCH}: element {} repeated {} times, fewer than {}",
                        i + 1,
                        item.min - 1,
                        item.min
                    ),
                ));
            }
            if let Some(max) = item.max
                && self.anchored_end
                && self.anchored_start
            {
                out.push((
                    seq_with(seq, i, max.saturating_add(1)),
                    false,
                    format!(
                        "{MISMATCH}: element {} repeated {} times, more than {max}",
                        i + 1,
                        max.saturating_add(1)
                    ),
                ));
            }
            if let Node::Class(class) = &item.node
                && self.is_anchored()
                && let Some(bad) = class.outside().first()
            {
                let reps = item.min.max(1) as usize;
                let mut parts = seq_parts(seq, Reps::Min);
                parts[i] = std::iter::once(*bad)
                    .chain(std::iter::repeat_n(class.first().unwrap_or('a'), reps - 1))
                    .collect();
                out.push((
                    parts.concat(),
                    false,
                    format!(
                        "{MISMATCH}: {bad:?} where element {} does not allow it",
                        i + 1
                    ),
                ));
            }
        }
        if self.is_anchored() {
            let min = seq_fixed(seq, Reps::Min);
            out.push((
                format!("{min}!"),
                false,
                format!("{MISMATCH}: trailing '!'"),
            ));
            out.push((
                format!(" {min}"),
                false,
                format!("{MISMATCH}: leading space"),
            ));
        }
        out
    }

    fn is_anchored(&self) -> bool {
        self.anchored_start && self.anchored_end
    }

    /// Strings that (almost always) do not match, with a note. The caller filters with the
    /// validator; several shapes are offered so at least one always breaks an anchored pattern.
    pub(crate) fn breakers(&self) -> Vec<BoxedStrategy<(String, String)>> {
        let mut out: Vec<BoxedStrategy<(String, String)>> = Vec::new();
        let valid = self.strategy();
        if self.is_anchored() {
            out.push(
                (
                    valid.clone(),
                    prop::sample::select(vec!['!', ' ', '#', '\u{e9}']),
                )
                    .prop_map(|(s, c)| (format!("{s}{c}"), format!("{MISMATCH}: trailing {c:?}")))
                    .boxed(),
            );
            out.push(
                (valid.clone(), prop::sample::select(vec!['!', ' ', '#']))
                    .prop_map(|(s, c)| (format!("{c}{s}"), format!("{MISMATCH}: leading {c:?}")))
                    .boxed(),
            );
        }
        if self.alternatives.len() == 1
            && let Some(seq) = self.alternatives.first()
        {
            for (i, item) in seq.iter().enumerate() {
                if item.min > 0 {
                    let n = item.min - 1;
                    out.push(
                        seq_strategy_with(seq, i, n, n)
                            .prop_map(move |s| {
                                (
                                    s,
                                    format!("{MISMATCH}: element {} repeated {n} times", i + 1),
                                )
                            })
                            .boxed(),
                    );
                }
                if let Some(max) = item.max
                    && self.is_anchored()
                {
                    let n = max.saturating_add(1);
                    let hi = n.saturating_add(3);
                    out.push(
                        seq_strategy_with(seq, i, n, hi)
                            .prop_map(move |s| {
                                (
                                    s,
                                    format!(
                                        "{MISMATCH}: element {} repeated more than {max} times",
                                        i + 1
                                    ),
                                )
                            })
                            .boxed(),
                    );
                }
                if let Node::Class(class) = &item.node
                    && self.is_anchored()
                {
                    let outside = class.outside();
                    if outside.is_empty() {
                        continue;
                    }
                    let reps_lo = item.min.max(1);
                    let reps_hi = item.cap().max(reps_lo);
                    let parts: Vec<BoxedStrategy<String>> = seq
                        .iter()
                        .enumerate()
                        .map(|(j, it)| {
                            if j == i {
                                (
                                    proptest::collection::vec(
                                        class.strategy(),
                                        reps_lo as usize..=reps_hi as usize,
                                    ),
                                    prop::sample::select(outside.clone()),
                                    any::<prop::sample::Index>(),
                                )
                                    .prop_map(|(mut chars, bad, at)| {
                                        let k = at.index(chars.len());
                                        chars[k] = bad;
                                        chars.into_iter().collect::<String>()
                                    })
                                    .boxed()
                            } else {
                                item_strategy(it)
                            }
                        })
                        .collect();
                    out.push(
                        parts
                            .prop_map(move |p| {
                                (
                                    p.concat(),
                                    format!(
                                        "{MISMATCH}: a character element {} does not allow",
                                        i + 1
                                    ),
                                )
                            })
                            .boxed(),
                    );
                }
            }
        }
        out
    }
}

/// Which repetition count a fixed string uses.
#[derive(Clone, Copy)]
enum Reps {
    Min,
    Max,
    MaxLast,
}

fn seq_parts(seq: &[Item], reps: Reps) -> Vec<String> {
    seq.iter().map(|item| item_fixed(item, reps)).collect()
}

fn seq_fixed(seq: &[Item], reps: Reps) -> String {
    seq_parts(seq, reps).concat()
}

fn item_fixed(item: &Item, reps: Reps) -> String {
    let n = match reps {
        Reps::Min => item.min,
        Reps::Max | Reps::MaxLast => item.max.unwrap_or(item.min.saturating_add(3)),
    };
    let one = match &item.node {
        Node::Class(class) => match reps {
            Reps::MaxLast => class.last(),
            _ => class.first(),
        }
        .map(String::from)
        .unwrap_or_default(),
        Node::Group(alts) => alts.first().map(|s| seq_fixed(s, reps)).unwrap_or_default(),
    };
    one.repeat(n as usize)
}

/// The minimal string with item `i` repeated exactly `n` times.
fn seq_with(seq: &[Item], i: usize, n: u32) -> String {
    let mut parts = seq_parts(seq, Reps::Min);
    if let Some(item) = seq.get(i) {
        let one = item_fixed(
            &Item {
                node: item.node.clone(),
                min: 1,
                max: Some(1),
            },
            Reps::Min,
        );
        parts[i] = one.repeat(n as usize);
    }
    parts.concat()
}

fn alternatives_strategy(alts: &[Vec<Item>]) -> BoxedStrategy<String> {
    let options: Vec<BoxedStrategy<String>> = alts.iter().map(|s| seq_strategy(s)).collect();
    match options.len() {
        0 => Just(String::new()).boxed(),
        1 => options
            .into_iter()
            .next()
            .unwrap_or_else(|| Just(String::new()).boxed()),
        _ => Union::new(options).boxed(),
    }
}

fn seq_strategy(seq: &[Item]) -> BoxedStrategy<String> {
    let parts: Vec<BoxedStrategy<String>> = seq.iter().map(item_strategy).collect();
    parts.prop_map(|p| p.concat()).boxed()
}

/// The sequence with item `i` repeated between `lo` and `hi` times.
fn seq_strategy_with(seq: &[Item], i: usize, lo: u32, hi: u32) -> BoxedStrategy<String> {
    let parts: Vec<BoxedStrategy<String>> = seq
        .iter()
        .enumerate()
        .map(|(j, item)| {
            if j == i {
                repeat_strategy(&item.node, lo, hi)
            } else {
                item_strategy(item)
            }
        })
        .collect();
    parts.prop_map(|p| p.concat()).boxed()
}

fn item_strategy(item: &Item) -> BoxedStrategy<String> {
    repeat_strategy(&item.node, item.min, item.cap())
}

fn repeat_strategy(node: &Node, lo: u32, hi: u32) -> BoxedStrategy<String> {
    let hi = hi.max(lo);
    let range = lo as usize..=hi as usize;
    match node {
        Node::Class(class) => proptest::collection::vec(class.strategy(), range)
            .prop_map(|chars| chars.into_iter().collect::<String>())
            .boxed(),
        Node::Group(alts) => proptest::collection::vec(alternatives_strategy(alts), range)
            .prop_map(|parts| parts.concat())
            .boxed(),
    }
}

/// A pattern rewritten for proptest's `string_regex` (anchors dropped, ASCII shorthands):
/// the fallback for patterns [`Pattern::parse`] does not support.
pub(crate) fn regex_fallback(src: &str) -> Option<BoxedStrategy<String>> {
    if huge_repetition(src) {
        return None;
    }
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some('w') => out.push_str(if in_class {
                    "A-Za-z0-9_"
                } else {
                    "[A-Za-z0-9_]"
                }),
                Some('s') => out.push_str(if in_class { " " } else { "[ ]" }),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '^' | '$' if !in_class => {}
            '.' if !in_class => out.push_str("[ -~]"),
            _ => out.push(c),
        }
    }
    proptest::string::string_regex(&out).ok().map(|s| s.boxed())
}

/// Whether a `{n}`/`{m,n}` quantifier asks for more than [`MAX_REPEAT`] repetitions.
fn huge_repetition(src: &str) -> bool {
    src.split('{').skip(1).any(|rest| {
        rest.split('}').next().unwrap_or("").split(',').any(|n| {
            n.trim()
                .parse::<u64>()
                .is_ok_and(|n| n > u64::from(MAX_REPEAT))
                || n.trim().len() > 9
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    const CONTRACT: &[&str] = &[
        r"^\+[1-9][0-9]{1,14}$",
        r"^[A-Z]{2}$",
        r"^[0-9]{1,5}$",
        r"^[a-z][a-z0-9-]{1,39}$",
        r"^[a-z]{2}-[A-Z]{2}$",
        r"^agt_[A-Za-z0-9]{8,40}$",
        r"^[0-9a-f]{64}$",
        r"^[0-9]{1,12}$",
    ];

    #[test]
    fn contract_patterns_parse() {
        for p in CONTRACT {
            let parsed = Pattern::parse(p).unwrap_or_else(|| panic!("{p} does not parse"));
            assert!(parsed.is_anchored(), "{p}");
        }
        assert_eq!(
            Pattern::parse(r"^\+[1-9][0-9]{1,14}$").unwrap().minimal(),
            "+10"
        );
        assert_eq!(
            Pattern::parse(r"^agt_[A-Za-z0-9]{8,40}$")
                .unwrap()
                .minimal(),
            "agt_aaaaaaaa"
        );
        assert_eq!(Pattern::parse(r"^(ab|c)+x?$").unwrap().minimal(), "ab");
    }

    #[test]
    fn unsupported_patterns_are_refused() {
        for p in [
            r"(?=a)b", r"a\1", r"a^b", r"[z-a]", r"a{3,1}", r"(a", r"a)", r"\p{L}", r"a{5000}",
        ] {
            assert!(Pattern::parse(p).is_none(), "{p}");
        }
    }

    #[test]
    fn classes_negate_within_printable_ascii() {
        let c = Pattern::parse(r"^[^a-z]$").unwrap();
        let Node::Class(class) = &c.alternatives[0][0].node else {
            panic!("not a class")
        };
        assert!(!class.contains('q'));
        assert!(class.contains('Q'));
        assert!(class.contains(' '));
        assert!(!class.contains('\u{e9}'));
        let w = Pattern::parse(r"^[\w-]+$").unwrap();
        let Node::Class(class) = &w.alternatives[0][0].node else {
            panic!("not a class")
        };
        assert!(class.contains('_') && class.contains('-') && class.contains('Z'));
    }

    #[test]
    fn generated_strings_have_the_right_shape() {
        let mut runner = TestRunner::deterministic();
        let p = Pattern::parse(r"^\+[1-9][0-9]{1,14}$").unwrap();
        let s = p.strategy();
        for _ in 0..200 {
            let v = s.new_tree(&mut runner).unwrap().current();
            let digits = v.strip_prefix('+').unwrap();
            assert!((2..=15).contains(&digits.len()), "{v}");
            assert!(digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0'));
        }
    }

    #[test]
    fn fallback_handles_what_the_parser_does_not() {
        let mut runner = TestRunner::deterministic();
        let s = regex_fallback(r"^(?i)ab\d$").unwrap();
        let v = s.new_tree(&mut runner).unwrap().current();
        assert_eq!(v.len(), 3, "{v}");
        assert!(regex_fallback(r"(?=x)").is_none());
        assert!(regex_fallback(r"^(a|b){4294967295}$").is_none());
    }
}
