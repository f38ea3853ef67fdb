//! A full inventory: subscriptions, then clusters (Resource Graph, ARM as fallback), then the
//! credentials of every distinct app (Graph `$batch`), then each cluster's expiry rating. The
//! round trips that do not depend on each other overlap; the Graph token is fetched while ARM lists.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::blind::{self, BlindSpot, BlindSpotKind};
use super::classify::{AadIntegration, ClusterRow, IdentityKind};
use super::credentials::{self, AppCredentials, Failure, Lookup};
use super::discover::discover;
use super::expiry;
use super::model::AppRole;
use super::model::{ExpiryStatus, Progress, Thresholds};
use super::Inventory;
use crate::azure::arg::ArgClient;
use crate::azure::arm::ArmClient;
use crate::azure::graph::GraphClient;
use crate::azure::models::Subscription;
use crate::azure::CallError;
use crate::session::Session;

/// Requests in flight at once (ARM listings and Graph batches): enough to hide 50 ms round trips,
/// few enough to stay far from Azure's throttling.
const CONCURRENCY: usize = 32;

pub type SubscriptionFilter = Arc<dyn Fn(&Subscription) -> bool + Send + Sync>;
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// How to refresh. `Default` rates with the default thresholds over every readable subscription.
#[derive(Clone, Default)]
pub struct RefreshOptions {
    pub thresholds: Thresholds,
    /// Which readable subscriptions to scan (the user's selection); all when `None`.
    pub keep_subscription: Option<SubscriptionFilter>,
    /// Called in order, from one task: phases `subscriptions`, `clusters`, `credentials`, `done`,
    /// with running totals that never go down.
    pub progress: Option<ProgressSink>,
    /// Stops the refresh early; what was found so far comes back with a warning.
    pub cancel: CancellationToken,
    /// Cluster ARM ID → the key ID of the secret Rekey put on it (its own rotations).
    pub known_key_ids: HashMap<String, String>,
}

impl std::fmt::Debug for RefreshOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshOptions")
            .field("thresholds", &self.thresholds)
            .field("keep_subscription", &self.keep_subscription.is_some())
            .field("progress", &self.progress.is_some())
            .field("cancelled", &self.cancel.is_cancelled())
            .field("known_key_ids", &self.known_key_ids.len())
            .finish()
    }
}

/// Running totals, handed to the progress sink.
struct Reporter {
    sink: Option<ProgressSink>,
    current: Progress,
}

impl Reporter {
    fn emit(&mut self, phase: &str, update: impl FnOnce(&mut Progress)) {
        self.current.phase = phase.to_string();
        update(&mut self.current);
        if let Some(sink) = &self.sink {
            sink(self.current.clone());
        }
    }
}

/// Refreshes the inventory of `session`'s account: every readable subscription `options` keeps.
/// Only a failure to list subscriptions is an error; anything after that is a warning on a
/// partial inventory.
pub async fn refresh(session: &Session, options: RefreshOptions) -> Result<Inventory, CallError> {
    refresh_with(&session.arm, &session.graph, options, &|_| true).await
}

