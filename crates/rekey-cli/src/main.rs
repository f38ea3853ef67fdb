//! `rekey`: the command line over `rekey-core`, for scripts and monitoring.

mod account;
mod bench;
mod check;
mod cloud_args;
mod clusters;
mod error;
mod home;
mod keyvaults;
mod login;
mod logout;
mod migrate;
mod output;
mod plan_args;
mod rotate;
mod rotations;
mod scan;
mod terminal;
mod vault;

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
                  people sign in through), REKEY_BROWSER (the browser to sign in with), REKEY_LOG (log level, \
                  on stderr), REKEY_HTTP_TIMEOUT_SECS (longest wait for one Azure request, default 60)."
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
    /// List every AKS cluster in the selected subscriptions of the signed-in accounts, with when its
    /// credentials expire. Exits with 1 if an account could not be listed (after printing what could be).
    Clusters(clusters::ClustersArgs),
    /// Check credential expiry as a monitoring plugin: one line, and exit 0 (OK), 1 (WARNING),
    /// 2 (CRITICAL: expired or within the critical days) or 3 (UNKNOWN).
    Check(check::CheckArgs),
    /// Rotate cluster credentials with zero downtime: a new secret first, the cluster reset and
    /// verified, the old secret removed only then (by --retire-old). Shows a plan and asks first.
    Rotate(rotate::RotateArgs),
    /// Move service-principal clusters to a managed identity, so they need no more rotations: the
    /// roles the new identity needs granted first, the cluster updated, each node pool's image
    /// upgraded, the old secrets retired last. Shows a plan and asks first; cannot be undone.
    Migrate(migrate::MigrateArgs),
    /// List rotations, resume unfinished ones, or roll back a failed one's unused secret.
    #[command(subcommand)]
    Rotations(rotations::RotationsCommand),
    /// Measure Rekey against the built-in simulator.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// The secrets Rekey created, in the OS keyring: list, copy, reveal, delete.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// The Azure key vaults a rotation can also write its new secret to (`rekey rotate --key-vault`).
    Keyvaults(keyvaults::KeyVaultsArgs),
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() && checking() => {
            // Exit code 2 would read as CRITICAL to the monitoring system: a bad command line is UNKNOWN.
            let _ = e.print();
            println!("REKEY UNKNOWN - the command line is not valid (see the error on stderr)");
            return ExitCode::from(3);
        }
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Login(args) => login::run(args, &cli.cloud).await,
        Command::Logout(args) => logout::run(args).await,
        Command::Account(command) => account::run(command, &cli.cloud).await,
        Command::Clusters(args) => clusters::run(args, &cli.cloud).await,
        // A monitoring plugin's exit codes, its failures included (UNKNOWN).
        Command::Check(args) => return check::run(args, &cli.cloud).await,
        Command::Bench(command) => bench::run(command).await,
        Command::Vault(command) => vault::run(command).await,
        Command::Keyvaults(args) => keyvaults::run(args).await,
        Command::Rotate(args) => rotate::run(args, &cli.cloud).await,
        Command::Rotations(command) => rotations::run(command).await,
        Command::Migrate(args) => migrate::run(args, &cli.cloud).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::FAILURE
        }
    }
}

/// Whether the command line asks for `rekey check`, even one clap refused.
fn checking() -> bool {
    std::env::args().skip(1).any(|a| a == "check")
}

fn report(e: &CliError) {
    let shown = e.to_ipc();
    eprintln!("rekey: {}", shown.message);
    if let Some(hint) = e.hint() {
        eprintln!("       {hint}");
    }
    eprintln!("       (code: {})", shown.code);
}
