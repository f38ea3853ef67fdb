//! The rotate wizard, History and resume: thin bridges to `rekey_core::rotation::service`.
//!
//! The web view is untrusted: it can only start a plan Rust made and kept (by its ID), after naming
//! every production cluster in it. Rotations run in their own tasks, so closing the window to the
//! tray (or reloading it) does not stop them; progress goes to the window while it listens.

use chrono::Utc;
use rekey_core::audit::{self, AuditRecord};
use rekey_core::error::IpcError;
use rekey_core::inventory::ClusterRow;
use rekey_core::rotation::key_vault::KeyVaultChoice;
use rekey_core::rotation::model::{Progress, Resumed};
use rekey_core::rotation::rules::StoredPlan;
use rekey_core::rotation::rules::{self, same_estate};
use rekey_core::rotation::service;
use rekey_core::rotation::{GroupResult, Mode, Retire, RotationError, RotationSummary};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use super::running::{detached, is_demo, not_due_while_running, sink, Work};
use crate::rotations::{KeptPlan, Rotations};
use crate::state::AppState;

/// Where the legacy AAD integration's retirement and the migration are explained.
const AAD_MIGRATION_URL: &str = "https://aka.ms/aks-managed-aad";

/// Plans the rotation of `cluster_ids` (ARM IDs) and keeps the plan. Reads only: nothing changes in
/// Azure. `lifetime_days` and `retire` default to the settings.
#[tauri::command]
pub async fn plan_rotation(
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    cluster_ids: Vec<String>,
    mode: Mode,
    lifetime_days: Option<u32>,
    retire: Option<Retire>,
    key_vault: Option<KeyVaultChoice>,
) -> Result<StoredPlan, IpcError> {
    if cluster_ids.is_empty() {
        return Err(RotationError::NothingToPlan.into());
    }
    let demo = is_demo(&state).await?;
    let known = state.known_clusters().await;
    let tenant = ClusterRow::tenant_of(&cluster_ids, &known);
    let mut options = state
        .rotation_options(mode, tenant.as_deref())
        .await?
        .with_overrides(lifetime_days, retire)?;
    // Only a vault ID: pre-flight reads the vault through ARM with the group's own session and
    // checks its address against the cloud; the native confirmation names it.
    options.key_vault = key_vault;
    let plan = state
        .estate()?
        .rotator(false)
        .await?
        .plan(&cluster_ids, &known, &options)
        .await;
    let plan_id = rotations.keep(KeptPlan {
        plan: plan.clone(),
        options,
        demo,
    });
    Ok(StoredPlan::new(plan_id, plan))
}

/// Runs the kept plan `plan_id`, once. Every production cluster must be named in `confirmed_names`.
/// New principal: `roles_to_copy` (role assignment IDs of the plan) chooses which of the old
/// principal's roles are copied; none given copies them all, an empty list none.
#[tauri::command]
pub async fn start_rotation(
    app: AppHandle,
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    plan_id: String,
    confirmed_names: Vec<String>,
    roles_to_copy: Option<Vec<String>>,
    on_progress: Channel<Progress>,
) -> Result<Vec<GroupResult>, IpcError> {
    let kept = rotations.get(&plan_id)?;
    same_estate(kept.demo, is_demo(&state).await?)?;
    kept.plan.check_confirmed(&confirmed_names)?;
    // Nothing runnable (every group blocked: a cluster, a vault…): refused before asking anything.
    if kept.plan.runnable_groups().next().is_none() {
        return Err(RotationError::NothingToRotate.into());
    }
    // The boundary: a native dialog with Rust's own account of the plan. The window's typed names
    // above catch mistakes; only this answer starts anything.
    crate::dialogs::confirm(
        &app,
        "Rotate these clusters?",
        &format!(
            "Rekey will create new secrets and reset these clusters' credentials:\n\n{}",
            kept.plan.confirmation()
        ),
        "Rotate",
    )
    .await?;
    let mut kept = rotations.take(&plan_id)?;
    kept.options = kept.options.with_roles(&kept.plan, roles_to_copy);
    let ids: Vec<String> = kept
        .plan
        .runnable_groups()
        .map(|g| g.rotation_id.clone())
        .collect();
    if ids.is_empty() {
        return Err(RotationError::NothingToRotate.into());
    }
    let progress = sink(on_progress);
    let work: Work<_> = Box::new(move |rotator| {
        Box::pin(async move { rotator.run(&kept.plan, kept.options, Some(progress)).await })
    });
    detached(&app, "rotation", ids, true, work).await
}

/// Every rotation of this mode, newest first. A rotation running in this app right now is not
/// marked as needing a resume.
#[tauri::command]
pub async fn list_rotations(
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
) -> Result<Vec<RotationSummary>, IpcError> {
    let paths = state.estate()?.files().await?;
    let (mut list, problems) = service::list(&paths).await;
    for problem in problems {
        tracing::warn!("{problem}");
    }
    not_due_while_running(
        &rotations,
        list.iter_mut().map(|s| (s.rotation_id.as_str(), &mut s.due)),
    );
    Ok(list)
}

