//! Expiry alerts: which credentials crossed a notification threshold (60, 30, 7, 1 days, expired)
//! since Rekey last looked, remembered in a ledger so that each credential is notified once per
//! threshold across restarts; the daily digest; and the summary the tray shows (worst bucket,
//! counts, the next expiries). Pure logic over the inventory and a given "now", plus the ledger file.
//!
//! What is watched: the client secrets (password credentials with an end date) of every cluster
//! that signs in with a service principal, and of legacy AAD server apps — the secrets Rekey rates
//! clusters by. Certificates are not: AKS never signs in with one.
//!
//! Crossing several thresholds at once (the first run, or Rekey was off for weeks) notifies the
//! most urgent one only. A secret already expired when Rekey first sees it is notified only if its
//! app has no other unexpired secret (the cluster is cut off); otherwise it is an old, replaced
//! secret, and saying so every time would teach people to ignore Rekey.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::inventory::expiry::days_left;
use crate::inventory::model::{CredentialKind, ExpiryBucket};
use crate::inventory::{AadIntegration, ClusterRow, IdentityKind};
use crate::paths::{broken_path, write_private, AppPaths};
use crate::settings::Settings;

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
    fn urgency(self) -> i64 {
        match self {
            Threshold::Expired => -1,
            Threshold::Days(d) => i64::from(d),
        }
    }
}

/// Which thresholds notify, and how (from the settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRules {
    pub days: Vec<u32>,
    pub expired: bool,
    pub daily_digest: bool,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules::from(&Settings::default())
    }
}

impl From<&Settings> for AlertRules {
    fn from(s: &Settings) -> Self {
        AlertRules {
            days: s.notify_days.clone(),
            expired: s.notify_expired,
            daily_digest: s.daily_digest,
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

/// What to show as one OS notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The cluster a click opens (with its rotate action ready); none for a digest or a summary,
    /// which open the dashboard.
    pub cluster_id: Option<String>,
    /// The crossings this notice tells of.
    pub crossings: Vec<Crossing>,
}

/// Above this many crossings at once, one summary notification replaces one each.
pub const MAX_SEPARATE_NOTICES: usize = 5;

/// Ledger entries of credentials not seen for this long are dropped.
const FORGET_AFTER_DAYS: i64 = 90;

const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    /// Thresholds already notified (or passed silently) for this credential.
    done: BTreeSet<Threshold>,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
}

/// What Rekey remembers between runs: which thresholds each credential was notified for, the
/// crossings waiting for the next digest, and the day of the last digest. No secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ledger {
    format: u32,
    /// By lowercase key ID.
    credentials: BTreeMap<String, Entry>,
    pending: Vec<Crossing>,
    last_digest: Option<NaiveDate>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            format: FORMAT,
            credentials: BTreeMap::new(),
            pending: Vec::new(),
            last_digest: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    #[error("could not save the alert ledger {path}: {detail}")]
    Write { path: String, detail: String },
}

/// A watched credential and the clusters using it.
struct Watched<'a> {
    key_id: String,
    app_id: &'a str,
    app_label: String,
    hint: Option<&'a str>,
    end: DateTime<Utc>,
    clusters: Vec<ClusterRef>,
}

