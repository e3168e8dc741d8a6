//! How large a request body may be (spec/DECISIONS.md D-LIMITS).
//!
//! JSON bodies up to 1 MiB, CSV bodies up to 10 MiB and 50,000 data rows; anything larger is
//! 413 `payload_too_large`. The limit is the operation's, chosen by the media types it declares,
//! not by the `Content-Type` a client sends: a server decides how much it will read before it
//! has read anything, so a JSON body sent to the CSV import is held to the CSV limit (and is
//! then 415), and a CSV body sent to a JSON operation to the JSON limit.

use crate::RequestBody;

/// The largest JSON body accepted, in bytes (D-LIMITS).
pub const JSON_LIMIT: usize = 1 << 20;

/// The largest CSV body accepted, in bytes (D-LIMITS).
pub const CSV_LIMIT: usize = 10 << 20;

/// The most data rows (the header excluded) a CSV import accepts (D-LIMITS).
pub const CSV_MAX_ROWS: u64 = 50_000;

/// The size limit of a request body of this declaration: [`CSV_LIMIT`] when the operation
/// takes `text/csv`, else [`JSON_LIMIT`] (D-LIMITS).
pub fn body_limit(body: &RequestBody) -> usize {
    if body.content.iter().any(|m| m.media_type == "text/csv") {
        CSV_LIMIT
    } else {
        JSON_LIMIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Contract;

    fn limit_of(operation_id: &str) -> usize {
        let contract = Contract::v1();
        let op = contract
            .operations()
            .iter()
            .find(|o| o.id == operation_id)
            .unwrap_or_else(|| panic!("no operation {operation_id}"));
        body_limit(op.request_body.as_ref().expect("a request body"))
    }

    #[test]
    fn limits_are_the_decided_sizes() {
        assert_eq!(JSON_LIMIT, 1_048_576);
        assert_eq!(CSV_LIMIT, 10 * 1_048_576);
        assert_eq!(CSV_MAX_ROWS, 50_000);
    }

    #[test]
    fn the_csv_import_has_the_csv_limit_and_everything_else_the_json_one() {
        assert_eq!(limit_of("importContactList"), CSV_LIMIT);
        for op in [
            "createAgent",
            "updateAgent",
            "buyPhoneNumber",
            "updatePhoneNumber",
        ] {
            assert_eq!(limit_of(op), JSON_LIMIT, "{op}");
        }
        let contract = Contract::v1();
        for op in contract.operations() {
            let Some(rb) = &op.request_body else { continue };
            let csv = rb.content.iter().any(|m| m.media_type == "text/csv");
            assert_eq!(body_limit(rb) == CSV_LIMIT, csv, "{}", op.id);
        }
    }
}
