//! The move's step runner: a step's progress, journal, state and audit in one place, and Azure
//! called again through rotation's one retry loop ([`crate::rotation::retry::retrying`]) with its
//! budgets and failure kinds. Azure's status and code are kept apart from the words ([`Cause`]).

use std::time::Instant;

use super::{Context, MoveProgress, Run};
use crate::audit::AuditRecord;
use crate::migration::journal::{Event, State};
use crate::rotation::model::StepStatus;
use crate::rotation::retry;

/// A failure that stops the move at a step (named by its words); the retry helpers are rotation's.
pub type Stop = retry::stop::Stop<&'static str>;
pub(super) use crate::rotation::retry::stop::{again, failed, stop, transient};

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
