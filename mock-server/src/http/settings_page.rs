//! `/settings/webhooks`: the page the reference page names for configuring webhooks, served as
//! plain server-rendered HTML with forms (no script). It lists a workspace's endpoints and recent
//! deliveries, adds and removes endpoints, and redelivers. The control API does the same for
//! programs (`/_mock/webhooks`).
//!
//! Forms post `application/x-www-form-urlencoded` and are answered with `303 See Other` back to
//! the page (post/redirect/get). A refused form is the page again with the reason and the status
//! of the refusal (422, 404, 415); a client that asks for JSON (`Accept: application/json`) gets
//! the error shape instead.

use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use crate::control::ControlBody;
use crate::control::sim_routes::{KeyIn, field_error, workspace_of};
use crate::error::ApiError;
use crate::sim::EndpointRequest;
use crate::state::Shared;

/// The page's routes.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/settings/webhooks",
            get(page).post(add).fallback(only(&["GET", "HEAD", "POST"])),
        )
        .route(
            "/settings/webhooks/{id}/delete",
            post(remove).fallback(only(&["POST"])),
        )
        .route(
            "/settings/webhooks/deliveries/{id}/redeliver",
            post(redeliver).fallback(only(&["POST"])),
        )
}

/// The 405 of a route that allows only `allowed` (axum knows the methods but does not say them
/// in the error shape).
fn only(
    allowed: &'static [&'static str],
) -> impl Fn(Request) -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    move |req: Request| {
        std::future::ready(
            ApiError::method_not_allowed(req.method().as_str(), allowed).into_response(),
        )
    }
}

/// Deliveries shown on the page.
const RECENT: usize = 25;

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    key: Option<String>,
}

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn see_other(key: &str) -> Response {
    let location = format!(
        "/settings/webhooks?key={}",
        percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
    );
    (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            HeaderValue::from_str(&location)
                .unwrap_or(HeaderValue::from_static("/settings/webhooks")),
        )],
    )
        .into_response()
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// Answers a refused form: the error shape for JSON clients, the page with the reason otherwise.
async fn refused(st: &Shared, headers: &HeaderMap, key: Option<&str>, e: ApiError) -> Response {
    if wants_json(headers) {
        return e.into_response();
    }
    let status = e.status;
    let message = e.message.clone();
    render(st, status, key, Some(&message)).await
}

async fn page(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match q {
        Ok(Query(q)) => render(&st, StatusCode::OK, q.key.as_deref(), None).await,
        Err(e) => refused(&st, &headers, None, crate::control::query_rejected(&e)).await,
    }
}

