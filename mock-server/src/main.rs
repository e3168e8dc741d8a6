//! `vici-mock`: parses flags, starts the server, prints where it is. All logic is in the library.

use std::io::IsTerminal;

use mock_server::Server;
use mock_server::config::{Config, DEFAULT_API_KEY, LogFormat};

/// mimalloc instead of glibc malloc: a request allocates and frees many small strings on
/// whichever worker thread polls it, and glibc's per-thread arenas spent 18% of the mock's CPU in
/// malloc/free (more once a large workspace was seeded, fragmenting an arena). mimalloc's
/// thread-local free lists make those allocations a few instructions each.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::load().unwrap_or_else(|e| e.exit());
    if config.health_check {
        return match mock_server::health::probe(config.listen).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("vici-mock: not healthy: {e}");
                std::process::ExitCode::from(1)
            }
        };
    }
    // `--log` was checked when the flags were read.
    let filter = tracing_subscriber::EnvFilter::builder()
        .parse(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Human => builder.init(),
    }
    let key = config
        .api_keys
        .first()
        .cloned()
        .unwrap_or_else(|| DEFAULT_API_KEY.to_owned());
    let server = match Server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vici-mock: failed to {e}");
            return std::process::ExitCode::from(2);
        }
    };
    print_banner(&server, &key);
    tokio::select! {
        r = server.wait() => {
            if let Err(e) = r {
                eprintln!("vici-mock: server failed: {e}");
                return std::process::ExitCode::from(1);
            }
        }
        () = stop_signal() => {}
    }
    std::process::ExitCode::SUCCESS
}

/// Where the mock is and how to try it. A closed stdout (`vici-mock | head -1`) is not an error:
/// the mock goes on serving. An address on every interface (`0.0.0.0`) is shown as 127.0.0.1,
/// which a browser or curl on the same machine can use.
fn print_banner(server: &Server, key: &str) {
    use std::io::Write as _;
    let addr = mock_server::health::probe_addr(server.addr());
    let base = format!("http://{addr}/api/v1");
    let mut out = std::io::stdout().lock();
    let mut lines = vec!["vici-mock listening".to_owned()];
    if addr != server.addr() {
        lines.push(format!(
            "  listening on {} (every interface)",
            server.addr()
        ));
    }
    lines.extend([
        format!("  base URL     {base}"),
        format!("  API key      {key}"),
        format!("  control API  http://{addr}/_mock"),
        format!("  webhooks     http://{addr}/settings/webhooks?key={key}"),
        format!("  try          curl -H 'Authorization: Bearer {key}' {base}/calls"),
    ]);
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

/// Ctrl-C (SIGINT) or, on Unix, SIGTERM: what `docker stop` and process managers send.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
