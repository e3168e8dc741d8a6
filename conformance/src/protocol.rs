//! The protocol phase: what holds for every operation whatever its schemas say. Credentials
//! (`auth_required`), methods (`method_not_allowed`), ids (`unknown_id`, `mutated_id`) and the
//! signed recording download (`recording_audio`, `recording_range`).

use std::collections::{BTreeMap, BTreeSet};

use spec::rules::id_prefixes;
use spec::{Binding, Operation, Rule};

use crate::case::{Auth, Expectation, Phase, encode_segment};
use crate::checks::response::{Applied, fail_as};
use crate::context::Shared;
use crate::fixtures::Fixtures;
use crate::handmade::{Jobs, json, manual, status_of, step, verdict};
use crate::http::{Exchange, TransportError, follow_redirect, origin, split_url};

/// A path for `op` that reaches the operation without touching existing state: existing ids
/// for reads, a made-up well-formed id for writes.
fn probe_path(op: &Operation, fx: &Fixtures) -> String {
    if !matches!(op.method.as_str(), "GET" | "HEAD") {
        return unknown_path(op);
    }
    let id = match op.id.as_str() {
        "getCall" | "getCallRecording" | "headCallRecording" => fx
            .calls
            .first()
            .cloned()
            .unwrap_or_else(|| format!("{}000000000000", id_prefixes::CALL)),
        "updatePhoneNumber" => format!("{}zz0000000000", id_prefixes::PHONE_NUMBER),
        _ => format!("{}zz0000000000", id_prefixes::AGENT),
    };
    op.path.replace("{id}", &encode_segment(&id))
}

/// A path for `op` with a made-up well-formed id: a probe with another method (a 405 is
/// expected) must not name anything that exists, in case the target wrongly obeys it.
fn unknown_path(op: &Operation) -> String {
    let prefix = match op.path.as_str() {
        p if p.starts_with("/calls/") => id_prefixes::CALL,
        p if p.starts_with("/phone-numbers/") => id_prefixes::PHONE_NUMBER,
        _ => id_prefixes::AGENT,
    };
    op.path.replace("{id}", &format!("{prefix}zz0000000000"))
}

/// A body that is valid for `op`, so only the aspect under test is wrong.
fn valid_body(op: &Operation) -> Option<crate::case::Body> {
    let rb = op.request_body.as_ref()?;
    let m = rb.content.first()?;
    let (_, v) = m.examples.first()?;
    Some(match v {
        serde_json::Value::String(s) if !m.is_json() => crate::case::Body {
            content_type: Some(m.media_type.clone()),
            bytes: s.as_bytes().to_vec(),
        },
        other => crate::case::Body {
            content_type: Some("application/json".to_owned()),
            bytes: serde_json::to_vec(other).unwrap_or_default(),
        },
    })
}

fn reject(status: u16, error: &str) -> Expectation {
    Expectation::reject(status, error, Vec::new())
}

