//! The `pattern` of the contact-import CSV (`POST /contact-lists`, D-CONTACTS): it is built from
//! the grammar below, and what it matches is what the file rules accept.
//!
//! A regular expression cannot count, so the grammar is spelled out for every column count up
//! to [`MAX_COLUMNS`] and every position of the `phone` field: a header of `k` fields, one of them
//! `phone`, then records of exactly `k` fields. Header fields are unquoted; a duplicate header is
//! caught by one negative lookahead comparing fields as written. The pattern avoids ambiguity (a
//! run of line breaks is one token, a one-column record is never empty), so a backtracking
//! engine, the validator's included, checks it in linear time.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::Value;
use spec::rules::{CsvRejection, check_contacts_csv};
use spec::{Contract, Validator};

/// The most columns the pattern spells out.
const MAX_COLUMNS: usize = 8;

/// A header field: plain text.
const HEADER_FIELD: &str = r#"[^",\r\n]*"#;
/// A record's field: plain, or quoted with doubled quotes inside (line breaks allowed).
const FIELD: &str = r#"(?:[^",\r\n]*|"(?:[^"]|"")*")"#;
/// The field of a one-column record: never empty, so blank lines are only line breaks.
const LONE_FIELD: &str = r#"(?:[^",\r\n]+|"(?:[^"]|"")*")"#;
/// The `phone` header, in any letter case, with spaces or tabs around it.
const PHONE: &str = r"[ \t]*[Pp][Hh][Oo][Nn][Ee][ \t]*";
/// One or more line breaks (CR, LF or CRLF; blank lines are skipped).
const BREAKS: &str = r"[\r\n]+";
/// No header field twice, compared as written.
const NO_DUPLICATE: &str =
    r"(?!\uFEFF?(?:[^,\r\n]*,)*?([^,\r\n]+),(?:[^,\r\n]*,)*?\1(?:,|[\r\n]|$))";

/// `n` times `x,` (or `,x` when `after`), as compact as the count allows.
fn repeat(x: &str, n: usize, after: bool) -> String {
    let unit = if after {
        format!(",{x}")
    } else {
        format!("{x},")
    };
    match n {
        0 => String::new(),
        1 => unit,
        n => format!("(?:{unit}){{{n}}}"),
    }
}

/// The files of `1..=max` columns, without anchors, byte-order mark or lookahead.
fn files(max: usize) -> String {
    let shapes: Vec<String> = (1..=max)
        .map(|k| {
            let heads: Vec<String> = (0..k)
                .map(|i| {
                    format!(
                        "{}{PHONE}{}",
                        repeat(HEADER_FIELD, i, false),
                        repeat(HEADER_FIELD, k - 1 - i, true)
                    )
                })
                .collect();
            let head = if heads.len() == 1 {
                heads[0].clone()
            } else {
                format!("(?:{})", heads.join("|"))
            };
            let record = if k == 1 {
                LONE_FIELD.to_owned()
            } else {
                format!("{FIELD}{}", repeat(FIELD, k - 1, true))
            };
            format!("{head}(?:{BREAKS}{record})*")
        })
        .collect();
    format!("(?:{})", shapes.join("|"))
}

/// The whole pattern.
fn pattern(max: usize) -> String {
    format!(r"^{NO_DUPLICATE}\uFEFF?{}[\r\n]*$", files(max))
}

/// The `text/csv` media type of `POST /contact-lists`.
fn media() -> &'static Value {
    let op = &Contract::v1().document()["paths"]["/contact-lists"]["post"];
    &op["requestBody"]["content"]["text/csv"]
}

fn schema() -> &'static Value {
    &media()["schema"]
}

fn validator() -> &'static Validator {
    static V: std::sync::OnceLock<Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| Validator::compile(schema()).expect("the CSV schema compiles"))
}

fn matches(body: &str) -> bool {
    validator().is_valid(&Value::from(body))
}

#[test]
fn the_contract_carries_the_pattern_of_this_grammar() {
    assert_eq!(schema()["type"], "string");
    assert_eq!(
        schema()["pattern"].as_str(),
        Some(pattern(MAX_COLUMNS).as_str()),
        "spec/openapi.json's CSV pattern is not the one this grammar builds"
    );
}

#[test]
fn the_contracts_examples_match_and_are_accepted() {
    let examples = media()["examples"].as_object().expect("named examples");
    assert!(!examples.is_empty());
    for (name, example) in examples {
        let body = example["value"].as_str().expect("a string example");
        assert!(matches(body), "{name} does not match the pattern");
        assert_eq!(check_contacts_csv(body), Ok(()), "{name}");
    }
}

