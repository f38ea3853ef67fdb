//! The expiry dashboard: the cached inventory, a refresh with progress and cancel, and export.

use std::sync::Arc;

use rekey_core::error::IpcError;
use rekey_core::inventory::model::Progress;
use rekey_core::inventory::refresh::RefreshOptions;
use rekey_core::inventory::{export, Inventory};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::alerts::Alerts;
use crate::state::AppState;

/// The last inventory of the signed-in accounts, from disk (none in demo mode).
#[tauri::command]
pub async fn cached_inventory(state: State<'_, AppState>) -> Result<Option<Inventory>, IpcError> {
    crate::bench::mark("cached_inventory called");
    let cached = state.estate()?.cached_inventory().await?;
    crate::bench::mark("cached_inventory read");
    if let Some(inventory) = &cached {
        // Exportable before the first refresh ends.
        state.set_last_inventory(inventory.clone()).await;
    }
    Ok(cached)
}

/// The window's refresh, with progress; alerts and the tray follow its result.
#[tauri::command]
pub async fn refresh_inventory(
    app: AppHandle,
    state: State<'_, AppState>,
    alerts: State<'_, Alerts>,
    on_progress: Channel<Progress>,
) -> Result<Inventory, IpcError> {
    crate::bench::mark("refresh_inventory called");
    let cancel = state.begin_refresh().await;
    let options = RefreshOptions {
        progress: Some(Arc::new(move |p: Progress| {
            // A closed window is no reason to stop the refresh.
            let _ = on_progress.send(p);
        })),
        cancel: cancel.clone(),
        thresholds: alerts.settings().expiry_buckets,
        ..RefreshOptions::default()
    };
    let running = crate::alerts::begin(&app, &alerts, false);
    let result = state.refresh_all(options).await;
    crate::bench::mark("refresh_inventory refreshed");
    drop(running);
    match &result {
        // A cancelled refresh is partial: no alert or tray count is drawn from it.
        Ok(found) if !cancel.is_cancelled() => crate::alerts::refreshed(&app, found).await,
        Ok(_) => crate::alerts::tray::update(&app),
        Err(e) => crate::alerts::failed(&app, e),
    }
    crate::bench::mark("refresh_inventory alerts done");
    let found = result?.inventory;
    state.set_last_inventory(found.clone()).await;
    Ok(found)
}

#[tauri::command]
pub async fn cancel_refresh(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.cancel_refresh().await;
    Ok(())
}

/// The window says it painted the dashboard's table with its first rows (`rows` of them, from the
/// cache or not), with when its own startup steps happened (`page`): marks for the startup
/// benchmark, logged once (only while benchmarking). It takes no path, no URL and changes nothing:
/// a hostile window can only make it print a few bounded lines once.
#[tauri::command]
pub async fn dashboard_painted(
    rows: u32,
    cached: bool,
    page: Option<crate::bench::PageTimings>,
) -> Result<(), IpcError> {
    static LOGGED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !LOGGED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        if let Some(page) = page {
            crate::bench::page_marks(&page);
        }
        crate::bench::mark(&format!("dashboard painted rows={rows} cached={cached}"));
    }
    Ok(())
}

/// Writes the last inventory as CSV or JSON where the user chooses (a native save dialog), or into
/// `REKEY_EXPORT_DIR` when set (tests and scripted use). Returns the path, or nothing if cancelled.
#[tauri::command]
pub async fn export_inventory(
    app: AppHandle,
    state: State<'_, AppState>,
    format: String,
) -> Result<Option<String>, IpcError> {
    let inventory = state.last_inventory().await.ok_or_else(|| {
        IpcError::new(
            "nothing_to_export",
            "Refresh the inventory first, then export it.",
        )
    })?;
    let (text, extension) = match format.as_str() {
        "csv" => (export::to_csv(&inventory), "csv"),
        "json" => (
            export::to_json(&inventory).map_err(|e| IpcError::new("export", e.to_string()))?,
            "json",
        ),
        other => {
            return Err(IpcError::new(
                "bad_format",
                format!("Export as csv or json, not {other}."),
            ))
        }
    };
    save_export(&app, &format!("rekey-inventory.{extension}"), extension, text).await
}

/// Writes an export where the user chooses in a native save dialog (opened from Rust), or into
/// `REKEY_EXPORT_DIR` when set (tests and scripted use). Returns the path, or nothing if cancelled.
pub(crate) async fn save_export(
    app: &AppHandle,
    file_name: &str,
    extension: &str,
    text: String,
) -> Result<Option<String>, IpcError> {
    let path = match std::env::var_os("REKEY_EXPORT_DIR") {
        Some(dir) => Some(std::path::PathBuf::from(dir).join(file_name)),
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog()
                .file()
                .add_filter(extension.to_uppercase(), &[extension])
                .set_file_name(file_name)
                .save_file(move |chosen| {
                    let _ = tx.send(chosen.and_then(|p| p.into_path().ok()));
                });
            rx.await.ok().flatten()
        }
    };
    let Some(path) = path else { return Ok(None) };
    tokio::fs::write(&path, text)
        .await
        .map_err(|e| IpcError::new("export", format!("Could not write {}: {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}
