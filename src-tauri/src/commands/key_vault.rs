//! Key Vault and held retirements in the window: the vaults a rotation can also write to, and the
//! admin's answer to a retirement that waits (retire anyway only after a native confirmation).

use rekey_core::error::IpcError;
use rekey_core::estate::key_vaults::KeyVaults;
use rekey_core::rotation::engine::HoldAnswer;
use rekey_core::rotation::{GroupResult, Mode};
use tauri::{AppHandle, State};

use super::rotation::idle_rotation;
use super::running::{detached, Work};
use crate::rotations::Rotations;
use crate::state::AppState;

/// The key vaults of every signed-in account (or the demo tenant's). Reads only.
#[tauri::command]
pub async fn list_key_vaults(state: State<'_, AppState>) -> Result<KeyVaults, IpcError> {
    state.estate()?.key_vaults().await
}

/// The admin's answer to the waiting retirement of `rotation_id`: wait longer, or retire the old
/// secrets anyway — the latter only once a native dialog, written from the journal, says yes.
#[tauri::command]
pub async fn answer_retirement(
    app: AppHandle,
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    rotation_id: String,
    answer: HoldAnswer,
) -> Result<GroupResult, IpcError> {
    let summary = idle_rotation(&state, &rotations, &rotation_id).await?;
    if answer == HoldAnswer::RetireAnyway {
        let why = summary
            .hold
            .clone()
            .unwrap_or_else(|| "Its grace period is not over yet.".into());
        crate::dialogs::confirm(
            &app,
            "Retire the old secrets anyway?",
            &format!(
                "Remove the old secrets of {} now?\n\n{why}\n\nWhatever still signs in with them stops \
                 working. The clusters of this rotation are on the new secret.",
                summary
                    .app_display_name
                    .clone()
                    .unwrap_or_else(|| summary.app_id.clone()),
            ),
            "Retire anyway",
        )
        .await?;
    }
    let options = state
        .rotation_options(Mode::Secret, Some(&summary.tenant_id))
        .await?;
    let ids = vec![rotation_id.clone()];
    let work: Work<_> = Box::new(move |rotator| {
        Box::pin(async move { rotator.answer_hold(options, &rotation_id, answer).await })
    });
    detached(&app, "retirement", ids, true, work).await
}
