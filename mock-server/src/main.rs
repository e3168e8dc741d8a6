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
    println!("vici-mock listening");
    println!("  base URL     {}", server.base_url());
    println!("  API key      {key}");
    println!("  control API  {}", server.control_url());
    println!(
        "  webhooks     http://{}/settings/webhooks?key={key}",
        server.addr()
    );
    println!(
        "  try          curl -H 'Authorization: Bearer {key}' {}/calls",
        server.base_url()
    );
    let stop = tokio::spawn(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    tokio::select! {
        r = server.wait() => {
            if let Err(e) = r {
                eprintln!("vici-mock: server failed: {e}");
                return std::process::ExitCode::from(1);
            }
        }
        _ = stop => {}
    }
    std::process::ExitCode::SUCCESS
}
