//! Rules the mock and the runner must apply identically, each written once.
//!
//! The mock answers by these rules and the runner predicts answers by them; if each kept its own
//! copy, the two could drift apart and the runner would report the mock (or excuse another
//! server) for a difference of bookkeeping rather than of behaviour. Each module is one rule and
//! cites the `spec/DECISIONS.md` entry it implements:
//!
//! - [`error_codes`]: which error code goes with which status (D-ERROR, D-CHAOS).
//! - [`body_limit`]: how large a request body may be (D-LIMITS).
//! - [`body_rejection`]: the status and code of a refused body, [`crate::BodyError`] (D-ERROR).
//! - [`contact_csv`]: which contact-import CSV files are refused whole, and with what status
//!   (D-CONTACTS).
//! - [`id_prefixes`]: the prefix of each kind of id (D-IDS).

pub mod body_limit;
pub mod body_rejection;
pub mod contact_csv;
pub mod error_codes;
pub mod id_prefixes;

pub use body_limit::{CSV_LIMIT, CSV_MAX_ROWS, JSON_LIMIT, body_limit};
pub use contact_csv::{
    Column, CsvHeader, CsvRecord, CsvRejection, check_contacts_csv, read_contacts_csv,
};
pub use error_codes::{ERROR_CODES, code_for, codes_for};
