//! `rekey`: the command line over `rekey-core`, for scripts and monitoring.

mod account;
mod cloud_args;
mod clusters;
mod error;
mod home;
mod login;
mod logout;
mod output;
mod secret_files;
mod sessions;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cloud_args::CloudArgs;
use crate::error::CliError;

#[derive(Parser)]
#[command(
    name = "rekey",
    version,
    about = "See and rotate AKS cluster credentials before they expire",
    after_help = "With no account signed in, rekey runs on the built-in simulator (demo tenant).\n\
                  Environment: REKEY_HOME (one folder for Rekey's files), REKEY_CLIENT_ID (the public client \
                  people sign in through), REKEY_LOG (log level, on stderr)."
)]
struct Cli {
    #[command(flatten)]
    cloud: CloudArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in (browser by default, or --device-code, --azure-cli, --service-principal).
    Login(login::LoginArgs),
    /// Sign an account out, forgetting its saved sign-in.
    Logout(logout::LogoutArgs),
    /// Show the signed-in accounts, or choose their tenants and subscriptions.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// List every AKS cluster in the selected subscriptions of the signed-in accounts.
    /// Exits with 1 if an account could not be listed (after printing what could be).
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
        Command::Login(args) => login::run(args, &cli.cloud).await,
        Command::Logout(args) => logout::run(args).await,
        Command::Account(command) => account::run(command, &cli.cloud).await,
        Command::Clusters { json } => clusters::run(json, &cli.cloud).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::FAILURE
        }
    }
}

fn report(e: &CliError) {
    let shown = e.to_ipc();
    eprintln!("rekey: {}", shown.message);
    if let Some(hint) = e.hint() {
        eprintln!("       {hint}");
    }
    eprintln!("       (code: {})", shown.code);
}
