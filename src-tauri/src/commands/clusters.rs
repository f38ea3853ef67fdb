use rekey_core::error::IpcError;
use rekey_core::inventory::{self, ClusterRow};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn list_clusters(state: State<'_, AppState>) -> Result<Vec<ClusterRow>, IpcError> {
    let session = state.session().await?;
    let found = inventory::list_clusters(&session.arm)
        .await
        .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
    for warning in &found.warnings {
        tracing::warn!("{warning}");
    }
    Ok(found.clusters)
}
