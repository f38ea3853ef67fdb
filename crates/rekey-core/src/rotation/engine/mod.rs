//! The step engine: drives one rotation (one principal and its clusters) from its journal to the end.
//! Every step is journaled before and after it runs, so running it again after a crash picks up
//! where it stopped. Invariants: no secret created in Azure without a vault copy (or it is removed
//! again); no old secret removed while a cluster may still use it.
//!
//! This file opens, locks and drives a rotation; [`step`] runs a step's reporting, journaling and
//! auditing; each step has its own file.

mod hold;
mod key_vault;
mod principal;
mod prove;
mod reset;
mod retire;
mod roll_back;
mod secret;
mod step;
mod verify;

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::journal::{Event, Journal, State};
use super::model::{ClusterFailure, GroupResult, Mode, Outcome, PlanGroup, Progress, Step};
use crate::audit::AuditRecord;
use crate::azure::directory::ObjectKind;
use crate::paths::AppPaths;
use crate::rotation::steps::Book;
use crate::session::{Pin, Session};
use crate::vault::Vault;
pub use hold::{answer as answer_hold, HoldAnswer};
use step::Stop;

/// Where progress reports go.
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// What a rotation runs with.
#[derive(Clone)]
pub struct Context {
    pub session: Arc<Session>,
    pub vault: Vault,
    pub paths: AppPaths,
    pub options: super::model::Options,
    pub progress: Option<ProgressSink>,
    /// Cluster resets in flight, shared by every group of a bulk run.
    pub resets: Arc<Semaphore>,
}

/// Starts a planned group: takes its locks, journals the plan, then runs it.
pub async fn start(ctx: &Context, group: PlanGroup) -> GroupResult {
    let locks = match lock(ctx, &group).await {
        Ok(l) => l,
        Err(result) => return *result,
    };
    let journal = Journal::new(&ctx.paths, &group.rotation_id);
    let planned = Event::Planned {
        group: group.clone(),
        actor: ctx.options.actor.clone(),
        pin: Some(Box::new(Pin::of(&ctx.session))),
    };
    if let Err(e) = journal.append(planned).await {
        return failed_before_start(&group, e.to_string());
    }
    let mut record = AuditRecord::new(ctx.options.actor.clone(), "rotation.start", "started");
    record.tenant_id = Some(group.tenant_id.clone());
    record.app_id = Some(group.app_id.clone());
    record.rotation_id = Some(group.rotation_id.clone());
    record.mode = Some(group.mode.label().to_string());
    record.old_key_ids = group.old_secrets.iter().map(|o| o.key_id.clone()).collect();
    record.detail = Some(format!(
        "clusters: {}",
        group
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    ctx.vault.audit().record_or_warn(record).await;
    match open(ctx, &group.rotation_id).await {
        Ok(run) => {
            let result = run.drive().await;
            drop(locks);
            result
        }
        Err(result) => *result,
    }
}

pub(super) fn failed_before_start(group: &PlanGroup, message: String) -> GroupResult {
    GroupResult {
        rotation_id: group.rotation_id.clone(),
        mode: group.mode,
        app_id: group.app_id.clone(),
        outcome: Outcome::Failed,
        new_key_id: None,
        new_hint: None,
        new_app_id: None,
        clusters_done: Vec::new(),
        clusters_failed: Vec::new(),
        retired: Vec::new(),
        retire_after: None,
        message: Some(message),
        hold: None,
    }
}

/// The group's clusters and principal, locked against other rotations in any process.
async fn lock(ctx: &Context, group: &PlanGroup) -> Result<super::lock::Locks, Box<GroupResult>> {
    let mut names: Vec<(String, String)> = group
        .clusters
        .iter()
        .map(|c| (c.id.clone(), format!("cluster {}", c.name)))
        .collect();
    names.push((
        format!("app:{}", group.app_id),
        format!("the principal {}", group.app_id),
    ));
    let paths = ctx.paths.clone();
    match tokio::task::spawn_blocking(move || super::lock::acquire(&paths, &names)).await {
        Ok(Ok(l)) => Ok(l),
        Ok(Err(e)) => Err(Box::new(failed_before_start(group, e.to_string()))),
        Err(e) => Err(Box::new(failed_before_start(group, e.to_string()))),
    }
}

/// The rotation `rotation_id` as its journal tells it.
async fn open<'a>(ctx: &'a Context, rotation_id: &str) -> Result<Run<'a>, Box<GroupResult>> {
    let journal = Journal::new(&ctx.paths, rotation_id);
    let unknown = |m: String| Box::new(failed_before_start(&PlanGroup::empty(rotation_id), m));
    let lines = journal.read().await.map_err(|e| unknown(e.to_string()))?;
    let state = State::replay(&lines).ok_or_else(|| {
        unknown(format!(
            "the journal of rotation {rotation_id} does not start with a plan"
        ))
    })?;
    // Its secret goes only where the rotation was planned: the same account, login, ARM and Graph.
    let here = Pin::of(&ctx.session);
    match &state.pin {
        Some(pin) if **pin != here => {
            return Err(Box::new(failed_before_start(
                &state.group,
                format!(
                    "Rotation {rotation_id} was planned as {} on {} (login {}); the session for its \
                     tenant now is {} on {} (login {}). Rekey will not send its secret anywhere else: \
                     sign in again to {} as {}, then resume.",
                    pin.account_id,
                    pin.arm_endpoint,
                    pin.login_endpoint,
                    here.account_id,
                    here.arm_endpoint,
                    here.login_endpoint,
                    pin.arm_endpoint,
                    pin.account_id,
                ),
            )))
        }
        Some(_) => {}
        None => tracing::warn!(
            "rotation {rotation_id} was journaled by an earlier version without a pin; it goes on \
             with the session of its tenant"
        ),
    }
    let rotation_id = state.group.rotation_id.clone();
    Ok(Run {
        ctx,
        book: Book::new(journal, state),
        rotation_id,
    })
}

