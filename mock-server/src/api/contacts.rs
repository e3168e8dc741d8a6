//! `GET /contacts` and `POST /contact-lists` (CSV import).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json as j};
use spec::{Location, Violation};

use spec::rules::CSV_MAX_ROWS;

use super::{Input, json};
use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::render::{self, ListOut};
use crate::store::csv_import::{CsvRejection, parse_contacts_csv};
use crate::store::ids::Kind;

/// `listContacts`.
pub(super) fn list(input: &Input<'_>) -> Result<Response, ApiError> {
    let (offset, limit) = input.page();
    let ws = input.ws()?.read();
    let page = ws.list_contacts(offset, limit);
    let data = page
        .items
        .iter()
        .map(|&s| render::contact(&ws, s))
        .collect();
    json(
        StatusCode::OK,
        &ListOut {
            data,
            total: page.total,
            limit,
            offset,
        },
    )
}

/// `importContactList`: parse everything first; import only a CSV that parses.
pub(super) fn import(input: &Input<'_>) -> Result<Response, ApiError> {
    let spec::BodyValue::Text(text) = &input.body else {
        return Err(ApiError::internal(
            "validated CSV body is not text",
            Value::Null,
        ));
    };
    let parsed = parse_contacts_csv(text, CSV_MAX_ROWS).map_err(rejection)?;
    let errors: Vec<Value> = parsed
        .errors
        .iter()
        .map(|e| j!({ "row": e.row, "column": e.column, "reason": e.reason }))
        .collect();
    let now = input.now();
    let name = input
        .str("name")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("Import {}", Timestamp::from_secs(now)));
    let mut ws = input.ws()?.write();
    let report = ws.import_contacts(name, parsed, now);
    let list = &ws.contact_lists[report.list as usize];
    let mut res = json(
        StatusCode::CREATED,
        &j!({
            "id": ws.id(Kind::ContactList, report.list),
            "name": list.name,
            "createdAt": Timestamp::from_secs(list.created_at),
            "rows": report.rows,
            "created": report.created,
            "merged": report.merged,
            "rejected": report.rejected,
            "contactCount": list.contacts.len(),
            "errors": errors,
        }),
    )?;
    // v1 has no route that reads a list; its contacts are read at /contacts (D-BASE).
    let location = format!("{}/contacts", input.state.contract.server_base_path());
    if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Ok(res)
}

fn csv_violation(row: u64, column: Option<String>, reason: impl Into<String>) -> Violation {
    Violation {
        location: Location::Csv { row, column },
        reason: reason.into(),
    }
}

fn rejection(r: CsvRejection) -> ApiError {
    // The status is the contract's rule (D-CONTACTS); the wording is ours.
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    match r {
        CsvRejection::Malformed { row, reason } => ApiError::validation(
            status,
            format!("the CSV does not parse at row {row}: {reason}; nothing was imported"),
            &[csv_violation(row, None, reason)],
        ),
        CsvRejection::MissingHeader => ApiError::validation(
            status,
            "the CSV has no header row; nothing was imported",
            &[csv_violation(
                1,
                None,
                "a header row with a 'phone' column is required",
            )],
        ),
        CsvRejection::MissingPhoneColumn { headers } => ApiError::validation(
            status,
            format!(
                "the CSV header has no 'phone' column (found: {}); nothing was imported",
                headers.join(", ")
            ),
            &[csv_violation(
                1,
                Some("phone".to_owned()),
                "required column is missing",
            )],
        ),
        CsvRejection::DuplicateColumn { column } => ApiError::validation(
            status,
            format!("the CSV header names '{column}' twice; nothing was imported"),
            &[csv_violation(
                1,
                Some(column),
                "column appears more than once",
            )],
        ),
        CsvRejection::TooManyRows { limit } => ApiError::too_many_rows(limit),
    }
}
