//! CSV import edge cases (D-CONTACTS, D-LIMITS) beyond operations.rs: encodings and line
//! endings, RFC 4180 quoting and record numbers, headers, per-cell errors, limits, list names,
//! and merging into existing contacts.

mod common;

use common::{KEY, Mock, assert_error, send};
use reqwest::Method;
use serde_json::{Value, json};

const CSV_LIMIT: usize = 10 << 20;
const MAX_ROWS: usize = 50_000;

async fn import_as(m: &Mock, key: &str, query: &str, body: impl Into<Vec<u8>>) -> (u16, Value) {
    send(
        m.req_as(key, Method::POST, &format!("/contact-lists{query}"))
            .header("content-type", "text/csv")
            .body(body.into()),
    )
    .await
}

async fn import(m: &Mock, body: impl Into<Vec<u8>>) -> (u16, Value) {
    import_as(m, KEY, "", body).await
}

/// Imports and asserts 201.
async fn imported(m: &Mock, body: impl Into<Vec<u8>>) -> Value {
    let (s, v) = import(m, body).await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn contacts_of(m: &Mock, key: &str) -> Vec<Value> {
    m.all_pages(key, "/contacts").await
}

fn by_phone<'a>(contacts: &'a [Value], phone: &str) -> &'a Value {
    contacts
        .iter()
        .find(|c| c["phone"] == phone)
        .unwrap_or_else(|| panic!("no contact {phone}"))
}

/// The report without the list's id, name and time, to compare imports of different files.
fn counts(report: &Value) -> Value {
    json!({
        "rows": report["rows"],
        "created": report["created"],
        "merged": report["merged"],
        "rejected": report["rejected"],
        "contactCount": report["contactCount"],
        "errors": report["errors"],
    })
}

/// What an import made of a contact, without ids and times.
fn essence(c: &Value) -> Value {
    json!({
        "phone": c["phone"],
        "name": c["name"],
        "email": c["email"],
        "customFields": c["customFields"],
        "doNotCall": c["doNotCall"],
    })
}

fn errors(report: &Value) -> Vec<(u64, Value)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e["reason"].as_str().is_some_and(|r| !r.is_empty()), "{e}");
            (e["row"].as_u64().unwrap(), e["column"].clone())
        })
        .collect()
}

#[tokio::test]
async fn bom_and_line_endings_do_not_change_the_result() {
    let m = Mock::start().await;
    let lines = [
        "phone,name,email,doNotCall,tier",
        "+14155550101,Ana Ruiz,ana@example.com,yes,gold",
        "+14155550102,Ben Okafor,,false,",
        "bad,Nobody,,,",
        "+14155550103,,cy@example.org,,silver",
    ];
    let lf = lines.join("\n") + "\n";
    let crlf = lines.join("\r\n") + "\r\n";
    let variants = [
        ("lf", lf.clone()),
        ("crlf", crlf.clone()),
        ("bom_lf", format!("\u{feff}{lf}")),
        ("bom_crlf", format!("\u{feff}{crlf}")),
        ("no_final_newline", lines.join("\n")),
        ("crlf_no_final_newline", lines.join("\r\n")),
        (
            "mixed",
            format!(
                "{}\r\n{}\n{}\r\n{}\n{}",
                lines[0], lines[1], lines[2], lines[3], lines[4]
            ),
        ),
        ("blank_lines", format!("\n\n{}\n\n\n", lines.join("\n\n"))),
    ];
    let mut reference: Option<(Value, Vec<Value>)> = None;
    for (name, body) in variants {
        // A workspace per variant, so that no variant merges into another.
        let key = format!("va_csv_{name}_0123456789");
        let (s, report) = import_as(&m, &key, "", body.into_bytes()).await;
        assert_eq!(s, 201, "{name}: {report}");
        let all = contacts_of(&m, &key).await;
        let made: Vec<Value> = ["+14155550101", "+14155550102", "+14155550103"]
            .iter()
            .map(|p| essence(by_phone(&all, p)))
            .collect();
        match &reference {
            None => {
                assert_eq!(report["rows"], 4);
                assert_eq!(report["created"], 3);
                assert_eq!(report["rejected"], 1);
                assert_eq!(errors(&report), [(4, json!("phone"))]);
                assert_eq!(
                    made[0],
                    json!({ "phone": "+14155550101", "name": "Ana Ruiz", "email": "ana@example.com",
                            "customFields": { "tier": "gold" }, "doNotCall": true })
                );
                assert_eq!(made[1]["customFields"], json!({}), "empty cells are absent");
                assert_eq!(made[1]["email"], Value::Null);
                assert_eq!(made[2]["name"], Value::Null);
                reference = Some((counts(&report), made));
            }
            Some((want_counts, want_made)) => {
                assert_eq!(counts(&report), *want_counts, "{name}");
                assert_eq!(made, *want_made, "{name}");
            }
        }
    }
    // With a BOM the first header is still `phone`, not a custom field named "\u{feff}phone".
    let all = contacts_of(&m, "va_csv_bom_lf_0123456789").await;
    assert!(
        all.iter()
            .all(|c| !c["customFields"].to_string().contains('\u{feff}'))
    );
}

