//! The move's engine: journaled and resumable like a rotation. It takes rotation's cross-process
//! locks on the cluster and the principal (so a rotation and a move never overlap), journals each
//! step before and after it runs, retries with rotation's one loop and budgets
//! ([`crate::rotation::retry`]), and audits every step. Invariant: the cluster works on what it has
//! at every point — roles are granted before they are needed, the service principal's secrets are
//! touched only once every node pool runs on the kubelet identity.
//!
//! This file opens, locks and drives a move; [`step`] is the step runner; each step has its file.

mod delete;
mod grant;
mod pools;
mod retire;
mod step;
mod update;

use std::sync::Arc;
use std::time::Duration;

use super::journal::{Event, Journal, State};
use super::model::{ClusterMove, IdentityChoice, MoveOutcome, MoveResult, Who};
use crate::audit::AuditRecord;
use crate::paths::AppPaths;
use crate::rotation::model::StepStatus;
use crate::rotation::steps::Book;
use crate::session::{Pin, Session};
use crate::vault::Vault;
pub use step::Stop;

/// One progress report of a move.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MoveProgress {
    pub migration_id: String,
    pub cluster: String,
    pub step: String,
    pub status: StepStatus,
    pub detail: String,
}

pub type MoveSink = Arc<dyn Fn(MoveProgress) + Send + Sync>;

/// What a move runs with.
#[derive(Clone)]
pub struct Context {
    pub session: Arc<Session>,
    pub vault: Vault,
    pub paths: AppPaths,
    pub actor: String,
    pub progress: Option<MoveSink>,
    /// Longest wait for new role assignments to show in Azure's list (propagation).
    pub visibility_timeout: Duration,
    /// Longest pause between two asks that Azure does not set itself.
    pub max_poll_interval: Duration,
}

/// Starts a planned move: locks, journals the plan, runs it.
pub async fn start(ctx: &Context, plan: ClusterMove) -> MoveResult {
    // The plan's blocking checks are AKS's refusals read in advance: never sent to find out.
    if plan.blocked() {
        let why = plan
            .blocked_by
            .clone()
            .unwrap_or_else(|| "a blocking check".into());
        return failed_before_start(
            &plan,
            format!("the plan blocks this move ({why}); nothing was changed"),
        );
    }
    let _locks = match lock(ctx, &plan).await {
        Ok(l) => l,
        Err(why) => return failed_before_start(&plan, why),
    };
    let journal = Journal::new(&ctx.paths, &plan.migration_id);
    let planned = Event::Planned {
        plan: plan.clone(),
        actor: ctx.actor.clone(),
        pin: Box::new(Pin::of(&ctx.session)),
    };
    if let Err(e) = journal.append(planned).await {
        return failed_before_start(&plan, e.to_string());
    }
    let mut record = AuditRecord::new(ctx.actor.clone(), "migration.start", "started");
    record.tenant_id = Some(plan.tenant_id.clone());
    record.cluster = Some(plan.cluster_id.clone());
    record.app_id = Some(plan.app_id.clone());
    record.rotation_id = Some(plan.migration_id.clone());
    record.mode = Some("managed-identity".into());
    record.detail = Some(format!("to {}", plan.identity.label()));
    ctx.vault.audit().record_or_warn(record).await;
    match open(ctx, &plan.migration_id).await {
        Ok(run) => run.drive().await,
        Err(why) => failed_before_start(&plan, why),
    }
}

/// Goes on with the move `migration_id` from its journal.
pub async fn resume(ctx: &Context, migration_id: &str) -> MoveResult {
    let run = match open(ctx, migration_id).await {
        Ok(run) => run,
        Err(why) => return failed_before_start(&placeholder(migration_id), why),
    };
    let plan = run.snapshot().await.plan;
    let _locks = match lock(ctx, &plan).await {
        Ok(l) => l,
        Err(why) => return failed_before_start(&plan, why),
    };
    run.drive().await
}

fn placeholder(migration_id: &str) -> ClusterMove {
    ClusterMove {
        migration_id: migration_id.into(),
        tenant_id: String::new(),
        cluster_id: String::new(),
        name: migration_id.into(),
        location: String::new(),
        production: false,
        app_id: String::new(),
        sp_object_id: None,
        identity: super::model::IdentityChoice::SystemAssigned,
        identity_principal_id: None,
        held: Vec::new(),
        grants: Vec::new(),
        pools: Vec::new(),
        principal_after: super::model::PrincipalAfter {
            app_id: String::new(),
            shared_with: Vec::new(),
            retire: crate::rotation::Retire::Never,
            delete: false,
            note: String::new(),
        },
        checks: Vec::new(),
        blocked_by: None,
    }
}

