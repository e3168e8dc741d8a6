//! Which contact-import CSV files are refused whole, and with what status
//! (spec/DECISIONS.md D-CONTACTS, D-LIMITS).
//!
//! `POST /contact-lists` imports rows independently, but some problems are with the *file*, and
//! then nothing is imported ([`CsvRejection`]): the CSV does not parse (a record with a different
//! number of fields than the header, or a quote that never closes: 400), there is no header row,
//! it has no `phone` column or it names a column twice (422), or there are more data rows than
//! allowed (413). The mock refuses by these rules and the runner predicts its answers by them, so
//! both read the file with this one reader; the checks of single cells (phones, e-mails,
//! `doNotCall` values) never change the status and stay with the mock.
//!
//! # Reading the CSV
//!
//! The `csv` crate reads RFC 4180 records (CRLF, LF or CR, quoted fields with commas, doubled
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
//! one row. A line holding only spaces is not blank: it is a record of one field. A body of only
//! whitespace has no header row.
//!
//! # Headers
//!
//! Header names are trimmed and matched case-insensitively: `phone` (required), `name`, `email`,
//! and `doNotCall` (or `do_not_call`). Every other non-empty header is a custom field kept under
//! its trimmed name; a column with an empty header is ignored. Two headers naming the same
//! column (`email` and `Email`, or `doNotCall` and `do_not_call`) are a 422 naming the column,
//! because silently picking one would lose data.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::body_limit::CSV_MAX_ROWS;

/// Why a whole import is refused; nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvRejection {
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

impl CsvRejection {
    /// The HTTP status of this refusal (D-CONTACTS): 400 for a file that does not parse, 422
    /// for a missing header, a missing `phone` column or a column named twice, 413 for too many
    /// rows (D-LIMITS).
    pub fn status(&self) -> u16 {
        match self {
            CsvRejection::Malformed { .. } => 400,
            CsvRejection::MissingHeader
            | CsvRejection::MissingPhoneColumn { .. }
            | CsvRejection::DuplicateColumn { .. } => 422,
            CsvRejection::TooManyRows { .. } => 413,
        }
    }

    /// The error code of this refusal: `validation_error`, or `payload_too_large` for too many
    /// rows (D-ERROR).
    pub fn code(&self) -> &'static str {
        match self {
            CsvRejection::TooManyRows { .. } => "payload_too_large",
            _ => "validation_error",
        }
    }
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

/// A cell value quoted in a message: at most 60 characters, with control characters (line
/// breaks, tabs) replaced by spaces so that a multi-line cell cannot break the message.
pub fn printable(value: &str) -> String {
    let short = match value.char_indices().nth(60) {
        Some((i, _)) => &value[..i],
        None => value,
    };
    let mut out: String = short
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if short.len() < value.len() {
        out.push('…');
    }
    out
}

/// What a header column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// `phone`: required.
    Phone,
    /// `name`.
    Name,
    /// `email`.
    Email,
    /// `doNotCall` or `do_not_call`.
    DoNotCall,
    /// A custom field under this (trimmed) header.
    Custom(String),
    /// A column with an empty header: ignored.
    Ignored,
}

/// The parsed header row: what each column is, and its name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvHeader {
    columns: Vec<(Column, String)>,
}

impl CsvHeader {
    /// Each column: what it holds, and its header as written (trimmed), in file order.
    pub fn columns(&self) -> &[(Column, String)] {
        &self.columns
    }

    /// Classifies the header record, rejecting duplicates and a missing `phone`.
    fn parse(record: &csv::StringRecord) -> Result<CsvHeader, CsvRejection> {
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
        Ok(CsvHeader { columns })
    }
}

/// One data record of the file, as the reader read it (fields untrimmed).
#[derive(Debug)]
pub struct CsvRecord(csv::StringRecord);

impl CsvRecord {
    /// Field `i`, or `None` past the last one.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.0.get(i)
    }

    /// How many fields the record has (always the header's).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Reads a contact-import CSV, handing each data record to `each_row` with the parsed header
/// and its row number (the header is row 1), and answers how many data records there were; or
/// the reason the whole file is refused.
///
/// `max_rows` is the most data rows accepted; reading stops with
/// [`CsvRejection::TooManyRows`] at the first row beyond it, so a huge file is not read to the
/// end. Rows already handed over before a refusal must be discarded by the caller: a refused
/// file imports nothing.
pub fn read_contacts_csv(
    text: &str,
    max_rows: u64,
    mut each_row: impl FnMut(&CsvHeader, u64, &CsvRecord),
) -> Result<u64, CsvRejection> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.trim().is_empty() {
        return Err(CsvRejection::MissingHeader);
    }
    let unclosed = unclosed_quote(body.as_bytes());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(body.as_bytes());
    let mut record = CsvRecord(csv::StringRecord::new());
    let mut header: Option<CsvHeader> = None;
    let mut data_rows: u64 = 0;
    let mut row: u64 = 0;
    loop {
        let next = row + 1;
        if let Some(q) = unclosed.filter(|q| q.record == next) {
            return Err(q.rejection());
        }
        match reader.read_record(&mut record.0) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(malformed(&e, next)),
        }
        row = next;
        let Some(h) = &header else {
            header = Some(CsvHeader::parse(&record.0)?);
            continue;
        };
        data_rows += 1;
        if data_rows > max_rows {
            return Err(CsvRejection::TooManyRows { limit: max_rows });
        }
        each_row(h, row, &record);
    }
    // The scanner and the reader agree on record boundaries, so an unclosed quote has been
    // reported above; this only guards against a disagreement.
    if let Some(q) = unclosed {
        return Err(q.rejection());
    }
    if header.is_none() {
        return Err(CsvRejection::MissingHeader);
    }
    Ok(data_rows)
}

