//! The background refresh's decisions, without the app: when the next refresh is due, the status
//! the tray and the Settings page show, and which ledger (the accounts' file, or memory in demo
//! mode) turns a refresh into notices, saved before they are shown. The app keeps the timers, the
//! OS notifications and the tray.

use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{summarize_inventory, AlertRules, AlertSummary, Ledger, Notice};
use crate::error::IpcError;
use crate::estate::Refreshed;
use crate::inventory::Inventory;
use crate::paths::AppPaths;
use crate::settings::{InForce, Settings};

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
    InventoryUpdated { inventory: Box<Inventory> },
    /// The alert status changed (refresh started or finished, settings saved).
    #[serde(rename_all = "camelCase")]
    StatusChanged { status: AlertStatus },
}

/// How many upcoming expiries the tray lists.
pub const TRAY_NEXT: usize = 5;

#[derive(Default)]
struct Ledgers {
    /// The signed-in accounts' ledger, from the data folder (loaded on first use).
    accounts: Option<Ledger>,
    /// Kept in memory only when the estate keeps no ledger file (demo mode: the simulator's
    /// credentials are new at every start).
    memory: Ledger,
}

/// What the app's background refresh decides, and the status it shows.
pub struct Watcher {
    /// The settings in force (the estate's copy): the interval and the alert rules.
    settings: InForce,
    status: Mutex<AlertStatus>,
    ledgers: tokio::sync::Mutex<Ledgers>,
}

impl Watcher {
    pub fn new(settings: InForce) -> Watcher {
        Watcher {
            settings,
            status: Mutex::new(AlertStatus::default()),
            ledgers: tokio::sync::Mutex::new(Ledgers::default()),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> Settings {
        self.settings.get()
    }

    /// The status, with when the next refresh is due.
    pub fn status(&self) -> AlertStatus {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner()).clone();
        status.next_refresh = self.next_due();
        status
    }

    pub fn update_status(&self, change: impl FnOnce(&mut AlertStatus)) {
        change(&mut self.status.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn interval(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.settings().refresh_interval_hours.max(1)))
    }

    /// When the next background refresh is due: an interval after the last refresh (none before
    /// the first).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let last = self.status.lock().unwrap_or_else(|e| e.into_inner()).last_refresh;
        last.map(|l| l + self.interval())
    }

    /// How long to wait at `now` before the next background refresh: nothing when one is due or
    /// none ran yet.
    pub fn wait(&self, now: DateTime<Utc>) -> std::time::Duration {
        match self.next_due() {
            None => std::time::Duration::ZERO,
            Some(due) => (due - now).to_std().unwrap_or(std::time::Duration::ZERO),
        }
    }

    /// After any refresh (the window's or the background's): the status shows what it found, and
    /// the ledger's new notices come back, saved before they are shown (a crash may lose a
    /// notification, never repeat it). `zone`: the user's, for the daily digest.
    pub async fn refreshed(
        &self,
        refreshed: &Refreshed,
        now: DateTime<Utc>,
        zone: FixedOffset,
    ) -> Vec<Notice> {
        let summary = summarize_inventory(&refreshed.inventory, now, TRAY_NEXT);
        self.update_status(|s| {
            s.summary = Some(summary);
            s.last_refresh = Some(now);
            s.problem = refreshed.problem.clone();
            s.demo = refreshed.demo;
        });
        self.evaluate(&refreshed.inventory, refreshed.ledger.clone(), now, zone)
            .await
    }

    /// A refresh that failed outright (no inventory at all): the status says so, not silent
    /// staleness; the next one is an interval later, as after a good one.
    pub fn failed(&self, error: &IpcError, now: DateTime<Utc>) {
        self.update_status(|s| {
            s.problem = Some(format!("The last refresh failed: {}", error.message));
            s.last_refresh = Some(now);
        });
    }

    /// The status from the inventory the last run saved, before any refresh; nothing when a
    /// refresh already answered.
    pub fn show_cached(&self, cached: &Inventory, now: DateTime<Utc>) {
        let summary = summarize_inventory(cached, now, TRAY_NEXT);
        self.update_status(|s| {
            if s.summary.is_none() {
                s.summary = Some(summary);
                s.last_refresh = cached.generated_at;
            }
        });
    }

    /// The new notices for `inventory` from the ledger in `ledger_folder` (memory if none), saved
    /// before they are returned.
    async fn evaluate(
        &self,
        inventory: &Inventory,
        ledger_folder: Option<AppPaths>,
        now: DateTime<Utc>,
        zone: FixedOffset,
    ) -> Vec<Notice> {
        let rules = AlertRules::from(&self.settings());
        let mut ledgers = self.ledgers.lock().await;
        let Some(paths) = ledger_folder else {
            return ledgers.memory.evaluate(&inventory.clusters, now, zone, &rules);
        };
        let mut ledger = match ledgers.accounts.take() {
            Some(l) => l,
            None => {
                let paths = paths.clone();
                tokio::task::spawn_blocking(move || Ledger::load(&paths))
                    .await
                    .unwrap_or_default()
            }
        };
        let notices = ledger.evaluate(&inventory.clusters, now, zone, &rules);
        let to_save = ledger.clone();
        ledgers.accounts = Some(ledger);
        let saved = tokio::task::spawn_blocking(move || to_save.save(&paths)).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("{e}"),
            Err(e) => tracing::warn!("the alert ledger was not saved: {e}"),
        }
        notices
    }
}