/// Goes on with the unfinished rotations (and retires old secrets whose grace period is over), or
/// with the one rotation `only` (the result screen's Retry).
#[tauri::command]
pub async fn resume_rotations(
    app: AppHandle,
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    only: Option<String>,
    on_progress: Channel<Progress>,
) -> Result<Resumed, IpcError> {
    let paths = state.estate()?.files().await?;
    let (list, mut problems) = service::list(&paths).await;
    let (ids, all_due) = rules::to_resume(&list, only.as_deref(), |id| rotations.is_running(id), Utc::now())?;
    if ids.is_empty() {
        return Ok(Resumed {
            results: Vec::new(),
            problems,
        });
    }
    let tenant = list.first().map(|s| s.tenant_id.clone());
    let options = state.rotation_options(Mode::Secret, tenant.as_deref()).await?;
    let progress = sink(on_progress);
    let each = ids.clone();
    let work: Work<_> = Box::new(move |rotator| {
        Box::pin(async move {
            if all_due {
                let (results, problems) = rotator.resume(options, Some(progress), None).await?;
                return Ok(Resumed { results, problems });
            }
            let mut resumed = Resumed::default();
            for id in &each {
                match rotator
                    .resume(options.clone(), Some(progress.clone()), Some(id))
                    .await
                {
                    Ok((results, more)) => {
                        resumed.results.extend(results);
                        resumed.problems.extend(more);
                    }
                    Err(e) => resumed.problems.push(e.message),
                }
            }
            Ok(resumed)
        })
    });
    let mut resumed = detached(&app, "rotation", ids, true, work).await?;
    problems.append(&mut resumed.problems);
    problems.sort();
    problems.dedup();
    resumed.problems = problems;
    Ok(resumed)
}

/// Removes the unused new secret of a failed rotation (refused once a cluster may be using it).
#[tauri::command]
pub async fn roll_back_rotation(
    app: AppHandle,
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    rotation_id: String,
) -> Result<GroupResult, IpcError> {
    let options = state.rotation_options(Mode::Secret, None).await?;
    let summary = idle_rotation(&state, &rotations, &rotation_id).await?;
    crate::dialogs::confirm(
        &app,
        "Roll back this rotation?",
        &format!(
            "Roll back rotation {} of {}?\n\nIts new secret{} is removed from Azure and from the keyring; \
             the clusters keep the secret they have now.",
            summary.rotation_id,
            summary
                .app_display_name
                .clone()
                .unwrap_or_else(|| summary.app_id.clone()),
            summary
                .new_key_id
                .as_ref()
                .map(|k| format!(" {k}"))
                .unwrap_or_default()
        ),
        "Roll back",
    )
    .await?;
    let ids = vec![rotation_id.clone()];
    let work: Work<_> =
        Box::new(move |rotator| Box::pin(async move { rotator.roll_back(options, &rotation_id).await }));
    detached(&app, "roll-back", ids, true, work).await
}

/// The rotation `rotation_id` as listed, if it exists and is not running in this app now (a roll
/// back or an answer to its retirement would race the run).
pub(super) async fn idle_rotation(
    state: &AppState,
    rotations: &Rotations,
    rotation_id: &str,
) -> Result<RotationSummary, IpcError> {
    if rotations.is_running(rotation_id) {
        return Err(RotationError::RotationRunning(rotation_id.to_string()).into());
    }
    let paths = state.estate()?.files().await?;
    service::list(&paths)
        .await
        .0
        .into_iter()
        .find(|s| s.rotation_id.eq_ignore_ascii_case(rotation_id))
        .ok_or_else(|| RotationError::UnknownRotation(rotation_id.to_string()).into())
}

/// The audit log of this mode (rotations, and copies and reveals of secrets), newest first.
async fn history(state: &AppState) -> Result<Vec<AuditRecord>, IpcError> {
    let paths = state.estate()?.files().await?;
    let (mut records, skipped) = audit::AuditLog::new(&paths)
        .read()
        .await
        .map_err(|e| IpcError::new("audit_unreadable", e.to_string()))?;
    if skipped > 0 {
        tracing::warn!("{skipped} unreadable line(s) in the audit log were skipped");
    }
    records.reverse();
    Ok(records)
}

#[tauri::command]
pub async fn rotation_history(state: State<'_, AppState>) -> Result<Vec<AuditRecord>, IpcError> {
    history(&state).await
}

/// Writes the audit log as CSV where the user chooses (a native save dialog), or into
/// `REKEY_EXPORT_DIR` when set (tests and scripted use). Returns the path, or nothing if cancelled.
#[tauri::command]
pub async fn export_history(app: AppHandle, state: State<'_, AppState>) -> Result<Option<String>, IpcError> {
    let text = audit::to_csv(&history(&state).await?);
    super::inventory::save_export(&app, "rekey-history.csv", "csv", text).await
}

/// Opens Microsoft's page on migrating from the retired legacy AAD integration, in the system
/// browser (a fixed address: the web view cannot open others).
#[tauri::command]
pub async fn open_aad_migration_guide(app: AppHandle) -> Result<(), IpcError> {
    app.opener()
        .open_url(AAD_MIGRATION_URL, None::<&str>)
        .map_err(|e| {
            IpcError::new(
                "browser_unavailable",
                format!("Open {AAD_MIGRATION_URL} in a browser: {e}"),
            )
        })
}
