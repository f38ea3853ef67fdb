//! `rekey bench inventory`: a full inventory with expiry against the in-process simulator with a
//! fixed latency on every request, and, in the same run, the manual recipe's call pattern (list
//! subscriptions; per subscription list clusters; per cluster look up the application), one call at
//! a time as a script of `az` commands makes them. Being sequential the recipe is linear, so it runs
//! on a sample of the subscriptions and is scaled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use rekey_core::auth::token_cache::TokenCache;
use rekey_core::auth::{self, Credential, InteractiveRequest, UserCredential, DEFAULT_CLIENT_ID};
use rekey_core::azure::models::Subscription;
use rekey_core::azure::CallError;
use rekey_core::cloud::{Cloud, CloudSetting};
use rekey_core::inventory::model::ExpiryBucket;
use rekey_core::inventory::{refresh, AadIntegration, IdentityKind, Inventory, RefreshOptions};
use rekey_core::paths::AppPaths;
use rekey_core::session::{Session, SessionMode};
use rekey_core::transport::{HttpClient, Trust};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchParams {
    pub tenants: usize,
    pub subscriptions: usize,
    pub clusters: usize,
    pub seed: u64,
    /// Added by the simulator to every request.
    pub latency_ms: u64,
    /// The share of subscriptions the sequential baseline walks (0 < x ≤ 1).
    pub baseline_sample: f64,
}

impl Default for BenchParams {
    fn default() -> Self {
        BenchParams {
            tenants: 2,
            subscriptions: 100,
            clusters: 1000,
            seed: 7,
            latency_ms: 50,
            baseline_sample: 0.1,
        }
    }
}

/// The figures, printed as one JSON line.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The full inventory with expiry, every tenant at once.
    pub wall_s: f64,
    /// Requests the simulator served during it (tokens included).
    pub requests: u64,
    /// The process's peak resident set (simulator included); `None` off Linux.
    pub peak_rss_mb: Option<f64>,
    /// The manual recipe, scaled from its sample to every subscription.
    pub baseline_wall_s: f64,
    pub baseline_requests: u64,
    pub speedup: f64,
    pub latency_ms: u64,
    pub tenants: usize,
    pub subscriptions: u32,
    pub clusters: u32,
    /// Clusters with a rating (not Unknown).
    pub rated: u32,
    pub warnings: usize,
    pub baseline_sample_subscriptions: usize,
    pub baseline_sample_clusters: usize,
    pub baseline_sample_wall_s: f64,
    pub baseline_sample_requests: u64,
    /// Subscriptions in scope over subscriptions sampled.
    pub baseline_scale: f64,
}

