//! What the inventory reports: clusters with their credential expiry, the credentials behind it,
//! and how the scan went. Metadata only: no secret ever travels in these types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How urgent a cluster is. Thresholds are settings ([`Thresholds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ExpiryBucket {
    /// Every credential that could be in use has expired: the cluster cannot reach Azure.
    Expired,
    /// Within `critical_days` (default 7).
    Critical,
    /// Within `warning_days` (default 30).
    Warning,
    /// Within `notice_days` (default 90).
    Notice,
    Ok,
    /// Managed identity: Azure rotates it.
    AutoRotated,
    /// Rekey could not read the credentials (no Graph access, app not found…).
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Thresholds {
    #[ts(type = "number")]
    pub critical_days: i64,
    #[ts(type = "number")]
    pub warning_days: i64,
    #[ts(type = "number")]
    pub notice_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            critical_days: 7,
            warning_days: 30,
            notice_days: 90,
        }
    }
}

/// The cluster's expiry as Rekey rates it — never optimistic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpiryStatus {
    pub bucket: ExpiryBucket,
    /// When the credential the rating is based on expires.
    #[ts(type = "string | null")]
    pub expires_at: Option<DateTime<Utc>>,
    #[ts(type = "number | null")]
    pub days_left: Option<i64>,
    /// True when Rekey does not know which credential the cluster holds and rated it by the earliest
    /// unexpired credential that could be the one in use.
    pub assumed: bool,
    /// The credential the rating is based on.
    pub key_id: Option<String>,
    /// One sentence for people: why this bucket.
    pub reason: String,
}

impl ExpiryStatus {
    /// A managed identity: Azure rotates it, nothing to do.
    pub fn auto_rotated() -> Self {
        ExpiryStatus {
            bucket: ExpiryBucket::AutoRotated,
            expires_at: None,
            days_left: None,
            assumed: false,
            key_id: None,
            reason: "Managed identity: Azure rotates its credentials.".into(),
        }
    }

    /// Rekey cannot rate the cluster, and says why.
    pub fn unknown(reason: impl Into<String>) -> Self {
        ExpiryStatus {
            bucket: ExpiryBucket::Unknown,
            expires_at: None,
            days_left: None,
            assumed: true,
            key_id: None,
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CredentialOwner {
    /// On the app registration (where the portal shows secrets).
    Application,
    /// On the service principal object (where `az ad sp credential reset` puts them).
    ServicePrincipal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CredentialKind {
    Password,
    Certificate,
}

/// One password or certificate credential of an app or a service principal (Graph metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CredentialInfo {
    pub owner: CredentialOwner,
    pub kind: CredentialKind,
    /// The app whose credential it is (the cluster's SP, or the legacy AAD server app).
    pub app_id: String,
    pub key_id: String,
    pub hint: Option<String>,
    pub display_name: Option<String>,
    #[ts(type = "string | null")]
    pub start: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub end: Option<DateTime<Utc>>,
    pub expired: bool,
    /// When it last signed in (Graph's sign-in activity report), or why that is unknown.
    #[serde(default)]
    pub last_used: Option<crate::azure::reports::LastUsed>,
}

/// How the inventory was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum InventorySource {
    ResourceGraph,
    /// ARM listing per subscription (Resource Graph denied or failed).
    Arm,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InventoryStats {
    pub subscriptions: u32,
    pub clusters: u32,
    pub service_principals: u32,
    pub credentials: u32,
    pub requests: u32,
}

/// Live progress of a refresh.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Progress {
    /// `subscriptions`, `clusters`, `credentials` or `done`.
    pub phase: String,
    pub subscriptions_scanned: u32,
    pub clusters_found: u32,
    pub credentials_resolved: u32,
}

/// Which app of the cluster a rating is about, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppRole {
    /// The cluster's own service principal (`servicePrincipalProfile.clientId`).
    ClusterIdentity,
    /// The legacy AAD integration's server app (`aadProfile.serverAppID`).
    AadServer,
}

impl AppRole {
    pub(crate) fn label(self) -> &'static str {
        match self {
            AppRole::ClusterIdentity => "service principal",
            AppRole::AadServer => "legacy AAD server app",
        }
    }
}
