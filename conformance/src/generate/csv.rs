//! CSV bodies for the contact import (`POST /contact-lists`, D-CONTACTS).
//!
//! [`csv_body`](super::csv_body) writes RFC 4180 files the import must accept: a header with
//! `phone` and optional `name`, `email`, `doNotCall` and custom columns (in any order and case),
//! rows with quoted fields holding commas, doubled quotes and line breaks, CRLF or LF, some rows
//! with a bad cell (the import skips and reports those). [`csv_unparseable`](super::csv_unparseable)
//! writes files the import must refuse as a whole (400): an unterminated quote, a row with a
//! different number of fields than the header.

use proptest::prelude::*;

use super::output::CsvCase;

/// A column of the generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Phone,
    Name,
    Email,
    DoNotCall,
    Custom(usize),
}

/// Custom headers (distinct from each other and from the known ones, case-insensitively).
const CUSTOM_HEADERS: &[&str] = &[
    "company",
    "Notes",
    "tier",
    "Zip Code",
    "owner, team",
    "Région",
];

const PHONE_HEADERS: &[&str] = &["phone", "Phone", "PHONE", " phone "];
const NAME_HEADERS: &[&str] = &["name", "Name", "NAME"];
const EMAIL_HEADERS: &[&str] = &["email", "Email", "EMAIL"];
const DNC_HEADERS: &[&str] = &["doNotCall", "donotcall", "DoNotCall", "do_not_call"];

/// Names, some needing quotes (comma, quote, line break) and some not ASCII.
const NAMES: &[&str] = &[
    "Maria Lopez",
    "Chen, Wei",
    "Dwayne \"The Rock\" Johnson",
    "José Álvarez",
    "Line One\nLine Two",
    "O'Brien",
    "  padded  ",
    "",
    "Zoë",
    "A, \"B\", C",
];

const VALID_EMAILS: &[&str] = &[
    "maria.lopez@example.com",
    "wei@example.org",
    "j.o-b+tag@mail.example.net",
    "",
];
const BAD_EMAILS: &[&str] = &[
    "not-an-email",
    "jane@",
    "@example.com",
    "jane@@example.com",
    "jane doe@example.com",
];

/// `doNotCall` values the import accepts: true/false/yes/no/1/0, any case.
const FLAGS: &[&str] = &[
    "true", "false", "yes", "no", "1", "0", "TRUE", "No", "Yes", "",
];
const BAD_FLAGS: &[&str] = &["maybe", "2", "y", "nope", "t"];

const BAD_PHONES: &[&str] = &[
    "555-0100",
    "14155550123",
    "+0123456789",
    "+1 415 555 0100",
    "+1234567890123456",
    "phone",
    "+1",
];

const CUSTOM_VALUES: &[&str] = &[
    "Acme Logistics",
    "gold",
    "94103",
    "two\r\nlines",
    "say \"hi\"",
    "",
    "a,b",
];

/// A valid E.164 number: mostly US `+1415555xxxx`, sometimes another country.
fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u32..10_000).prop_map(|n| format!("+1415555{n:04}")),
        1 => (1_000_000u32..10_000_000).prop_map(|n| format!("+4420{n}")),
        1 => (10_000_000u32..100_000_000).prop_map(|n| format!("+3361{n}")),
    ]
}

/// One generated row: its cells by column and whether it has a bad cell.
#[derive(Debug, Clone)]
struct Row {
    cells: Vec<String>,
    bad: bool,
}

/// Which cell of a bad row is bad.
#[derive(Debug, Clone, Copy)]
enum Defect {
    Phone,
    Email,
    DoNotCall,
}

fn row(columns: Vec<Column>, bad: bool) -> impl Strategy<Value = Row> {
    let defects: Vec<Defect> = std::iter::once(Defect::Phone)
        .chain(columns.contains(&Column::Email).then_some(Defect::Email))
        .chain(
            columns
                .contains(&Column::DoNotCall)
                .then_some(Defect::DoNotCall),
        )
        .collect();
    (
        phone(),
        any::<bool>(),
        prop::sample::select(NAMES),
        prop::sample::select(VALID_EMAILS),
        prop::sample::select(FLAGS),
        proptest::collection::vec(prop::sample::select(CUSTOM_VALUES), CUSTOM_HEADERS.len()),
        prop::sample::select(defects),
        prop::sample::select(BAD_PHONES),
        prop::sample::select(BAD_EMAILS),
        prop::sample::select(BAD_FLAGS),
    )
        .prop_map(
            move |(
                phone,
                pad,
                name,
                email,
                flag,
                customs,
                defect,
                bad_phone,
                bad_email,
                bad_flag,
            )| {
                let cells = columns
                    .iter()
                    .map(|c| match c {
                        Column::Phone => match (bad, defect) {
                            (true, Defect::Phone) => bad_phone.to_owned(),
                            // Cells are trimmed, so padding keeps a phone valid.
                            _ if pad => format!(" {phone} "),
                            _ => phone.clone(),
                        },
                        Column::Name => name.to_owned(),
                        Column::Email => match (bad, defect) {
                            (true, Defect::Email) => bad_email.to_owned(),
                            _ => email.to_owned(),
                        },
                        Column::DoNotCall => match (bad, defect) {
                            (true, Defect::DoNotCall) => bad_flag.to_owned(),
                            _ => flag.to_owned(),
                        },
                        Column::Custom(i) => customs.get(*i).copied().unwrap_or("").to_owned(),
                    })
                    .collect();
                Row { cells, bad }
            },
        )
}

