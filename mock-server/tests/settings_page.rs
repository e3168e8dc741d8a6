//! The `/settings/webhooks` page through its forms, as a browser would use it: open, add an
//! endpoint, see it listed and receiving, redeliver, remove; refused forms say why.

mod common;

use common::receiver::Receiver;
use common::{KEY, Mock};
use reqwest::{Method, redirect};
use serde_json::json;

struct Page {
    mock: Mock,
    client: reqwest::Client,
}

impl Page {
    async fn start() -> Page {
        let mock = Mock::start().await;
        // Like a browser form post, but redirects are checked by hand.
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        Page { mock, client }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.mock.origin())
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        (status, ct, r.text().await.unwrap())
    }

    async fn post_form(&self, path: &str, form: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .unwrap()
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn the_page_adds_lists_redelivers_and_removes_endpoints_through_its_forms() {
    let page = Page::start().await;
    let rx = Receiver::start().await;

    let (s, ct, body) = page.get("/settings/webhooks").await;
    assert_eq!((s, ct.as_str()), (200, "text/html; charset=utf-8"));
    assert!(body.contains("name=\"key\""), "asks for the key");

    let (s, _, body) = page.get(&format!("/settings/webhooks?key={KEY}")).await;
    assert_eq!(s, 200);
    assert!(body.contains("id=\"no-endpoints\""));
    assert!(body.contains("<form method=\"post\" action=\"/settings/webhooks\" id=\"add\">"));
    for hook in spec::Contract::v1().webhooks() {
        assert!(body.contains(&format!("value=\"{}\"", hook.event_type)));
    }

    let form = format!(
        "key={KEY}&url={}&secret=whsec_page&events=call.queued&events=campaign.started",
        enc(&rx.url)
    );
    let res = page.post_form("/settings/webhooks", &form).await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/settings/webhooks?key={}", enc(KEY)));

    let (_, _, body) = page.get(&location).await;
    assert!(body.contains(&rx.url), "the endpoint is listed");
    assert!(body.contains("call.queued, campaign.started"));
    assert!(body.contains("whsec_page"));
    let (_, eps) = page
        .mock
        .control(Method::GET, &format!("/webhooks?key={KEY}"), None)
        .await;
    let ep_id = eps["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        eps["data"][0]["events"],
        json!(["call.queued", "campaign.started"])
    );

    // It receives, and the delivery shows on the page with a redeliver form.
    let (s, _) = page
        .mock
        .control(Method::POST, "/calls", Some(json!({"key": KEY})))
        .await;
    assert_eq!(s, 201);
    assert_eq!(rx.types(), ["call.queued"]);
    let delivery = rx.received()[0].delivery().to_owned();
    let (_, _, body) = page.get(&location).await;
    assert!(body.contains(&delivery), "the delivery is listed");
    assert!(body.contains(">200<"), "with the receiver's answer");
    let res = page
        .post_form(
            &format!("/settings/webhooks/deliveries/{delivery}/redeliver"),
            &format!("key={KEY}"),
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(rx.received().len(), 2);
    assert_eq!(rx.received()[1].delivery(), delivery);

    // Remove it.
    let res = page
        .post_form(
            &format!("/settings/webhooks/{ep_id}/delete"),
            &format!("key={KEY}"),
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (_, _, body) = page.get(&location).await;
    assert!(body.contains("id=\"no-endpoints\""));
    assert!(!body.contains(&rx.url));
}

#[tokio::test]
async fn refused_forms_say_why() {
    let page = Page::start().await;
    let res = page
        .post_form(
            "/settings/webhooks",
            &format!("key={KEY}&url=ftp%3A%2F%2Fx"),
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("role=\"alert\""), "{body}");
    assert!(body.contains("http://"), "says what a URL must be: {body}");

    let res = page
        .client
        .post(page.url("/settings/webhooks"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(format!("key={KEY}&url=<script>"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"], "validation_error");
    assert_eq!(v["details"]["violations"][0]["pointer"], "/url");

    let res = page
        .client
        .post(page.url("/settings/webhooks"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);

    let res = page
        .post_form("/settings/webhooks", "url=http%3A%2F%2Fx")
        .await;
    assert_eq!(res.status().as_u16(), 422, "no key");
    let res = page
        .post_form(
            "/settings/webhooks/whk_999999/delete",
            &format!("key={KEY}"),
        )
        .await;
    assert_eq!(res.status().as_u16(), 404);

    // Whatever was typed is escaped, never markup.
    let res = page
        .post_form(
            "/settings/webhooks",
            &format!("key={KEY}&url=http%3A%2F%2Fx%2F&secret=%3Cb%3E%22x%22%3C%2Fb%3E"),
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (_, _, body) = page.get(&format!("/settings/webhooks?key={KEY}")).await;
    assert!(
        body.contains("&lt;b&gt;&quot;x&quot;&lt;/b&gt;") && !body.contains("<b>"),
        "{body}"
    );
    let r = page
        .client
        .put(page.url("/settings/webhooks"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

/// A key that is not a key is said so, and put back in the prompt; the signing scheme is said in
/// words; a `--webhook` endpoint was created when the clock started, not in 1970.
#[tokio::test]
async fn the_page_says_what_is_wrong_with_a_key_and_how_it_signs() {
    let page = Page::start().await;
    let (s, _, body) = page.get("/settings/webhooks?key=va_oops").await;
    assert_eq!(s, 400);
    assert!(body.contains("'va_oops' is not an API key"), "{body}");
    assert!(
        body.contains("value=\"va_oops\""),
        "the prompt lost what was typed: {body}"
    );
    let (s, _, body) = page.get("/settings/webhooks").await;
    assert_eq!(s, 200);
    assert!(!body.contains("is not an API key"), "{body}");

    let (s, _, body) = page.get(&format!("/settings/webhooks?key={KEY}")).await;
    assert_eq!(s, 200);
    assert!(
        body.contains(
            "v1 is the HMAC-SHA256, under the endpoint's secret, of the raw request body"
        ),
        "{body}"
    );
    assert!(!body.contains("Body</code>"), "{body}");

    let cli = Mock::with(|c| c.webhooks = vec!["http://127.0.0.1:9/hook".to_owned()]).await;
    let (s, list) = cli.control(Method::GET, "/webhooks", None).await;
    assert_eq!(s, 200, "{list}");
    let created = list["data"][0]["createdAt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(created, "2026-05-13T16:00:00Z", "{list}");
}
