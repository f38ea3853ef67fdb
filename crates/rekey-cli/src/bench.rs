//! `rekey bench inventory`: the core's inventory benchmark against the in-process simulator, printed
//! as its one JSON line (for CI and for comparing builds).

use clap::{Args, Subcommand};
use rekey_core::error::IpcError;
use rekey_demo::bench_inventory::{bench_inventory, BenchParams};

use crate::error::CliError;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// A full inventory with expiry on a generated simulated estate, against the manual recipe's
    /// one-call-at-a-time pattern; prints one JSON line (wall_s, requests, peak_rss_mb, speedup…).
    Inventory(InventoryArgs),
    /// Rotates N clusters at once against the simulator (resets taking --lro-seconds each) and one
    /// alone; prints one JSON line (wall_s, single_wall_s, ratio, requests).
    Rotate(RotateArgs),
}

#[derive(Args, Debug)]
pub struct RotateArgs {
    #[arg(long, default_value_t = 50)]
    clusters: usize,
    /// How long each simulated credential reset runs.
    #[arg(long, default_value_t = 5)]
    lro_seconds: u64,
    #[arg(long, default_value_t = 50)]
    concurrency: usize,
}

#[derive(Args, Debug)]
pub struct InventoryArgs {
    /// Simulated tenants, each with its own signed-in administrator.
    #[arg(long, default_value_t = BenchParams::default().tenants)]
    tenants: usize,
    /// Subscriptions across the tenants.
    #[arg(long, default_value_t = BenchParams::default().subscriptions)]
    subscriptions: usize,
    /// AKS clusters across the subscriptions.
    #[arg(long, default_value_t = BenchParams::default().clusters)]
    clusters: usize,
    /// Latency the simulator adds to every request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = BenchParams::default().latency_ms)]
    latency_ms: u64,
    /// The seed of the generated estate (the same seed gives the same estate).
    #[arg(long, default_value_t = BenchParams::default().seed)]
    seed: u64,
}

pub async fn run(command: BenchCommand) -> Result<(), CliError> {
    let args = match command {
        BenchCommand::Inventory(args) => args,
        BenchCommand::Rotate(args) => {
            let params = rekey_demo::bench_rotate::RotateBenchParams {
                clusters: args.clusters,
                lro_seconds: args.lro_seconds,
                concurrency: args.concurrency,
            };
            let report = rekey_demo::bench_rotate::bench_rotate(&params)
                .await
                .map_err(|e| CliError::Ipc(IpcError::new("bench", e.to_string())))?;
            println!("{}", report.to_json_line());
            return Ok(());
        }
    };
    let params = BenchParams {
        tenants: args.tenants,
        subscriptions: args.subscriptions,
        clusters: args.clusters,
        latency_ms: args.latency_ms,
        seed: args.seed,
        ..BenchParams::default()
    };
    let report = bench_inventory(&params)
        .await
        .map_err(|e| CliError::Ipc(IpcError::new("bench", e.to_string())))?;
    println!("{}", report.to_json_line());
    Ok(())
}
