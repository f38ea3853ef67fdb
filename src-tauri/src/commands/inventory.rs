//! The expiry dashboard: the cached inventory, a refresh with progress and cancel, and export.

use std::sync::Arc;

use rekey_core::error::IpcError;
use rekey_core::inventory::model::Progress;
use rekey_core::inventory::refresh::RefreshOptions;
use rekey_core::inventory::{cache, export, refresh, Inventory};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::state::AppState;

/// The last inventory of the signed-in accounts, from disk (none in demo mode).
#[tauri::command]
pub async fn cached_inventory(state: State<'_, AppState>) -> Result<Option<Inventory>, IpcError> {
    if state.workspace().await?.accounts().await.is_empty() {
        return Ok(None);
    }
    let cached = cache::load(state.paths()?).await;
    if let Some(inventory) = &cached {
        // Exportable before the first refresh ends.
        state.set_last_inventory(inventory.clone()).await;
    }
    Ok(cached)
}

/// A full refresh: the signed-in accounts' selected subscriptions, or the demo tenant.
#[tauri::command]
pub async fn refresh_inventory(
    state: State<'_, AppState>,
    on_progress: Channel<Progress>,
) -> Result<Inventory, IpcError> {
    let options = RefreshOptions {
        progress: Some(Arc::new(move |p: Progress| {
            // A closed window is no reason to stop the refresh.
            let _ = on_progress.send(p);
        })),
        cancel: state.begin_refresh().await,
        ..RefreshOptions::default()
    };
    let workspace = state.workspace().await?;
    let found = if workspace.accounts().await.is_empty() {
        let session = state.demo_session().await?;
        refresh::refresh(session, options)
            .await
            .map_err(|e| IpcError::new(e.code(), e.to_string()))?
    } else {
        let found = workspace.inventory_with(options).await;
        if let Err(e) = cache::save(state.paths()?, &found).await {
            tracing::warn!("the inventory was not cached: {e}");
        }
        found
    };
    state.set_last_inventory(found.clone()).await;
    Ok(found)
}

#[tauri::command]
pub async fn cancel_refresh(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.cancel_refresh().await;
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
    let file_name = format!("rekey-inventory.{extension}");
    let path = match std::env::var_os("REKEY_EXPORT_DIR") {
        Some(dir) => Some(std::path::PathBuf::from(dir).join(&file_name)),
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog()
                .file()
                .add_filter(extension.to_uppercase(), &[extension])
                .set_file_name(&file_name)
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
