//! `format`: generators, deterministic examples and malformed examples for the formats the
//! contract's validator asserts (`date-time`, `date`, `time`, `email`, `uri`, `uuid`, ...).
//!
//! Unknown formats (OpenAPI's `int64`, `password`, ...) are annotations only: every function
//! here returns `None`/empty for them and the string is generated from its other keywords.

use proptest::prelude::*;

/// A strategy for strings in `format`, shrinking toward a simple value.
pub(crate) fn valid(format: &str) -> Option<BoxedStrategy<String>> {
    Some(match format {
        "date-time" => date_time().boxed(),
        "date" => date()
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
            .boxed(),
        "time" => (time_of_day(), offset())
            .prop_map(|(t, o)| format!("{t}{o}"))
            .boxed(),
        "email" | "idn-email" => email().boxed(),
        "uri" | "iri" => uri().boxed(),
        "uri-reference" | "iri-reference" => {
            prop_oneof![uri(), path().prop_map(|p| format!("/{p}"))].boxed()
        }
        "uuid" => any::<[u8; 16]>().prop_map(|b| uuid_v4(&b)).boxed(),
        "hostname" | "idn-hostname" => hostname().boxed(),
        "ipv4" => any::<[u8; 4]>()
            .prop_map(|o| format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3]))
            .boxed(),
        "ipv6" => any::<[u16; 3]>()
            .prop_map(|g| format!("2001:db8::{:x}:{:x}:{:x}", g[0], g[1], g[2]))
            .boxed(),
        "duration" => (0u32..=30, 0u32..=59)
            .prop_map(|(d, m)| format!("P{d}DT{m}M"))
            .boxed(),
        _ => return None,
    })
}

/// A fixed, typical value in `format`.
pub(crate) fn example(format: &str) -> Option<&'static str> {
    examples(format).first().copied()
}

/// Fixed valid values in `format`, the typical one first, then edge cases (offsets, fractional
/// seconds, a leap day, ...).
pub(crate) fn examples(format: &str) -> Vec<&'static str> {
    match format {
        "date-time" => vec![
            "2026-05-13T16:00:00Z",
            "2026-05-13T18:00:00+02:00",
            "2026-05-13T11:30:00-04:30",
            "2026-05-13T16:00:00.123Z",
            "2024-02-29T23:59:59Z",
        ],
        "date" => vec!["2026-05-13", "2024-02-29"],
        "time" => vec!["16:00:00Z", "23:59:59.5+01:00"],
        "email" | "idn-email" => vec!["jane.doe@example.com", "a+tag@mail.example.org"],
        "uuid" => vec![
            "0b7e7a3c-52b8-4f6e-9d2a-3c1f5e8a9b10",
            "00000000-0000-4000-8000-000000000000",
        ],
        "uri" | "iri" => vec!["https://example.com/x", "http://localhost:8080/a/b?q=1"],
        "uri-reference" | "iri-reference" => vec!["https://example.com/x", "/relative/path"],
        "hostname" | "idn-hostname" => vec!["api.example.com"],
        "ipv4" => vec!["192.0.2.1"],
        "ipv6" => vec!["2001:db8::1"],
        "duration" => vec!["PT5M"],
        _ => Vec::new(),
    }
}

/// Random values beside the format, (value, note): dates and timestamps with one field out of
/// range (month 13 and up, a day past the month's end, hour 24 and up, minute 60 and up).
pub(crate) fn malformed_random(format: &str) -> Option<BoxedStrategy<(String, String)>> {
    let fields = (
        date(),
        0u32..=23,
        0u32..=59,
        0u32..=59,
        0usize..4,
        0u32..100,
    );
    match format {
        "date-time" => Some(
            fields
                .prop_map(|((y, mo, d), h, mi, s, which, extra)| {
                    let (mut mo, mut d, mut h, mut mi) = (mo, d, h, mi);
                    let what = match which {
                        0 => {
                            mo = 13 + extra % 87;
                            format!("month {mo}")
                        }
                        1 => {
                            let dim = days_in_month(y, mo);
                            d = dim + 1 + extra % (99 - dim);
                            format!("day {d} of a {dim}-day month")
                        }
                        2 => {
                            h = 24 + extra % 76;
                            format!("hour {h}")
                        }
                        _ => {
                            mi = 60 + extra % 40;
                            format!("minute {mi}")
                        }
                    };
                    (
                        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
                        format!("not a date-time: {what}"),
                    )
                })
                .boxed(),
        ),
        "date" => Some(
            fields
                .prop_map(|((y, mo, d), _, _, _, which, extra)| {
                    let (mut mo, mut d) = (mo, d);
                    let what = if which % 2 == 0 {
                        mo = 13 + extra % 87;
                        format!("month {mo}")
                    } else {
                        let dim = days_in_month(y, mo);
                        d = dim + 1 + extra % (99 - dim);
                        format!("day {d} of a {dim}-day month")
                    };
                    (
                        format!("{y:04}-{mo:02}-{d:02}"),
                        format!("not a date: {what}"),
                    )
                })
                .boxed(),
        ),
        _ => None,
    }
}

