use rekey_core::error::IpcError;
use rekey_core::session::SessionInfo;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn session_info(state: State<'_, AppState>) -> Result<SessionInfo, IpcError> {
    Ok(state.session().await?.info.clone())
}
