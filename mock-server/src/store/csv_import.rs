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
//!   does not parse (400), there is no header row, it has no `phone` column or names a column
//!   twice (422), or there are more data rows than allowed (413). How the file is read and which
//!   files are refused is a rule the runner predicts too, so it lives in the contract crate
//!   (`spec::rules::contact_csv`, which also documents the reading: RFC 4180, BOM, blank lines,
//!   row numbers, headers); this module hands each data record to `parse_row`.
//! - A row problem skips that row only ([`RowError`], one per bad cell, all reported): a missing
//!   or non-E.164 phone, an e-mail that is not an address, a `doNotCall` that is not one of
//!   `true`/`false`/`yes`/`no`/`1`/`0`. Every other row is imported, so none of this changes the
//!   status and the runner need not know it.
//!
//! # Cells
//!
//! Every cell is trimmed; an empty cell is absent. Phones must match `^\+[1-9][0-9]{1,14}$` and
//! are never "normalised": guessing the country of `555-0100` would import wrong numbers. The
//! e-mail check is deliberately a little stricter than "has an @ and a dot": it accepts exactly
//! the plain `local@domain.tld` addresses (dot-atom local part, LDH domain labels) that also pass
//! the `email` format the contract asserts on `Contact.email`, so an imported address can always
//! be served back without violating the response schema.

pub(crate) use spec::rules::CsvRejection;
use spec::rules::contact_csv::printable;
use spec::rules::{Column, CsvHeader, CsvRecord, read_contacts_csv};

use crate::fake::is_e164;

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

/// Parses a contact-import CSV into valid rows and per-cell errors.
///
/// The file-level rules (what parses, the header, `max_rows`) are the contract's
/// ([`spec::rules::read_contacts_csv`]); this adds the checks of each data row.
pub(crate) fn parse_contacts_csv(text: &str, max_rows: u64) -> Result<ParsedCsv, CsvRejection> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let data_rows = read_contacts_csv(text, max_rows, |header, row, record| {
        match parse_row(header, record, row) {
            Ok(r) => rows.push(r),
            Err(mut errs) => errors.append(&mut errs),
        }
    })?;
    Ok(ParsedCsv {
        rows,
        errors,
        data_rows,
    })
}

/// Validates one data record: a [`ParsedRow`], or every problem found in it.
fn parse_row(header: &CsvHeader, record: &CsvRecord, row: u64) -> Result<ParsedRow, Vec<RowError>> {
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
    for (i, (column, header_name)) in header.columns().iter().enumerate() {
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

    const LIMIT: u64 = spec::rules::CSV_MAX_ROWS;

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
    fn quotes_are_read_as_the_contract_reads_them() {
        // A quote inside an unquoted field is literal, and a doubled quote closes nothing.
        let p = parse("phone,name\n+14155550100,5\"10\n+14155550101,\"a \"\"b\"\"\"\n");
        assert_eq!(p.rows[0].name.as_deref(), Some("5\"10"));
        assert_eq!(p.rows[1].name.as_deref(), Some("a \"b\""));
    }

    /// The file-level rules are `spec::rules::contact_csv`'s (tested there); a refusal comes
    /// back whole, with no rows.
    #[test]
    fn file_refusals_come_from_the_contract() {
        assert!(matches!(
            reject("phone,name\n+14155550100,Ann\n+14155550101,\"Bob\n"),
            CsvRejection::Malformed { row: 3, .. }
        ));
        assert_eq!(reject("\n\n"), CsvRejection::MissingHeader);
        assert_eq!(
            reject("phone,Email,email\n"),
            CsvRejection::DuplicateColumn {
                column: "email".to_owned()
            }
        );
        let body = "phone\n+14155550100\n+14155550101\n+14155550102\n";
        assert_eq!(parse_contacts_csv(body, 3).map(|p| p.data_rows), Ok(3));
        assert_eq!(
            parse_contacts_csv(body, 2),
            Err(CsvRejection::TooManyRows { limit: 2 })
        );
        // Several empty headers are not duplicates.
        assert!(parse_contacts_csv("phone,,\n+14155550100,a,b\n", LIMIT).is_ok());
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
    /// The seeded data's e-mail addresses (`fake::email_for`) pass the import's own check, so an
    /// exported contact can be imported again. (Moved here from `fake`, which sits below this
    /// module.)
    #[test]
    fn fake_emails_pass_the_import_check() {
        use crate::fake::{company, email_for, person_name, rng_for};
        for i in 0..500 {
            let mut rng = rng_for(9, "email", i);
            let name = person_name(&mut rng);
            let co = company(&mut rng);
            let email = email_for(&name, &co, &mut rng);
            assert_eq!(check_email(&email), Ok(()), "{email}");
        }
        let mut rng = rng_for(1, "email", 0);
        for (name, co) in [
            ("", ""),
            ("Ñandú", "!!!"),
            ("O'Connell", "Inc LLC"),
            ("  ", "Ac me"),
        ] {
            let email = email_for(name, co, &mut rng);
            assert_eq!(check_email(&email), Ok(()), "{email}");
        }
    }

    proptest! {
        #[test]
        fn fake_email_for_is_valid_for_any_text(seed in any::<u64>(), name in "\\PC{0,40}", co in "\\PC{0,60}") {
            let e = crate::fake::email_for(&name, &co, &mut crate::fake::rng_for(seed, "e", 0));
            prop_assert_eq!(check_email(&e), Ok(()), "{}", e);
        }
    }
}
