use rekey_core::error::IpcError;
use rekey_core::inventory::{self, ClusterRow};
use tauri::State;

use crate::state::AppState;

/// The signed-in accounts' clusters, or the demo tenant's when nobody is signed in.
#[tauri::command]
pub async fn list_clusters(state: State<'_, AppState>) -> Result<Vec<ClusterRow>, IpcError> {
    let workspace = state.workspace().await?;
    let found = if workspace.accounts().await.is_empty() {
        let session = state.demo_session().await?;
        inventory::list_clusters(&session.arm)
            .await
            .map_err(|e| IpcError::new(e.code(), e.to_string()))?
    } else {
        workspace.inventory().await
    };
    for warning in &found.warnings {
        tracing::warn!("{warning}");
    }
    Ok(found.clusters)
}