#[tokio::test]
async fn quoted_commas_newlines_and_doubled_quotes_and_record_numbers() {
    let m = Mock::start().await;
    let csv = concat!(
        "phone,name,notes\r\n",
        "+14155550201,\"Lopez, Maria\",\"line one\nline two\r\nline three\"\r\n", // row 2, lines 2-4
        "+14155550202,\"The \"\"Boss\"\"\",plain\r\n",                            // row 3
        "not-a-phone,\"multi\nline\",x\r\n", // row 4, lines 6-7
        "\r\n",                              // blank: not a record
        "+14155550203,ok,\"a,b,\"\"c\"\"\"\r\n", // row 5
        "\"+14155550204\",\"\",\"\"\r\n",    // row 6, quoted cells
        "12,\"x\",\"y\"\r\n",                // row 7
    );
    let report = imported(&m, csv).await;
    assert_eq!(report["rows"], 6);
    assert_eq!(report["created"], 4);
    assert_eq!(report["rejected"], 2);
    assert_eq!(
        errors(&report),
        [(4, json!("phone")), (7, json!("phone"))],
        "rows are record numbers, not line numbers: {report}"
    );
    let all = contacts_of(&m, KEY).await;
    assert_eq!(by_phone(&all, "+14155550201")["name"], "Lopez, Maria");
    assert_eq!(
        by_phone(&all, "+14155550201")["customFields"]["notes"],
        "line one\nline two\r\nline three"
    );
    assert_eq!(by_phone(&all, "+14155550202")["name"], "The \"Boss\"");
    assert_eq!(
        by_phone(&all, "+14155550203")["customFields"]["notes"],
        "a,b,\"c\""
    );
    let quoted = by_phone(&all, "+14155550204");
    assert_eq!(quoted["name"], Value::Null, "a quoted empty cell is empty");
    assert_eq!(quoted["customFields"], json!({}));

    // In a one-column file a line of spaces is a record (an empty phone), not a blank line.
    let report = imported(&m, "phone\n+14155550205\n   \n+14155550206\n").await;
    assert_eq!(report["rows"], 3);
    assert_eq!(errors(&report), [(3, json!("phone"))]);
}

#[tokio::test]
async fn headers_match_case_insensitively_after_trimming_and_custom_columns_keep_their_order() {
    let m = Mock::start().await;
    let csv = " PHONE ,  Name,EMAIL  , DoNotCall ,Zeta, Company ,,alpha ,Mid\n\
               +14155550301, Ada Byron , ada@example.com , YES , z1,Analytical, ignored ,a1,m1\n\
               +14155550302,Bea,,,,,,,m2\n";
    let report = imported(&m, csv).await;
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(report["errors"], json!([]));
    let all = contacts_of(&m, KEY).await;
    let ada = by_phone(&all, "+14155550301");
    assert_eq!(ada["name"], "Ada Byron", "cells are trimmed");
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["doNotCall"], true);
    let keys: Vec<&str> = ada["customFields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["Zeta", "Company", "alpha", "Mid"],
        "custom columns in file order, under their trimmed headers; an empty header is ignored"
    );
    assert_eq!(
        ada["customFields"],
        json!({ "Zeta": "z1", "Company": "Analytical", "alpha": "a1", "Mid": "m1" })
    );
    assert_eq!(
        by_phone(&all, "+14155550302")["customFields"],
        json!({ "Mid": "m2" })
    );

    // `do_not_call` is the other spelling of `doNotCall`.
    let report = imported(&m, "Phone,Do_Not_Call\n+14155550303,1\n").await;
    assert_eq!(report["created"], 1, "{report}");
    let all = contacts_of(&m, KEY).await;
    let c = by_phone(&all, "+14155550303");
    assert_eq!(c["doNotCall"], true);
    assert_eq!(c["customFields"], json!({}));
}

