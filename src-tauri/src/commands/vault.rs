//! The Vault page: the secrets Rekey created. The web view gets metadata only; copying (the
//! clipboard) and revealing (a native dialog) happen here in Rust, audited by the core.

use rekey_core::clipboard::HOLD;
use rekey_core::error::IpcError;
use rekey_core::vault::{Vault, VaultEntry, VaultError, VaultRow, VaultStatus};
use secrecy::ExposeSecret;
use tauri::{AppHandle, State};

use crate::dialogs;
use crate::state::AppState;

fn ipc(e: VaultError) -> IpcError {
    IpcError::from(&e)
}

/// The vault the page shows: the estate's (the signed-in accounts', or the one demo-mode rotations
/// keep their secrets in, emptied at each start like the simulated world).
async fn vault(state: &AppState) -> Result<Vault, IpcError> {
    state.estate()?.vault().await
}

/// The vault and its entry `key_id` (refused when there is none).
async fn entry(state: &AppState, key_id: &str) -> Result<(Vault, VaultEntry), IpcError> {
    let vault = vault(state).await?;
    let entry = vault.find(key_id).await.map_err(ipc)?;
    Ok((vault, entry))
}

/// Whether the OS keyring works; the app shows a banner with the fix when it does not.
#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> Result<VaultStatus, IpcError> {
    Ok(match vault(&state).await {
        Ok(_) => VaultStatus::available(),
        Err(problem) => VaultStatus::unavailable(problem),
    })
}

/// Every stored secret (no value), whether the keyring still has it and whether Azure still has
/// its credential: asked with the estate's session of each secret's tenant.
#[tauri::command]
pub async fn vault_list(state: State<'_, AppState>) -> Result<Vec<VaultRow>, IpcError> {
    state.estate()?.vault_rows().await
}

/// Puts the secret on the clipboard from Rust; it is taken back after the returned number of
/// seconds unless something else was copied. Nothing secret is returned.
#[tauri::command]
pub async fn vault_copy(state: State<'_, AppState>, key_id: String) -> Result<u64, IpcError> {
    let (vault, entry) = entry(&state, &key_id).await?;
    let actor = state.actor(Some(&entry.tenant_id)).await?;
    // The guard may go: its thread keeps serving the clipboard and clears it on time.
    let (_, _guard) = vault.copy(&entry.key_id, &actor, HOLD).await.map_err(ipc)?;
    Ok(HOLD.as_secs())
}

/// Shows the secret in a native dialog (never in the web view), after the admin confirms it there,
/// and returns when it is closed.
#[tauri::command]
pub async fn vault_reveal(
    app: AppHandle,
    state: State<'_, AppState>,
    key_id: String,
) -> Result<(), IpcError> {
    let (vault, entry) = entry(&state, &key_id).await?;
    let app_name = entry.app_label().to_string();
    dialogs::confirm(
        &app,
        "Reveal a secret?",
        &format!(
            "Show the secret {} (hint {}) of {app_name} on screen?\n\nAnyone who can see your screen \
             can read it. The reveal is recorded in the audit log.",
            entry.key_id,
            entry.hint.as_deref().unwrap_or("?")
        ),
        "Reveal",
    )
    .await?;
    let actor = state.actor(Some(&entry.tenant_id)).await?;
    let (entry, secret) = vault.reveal(&entry.key_id, &actor).await.map_err(ipc)?;
    let title = format!("Secret of {app_name} ({})", entry.key_id);
    dialogs::reveal(&app, &title, secret.expose_secret()).await;
    Ok(())
}

/// Deletes the secret from the keyring and the index, after the admin confirms it in a native
/// dialog that says which clusters were given it.
#[tauri::command]
pub async fn vault_delete(
    app: AppHandle,
    state: State<'_, AppState>,
    key_id: String,
) -> Result<(), IpcError> {
    let (vault, entry) = entry(&state, &key_id).await?;
    let app_name = entry.app_label().to_string();
    let used_by = if entry.clusters.is_empty() {
        "No cluster was given this secret by Rekey.".to_string()
    } else {
        format!(
            "Rekey gave it to: {}. If Azure still has it, deleting the only copy leaves those clusters on a \
             secret nobody can read.",
            entry.clusters.join(", ")
        )
    };
    dialogs::confirm(
        &app,
        "Delete a secret from the keyring?",
        &format!(
            "Delete the secret {} (hint {}) of {app_name} from the OS keyring?\n\n{used_by}",
            entry.key_id,
            entry.hint.as_deref().unwrap_or("?")
        ),
        "Delete",
    )
    .await?;
    let actor = state.actor(Some(&entry.tenant_id)).await?;
    vault.delete(&entry.key_id, &actor).await.map_err(ipc)?;
    Ok(())
}
