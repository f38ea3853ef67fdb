//! Inventory: every AKS cluster the signed-in identity can read, classified by how it authenticates.

mod classify;
pub mod model;

use tokio::task::JoinSet;

pub use classify::{classify, AadIntegration, ClusterRow, IdentityKind};

use crate::azure::arm::{ArmClient, ArmError};
use crate::azure::models::Subscription;

/// The clusters found, and what could not be read (a partial inventory is normal, never an empty one).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Inventory {
    pub clusters: Vec<ClusterRow>,
    pub warnings: Vec<String>,
    /// When the scan finished.
    #[ts(type = "string | null")]
    pub generated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub source: Option<model::InventorySource>,
    pub stats: model::InventoryStats,
    pub thresholds: model::Thresholds,
}

/// Lists clusters in every readable subscription through ARM, one subscription per task.
pub async fn list_clusters(arm: &ArmClient) -> Result<Inventory, ArmError> {
    list_clusters_where(arm, |_| true).await
}

/// [`list_clusters`] over the readable subscriptions `keep` accepts (the user's selection).
pub async fn list_clusters_where(
    arm: &ArmClient,
    keep: impl Fn(&Subscription) -> bool,
) -> Result<Inventory, ArmError> {
    let subscriptions: Vec<Subscription> = arm
        .list_subscriptions()
        .await?
        .into_iter()
        .filter(|s| keep(s))
        .collect();
    let mut tasks = JoinSet::new();
    for sub in subscriptions {
        let arm = arm.clone();
        tasks.spawn(async move {
            let result = arm.list_managed_clusters(&sub.subscription_id).await;
            (sub, result)
        });
    }
    let mut inventory = Inventory::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((sub, Ok(clusters))) => {
                inventory
                    .clusters
                    .extend(clusters.iter().map(|c| classify(c, &sub)));
            }
            Ok((sub, Err(e))) => inventory.warnings.push(format!(
                "Subscription {} ({}): {e}",
                sub.display_name, sub.subscription_id
            )),
            Err(e) => inventory
                .warnings
                .push(format!("A subscription listing stopped unexpectedly: {e}")),
        }
    }
    inventory
        .clusters
        .sort_by(|a, b| (&a.subscription_name, &a.name).cmp(&(&b.subscription_name, &b.name)));
    Ok(inventory)
}