/// Values a little beside the format (note, value): each should fail a validator that asserts
/// `format`; callers still check, since format checkers differ in strictness.
pub(crate) fn malformed(format: &str) -> Vec<(&'static str, &'static str)> {
    match format {
        "date-time" => vec![
            ("not a date-time: prose", "yesterday"),
            ("not a date-time: month 13", "2026-13-01T00:00:00Z"),
            ("not a date-time: February 30", "2026-02-30T10:00:00Z"),
            ("not a date-time: hour 24", "2026-05-13T24:00:00Z"),
            ("not a date-time: no offset", "2026-05-13T16:00:00"),
            ("not a date-time: date only", "2026-05-13"),
            ("not a date-time: not RFC 3339", "13/05/2026 16:00"),
            ("not a date-time: short offset", "2026-05-13T16:00:00+2"),
        ],
        "date" => vec![
            ("not a date: month 13", "2026-13-01"),
            ("not a date: February 30", "2026-02-30"),
            ("not a date: unpadded", "2026-5-1"),
            ("not a date: prose", "tomorrow"),
        ],
        "time" => vec![
            ("not a time: hour 25", "25:00:00Z"),
            ("not a time: no seconds", "16:00"),
            ("not a time: prose", "noon"),
        ],
        "email" | "idn-email" => vec![
            ("not an email: no '@'", "not-an-email"),
            ("not an email: no domain", "jane@"),
            ("not an email: no local part", "@example.com"),
            ("not an email: two '@'", "jane@@example.com"),
            ("not an email: space", "jane doe@example.com"),
        ],
        "uri" | "iri" => vec![
            ("not a uri: prose", "not a uri"),
            ("not a uri: no scheme", "example.com/x"),
            ("not a uri: relative", "/relative/path"),
            ("not a uri: space in host", "https://exa mple.com/"),
        ],
        "uri-reference" | "iri-reference" => vec![
            ("not a uri-reference: space", "https://exa mple.com/"),
            ("not a uri-reference: bad escape", "/a%zzb"),
        ],
        "uuid" => vec![
            ("not a uuid: too short", "1234"),
            (
                "not a uuid: not hex",
                "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
            ),
            (
                "not a uuid: one digit short",
                "0b7e7a3c-52b8-4f6e-9d2a-3c1f5e8a9b1",
            ),
        ],
        "hostname" | "idn-hostname" => vec![
            ("not a hostname: leading hyphen", "-bad.example.com"),
            ("not a hostname: space", "exa mple.com"),
            ("not a hostname: empty label", "a..b"),
        ],
        "ipv4" => vec![
            ("not an ipv4: octet 256", "256.1.1.1"),
            ("not an ipv4: three octets", "1.2.3"),
        ],
        "ipv6" => vec![
            ("not an ipv6: triple colon", "2001:db8:::1"),
            ("not an ipv6: not hex", "gggg::1"),
        ],
        "duration" => vec![
            ("not a duration: prose", "5 minutes"),
            ("not a duration: no P", "T5M"),
        ],
        _ => Vec::new(),
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// (year, month, day) in 2020–2030, always a real date.
fn date() -> impl Strategy<Value = (u32, u32, u32)> {
    (2020u32..=2030, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| (y, m, d.min(days_in_month(y, m))))
}

/// `HH:MM:SS` with optional fractional seconds.
fn time_of_day() -> impl Strategy<Value = String> {
    (
        0u32..=23,
        0u32..=59,
        0u32..=59,
        proptest::option::weighted(0.2, (1usize..=3, 0u32..1000)),
    )
        .prop_map(|(h, m, s, frac)| {
            let mut out = format!("{h:02}:{m:02}:{s:02}");
            if let Some((digits, value)) = frac {
                let text = format!("{value:03}");
                out.push('.');
                out.push_str(&text[..digits]);
            }
            out
        })
}

/// `Z` mostly, sometimes `+HH:MM` / `-HH:MM`.
fn offset() -> impl Strategy<Value = String> {
    prop_oneof![
        7 => Just("Z".to_owned()),
        3 => (any::<bool>(), 0u32..=14, prop::sample::select(vec![0u32, 30, 45])).prop_map(
            |(negative, h, m)| {
                let sign = if negative && (h, m) != (0, 0) { '-' } else { '+' };
                format!("{sign}{h:02}:{m:02}")
            }
        ),
    ]
}

/// RFC 3339 timestamps between 2020 and 2030.
pub(crate) fn date_time() -> impl Strategy<Value = String> {
    (date(), time_of_day(), offset())
        .prop_map(|((y, mo, d), t, o)| format!("{y:04}-{mo:02}-{d:02}T{t}{o}"))
}

fn word(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range('a', 'z'), 1..=max)
        .prop_map(|c| c.into_iter().collect::<String>())
}

fn email() -> impl Strategy<Value = String> {
    (
        word(8),
        proptest::option::of(word(8)),
        prop::sample::select(vec!["example.com", "example.org", "mail.example.net"]),
    )
        .prop_map(|(a, b, domain)| match b {
            Some(b) => format!("{a}.{b}@{domain}"),
            None => format!("{a}@{domain}"),
        })
}

fn path() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::collection::vec(
            prop_oneof![
                proptest::char::range('a', 'z'),
                proptest::char::range('0', '9')
            ],
            1..=8,
        )
        .prop_map(|c| c.into_iter().collect::<String>()),
        0..=3,
    )
    .prop_map(|segments| segments.join("/"))
}

