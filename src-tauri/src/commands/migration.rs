//! The move-to-managed-identity wizard and its History: thin bridges to
//! `rekey_core::migration::service`.
//!
//! The web view is untrusted: it names clusters only by the inventory's IDs, an identity only as
//! `system` or a user-assigned identity's resource ID (checked here), and starts only a plan Rust
//! made and kept, after naming every production cluster in it and a native confirmation whose text
//! Rust writes. Moves run in their own task, as rotations do.

use chrono::Utc;
use rekey_core::error::IpcError;
use rekey_core::migration::engine::MoveProgress;
use rekey_core::migration::service::{self, Timing};
use rekey_core::migration::{
    IdentityRequest, MoveResult, MoveSummary, PlanOptions, ResumedMoves, StoredMigration,
};
use rekey_core::rotation::rules::same_estate;
use rekey_core::rotation::{Mode, Retire};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::running::{detached, is_demo, not_due_while_running, sink, Work};
use crate::rotations::{KeptMigration, Rotations};
use crate::state::AppState;

fn refused(code: &str, message: impl Into<String>) -> IpcError {
    IpcError::new(code, message.into())
}

/// Plans the move of `cluster_ids` (the inventory's ARM IDs) to `identity` (`system`, a
/// user-assigned identity's resource ID, or none for the plan's default) and keeps the plan; the
/// principal's secrets are retired by `retire` (none: the settings' policy), and the principal
/// deleted after them when `delete_principal` and nothing else uses it. Reads only: nothing
/// changes in Azure.
#[tauri::command]
pub async fn plan_migration(
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    cluster_ids: Vec<String>,
    identity: Option<String>,
    retire: Option<Retire>,
    delete_principal: Option<bool>,
) -> Result<StoredMigration, IpcError> {
    if cluster_ids.is_empty() {
        return Err(refused("nothing_to_plan", "Choose at least one cluster to move."));
    }
    let identity = identity
        .as_deref()
        .filter(|i| !i.trim().is_empty())
        .map(IdentityRequest::parse)
        .transpose()
        .map_err(|e| refused("bad_identity", format!("Identity: {e}")))?;
    let demo = is_demo(&state).await?;
    let known = state.known_clusters().await;
    if let Some(unknown) = cluster_ids
        .iter()
        .find(|id| !known.iter().any(|r| r.id.eq_ignore_ascii_case(id)))
    {
        return Err(refused(
            "unknown_cluster",
            format!("{unknown} is not in the inventory; refresh it and choose again."),
        ));
    }
    let retire = state
        .rotation_options(Mode::Secret, None)
        .await?
        .with_overrides(None, retire)?
        .retire;
    let estate = state.estate()?;
    let rotator = estate.rotator(false).await?;
    let plan = service::plan_moves(
        &rotator,
        &cluster_ids,
        &known,
        &PlanOptions {
            identity,
            retire,
            delete_principal: delete_principal.unwrap_or(false),
        },
    )
    .await;
    let plan_id = rotations.migrations.keep(KeptMigration {
        plan: plan.clone(),
        demo,
    });
    Ok(StoredMigration::new(plan_id, plan))
}

/// Runs the kept move plan `plan_id`, once, after the native confirmation. Every production cluster
/// must be named in `confirmed_names`.
#[tauri::command]
pub async fn start_migration(
    app: AppHandle,
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    plan_id: String,
    confirmed_names: Vec<String>,
    on_progress: Channel<MoveProgress>,
) -> Result<Vec<MoveResult>, IpcError> {
    let kept = rotations.migrations.get(&plan_id)?;
    same_estate(kept.demo, is_demo(&state).await?)?;
    kept.plan.check_confirmed(&confirmed_names)?;
    let ids = kept.plan.to_run()?;
    // The boundary: only the admin's answer to Rust's own account of the plan starts anything.
    crate::dialogs::confirm(
        &app,
        "Move to a managed identity?",
        &kept.plan.confirmation(),
        "Move",
    )
    .await?;
    let kept = rotations.migrations.take(&plan_id)?;
    let tenant = kept.plan.runnable().next().map(|m| m.tenant_id.clone());
    let actor = state.actor(tenant.as_deref().filter(|t| !t.is_empty())).await?;
    let progress = sink(on_progress);
    let work: Work<_> = Box::new(move |rotator| {
        Box::pin(async move {
            service::run_moves(&rotator, &kept.plan, &actor, Some(progress), Timing::default()).await
        })
    });
    detached(&app, "move", ids, false, work).await
}

/// Every move in this mode's journals, newest first. A move running in this app right now is not
/// marked as needing a resume.
#[tauri::command]
pub async fn list_migrations(
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
) -> Result<Vec<MoveSummary>, IpcError> {
    let rotator = state.estate()?.rotator(false).await?;
    let (states, problems) = service::list_moves(&rotator).await;
    for problem in problems {
        tracing::warn!("{problem}");
    }
    let now = Utc::now();
    let mut list: Vec<MoveSummary> = states.iter().map(|s| s.summary(now)).collect();
    not_due_while_running(
        &rotations,
        list.iter_mut().map(|s| (s.migration_id.as_str(), &mut s.due)),
    );
    list.sort_by_key(|s| std::cmp::Reverse(s.started));
    Ok(list)
}

/// Goes on with every unfinished move (and retires old secrets whose grace period is over).
#[tauri::command]
pub async fn resume_migrations(
    app: AppHandle,
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    on_progress: Channel<MoveProgress>,
) -> Result<ResumedMoves, IpcError> {
    let rotator = state.estate()?.rotator(false).await?;
    let now = Utc::now();
    let ids: Vec<String> = service::list_moves(&rotator)
        .await
        .0
        .iter()
        .filter(|s| s.wanted(now))
        .map(|s| s.plan.migration_id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(ResumedMoves::default());
    }
    if let Some(busy) = ids.iter().find(|id| rotations.is_running(id)) {
        return Err(refused(
            "rotation_running",
            format!("The move {busy} is running right now; wait for it to finish."),
        ));
    }
    let progress = sink(on_progress);
    let work: Work<_> = Box::new(move |rotator| {
        Box::pin(async move {
            let (results, problems) =
                service::resume_moves(&rotator, Some(progress), Timing::default()).await;
            Ok(ResumedMoves { results, problems })
        })
    });
    detached(&app, "move", ids, false, work).await
}