#[tokio::test]
async fn a_header_naming_a_column_twice_is_422_and_imports_nothing() {
    let m = Mock::start().await;
    let before = m.export(KEY).await;
    for (header, column) in [
        ("phone,Phone", "Phone"),
        ("phone,email,EMAIL", "EMAIL"),
        ("phone, name ,NAME ", "NAME"),
        ("phone,doNotCall,do_not_call", "do_not_call"),
        ("phone,tag,Tag", "Tag"),
        ("phone,x,y,x", "x"),
    ] {
        let fields = header.split(',').count();
        let row = vec!["+14155550401"; fields].join(",");
        let (s, v) = import(&m, format!("{header}\n{row}\n")).await;
        let d = assert_error(s, &v, 422, "validation_error");
        let violation = &d["violations"][0];
        assert_eq!(violation["in"], "body", "{header}");
        assert_eq!(violation["row"], 1, "{header}");
        assert_eq!(violation["column"], column, "{header}: {d}");
    }
    assert_eq!(m.export(KEY).await, before, "nothing was imported");
}

#[tokio::test]
async fn do_not_call_values() {
    let m = Mock::start().await;
    let csv = "phone,DoNotCall\n\
               +14155550501,true\n\
               +14155550502,false\n\
               +14155550503,yes\n\
               +14155550504,no\n\
               +14155550505,1\n\
               +14155550506,0\n\
               +14155550507,TRUE\n\
               +14155550508,No\n\
               +14155550509, yes \n\
               +14155550510,\n\
               +14155550511,maybe\n\
               +14155550512,2\n\
               +14155550513,y\n\
               +14155550514,on\n\
               +14155550515,\"t rue\"\n";
    let report = imported(&m, csv).await;
    assert_eq!(report["rows"], 15);
    assert_eq!(report["created"], 10);
    assert_eq!(report["rejected"], 5);
    assert_eq!(
        errors(&report),
        (11..=15)
            .map(|r| (r + 1, json!("DoNotCall")))
            .collect::<Vec<_>>(),
        "each bad cell, under its header as written"
    );
    let all = contacts_of(&m, KEY).await;
    let want = [
        true, false, true, false, true, false, true, false, true, false,
    ];
    for (i, w) in want.iter().enumerate() {
        let phone = format!("+141555505{:02}", i + 1);
        assert_eq!(by_phone(&all, &phone)["doNotCall"], *w, "{phone}");
    }
    assert!(all.iter().all(|c| c["phone"] != "+14155550511"));
}

#[tokio::test]
async fn bad_emails_and_flags_are_reported_per_cell() {
    let m = Mock::start().await;
    let csv = "phone,email,doNotCall,name\n\
               +14155550601,not-an-email,maybe,Two Errors\n\
               bad-phone,also@bad@example.com,yes,Phone And Email\n\
               +14155550602,ok@example.com,no,Fine\n\
               +14155550603,a b@example.com,,Space\n\
               +14155550604,x@localhost,,No Dot\n\
               +14155550605,.dot@example.com,,Leading Dot\n\
               ,,,No Phone\n";
    let report = imported(&m, csv).await;
    assert_eq!(report["rows"], 7);
    assert_eq!(report["created"], 1);
    assert_eq!(report["rejected"], 6, "rows, not cells");
    assert_eq!(
        errors(&report),
        [
            (2, json!("email")),
            (2, json!("doNotCall")),
            (3, json!("phone")),
            (3, json!("email")),
            (5, json!("email")),
            (6, json!("email")),
            (7, json!("email")),
            (8, json!("phone")),
        ]
    );
    let all = contacts_of(&m, KEY).await;
    assert_eq!(by_phone(&all, "+14155550602")["email"], "ok@example.com");
    assert!(all.iter().all(|c| c["phone"] != "+14155550601"));
}

#[tokio::test]
async fn a_file_of_only_bad_rows_is_201_with_every_row_rejected() {
    let m = Mock::start().await;
    let total = contacts_of(&m, KEY).await.len();
    let csv = "phone,email\n555-0100,\n+0123,\n,x@example.com\n+14155550701,nope\n";
    let report = imported(&m, csv).await;
    assert_eq!(report["rows"], 4);
    assert_eq!(report["rejected"], 4);
    assert_eq!(report["created"], 0);
    assert_eq!(report["merged"], 0);
    assert_eq!(report["contactCount"], 0);
    assert_eq!(report["errors"].as_array().unwrap().len(), 4);
    assert!(
        report["id"].as_str().unwrap().starts_with("cl_"),
        "the list exists"
    );
    assert_eq!(contacts_of(&m, KEY).await.len(), total);

    // A header and no rows at all is an empty list, not an error.
    let report = imported(&m, "phone,name\n").await;
    assert_eq!(counts(&report)["rows"], 0);
    assert_eq!(report["contactCount"], 0);
}

