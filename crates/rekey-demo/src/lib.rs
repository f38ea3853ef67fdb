//! Rekey's demo mode: the built-in simulator started in this process and signed in to, given to
//! core's estate as plain data (core does not depend on the simulator). The app and the CLI use it;
//! so do the benchmarks, which measure Rekey against a simulated estate.

pub mod bench_inventory;
pub mod bench_rotate;

use std::sync::Arc;

use rekey_core::estate::{demo, DemoError, DemoStarter, DemoTarget, DemoWorld};
use secrecy::{ExposeSecret, SecretString};

/// `REKEY_DEMO_GENERATE=tenants=2,subscriptions=100,clusters=1000,seed=7` makes demo mode show a
/// generated estate instead of the small demo tenant (for demonstrations at scale).
pub const GENERATE_ENV: &str = "REKEY_DEMO_GENERATE";

/// What core needs to sign in to `sim` as its demo administrator.
pub fn target(sim: &rekey_sim::RunningSim) -> DemoTarget {
    let admin = &sim.demo_admin;
    DemoTarget {
        base_url: sim.base_url.clone(),
        ca_pem: sim.ca_pem.clone(),
        ca_pem_path: sim.ca_pem_path.display().to_string(),
        tenant_id: admin.tenant_id.to_string(),
        client_id: admin.client_id.to_string(),
        client_secret: SecretString::from(admin.client_secret.expose_secret().to_string()),
    }
}

/// A session signed in to `sim` as its demo administrator.
pub async fn connect(sim: &rekey_sim::RunningSim) -> Result<rekey_core::session::Session, DemoError> {
    demo::session(&target(sim)).await
}

/// `sim`, already running, as the estate's demo (it stays up as long as the estate).
pub async fn world(sim: rekey_sim::RunningSim) -> Result<DemoWorld, DemoError> {
    let target = target(&sim);
    demo::connect(target, Box::new(sim)).await
}

/// Starts the simulator on a free loopback port (the demo tenant, or what `REKEY_DEMO_GENERATE`
/// asks for) and signs in to it.
pub async fn start() -> Result<DemoWorld, DemoError> {
    let scenario = match std::env::var(GENERATE_ENV).ok().filter(|v| !v.trim().is_empty()) {
        Some(params) => rekey_sim::ScenarioSource::Generate(params.parse().map_err(
            |e: rekey_sim::scenario::ParamsError| DemoError::Connect(format!("{GENERATE_ENV}: {e}")),
        )?),
        None => rekey_sim::ScenarioSource::Demo,
    };
    let config = rekey_sim::SimConfig {
        scenario,
        ..rekey_sim::SimConfig::default()
    };
    let sim = rekey_sim::start_demo(config)
        .await
        .map_err(|e| DemoError::Start(e.to_string()))?;
    world(sim).await
}

/// The starter the app and the CLI give their estate.
pub fn starter() -> DemoStarter {
    Arc::new(|| Box::pin(start()))
}