/// Whether an import of this (UTF-8) body is accepted as a file, under the decided row limit
/// ([`CSV_MAX_ROWS`]): `Ok(())` means 201 whatever its rows hold, since bad rows are skipped
/// and reported, not refused.
pub fn check_contacts_csv(text: &str) -> Result<(), CsvRejection> {
    read_contacts_csv(text, CSV_MAX_ROWS, |_, _, _| {}).map(|_| ())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(text: &str) -> CsvRejection {
        match check_contacts_csv(text) {
            Ok(()) => panic!("accepted: {text:?}"),
            Err(e) => e,
        }
    }

    /// The status an import of `text` gets, 201 when the file is accepted.
    fn status(text: &str) -> u16 {
        check_contacts_csv(text).map_or_else(|e| e.status(), |()| 201)
    }

    /// The cases the runner kept beside its own reader, before it used this one.
    #[test]
    fn statuses_follow_d_contacts() {
        for (text, expected) in [
            ("phone,name\n+14155550123,\"a, b\"\n", 201),
            ("\u{feff}Phone\r\n+1\r\n", 201),
            ("phone,name\n+1,\"open\n", 400),
            ("phone,name\n+1,a,b\n", 400),
            ("name\nA\n", 422),
            ("\n\n", 422),
            ("phone,Phone\n+1,+2\n", 422),
        ] {
            assert_eq!(status(text), expected, "{text:?}");
        }
    }

    /// Where the runner's hand-written reader disagreed with the mock's, the mock's reading
    /// (this one) holds; each case would have been mispredicted before.
    #[test]
    fn regression_the_runner_read_files_unlike_the_mock() {
        for (text, expected) in [
            // Empty headers are ignored columns, not duplicates of each other.
            ("phone,,\n+14155550100,a,b\n", 201),
            // `doNotCall` and `do_not_call` name one column.
            ("phone,doNotCall,do_not_call\n", 422),
            // Header names compare case-insensitively beyond ASCII.
            ("phone,Ä,ä\n", 422),
            // A line of spaces is a one-field record, not a blank line.
            ("phone,name\n+14155550100,a\n   \n", 400),
            // A lone CR ends a record.
            ("phone\r+14155550100\r", 201),
        ] {
            assert_eq!(status(text), expected, "{text:?}");
        }
    }

    #[test]
    fn statuses_and_codes() {
        let malformed = CsvRejection::Malformed {
            row: 1,
            reason: "x".into(),
        };
        assert_eq!(
            (malformed.status(), malformed.code()),
            (400, "validation_error")
        );
        for r in [
            CsvRejection::MissingHeader,
            CsvRejection::MissingPhoneColumn { headers: vec![] },
            CsvRejection::DuplicateColumn { column: "a".into() },
        ] {
            assert_eq!((r.status(), r.code()), (422, "validation_error"), "{r:?}");
        }
        let many = CsvRejection::TooManyRows { limit: 1 };
        assert_eq!((many.status(), many.code()), (413, "payload_too_large"));
        for r in [malformed, many] {
            assert!(crate::rules::codes_for(r.status()).contains(&r.code()));
        }
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
        assert_eq!(
            check_contacts_csv("phone,name\n+14155550100,5\"10\n+14155550101,\"a \"\"b\"\"\"\n"),
            Ok(())
        );
    }

    #[test]
    fn missing_header_rejections() {
        for body in ["", "\n\n\r\n", "   ", " \n \t \n", "\u{feff}"] {
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
    }

    #[test]
    fn headers_are_classified() {
        let mut seen = Vec::new();
        let rows = read_contacts_csv(
            " Phone ,NAME,e-mail,,Do_Not_Call\n+1,a,b,c,d\n",
            10,
            |h, row, r| {
                seen.push((row, r.len(), h.columns().to_vec()));
            },
        );
        assert_eq!(rows, Ok(1));
        assert_eq!(
            seen,
            [(
                2,
                5,
                vec![
                    (Column::Phone, "Phone".to_owned()),
                    (Column::Name, "NAME".to_owned()),
                    (Column::Custom("e-mail".to_owned()), "e-mail".to_owned()),
                    (Column::Ignored, String::new()),
                    (Column::DoNotCall, "Do_Not_Call".to_owned()),
                ]
            )]
        );
    }

    #[test]
    fn too_many_rows_stops_at_the_limit() {
        let body = "phone\n+14155550100\n+14155550101\n+14155550102\n";
        assert_eq!(read_contacts_csv(body, 3, |_, _, _| {}), Ok(3));
        assert_eq!(
            read_contacts_csv(body, 2, |_, _, _| {}),
            Err(CsvRejection::TooManyRows { limit: 2 })
        );
        assert_eq!(
            read_contacts_csv(body, 0, |_, _, _| {}),
            Err(CsvRejection::TooManyRows { limit: 0 })
        );
        // Reading stops at the limit, before the broken record further down.
        let body = "phone\n+14155550100\n+14155550101\n\"broken\n";
        assert_eq!(
            read_contacts_csv(body, 1, |_, _, _| {}),
            Err(CsvRejection::TooManyRows { limit: 1 })
        );
        // The decided limit applies to `check_contacts_csv`.
        let mut big = String::from("phone\n");
        for _ in 0..=CSV_MAX_ROWS {
            big.push_str("+1\n");
        }
        assert_eq!(
            check_contacts_csv(&big),
            Err(CsvRejection::TooManyRows {
                limit: CSV_MAX_ROWS
            })
        );
    }

    #[test]
    fn printable_shortens_and_flattens() {
        assert_eq!(printable("a\nb"), "a b");
        let long = "x".repeat(61);
        assert_eq!(printable(&long), format!("{}…", "x".repeat(60)));
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
}
