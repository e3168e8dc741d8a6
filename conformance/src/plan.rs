//! Turning the contract into cases: the examples and coverage phases as lists, the fuzzing phase
//! as proptest strategies (shrinkable), all built from the operation's schemas.
//!
//! Domain knowledge that the schemas cannot express lives here, each rule citing its decision:
//! which fixture a path id or a body reference must name (D-IDS, D-NUMBERS) and what a CSV body
//! must look like (D-CONTACTS). Reversed `dateFrom`/`dateTo` bounds are valid input (an empty
//! window, D-TIME), so drafts keep them.
//!
//! Safe runs: updates aim only at the agents and numbers the run created for itself
//! ([`crate::owned`]), routing names only those agents, and every name the run gives starts
//! with its tag, except where the name itself is under test (coverage boundaries).

use std::sync::Arc;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use serde_json::Value;
use spec::{Contract, Operation, ParamIn};

use crate::case::{Auth, Body, Case, Expectation, Phase, encode_segment};
use crate::expect::expectation;
use crate::fixtures::Fixtures;
use crate::generate;

/// Operations whose cases the generic phases build. The recording download is checked by the
/// protocol phase (it needs a signed URL), and deletion by the stateful phase (a positive delete
/// must not destroy the fixtures other cases use).
pub fn generic(op: &Operation) -> bool {
    !matches!(
        op.id.as_str(),
        "getCallRecording" | "headCallRecording" | "deleteAgent"
    )
}

/// A request before it becomes a case: what the generators vary.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Query pairs.
    pub query: Vec<(String, String)>,
    /// Body bytes and content type.
    pub body: Option<Body>,
    /// Why the draft exists.
    pub note: String,
}

/// Builds cases for one operation.
pub struct Planner {
    contract: &'static Contract,
    fixtures: Arc<Fixtures>,
    tag: String,
    owned_numbers: Vec<String>,
}

fn json_body(v: &Value) -> Body {
    Body {
        content_type: Some("application/json".to_owned()),
        bytes: serde_json::to_vec(v).unwrap_or_default(),
    }
}

fn csv_body(text: &str) -> Body {
    Body {
        content_type: Some("text/csv".to_owned()),
        bytes: text.as_bytes().to_vec(),
    }
}

impl Planner {
    /// A planner over the v1 contract with the discovered fixtures (the run's own resources
    /// among them) and the run tag that prefixes every name it gives.
    pub fn new(contract: &'static Contract, fixtures: Arc<Fixtures>, tag: &str) -> Planner {
        let owned_numbers = fixtures
            .owned_numbers
            .iter()
            .map(|(id, _)| id.clone())
            .collect();
        Planner {
            contract,
            fixtures,
            tag: tag.to_owned(),
            owned_numbers,
        }
    }

    /// The fixture list a path id of `op` must come from: what exists for reads, what the run
    /// created for writes.
    fn id_pool(&self, op: &Operation) -> &[String] {
        match op.id.as_str() {
            "getCall" => &self.fixtures.calls,
            "updateAgent" => &self.fixtures.owned_agents,
            "updatePhoneNumber" => &self.owned_numbers,
            _ => &[],
        }
    }

    /// `name` with the run tag in front, if that still fits `max` characters (100 for an
    /// agent, 200 for a contact list: D-AGENTS, D-CONTACTS).
    fn tagged(&self, name: &str, max: usize) -> Option<String> {
        if self.tag.is_empty() || name.starts_with(&self.tag) {
            return None;
        }
        let t = format!("{} {name}", self.tag);
        (t.chars().count() <= max).then_some(t)
    }

    /// The path of `op` with an existing id (rotating through the pool by `n`); `None` if the
    /// operation needs an id and the target has none.
    pub fn path(&self, op: &Operation, n: usize) -> Option<String> {
        if !op.path.contains('{') {
            return Some(op.path.clone());
        }
        let pool = self.id_pool(op);
        let id = pool.get(n % pool.len().max(1))?;
        Some(op.path.replace("{id}", &encode_segment(id)))
    }

    /// Makes a case from a draft, applying the domain rules to positive drafts and computing the
    /// expectation from the final form.
    pub fn case(
        &self,
        op: &Operation,
        phase: Phase,
        n: usize,
        mut draft: Draft,
        fix: bool,
    ) -> Option<Case> {
        let path = self.path(op, n)?;
        if fix {
            self.fix(op, n, &mut draft);
            if phase != Phase::Coverage {
                self.tag(op, &mut draft);
            }
        }
        let mut case = Case {
            id: format!("{}/{}/{n}", op.id, phase.as_str()),
            operation_id: Some(op.id.clone()),
            phase,
            method: op.method.as_str().to_owned(),
            path,
            query: draft.query,
            headers: Vec::new(),
            auth: Auth::Primary,
            body: draft.body,
            expect: Expectation::Observe,
            note: draft.note,
        };
        case.expect = self.expect(op, &case);
        Some(case)
    }

