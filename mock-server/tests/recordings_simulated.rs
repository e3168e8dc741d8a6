//! Recordings of simulated calls: they appear on completion, parse with `hound` with the call's
//! exact duration, and a one-hour recording streams in constant memory.

mod common;

use common::{KEY, Mock};
use futures_util::StreamExt as _;
use reqwest::Method;
use serde_json::{Value, json};

async fn completed_call(mock: &Mock, duration: u32) -> Value {
    let (s, call) = mock
        .control(
            Method::POST,
            "/calls",
            Some(json!({"key": KEY, "ringSec": 1, "durationSec": duration})),
        )
        .await;
    assert_eq!(s, 201, "{call}");
    let id = call["id"].as_str().unwrap().to_owned();
    let (_, c) = mock.get(&format!("/calls/{id}")).await;
    assert_eq!(
        c["recordingUrl"],
        Value::Null,
        "no recording before completion"
    );
    mock.advance(f64::from(duration) + 1.0).await;
    let (s, c) = mock.get(&format!("/calls/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(c["status"], "completed");
    c
}

#[tokio::test]
async fn a_simulated_calls_recording_is_a_valid_wav_of_its_duration() {
    let mock = Mock::start().await;
    let c = completed_call(&mock, 37).await;
    let url = c["recordingUrl"].as_str().unwrap();
    let res = mock.client.get(url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "audio/wav");
    let bytes = res.bytes().await.unwrap();
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_rate, spec.bits_per_sample, spec.channels),
        (8000, 16, 1)
    );
    assert_eq!(reader.duration(), 37 * 8000);
    assert_eq!(
        u64::from(reader.duration()) / 8000,
        c["durationSec"].as_u64().unwrap()
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_one_hour_recording_streams_in_constant_memory() {
    let mock = Mock::start().await;
    let c = completed_call(&mock, 3600).await;
    let url = c["recordingUrl"].as_str().unwrap();
    let res = mock.client.get(url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let expected: u64 = 44 + 3600 * 8000 * 2;
    assert_eq!(res.content_length(), Some(expected));
    // Mock and client share this process: if either buffered the file, RSS would grow by its
    // 57.6 MB. Sample while streaming and compare with the start.
    let start = rss_kib();
    let mut peak = start;
    let mut total = 0u64;
    let mut chunks = 0u64;
    let mut stream = res.bytes_stream();
    while let Some(chunk) = stream.next().await {
        total += chunk.unwrap().len() as u64;
        chunks += 1;
        if chunks.is_multiple_of(64) {
            peak = peak.max(rss_kib());
        }
    }
    peak = peak.max(rss_kib());
    assert_eq!(total, expected);
    assert!(start > 0, "VmRSS readable");
    let growth_mib = (peak.saturating_sub(start)) / 1024;
    assert!(
        growth_mib < 16,
        "RSS grew by {growth_mib} MiB while streaming a {} MB file",
        expected / 1_000_000
    );
}
