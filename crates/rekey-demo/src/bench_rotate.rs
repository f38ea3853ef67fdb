//! `rekey bench rotate`: rotates N clusters (each with its own service principal) against the
//! in-process simulator whose credential resets take a fixed time, then one cluster alone, and
//! compares: the engine should overlap the Azure operations' waits, not add them up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use rekey_core::cloud::CloudSetting;
use rekey_core::estate::{DemoFiles, DemoSource, DemoWorld, Estate};
use rekey_core::inventory::{refresh, RefreshOptions};
use rekey_core::paths::AppPaths;
use rekey_core::rotation::model::{Mode, Options, Outcome, Retire};
use rekey_core::workspace::Workspace;

#[derive(Debug, Clone)]
pub struct RotateBenchParams {
    pub clusters: usize,
    /// How long each simulated reset operation runs.
    pub lro_seconds: u64,
    pub concurrency: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RotateBenchReport {
    pub clusters: usize,
    pub concurrency: usize,
    pub lro_s: u64,
    /// All clusters, plan excluded (the admin reads the plan before confirming).
    pub wall_s: f64,
    /// One cluster alone.
    pub single_wall_s: f64,
    /// `wall_s / single_wall_s`: 1.0 means fifty clusters took as long as one.
    pub ratio: f64,
    /// ARM and Graph requests of the bulk run (token requests not counted).
    pub requests: u64,
    pub succeeded: usize,
}

impl RotateBenchReport {
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RotateBenchError {
    #[error("the simulator did not start: {0}")]
    Sim(String),
    #[error("{0}")]
    Run(String),
}

fn scenario(clusters: usize) -> String {
    let mut text = String::from(
        "[[tenants]]\nkey = \"bench\"\nname = \"Bench\"\ndomain = \"bench.onmicrosoft.com\"\n\n\
         [[subscriptions]]\nname = \"Bench\"\ntenant = \"bench\"\n\n",
    );
    for i in 0..clusters {
        text.push_str(&format!(
            "[[apps]]\nname = \"bench-sp-{i}\"\ntenant = \"bench\"\nsecrets = [{{ expires_in_days = 10 }}]\n\n\
             [[clusters]]\nname = \"bench-{i}\"\nsubscription = \"Bench\"\nresource_group = \"rg-bench\"\n\
             location = \"westeurope\"\nidentity = \"bench-sp-{i}\"\nnode_count = 3\n\n"
        ));
    }
    text
}

pub async fn bench_rotate(params: &RotateBenchParams) -> Result<RotateBenchReport, RotateBenchError> {
    let file = rekey_sim::ScenarioFile::from_toml(&scenario(params.clusters + 1))
        .map_err(|e| RotateBenchError::Sim(e.to_string()))?;
    let behaviour = rekey_sim::Behaviour {
        operation_duration: chrono::Duration::seconds(i64::try_from(params.lro_seconds).unwrap_or(5)),
        operation_retry_after: chrono::Duration::seconds(1),
        ..Default::default()
    };
    let sim = rekey_sim::start_demo(rekey_sim::SimConfig {
        behaviour,
        scenario: rekey_sim::ScenarioSource::File(Box::new(file)),
        ..Default::default()
    })
    .await
    .map_err(|e| RotateBenchError::Sim(e.to_string()))?;
    let session = Arc::new(
        crate::connect(&sim)
            .await
            .map_err(|e| RotateBenchError::Sim(e.to_string()))?,
    );
    let known = refresh(&session, RefreshOptions::default())
        .await
        .map_err(|e| RotateBenchError::Run(e.to_string()))?
        .clusters;
    let home = tempfile::tempdir().map_err(|e| RotateBenchError::Run(e.to_string()))?;
    let paths = AppPaths::at(home.path());
    // The estate of this run: the simulator as its demo, nothing kept (a memory-only vault).
    let world = DemoWorld {
        session: session.clone(),
        tenant_id: sim.tenant_id().to_string(),
        cloud: CloudSetting::Public,
        arm_endpoint: sim.base_url.clone(),
        keep_alive: Box::new(()),
    };
    let workspace = Workspace::open_with(&paths, None, None)
        .await
        .map_err(|e| RotateBenchError::Run(e.message))?;
    let estate =
        Estate::new(paths.clone(), DemoSource::Ready(world), DemoFiles::Discarded).with_workspace(workspace);
    let rotator = estate
        .rotator(true)
        .await
        .map_err(|e| RotateBenchError::Run(e.message))?;
    let mut options = Options::from_settings(&Default::default(), Mode::Secret, "bench");
    options.retire = Retire::Now;
    options.concurrency = params.concurrency.max(1);
    options.max_poll_interval = Duration::from_secs(2);

    let mut names: Vec<&str> = known.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    let id_of = |name: &str| known.iter().find(|c| c.name == name).map(|c| c.id.clone());
    let single = id_of("bench-0").into_iter().collect::<Vec<_>>();
    let rest: Vec<String> = known
        .iter()
        .filter(|c| c.name != "bench-0")
        .map(|c| c.id.clone())
        .collect();

    // One cluster alone.
    let plan = rotator.plan(&single, &known, &options).await;
    let started = Instant::now();
    let results = rotator
        .run(&plan, options.clone(), None)
        .await
        .map_err(|e| RotateBenchError::Run(e.message))?;
    let single_wall = started.elapsed().as_secs_f64();
    if results.iter().any(|r| r.outcome != Outcome::Succeeded) {
        return Err(RotateBenchError::Run(format!(
            "the single rotation failed: {results:?}"
        )));
    }

    // All the others at once.
    let plan = rotator.plan(&rest, &known, &options).await;
    let before = session.arm.requests_sent();
    let started = Instant::now();
    let results = rotator
        .run(&plan, options, None)
        .await
        .map_err(|e| RotateBenchError::Run(e.message))?;
    let wall = started.elapsed().as_secs_f64();
    let requests = session.arm.requests_sent() - before;
    let succeeded = results.iter().filter(|r| r.outcome == Outcome::Succeeded).count();
    drop(sim);
    Ok(RotateBenchReport {
        clusters: rest.len(),
        concurrency: params.concurrency,
        lro_s: params.lro_seconds,
        wall_s: (wall * 1000.0).round() / 1000.0,
        single_wall_s: (single_wall * 1000.0).round() / 1000.0,
        ratio: ((wall / single_wall.max(0.001)) * 1000.0).round() / 1000.0,
        requests,
        succeeded,
    })
}