    /// The expectation of a case: the contract's, plus the CSV rules the schema cannot state.
    pub fn expect(&self, op: &Operation, case: &Case) -> Expectation {
        let e = expectation(self.contract, op, case);
        if op.id != "importContactList" || !matches!(e, Expectation::Accept { .. }) {
            return e;
        }
        let text = case
            .body
            .as_ref()
            .map(|b| String::from_utf8_lossy(&b.bytes).into_owned())
            .unwrap_or_default();
        match spec::rules::check_contacts_csv(&text) {
            Ok(()) => e,
            Err(r) => Expectation::reject(r.status(), r.code(), vec!["body:csv".to_owned()]),
        }
    }

    /// Domain rules for drafts meant to be valid.
    fn fix(&self, op: &Operation, n: usize, d: &mut Draft) {
        match op.id.as_str() {
            // D-NUMBERS: routing must name an agent of this workspace (or null); the run routes
            // only to agents it created.
            "updatePhoneNumber" => {
                let agents = &self.fixtures.owned_agents;
                let v = if n % 4 == 3 || agents.is_empty() {
                    Value::Null
                } else {
                    Value::from(agents[n % agents.len()].clone())
                };
                d.body = Some(json_body(&serde_json::json!({ "agentId": v })));
            }
            // D-NUMBERS: a purchase names a number from the inventory.
            "buyPhoneNumber" => {
                if let Some(num) = self
                    .fixtures
                    .inventory
                    .get(n % self.fixtures.inventory.len().max(1))
                {
                    d.body = Some(json_body(&serde_json::json!({ "number": num })));
                }
            }
            _ => {}
        }
    }

