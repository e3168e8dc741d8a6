//! Parsing and validating the contact-import CSV (`POST /contact-lists`, D-CONTACTS).
//!
//! This module turns the request body into valid rows and a per-row error report; merging the
//! rows into the workspace is the store's job. It never panics, whatever the body: the CSV is
//! user input, so every cell is read with checked accessors.
//!
//! # Two kinds of failure
//!
//! D-CONTACTS separates problems with the *file* from problems with a *row*:
//!
//! - A file problem refuses the whole import and nothing is imported ([`CsvRejection`]): the CSV
//!   does not parse (a record with a different number of fields than the header, or a quote
//!   that never closes: 400), there is no header row or it has no `phone` column or names a
//!   column twice (422), or there are more data rows than allowed (413). Parsing stops at the
//!   first such problem, so a huge file over the row limit is not read to the end.
//! - A row problem skips that row only ([`RowError`], one per bad cell, all reported): a missing
//!   or non-E.164 phone, an e-mail that is not an address, a `doNotCall` that is not one of
//!   `true`/`false`/`yes`/`no`/`1`/`0`. Every other row is imported.
//!
//! # Reading the CSV
//!
//! The `csv` crate reads RFC 4180 records (CRLF or LF, quoted fields with commas, doubled
//! quotes and line breaks) with `flexible(false)`, so a record whose field count differs from
//! the header's is an error. The crate is lenient about one thing RFC 4180 is not: a quote that
//! never closes silently swallows the rest of the file into one field. Because that would import
//! garbage instead of telling the developer where the file is broken, a small scanner that
//! follows the `csv` crate's own state machine finds the record where an unclosed quote starts,
//! and that record is rejected as malformed. Other quote oddities the crate tolerates (`5"10`,
//! text after a closing quote) are accepted the way it reads them.
//!
//! A UTF-8 byte-order mark at the start is dropped (spreadsheet exports add one). Blank lines
//! are skipped and are not records, so row numbers are *record* numbers, not line numbers: the
//! header is row 1, the first data record row 2, and a quoted field spanning three lines is still
//! one row. A line holding only spaces is not blank: it is a record of one field.
//!
//! # Headers
//!
//! Header names are trimmed and matched case-insensitively: `phone` (required), `name`, `email`,
//! and `doNotCall` (or `do_not_call`). Every other non-empty header is a custom field kept under
//! its trimmed name; a column with an empty header is ignored. Two headers naming the same
//! column (`email` and `Email`, or `doNotCall` and `do_not_call`) are a 422 naming the column,
//! because silently picking one would lose data.
//!
//! # Cells
//!
//! Every cell is trimmed; an empty cell is absent. Phones must match `^\+[1-9][0-9]{1,14}$` and
//! are never "normalised": guessing the country of `555-0100` would import wrong numbers. The
//! e-mail check is deliberately a little stricter than "has an @ and a dot": it accepts exactly
//! the plain `local@domain.tld` addresses (dot-atom local part, LDH domain labels) that also pass
//! the `email` format the contract asserts on `Contact.email`, so an imported address can always
//! be served back without violating the response schema.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::fake_data::{clip, is_e164};

/// A data row that passed every check, ready to be merged into the contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedRow {
    /// Record number in the file (the header is row 1).
    pub(crate) row: u64,
    /// E.164 phone number.
    pub(crate) phone: String,
    /// Name, or `None` when the cell is empty or there is no `name` column.
    pub(crate) name: Option<String>,
    /// E-mail address, or `None` when the cell is empty or there is no `email` column.
    pub(crate) email: Option<String>,
    /// `doNotCall`, or `None` when the cell is empty or there is no such column.
    pub(crate) do_not_call: Option<bool>,
    /// Other columns as `(header, value)` in header order; empty cells are omitted.
    pub(crate) custom_fields: Vec<(String, String)>,
}

/// A problem with one cell of one row (the `ImportRowError` schema); the row is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    /// Record number in the file (the header is row 1, so at least 2).
    pub(crate) row: u64,
    /// The column's header as written in the file (trimmed); `None` for a whole-row problem.
    pub(crate) column: Option<String>,
    /// What is wrong and what would be right, for a developer.
    pub(crate) reason: String,
}

/// The outcome of parsing an acceptable file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ParsedCsv {
    /// The valid rows, in file order.
    pub(crate) rows: Vec<ParsedRow>,
    /// One entry per bad cell, in file order.
    pub(crate) errors: Vec<RowError>,
    /// Every data record, valid or not (the header excluded).
    pub(crate) data_rows: u64,
}