/// Every client secret with an end date that a service-principal cluster (or its legacy AAD server
/// app) depends on, once each, soonest first; and the apps that still have an unexpired secret.
fn watched(rows: &[ClusterRow], now: DateTime<Utc>) -> (Vec<Watched<'_>>, BTreeSet<String>) {
    let mut by_key: BTreeMap<String, Watched<'_>> = BTreeMap::new();
    let mut alive: BTreeSet<String> = BTreeSet::new();
    for row in rows {
        if row.identity_kind != IdentityKind::ServicePrincipal
            && row.aad_integration != AadIntegration::Legacy
        {
            continue;
        }
        let relevant = |app_id: &str| {
            let is = |id: &Option<String>| id.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(app_id));
            (row.identity_kind == IdentityKind::ServicePrincipal && is(&row.sp_client_id))
                || (row.aad_integration == AadIntegration::Legacy && is(&row.aad_server_app_id))
        };
        for c in &row.credentials {
            if c.kind != CredentialKind::Password || !relevant(&c.app_id) {
                continue;
            }
            if c.end.is_none_or(|e| e > now) {
                alive.insert(c.app_id.to_ascii_lowercase());
            }
            let Some(end) = c.end else { continue };
            let cluster = ClusterRef {
                id: row.id.clone(),
                name: row.name.clone(),
            };
            let is_server = row
                .aad_server_app_id
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&c.app_id))
                && !row
                    .sp_client_id
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&c.app_id));
            let entry = by_key
                .entry(c.key_id.to_ascii_lowercase())
                .or_insert_with(|| Watched {
                    key_id: c.key_id.clone(),
                    app_id: &c.app_id,
                    app_label: if is_server {
                        "legacy AAD server app".to_string()
                    } else {
                        row.sp_display_name
                            .clone()
                            .unwrap_or_else(|| format!("service principal {}", c.app_id))
                    },
                    hint: c.hint.as_deref(),
                    end,
                    clusters: Vec::new(),
                });
            if !entry
                .clusters
                .iter()
                .any(|k| k.id.eq_ignore_ascii_case(&cluster.id))
            {
                entry.clusters.push(cluster);
            }
        }
    }
    let mut list: Vec<Watched<'_>> = by_key.into_values().collect();
    for w in &mut list {
        w.clusters.sort_by(|a, b| a.name.cmp(&b.name));
    }
    list.sort_by(|a, b| (a.end, &a.key_id).cmp(&(b.end, &b.key_id)));
    (list, alive)
}

impl Ledger {
    pub fn file(paths: &AppPaths) -> std::path::PathBuf {
        paths.data_dir.join("alerts-ledger.json")
    }

