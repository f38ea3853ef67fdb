//! Alerts as the window sees them: the background refresh's status, and the channel on which the
//! back end tells the window to open a cluster (tray, notification) or shows a new inventory.

use rekey_core::alerts::{AlertStatus, AppEvent};
use rekey_core::error::IpcError;
use tauri::ipc::Channel;
use tauri::State;

use crate::alerts::Alerts;

#[tauri::command]
pub async fn alert_status(alerts: State<'_, Alerts>) -> Result<AlertStatus, IpcError> {
    Ok(alerts.status())
}

/// The window calls this once it is ready; events go to the newest channel (a reloaded window
/// subscribes again). Events that came before it are delivered at once.
#[tauri::command]
pub async fn subscribe_app_events(
    alerts: State<'_, Alerts>,
    on_event: Channel<AppEvent>,
) -> Result<(), IpcError> {
    alerts.subscribe(on_event);
    Ok(())
}

/// Runs a background refresh now (the same as the tray's "Refresh now").
#[tauri::command]
pub async fn refresh_in_background(alerts: State<'_, Alerts>) -> Result<(), IpcError> {
    alerts.request_refresh();
    Ok(())
}
