//! A test case: one concrete HTTP request the runner sends, and what it is meant to show.

use serde::{Deserialize, Serialize};
use spec::Binding;

/// Which phase produced a case (Schemathesis' phases, made explicit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The contract's own named examples.
    Examples,
    /// Boundary values of every constrained parameter and field, before random cases.
    Coverage,
    /// Random generated cases, shrunk on failure.
    Fuzzing,
    /// Authentication, methods and ids, independent of schemas.
    Protocol,
    /// The declarative scenario suites of `scenarios/`.
    #[serde(rename = "scenarios")]
    Scenario,
}

impl Phase {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Examples => "examples",
            Phase::Coverage => "coverage",
            Phase::Fuzzing => "fuzzing",
            Phase::Protocol => "protocol",
            Phase::Scenario => "scenarios",
        }
    }
}

/// What the case expects of a conforming server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expectation {
    /// A valid request: the server must accept it with one of `statuses`.
    Accept {
        /// Acceptable statuses (e.g. `[201]`, or `[201, 409]` for a purchase that may conflict).
        statuses: Vec<u16>,
        /// What a refusal breaks: `page` for the requests the reference page spells out (a plain
        /// `GET /v1/calls`, a PATCH of a documented agent field), `contract` for the rest.
        #[serde(default = "contract")]
        binding: Binding,
    },
    /// An invalid request: the server must refuse it with `status` and `error`, naming at least
    /// one of `locations` in `details.violations` (empty for codes without violations).
    Reject {
        /// The status the contract prescribes.
        status: u16,
        /// The error code the contract prescribes.
        error: String,
        /// Where the violations are, as `query:limit`, `path:id`, `header:Range` or
        /// `body:/voice/speed`.
        locations: Vec<String>,
        /// What accepting it breaks: `page` for a tampered or unsigned recording URL ("Signed-URL
        /// gated"), `contract` for our validation rules.
        #[serde(default = "contract")]
        binding: Binding,
    },
    /// No expectation beyond the universal checks (schema, status documented, no 5xx).
    Observe,
}

fn contract() -> Binding {
    Binding::Contract
}

impl Expectation {
    /// A valid request of contract binding, accepted with one of `statuses`.
    pub fn accept(statuses: &[u16]) -> Expectation {
        Expectation::Accept {
            statuses: statuses.to_vec(),
            binding: Binding::Contract,
        }
    }

    /// An invalid request of contract binding, refused with `status` and `error`.
    pub fn reject(status: u16, error: &str, locations: Vec<String>) -> Expectation {
        Expectation::Reject {
            status,
            error: error.to_owned(),
            locations,
            binding: Binding::Contract,
        }
    }

    /// The same expectation, of `binding`.
    pub fn bound(mut self, to: Binding) -> Expectation {
        match &mut self {
            Expectation::Accept { binding, .. } | Expectation::Reject { binding, .. } => {
                *binding = to;
            }
            Expectation::Observe => {}
        }
        self
    }
}

/// One concrete request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    /// Stable within a run: `<operation>/<phase>/<n>`.
    pub id: String,
    /// The operation it exercises (`None` for requests outside the contract, e.g. a 405 probe).
    pub operation_id: Option<String>,
    /// The phase that made it.
    pub phase: Phase,
    /// HTTP method.
    pub method: String,
    /// Path relative to the base URL, already percent-encoded (`/calls/call_1`).
    pub path: String,
    /// Query pairs, unencoded; serialised in order.
    pub query: Vec<(String, String)>,
    /// Request headers other than authentication.
    pub headers: Vec<(String, String)>,
    /// Which credentials to send.
    pub auth: Auth,
    /// Body bytes (UTF-8 or not) and its content type.
    pub body: Option<Body>,
    /// What the case is meant to show.
    pub expect: Expectation,
    /// Why the case exists, for humans ("limit above maximum").
    pub note: String,
}

/// Credentials a case sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// The primary key.
    Primary,
    /// The second key (`--api-key-b`).
    Secondary,
    /// No `Authorization` header.
    None,
    /// This exact `Authorization` value.
    Raw(String),
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    /// `Content-Type` to send (`None` sends none).
    pub content_type: Option<String>,
    /// The bytes, as a UTF-8 string when they are one, else base64-free lossless hex.
    #[serde(with = "bytes_repr")]
    pub bytes: Vec<u8>,
}

