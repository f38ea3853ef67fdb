//! Inventory: every AKS cluster the signed-in identity can read, classified by how it authenticates,
//! with the expiry of the credentials behind it.

pub mod blind;
pub mod cache;
mod classify;
pub mod credentials;
pub mod discover;
pub mod expiry;
pub mod export;
pub mod model;
pub mod refresh;

pub use classify::{classify, AadIntegration, ClusterRow, IdentityKind};
pub use refresh::{refresh, RefreshOptions};

use crate::azure::arm::ArmClient;
use crate::azure::graph::GraphClient;
use crate::azure::models::Subscription;
use crate::azure::CallError;

/// The clusters found, and what could not be read (a partial inventory is normal, never an empty one).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Inventory {
    pub clusters: Vec<ClusterRow>,
    pub warnings: Vec<String>,
    /// What could not be read, and why: a check or a tray must not call these OK.
    #[serde(default)]
    pub blind_spots: Vec<blind::BlindSpot>,
    /// When the scan finished.
    #[ts(type = "string | null")]
    pub generated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub source: Option<model::InventorySource>,
    pub stats: model::InventoryStats,
    pub thresholds: model::Thresholds,
}

/// A full [`refresh`] with default options over the clients' credential: every readable
/// subscription, with expiry.
pub async fn list_clusters(arm: &ArmClient) -> Result<Inventory, CallError> {
    refresh::refresh_with(
        arm,
        &GraphClient::new(arm.pipeline().clone()),
        RefreshOptions::default(),
        &|_: &Subscription| true,
    )
    .await
}