/// `n` data rows with distinct phones, plus blank lines that are not rows.
fn many_rows(n: usize) -> String {
    let mut s = String::with_capacity(n * 14 + 16);
    s.push_str("phone\n");
    for i in 0..n {
        s.push_str(&format!("+1415{i:07}\n"));
        if i % 10_000 == 0 {
            s.push('\n');
        }
    }
    s
}

#[tokio::test]
async fn exactly_50000_rows_are_accepted_and_one_more_is_413() {
    let m = Mock::start().await;
    let before = m.export(KEY).await;
    let (s, v) = import(&m, many_rows(MAX_ROWS + 1)).await;
    let d = assert_error(s, &v, 413, "payload_too_large");
    assert_eq!(d["limitRows"], MAX_ROWS);
    assert_eq!(m.export(KEY).await, before, "nothing was imported");

    let total = contacts_of(&m, KEY).await.len();
    let report = imported(&m, many_rows(MAX_ROWS)).await;
    assert_eq!(report["rows"], MAX_ROWS);
    assert_eq!(report["created"], MAX_ROWS);
    assert_eq!(report["contactCount"], MAX_ROWS);
    assert_eq!(report["errors"], json!([]));
    let (_, page) = m.get("/contacts?limit=1").await;
    assert_eq!(page["total"], total + MAX_ROWS);
}

#[tokio::test]
async fn exactly_10_mib_is_accepted_and_one_byte_more_is_413() {
    let m = Mock::start().await;
    // 1,000 rows with a long custom field, padded so that the body is exactly the limit.
    let sized = |size: usize| {
        let mut s = String::from("phone,note\n");
        let rows = 1_000;
        let per_row = (size - s.len()) / rows;
        for i in 0..rows {
            let start = s.len();
            s.push_str(&format!("+1415666{i:04},"));
            let pad = if i + 1 == rows {
                size - s.len() - 1
            } else {
                per_row - (s.len() - start) - 1
            };
            s.push_str(&"n".repeat(pad));
            s.push('\n');
        }
        assert_eq!(s.len(), size);
        s
    };
    let before = m.export(KEY).await;
    let (s, v) = import(&m, sized(CSV_LIMIT + 1)).await;
    let d = assert_error(s, &v, 413, "payload_too_large");
    assert_eq!(d["limitBytes"], CSV_LIMIT);
    assert_eq!(m.export(KEY).await, before, "nothing was imported");

    let report = imported(&m, sized(CSV_LIMIT)).await;
    assert_eq!(report["rows"], 1_000);
    assert_eq!(report["created"], 1_000);
}

#[tokio::test]
async fn the_name_query_parameter_and_the_default_name() {
    let m = Mock::start().await;
    for (query, name) in [
        ("?name=Webinar", "Webinar"),
        ("?name=Webinar%20May%2C%202026", "Webinar May, 2026"),
        ("?name=a+b", "a b"),
        (
            "?name=%F0%9F%93%9E%20Leads%20%E2%80%94%20Q3",
            "📞 Leads — Q3",
        ),
        ("?name=%20", " "),
    ] {
        let (s, report) = import_as(&m, KEY, query, "phone\n+14155550801\n").await;
        assert_eq!(s, 201, "{query}: {report}");
        assert_eq!(report["name"], name, "{query}");
    }
    let long = "L".repeat(200);
    let (s, report) = import_as(&m, KEY, &format!("?name={long}"), "phone\n").await;
    assert_eq!(
        (s, report["name"].clone()),
        (201, json!(long)),
        "200 characters is the maximum"
    );

    // Without a name, the list is named after the (virtual) time of the import.
    m.advance(90.0).await;
    let report = imported(&m, "phone\n+14155550802\n").await;
    assert_eq!(report["name"], "Import 2026-05-13T16:01:30Z");
    assert_eq!(report["createdAt"], "2026-05-13T16:01:30Z");
}