/// Why a whole import is refused; nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CsvRejection {
    /// The body is not well-formed CSV (400 `validation_error`).
    #[error("the CSV does not parse at row {row}: {reason}")]
    Malformed {
        /// Record number where parsing failed (the header is row 1).
        row: u64,
        /// What is wrong, for a developer.
        reason: String,
    },
    /// The body is empty or has only blank lines (422 `validation_error`).
    #[error(
        "the CSV has no header row; the first line must name the columns, and one of them must be `phone`"
    )]
    MissingHeader,
    /// The header row has no `phone` column (422 `validation_error`).
    #[error("the header row has no `phone` column (found: {})", list_headers(.headers))]
    MissingPhoneColumn {
        /// The header names found, trimmed, empty ones left out.
        headers: Vec<String>,
    },
    /// Two headers name the same column (422 `validation_error`).
    #[error(
        "the header row names the column `{column}` more than once (names are case-insensitive)"
    )]
    DuplicateColumn {
        /// The second header naming the column, as written (trimmed).
        column: String,
    },
    /// More data rows than allowed (413 `payload_too_large`).
    #[error("the CSV has more than {limit} data rows")]
    TooManyRows {
        /// The row limit.
        limit: u64,
    },
}

/// The header names for a message, at most 20 of them.
fn list_headers(headers: &[String]) -> String {
    if headers.is_empty() {
        return "no named columns".to_owned();
    }
    let mut out = String::new();
    for (i, h) in headers.iter().take(20).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "`{}`", printable(h));
    }
    if headers.len() > 20 {
        let _ = write!(out, " and {} more", headers.len() - 20);
    }
    out
}

/// What a header column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Phone,
    Name,
    Email,
    DoNotCall,
    /// A custom field under this (trimmed) header.
    Custom(String),
    /// A column with an empty header: ignored.
    Ignored,
}

/// The parsed header row: what each column is, and its name as written.
struct Header {
    columns: Vec<(Column, String)>,
}

impl Header {
    /// Classifies the header record, rejecting duplicates and a missing `phone`.
    fn parse(record: &csv::StringRecord) -> Result<Header, CsvRejection> {
        let mut columns = Vec::with_capacity(record.len());
        // Canonical keys seen so far; a BTreeSet keeps this deterministic and O(n log n) even
        // for absurdly wide files.
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for raw in record.iter() {
            let name = raw.trim();
            let (column, key) = if name.is_empty() {
                (Column::Ignored, None)
            } else if name.eq_ignore_ascii_case("phone") {
                (Column::Phone, Some("phone".to_owned()))
            } else if name.eq_ignore_ascii_case("name") {
                (Column::Name, Some("name".to_owned()))
            } else if name.eq_ignore_ascii_case("email") {
                (Column::Email, Some("email".to_owned()))
            } else if name.eq_ignore_ascii_case("doNotCall")
                || name.eq_ignore_ascii_case("do_not_call")
            {
                (Column::DoNotCall, Some("donotcall".to_owned()))
            } else {
                (
                    Column::Custom(name.to_owned()),
                    Some(format!("custom:{}", name.to_lowercase())),
                )
            };
            if let Some(key) = key
                && !seen.insert(key)
            {
                return Err(CsvRejection::DuplicateColumn {
                    column: name.to_owned(),
                });
            }
            columns.push((column, name.to_owned()));
        }
        if !columns.iter().any(|(c, _)| *c == Column::Phone) {
            let headers = columns
                .iter()
                .filter(|(_, n)| !n.is_empty())
                .map(|(_, n)| n.clone())
                .collect();
            return Err(CsvRejection::MissingPhoneColumn { headers });
        }
        Ok(Header { columns })
    }
}

/// Parses a contact-import CSV into valid rows and per-cell errors.
///
/// `max_rows` is the most data rows accepted; reading stops with
/// [`CsvRejection::TooManyRows`] at the first row beyond it.
pub(crate) fn parse_contacts_csv(text: &str, max_rows: u64) -> Result<ParsedCsv, CsvRejection> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.trim().is_empty() {
        return Err(CsvRejection::MissingHeader);
    }
    let unclosed = unclosed_quote(body.as_bytes());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(body.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut header: Option<Header> = None;
    let mut parsed = ParsedCsv::default();
    let mut row: u64 = 0;
    loop {
        let next = row + 1;
        if let Some(q) = unclosed.filter(|q| q.record == next) {
            return Err(q.rejection());
        }
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(malformed(&e, next)),
        }
        row = next;
        let Some(h) = &header else {
            header = Some(Header::parse(&record)?);
            continue;
        };
        parsed.data_rows += 1;
        if parsed.data_rows > max_rows {
            return Err(CsvRejection::TooManyRows { limit: max_rows });
        }
        match parse_row(h, &record, row) {
            Ok(r) => parsed.rows.push(r),
            Err(mut errs) => parsed.errors.append(&mut errs),
        }
    }
    // The scanner and the reader agree on record boundaries, so an unclosed quote has been
    // reported above; this only guards against a disagreement.
    if let Some(q) = unclosed {
        return Err(q.rejection());
    }
    if header.is_none() {
        return Err(CsvRejection::MissingHeader);
    }
    Ok(parsed)
}

