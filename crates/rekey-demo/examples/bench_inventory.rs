//! Prints the inventory benchmark's JSON line:
//! `cargo run --release -p rekey-demo --example bench_inventory -- [tenants subscriptions clusters latency_ms]`.

use rekey_demo::bench_inventory::{bench_inventory, BenchParams};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let defaults = BenchParams::default();
    let arg = |i: usize, default: u64| args.get(i).copied().unwrap_or(default);
    let params = BenchParams {
        tenants: usize::try_from(arg(0, defaults.tenants as u64)).unwrap_or(defaults.tenants),
        subscriptions: usize::try_from(arg(1, defaults.subscriptions as u64))
            .unwrap_or(defaults.subscriptions),
        clusters: usize::try_from(arg(2, defaults.clusters as u64)).unwrap_or(defaults.clusters),
        latency_ms: arg(3, defaults.latency_ms),
        ..defaults
    };
    match bench_inventory(&params).await {
        Ok(report) => {
            println!("{}", report.to_json_line());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