/// [`refresh`] with the clients given, and `keep` applied on top of `options.keep_subscription`.
pub(crate) async fn refresh_with(
    arm: &ArmClient,
    graph: &GraphClient,
    options: RefreshOptions,
    keep: &(dyn Fn(&Subscription) -> bool + Sync),
) -> Result<Inventory, CallError> {
    let sent_before = arm.requests_sent();
    let cancel = options.cancel.clone();
    let mut reporter = Reporter {
        sink: options.progress.clone(),
        current: Progress::default(),
    };
    let mut inventory = Inventory {
        thresholds: options.thresholds,
        ..Inventory::default()
    };
    reporter.emit("subscriptions", |_| {});
    // A credential fetches one token at a time: ARM's first, as ARM answers first. Graph's is then
    // fetched while ARM lists, and the task is aborted if this function returns early.
    arm.credential().token(&arm.cloud().arm_scope()).await?;
    let mut directory = JoinSet::new();
    let prefetch = graph.clone();
    directory.spawn(async move { prefetch.directory().await });

    let listed = tokio::select! {
        () = cancel.cancelled() => Vec::new(),
        listed = arm.list_subscriptions() => listed?,
    };
    let subscriptions: Vec<Subscription> = listed
        .into_iter()
        .filter(|s| keep(s) && options.keep_subscription.as_ref().is_none_or(|k| k(s)))
        .collect();
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    if !cancel.is_cancelled() {
        reporter.emit("clusters", |_| {});
        let found = discover(
            arm,
            &ArgClient::new(arm.pipeline().clone()),
            &subscriptions,
            &limit,
            &cancel,
            |s, c| {
                reporter.emit("clusters", |p| {
                    p.subscriptions_scanned = s;
                    p.clusters_found = c;
                })
            },
        )
        .await;
        inventory.clusters = found.rows;
        inventory.warnings.extend(found.warnings);
        inventory.blind_spots.extend(found.blind_spots);
        inventory.source = Some(found.source);
        inventory.stats.subscriptions = found.subscriptions_scanned;
        name_tenants(arm, &mut inventory.clusters).await;
    }

    if !cancel.is_cancelled() {
        reporter.emit("credentials", |_| {});
        let home = match directory.join_next().await {
            Some(Ok(result)) => result,
            Some(Err(e)) => {
                Err(crate::azure::AzureError::Client(format!("the Graph sign-in stopped: {e}")).into())
            }
            None => Ok(None),
        };
        rate(&mut inventory, graph, home, &options, &limit, &mut reporter).await;
    }
    if cancel.is_cancelled() {
        let why = "The refresh was cancelled: this inventory is incomplete.";
        inventory.warnings.push(why.into());
        inventory
            .blind_spots
            .push(BlindSpot::new(BlindSpotKind::Listing, "", why));
    }
    inventory
        .clusters
        .sort_by(|a, b| (&a.subscription_name, &a.name).cmp(&(&b.subscription_name, &b.name)));
    inventory.stats.clusters = u32::try_from(inventory.clusters.len()).unwrap_or(u32::MAX);
    let sent = arm.requests_sent().saturating_sub(sent_before);
    inventory.stats.requests = u32::try_from(sent).unwrap_or(u32::MAX);
    inventory.generated_at = Some(Utc::now());
    let stats = inventory.stats.clone();
    reporter.emit("done", |p| {
        p.subscriptions_scanned = stats.subscriptions;
        p.clusters_found = stats.clusters;
    });
    Ok(inventory)
}

/// Each row's tenant by its display name, from ARM's list of tenants. Names only: a list that
/// cannot be read leaves the IDs, which say the same.
async fn name_tenants(arm: &ArmClient, rows: &mut [ClusterRow]) {
    let tenants = match arm.list_tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::debug!("tenant names not read: {e}");
            return;
        }
    };
    for row in rows.iter_mut() {
        let Some(id) = row.tenant_id.as_deref() else {
            continue;
        };
        row.tenant_name = tenants
            .iter()
            .find(|t| t.tenant_id.eq_ignore_ascii_case(id))
            .and_then(|t| t.display_name.clone().or_else(|| t.default_domain.clone()));
    }
}

/// Whether Graph must be read to rate the row.
fn needs_graph(row: &ClusterRow) -> bool {
    row.identity_kind == IdentityKind::ServicePrincipal || row.aad_integration == AadIntegration::Legacy
}

