//! `rekey`: the command line over `rekey-core`, for scripts and monitoring.

mod clusters;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rekey",
    version,
    about = "See and rotate AKS cluster credentials before they expire",
    after_help = "With no Azure account configured, rekey runs on the built-in simulator (demo tenant)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every AKS cluster in the readable subscriptions.
    Clusters {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REKEY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clusters { json } => clusters::run(json).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rekey: {}", e.message);
            eprintln!("       (code: {})", e.code);
            ExitCode::FAILURE
        }
    }
}