impl BenchReport {
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("bad benchmark parameters: {0}")]
    Params(String),
    #[error("the simulator could not start: {0}")]
    Start(#[from] rekey_sim::StartError),
    #[error("could not sign in to the simulator: {0}")]
    SignIn(String),
    #[error("the inventory failed: {0}")]
    Inventory(#[from] CallError),
}

/// One signed-in account per simulated tenant, as an administrator of each would have.
struct Account {
    tenant_id: String,
    session: Arc<Session>,
}

/// Runs the benchmark. Sign-in happens before the clock starts; the simulator's latency is set after.
pub async fn bench_inventory(params: &BenchParams) -> Result<BenchReport, BenchError> {
    if !(params.baseline_sample > 0.0 && params.baseline_sample <= 1.0) {
        return Err(BenchError::Params("the baseline sample must be in (0, 1]".into()));
    }
    let generate = format!(
        "tenants={},subscriptions={},clusters={},seed={}",
        params.tenants, params.subscriptions, params.clusters, params.seed
    )
    .parse()
    .map_err(|e: rekey_sim::scenario::ParamsError| BenchError::Params(e.to_string()))?;
    let sim = rekey_sim::start_demo(rekey_sim::SimConfig {
        scenario: rekey_sim::ScenarioSource::Generate(generate),
        ..Default::default()
    })
    .await?;
    let accounts = sign_in_every_tenant(&sim).await?;
    sim.sim().faults.set_latency_ms(params.latency_ms);

    let before = last_request(&sim);
    let started = Instant::now();
    let inventory = inventory_of(&accounts).await?;
    let wall = started.elapsed();
    let requests = last_request(&sim) - before;

    let baseline = baseline(&sim, &accounts, params.baseline_sample).await?;
    let rated = inventory
        .clusters
        .iter()
        .filter(|c| c.expiry.bucket != ExpiryBucket::Unknown)
        .count();
    Ok(BenchReport {
        wall_s: round(wall.as_secs_f64()),
        requests,
        peak_rss_mb: peak_rss_mb(),
        baseline_wall_s: round(baseline.scaled_wall.as_secs_f64()),
        baseline_requests: baseline.scaled_requests,
        speedup: round(baseline.scaled_wall.as_secs_f64() / wall.as_secs_f64().max(1e-9)),
        latency_ms: params.latency_ms,
        tenants: accounts.len(),
        subscriptions: inventory.stats.subscriptions,
        clusters: inventory.stats.clusters,
        rated: u32::try_from(rated).unwrap_or(u32::MAX),
        warnings: inventory.warnings.len(),
        baseline_sample_subscriptions: baseline.sample_subscriptions,
        baseline_sample_clusters: baseline.sample_clusters,
        baseline_sample_wall_s: round(baseline.sample_wall.as_secs_f64()),
        baseline_sample_requests: baseline.sample_requests,
        baseline_scale: round(baseline.scale),
    })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The sequence number of the simulator's latest logged request.
fn last_request(sim: &rekey_sim::RunningSim) -> u64 {
    sim.sim().requests.recent(1).last().map_or(0, |r| r.seq)
}

/// Every account's refresh at once, each over the subscriptions of its own tenant.
async fn inventory_of(accounts: &[Account]) -> Result<Inventory, BenchError> {
    let mut tasks = JoinSet::new();
    for account in accounts {
        let (session, tenant) = (account.session.clone(), account.tenant_id.clone());
        let options = RefreshOptions {
            keep_subscription: Some(Arc::new(move |s: &Subscription| in_tenant(s, &tenant))),
            ..RefreshOptions::default()
        };
        tasks.spawn(async move { refresh(&session, options).await });
    }
    let mut all = Inventory::default();
    while let Some(joined) = tasks.join_next().await {
        let found = joined.map_err(|e| BenchError::SignIn(format!("a refresh stopped: {e}")))??;
        all.stats.subscriptions += found.stats.subscriptions;
        all.stats.clusters += found.stats.clusters;
        all.warnings.extend(found.warnings);
        all.clusters.extend(found.clusters);
    }
    Ok(all)
}

fn in_tenant(s: &Subscription, tenant: &str) -> bool {
    s.tenant_id
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(tenant))
}

struct Baseline {
    sample_subscriptions: usize,
    sample_clusters: usize,
    sample_wall: Duration,
    sample_requests: u64,
    scale: f64,
    scaled_wall: Duration,
    scaled_requests: u64,
}

/// The manual recipe, one call at a time: list subscriptions; on a sample of them list clusters
/// through ARM; per service-principal cluster `GET /applications?$filter=appId eq '…'` (and the
/// server app of a legacy AAD cluster). The subscription lists are measured in full, the rest
/// scaled by subscriptions in scope over subscriptions sampled.
async fn baseline(
    sim: &rekey_sim::RunningSim,
    accounts: &[Account],
    sample: f64,
) -> Result<Baseline, BenchError> {
    let (mut fixed_wall, mut fixed_requests) = (Duration::ZERO, 0);
    let (mut sample_wall, mut sample_requests) = (Duration::ZERO, 0);
    let (mut in_scope, mut sampled, mut sample_clusters) = (0usize, 0usize, 0usize);
    for account in accounts {
        let (arm, graph) = (&account.session.arm, &account.session.graph);
        let before = last_request(sim);
        let started = Instant::now();
        let mut subscriptions: Vec<Subscription> = arm
            .list_subscriptions()
            .await?
            .into_iter()
            .filter(|s| in_tenant(s, &account.tenant_id))
            .collect();
        fixed_wall += started.elapsed();
        fixed_requests += last_request(sim) - before;
        subscriptions.sort_by(|a, b| a.subscription_id.cmp(&b.subscription_id));
        let step = ((1.0 / sample).round() as usize).max(1);
        let chosen: Vec<&Subscription> = subscriptions.iter().step_by(step).collect();
        in_scope += subscriptions.len();
        sampled += chosen.len();

        let before = last_request(sim);
        let started = Instant::now();
        for subscription in chosen {
            for cluster in arm.list_managed_clusters(&subscription.subscription_id).await? {
                sample_clusters += 1;
                let row = rekey_core::inventory::classify(&cluster, subscription);
                let mut apps = Vec::new();
                if row.identity_kind == IdentityKind::ServicePrincipal {
                    apps.extend(row.sp_client_id);
                }
                if row.aad_integration == AadIntegration::Legacy {
                    apps.extend(row.aad_server_app_id);
                }
                for app in apps {
                    // A failed lookup is still a call the script made and waited for.
                    let _ = graph
                        .get(&format!(
                            "applications?$filter=appId eq '{app}'&$select=id,appId,passwordCredentials"
                        ))
                        .await;
                }
            }
        }
        sample_wall += started.elapsed();
        sample_requests += last_request(sim) - before;
    }
    let scale = in_scope as f64 / sampled.max(1) as f64;
    Ok(Baseline {
        sample_subscriptions: sampled,
        sample_clusters,
        sample_wall,
        sample_requests,
        scale,
        scaled_wall: fixed_wall + sample_wall.mul_f64(scale),
        scaled_requests: fixed_requests + (sample_requests as f64 * scale).round() as u64,
    })
}

/// The demo administrator for the first tenant; for each other tenant its generated administrator,
/// signed in by device code (the code approved on the simulator's page, as a person would).
async fn sign_in_every_tenant(sim: &rekey_sim::RunningSim) -> Result<Vec<Account>, BenchError> {
    let fail = |e: &dyn std::fmt::Display| BenchError::SignIn(e.to_string());
    let admin = crate::connect(sim).await.map_err(|e| fail(&e))?;
    let admin_tenant = sim.tenant_id();
    let mut accounts = vec![Account {
        tenant_id: admin_tenant.to_string(),
        session: Arc::new(admin),
    }];
    let others: Vec<(String, String)> = {
        let world = sim.sim().state.world();
        world
            .tenants
            .iter()
            .filter(|t| t.id != admin_tenant)
            .filter_map(|t| {
                let admin = world
                    .users
                    .iter()
                    .find(|u| u.tenant_id == t.id && u.user_principal_name.starts_with("admin@"))?;
                Some((t.id.to_string(), admin.user_principal_name.clone()))
            })
            .collect()
    };
    if others.is_empty() {
        return Ok(accounts);
    }
    let http = HttpClient::new(&Trust::Only {
        ca_pem: sim.ca_pem.clone(),
    })
    .map_err(|e| fail(&e))?;
    let metadata_url = format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url);
    let metadata = Url::parse(&metadata_url).map_err(|e| fail(&e))?;
    let cloud = Cloud::from_metadata(&http, &metadata)
        .await
        .map_err(|e| fail(&e))?;
    let scratch = std::env::temp_dir().join(format!("rekey-bench-{}", std::process::id()));
    // No keyring: the refresh tokens live in memory for this run only.
    let tokens = TokenCache::open(&AppPaths::at(&scratch), None).await;
    for (tenant_id, upn) in others {
        let req = InteractiveRequest {
            http: http.clone(),
            cloud: cloud.clone(),
            setting: CloudSetting::Custom {
                metadata_url: metadata_url.clone(),
                ca_file: Some(sim.ca_pem_path.display().to_string()),
            },
            tenant: tenant_id.clone(),
            client_id: DEFAULT_CLIENT_ID.to_string(),
        };
        let flow = auth::start_device_code(&req).await.map_err(|e| fail(&e))?;
        approve(&http, &sim.base_url, &flow.prompt().user_code, &upn).await?;
        let signed_in = flow.wait(&CancellationToken::new()).await.map_err(|e| fail(&e))?;
        let credential = UserCredential::from_sign_in(&req, &signed_in, tokens.clone())
            .await
            .map_err(|e| fail(&e))?;
        let session = Session::new(
            SessionMode::Demo,
            upn,
            http.clone(),
            cloud.clone(),
            Credential::User(credential),
        );
        accounts.push(Account {
            tenant_id,
            session: Arc::new(session),
        });
    }
    Ok(accounts)
}

/// Approves a device code on the simulator's sign-in page with the generated password.
async fn approve(http: &HttpClient, base: &Url, user_code: &str, upn: &str) -> Result<(), BenchError> {
    let page = base
        .join("devicelogin")
        .map_err(|e| BenchError::SignIn(e.to_string()))?;
    let response = http
        .reqwest()
        .post(page)
        .form(&[
            ("user_code", user_code),
            ("username", upn),
            ("password", "demo"),
            ("action", "approve"),
        ])
        .send()
        .await
        .map_err(|e| BenchError::SignIn(e.to_string()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(BenchError::SignIn(format!(
            "the simulator refused the device code approval for {upn}: HTTP {}",
            response.status()
        )))
    }
}

/// Peak resident set size (`VmHWM`) in MB, on Linux.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(round(kb / 1024.0))
}