#[test]
fn files_the_rules_refuse_do_not_match() {
    for body in [
        "",
        "\n\r\n",
        "   ",
        "name,email\nAda,ada@example.com\n",
        "phonex\n+14155550123\n",
        "phone,name\n+14155550123\n",
        "phone\n+14155550123,extra\n",
        "phone,name\n+14155550123,\"open\n",
        "phone,name,name\n+14155550123,a,b\n",
        "phone,phone\n1,2\n",
        "\u{feff}a,phone,a\n1,2,3\n",
    ] {
        assert!(check_contacts_csv(body).is_err(), "{body:?} is accepted");
        assert!(!matches(body), "{body:?} matches");
    }
}

#[test]
fn files_the_rules_accept_match() {
    for body in [
        "phone",
        "phone\n",
        "PHONE\r\n+14155550123\r\n",
        "\u{feff}phone,name\r\n+14155550123,Ada\r\n",
        " Phone\t,name\n\n\n+14155550123,Ada\n\r\n",
        "name,phone,email\nAda,+14155550123,ada@example.com\n",
        "phone,note\n+14155550123,\"two\nlines, and \"\"quotes\"\"\"\n",
        "phone,,\n+14155550123,,\n",
        "phone\nnot a number\n",
        "a,b,c,d,e,f,g,phone\n1,2,3,4,5,6,7,8\n",
    ] {
        assert_eq!(check_contacts_csv(body), Ok(()), "{body:?}");
        assert!(matches(body), "{body:?} does not match");
    }
}

#[test]
fn the_documented_gaps_are_what_the_description_says() {
    // Imported although they do not match: a wider file, a quoted header, blank lines first.
    for body in [
        "phone,a,b,c,d,e,f,g,h\n1,2,3,4,5,6,7,8,9\n",
        "\"phone\",\"name\"\n+14155550123,Ada\n",
        "\n\nphone\n+14155550123\n",
    ] {
        assert_eq!(check_contacts_csv(body), Ok(()), "{body:?}");
        assert!(!matches(body), "{body:?} matches");
    }
    // Matches, and is refused: a column named twice up to letter case.
    let body = "phone,email,Email\n+14155550123,a@example.com,b@example.com\n";
    assert!(matches(body));
    assert_eq!(check_contacts_csv(body).map_err(|r| r.status()), Err(422));
    let description = schema()["description"].as_str().unwrap_or_default();
    for said in ["1 to 8 columns", "quoted header", "`email,Email`"] {
        assert!(
            description.contains(said),
            "the description does not say {said:?}"
        );
    }
}

#[test]
fn a_near_miss_is_refused_fast() {
    // No catastrophic backtracking: long inputs that fail late are decided at once.
    let many_breaks = format!("phone{}\"", "\n".repeat(20_000));
    let long_file = format!("phone,a,b\n{}x,y\n", "1,2,3\n".repeat(20_000));
    let wide_header = format!("phone,{}", vec!["x"; 2_000].join(","));
    let started = std::time::Instant::now();
    for body in [many_breaks, long_file, wide_header] {
        assert!(!matches(&body));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every file the pattern matches is imported, except the documented gap: generated from
    /// the grammar (without the duplicate lookahead, which the generator cannot read) and kept
    /// when the whole pattern matches. A header naming a column twice up to letter case or
    /// spacing (`&` and `&\u{b}`, trimmed) matches and is refused; one naming it twice as
    /// written never matches.
    #[test]
    fn whatever_matches_is_accepted(
        bom in any::<bool>(),
        body in proptest::string::string_regex(&format!(r"{}[\r\n]*", files(MAX_COLUMNS))).unwrap(),
    ) {
        let body = if bom { format!("\u{feff}{body}") } else { body };
        prop_assume!(matches(&body));
        match check_contacts_csv(&body) {
            Err(CsvRejection::DuplicateColumn { .. }) => {
                let header = body.trim_start_matches('\u{feff}').split(['\r', '\n']).next();
                let fields: Vec<&str> = header.unwrap_or_default().split(',').collect();
                let distinct: BTreeSet<&str> =
                    fields.iter().copied().filter(|f| !f.is_empty()).collect();
                prop_assert_eq!(
                    distinct.len(),
                    fields.iter().filter(|f| !f.is_empty()).count(),
                    "a header with a field twice as written matches: {:?}",
                    body
                );
            }
            other => prop_assert_eq!(other, Ok(()), "{:?}", body),
        }
    }
}