    /// The ledger in `paths`; a new one if there is none. A file that cannot be read is set aside
    /// (`.broken`) with a warning: starting afresh may repeat notifications, never lose the file.
    /// Blocking: call it off the async runtime.
    pub fn load(paths: &AppPaths) -> Ledger {
        let path = Self::file(paths);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ledger::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "the alert ledger cannot be read; starting a new one");
                return Ledger::default();
            }
        };
        match serde_json::from_slice::<Ledger>(&bytes) {
            Ok(ledger) if ledger.format == FORMAT => ledger,
            Ok(_) | Err(_) => {
                tracing::warn!(path = %path.display(), "the alert ledger is not valid; it is kept as .broken and a new one started");
                let _ = std::fs::rename(&path, broken_path(&path));
                Ledger::default()
            }
        }
    }

    /// Replaces the ledger file, all at once. Blocking.
    pub fn save(&self, paths: &AppPaths) -> Result<(), AlertsError> {
        let path = Self::file(paths);
        let err = |detail: String| AlertsError::Write {
            path: path.display().to_string(),
            detail,
        };
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| err(e.to_string()))?;
        write_private(&path, &bytes).map_err(|e| err(e.to_string()))
    }

    /// The thresholds `rows`' credentials newly crossed at `now`, most urgent first, and remembers
    /// them. Calling it again with the same inventory and time gives nothing.
    pub fn crossings(
        &mut self,
        rows: &[ClusterRow],
        now: DateTime<Utc>,
        rules: &AlertRules,
    ) -> Vec<Crossing> {
        let (watched, alive) = watched(rows, now);
        let mut found = Vec::new();
        for w in watched {
            let key = w.key_id.to_ascii_lowercase();
            let days = days_left(w.end, now);
            let expired = w.end <= now;
            let mut crossed: Vec<Threshold> = rules
                .days
                .iter()
                .filter(|d| days <= i64::from(**d))
                .map(|d| Threshold::Days(*d))
                .collect();
            if expired && rules.expired {
                crossed.push(Threshold::Expired);
            }
            let seen_before = self.credentials.contains_key(&key);
            let entry = self.credentials.entry(key).or_insert_with(|| Entry {
                done: BTreeSet::new(),
                first_seen: now,
                last_seen: now,
            });
            entry.last_seen = entry.last_seen.max(now);
            let Some(most_urgent) = crossed.iter().copied().min_by_key(|t| t.urgency()) else {
                continue;
            };
            let new = !entry.done.contains(&most_urgent);
            entry.done.extend(crossed.iter().copied());
            if !new {
                // A threshold added later that is less urgent than one already told: nothing new.
                continue;
            }
            if expired && most_urgent != Threshold::Expired {
                // "Expires in 7 days" of a secret that has already expired is not news; with
                // expired notifications off, nothing is said.
                continue;
            }
            let replaced = most_urgent == Threshold::Expired
                && !seen_before
                && alive.contains(&w.app_id.to_ascii_lowercase());
            if replaced {
                continue;
            }
            found.push(Crossing {
                key_id: w.key_id,
                threshold: most_urgent,
                app_id: w.app_id.to_string(),
                app_label: w.app_label,
                hint: w.hint.map(str::to_string),
                expires_at: w.end,
                days_left: days,
                clusters: w.clusters,
            });
        }
        let forget_before = now - chrono::Duration::days(FORGET_AFTER_DAYS);
        self.credentials.retain(|_, e| e.last_seen >= forget_before);
        found.sort_by(|a, b| {
            (a.threshold.urgency(), a.expires_at, &a.key_id).cmp(&(
                b.threshold.urgency(),
                b.expires_at,
                &b.key_id,
            ))
        });
        found
    }

    /// The notifications to show at `now` for `rows`: one per new crossing (a summary above
    /// [`MAX_SEPARATE_NOTICES`]), or with the daily digest the crossings collected since the last
    /// digest, once per calendar day in `zone` (the user's local time).
    pub fn evaluate(
        &mut self,
        rows: &[ClusterRow],
        now: DateTime<Utc>,
        zone: FixedOffset,
        rules: &AlertRules,
    ) -> Vec<Notice> {
        let crossings = self.crossings(rows, now, rules);
        if !rules.daily_digest {
            // A digest switched off: what it held is told now rather than never.
            let mut all = std::mem::take(&mut self.pending);
            all.extend(crossings);
            return notices(all);
        }
        self.pending.extend(crossings);
        let today = now.with_timezone(&zone).date_naive();
        if self.pending.is_empty() || self.last_digest == Some(today) {
            return Vec::new();
        }
        self.last_digest = Some(today);
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by(|a, b| {
            (a.threshold.urgency(), a.expires_at).cmp(&(b.threshold.urgency(), b.expires_at))
        });
        vec![digest(pending, "Rekey daily digest")]
    }

    /// Crossings waiting for the next digest.
    pub fn pending(&self) -> &[Crossing] {
        &self.pending
    }
}

/// A notice's body as a freedesktop notification body, which servers that support markup (KDE,
/// for one) read as `<b>`, `<i>`, `<a href>` and entities: escaped, so that application and cluster
/// names from Azure show as the text they are. Summaries are plain text by the spec and need none.
pub fn freedesktop_body(body: &str) -> String {
    let mut escaped = String::with_capacity(body.len());
    for ch in body.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            _ => escaped.push(ch),
        }
    }
    escaped
}

fn clusters_label(c: &Crossing) -> String {
    match c.clusters.as_slice() {
        [] => c.app_label.clone(),
        [one] => one.name.clone(),
        [first, rest @ ..] => format!("{} (+{} more)", first.name, rest.len()),
    }
}

fn what(c: &Crossing) -> String {
    let hint = c.hint.as_deref().map(|h| format!(" {h}…")).unwrap_or_default();
    format!("The secret{hint} of {}", c.app_label)
}

