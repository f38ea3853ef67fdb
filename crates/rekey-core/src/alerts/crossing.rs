//! What an alert is about: a credential that crossed a notification threshold, and the clusters
//! that use it. Shared by the ledger (which finds crossings) and the notices (which word them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A notification threshold: so many days (or fewer) left, or expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Threshold {
    Expired,
    Days(u32),
}

impl Threshold {
    /// Lower is more urgent: expired first, then the fewest days.
    pub(super) fn urgency(self) -> i64 {
        match self {
            Threshold::Expired => -1,
            Threshold::Days(d) => i64::from(d),
        }
    }
}

/// A cluster a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClusterRef {
    pub id: String,
    pub name: String,
}

/// A credential that crossed a threshold. Metadata only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Crossing {
    pub key_id: String,
    pub threshold: Threshold,
    pub app_id: String,
    /// The service principal's name, or "legacy AAD server app".
    pub app_label: String,
    pub hint: Option<String>,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    #[ts(type = "number")]
    pub days_left: i64,
    /// The clusters that use the credential's app (two clusters may share a service principal).
    pub clusters: Vec<ClusterRef>,
}
