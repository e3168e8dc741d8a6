//! What the generators produce: invalid values with where they break their schema, boundary
//! values, parameter boundaries and contact-import CSV files. Plain data, shared by the
//! generators and re-exported by `generate`.

use serde_json::Value;

/// The note of an [`Invalid`] (or of an [`invalid_param`](super::invalid_param) pair) produced for a schema that
/// accepts every value of the kind generated, so no invalid one exists (e.g. `true`, or a
/// parameter of plain `{"type": "string"}`). Its value is valid; callers re-validate and discard
/// it.
pub const NO_INVALID: &str = "no invalid value exists for this schema";

/// A value that does not validate against its schema, with where and how it breaks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The invalid value.
    pub value: Value,
    /// JSON pointer (RFC 6901) relative to the value of the part that breaks the schema: `""`
    /// for the root, `"/voice/speed"` for a nested field. For a missing required property or an
    /// unknown one it names that property (as the validator reports them). Inside an
    /// `anyOf`/`oneOf` a validator may report the failure at the combinator's location, a prefix
    /// of this pointer.
    pub pointer: String,
    /// How it breaks the schema: "above maximum (101 > 100)", "unknown field 'zq'",
    /// "missing required 'name'", "wrong type: string instead of integer", "pattern mismatch:
    /// trailing '!'", ...
    pub note: String,
}

/// One deterministic boundary value of a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// The value.
    pub value: Value,
    /// Whether it validates against the schema.
    pub valid: bool,
    /// JSON pointer (relative to the value) of the part the boundary is about; `""` for the
    /// root.
    pub pointer: String,
    /// Which boundary: "at maximum 100", "too long (101 characters, maximum 100)", ...
    pub note: String,
}

/// One deterministic boundary value of a parameter, as the raw string sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamBoundary {
    /// The raw string (unencoded; the runner percent-encodes it).
    pub raw: String,
    /// Whether it is valid after the D-PARAMS coercion.
    pub valid: bool,
    /// Which boundary: "at minimum 1", "leading '+'", "not exactly true/false", ...
    pub note: String,
}

/// A generated contact-import CSV (D-CONTACTS) that the import must accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvCase {
    /// The file: RFC 4180, UTF-8 (sometimes with a BOM), CRLF or LF line ends.
    pub text: String,
    /// Data records after the header (valid or not).
    pub data_rows: usize,
    /// Data records with a bad phone, email or `doNotCall` cell, which the import rejects and
    /// reports in `errors` (the others are created or merged).
    pub bad_rows: usize,
}
