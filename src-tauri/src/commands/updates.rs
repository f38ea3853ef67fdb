//! Updates as the window sees them: it may ask for a check ('Check now' on the Settings page) and
//! shows the answer. The feed, the signature, the admin's consent and the install stay in Rust
//! (`crate::updater`).

use rekey_core::error::IpcError;
use rekey_core::updates::UpdateCheck;
use tauri::AppHandle;

/// Checks the update feed built into Rekey now; a newer version is offered in Rekey's own dialog.
#[tauri::command]
pub async fn check_for_updates(app: AppHandle) -> Result<UpdateCheck, IpcError> {
    Ok(crate::updater::check(&app).await)
}