/// About how many requests [`run`] sends for `ops` (for the plan; exact for auth and methods).
pub(crate) fn estimate(
    contract: &spec::Contract,
    ops: &[&'static Operation],
    fx: &Fixtures,
) -> usize {
    let auth = ops.iter().filter(|o| o.requires_auth).count() * 4;
    let selected: BTreeSet<&str> = ops.iter().map(|o| o.path.as_str()).collect();
    let mut methods: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for op in contract.operations() {
        methods
            .entry(op.path.as_str())
            .or_default()
            .insert(op.method.as_str());
    }
    let methods: usize = methods
        .iter()
        .filter(|(t, _)| selected.contains(*t))
        .map(|(_, m)| 5 - m.iter().filter(|m| **m != "HEAD").count().min(5))
        .sum();
    let ids: usize = ops
        .iter()
        .filter(|o| prefix_for(o).is_some())
        .map(|o| if o.id == "deleteAgent" { 1 } else { 11 })
        .sum();
    // The whole file, HEAD, five ranges, a tampered signature and none.
    let recording = if fx.recording.is_some() && ops.iter().any(|o| o.id == "getCallRecording") {
        9
    } else {
        0
    };
    auth + methods + ids + recording
}

pub(crate) async fn run(shared: &Shared, ops: &[&'static Operation], fx: &Fixtures) {
    // Credentials, methods and ids are independent cases: they run concurrently. The
    // recording's requests follow one another (each goes where the one before led).
    let mut jobs = Jobs::default();
    auth(ops, fx, &mut jobs);
    methods(shared, ops, &mut jobs);
    ids(shared, ops, fx, &mut jobs);
    jobs.run(shared).await;
    if ops.iter().any(|o| o.id == "getCallRecording") {
        recording(shared, fx).await;
    }
}

fn auth(ops: &[&'static Operation], fx: &Fixtures, jobs: &mut Jobs<'_>) {
    let variants: [(&str, Auth); 5] = [
        ("no Authorization header", Auth::None),
        ("Bearer without a token", Auth::Raw("Bearer".to_owned())),
        ("a malformed key", Auth::Raw("Bearer va_short".to_owned())),
        (
            "a foreign scheme",
            Auth::Raw("Basic dXNlcjpwYXNzd29yZA==".to_owned()),
        ),
        (
            "an unknown key",
            Auth::Raw("Bearer va_zz_unknown_key_0000000000".to_owned()),
        ),
    ];
    for op in ops.iter().filter(|o| o.requires_auth) {
        for (i, (note, auth)) in variants.iter().enumerate() {
            // An open-policy server (like the mock's default) gives any well-formed key a
            // workspace: an unknown key is only refused where keys are issued.
            if i == 4 {
                continue;
            }
            let mut case = manual(
                format!("{}/auth/{i}", op.id),
                Some(&op.id),
                Phase::Protocol,
                op.method.as_str(),
                probe_path(op, fx),
            );
            case.auth = auth.clone();
            case.body = valid_body(op);
            case.expect = reject(401, "unauthorized");
            case.note = (*note).to_owned();
            let note = note.to_string();
            jobs.push(case, move |r| {
                let status = status_of(r);
                let challenged = r.as_ref().is_ok_and(|e| {
                    e.header("www-authenticate")
                        .is_some_and(|h| h.trim_start().to_ascii_lowercase().starts_with("bearer"))
                });
                // Serving the request breaks the page ("as a Bearer token"); refusing it with
                // another status, or without the challenge, breaks only D-AUTH.
                let v = if (200..400).contains(&status) {
                    verdict(false, format!("{note} is not refused"), describe(r))
                } else if status == 401 && challenged {
                    Applied::Pass
                } else {
                    fail_as(
                        Rule::new(Binding::Contract, "D-AUTH"),
                        format!("{note} is not answered 401 with a Bearer challenge"),
                        describe(r),
                    )
                };
                vec![("auth_required", v)]
            });
        }
    }
}

fn describe(r: &Result<Exchange, TransportError>) -> String {
    match r {
        Ok(e) => format!(
            "got {} ({}): {}",
            e.status,
            e.header("www-authenticate").map_or_else(
                || "no WWW-Authenticate".to_owned(),
                |h| format!("WWW-Authenticate: {h}")
            ),
            crate::checks::response::excerpt(&e.body)
        ),
        Err(e) => e.to_string(),
    }
}

fn methods(shared: &Shared, ops: &[&'static Operation], jobs: &mut Jobs<'_>) {
    let mut templates: BTreeMap<&str, (BTreeSet<&str>, &Operation)> = BTreeMap::new();
    for op in shared.exec.contract.operations() {
        templates
            .entry(op.path.as_str())
            .or_insert_with(|| (BTreeSet::new(), op))
            .0
            .insert(op.method.as_str());
    }
    let selected: BTreeSet<&str> = ops.iter().map(|o| o.path.as_str()).collect();
    for (template, (allowed, op)) in templates {
        if !selected.contains(template) {
            continue;
        }
        for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if allowed.contains(m) {
                continue;
            }
            let mut case = manual(
                format!("{template}/method/{m}"),
                None,
                Phase::Protocol,
                m,
                unknown_path(op),
            );
            case.expect = reject(405, "method_not_allowed");
            case.note = format!("{m} is not an operation of {template}");
            let allowed = allowed.clone();
            jobs.push(case, move |r| {
                let (ok, msg) = match r {
                    Ok(e) => {
                        let allow: BTreeSet<String> = e
                            .header("allow")
                            .unwrap_or("")
                            .split(',')
                            .map(|s| s.trim().to_ascii_uppercase())
                            .filter(|s| !s.is_empty())
                            .collect();
                        let missing: Vec<&&str> =
                            allowed.iter().filter(|a| !allow.contains(**a)).collect();
                        (
                            e.status == 405 && missing.is_empty(),
                            format!(
                                "got {} with {}; documented methods: {}",
                                e.status,
                                e.header("allow").map_or_else(
                                    || "no Allow header".to_owned(),
                                    |a| { format!("Allow: {a}") }
                                ),
                                allowed.iter().copied().collect::<Vec<_>>().join(", ")
                            ),
                        )
                    }
                    Err(e) => (false, e.to_string()),
                };
                vec![(
                    "method_not_allowed",
                    verdict(
                        ok,
                        format!("{m} on {template} is not 405 with a complete Allow"),
                        msg,
                    ),
                )]
            });
        }
    }
}

fn prefix_for(op: &Operation) -> Option<&'static str> {
    match op.id.as_str() {
        "getCall" => Some(id_prefixes::CALL),
        "updateAgent" | "deleteAgent" => Some(id_prefixes::AGENT),
        "updatePhoneNumber" => Some(id_prefixes::PHONE_NUMBER),
        _ => None,
    }
}

fn ids(shared: &Shared, ops: &[&'static Operation], fx: &Fixtures, jobs: &mut Jobs<'_>) {
    for op in ops {
        let Some(prefix) = prefix_for(op) else {
            continue;
        };
        let body = match op.id.as_str() {
            "updateAgent" => json(serde_json::json!({ "name": "vc-probe" })),
            "updatePhoneNumber" => json(serde_json::json!({ "agentId": null })),
            _ => None,
        };
        // A well-formed id that names nothing.
        let unknown = format!("{prefix}zzNotThere{:06}", shared.cfg.seed % 1_000_000);
        let mut case = manual(
            format!("{}/unknown-id", op.id),
            Some(&op.id),
            Phase::Protocol,
            op.method.as_str(),
            op.path.replace("{id}", &unknown),
        );
        case.body = body.clone();
        case.expect = reject(404, "not_found");
        case.note = "an id that names nothing".to_owned();
        jobs.push(case, |r| {
            vec![(
                "unknown_id",
                verdict(status_of(r) == 404, "an unknown id is not 404", describe(r)),
            )]
        });
        // Mutations of a real id (RESTler's invalid dynamic objects). Deletion is never
        // probed this way: a server that wrongly accepted a mutation would delete a fixture.
        if op.id == "deleteAgent" {
            continue;
        }
        // Reads mutate an existing id; writes one of the run's own.
        let real = match op.id.as_str() {
            "getCall" => fx.calls.first(),
            "updateAgent" => fx.owned_agents.first(),
            _ => fx.owned_numbers.first().map(|(id, _)| id),
        };
        let Some(real) = real else { continue };
        let mutations: Vec<(String, &str)> = vec![
            (format!("{}x", encode_segment(real)), "a suffix"),
            (
                format!("{}%2F..", encode_segment(real)),
                "an encoded traversal",
            ),
            (
                format!("..%2F{}", encode_segment(real)),
                "a leading traversal",
            ),
            (format!("{}%00", encode_segment(real)), "a NUL byte"),
            (encode_segment(&real.to_uppercase()), "upper case"),
            (
                format!("{}%3F", encode_segment(real)),
                "an encoded question mark",
            ),
            (format!("{}.json", encode_segment(real)), "an extension"),
            (format!("{}%27", encode_segment(real)), "a quote"),
            ("%2E%2E".to_owned(), "an encoded dot-dot"),
            ("x".repeat(4096), "a 4 KiB id"),
        ];
        for (i, (segment, note)) in mutations.into_iter().enumerate() {
            let path = op.path.replace("{id}", &segment);
            let mut case = manual(
                format!("{}/mutated-id/{i}", op.id),
                Some(&op.id),
                Phase::Protocol,
                op.method.as_str(),
                path,
            );
            case.body = body.clone();
            case.note = format!("id with {note}");
            let note = note.to_owned();
            jobs.push(case, move |r| {
                let s = status_of(r);
                vec![(
                    "mutated_id",
                    verdict(
                        (400..500).contains(&s),
                        format!("an id with {note} is answered {s}"),
                        describe(r),
                    ),
                )]
            });
        }
    }
}

fn contract_recording() -> Rule {
    Rule::new(Binding::Contract, "D-RECORDING")
}

/// Judges `case` and its exchange with the response checks plus `verdicts`, and emits it.
fn emit(
    shared: &Shared,
    case: crate::case::Case,
    result: &Result<Exchange, TransportError>,
    verdicts: Vec<(&'static str, Applied)>,
) {
    let rec = shared.exec.judge(case, result, verdicts);
    shared.emit(rec);
}

async fn recording(shared: &Shared, fx: &Fixtures) {
    let Some((call_id, url)) = &fx.recording else {
        return;
    };
    let base = shared.exec.target.config.base_url.clone();
    let make = |n: &str, method: &str, op: &str, path: &str, query: &[(String, String)]| {
        let mut c = manual(
            format!("{op}/{n}"),
            Some(op),
            Phase::Protocol,
            method,
            path.to_owned(),
        );
        c.query = query.to_vec();
        c.auth = Auth::None;
        c
    };
    // The whole file, from the URL the call detail gave and without the key: a signed URL is
    // its own gate ("Signed-URL gated").
    let (path, query) = split_url(&base, url);
    let mut case = make("whole", "GET", "getCallRecording", &path, &query);
    case.note = format!("the recording URL of {call_id}");
    let mut result = shared.exec.target.send(&case).await;
    // D-RECORDING's alternative: `recordingUrl` is an API URL behind the key that answers a
    // redirect to the signed URL. Its 401 and its redirect are observed (a redirect the
    // operation does not document is a contract-level finding); the runner follows one
    // redirect, and the key never leaves the API's origin.
    let mut keyed = false;
    if status_of(&result) == 401 && origin(url).is_some() && origin(url) == origin(&base) {
        emit(shared, case.clone(), &result, Vec::new());
        case.id = "getCallRecording/whole-with-key".to_owned();
        case.auth = Auth::Primary;
        result = shared.exec.target.send(&case).await;
        keyed = true;
    }
    let next = result
        .as_ref()
        .ok()
        .and_then(|e| follow_redirect(&case, &base, e));
    let mut extra = Vec::new();
    if let Some(next) = next {
        emit(shared, case, &result, Vec::new());
        case = next;
        result = shared.exec.target.send(&case).await;
    } else if keyed && status_of(&result) == 200 {
        extra.push((
            "recording_audio",
            crate::handmade::failed(
                "the recording is served on the API key, not through a signed URL",
                format!("{url} answered 200 to the key and 401 without it"),
            ),
        ));
    }
    case.expect = Expectation::accept(&[200]).bound(Binding::Page);
    extra.push(("recording_audio", wav_verdict(&result)));
    let size = result.as_ref().map(|e| e.body.len() as u64).unwrap_or(0);
    let whole: std::sync::Arc<Vec<u8>> =
        std::sync::Arc::new(result.as_ref().map(|e| e.body.clone()).unwrap_or_default());
    // Every later request goes to the signed URL itself, without the key.
    let (path, query) = (case.path.clone(), case.query.clone());
    emit(shared, case, &result, extra);
    // HEAD: the same headers, no body.
    let mut case = make("head", "HEAD", "headCallRecording", &path, &query);
    case.expect = Expectation::accept(&[200]);
    let _ = step(shared, case, move |r| {
        let ok = r.as_ref().is_ok_and(|e| {
            e.status == 200
                && e.body.is_empty()
                && e.header("content-length")
                    .and_then(|v| v.parse::<u64>().ok())
                    == Some(size)
        });
        // HEAD and its Content-Length are D-RECORDING's, not the page's.
        let v = if ok {
            Applied::Pass
        } else {
            fail_as(contract_recording(), "HEAD differs from GET", describe(r))
        };
        vec![("recording_audio", v)]
    })
    .await;
    // Ranges: Safari's first probe, the middle, an open range (the three pieces are the whole
    // file, each checked against its bytes), a suffix, and one past the end.
    let ranges: [(&str, String, u16); 5] = [
        ("first-two-bytes", "bytes=0-1".to_owned(), 206),
        (
            "middle-bytes",
            format!("bytes=2-{}", size.saturating_sub(11).max(2)),
            206,
        ),
        (
            "open-ended",
            format!("bytes={}-", size.saturating_sub(10)),
            206,
        ),
        ("suffix", "bytes=-100".to_owned(), 206),
        ("past-the-end", format!("bytes={}-", size + 10), 416),
    ];
    for (n, range, want) in ranges {
        let mut case = make(n, "GET", "getCallRecording", &path, &query);
        case.headers.push(("Range".to_owned(), range.clone()));
        case.expect = if want == 416 {
            reject(416, "range_not_satisfiable")
        } else {
            Expectation::accept(&[206])
        };
        case.note = format!("Range: {range}");
        let whole = whole.clone();
        let _ = step(shared, case, move |r| {
            vec![("recording_range", range_verdict(r, &range, &whole, want))]
        })
        .await;
    }
    // A tampered signature and a missing one: accepting either breaks "Signed-URL gated".
    let mut case = make("tampered", "GET", "getCallRecording", &path, &query);
    let mut tampered = false;
    for (k, v) in case.query.iter_mut() {
        if k.to_ascii_lowercase().contains("signature") && !v.is_empty() {
            let flipped = if v.starts_with('0') { '1' } else { '0' };
            v.replace_range(0..1, &flipped.to_string());
            tampered = true;
        }
    }
    if tampered {
        case.expect = reject(403, "invalid_signature").bound(Binding::Page);
        case.note = "a tampered signature".to_owned();
        let _ = step(shared, case, |_| Vec::new()).await;
    }
    if !query.is_empty() {
        let mut case = make("unsigned", "GET", "getCallRecording", &path, &[]);
        case.expect = reject(403, "invalid_signature").bound(Binding::Page);
        case.note = "no signature".to_owned();
        let _ = step(shared, case, |_| Vec::new()).await;
    }
}

fn wav_verdict(r: &Result<Exchange, TransportError>) -> Applied {
    let Ok(e) = r else {
        return verdict(false, "no recording", describe(r));
    };
    if e.status != 200 {
        return Applied::Skip;
    }
    let b = &e.body;
    let le32 = |i: usize| crate::wav::le32(b, i);
    let le16 = |i: usize| crate::wav::le16(b, i);
    let shown = |v: Option<u32>| v.map_or_else(|| "missing".to_owned(), |n| n.to_string());
    let problems = |checks: Vec<(bool, String)>| -> Vec<String> {
        checks
            .into_iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, m)| m)
            .collect()
    };
    // "recording.wav — streamed audio": a RIFF/WAVE file whose RIFF size is its length.
    let page = problems(vec![
        (b.get(0..4) == Some(b"RIFF"), "no RIFF tag".to_owned()),
        (b.get(8..12) == Some(b"WAVE"), "no WAVE tag".to_owned()),
        (
            le32(4).map(u64::from) == Some((b.len() as u64).saturating_sub(8)),
            format!("RIFF size {} is not the file length - 8", shown(le32(4))),
        ),
        (
            !e.truncated,
            "the recording is larger than the runner's cap".to_owned(),
        ),
    ]);
    if !page.is_empty() {
        return verdict(false, "the recording is not a WAV file", page.join("; "));
    }
    // D-RECORDING: 8 kHz 16-bit mono PCM with an exact Content-Length. A WAV streamed chunked,
    // or µ-law, or another rate, is an alternative the page allows.
    let content_length = e
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    let contract = problems(vec![
        (
            le16(20) == Some(1) && le16(22) == Some(1),
            "not mono PCM".to_owned(),
        ),
        (
            le32(24) == Some(8_000),
            format!("sample rate {}, not 8000", shown(le32(24))),
        ),
        (le16(34) == Some(16), "not 16-bit".to_owned()),
        (
            content_length == Some(b.len()),
            match content_length {
                None => "no Content-Length (streamed)".to_owned(),
                Some(n) => format!("Content-Length {n} differs from the body's {}", b.len()),
            },
        ),
    ]);
    if contract.is_empty() {
        Applied::Pass
    } else {
        fail_as(
            contract_recording(),
            "the recording is not the documented WAV",
            contract.join("; "),
        )
    }
}

fn range_verdict(
    r: &Result<Exchange, TransportError>,
    range: &str,
    whole: &[u8],
    want: u16,
) -> Applied {
    let size = whole.len() as u64;
    let Ok(e) = r else {
        return verdict(false, format!("Range {range} got no answer"), describe(r));
    };
    if e.status != want {
        return verdict(
            false,
            format!("a range answered {} instead of {want}", e.status),
            format!("Range: {range}; {}", describe(r)),
        );
    }
    let cr = e.header("content-range").unwrap_or("");
    if want == 416 {
        return verdict(
            cr == format!("bytes */{size}"),
            "416 without Content-Range: bytes */N",
            format!("Content-Range: {cr:?}"),
        );
    }
    let spec = cr
        .strip_prefix("bytes ")
        .and_then(|s| s.split_once('/'))
        .and_then(|(span, total)| {
            let (a, b) = span.split_once('-')?;
            Some((
                a.parse::<u64>().ok()?,
                b.parse::<u64>().ok()?,
                total.parse::<u64>().ok()?,
            ))
        });
    let ok = match spec {
        Some((a, b, total)) => total == size && b >= a && (b - a + 1) as usize == e.body.len(),
        None => false,
    };
    // The piece must be the whole file's bytes at its offsets, so the pieces concatenate to it.
    if let Some((a, b, _)) = spec.filter(|_| ok)
        && whole.get(a as usize..=b as usize) != Some(e.body.as_slice())
    {
        return verdict(
            false,
            "a range's bytes are not the whole file's bytes at its offsets",
            format!(
                "Range: {range}; Content-Range: {cr}; the pieces do not concatenate to the file"
            ),
        );
    }
    verdict(
        ok,
        "206 with a Content-Range that does not match the body",
        format!(
            "Range: {range}; Content-Range: {cr:?}; {} body bytes of {size}",
            e.body.len()
        ),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    use crate::wav::silence as wav;

    fn answer(body: Vec<u8>, content_length: bool) -> Result<Exchange, TransportError> {
        let mut headers = vec![("content-type".to_owned(), "audio/wav".to_owned())];
        if content_length {
            headers.push(("content-length".to_owned(), body.len().to_string()));
        }
        Ok(Exchange {
            status: 200,
            headers,
            body,
            truncated: false,
            elapsed: Duration::ZERO,
            parsed: Default::default(),
        })
    }

    fn piece(body: &[u8], content_range: &str) -> Result<Exchange, TransportError> {
        Ok(Exchange {
            status: 206,
            headers: vec![("content-range".to_owned(), content_range.to_owned())],
            body: body.to_vec(),
            truncated: false,
            elapsed: Duration::ZERO,
            parsed: Default::default(),
        })
    }

    #[test]
    fn a_range_must_hold_the_whole_files_bytes_at_its_offsets() {
        let whole: Vec<u8> = (0..100).collect();
        let right = piece(&whole[2..=5], "bytes 2-5/100");
        assert_eq!(
            range_verdict(&right, "bytes=2-5", &whole, 206),
            Applied::Pass
        );
        let shifted = piece(&whole[3..=6], "bytes 2-5/100");
        let v = range_verdict(&shifted, "bytes=2-5", &whole, 206);
        assert!(
            matches!(&v, Applied::Fail(f) if f.message.contains("do not concatenate")),
            "{v:?}"
        );
    }

    fn binding_of(v: &Applied) -> Option<Binding> {
        match v {
            Applied::Fail(f) => Some(f.rule.as_ref().map_or(Binding::Page, |r| r.binding)),
            _ => None,
        }
    }

    #[test]
    fn the_wav_verdict_splits_page_and_contract_rules() {
        assert_eq!(wav_verdict(&answer(wav(8_000, 100), true)), Applied::Pass);
        // Streamed chunked, or another rate: D-RECORDING's, not the page's.
        assert_eq!(
            binding_of(&wav_verdict(&answer(wav(8_000, 100), false))),
            Some(Binding::Contract)
        );
        assert_eq!(
            binding_of(&wav_verdict(&answer(wav(16_000, 100), true))),
            Some(Binding::Contract)
        );
        // Not a WAV file, or one whose RIFF size lies: the page's "recording.wav".
        let mut truncated = wav(8_000, 100);
        truncated.pop();
        assert_eq!(
            binding_of(&wav_verdict(&answer(truncated, true))),
            Some(Binding::Page)
        );
        assert_eq!(
            binding_of(&wav_verdict(&answer(b"<html></html>".to_vec(), true))),
            Some(Binding::Page)
        );
        let Applied::Fail(f) = wav_verdict(&answer(b"RIFF".to_vec(), true)) else {
            panic!("a four-byte file is no WAV");
        };
        assert!(f.message.contains("RIFF size missing"), "{}", f.message);
        assert!(!f.message.contains("None"), "{}", f.message);
    }
}
