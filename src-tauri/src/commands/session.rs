//! What the window shows about the session: the demo tenant, or the signed-in accounts.

use rekey_core::error::IpcError;
use rekey_core::session::SessionInfo;
use tauri::State;

use crate::state::AppState;

/// The demo session, or a summary of the signed-in accounts.
#[tauri::command]
pub async fn session_info(state: State<'_, AppState>) -> Result<SessionInfo, IpcError> {
    state.estate()?.session_info().await
}