    /// Puts the run tag in front of the names a valid draft gives (an agent's, a contact
    /// list's), so what the run creates can be told apart on the target.
    fn tag(&self, op: &Operation, d: &mut Draft) {
        match op.id.as_str() {
            "createAgent" | "updateAgent" => {
                let Some(body) = d.body.as_mut() else { return };
                let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(&body.bytes)
                else {
                    return;
                };
                let new = obj
                    .get("name")
                    .and_then(Value::as_str)
                    .and_then(|n| self.tagged(n, 100));
                if let Some(new) = new {
                    obj.insert("name".to_owned(), Value::from(new));
                    body.bytes = serde_json::to_vec(&obj).unwrap_or_default();
                }
            }
            "importContactList" => {
                let named = d.query.iter_mut().find(|(k, _)| k == "name");
                match named {
                    Some((_, v)) => {
                        if let Some(t) = self.tagged(v, 200) {
                            *v = t;
                        }
                    }
                    None if !self.tag.is_empty() => {
                        d.query.push(("name".to_owned(), self.tag.clone()));
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// The examples phase: the contract's own examples, as requests.
    pub fn examples(&self, op: &Operation) -> Vec<Case> {
        let mut out = Vec::new();
        let query: Vec<(String, String)> = op
            .parameters
            .iter()
            .filter(|p| p.location == ParamIn::Query)
            .filter_map(|p| {
                p.example_values()
                    .next()
                    .and_then(generate::param_to_raw)
                    .map(|v| (p.name.clone(), v))
            })
            .collect();
        let bodies: Vec<(String, Option<Body>)> = match &op.request_body {
            None => vec![("no body".to_owned(), None)],
            Some(rb) => rb
                .content
                .iter()
                .flat_map(|m| {
                    m.examples.iter().map(move |(name, v)| {
                        let body = match v {
                            Value::String(s) if !m.is_json() => csv_body(s),
                            other => json_body(other),
                        };
                        (format!("example '{name}'"), Some(body))
                    })
                })
                .collect(),
        };
        for (i, (note, body)) in bodies.into_iter().enumerate() {
            let draft = Draft {
                query: query.clone(),
                body,
                note,
            };
            out.extend(self.case(op, Phase::Examples, i, draft, true));
        }
        out
    }

    /// The coverage phase: boundary values of every parameter and body field, and the
    /// structural negatives (missing, repeated, unknown, malformed, wrong type).
    pub fn coverage(&self, op: &Operation) -> Vec<Case> {
        let mut drafts: Vec<(Draft, bool)> = Vec::new();
        let required: Vec<(String, String)> = self.required_query(op);
        let base_body = self.base_body(op);
        let with = |extra: Vec<(String, String)>| {
            let mut q: Vec<(String, String)> = required
                .iter()
                .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
                .cloned()
                .collect();
            q.extend(extra);
            q
        };
        for p in op
            .parameters
            .iter()
            .filter(|p| p.location == ParamIn::Query)
        {
            for b in generate::boundary_params(&p.schema) {
                drafts.push((
                    Draft {
                        query: with(vec![(p.name.clone(), b.raw)]),
                        body: base_body.clone(),
                        note: format!("{}: {}", p.name, b.note),
                    },
                    b.valid,
                ));
            }
            let valid = p
                .example_values()
                .next()
                .and_then(generate::param_to_raw)
                .unwrap_or_else(|| "x".to_owned());
            drafts.push((
                Draft {
                    query: with(vec![
                        (p.name.clone(), valid.clone()),
                        (p.name.clone(), valid),
                    ]),
                    body: base_body.clone(),
                    note: format!("{} repeated", p.name),
                },
                false,
            ));
            if p.required {
                let q = required
                    .iter()
                    .filter(|(k, _)| *k != p.name)
                    .cloned()
                    .collect();
                drafts.push((
                    Draft {
                        query: q,
                        body: base_body.clone(),
                        note: format!("{} missing", p.name),
                    },
                    false,
                ));
            }
        }
        drafts.push((
            Draft {
                query: with(vec![("zzUnknown".to_owned(), "1".to_owned())]),
                body: base_body.clone(),
                note: "unknown query parameter".to_owned(),
            },
            false,
        ));
        if let Some(rb) = &op.request_body {
            let q = required.clone();
            let raw = |ct: Option<&str>, bytes: &[u8], note: &str| {
                (
                    Draft {
                        query: q.clone(),
                        body: Some(Body {
                            content_type: ct.map(str::to_owned),
                            bytes: bytes.to_vec(),
                        }),
                        note: note.to_owned(),
                    },
                    false,
                )
            };
            let json = rb.content.iter().find(|m| m.is_json());
            let main_ct = rb
                .content
                .first()
                .map(|m| m.media_type.clone())
                .unwrap_or_default();
            drafts.push(raw(Some("text/plain"), b"hello", "wrong content type"));
            drafts.push(raw(None, b"{}", "no content type"));
            drafts.push(raw(Some(&main_ct), b"", "empty body"));
            drafts.push(raw(Some(&main_ct), &[0xff, 0xfe, b'{'], "invalid UTF-8"));
            if let Some(m) = json {
                drafts.push(raw(
                    Some("application/json"),
                    b"{\"name\":",
                    "malformed JSON",
                ));
                drafts.push(raw(
                    Some("application/json"),
                    b"[]",
                    "an array instead of an object",
                ));
                drafts.push(raw(
                    Some("application/json; charset=utf-8"),
                    &base_body
                        .as_ref()
                        .map(|b| b.bytes.clone())
                        .unwrap_or_default(),
                    "charset parameter",
                ));
                let big = format!("{{\"name\":\"{}\"}}", "x".repeat(spec::rules::JSON_LIMIT));
                drafts.push(raw(
                    Some("application/json"),
                    big.as_bytes(),
                    "body over 1 MiB",
                ));
                if let Some(Value::Object(mut obj)) = base_body
                    .as_ref()
                    .and_then(|b| serde_json::from_slice::<Value>(&b.bytes).ok())
                {
                    obj.insert("zzUnknown".to_owned(), Value::from(1));
                    drafts.push(raw(
                        Some("application/json"),
                        &serde_json::to_vec(&obj).unwrap_or_default(),
                        "unknown body field",
                    ));
                }
                for b in generate::boundary_values(&m.schema) {
                    drafts.push((
                        Draft {
                            query: q.clone(),
                            body: Some(json_body(&b.value)),
                            note: format!("body{}: {}", b.pointer, b.note),
                        },
                        b.valid,
                    ));
                }
            } else {
                drafts.push(raw(
                    Some("text/csv"),
                    b"phone,name\n+14155550123,\"open\n",
                    "CSV with an unterminated quote",
                ));
                drafts.push(raw(
                    Some("text/csv"),
                    b"phone,name\n+14155550123,a,b\n",
                    "CSV row with an extra field",
                ));
                drafts.push(raw(
                    Some("text/csv"),
                    b"name,email\nA,a@example.com\n",
                    "CSV without a phone column",
                ));
                drafts.push(raw(
                    Some("text/csv"),
                    b"\xef\xbb\xbfphone\r\n+14155550123\r\n",
                    "CSV with a BOM and CRLF",
                ));
            }
        }
        drafts
            .into_iter()
            .enumerate()
            .filter_map(|(i, (d, positive))| self.case(op, Phase::Coverage, i, d, positive))
            .collect()
    }

    fn required_query(&self, op: &Operation) -> Vec<(String, String)> {
        op.parameters
            .iter()
            .filter(|p| p.location == ParamIn::Query && p.required)
            .map(|p| {
                (
                    p.name.clone(),
                    p.example_values()
                        .next()
                        .and_then(generate::param_to_raw)
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    /// A body that is valid in schema and in state (the first example, with the domain rules
    /// applied), so a case that varies something else is judged on that alone.
    fn base_body(&self, op: &Operation) -> Option<Body> {
        let rb = op.request_body.as_ref()?;
        let m = rb.content.first()?;
        let (_, v) = m.examples.first()?;
        let body = match v {
            Value::String(s) if !m.is_json() => csv_body(s),
            other => json_body(other),
        };
        let mut draft = Draft {
            query: Vec::new(),
            body: Some(body),
            note: String::new(),
        };
        self.fix(op, 0, &mut draft);
        draft.body
    }

    /// The fuzzing phase's strategy for `op`: positive drafts (every parameter and the body
    /// valid) or negative ones (exactly one part invalid), about half each.
    pub fn strategy(&self, op: &Operation) -> BoxedStrategy<(Draft, bool)> {
        let params: Vec<(String, bool, Value)> = op
            .parameters
            .iter()
            .filter(|p| p.location == ParamIn::Query)
            .map(|p| (p.name.clone(), p.required, p.schema.clone()))
            .collect();
        let valid_params: Vec<BoxedStrategy<Option<(String, String)>>> = params
            .iter()
            .map(|(name, required, schema)| {
                let name = name.clone();
                let s = generate::valid_param(schema).prop_map(move |v| (name.clone(), v));
                if *required {
                    s.prop_map(Some).boxed()
                } else {
                    proptest::option::of(s).boxed()
                }
            })
            .collect();
        let body_kind = op
            .request_body
            .as_ref()
            .and_then(|rb| rb.content.first())
            .map(|m| (m.is_json(), m.schema.clone()));
        let valid_body: BoxedStrategy<Option<Body>> = match &body_kind {
            None => Just(None).boxed(),
            Some((true, schema)) => generate::valid_value(schema)
                .prop_map(|v| Some(json_body(&v)))
                .boxed(),
            Some((false, _)) => generate::csv_body()
                .prop_map(|c| Some(csv_body(&c.text)))
                .boxed(),
        };
        let positive = (valid_params.clone(), valid_body.clone())
            .prop_map(|(q, b)| {
                (
                    Draft {
                        query: q.into_iter().flatten().collect(),
                        body: b,
                        note: "generated valid request".to_owned(),
                    },
                    true,
                )
            })
            .boxed();
        let mut negatives: Vec<BoxedStrategy<(Draft, bool)>> = Vec::new();
        for (i, (name, _, schema)) in params.iter().enumerate() {
            let name = name.clone();
            let others = valid_params.clone();
            let strat = (others, generate::invalid_param(schema), valid_body.clone())
                .prop_map(move |(q, (raw, note), b)| {
                    let mut query: Vec<(String, String)> = q
                        .into_iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .filter_map(|(_, p)| p)
                        .collect();
                    query.push((name.clone(), raw));
                    (
                        Draft {
                            query,
                            body: b,
                            note: format!("{name}: {note}"),
                        },
                        false,
                    )
                })
                .boxed();
            negatives.push(strat);
        }
        match &body_kind {
            Some((true, schema)) => negatives.push(
                (valid_params.clone(), generate::invalid_value(schema))
                    .prop_map(|(q, inv)| {
                        (
                            Draft {
                                query: q.into_iter().flatten().collect(),
                                body: Some(json_body(&inv.value)),
                                note: format!("body{}: {}", inv.pointer, inv.note),
                            },
                            false,
                        )
                    })
                    .boxed(),
            ),
            Some((false, _)) => negatives.push(
                (valid_params.clone(), generate::csv_unparseable())
                    .prop_map(|(q, (text, note))| {
                        (
                            Draft {
                                query: q.into_iter().flatten().collect(),
                                body: Some(csv_body(&text)),
                                note,
                            },
                            false,
                        )
                    })
                    .boxed(),
            ),
            None => {}
        }
        negatives.push(
            (valid_params, valid_body, "[a-z]{3,8}")
                .prop_map(|(q, b, extra)| {
                    let mut query: Vec<(String, String)> = q.into_iter().flatten().collect();
                    query.push((format!("zz{extra}"), "1".to_owned()));
                    (
                        Draft {
                            query,
                            body: b,
                            note: "unknown query parameter".to_owned(),
                        },
                        false,
                    )
                })
                .boxed(),
        );
        let negative = proptest::strategy::Union::new(negatives).boxed();
        prop_oneof![positive, negative].boxed()
    }
}
