//! The benchmark baseline (`benches/mock.sh`): a bare axum server on the mock's runtime defaults
//! (`#[tokio::main]`, multi-threaded) that answers every request with the same fixed JSON bytes.
//! No auth, rate limit, validation, state, journal or logging: what is left is axum and hyper.
//!
//! ```sh
//! cargo run --release -p mock-server --example bare -- --listen 127.0.0.1:0 --bytes 6000
//! ```
//!
//! `--bytes N` is the body length (default 6000, a typical call detail); the script passes the
//! length of the mock's call detail it measures, so both servers send the same amount.
//! It prints `bare listening on http://ADDR` once bound (port 0 picks a free port).

use axum::Router;
use axum::body::Bytes;
use axum::http::header;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut listen = "127.0.0.1:4011".to_owned();
    let mut bytes: usize = 6000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--listen", Some(v)) => listen = v,
            ("--bytes", Some(v)) if v.parse::<usize>().is_ok_and(|n| n >= 10) => {
                bytes = v.parse().unwrap_or(bytes);
            }
            _ => {
                eprintln!("usage: bare [--listen ADDR] [--bytes N (at least 10)]");
                return std::process::ExitCode::from(2);
            }
        }
    }
    // `{"pad":"xxx…"}`: valid JSON of exactly `bytes` bytes.
    let body = Bytes::from(format!("{{\"pad\":\"{}\"}}", "x".repeat(bytes - 10)));
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    });
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bare: bind {listen}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("bare listening on http://{addr}"),
        Err(e) => {
            eprintln!("bare: {e}");
            return std::process::ExitCode::from(2);
        }
    }
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bare: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
