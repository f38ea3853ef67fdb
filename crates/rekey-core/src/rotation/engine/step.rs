//! The step runner: one place where a step reports progress, writes the journal, takes the state
//! and writes the audit log, and the engine's one way to call Azure again after a failure.

use std::time::Instant;

use super::{Context, Run};
use crate::audit::AuditRecord;
use crate::rotation::journal::{Event, State};
use crate::rotation::model::{Progress, Step, StepStatus};
use crate::rotation::retry;

/// A failure that stops the rotation at a [`Step`]; the runner's retry helpers are the move's too.
pub(super) type Stop = retry::stop::Stop<Step>;
pub(super) use crate::rotation::retry::stop::{again, failed, given_up, replicating, stop, transient};

/// One step (of the group, or of one cluster) as it runs: what it reports, journals and audits.
pub(super) struct Scope<'r, 'a> {
    run: &'r Run<'a>,
    pub step: Step,
    cluster: Option<&'r str>,
    since: Instant,
}

impl<'a> Run<'a> {
    /// Starts the clock of `step` (on `cluster`, or on the whole group).
    pub(super) fn scope<'r>(&'r self, step: Step, cluster: Option<&'r str>) -> Scope<'r, 'a> {
        Scope {
            run: self,
            step,
            cluster,
            since: Instant::now(),
        }
    }

    /// Journals `event`, then applies it to the state.
    pub(super) async fn record(&self, event: Event) -> Result<(), Stop> {
        self.journal
            .append(event.clone())
            .await
            .map_err(|e| stop(Step::Done, e.to_string()))?;
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

    pub fn skipped(&self, detail: impl Into<String>) {
        self.report(StepStatus::Skipped, detail.into());
    }

    /// The step is done: `event` journaled, the audit log told (with `audit`), and the progress
    /// shown (with `shown`; `None` for a step that reports through a later one).
    pub async fn ok(
        &self,
        event: Option<Event>,
        audit: Option<String>,
        shown: Option<String>,
    ) -> Result<(), Stop> {
        if let Some(event) = event {
            self.run.record(event).await?;
        }
        self.audit("ok", audit).await;
        if let Some(shown) = shown {
            self.report(StepStatus::Ok, shown);
        }
        Ok(())
    }

    /// The step failed with `s`: the audit log says so.
    pub async fn audit_failed(&self, s: &Stop) {
        self.audit("failed", Some(s.message.clone())).await;
    }

    /// The step failed with `s`: the audit log and the progress say so.
    pub async fn failed(&self, s: &Stop) {
        self.audit_failed(s).await;
        self.report(StepStatus::Failed, s.message.clone());
    }

    fn report(&self, status: StepStatus, detail: String) {
        let ctx: &Context = self.run.ctx;
        let Some(sink) = &ctx.progress else {
            return;
        };
        sink(Progress {
            rotation_id: self.run.rotation_id.clone(),
            cluster: self.cluster.map(str::to_string),
            step: self.step,
            status,
            detail: crate::azure::error::scrub(&detail),
            elapsed_ms: u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }

    async fn audit(&self, outcome: &str, detail: Option<String>) {
        let state = self.run.snapshot().await;
        let ctx = self.run.ctx;
        let mut record = AuditRecord::new(ctx.options.actor.clone(), "rotation.step", outcome);
        record.tenant_id = Some(state.group.tenant_id.clone());
        record.cluster = self.cluster.map(str::to_string);
        record.app_id = Some(state.group.app_id.clone());
        record.rotation_id = Some(state.group.rotation_id.clone());
        record.mode = Some(state.group.mode.label().to_string());
        record.step = Some(self.step.label().to_string());
        record.old_key_ids = state.group.old_secrets.iter().map(|o| o.key_id.clone()).collect();
        record.new_key_id = state.created.as_ref().map(|c| c.key_id.clone());
        record.hint = state.created.as_ref().and_then(|c| c.hint.clone());
        record.duration_ms = Some(u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX));
        record.detail = detail;
        ctx.vault.audit().record_or_warn(record).await;
    }
}