/// A `csv` crate error as a [`CsvRejection::Malformed`]; `fallback_row` when the error has no
/// position.
fn malformed(e: &csv::Error, fallback_row: u64) -> CsvRejection {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => {
            let row = pos
                .as_ref()
                .map_or(fallback_row, |p| p.record().saturating_add(1));
            let line = pos.as_ref().map(csv::Position::line).unwrap_or(0);
            let fields = |n: u64| {
                if n == 1 {
                    "1 field".to_owned()
                } else {
                    format!("{n} fields")
                }
            };
            let at = if line > 0 {
                format!(" (starting on line {line})")
            } else {
                String::new()
            };
            CsvRejection::Malformed {
                row,
                reason: format!(
                    "this row{at} has {} but the header has {}; every row needs the same number \
                     of fields, and a value containing a comma must be wrapped in double quotes",
                    fields(*len),
                    fields(*expected_len)
                ),
            }
        }
        _ => {
            let row = e
                .position()
                .map_or(fallback_row, |p| p.record().saturating_add(1));
            CsvRejection::Malformed {
                row,
                reason: format!("the CSV could not be read: {e}"),
            }
        }
    }
}

/// Where an unclosed quote starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UnclosedQuote {
    /// Record number (1-based) of the record holding the opening quote.
    record: u64,
    /// Physical line (1-based) of the opening quote.
    line: u64,
}

impl UnclosedQuote {
    fn rejection(self) -> CsvRejection {
        CsvRejection::Malformed {
            row: self.record,
            reason: format!(
                "a quoted field opened on line {} is never closed; a double quote inside a \
                 quoted field must be written twice (\"\")",
                self.line
            ),
        }
    }
}

/// Finds a quoted field that is still open at the end of `bytes`.
///
/// This follows the state machine of `csv-core` with the settings used above (delimiter `,`,
/// quote `"`, doubled quotes, CR, LF or CRLF terminators, blank lines skipped), so its record
/// count matches the reader's: a quote opens a quoted field only at the start of a field, and a
/// doubled quote inside one is a literal quote.
fn unclosed_quote(bytes: &[u8]) -> Option<UnclosedQuote> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        StartRecord,
        StartField,
        InField,
        InQuoted,
        QuoteInQuoted,
    }
    let mut state = State::StartRecord;
    let mut records = 0u64;
    let mut line = 1u64;
    let mut opened = UnclosedQuote { record: 0, line: 0 };
    for &b in bytes {
        let is_term = b == b'\n' || b == b'\r';
        state = match state {
            State::StartRecord if is_term => State::StartRecord,
            State::StartRecord | State::StartField => {
                if state == State::StartRecord {
                    records += 1;
                }
                match b {
                    b'"' => {
                        opened = UnclosedQuote {
                            record: records,
                            line,
                        };
                        State::InQuoted
                    }
                    b',' => State::StartField,
                    _ if is_term => State::StartRecord,
                    _ => State::InField,
                }
            }
            State::InField | State::QuoteInQuoted if b == b',' => State::StartField,
            State::InField | State::QuoteInQuoted if is_term => State::StartRecord,
            State::InField => State::InField,
            State::QuoteInQuoted if b == b'"' => State::InQuoted,
            State::QuoteInQuoted => State::InField,
            State::InQuoted if b == b'"' => State::QuoteInQuoted,
            State::InQuoted => State::InQuoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (state == State::InQuoted).then_some(opened)
}

/// Validates one data record: a [`ParsedRow`], or every problem found in it.
fn parse_row(
    header: &Header,
    record: &csv::StringRecord,
    row: u64,
) -> Result<ParsedRow, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut phone = None;
    let mut name = None;
    let mut email = None;
    let mut do_not_call = None;
    let mut custom_fields = Vec::new();
    let mut error = |column: &str, reason: String| {
        errors.push(RowError {
            row,
            column: Some(column.to_owned()),
            reason,
        });
    };
    for (i, (column, header_name)) in header.columns.iter().enumerate() {
        let value = record.get(i).unwrap_or("").trim();
        match column {
            Column::Phone => {
                if value.is_empty() {
                    error(
                        header_name,
                        "phone is empty; every row needs a phone number in E.164 form, such as +14155550123"
                            .to_owned(),
                    );
                } else if !is_e164(value) {
                    error(
                        header_name,
                        format!(
                            "'{}' is not an E.164 number (expected + then up to 15 digits, no leading zero)",
                            printable(value)
                        ),
                    );
                } else {
                    phone = Some(value.to_owned());
                }
            }
            Column::Name => name = non_empty(value),
            Column::Email => {
                if !value.is_empty() {
                    match check_email(value) {
                        Ok(()) => email = Some(value.to_owned()),
                        Err(why) => error(
                            header_name,
                            format!("'{}' is not a valid email address: {why}", printable(value)),
                        ),
                    }
                }
            }
            Column::DoNotCall => {
                if !value.is_empty() {
                    match parse_flag(value) {
                        Some(b) => do_not_call = Some(b),
                        None => error(
                            header_name,
                            format!(
                                "'{}' is not a valid {header_name} value; use true, false, yes, no, 1 or 0",
                                printable(value)
                            ),
                        ),
                    }
                }
            }
            Column::Custom(key) => {
                if !value.is_empty() {
                    custom_fields.push((key.clone(), value.to_owned()));
                }
            }
            Column::Ignored => {}
        }
    }
    match phone {
        Some(phone) if errors.is_empty() => Ok(ParsedRow {
            row,
            phone,
            name,
            email,
            do_not_call,
            custom_fields,
        }),
        _ => Err(errors),
    }
}

