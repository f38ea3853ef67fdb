//! The Settings page: read and save the settings (validated in `rekey_core::settings`, a bad value
//! gets a message per field), and what saving changes at once (start at login, the refresh
//! interval, the sign-in client).

use rekey_core::cloud::CloudSetting;
use rekey_core::error::IpcError;
use rekey_core::settings::{Settings, SettingsSaved};
use tauri::{AppHandle, State};

use crate::alerts::Alerts;
use crate::state::AppState;

#[tauri::command]
pub async fn get_settings(alerts: State<'_, Alerts>) -> Result<Settings, IpcError> {
    Ok(alerts.settings())
}

/// Saves `settings` (JSON as the page sends it). A refused value comes back as a problem for its
/// field, nothing written; otherwise the settings apply at once.
#[tauri::command]
pub async fn save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    alerts: State<'_, Alerts>,
    settings: serde_json::Value,
) -> Result<SettingsSaved, IpcError> {
    let (mut parsed, problems) = Settings::from_value(&settings);
    // The window names no file: a CA file for a custom cloud is chosen in Rust's own dialog at
    // sign-in, so a path sent here is dropped rather than kept for later.
    if let Some(CloudSetting::Custom { ca_file, .. }) = parsed.cloud.as_mut() {
        *ca_file = None;
    }
    if !problems.is_empty() {
        return Ok(SettingsSaved {
            saved: false,
            settings: alerts.settings(),
            problems,
            note: None,
        });
    }
    let paths = state.estate()?.paths().clone();
    let to_save = parsed.clone();
    tokio::task::spawn_blocking(move || to_save.save(&paths))
        .await
        .map_err(|e| IpcError::new("settings_not_saved", format!("The settings were not saved: {e}")))?
        .map_err(|e| IpcError::new("settings_not_saved", e.to_string()))?;
    let note = crate::alerts::apply_autostart(&app, parsed.start_at_login);
    state.estate()?.settings().set(parsed.clone());
    alerts.settings_changed();
    crate::alerts::tray::update(&app);
    Ok(SettingsSaved {
        saved: true,
        settings: parsed,
        problems: Vec::new(),
        note,
    })
}
