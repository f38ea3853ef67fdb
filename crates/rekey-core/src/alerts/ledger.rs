//! The alert ledger: which thresholds each watched client secret crossed and was told of, kept
//! in a file across restarts, and the crossings waiting for the daily digest.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::crossing::{ClusterRef, Crossing, Threshold};
use super::notices::{digest, notices, Notice};
use crate::inventory::expiry::days_left;
use crate::inventory::model::CredentialKind;
use crate::inventory::{AadIntegration, ClusterRow, IdentityKind};
use crate::paths::{broken_path, write_private, AppPaths};
use crate::settings::Settings;

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

    /// Crossings waiting for the next digest (for the tests; [`Ledger::evaluate`] sends them).
    #[cfg(test)]
    pub(crate) fn pending(&self) -> &[Crossing] {
        &self.pending
    }
}
