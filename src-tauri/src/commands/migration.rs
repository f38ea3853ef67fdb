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
    IdentityRequest, MigrationPlan, MoveResult, MoveSummary, PlanOptions, ResumedMoves, StoredMigration,
};
use rekey_core::rotation::rules::same_estate;
use rekey_core::rotation::{Mode, Retire};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use super::rotation::{detached, is_demo, sink};
use crate::rotations::{KeptMigration, Rotations};
use crate::state::AppState;

fn refused(code: &str, message: impl Into<String>) -> IpcError {
    IpcError::new(code, message.into())
}

/// The native confirmation's text: every cluster that moves, to what, the roles granted and the
/// pools re-imaged, from the kept plan only.
fn confirmation(plan: &MigrationPlan) -> String {
    let mut text = String::from(
        "Rekey will move these clusters from their service principal to a managed identity. \
         This cannot be undone: AKS does not move a cluster back to a service principal.\n",
    );
    for m in plan.runnable() {
        text.push_str(&format!(
            "\n{}{} → {}\n",
            m.name,
            if m.production { " (production)" } else { "" },
            m.identity.label()
        ));
        for g in m.grants.iter().filter(|g| g.already != Some(true)) {
            text.push_str(&format!(
                "  grant {} to the {} on {}\n",
                g.role,
                g.who.label(),
                g.scope
            ));
        }
        for p in &m.pools {
            text.push_str(&format!("  node pool {}: {}\n", p.name, p.impact));
        }
        text.push_str(&format!(
            "  principal {}: {}\n",
            m.principal_after.app_id, m.principal_after.note
        ));
    }
    text
}

/// Plans the move of `cluster_ids` (the inventory's ARM IDs) to `identity` (`system`, a
/// user-assigned identity's resource ID, or none for the plan's default) and keeps the plan; the
/// principal's secrets are retired by `retire` (none: the settings' policy). Reads only: nothing
/// changes in Azure.
#[tauri::command]
pub async fn plan_migration(
    state: State<'_, AppState>,
    rotations: State<'_, Rotations>,
    cluster_ids: Vec<String>,
    identity: Option<String>,
    retire: Option<Retire>,
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
    let known = state
        .last_inventory()
        .await
        .map(|i| i.clusters)
        .unwrap_or_default();
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
    let plan = service::plan_moves(&rotator, &cluster_ids, &known, &PlanOptions { identity, retire }).await;
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
    let missing: Vec<String> = kept
        .plan
        .to_confirm()
        .into_iter()
        .filter(|n| !confirmed_names.iter().any(|c| c == n))
        .collect();
    if !missing.is_empty() {
        return Err(refused(
            "not_confirmed",
            format!(
                "Type the name of each production cluster to confirm: {}",
                missing.join(", ")
            ),
        ));
    }
    let ids: Vec<String> = kept.plan.runnable().map(|m| m.migration_id.clone()).collect();
    if ids.is_empty() {
        return Err(refused(
            "nothing_to_move",
            "No cluster of this plan can move: see its checks. Nothing was changed.",
        ));
    }
    // The boundary: only the admin's answer to Rust's own account of the plan starts anything.
    crate::dialogs::confirm(
        &app,
        "Move to a managed identity?",
        &confirmation(&kept.plan),
        "Move",
    )
    .await?;
    let kept = rotations.migrations.take(&plan_id)?;
    let tenant = kept.plan.runnable().next().map(|m| m.tenant_id.clone());
    let actor = state.actor(tenant.as_deref().filter(|t| !t.is_empty())).await?;
    let progress = sink(on_progress);
    let handle = app.clone();
    detached(&app, "move", async move {
        let rotations = handle.state::<Rotations>();
        let _running = rotations.begin(ids)?;
        let state = handle.state::<AppState>();
        let rotator = state.estate()?.rotator(false).await?;
        service::run_moves(&rotator, &kept.plan, &actor, Some(progress), Timing::default()).await
    })
    .await
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
    for summary in &mut list {
        if rotations.is_running(&summary.migration_id) {
            summary.due = false;
        }
    }
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
    let handle = app.clone();
    detached(&app, "move", async move {
        let rotations = handle.state::<Rotations>();
        let _running = rotations.begin(ids)?;
        let state = handle.state::<AppState>();
        let rotator = state.estate()?.rotator(false).await?;
        let (results, problems) = service::resume_moves(&rotator, Some(progress), Timing::default()).await;
        Ok(ResumedMoves { results, problems })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekey_core::migration::model::{Grant, IdentityChoice, PoolUpgrade, PrincipalAfter, Who};
    use rekey_core::migration::ClusterMove;
    use rekey_core::rotation::model::Check;

    fn cluster(name: &str, blocked: bool) -> ClusterMove {
        ClusterMove {
            migration_id: format!("m-{name}"),
            tenant_id: "t".into(),
            cluster_id: format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}"),
            name: name.into(),
            location: "westeurope".into(),
            production: true,
            app_id: "app-1".into(),
            sp_object_id: None,
            identity: IdentityChoice::SystemAssigned,
            identity_principal_id: None,
            held: vec![],
            grants: vec![Grant {
                who: Who::Kubelet,
                role: "AcrPull".into(),
                role_id: "7f951dda-4ed3-4680-a7ca-43fe172d538d".into(),
                scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr".into(),
                why: "image pulls".into(),
                source: "https://learn.microsoft.com/azure/aks/cluster-container-registry-integration".into(),
                already: None,
            }],
            pools: vec![PoolUpgrade {
                name: "system".into(),
                node_count: 3,
                max_surge: None,
                impact: "3 nodes re-imaged".into(),
            }],
            principal_after: PrincipalAfter {
                app_id: "app-1".into(),
                shared_with: vec![],
                retire: rekey_core::rotation::Retire::Never,
                note: "its secrets are kept".into(),
            },
            checks: if blocked {
                vec![Check::block(name, "unreadable")]
            } else {
                vec![]
            },
            blocked_by: None,
        }
    }

    #[test]
    fn the_confirmation_names_what_moves_and_says_it_cannot_be_undone() {
        let plan = MigrationPlan {
            clusters: vec![cluster("aks-payments", false), cluster("aks-blocked", true)],
            problems: vec![],
        };
        let text = confirmation(&plan);
        assert!(text.contains("cannot be undone"), "{text}");
        assert!(
            text.contains("aks-payments (production) → system-assigned"),
            "{text}"
        );
        assert!(
            text.contains("grant AcrPull to the kubelet identity on /subscriptions/s/"),
            "{text}"
        );
        assert!(text.contains("node pool system: 3 nodes re-imaged"), "{text}");
        assert!(
            !text.contains("aks-blocked"),
            "a blocked cluster does not move: {text}"
        );
    }
}
