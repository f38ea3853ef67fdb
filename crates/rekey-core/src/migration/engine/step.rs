//! The move's step runner: a step's progress, journal, state and audit in one place, and Azure
//! called again through rotation's one retry loop ([`crate::rotation::retry::retrying`]) with its
//! budgets and failure kinds. Azure's status and code are kept apart from the words ([`Cause`]).

use std::future::Future;
use std::time::Instant;

use super::{Context, MoveProgress, Run};
use crate::audit::AuditRecord;
use crate::azure::CallError;
use crate::migration::journal::{Event, State};
use crate::rotation::model::StepStatus;
use crate::rotation::retry::{self, Budget, Cause, Kind};

/// A failure that stops the move: the step, the words, and what Azure answered.
#[derive(Debug)]
pub struct Stop {
    pub step: &'static str,
    pub message: String,
    pub kind: Kind,
    pub cause: Option<Cause>,
    /// Azure's operation itself ended `Failed` (as opposed to a failure to start or follow it).
    pub operation_failed: bool,
}

/// A failure of Rekey's own or a check: never retried.
pub(super) fn stop(step: &'static str, message: impl Into<String>) -> Stop {
    Stop {
        step,
        message: crate::azure::error::scrub(&message.into()),
        kind: Kind::Fatal,
        cause: None,
        operation_failed: false,
    }
}

/// A failed Azure call, its kind and cause kept.
pub(super) fn failed(step: &'static str, e: &CallError) -> Stop {
    Stop {
        kind: retry::classify(e),
        cause: Some(Cause::of(e)),
        ..stop(step, retry::explain(e))
    }
}

/// `call` tried again within `budget` while its failure is worth it; final afterwards.
pub(super) async fn again<T, F, Fut>(mut budget: Budget, call: F) -> Result<T, Stop>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Stop>>,
{
    let result = retry::retrying(&mut budget, call, |s: &Stop, b| b.next(s.kind)).await;
    result.map_err(|mut s| {
        if s.kind == Kind::Transient {
            s.message = crate::azure::error::scrub(&budget.spent(&s.message));
        }
        s.kind = Kind::Fatal;
        s
    })
}

/// An Azure call tried again on transient failures.
pub(super) async fn transient<T, F, Fut>(step: &'static str, call: F) -> Result<T, Stop>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    again(Budget::transient(), |_| async {
        call().await.map_err(|e| failed(step, &e))
    })
    .await
}

/// One step as it runs.
pub(super) struct Scope<'r, 'a> {
    run: &'r Run<'a>,
    pub step: &'static str,
    since: Instant,
}

impl<'a> Run<'a> {
    pub(super) fn scope<'r>(&'r self, step: &'static str) -> Scope<'r, 'a> {
        Scope {
            run: self,
            step,
            since: Instant::now(),
        }
    }

    /// Journals `event`, then applies it to the state.
    pub(super) async fn record(&self, event: Event) -> Result<(), Stop> {
        self.journal
            .append(event.clone())
            .await
            .map_err(|e| stop("journal", e.to_string()))?;
        self.state.lock().await.apply(&event);
        Ok(())
    }

    pub(super) async fn snapshot(&self) -> State {
        self.state.lock().await.clone()
    }
}

impl Scope<'_, '_> {
    pub fn running(&self, detail: impl Into<String>) {
        self.report(StepStatus::Running, detail.into());
    }

    pub fn waiting(&self, detail: impl Into<String>) {
        self.report(StepStatus::Waiting, detail.into());
    }

    /// Done: `event` journaled, the audit log and the progress told.
    pub async fn ok(&self, event: Option<Event>, shown: impl Into<String>) -> Result<(), Stop> {
        if let Some(event) = event {
            self.run.record(event).await?;
        }
        let shown = shown.into();
        self.audit("ok", Some(shown.clone())).await;
        self.report(StepStatus::Ok, shown);
        Ok(())
    }

    pub async fn failed(&self, s: &Stop) {
        self.audit("failed", Some(s.message.clone())).await;
        self.report(StepStatus::Failed, s.message.clone());
    }

    fn report(&self, status: StepStatus, detail: String) {
        let ctx: &Context = self.run.ctx;
        let Some(sink) = &ctx.progress else {
            return;
        };
        sink(MoveProgress {
            migration_id: self.run.migration_id.clone(),
            cluster: self.run.name.clone(),
            step: self.step.to_string(),
            status,
            detail: crate::azure::error::scrub(&detail),
        });
    }

    async fn audit(&self, outcome: &str, detail: Option<String>) {
        let state = self.run.snapshot().await;
        let ctx = self.run.ctx;
        let mut record = AuditRecord::new(ctx.actor.clone(), "migration.step", outcome);
        record.tenant_id = Some(state.plan.tenant_id.clone());
        record.cluster = Some(state.plan.cluster_id.clone());
        record.app_id = Some(state.plan.app_id.clone());
        record.rotation_id = Some(state.plan.migration_id.clone());
        record.mode = Some("managed-identity".into());
        record.step = Some(self.step.to_string());
        record.duration_ms = Some(u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX));
        record.detail = detail;
        ctx.vault.audit().record_or_warn(record).await;
    }
}
