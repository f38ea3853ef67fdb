//! The tray's summary of an inventory: the worst bucket, the clusters per bucket and the next
//! expiries. `rekey check` counts with the same [`BucketCounts`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::inventory::expiry::days_left;
use crate::inventory::model::ExpiryBucket;
use crate::inventory::ClusterRow;

/// How many clusters are in each bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BucketCounts {
    pub expired: u32,
    pub critical: u32,
    pub warning: u32,
    pub notice: u32,
    pub ok: u32,
    pub auto_rotated: u32,
    pub unknown: u32,
}

impl BucketCounts {
    /// The clusters of `rows` per bucket, as the inventory rated them.
    pub fn of(rows: &[ClusterRow]) -> BucketCounts {
        let mut counts = BucketCounts::default();
        for row in rows {
            counts.add(row.expiry.bucket);
        }
        counts
    }

    fn add(&mut self, bucket: ExpiryBucket) {
        let slot = match bucket {
            ExpiryBucket::Expired => &mut self.expired,
            ExpiryBucket::Critical => &mut self.critical,
            ExpiryBucket::Warning => &mut self.warning,
            ExpiryBucket::Notice => &mut self.notice,
            ExpiryBucket::Ok => &mut self.ok,
            ExpiryBucket::AutoRotated => &mut self.auto_rotated,
            ExpiryBucket::Unknown => &mut self.unknown,
        };
        *slot = slot.saturating_add(1);
    }
}

/// A cluster whose rated credential expires soon, for the tray's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpcomingExpiry {
    pub cluster_id: String,
    pub cluster_name: String,
    pub bucket: ExpiryBucket,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    #[ts(type = "number")]
    pub days_left: i64,
}

/// What the tray shows: the worst bucket (its colour), the counts, the next expiries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlertSummary {
    /// Expired, critical, warning or notice if any cluster is; else ok (unknown and auto-rotated
    /// clusters do not colour the tray: their count says they exist).
    pub worst: ExpiryBucket,
    pub counts: BucketCounts,
    pub next: Vec<UpcomingExpiry>,
}

/// The tray's view of `rows` at `now`: buckets as the inventory rated them, and the `next_n`
/// clusters expiring soonest (expired ones first).
pub fn summarize(rows: &[ClusterRow], now: DateTime<Utc>, next_n: usize) -> AlertSummary {
    let counts = BucketCounts::of(rows);
    let mut worst = ExpiryBucket::Ok;
    for row in rows {
        let b = row.expiry.bucket;
        let colours = matches!(
            b,
            ExpiryBucket::Expired | ExpiryBucket::Critical | ExpiryBucket::Warning | ExpiryBucket::Notice
        );
        if colours && b < worst {
            worst = b;
        }
    }
    let mut next: Vec<UpcomingExpiry> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.expiry.bucket,
                ExpiryBucket::Expired | ExpiryBucket::Critical | ExpiryBucket::Warning | ExpiryBucket::Notice
            )
        })
        .filter_map(|r| {
            let end = r.expiry.expires_at?;
            Some(UpcomingExpiry {
                cluster_id: r.id.clone(),
                cluster_name: r.name.clone(),
                bucket: r.expiry.bucket,
                expires_at: end,
                days_left: days_left(end, now),
            })
        })
        .collect();
    next.sort_by(|a, b| {
        (a.bucket, a.expires_at, &a.cluster_name).cmp(&(b.bucket, b.expires_at, &b.cluster_name))
    });
    next.truncate(next_n);
    AlertSummary { worst, counts, next }
}

/// [`summarize`] over a whole inventory: when something could not be read (a blind spot), the tray
/// is never green; it shows unknown instead of OK.
pub fn summarize_inventory(
    inventory: &crate::inventory::Inventory,
    now: DateTime<Utc>,
    next_n: usize,
) -> AlertSummary {
    let mut summary = summarize(&inventory.clusters, now, next_n);
    if summary.worst == ExpiryBucket::Ok && !inventory.blind_spots.is_empty() {
        summary.worst = ExpiryBucket::Unknown;
    }
    summary
}