#[tokio::test]
async fn rows_merge_into_seeded_contacts_and_into_earlier_rows() {
    let m = Mock::start().await;
    let seeded = contacts_of(&m, KEY).await;
    let total = seeded.len();
    let old = seeded
        .iter()
        .find(|c| {
            c["email"].is_string() && c["customFields"].as_object().is_some_and(|f| !f.is_empty())
        })
        .expect("a seeded contact with an email and custom fields")
        .clone();
    let phone = old["phone"].as_str().unwrap();
    let old_field = old["customFields"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    m.advance(120.0).await;

    let csv = format!(
        "phone,name,email,tier\n\
         {phone},New Name,,gold\n\
         +14155550901,First,first@example.com,\n\
         +14155550901,,,silver\n"
    );
    let report = imported(&m, csv).await;
    assert_eq!(report["rows"], 3);
    assert_eq!(report["created"], 1);
    assert_eq!(
        report["merged"], 2,
        "one into the seeded contact, one into row 3's twin"
    );
    assert_eq!(report["contactCount"], 2, "distinct contacts in the list");
    let list = report["id"].as_str().unwrap();

    let all = contacts_of(&m, KEY).await;
    assert_eq!(all.len(), total + 1);
    let merged = by_phone(&all, phone);
    assert_eq!(merged["id"], old["id"], "the same contact");
    assert_eq!(merged["name"], "New Name", "a non-empty value wins");
    assert_eq!(
        merged["email"], old["email"],
        "an empty cell does not erase"
    );
    assert_eq!(
        merged["customFields"][&old_field],
        old["customFields"][&old_field]
    );
    assert_eq!(
        merged["customFields"]["tier"], "gold",
        "custom fields are merged"
    );
    let mut lists = old["listIds"].as_array().unwrap().clone();
    lists.push(json!(list));
    assert_eq!(merged["listIds"], json!(lists));
    assert_eq!(merged["createdAt"], old["createdAt"]);
    assert_eq!(merged["updatedAt"], "2026-05-13T16:02:00Z");
    let twin = by_phone(&all, "+14155550901");
    assert_eq!(twin["name"], "First");
    assert_eq!(twin["email"], "first@example.com");
    assert_eq!(twin["customFields"], json!({ "tier": "silver" }));
    assert_eq!(twin["listIds"], json!([list]), "in the list once");
}

#[tokio::test]
async fn a_second_import_of_the_same_file_merges_every_row() {
    let m = Mock::start().await;
    let csv = "phone,name,email\n\
               +14155551001,One,one@example.com\n\
               +14155551002,Two,\n\
               bad,Three,\n\
               +14155551003,Four,four@example.com\n";
    let first = imported(&m, csv).await;
    assert_eq!(
        (
            first["created"].clone(),
            first["merged"].clone(),
            first["rejected"].clone()
        ),
        (json!(3), json!(0), json!(1))
    );
    let after_first = contacts_of(&m, KEY).await;
    let second = imported(&m, csv).await;
    assert_eq!(second["rows"], 4);
    assert_eq!(second["created"], 0);
    assert_eq!(second["merged"], 3, "every valid row");
    assert_eq!(second["rejected"], 1);
    assert_eq!(second["contactCount"], 3);
    assert_eq!(second["errors"], first["errors"]);
    assert_ne!(second["id"], first["id"], "a new list");
    let after_second = contacts_of(&m, KEY).await;
    assert_eq!(after_second.len(), after_first.len(), "no new contacts");
    for phone in ["+14155551001", "+14155551002", "+14155551003"] {
        let c = by_phone(&after_second, phone);
        assert_eq!(
            essence(c),
            essence(by_phone(&after_first, phone)),
            "{phone}"
        );
        assert_eq!(c["listIds"], json!([first["id"], second["id"]]), "{phone}");
    }
}

/// The 201 of an import carries `Location`: v1 cannot read a list, so it names the collection
/// where the imported contacts are read (D-BASE), and reading it finds them.
#[tokio::test]
async fn an_import_points_at_where_its_contacts_are_read() {
    let m = Mock::start().await;
    let res = m
        .req(Method::POST, "/contact-lists")
        .header("content-type", "text/csv")
        .body("phone,name\n+14155550123,Ada\n")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert_eq!(location, "/api/v1/contacts");
    let read = format!(
        "{}{}",
        m.server.base_url().trim_end_matches("/api/v1"),
        location
    );
    let page: Value = m
        .client
        .get(format!("{read}?limit=100&offset=0"))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert!(page["total"].as_u64().is_some_and(|t| t > 0), "{page}");
    assert!(
        m.all_pages(KEY, "/contacts")
            .await
            .iter()
            .any(|c| c["phone"] == "+14155550123"),
        "the imported contact is not at {location}"
    );
}
