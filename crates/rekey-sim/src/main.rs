//! `rekey-sim serve`: run the simulator alone and print one JSON line when ready.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rekey-sim",
    version,
    about = "A faithful Azure simulator on loopback TLS"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the built-in demo tenant until interrupted.
    Serve {
        /// Loopback port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Seconds a new secret or service principal stays unusable (Entra ID replication).
        #[arg(long, default_value_t = 0)]
        replication_delay: i64,
        /// Items per page in ARM list responses.
        #[arg(long, default_value_t = 100)]
        page_size: usize,
        /// A scenario file (.toml or .json) instead of the built-in demo tenant.
        #[arg(long, conflicts_with = "generate")]
        scenario: Option<PathBuf>,
        /// Generate a scenario, e.g. `tenants=2,subscriptions=100,clusters=1000,seed=7`.
        #[arg(long)]
        generate: Option<rekey_sim::GenerateParams>,
        /// How long a credential reset runs, in milliseconds of simulated time.
        #[arg(long, default_value_t = 3000)]
        operation_ms: i64,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("REKEY_SIM_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve {
        port,
        replication_delay,
        page_size,
        scenario,
        generate,
        operation_ms,
    } = Cli::parse().command;
    let scenario = match (scenario, generate) {
        (Some(path), _) => match read_scenario(&path) {
            Ok(file) => rekey_sim::ScenarioSource::File(Box::new(file)),
            Err(e) => {
                eprintln!("rekey-sim: {}: {e}", path.display());
                return std::process::ExitCode::FAILURE;
            }
        },
        (None, Some(params)) => rekey_sim::ScenarioSource::Generate(params),
        (None, None) => rekey_sim::ScenarioSource::Demo,
    };
    let config = rekey_sim::SimConfig {
        scenario,
        bind: SocketAddr::from(([127, 0, 0, 1], port)),
        behaviour: rekey_sim::Behaviour {
            replication_delay: chrono::Duration::seconds(replication_delay),
            arm_page_size: page_size.max(1),
            operation_duration: chrono::Duration::milliseconds(operation_ms.clamp(0, 3_600_000)),
            ..Default::default()
        },
    };
    let sim = match rekey_sim::start_demo(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("rekey-sim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let ready = serde_json::json!({
        "base_url": sim.base_url.as_str(),
        "ca_pem": sim.ca_pem_path,
        "metadata_url": format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        "tenant_id": sim.tenant_id(),
        "demo_client_id": sim.demo_admin.client_id,
        "admin_token": sim.admin_token(),
    });
    println!("{ready}");
    stopped().await;
    // Dropping the simulator stops it and removes its CA folder.
    drop(sim);
    std::process::ExitCode::SUCCESS
}

/// Ctrl-C, or SIGTERM from a service manager or a test harness.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
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

fn read_scenario(path: &Path) -> Result<rekey_sim::ScenarioFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let parsed = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        rekey_sim::ScenarioFile::from_json(&text)
    } else {
        rekey_sim::ScenarioFile::from_toml(&text)
    };
    parsed.map_err(|e| e.to_string())
}
