//! What reaches the person: the window (shown, on a cluster), the events it receives, and the
//! OS notifications (notify-rust on Linux, for the click action).

use rekey_core::alerts::{AppEvent, Notice};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};

use super::Alerts;

impl Alerts {
    /// The window's channel for [`AppEvent`]s; events that waited for it are sent at once.
    pub fn subscribe(&self, channel: Channel<AppEvent>) {
        let waiting: Vec<AppEvent> =
            std::mem::take(&mut *self.pending_events.lock().unwrap_or_else(|e| e.into_inner()));
        for event in waiting {
            if let Err(e) = channel.send(event) {
                tracing::warn!("the window did not take an event: {e}");
            }
        }
        *self.events.lock().unwrap_or_else(|e| e.into_inner()) = Some(channel);
    }

    /// Sends `event` to the window, or keeps it for when the window subscribes.
    pub fn send(&self, event: AppEvent) {
        let sent = match &*self.events.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(channel) => channel.send(event.clone()).is_ok(),
            None => false,
        };
        if !sent {
            // Only the latest of each kind matters to a window that opens later.
            let mut pending = self.pending_events.lock().unwrap_or_else(|e| e.into_inner());
            pending.retain(|e| std::mem::discriminant(e) != std::mem::discriminant(&event));
            pending.push(event);
        }
    }
}

/// Shows the window, unhidden and in front.
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Shows the window on `cluster_id` (the dashboard if none), with its rotation ready if `rotate`.
pub fn open_cluster(app: &AppHandle, cluster_id: Option<String>, rotate: bool) {
    show_window(app);
    let event = match cluster_id {
        Some(cluster_id) => AppEvent::OpenCluster { cluster_id, rotate },
        None => AppEvent::OpenDashboard,
    };
    app.state::<Alerts>().send(event);
}

/// One OS notification. On Linux it goes straight to the desktop's notification service
/// (org.freedesktop.Notifications, through notify-rust, the library the notification plugin uses)
/// with a default action, so that a click opens the cluster with its rotation ready; the plugin
/// has no click callback. Elsewhere the plugin shows it, and a click only brings Rekey forward
/// where the OS does that.
pub fn show(app: &AppHandle, notice: Notice) {
    tracing::info!(title = %notice.title, "notification");
    #[cfg(target_os = "linux")]
    {
        let app = app.clone();
        let spawned = std::thread::Builder::new()
            .name("rekey-notification".into())
            .spawn(move || {
                let mut n = notify_rust::Notification::new();
                n.appname("Rekey")
                    .summary(&notice.title)
                    // Names from Azure must not become markup (links, bold) on servers that read it.
                    .body(&rekey_core::alerts::freedesktop_body(&notice.body))
                    .icon("dialog-warning")
                    .action("default", "Open in Rekey");
                match n.show() {
                    Ok(handle) => handle.wait_for_action(|action| {
                        if action == "default" {
                            open_cluster(&app, notice.cluster_id.clone(), notice.cluster_id.is_some());
                        }
                    }),
                    Err(e) => tracing::warn!("the notification could not be shown: {e}"),
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("the notification could not be shown: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = app
            .notification()
            .builder()
            .title(&notice.title)
            .body(&notice.body)
            .show()
        {
            tracing::warn!("the notification could not be shown: {e}");
        }
    }
}