mod bytes_repr {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Bodies are stored as text when they are UTF-8 (readable failure files) and as
    /// `hex:<digits>` otherwise (invalid-UTF-8 cases must replay byte for byte).
    pub(super) fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(b) {
            Ok(t) if !t.starts_with("hex:") => s.serialize_str(t),
            _ => s.serialize_str(&format!("hex:{}", hex::encode(b))),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let t = String::deserialize(d)?;
        match t.strip_prefix("hex:") {
            Some(h) => hex::decode(h).map_err(serde::de::Error::custom),
            None => Ok(t.into_bytes()),
        }
    }
}

impl Case {
    /// The full URL of the case against `base_url`.
    pub fn url(&self, base_url: &str) -> String {
        // An absolute path is a URL of its own (a recording's signed URL on another origin,
        // reached through a redirect).
        let mut url = if self.path.contains("://") {
            self.path.clone()
        } else {
            format!("{}{}", base_url.trim_end_matches('/'), self.path)
        };
        if !self.query.is_empty() {
            url.push('?');
            let q: Vec<String> = self
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
                .collect();
            url.push_str(&q.join("&"));
        }
        url
    }

    /// A `curl` command that reproduces the case (the key shown as `$VICI_API_KEY`).
    pub fn to_curl(&self, base_url: &str) -> String {
        let mut parts = vec!["curl".to_owned(), "-i".to_owned()];
        if self.method != "GET" {
            parts.push(format!("-X {}", self.method));
        }
        match &self.auth {
            Auth::Primary => parts.push("-H \"Authorization: Bearer $VICI_API_KEY\"".to_owned()),
            Auth::Secondary => {
                parts.push("-H \"Authorization: Bearer $VICI_API_KEY_B\"".to_owned())
            }
            Auth::None => {}
            Auth::Raw(v) => parts.push(format!(
                "-H {}",
                shell_quote(&format!("Authorization: {v}"))
            )),
        }
        for (k, v) in &self.headers {
            parts.push(format!("-H {}", shell_quote(&format!("{k}: {v}"))));
        }
        if let Some(b) = &self.body {
            if let Some(ct) = &b.content_type {
                parts.push(format!(
                    "-H {}",
                    shell_quote(&format!("Content-Type: {ct}"))
                ));
            }
            match std::str::from_utf8(&b.bytes) {
                Ok(t) => parts.push(format!("--data-binary {}", shell_quote(t))),
                Err(_) => parts.push(format!(
                    "--data-binary @<(printf '{}')",
                    b.bytes
                        .iter()
                        .map(|x| format!("\\x{x:02x}"))
                        .collect::<String>()
                )),
            }
        }
        parts.push(shell_quote(&self.url(base_url)));
        parts.join(" ")
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
pub fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one path segment.
pub fn encode_segment(s: &str) -> String {
    encode_component(s)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Case {
        Case {
            id: "listCalls/fuzzing/1".into(),
            operation_id: Some("listCalls".into()),
            phase: Phase::Fuzzing,
            method: "POST".into(),
            path: "/agents".into(),
            query: vec![("name".into(), "a b&c".into())],
            headers: vec![],
            auth: Auth::Primary,
            body: Some(Body {
                content_type: Some("application/json".into()),
                bytes: b"{\"name\":\"it's\"}".to_vec(),
            }),
            expect: Expectation::Observe,
            note: String::new(),
        }
    }

    #[test]
    fn url_encodes_query_components() {
        assert_eq!(
            case().url("http://h/api/v1/"),
            "http://h/api/v1/agents?name=a%20b%26c"
        );
    }

    #[test]
    fn curl_quotes_single_quotes_and_hides_the_key() {
        let c = case().to_curl("http://h/api/v1");
        assert_eq!(
            c,
            "curl -i -X POST -H \"Authorization: Bearer $VICI_API_KEY\" -H 'Content-Type: application/json' --data-binary '{\"name\":\"it'\\''s\"}' 'http://h/api/v1/agents?name=a%20b%26c'"
        );
    }

    #[test]
    fn bodies_round_trip_through_json_even_when_not_utf8() {
        let mut c = case();
        c.body.as_mut().unwrap().bytes = vec![0xff, b'{', 0x00];
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains("hex:ff7b00"));
        assert_eq!(serde_json::from_str::<Case>(&text).unwrap(), c);
    }
}