fn when(c: &Crossing) -> String {
    match c.threshold {
        Threshold::Expired => "expired".to_string(),
        Threshold::Days(_) => match c.days_left {
            0 => "expires today".to_string(),
            1 => "expires in 1 day".to_string(),
            n => format!("expires in {n} days"),
        },
    }
}

/// One line of a summary or digest.
pub fn line(c: &Crossing) -> String {
    format!(
        "{}: {} ({})",
        clusters_label(c),
        when(c),
        c.expires_at.format("%Y-%m-%d")
    )
}

fn single(c: Crossing) -> Notice {
    let date = c.expires_at.format("%Y-%m-%d");
    let used_by = match c.clusters.as_slice() {
        [_, rest @ ..] if !rest.is_empty() => format!(
            " It is also used by {}.",
            rest.iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    };
    let body = match c.threshold {
        Threshold::Expired => format!(
            "{} expired on {date}: the cluster cannot sign in to Azure with it. Rotate it now.{used_by}",
            what(&c)
        ),
        Threshold::Days(_) => format!("{} {} ({date}). Rotate it in Rekey.{used_by}", what(&c), when(&c)),
    };
    Notice {
        title: format!("{}: secret {}", clusters_label(&c), when(&c)),
        body,
        cluster_id: c.clusters.first().map(|k| k.id.clone()),
        crossings: vec![c],
    }
}

fn digest(crossings: Vec<Crossing>, heading: &str) -> Notice {
    let n = crossings.len();
    let mut lines: Vec<String> = crossings.iter().take(MAX_SEPARATE_NOTICES).map(line).collect();
    if n > MAX_SEPARATE_NOTICES {
        lines.push(format!("…and {} more in Rekey.", n - MAX_SEPARATE_NOTICES));
    }
    Notice {
        title: format!(
            "{heading}: {n} {} need attention",
            if n == 1 { "secret" } else { "secrets" }
        ),
        body: lines.join("\n"),
        cluster_id: None,
        crossings,
    }
}

/// One notice per crossing, or one summary when there are too many to show one by one.
fn notices(crossings: Vec<Crossing>) -> Vec<Notice> {
    if crossings.len() > MAX_SEPARATE_NOTICES {
        vec![digest(crossings, "Rekey")]
    } else {
        crossings.into_iter().map(single).collect()
    }
}

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
    let mut counts = BucketCounts::default();
    let mut worst = ExpiryBucket::Ok;
    for row in rows {
        let b = row.expiry.bucket;
        counts.add(b);
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

/// What the tray and the Settings page show about background refreshes and alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlertStatus {
    /// The last complete inventory's summary; none before the first one.
    pub summary: Option<AlertSummary>,
    #[ts(type = "string | null")]
    pub last_refresh: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub next_refresh: Option<DateTime<Utc>>,
    /// Why the last refresh failed or was partial (an account signed out, Azure unreachable…).
    pub problem: Option<String>,
    pub refreshing: bool,
    /// The inventory is the built-in simulator's demo tenant.
    pub demo: bool,
}

/// What the back end tells the window without being asked (over the channel the window opens
/// with `subscribe_app_events`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum AppEvent {
    /// Show this cluster (from the tray or a notification); `rotate`: with its rotation ready.
    #[serde(rename_all = "camelCase")]
    OpenCluster { cluster_id: String, rotate: bool },
    /// Show the dashboard (a digest or summary notification was clicked).
    OpenDashboard,
    /// A background refresh finished: the dashboard shows this inventory.
    InventoryUpdated {
        inventory: Box<crate::inventory::Inventory>,
    },
    /// The alert status changed (refresh started or finished, settings saved).
    #[serde(rename_all = "camelCase")]
    StatusChanged { status: AlertStatus },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::model::{CredentialInfo, CredentialOwner, ExpiryStatus};
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn secret(app: &str, key: &str, end_days: i64) -> CredentialInfo {
        CredentialInfo {
            owner: CredentialOwner::Application,
            kind: CredentialKind::Password,
            app_id: app.into(),
            key_id: key.into(),
            hint: Some("abc".into()),
            display_name: None,
            start: Some(t0() - Duration::days(300)),
            end: Some(t0() + Duration::days(end_days)),
            expired: end_days < 0,
        }
    }

    fn row(name: &str, app: &str, credentials: Vec<CredentialInfo>, bucket: ExpiryBucket) -> ClusterRow {
        ClusterRow {
            rotatable: true,
            id: format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}"),
            name: name.into(),
            subscription_id: "s".into(),
            subscription_name: "S".into(),
            resource_group: "rg".into(),
            location: "westeurope".into(),
            identity_kind: IdentityKind::ServicePrincipal,
            aad_integration: AadIntegration::None,
            sp_client_id: Some(app.into()),
            provisioning_state: "Succeeded".into(),
            power_state: None,
            kubernetes_version: None,
            tenant_id: None,
            node_count: None,
            aad_server_app_id: None,
            sp_display_name: Some(format!("{app}-sp")),
            expiry: ExpiryStatus {
                bucket,
                expires_at: credentials.first().and_then(|c| c.end),
                days_left: None,
                assumed: true,
                key_id: None,
                reason: String::new(),
            },
            credentials,
        }
    }

    fn thresholds_of(notices: &[Notice]) -> Vec<(String, Threshold)> {
        notices
            .iter()
            .flat_map(|n| n.crossings.iter().map(|c| (c.key_id.clone(), c.threshold)))
            .collect()
    }

    #[test]
    fn each_threshold_once_and_the_most_urgent_when_several_are_crossed() {
        let rows = vec![row(
            "a",
            "app-a",
            vec![secret("app-a", "k1", 65)],
            ExpiryBucket::Ok,
        )];
        let rules = AlertRules::default();
        let mut ledger = Ledger::default();
        let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
        let mut seen = Vec::new();
        for day in 0..70 {
            let now = t0() + Duration::days(day) + Duration::minutes(1);
            for (key, t) in thresholds_of(&ledger.evaluate(&rows, now, utc, &rules)) {
                seen.push((day, key, t));
            }
        }
        let expect = |d, t| (d, "k1".to_string(), t);
        assert_eq!(
            seen,
            vec![
                // 60 days and 23 hours left is "60 days" (whole days, rounded down).
                expect(4, Threshold::Days(60)),
                expect(34, Threshold::Days(30)),
                expect(57, Threshold::Days(7)),
                expect(63, Threshold::Days(1)),
                expect(65, Threshold::Expired),
            ]
        );
        // Weeks away: the next look sees only the most urgent.
        let mut fresh = Ledger::default();
        let late = fresh.crossings(&rows, t0() + Duration::days(60), &rules);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].threshold, Threshold::Days(7));
        assert!(fresh
            .crossings(&rows, t0() + Duration::days(60), &rules)
            .is_empty());
    }

    #[test]
    fn an_old_replaced_secret_is_not_news_but_a_cut_off_cluster_is() {
        let rows = vec![
            row(
                "replaced",
                "app-r",
                vec![secret("app-r", "old", -40), secret("app-r", "new", 300)],
                ExpiryBucket::Ok,
            ),
            row(
                "broken",
                "app-b",
                vec![secret("app-b", "only", -3)],
                ExpiryBucket::Expired,
            ),
        ];
        let mut ledger = Ledger::default();
        let found = ledger.crossings(&rows, t0(), &AlertRules::default());
        assert_eq!(
            found
                .iter()
                .map(|c| (c.key_id.as_str(), c.threshold))
                .collect::<Vec<_>>(),
            vec![("only", Threshold::Expired)]
        );
    }

    #[test]
    fn without_expired_notifications_an_expired_secret_is_never_told_as_expiring() {
        let rows = vec![
            row(
                "gone",
                "app-g",
                vec![secret("app-g", "g", -12)],
                ExpiryBucket::Expired,
            ),
            row(
                "soon",
                "app-s",
                vec![secret("app-s", "s", 2)],
                ExpiryBucket::Critical,
            ),
        ];
        let rules = AlertRules {
            days: vec![7],
            expired: false,
            daily_digest: false,
        };
        let mut ledger = Ledger::default();
        let found = ledger.crossings(&rows, t0(), &rules);
        assert_eq!(
            found
                .iter()
                .map(|c| (c.key_id.as_str(), c.threshold))
                .collect::<Vec<_>>(),
            vec![("s", Threshold::Days(7))]
        );
        // "s" expires later: still nothing, expired notifications are off.
        assert!(ledger
            .crossings(&rows, t0() + Duration::days(3), &rules)
            .is_empty());
    }

    #[test]
    fn a_shared_secret_is_one_notice_naming_every_cluster() {
        let rows = vec![
            row(
                "one",
                "shared",
                vec![secret("shared", "k", 3)],
                ExpiryBucket::Critical,
            ),
            row(
                "two",
                "shared",
                vec![secret("shared", "k", 3)],
                ExpiryBucket::Critical,
            ),
        ];
        let mut ledger = Ledger::default();
        let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
        let notices = ledger.evaluate(&rows, t0(), utc, &AlertRules::default());
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].title, "one (+1 more): secret expires in 3 days");
        assert!(
            notices[0].body.contains("also used by two"),
            "{}",
            notices[0].body
        );
        assert!(notices[0]
            .cluster_id
            .as_deref()
            .is_some_and(|id| id.ends_with("/one")));
    }

    #[test]
    fn names_from_azure_are_escaped_for_a_freedesktop_body() {
        let app = "<a href=\"https://evil.example\">Click</a> & <b>pay</b>";
        let rows = vec![row(
            "cluster <i>x</i>",
            app,
            vec![secret(app, "k", 3)],
            ExpiryBucket::Critical,
        )];
        let mut ledger = Ledger::default();
        let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
        let notices = ledger.evaluate(&rows, t0(), utc, &AlertRules::default());
        assert_eq!(notices.len(), 1);
        let body = freedesktop_body(&notices[0].body);
        assert!(!body.contains('<') && !body.contains('>'), "{body}");
        assert!(
            body.contains(
                "&lt;a href=\"https://evil.example\"&gt;Click&lt;/a&gt; &amp; &lt;b&gt;pay&lt;/b&gt;"
            ),
            "{body}"
        );
        // The plain text (other platforms, the UI) is left as it is.
        assert!(notices[0].body.contains(app), "{}", notices[0].body);
        assert_eq!(freedesktop_body("a&amp;b"), "a&amp;amp;b");
    }

    #[test]
    fn many_at_once_make_one_summary_and_the_digest_comes_once_a_day() {
        let rows: Vec<ClusterRow> = (0..7)
            .map(|i| {
                let app = format!("app{i}");
                let key = format!("k{i}");
                row(
                    &format!("c{i}"),
                    &app,
                    vec![secret(&app, &key, 10 + i)],
                    ExpiryBucket::Warning,
                )
            })
            .collect();
        let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
        let mut ledger = Ledger::default();
        let notices = ledger.evaluate(&rows, t0(), utc, &AlertRules::default());
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].crossings.len(), 7);
        assert!(notices[0].body.contains("…and 2 more"), "{}", notices[0].body);
        assert_eq!(notices[0].cluster_id, None);

        let digest = AlertRules {
            daily_digest: true,
            ..AlertRules::default()
        };
        let mut ledger = Ledger::default();
        let first = ledger.evaluate(&rows, t0(), utc, &digest);
        assert_eq!(first.len(), 1);
        assert!(
            first[0].title.starts_with("Rekey daily digest: 7 secrets"),
            "{}",
            first[0].title
        );
        // Later the same day: a new crossing waits for tomorrow's digest.
        let mut more = rows.clone();
        more.push(row(
            "late",
            "app-late",
            vec![secret("app-late", "kl", 3)],
            ExpiryBucket::Critical,
        ));
        let later = ledger.evaluate(&more, t0() + Duration::hours(6), utc, &digest);
        assert!(later.is_empty());
        assert_eq!(ledger.pending().len(), 1);
        let next = ledger.evaluate(&more, t0() + Duration::hours(13), utc, &digest);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].crossings.len(), 1);
        assert_eq!(next[0].crossings[0].key_id, "kl");
        assert!(ledger.pending().is_empty());
        // In another time zone the day turns at another hour (noon UTC is 21:00 in Tokyo).
        let mut ledger = Ledger::default();
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!());
        assert_eq!(ledger.evaluate(&rows, t0(), tokyo, &digest).len(), 1);
        assert!(ledger
            .evaluate(
                &more,
                t0() + Duration::hours(2) + Duration::minutes(59),
                tokyo,
                &digest
            )
            .is_empty());
        assert_eq!(
            ledger
                .evaluate(&more, t0() + Duration::hours(3), tokyo, &digest)
                .len(),
            1
        );
    }

    #[test]
    fn the_ledger_survives_a_restart_and_a_broken_one_is_set_aside() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let paths = AppPaths::at(dir.path());
        let rows = vec![row(
            "a",
            "app",
            vec![secret("app", "k", 20)],
            ExpiryBucket::Warning,
        )];
        let mut ledger = Ledger::load(&paths);
        assert_eq!(ledger.crossings(&rows, t0(), &AlertRules::default()).len(), 1);
        ledger.save(&paths).unwrap_or_else(|e| panic!("{e}"));
        let mut again = Ledger::load(&paths);
        assert!(again.crossings(&rows, t0(), &AlertRules::default()).is_empty());
        std::fs::write(Ledger::file(&paths), b"{oops").unwrap_or_else(|e| panic!("{e}"));
        let fresh = Ledger::load(&paths);
        assert_eq!(fresh, Ledger::default());
        assert!(broken_path(&Ledger::file(&paths)).exists());
    }

    #[test]
    fn the_summary_has_the_worst_bucket_counts_and_next_expiries() {
        let rows = vec![
            row("ok", "a", vec![secret("a", "1", 200)], ExpiryBucket::Ok),
            row("warn", "b", vec![secret("b", "2", 20)], ExpiryBucket::Warning),
            row("crit", "c", vec![secret("c", "3", 5)], ExpiryBucket::Critical),
            row("unknown", "d", Vec::new(), ExpiryBucket::Unknown),
        ];
        let s = summarize(&rows, t0(), 5);
        assert_eq!(s.worst, ExpiryBucket::Critical);
        assert_eq!(
            (s.counts.ok, s.counts.warning, s.counts.critical, s.counts.unknown),
            (1, 1, 1, 1)
        );
        assert_eq!(
            s.next.iter().map(|n| n.cluster_name.as_str()).collect::<Vec<_>>(),
            vec!["crit", "warn"]
        );
        assert_eq!(summarize(&rows[..1], t0(), 5).worst, ExpiryBucket::Ok);
        let mut blind = crate::inventory::Inventory {
            clusters: rows[..1].to_vec(),
            ..Default::default()
        };
        assert_eq!(summarize_inventory(&blind, t0(), 5).worst, ExpiryBucket::Ok);
        blind.blind_spots.push(crate::inventory::blind::BlindSpot::new(
            crate::inventory::blind::BlindSpotKind::Subscription,
            "s",
            "403",
        ));
        assert_eq!(
            summarize_inventory(&blind, t0(), 5).worst,
            ExpiryBucket::Unknown,
            "never green over a blind spot"
        );
    }
}