/// Reads the credentials of the rows' apps in the directory `home` answers for, and rates every row.
async fn rate(
    inventory: &mut Inventory,
    graph: &GraphClient,
    home: Result<Option<String>, CallError>,
    options: &RefreshOptions,
    limit: &Arc<Semaphore>,
    reporter: &mut Reporter,
) {
    // Graph answers for one directory: apps of clusters in another tenant cannot be read with it.
    let graph_problem = home.as_ref().err().map(ToString::to_string);
    let home = home.map_err(|e| Failure::from(&e));
    let foreign = |row: &ClusterRow| match (&home, &row.tenant_id) {
        (Ok(Some(home)), Some(tenant)) => !home.eq_ignore_ascii_case(tenant),
        _ => false,
    };
    let mut wanted: Vec<(String, AppRole)> = Vec::new();
    let mut foreign_clusters: HashMap<String, u32> = HashMap::new();
    for row in inventory.clusters.iter().filter(|r| needs_graph(r)) {
        if foreign(row) {
            *foreign_clusters
                .entry(row.tenant_id.clone().unwrap_or_default())
                .or_default() += 1;
            continue;
        }
        if let (IdentityKind::ServicePrincipal, Some(app)) = (row.identity_kind, &row.sp_client_id) {
            wanted.push((app.clone(), AppRole::ClusterIdentity));
        }
        if let (AadIntegration::Legacy, Some(app)) = (row.aad_integration, &row.aad_server_app_id) {
            wanted.push((app.clone(), AppRole::AadServer));
        }
    }
    if let Some(problem) = graph_problem.filter(|_| !wanted.is_empty()) {
        inventory.warnings.push(format!(
            "Microsoft Graph could not be used ({problem}): the service principals' credentials are unknown."
        ));
    }
    let now = Utc::now();
    let mut apps: HashMap<String, AppCredentials> = match &home {
        Err(failure) => wanted
            .iter()
            .map(|(app, _)| {
                (
                    app.to_ascii_lowercase(),
                    AppCredentials::unread(app, failure.clone()),
                )
            })
            .collect(),
        Ok(_) => {
            let resolution = credentials::resolve(graph, &wanted, limit, &options.cancel, now, |n| {
                reporter.emit("credentials", |p| p.credentials_resolved = n)
            })
            .await;
            inventory.warnings.extend(resolution.warnings);
            resolution.apps
        }
    };
    if home.is_ok() && apps.values().any(|a| !a.credentials.is_empty()) {
        // One read of the tenant's report for every secret: when each last signed in.
        let usage = graph.usage(None).await;
        for credential in apps.values_mut().flat_map(|a| a.credentials.iter_mut()) {
            credential.last_used = Some(usage.last_used(&credential.key_id));
        }
    }
    let home_tenant = home.as_ref().ok().cloned().flatten().unwrap_or_default();
    let mut foreign_tenants: Vec<(String, u32)> = foreign_clusters.into_iter().collect();
    foreign_tenants.sort();
    for (tenant, count) in foreign_tenants {
        let spot = BlindSpot::new(
            BlindSpotKind::Tenant,
            &tenant,
            format!("its directory is not read by any account ({count} cluster(s) could not be rated)"),
        );
        blind::add(&mut inventory.blind_spots, spot);
        inventory.warnings.push(format!(
            "{count} cluster{} in tenant {tenant} could not be rated: this account reads the directory of \
             tenant {home_tenant}. Add an account of tenant {tenant} to read its service principals.",
            if count == 1 { "" } else { "s" }
        ));
    }

    let mut unread: Vec<&AppCredentials> = apps
        .values()
        .filter(|a| {
            matches!(a.application, Lookup::Failed(_)) || matches!(a.service_principal, Lookup::Failed(_))
        })
        .collect();
    unread.sort_by(|a, b| a.app_id.cmp(&b.app_id));
    for app in unread {
        let failure = match (&app.application, &app.service_principal) {
            (Lookup::Failed(f), _) | (_, Lookup::Failed(f)) => f,
            _ => continue,
        };
        let spot = BlindSpot::new(BlindSpotKind::Credentials, &app.app_id, failure.to_string())
            .named(app.display_name.clone())
            .code(failure.code.clone());
        blind::add(&mut inventory.blind_spots, spot);
    }

    let known: HashMap<String, &str> = options
        .known_key_ids
        .iter()
        .map(|(cluster, key)| (cluster.to_ascii_lowercase(), key.as_str()))
        .collect();
    for row in &mut inventory.clusters {
        if needs_graph(row) && foreign(row) {
            row.expiry = other_tenant(row, &home_tenant);
            continue;
        }
        let known_key = known.get(&row.id.to_ascii_lowercase()).copied();
        row.expiry = expiry::rate_cluster(row, &apps, known_key, &options.thresholds, now);
        let app_of = |id: &Option<String>| id.as_ref().and_then(|id| apps.get(&id.to_ascii_lowercase()));
        let sp = app_of(&row.sp_client_id);
        let server = app_of(&row.aad_server_app_id);
        row.sp_display_name = sp.and_then(|a| a.display_name.clone());
        row.credentials = sp
            .into_iter()
            .chain(server)
            .flat_map(|a| a.credentials.iter().cloned())
            .collect();
    }
    inventory.stats.service_principals = u32::try_from(apps.len()).unwrap_or(u32::MAX);
    let credentials: usize = apps.values().map(|a| a.credentials.len()).sum();
    inventory.stats.credentials = u32::try_from(credentials).unwrap_or(u32::MAX);
}

fn other_tenant(row: &ClusterRow, home: &str) -> ExpiryStatus {
    ExpiryStatus::unknown(format!(
        "The cluster is in tenant {}, and this account reads the directory of tenant {home}: add an \
         account of that tenant to read its service principal.",
        row.tenant_id.as_deref().unwrap_or("?")
    ))
}