/// Opens the rotation `rotation_id` and takes its locks.
async fn open_locked<'a>(
    ctx: &'a Context,
    rotation_id: &str,
) -> Result<(Run<'a>, super::lock::Locks), Box<GroupResult>> {
    let run = open(ctx, rotation_id).await?;
    let group = run.snapshot().await.group;
    let locks = lock(ctx, &group).await?;
    Ok((run, locks))
}

/// Runs (or goes on with) the rotation `rotation_id` from its journal.
pub async fn resume(ctx: &Context, rotation_id: &str) -> GroupResult {
    match open_locked(ctx, rotation_id).await {
        Ok((run, _locks)) => run.drive().await,
        Err(result) => *result,
    }
}

/// Removes the unused new secret of a failed rotation and closes it. Refused when a cluster may be
/// using the new secret (its reset was sent).
pub async fn roll_back(ctx: &Context, rotation_id: &str) -> GroupResult {
    match open_locked(ctx, rotation_id).await {
        Ok((run, _locks)) => run.roll_back().await,
        Err(result) => *result,
    }
}

struct Run<'a> {
    ctx: &'a Context,
    book: Book<Event, State>,
    rotation_id: String,
}

/// The object that receives the new secret, and the app that signs in with it.
#[derive(Clone)]
struct Target {
    kind: ObjectKind,
    object_id: String,
    app_id: String,
}

impl Run<'_> {
    async fn drive(&self) -> GroupResult {
        let state = self.snapshot().await;
        match state.finished {
            Some(Outcome::Succeeded) | Some(Outcome::RolledBack) => return self.result(None).await,
            _ => {}
        }
        match self.steps().await {
            Ok(()) => self.result(None).await,
            Err(s) => {
                let step = self.scope(s.step, None);
                // Best effort: the failure is reported whether or not the journal takes it.
                let event = Event::StepFailed {
                    step: s.step,
                    message: s.message.clone(),
                };
                self.book.record_anyway(event).await;
                step.failed(&s).await;
                self.result(Some(s)).await
            }
        }
    }

    async fn steps(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if matches!(state.finished, Some(Outcome::RetirePending | Outcome::RetireHeld)) {
            return self.retire().await;
        }
        let target = self.target().await?;
        let secret = self.new_secret(&target).await?;
        self.prove(&target, &secret).await?;
        self.write_key_vault(&target, &secret).await?;
        if self.snapshot().await.group.mode == Mode::NewSp {
            self.copy_roles().await?;
        }
        self.reset_all(&target, &secret).await?;
        self.retire().await
    }

    async fn result(&self, failure: Option<Stop>) -> GroupResult {
        let state = self.snapshot().await;
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for c in &state.group.clusters {
            if state.verified(&c.id) {
                done.push(c.id.clone());
            } else if let Some(f) = state
                .resets
                .get(&c.id.to_ascii_lowercase())
                .and_then(|r| r.failed.clone())
            {
                failed.push(ClusterFailure {
                    cluster: c.id.clone(),
                    step: Step::ResetCluster,
                    message: f.message,
                });
            }
        }
        let outcome = match (&failure, state.finished) {
            (None, Some(o)) => o,
            (Some(_), Some(Outcome::RolledBack)) => Outcome::RolledBack,
            _ => Outcome::Failed,
        };
        GroupResult {
            rotation_id: state.group.rotation_id.clone(),
            mode: state.group.mode,
            app_id: state.group.app_id.clone(),
            outcome,
            new_key_id: state.created.as_ref().map(|c| c.key_id.clone()),
            new_hint: state.created.as_ref().and_then(|c| c.hint.clone()),
            new_app_id: state.new_principal.as_ref().map(|p| p.app_id.clone()),
            clusters_done: done,
            clusters_failed: failed,
            retired: state.old_removed.clone(),
            retire_after: state.retire_after,
            message: failure.map(|s| format!("{}: {}", s.step.label(), s.message)),
            hold: state.hold_message(),
        }
    }
}