/// `Some(value)` unless it is empty.
fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// A `doNotCall` cell: `true`/`yes`/`1` or `false`/`no`/`0`, case-insensitively.
fn parse_flag(value: &str) -> Option<bool> {
    ["true", "yes", "1"]
        .iter()
        .any(|t| value.eq_ignore_ascii_case(t))
        .then_some(true)
        .or_else(|| {
            ["false", "no", "0"]
                .iter()
                .any(|f| value.eq_ignore_ascii_case(f))
                .then_some(false)
        })
}

/// A cell value quoted in a message: at most 60 characters, with control characters (line
/// breaks, tabs) replaced by spaces so that a multi-line cell cannot break the message.
fn printable(value: &str) -> String {
    let short = clip(value, 60);
    let mut out: String = short
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if short.len() < value.len() {
        out.push('…');
    }
    out
}

/// Characters RFC 5322 allows in a dot-atom besides letters, digits and dots.
const ATEXT_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";

/// Checks an e-mail address: `Ok(())`, or why it is not one (a clause for a message).
///
/// Accepted: one `@`; a local part of 1 to 64 ASCII letters, digits, `.` and
/// ``!#$%&'*+-/=?^_`{|}~``, with no dot at either end and no two dots in a row; a domain of at
/// most 253 characters with at least two dot-separated labels, each 1 to 63 letters, digits or
/// hyphens, not starting or ending with a hyphen. This is the plain form of RFC 5321 addresses,
/// and every such address also passes the `email` format of JSON Schema as the contract's
/// validator checks it. Quoted local parts, IP-literal domains and internationalised addresses
/// are rejected.
pub(crate) fn check_email(value: &str) -> Result<(), &'static str> {
    if value.chars().any(char::is_whitespace) {
        return Err("it contains whitespace");
    }
    let mut parts = value.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("it must contain exactly one '@'");
    };
    if local.is_empty() {
        return Err("the part before '@' is empty");
    }
    if local.len() > 64 {
        return Err("the part before '@' is longer than 64 characters");
    }
    let atext = |b: u8| b.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(&b);
    if !local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(atext))
    {
        return Err(
            "the part before '@' may use only letters, digits, dots (not first, last or twice in a row) \
             and !#$%&'*+-/=?^_`{|}~",
        );
    }
    if domain.is_empty() {
        return Err("the domain after '@' is empty");
    }
    if domain.len() > 253 {
        return Err("the domain is longer than 253 characters");
    }
    if !domain.contains('.') {
        return Err("the domain needs a dot, as in example.com");
    }
    for label in domain.split('.') {
        let bytes = label.as_bytes();
        let ok = (1..=63).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
            // `xx--…` labels are IDNA A-labels, which the contract's format check decodes; plain
            // addresses never need them, so they are refused rather than half-validated.
            && bytes.get(2..4) != Some(b"--".as_slice());
        if !ok {
            return Err(
                "the domain may use only letters, digits, hyphens and dots, in labels of 1 to 63 \
                 characters that do not start or end with a hyphen",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMIT: u64 = 50_000;

    fn parse(text: &str) -> ParsedCsv {
        match parse_contacts_csv(text, LIMIT) {
            Ok(p) => p,
            Err(e) => panic!("rejected: {e:?}"),
        }
    }

    fn reject(text: &str) -> CsvRejection {
        match parse_contacts_csv(text, LIMIT) {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => e,
        }
    }

    fn row(row: u64, phone: &str) -> ParsedRow {
        ParsedRow {
            row,
            phone: phone.to_owned(),
            name: None,
            email: None,
            do_not_call: None,
            custom_fields: Vec::new(),
        }
    }

    #[test]
    fn the_contract_example_parses() {
        let body = "phone,name,email,company\r\n+12125550147,Maria Lopez,maria.lopez@example.com,Acme Logistics\r\n\
                    +13105550162,\"Chen, Wei\",wei.chen@example.com,Globex\r\n+12125550147,Maria Lopez,,Acme Logistics\r\n\
                    555-0100,Bad Number,,Initech\r\n";
        let p = parse(body);
        assert_eq!(p.data_rows, 4);
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[0].name.as_deref(), Some("Maria Lopez"));
        assert_eq!(p.rows[0].email.as_deref(), Some("maria.lopez@example.com"));
        assert_eq!(
            p.rows[0].custom_fields,
            vec![("company".to_owned(), "Acme Logistics".to_owned())]
        );
        assert_eq!(p.rows[1].name.as_deref(), Some("Chen, Wei"));
        assert_eq!(p.rows[2].email, None);
        assert_eq!(
            p.errors,
            vec![RowError {
                row: 5,
                column: Some("phone".to_owned()),
                reason: "'555-0100' is not an E.164 number (expected + then up to 15 digits, no leading zero)"
                    .to_owned(),
            }]
        );
    }

    #[test]
    fn bom_is_stripped() {
        let p = parse("\u{feff}phone,name\n+14155550100,Ann\n");
        assert_eq!(p.rows[0].phone, "+14155550100");
        assert_eq!(p.rows[0].name.as_deref(), Some("Ann"));
        assert_eq!(reject("\u{feff}"), CsvRejection::MissingHeader);
    }

    #[test]
    fn crlf_lf_and_a_missing_final_newline_read_the_same() {
        let lf = parse("phone,name\n+14155550100,Ann\n+14155550101,Bob\n");
        let crlf = parse("phone,name\r\n+14155550100,Ann\r\n+14155550101,Bob\r\n");
        let bare = parse("phone,name\r\n+14155550100,Ann\r\n+14155550101,Bob");
        assert_eq!(lf, crlf);
        assert_eq!(lf, bare);
        assert_eq!(lf.rows.len(), 2);
    }

    #[test]
    fn quoted_fields_keep_record_numbers() {
        let body = "phone,name,notes\n\
                    +14155550100,\"Lopez, Maria\",\"said \"\"call me\"\"\"\n\
                    +14155550101,Bob,\"line one\nline two\r\nline three\"\n\
                    bad,Carl,x\n";
        let p = parse(body);
        assert_eq!(p.rows[0].name.as_deref(), Some("Lopez, Maria"));
        assert_eq!(
            p.rows[0].custom_fields,
            vec![("notes".to_owned(), "said \"call me\"".to_owned())]
        );
        assert_eq!(p.rows[1].row, 3);
        assert_eq!(
            p.rows[1].custom_fields[0].1,
            "line one\nline two\r\nline three"
        );
        // Physically on line 6, but the fourth record.
        assert_eq!(p.errors[0].row, 4);
        assert_eq!(p.data_rows, 3);
    }

    #[test]
    fn blank_lines_are_skipped_and_not_counted() {
        let p = parse("\n\r\nphone\n\n+14155550100\n\r\n\n+14155550101\n\n");
        assert_eq!(p.data_rows, 2);
        assert_eq!(p.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 3]);
    }

    #[test]
    fn headers_are_trimmed_and_case_insensitive() {
        let p = parse(" PHONE , Name ,EMAIL,DoNotCall\n+14155550100,Ann,ann@example.com,YES\n");
        let r = &p.rows[0];
        assert_eq!(r.name.as_deref(), Some("Ann"));
        assert_eq!(r.email.as_deref(), Some("ann@example.com"));
        assert_eq!(r.do_not_call, Some(true));
        let p = parse("phone,do_not_call\n+14155550100,0\n");
        assert_eq!(p.rows[0].do_not_call, Some(false));
    }

    #[test]
    fn custom_columns_keep_header_order_and_skip_empty_cells() {
        let p = parse("Company,phone, Plan ,,Region\nAcme,+14155550100, gold ,ignored,\n");
        assert_eq!(
            p.rows[0].custom_fields,
            vec![
                ("Company".to_owned(), "Acme".to_owned()),
                ("Plan".to_owned(), "gold".to_owned())
            ]
        );
    }

    #[test]
    fn cells_are_trimmed_and_empty_cells_are_absent() {
        let p = parse("phone,name,email,doNotCall\n  +14155550100  ,  ,   , \n");
        assert_eq!(p.rows, vec![row(2, "+14155550100")]);
    }

    #[test]
    fn unequal_field_counts_are_malformed() {
        let e = reject("phone,name\n+14155550100,Ann\n+14155550101,Lopez, Maria\n");
        let CsvRejection::Malformed { row, reason } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*row, 3);
        assert!(reason.contains("3 fields but the header has 2"), "{reason}");
        assert!(reason.contains("line 3"), "{reason}");
        // Too few fields, too.
        let e = reject("phone,name,email\n\n+14155550100,Ann\n");
        assert!(matches!(e, CsvRejection::Malformed { row: 2, .. }), "{e:?}");
        // A line of spaces is a one-field record, not a blank line.
        let e = reject("phone,name\n   \n");
        assert!(matches!(e, CsvRejection::Malformed { row: 2, .. }), "{e:?}");
    }

    #[test]
    fn an_unclosed_quote_is_malformed_at_its_record() {
        let e = reject("phone,name\n+14155550100,Ann\n+14155550101,\"Bob\n+14155550102,Carl\n");
        let CsvRejection::Malformed { row, reason } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*row, 3);
        assert!(
            reason.contains("line 3") && reason.contains("never closed"),
            "{reason}"
        );
        // In the header as well.
        assert!(matches!(
            reject("\"phone,name\n+1415,x\n"),
            CsvRejection::Malformed { row: 1, .. }
        ));
        // A quote inside an unquoted field is literal, and a doubled quote closes nothing.
        let p = parse("phone,name\n+14155550100,5\"10\n+14155550101,\"a \"\"b\"\"\"\n");
        assert_eq!(p.rows[0].name.as_deref(), Some("5\"10"));
        assert_eq!(p.rows[1].name.as_deref(), Some("a \"b\""));
    }

    #[test]
    fn missing_header_rejections() {
        for body in ["", "\n\n\r\n", "   ", " \n \t \n"] {
            assert_eq!(reject(body), CsvRejection::MissingHeader, "{body:?}");
        }
    }

    #[test]
    fn missing_phone_column() {
        let e = reject("name, Email ,,mobile\nAnn,a@b.co,,+14155550100\n");
        assert_eq!(
            e,
            CsvRejection::MissingPhoneColumn {
                headers: vec!["name".into(), "Email".into(), "mobile".into()]
            }
        );
        assert_eq!(
            e.to_string(),
            "the header row has no `phone` column (found: `name`, `Email`, `mobile`)"
        );
    }

    #[test]
    fn duplicate_columns() {
        for (body, col) in [
            ("phone,email,Email\n", "Email"),
            ("phone,doNotCall,do_not_call\n", "do_not_call"),
            ("Phone,phone\n", "phone"),
            ("phone,Plan,PLAN\n", "PLAN"),
            ("phone, notes ,notes\n", "notes"),
        ] {
            assert_eq!(
                reject(body),
                CsvRejection::DuplicateColumn {
                    column: col.to_owned()
                },
                "{body}"
            );
        }
        // Several empty headers are not duplicates.
        assert!(parse_contacts_csv("phone,,\n+14155550100,a,b\n", LIMIT).is_ok());
    }

    #[test]
    fn too_many_rows_stops_at_the_limit() {
        let body = "phone\n+14155550100\n+14155550101\n+14155550102\n";
        assert_eq!(parse_contacts_csv(body, 3).map(|p| p.data_rows), Ok(3));
        let e = parse_contacts_csv(body, 2);
        assert_eq!(e, Err(CsvRejection::TooManyRows { limit: 2 }));
        assert_eq!(
            parse_contacts_csv(body, 0),
            Err(CsvRejection::TooManyRows { limit: 0 })
        );
        // Reading stops at the limit, before the broken record further down.
        let body = "phone\n+14155550100\n+14155550101\n\"broken\n";
        assert_eq!(
            parse_contacts_csv(body, 1),
            Err(CsvRejection::TooManyRows { limit: 1 })
        );
    }

    #[test]
    fn header_only_is_an_empty_import() {
        assert_eq!(parse("phone,name\r\n"), ParsedCsv::default());
    }

    #[test]
    fn phone_errors() {
        let body = "phone\n\n555-0100\n+0123456\n+1\n+1234567890123456\n 4155550100\n+1 415 555 0100\n,\n+12\n";
        let e = reject(body);
        assert!(
            matches!(e, CsvRejection::Malformed { .. }),
            "a lone comma is two fields: {e:?}"
        );
        let body = "phone,x\n,\n555-0100,\n+0123456,\n+1,\n+1234567890123456,\n4155550100,\n+1 415 555 0100,\n+12,\n";
        let p = parse(body);
        assert_eq!(p.data_rows, 8);
        assert_eq!(p.rows, vec![row(9, "+12")]);
        assert_eq!(
            p.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
            vec![2, 3, 4, 5, 6, 7, 8]
        );
        assert!(
            p.errors[0].reason.starts_with("phone is empty"),
            "{}",
            p.errors[0].reason
        );
        assert!(
            p.errors
                .iter()
                .all(|e| e.column.as_deref() == Some("phone"))
        );
        assert_eq!(
            p.errors[1].reason,
            "'555-0100' is not an E.164 number (expected + then up to 15 digits, no leading zero)"
        );
    }

    #[test]
    fn the_column_is_named_as_written() {
        let p = parse("Phone,E-Mail,EMAIL\nnope,x,y\n");
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[0].column.as_deref(), Some("Phone"));
        assert_eq!(p.errors[1].column.as_deref(), Some("EMAIL"));
    }

    #[test]
    fn email_errors() {
        let bad = [
            "maria",
            "maria@",
            "@example.com",
            "a@@example.com",
            "a@b@example.com",
            "maria@localhost",
            "ma ria@example.com",
            "maria@exa_mple.com",
            "maria@-example.com",
            "maria@example-.com",
            "maria@example..com",
            ".maria@example.com",
            "maria.@example.com",
            "ma..ria@example.com",
            "maría@example.com",
            "\"maria\"@example.com",
            "maria@[127.0.0.1]",
            "maria@xn--bcher-kva.example",
            "maria(x)@example.com",
        ];
        for email in bad {
            let p = parse(&format!(
                "phone,email\n+14155550100,\"{}\"\n",
                email.replace('"', "\"\"")
            ));
            assert!(p.rows.is_empty(), "{email} accepted");
            assert_eq!(p.errors.len(), 1, "{email}");
            assert_eq!(p.errors[0].column.as_deref(), Some("email"));
            assert!(
                p.errors[0]
                    .reason
                    .contains("is not a valid email address: "),
                "{}",
                p.errors[0].reason
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(check_email(&long_local).is_err());
        let long_label = format!("a@{}.com", "b".repeat(64));
        assert!(check_email(&long_label).is_err());
        for good in [
            "maria.lopez@example.com",
            "m+tag@sub.example.co.uk",
            "o'connell@example.ie",
            "x@a.b",
            "1@2.3",
            "a-b@a-b.c-d",
            "!#$%&'*+-/=?^_`{|}~@example.com",
        ] {
            assert_eq!(check_email(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn do_not_call_values() {
        let body = "phone,doNotCall\n+14155550100,TRUE\n+14155550101,No\n+14155550102,1\n+14155550103,0\n\
                    +14155550104,yes\n+14155550105,False\n+14155550106,maybe\n+14155550107,y\n";
        let p = parse(body);
        let flags: Vec<Option<bool>> = p.rows.iter().map(|r| r.do_not_call).collect();
        assert_eq!(
            flags,
            vec![
                Some(true),
                Some(false),
                Some(true),
                Some(false),
                Some(true),
                Some(false)
            ]
        );
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[0].row, 8);
        assert_eq!(p.errors[0].column.as_deref(), Some("doNotCall"));
        assert_eq!(
            p.errors[0].reason,
            "'maybe' is not a valid doNotCall value; use true, false, yes, no, 1 or 0"
        );
    }

    #[test]
    fn every_bad_cell_of_a_row_is_reported() {
        let p = parse("phone,email,doNotCall,name\n12345,nope,perhaps,Ann\n");
        assert!(p.rows.is_empty());
        assert_eq!(p.data_rows, 1);
        let cols: Vec<_> = p.errors.iter().map(|e| (e.row, e.column.clone())).collect();
        assert_eq!(
            cols,
            vec![
                (2, Some("phone".to_owned())),
                (2, Some("email".to_owned())),
                (2, Some("doNotCall".to_owned()))
            ]
        );
    }

    #[test]
    fn all_bad_rows() {
        let p = parse("phone,email\nx,y\n,\n+0,a@b\n");
        assert!(p.rows.is_empty());
        assert_eq!(p.data_rows, 3);
        assert_eq!(p.errors.len(), 5);
    }

    #[test]
    fn long_or_multiline_values_are_shortened_in_messages() {
        let body = format!("phone\n\"{}\nsecond line\"\n", "9".repeat(200));
        let p = parse(&body);
        let reason = &p.errors[0].reason;
        assert!(reason.chars().count() < 160, "{reason}");
        assert!(!reason.contains('\n') && reason.contains('…'), "{reason}");
    }

    #[test]
    fn parsing_is_deterministic() {
        let body = "phone,b,a,c\n+14155550100,2,1,3\nbad,,,\n";
        assert_eq!(parse(body), parse(body));
        assert_eq!(
            parse(body).rows[0]
                .custom_fields
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["b", "a", "c"]
        );
    }

    #[test]
    fn the_scanner_agrees_with_the_reader() {
        for (body, expected) in [
            ("a\n\"b", Some(UnclosedQuote { record: 2, line: 2 })),
            ("a,\"b\"\"\n", Some(UnclosedQuote { record: 1, line: 1 })),
            ("a,\"b\"\"\"\n", None),
            ("\r\n\r\n\"x", Some(UnclosedQuote { record: 1, line: 3 })),
            ("a\r\"b", Some(UnclosedQuote { record: 2, line: 1 })),
            ("x\"y\n", None),
            (
                "\"a\"b,\"c\nd\"\n\"",
                Some(UnclosedQuote { record: 2, line: 3 }),
            ),
        ] {
            assert_eq!(unclosed_quote(body.as_bytes()), expected, "{body:?}");
        }
    }

    /// A generated valid row, and how to write it.
    #[derive(Debug, Clone)]
    struct GenRow {
        phone: String,
        name: Option<String>,
        email: Option<String>,
        dnc: Option<(bool, &'static str)>,
        custom: Vec<Option<String>>,
    }

    fn text_value() -> impl Strategy<Value = Option<String>> {
        "[A-Za-z0-9 ,\"'\r\n;é—-]{0,16}".prop_map(|s| non_empty(s.trim()))
    }

    fn gen_row(customs: usize) -> impl Strategy<Value = GenRow> {
        (
            "\\+[1-9][0-9]{1,14}",
            text_value(),
            proptest::option::of("[a-z0-9]{1,8}(\\.[a-z0-9]{1,8})?@[a-z]{1,8}\\.(com|org|io)"),
            proptest::option::of((any::<bool>(), 0usize..3)),
            proptest::collection::vec(text_value(), customs),
        )
            .prop_map(|(phone, name, email, dnc, custom)| GenRow {
                phone,
                name,
                email,
                dnc: dnc.map(|(b, i)| {
                    let spellings: [&str; 3] = if b {
                        ["true", "YES", "1"]
                    } else {
                        ["False", "no", "0"]
                    };
                    (b, spellings[i])
                }),
                custom,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics_on_arbitrary_text(text in any::<String>(), max in 0u64..5) {
            let _ = parse_contacts_csv(&text, max);
        }

        #[test]
        fn never_panics_on_csv_like_text(
            prefix in prop_oneof![Just(""), Just("phone,name,email,doNotCall\n"), Just("\u{feff}phone\r\n")],
            text in "[,\"\r\n a-zA-Z0-9+@.\u{feff}]{0,200}",
            max in 0u64..10,
        ) {
            let body = format!("{prefix}{text}");
            if let Ok(p) = parse_contacts_csv(&body, max) {
                prop_assert!(p.data_rows <= max);
                prop_assert!(p.rows.len() as u64 <= p.data_rows);
                prop_assert!(p.rows.iter().all(|r| r.row >= 2 && is_e164(&r.phone)));
                prop_assert!(p.errors.iter().all(|e| e.row >= 2 && !e.reason.is_empty()));
            }
        }

        #[test]
        fn written_rows_parse_back(
            (customs, rows) in (0usize..3).prop_flat_map(|n| (Just(n), proptest::collection::vec(gen_row(n), 0..20))),
            crlf in any::<bool>(),
            bom in any::<bool>(),
        ) {
            let mut writer = csv::WriterBuilder::new()
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            let mut header = vec!["phone".to_owned(), "Name".to_owned(), "email".to_owned(), "do_not_call".to_owned()];
            header.extend((0..customs).map(|i| format!("x_{i}")));
            prop_assert!(writer.write_record(&header).is_ok());
            for r in &rows {
                let mut rec = vec![
                    r.phone.clone(),
                    r.name.clone().unwrap_or_default(),
                    r.email.clone().unwrap_or_default(),
                    r.dnc.map(|(_, s)| s.to_owned()).unwrap_or_default(),
                ];
                rec.extend(r.custom.iter().map(|c| c.clone().unwrap_or_default()));
                prop_assert!(writer.write_record(&rec).is_ok());
            }
            let bytes = writer.into_inner().unwrap_or_default();
            let mut text = String::from_utf8(bytes).unwrap_or_default();
            if bom {
                text.insert(0, '\u{feff}');
            }
            let parsed = parse_contacts_csv(&text, LIMIT);
            prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed, text);
            let parsed = parsed.unwrap_or_default();
            prop_assert_eq!(parsed.errors, vec![]);
            prop_assert_eq!(parsed.data_rows, rows.len() as u64);
            let expected: Vec<ParsedRow> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| ParsedRow {
                    row: i as u64 + 2,
                    phone: r.phone.clone(),
                    name: r.name.clone(),
                    email: r.email.clone(),
                    do_not_call: r.dnc.map(|(b, _)| b),
                    custom_fields: r
                        .custom
                        .iter()
                        .enumerate()
                        .filter_map(|(i, c)| c.clone().map(|v| (format!("x_{i}"), v)))
                        .collect(),
                })
                .collect();
            prop_assert_eq!(parsed.rows, expected);
        }
    }
}