fn uri() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "https://example.com",
            "https://api.example.org",
            "http://localhost:8080",
        ]),
        path(),
        proptest::option::weighted(0.2, word(6)),
    )
        .prop_map(|(base, path, query)| match query {
            Some(q) => format!("{base}/{path}?q={q}"),
            None => format!("{base}/{path}"),
        })
}

fn hostname() -> impl Strategy<Value = String> {
    proptest::collection::vec(word(10), 1..=2)
        .prop_map(|labels| format!("{}.example.com", labels.join(".")))
}

/// Formats 16 random bytes as a version-4 UUID.
pub(crate) fn uuid_v4(bytes: &[u8; 16]) -> String {
    let mut b = *bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use serde_json::{Value, json};
    use spec::Validator;

    const FORMATS: &[&str] = &[
        "date-time",
        "date",
        "time",
        "email",
        "uri",
        "uri-reference",
        "uuid",
        "hostname",
        "ipv4",
        "ipv6",
        "duration",
    ];

    fn validator(format: &str) -> Validator {
        Validator::compile(&json!({"type": "string", "format": format})).unwrap()
    }

    #[test]
    fn generated_and_example_values_pass_the_format_check() {
        let mut runner = TestRunner::deterministic();
        for format in FORMATS {
            let v = validator(format);
            for example in examples(format) {
                assert!(v.is_valid(&json!(example)), "{format}: example {example}");
            }
            let s = valid(format).unwrap();
            for _ in 0..300 {
                let value = s.new_tree(&mut runner).unwrap().current();
                assert!(
                    v.is_valid(&Value::String(value.clone())),
                    "{format}: {value}"
                );
            }
        }
        assert!(valid("int64").is_none() && example("int64").is_none());
    }

    #[test]
    fn malformed_values_fail_the_format_check() {
        for format in FORMATS {
            let v = validator(format);
            let bad = malformed(format);
            assert!(!bad.is_empty(), "{format}");
            for (note, value) in bad {
                assert!(
                    !v.is_valid(&json!(value)),
                    "{format}: {value} ({note}) passes"
                );
            }
        }
    }

    #[test]
    fn random_malformed_dates_fail_the_format_check() {
        let mut runner = TestRunner::deterministic();
        for format in ["date-time", "date"] {
            let v = validator(format);
            let s = malformed_random(format).unwrap();
            for _ in 0..300 {
                let (value, note) = s.new_tree(&mut runner).unwrap().current();
                assert!(
                    !v.is_valid(&json!(value)),
                    "{format}: {value} ({note}) passes"
                );
            }
        }
        assert!(malformed_random("email").is_none());
    }

    #[test]
    fn uuid_sets_version_and_variant() {
        let u = uuid_v4(&[0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
