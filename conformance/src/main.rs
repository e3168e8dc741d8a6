//! `vici-conformance`: parses flags and hands over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = conformance::cli::Cli::parse();
    std::process::ExitCode::from(conformance::cli::main(cli).await)
}