async fn render(
    st: &Shared,
    status: StatusCode,
    key: Option<&str>,
    error: Option<&str>,
) -> Response {
    let mut out = String::with_capacity(8 * 1024);
    out.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>Webhooks · vici-mock</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}",
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}",
        ".error{color:#a00;border:1px solid #a00;padding:.5rem}code{font-size:.9em}</style>",
        "</head><body>\n<h1>Webhooks</h1>\n"
    ));
    if let Some(e) = error {
        let _ = writeln!(out, "<p class=\"error\" role=\"alert\">{}</p>", esc(e));
    }
    let ws_key = match key {
        Some(k) if crate::policy::auth::well_formed(k) => Some(k),
        _ => None,
    };
    let Some(key) = ws_key else {
        // A key that was given but is not a key is said so, above the prompt it is put back in.
        let given = key.filter(|k| !k.is_empty());
        if let Some(bad) = given
            && error.is_none()
        {
            let _ = writeln!(
                out,
                "<p class=\"error\" role=\"alert\">'{}' is not an API key: keys are va_ followed by 16 to 64 letters, digits or underscores.</p>",
                esc(bad)
            );
        }
        out.push_str(concat!(
            "<p>Webhook endpoints belong to a workspace: enter its API key.</p>\n",
            "<form method=\"get\" action=\"/settings/webhooks\">",
            "<label>API key <input name=\"key\" required pattern=\"va_[A-Za-z0-9_]{16,64}\""
        ));
        if let Some(bad) = given {
            let _ = write!(out, " value=\"{}\"", esc(bad));
        }
        out.push_str("></label> <button type=\"submit\">Open</button></form>\n</body></html>\n");
        let status = if given.is_some() && status == StatusCode::OK {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        return html(status, out);
    };
    let k = esc(key);
    let _ = writeln!(
        out,
        "<p>Workspace of <code>{k}</code>. Deliveries are signed in <code>X-VICIagent-Signature: t=…,v1=…</code>, where v1 is the HMAC-SHA256, under the endpoint's secret, of {}.</p>",
        esc(st.sim.scheme().describe())
    );
    out.push_str("<h2>Endpoints</h2>\n");
    let endpoints = st.sim.endpoints(Some(key));
    if endpoints.is_empty() {
        out.push_str("<p id=\"no-endpoints\">No endpoints yet.</p>\n");
    } else {
        out.push_str("<table id=\"endpoints\"><tr><th>Id</th><th>URL</th><th>Events</th><th>Secret</th><th>Enabled</th><th></th></tr>\n");
        for e in &endpoints {
            let events = if e.events.is_empty() {
                "all".to_owned()
            } else {
                e.events.join(", ")
            };
            let action = if e.key.is_some() {
                format!(
                    "<form method=\"post\" action=\"/settings/webhooks/{}/delete\"><input type=\"hidden\" name=\"key\" value=\"{k}\"><button type=\"submit\">Remove</button></form>",
                    esc(&e.id)
                )
            } else {
                "from --webhook".to_owned()
            };
            let _ = writeln!(
                out,
                "<tr data-id=\"{id}\"><td><code>{id}</code></td><td>{url}</td><td>{events}</td><td><code>{secret}</code></td><td>{enabled}</td><td>{action}</td></tr>",
                id = esc(&e.id),
                url = esc(&e.url),
                events = esc(&events),
                secret = esc(&e.secret),
                enabled = if e.enabled { "yes" } else { "no" },
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>Add an endpoint</h2>\n<form method=\"post\" action=\"/settings/webhooks\" id=\"add\">\n");
    let _ = writeln!(out, "<input type=\"hidden\" name=\"key\" value=\"{k}\">");
    out.push_str("<p><label>URL <input name=\"url\" type=\"url\" required size=\"60\" placeholder=\"http://127.0.0.1:8080/webhooks\"></label></p>\n");
    out.push_str("<p><label>Secret <input name=\"secret\" size=\"40\" placeholder=\"generated when empty\"></label></p>\n<fieldset><legend>Events (none checked: all)</legend>\n");
    for hook in st.contract.webhooks() {
        let t = esc(&hook.event_type);
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" name=\"events\" value=\"{t}\"> {t}</label><br>"
        );
    }
    out.push_str("</fieldset>\n<p><button type=\"submit\">Add endpoint</button></p>\n</form>\n");
    out.push_str("<h2>Recent deliveries</h2>\n");
    let (total, deliveries) = st.sim.deliveries(&crate::sim::DeliveryFilter {
        key: Some(key.to_owned()),
        limit: Some(RECENT),
        ..Default::default()
    });
    if deliveries.is_empty() {
        out.push_str("<p id=\"no-deliveries\">No deliveries yet.</p>\n");
    } else {
        let _ = writeln!(out, "<p>{} of {total}, newest first.</p>", deliveries.len());
        out.push_str("<table id=\"deliveries\"><tr><th>Delivery</th><th>Event</th><th>Endpoint</th><th>State</th><th>Attempts</th><th>Last answer</th><th></th></tr>\n");
        for d in &deliveries {
            let s = |p: &str| {
                d.pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let attempts = d.get("attempts").and_then(Value::as_array);
            let last = attempts.and_then(|a| a.last());
            let last_answer = match last {
                None => "—".to_owned(),
                Some(a) => match (
                    a.get("responseCode").and_then(Value::as_u64),
                    a.get("error").and_then(Value::as_str),
                ) {
                    (Some(c), _) => c.to_string(),
                    (None, Some(e)) => e.to_owned(),
                    (None, None) => "—".to_owned(),
                },
            };
            let id = esc(&s("/id"));
            let _ = writeln!(
                out,
                "<tr data-id=\"{id}\"><td><code>{id}</code></td><td>{ev}</td><td><code>{ep}</code></td><td>{state}</td><td>{n}</td><td>{last}</td><td><form method=\"post\" action=\"/settings/webhooks/deliveries/{id}/redeliver\"><input type=\"hidden\" name=\"key\" value=\"{k}\"><button type=\"submit\">Redeliver</button></form></td></tr>",
                ev = esc(&s("/eventType")),
                ep = esc(&s("/endpointId")),
                state = esc(&s("/state")),
                n = attempts.map_or(0, Vec::len),
                last = esc(&last_answer),
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    html(status, out)
}

/// Decoded form fields, in order (repeated names kept).
fn form(headers: &HeaderMap, body: &Bytes) -> Result<Vec<(String, String)>, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = ct.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(ApiError::control(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("the form must be application/x-www-form-urlencoded, not '{ct}'"),
        ));
    }
    let text = std::str::from_utf8(body).map_err(|_| field_error("form", "is not UTF-8"))?;
    Ok(crate::api::query_pairs(Some(text)))
}

/// The `key` field of a form that needs nothing else (remove, redeliver).
fn form_key(headers: &HeaderMap, body: &Bytes) -> Result<String, ApiError> {
    let pairs = form(headers, body)?;
    field(&pairs, "key")
        .filter(|k| crate::policy::auth::well_formed(k))
        .map(str::to_owned)
        .ok_or_else(|| field_error("key", "required: a well-formed API key"))
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

async fn add(
    State(st): State<Shared>,
    headers: HeaderMap,
    ControlBody(body): ControlBody,
) -> Response {
    let pairs = match form(&headers, &body) {
        Ok(p) => p,
        Err(e) => return refused(&st, &headers, None, e).await,
    };
    let key = field(&pairs, "key").map(str::to_owned);
    let run = async {
        let ws = workspace_of(&st, key.as_deref(), KeyIn::Body).await?;
        let key = ws.read().key.clone();
        let req = EndpointRequest {
            key: Some(key.clone()),
            url: field(&pairs, "url").map(str::to_owned),
            secret: field(&pairs, "secret").map(str::to_owned),
            events: Some(
                pairs
                    .iter()
                    .filter(|(k, v)| k == "events" && !v.is_empty())
                    .map(|(_, v)| v.clone())
                    .collect(),
            ),
            enabled: Some(true),
        };
        st.sim
            .add_endpoint(&key, &req, st.clock.now_ms())
            .map_err(crate::control::sim_routes::sim_error)?;
        Ok::<_, ApiError>(see_other(&key))
    };
    match run.await {
        Ok(r) => r,
        Err(e) => refused(&st, &headers, key.as_deref(), e).await,
    }
}

async fn remove(
    State(st): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ControlBody(body): ControlBody,
) -> Response {
    let key = match form_key(&headers, &body) {
        Ok(k) => k,
        Err(e) => return refused(&st, &headers, None, e).await,
    };
    let key = key.as_str();
    match st.sim.remove_endpoint(Some(key), &id) {
        Ok(()) => see_other(key),
        Err(e) => {
            refused(
                &st,
                &headers,
                Some(key),
                crate::control::sim_routes::sim_error(e),
            )
            .await
        }
    }
}

async fn redeliver(
    State(st): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ControlBody(body): ControlBody,
) -> Response {
    let key = match form_key(&headers, &body) {
        Ok(k) => k,
        Err(e) => return refused(&st, &headers, None, e).await,
    };
    let key = key.as_str();
    // Only the workspace's own deliveries can be redelivered from its page.
    let owned = st
        .sim
        .delivery(&id)
        .is_some_and(|d| d.get("key").and_then(Value::as_str) == Some(key));
    if !owned {
        let e = ApiError::control(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no delivery '{id}' in this workspace"),
        );
        return refused(&st, &headers, Some(key), e).await;
    }
    if let Err(e) = st.sim.redeliver(&st.sim_env(), &id) {
        let e = ApiError::control(StatusCode::NOT_FOUND, "not_found", format!("{e:?}"));
        return refused(&st, &headers, Some(key), e).await;
    }
    st.sim.run_due(&st.sim_env()).await;
    see_other(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
