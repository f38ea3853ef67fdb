//! Moves as the CLI (and later the app) use them: each tenant's session, the vault's audit log and
//! the journal folder from the estate's [`Rotator`] — the same pieces a rotation runs with.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::engine::{self, Context, MoveSink};
use super::journal;
use super::model::{MigrationPlan, MoveResult};
use super::plan::{plan, PlanOptions};
use crate::error::IpcError;
use crate::inventory::ClusterRow;
use crate::rotation::model::Check;
use crate::rotation::service::by_tenant;
use crate::rotation::Rotator;
use crate::session::Session;

/// How long a move waits for new role assignments to show, and the longest pause it sets itself.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub visibility_timeout: Duration,
    pub max_poll_interval: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            visibility_timeout: Duration::from_secs(600),
            max_poll_interval: Duration::from_secs(15),
        }
    }
}

/// Plans the move of `chosen` (ARM IDs), per tenant. Reads only.
pub async fn plan_moves(
    rotator: &Rotator<'_>,
    chosen: &[String],
    known: &[ClusterRow],
    options: &PlanOptions,
) -> MigrationPlan {
    let mut out = MigrationPlan::default();
    for (tenant, ids) in by_tenant(chosen, known) {
        match rotator.sessions.session_for_tenant(tenant.as_deref()).await {
            Ok(session) => {
                let part = plan(
                    &session,
                    tenant.as_deref().unwrap_or_default(),
                    &ids,
                    known,
                    options,
                )
                .await;
                out.clusters.extend(part.clusters);
                out.problems.extend(part.problems);
            }
            Err(e) => out
                .problems
                .extend(ids.iter().map(|id| Check::block(id, e.message.clone()))),
        }
    }
    out.clusters.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

async fn context(
    rotator: &Rotator<'_>,
    session: Arc<Session>,
    actor: &str,
    progress: Option<MoveSink>,
    timing: Timing,
) -> Context {
    Context {
        session,
        vault: rotator.vault.clone(),
        paths: rotator.paths.clone(),
        actor: actor.to_string(),
        progress,
        visibility_timeout: timing.visibility_timeout,
        max_poll_interval: timing.max_poll_interval,
    }
}

/// Runs each runnable move of `plan`, one cluster after another (each re-images its nodes).
pub async fn run_moves(
    rotator: &Rotator<'_>,
    plan: &MigrationPlan,
    actor: &str,
    progress: Option<MoveSink>,
    timing: Timing,
) -> Result<Vec<MoveResult>, IpcError> {
    let mut results = Vec::new();
    for m in plan.runnable() {
        let tenant = Some(m.tenant_id.as_str()).filter(|t| !t.is_empty());
        let session = rotator.sessions.session_for_tenant(tenant).await?;
        let ctx = context(rotator, session, actor, progress.clone(), timing).await;
        results.push(engine::start(&ctx, m.clone()).await);
    }
    Ok(results)
}

/// Goes on with every unfinished move, and retires secrets whose grace period is over.
pub async fn resume_moves(
    rotator: &Rotator<'_>,
    progress: Option<MoveSink>,
    timing: Timing,
) -> (Vec<MoveResult>, Vec<String>) {
    let (states, mut problems) = journal::list(&rotator.paths).await;
    let mut results = Vec::new();
    for state in states.iter().filter(|s| s.wanted(Utc::now())) {
        let tenant = Some(state.plan.tenant_id.as_str()).filter(|t| !t.is_empty());
        match rotator.sessions.session_for_tenant(tenant).await {
            Ok(session) => {
                let ctx = context(rotator, session, &state.actor, progress.clone(), timing).await;
                results.push(engine::resume(&ctx, &state.plan.migration_id).await);
            }
            Err(e) => problems.push(format!("{}: {}", state.plan.name, e.message)),
        }
    }
    (results, problems)
}

/// Every move in the journal folder: its cluster, outcome (none while unfinished) and last failure.
pub async fn list_moves(rotator: &Rotator<'_>) -> (Vec<journal::State>, Vec<String>) {
    journal::list(&rotator.paths).await
}
