//! Expiry alerts in the desktop app: the timers of the background refresh, the OS notifications
//! (notify-rust on Linux), the tray's wiring and the events the window receives. What is due, the
//! status and which notices to show are decided in `rekey_core::alerts::Watcher`.
//! Here: the alert state, the refresh's start and end, and the background loop; the window and
//! the OS notifications are in `window`; the tray icon and menu (drawn from the alert status) in
//! `tray`.

mod retire;
pub mod tray;
mod window;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use chrono::{Offset, Utc};
use rekey_core::alerts::{AlertStatus, AppEvent, Watcher};
use rekey_core::error::IpcError;
use rekey_core::estate::Refreshed;
use rekey_core::inventory::refresh::RefreshOptions;
use rekey_core::settings::{InForce, Settings};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

pub use window::{open_cluster, show, show_window};

/// After start, the window's own first refresh usually comes within this; the background one
/// runs only if it did not (e.g. Rekey started at login, hidden).
const STARTUP_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// The alert state the app holds.
pub struct Alerts {
    watcher: Watcher,
    /// The clusters the tray lists, in menu order (a click names one by its index).
    tray_clusters: Mutex<Vec<String>>,
    events: Mutex<Option<Channel<AppEvent>>>,
    /// Events for a window that has not subscribed yet (e.g. a click before it loaded).
    pending_events: Mutex<Vec<AppEvent>>,
    in_flight: AtomicBool,
    refresh_requested: AtomicBool,
    wake: tokio::sync::Notify,
    told_still_running: AtomicBool,
    /// Rotations whose retirement is held (an old secret still in use), for the tray.
    held: std::sync::atomic::AtomicUsize,
}

impl Alerts {
    /// `settings`: the estate's copy in force (the same one [`AppState`] gives its estate).
    pub fn new(settings: InForce) -> Self {
        Alerts {
            watcher: Watcher::new(settings),
            tray_clusters: Mutex::new(Vec::new()),
            events: Mutex::new(None),
            pending_events: Mutex::new(Vec::new()),
            in_flight: AtomicBool::new(false),
            refresh_requested: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
            told_still_running: AtomicBool::new(false),
            held: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> Settings {
        self.watcher.settings()
    }

    /// The settings in force were replaced: the interval may have changed, so the background loop
    /// recomputes when it is due.
    pub fn settings_changed(&self) {
        self.wake.notify_one();
    }

    pub fn status(&self) -> AlertStatus {
        self.watcher.status()
    }

    pub fn tray_cluster(&self, index: usize) -> Option<String> {
        self.tray_clusters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(index)
            .cloned()
    }

    pub fn set_tray_clusters(&self, ids: Vec<String>) {
        *self.tray_clusters.lock().unwrap_or_else(|e| e.into_inner()) = ids;
    }

    /// How many retirements are held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    pub fn set_held(&self, count: usize) {
        self.held.store(count, Ordering::SeqCst);
    }

    /// Asks the background loop for a refresh now (the tray's "Refresh now").
    pub fn request_refresh(&self) {
        self.refresh_requested.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Whether closing the window should keep Rekey in the tray; the first time, says so.
    pub fn close_to_tray(&self) -> bool {
        self.settings().close_to_tray
    }

    pub fn first_close_to_tray(&self) -> bool {
        !self.told_still_running.swap(true, Ordering::SeqCst)
    }
}

/// Marks a refresh as running for as long as it lives.
pub struct InFlight<'a>(&'a Alerts);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.store(false, Ordering::SeqCst);
        self.0.watcher.update_status(|s| s.refreshing = false);
    }
}

/// Marks a refresh as started (for the tray), or `None` if one is already running and
/// `exclusive` asks not to start a second.
pub fn begin<'a>(app: &AppHandle, alerts: &'a Alerts, exclusive: bool) -> Option<InFlight<'a>> {
    let was = alerts.in_flight.swap(true, Ordering::SeqCst);
    if was && exclusive {
        return None;
    }
    alerts.watcher.update_status(|s| s.refreshing = true);
    tray::update(app);
    Some(InFlight(alerts))
}

/// After any refresh (the window's or the background's): the tray, the status and the
/// notifications for new crossings.
pub async fn refreshed(app: &AppHandle, refreshed: &Refreshed) {
    let zone = chrono::Local::now().offset().fix();
    let notices = app
        .state::<Alerts>()
        .watcher
        .refreshed(refreshed, Utc::now(), zone)
        .await;
    for notice in notices {
        show(app, notice);
    }
    status_changed(app);
    // Old secrets whose grace period is over go now (off this refresh's path).
    tauri::async_runtime::spawn(retire::retire_due(app.clone()));
}

/// A refresh that failed outright (no inventory at all): the tray says so, not silent staleness.
pub fn failed(app: &AppHandle, error: &IpcError) {
    app.state::<Alerts>().watcher.failed(error, Utc::now());
    status_changed(app);
}

fn status_changed(app: &AppHandle) {
    tray::update(app);
    let alerts = app.state::<Alerts>();
    alerts.send(AppEvent::StatusChanged {
        status: alerts.status(),
    });
}

/// A refresh in the background (no window needed): the same refresh as the dashboard's, then the
/// window gets the new inventory.
async fn background_refresh(app: &AppHandle) {
    let alerts = app.state::<Alerts>();
    let Some(running) = begin(app, &alerts, true) else {
        return;
    };
    let state = app.state::<AppState>();
    let options = RefreshOptions {
        thresholds: alerts.settings().expiry_buckets,
        ..RefreshOptions::default()
    };
    match state.refresh_all(options).await {
        Ok(found) => {
            state.set_last_inventory(found.inventory.clone()).await;
            drop(running);
            refreshed(app, &found).await;
            alerts.send(AppEvent::InventoryUpdated {
                inventory: Box::new(found.inventory),
            });
        }
        Err(e) => {
            tracing::warn!("background refresh failed: {}", e.message);
            drop(running);
            failed(app, &e);
        }
    }
}

/// Starts the background refresh loop: the tray shows the cached inventory at once, then a
/// refresh runs each interval after the last one (the window's count too), or when asked.
pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        show_cached(&app).await;
        tokio::time::sleep(STARTUP_GRACE).await;
        loop {
            let alerts = app.state::<Alerts>();
            let requested = alerts.refresh_requested.swap(false, Ordering::SeqCst);
            let wait = if requested {
                std::time::Duration::ZERO
            } else {
                alerts.watcher.wait(Utc::now())
            };
            if wait.is_zero() {
                background_refresh(&app).await;
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = alerts.wake.notified() => {}
            }
        }
    });
}

/// The tray from the inventory saved by the last refresh, before any refresh (signed-in accounts).
async fn show_cached(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(estate) = state.estate() else { return };
    if let Ok(Some(cached)) = estate.cached_inventory().await {
        app.state::<Alerts>().watcher.show_cached(&cached, Utc::now());
        tray::update(app);
    }
}

/// Turns start at login on or off to match the setting; `Some(reason)` when that failed.
pub fn apply_autostart(app: &AppHandle, enabled: bool) -> Option<String> {
    use tauri_plugin_autostart::ManagerExt;
    let manager = app.autolaunch();
    let now = manager.is_enabled().unwrap_or(!enabled);
    if now == enabled {
        return None;
    }
    let result = if enabled {
        manager.enable()
    } else {
        manager.disable()
    };
    result.err().map(|e| {
        let what = if enabled { "turned on" } else { "turned off" };
        let message = format!("Start at login could not be {what}: {e}");
        tracing::warn!("{message}");
        message
    })
}