fn failed_before_start(plan: &ClusterMove, message: String) -> MoveResult {
    MoveResult {
        migration_id: plan.migration_id.clone(),
        cluster_id: plan.cluster_id.clone(),
        name: plan.name.clone(),
        outcome: MoveOutcome::Failed,
        principal_id: None,
        kubelet_object_id: None,
        pools_upgraded: Vec::new(),
        retire_after: None,
        message: Some(message),
    }
}

/// Rotation's locks, with the same keys: the cluster, and the principal.
async fn lock(ctx: &Context, plan: &ClusterMove) -> Result<crate::rotation::lock::Locks, String> {
    let names = vec![
        (plan.cluster_id.clone(), format!("cluster {}", plan.name)),
        (
            format!("app:{}", plan.app_id),
            format!("the principal {}", plan.app_id),
        ),
    ];
    let paths = ctx.paths.clone();
    match tokio::task::spawn_blocking(move || crate::rotation::lock::acquire(&paths, &names)).await {
        Ok(Ok(l)) => Ok(l),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

async fn open<'a>(ctx: &'a Context, migration_id: &str) -> Result<Run<'a>, String> {
    let journal = Journal::new(&ctx.paths, migration_id);
    let lines = journal.read().await.map_err(|e| e.to_string())?;
    let state = State::replay(&lines)
        .ok_or_else(|| format!("the journal of move {migration_id} does not start with a plan"))?;
    let here = Pin::of(&ctx.session);
    if state.pin != here {
        return Err(format!(
            "Move {migration_id} was planned as {} on {}; the session for its tenant now is {} on {}. Sign \
             in again as {} on {}, then resume.",
            state.pin.account_id,
            state.pin.arm_endpoint,
            here.account_id,
            here.arm_endpoint,
            state.pin.account_id,
            state.pin.arm_endpoint
        ));
    }
    let (migration_id, name) = (state.plan.migration_id.clone(), state.plan.name.clone());
    Ok(Run {
        ctx,
        book: Book::new(journal, state),
        migration_id,
        name,
    })
}

struct Run<'a> {
    ctx: &'a Context,
    book: Book<Event, State>,
    migration_id: String,
    name: String,
}

impl Run<'_> {
    async fn drive(&self) -> MoveResult {
        let state = self.snapshot().await;
        if state.finished == Some(MoveOutcome::Succeeded) {
            return self.result(None).await;
        }
        match self.steps().await {
            Ok(()) => self.result(None).await,
            Err(s) => {
                let event = Event::StepFailed {
                    step: s.step.to_string(),
                    message: s.message.clone(),
                    status: s.cause.as_ref().and_then(|c| c.status),
                    code: s.cause.as_ref().and_then(|c| c.code.clone()),
                };
                // Best effort: the failure is reported whether or not the journal takes it.
                self.book.record_anyway(event).await;
                let scope = self.scope(s.step);
                scope.failed(&s).await;
                self.result(Some(s)).await
            }
        }
    }

    async fn steps(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.finished == Some(MoveOutcome::RetirePending) {
            return self.retire().await;
        }
        if state.verified.is_none() {
            let principal = self.identity().await?;
            if let Some(principal) = principal {
                self.grant(Who::ControlPlane, &principal).await?;
            }
            self.update().await?;
        }
        let state = self.snapshot().await;
        if state.plan.identity == IdentityChoice::SystemAssigned {
            // Its principal exists only now (the plan warned of the gap).
            if let Some((principal, _)) = &state.verified {
                self.grant(Who::ControlPlane, principal).await?;
            }
        }
        let kubelet = state.verified.and_then(|(_, k)| k);
        if let Some(kubelet) = kubelet {
            self.grant(Who::Kubelet, &kubelet).await?;
        } else if self.snapshot().await.plan.to_grant(Who::Kubelet).next().is_some() {
            return Err(step::stop(
                "kubelet roles",
                "the cluster reports no kubelet identity after the update: its node pools stay on the service \
                 principal; resume once `identityProfile.kubeletidentity` shows",
            ));
        }
        self.pools().await?;
        self.retire().await
    }

    async fn result(&self, failure: Option<Stop>) -> MoveResult {
        let state = self.snapshot().await;
        MoveResult {
            migration_id: state.plan.migration_id.clone(),
            cluster_id: state.plan.cluster_id.clone(),
            name: state.plan.name.clone(),
            outcome: match (&failure, state.finished) {
                (None, Some(o)) => o,
                _ => MoveOutcome::Failed,
            },
            principal_id: state.verified.as_ref().map(|v| v.0.clone()),
            kubelet_object_id: state.verified.as_ref().and_then(|v| v.1.clone()),
            pools_upgraded: state.pools_done.clone(),
            retire_after: state.retire_after,
            message: failure.map(|s| format!("{}: {}", s.step, s.message)),
        }
    }
}
