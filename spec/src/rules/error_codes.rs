//! Which error code goes with which status (spec/DECISIONS.md D-ERROR).
//!
//! Every non-2xx answer with a body carries one of a closed list of codes, and each code has
//! its status: the table of D-ERROR, here as data. The mock answers with a status's code, the
//! runner checks that an error's code is one its status allows. A test checks this table
//! against both the `Error` schema's `enum` and the table in `spec/DECISIONS.md`.

/// Each status of D-ERROR with the codes it may carry, in the order D-ERROR lists them; the
/// first is the one a server answers when nothing more precise applies (a forced status,
/// D-CHAOS).
const BY_STATUS: &[(u16, &[&str])] = &[
    (400, &["validation_error"]),
    (401, &["unauthorized"]),
    (403, &["forbidden", "invalid_signature", "url_expired"]),
    (404, &["not_found"]),
    (405, &["method_not_allowed"]),
    (409, &["conflict"]),
    (413, &["payload_too_large"]),
    (414, &["uri_too_long"]),
    (415, &["unsupported_media_type"]),
    (416, &["range_not_satisfiable"]),
    (422, &["validation_error"]),
    (429, &["rate_limited"]),
    (431, &["headers_too_large"]),
    (500, &["internal_error"]),
];

/// The one server-side code: what a 5xx carries (D-ERROR, D-CHAOS).
pub const SERVER_ERROR_CODE: &str = "internal_error";

/// Every (code, status) pair of D-ERROR, in its table's order.
pub const ERROR_CODES: &[(&str, u16)] = &[
    ("validation_error", 400),
    ("validation_error", 422),
    ("unauthorized", 401),
    ("forbidden", 403),
    ("invalid_signature", 403),
    ("url_expired", 403),
    ("not_found", 404),
    ("method_not_allowed", 405),
    ("conflict", 409),
    ("payload_too_large", 413),
    ("uri_too_long", 414),
    ("unsupported_media_type", 415),
    ("range_not_satisfiable", 416),
    ("rate_limited", 429),
    ("headers_too_large", 431),
    ("internal_error", 500),
];

/// The codes an answer with `status` may carry (D-ERROR); empty for a status the table does not
/// list (a success, or an error status such as 503 that only `default` covers).
pub fn codes_for(status: u16) -> &'static [&'static str] {
    BY_STATUS
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(&[], |(_, codes)| codes)
}

/// The code to answer `status` with when nothing more precise applies: the first code D-ERROR
/// lists for it, or `internal_error` for any 5xx (D-CHAOS: the only server-side code). `None`
/// for a status below 400 or a 4xx the table does not list.
pub fn code_for(status: u16) -> Option<&'static str> {
    match codes_for(status).first() {
        Some(code) => Some(code),
        None if (500..600).contains(&status) => Some(SERVER_ERROR_CODE),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::Contract;

    #[test]
    fn the_two_views_of_the_table_agree() {
        let from_pairs: BTreeSet<(u16, &str)> = ERROR_CODES.iter().map(|(c, s)| (*s, *c)).collect();
        let from_statuses: BTreeSet<(u16, &str)> = BY_STATUS
            .iter()
            .flat_map(|(s, codes)| codes.iter().map(move |c| (*s, *c)))
            .collect();
        assert_eq!(from_pairs, from_statuses);
        assert_eq!(from_pairs.len(), ERROR_CODES.len(), "no pair twice");
    }

    #[test]
    fn the_table_covers_exactly_the_error_schema_enum() {
        let contract = Contract::v1();
        let error = contract.schema("Error").expect("an Error schema");
        let documented: BTreeSet<&str> = error["properties"]["error"]["enum"]
            .as_array()
            .expect("an enum of codes")
            .iter()
            .map(|c| c.as_str().expect("a string code"))
            .collect();
        let ours: BTreeSet<&str> = ERROR_CODES.iter().map(|(c, _)| *c).collect();
        assert_eq!(ours, documented);
    }

    /// The rows of D-ERROR's table: `` | `code` | status | when | details | ``.
    fn decisions_table() -> BTreeSet<(u16, String)> {
        let text = include_str!("../../DECISIONS.md");
        let section = text
            .split("### D-ERROR")
            .nth(1)
            .and_then(|s| s.split("\n### ").next())
            .expect("a D-ERROR section");
        section
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                let status = cells.get(2)?.parse().ok()?;
                Some((status, code.to_owned()))
            })
            .collect()
    }

    #[test]
    fn the_table_is_the_one_in_decisions() {
        let ours: BTreeSet<(u16, String)> = ERROR_CODES
            .iter()
            .map(|(c, s)| (*s, (*c).to_owned()))
            .collect();
        let documented = decisions_table();
        assert_eq!(documented.len(), 16, "{documented:?}");
        assert_eq!(ours, documented);
    }

    #[test]
    fn lookups() {
        assert_eq!(codes_for(422), ["validation_error"]);
        assert_eq!(
            codes_for(403),
            ["forbidden", "invalid_signature", "url_expired"]
        );
        assert!(codes_for(200).is_empty());
        assert!(codes_for(503).is_empty());
        assert_eq!(code_for(403), Some("forbidden"));
        assert_eq!(code_for(429), Some("rate_limited"));
        assert_eq!(code_for(500), Some("internal_error"));
        assert_eq!(code_for(503), Some("internal_error"));
        assert_eq!(code_for(418), None);
        assert_eq!(code_for(302), None);
    }
}