/// The header cell for a column, in the chosen spelling.
fn header_cell(column: Column, spelling: usize) -> String {
    let pick = |list: &[&str]| list[spelling % list.len()].to_owned();
    match column {
        Column::Phone => pick(PHONE_HEADERS),
        Column::Name => pick(NAME_HEADERS),
        Column::Email => pick(EMAIL_HEADERS),
        Column::DoNotCall => pick(DNC_HEADERS),
        Column::Custom(i) => CUSTOM_HEADERS[i % CUSTOM_HEADERS.len()].to_owned(),
    }
}

/// One field, quoted when it must be (comma, quote, line break, or empty as the only field of a
/// record, which would otherwise be a skipped blank line) or when `force` says so.
fn field(value: &str, force: bool, only_field: bool) -> String {
    let needs = value.contains([',', '"', '\r', '\n']) || (only_field && value.is_empty());
    if needs || force {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn record(cells: &[String], quote_all: bool) -> String {
    let only = cells.len() == 1;
    cells
        .iter()
        .map(|c| field(c, quote_all, only))
        .collect::<Vec<_>>()
        .join(",")
}

/// The columns of a file: `phone` plus a random subset of the others, shuffled, with a header
/// spelling for each.
fn columns() -> impl Strategy<Value = (Vec<Column>, Vec<usize>)> {
    (
        any::<[bool; 3]>(),
        prop::sample::subsequence((0..CUSTOM_HEADERS.len()).collect::<Vec<_>>(), 0..=2),
    )
        .prop_flat_map(|(known, customs)| {
            let mut cols = vec![Column::Phone];
            if known[0] {
                cols.push(Column::Name);
            }
            if known[1] {
                cols.push(Column::Email);
            }
            if known[2] {
                cols.push(Column::DoNotCall);
            }
            cols.extend(customs.into_iter().map(Column::Custom));
            let n = cols.len();
            (
                Just(cols).prop_shuffle(),
                proptest::collection::vec(0usize..4, n),
            )
        })
}

/// See [`super::csv_body`].
pub(crate) fn csv_body() -> BoxedStrategy<CsvCase> {
    columns()
        .prop_flat_map(|(cols, spellings)| {
            let rows = proptest::collection::vec(
                proptest::bool::weighted(0.3).prop_flat_map({
                    let cols = cols.clone();
                    move |bad| row(cols.clone(), bad)
                }),
                0..=6,
            );
            (
                Just(cols),
                Just(spellings),
                rows,
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                proptest::bool::weighted(0.1),
            )
        })
        .prop_map(|(cols, spellings, rows, crlf, trailing, quote_all, bom)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let header: Vec<String> = cols
                .iter()
                .zip(&spellings)
                .map(|(c, s)| header_cell(*c, *s))
                .collect();
            let mut lines = vec![record(&header, false)];
            lines.extend(rows.iter().map(|r| record(&r.cells, quote_all)));
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            text.push_str(&lines.join(eol));
            if trailing {
                text.push_str(eol);
            }
            CsvCase {
                text,
                data_rows: rows.len(),
                bad_rows: rows.iter().filter(|r| r.bad).count(),
            }
        })
        .boxed()
}

/// See [`super::csv_unparseable`].
pub(crate) fn csv_unparseable() -> BoxedStrategy<(String, String)> {
    (
        columns(),
        proptest::collection::vec(phone(), 0..=3),
        phone(),
        0usize..3,
        any::<bool>(),
    )
        .prop_map(|((cols, spellings), phones, bad_phone, kind, crlf)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let header: Vec<String> = cols
                .iter()
                .zip(&spellings)
                .map(|(c, s)| header_cell(*c, *s))
                .collect();
            let width = header.len();
            let good_row = |p: &str| -> String {
                let cells: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        if *c == Column::Phone {
                            p.to_owned()
                        } else {
                            String::new()
                        }
                    })
                    .collect();
                record(&cells, false)
            };
            let mut lines = vec![record(&header, false)];
            lines.extend(phones.iter().map(|p| good_row(p)));
            let row_number = lines.len() + 1;
            let note = match kind {
                // A record with one field more than the header.
                0 => {
                    lines.push(format!("{},extra", good_row(&bad_phone)));
                    format!(
                        "row {row_number} has {} fields, the header {width}",
                        width + 1
                    )
                }
                // A record with one field fewer (never empty: that would be a blank line).
                1 if width >= 2 => {
                    let cells: Vec<String> = (0..width - 1).map(|_| bad_phone.clone()).collect();
                    lines.push(cells.join(","));
                    format!(
                        "row {row_number} has {} fields, the header {width}",
                        width - 1
                    )
                }
                // A quoted field that never closes; nothing after it holds a quote.
                _ => {
                    let mut cells: Vec<String> = cols
                        .iter()
                        .map(|c| {
                            if *c == Column::Phone {
                                bad_phone.clone()
                            } else {
                                String::new()
                            }
                        })
                        .collect();
                    if let Some(last) = cells.last_mut() {
                        *last = "\"Chen, Wei".to_owned();
                    }
                    lines.push(cells.join(","));
                    format!("unterminated quote in row {row_number}")
                }
            };
            let mut text = lines.join(eol);
            text.push_str(eol);
            (text, note)
        })
        .boxed()
}
