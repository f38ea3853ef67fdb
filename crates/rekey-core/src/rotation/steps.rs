//! The step runner of both engines (a rotation, a move to a managed identity): one place where a
//! step reports progress, writes the journal, applies it to the run's state and writes the audit
//! log. Each engine says only what its progress and audit records hold ([`Engine`]).

use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::journal::{Entry, JournalError, JournalFile};
use super::model::StepStatus;
use super::retry::stop::{stop, Stop};
use crate::audit::AuditRecord;
use crate::vault::Vault;

/// A state that a journal's events build up.
pub trait Replay<E>: Clone + Send {
    fn apply(&mut self, event: &E);
}

/// A run's journal and the state it replays to: an event is on disk before the state takes it.
pub struct Book<E, S> {
    journal: JournalFile<E>,
    state: Mutex<S>,
}

impl<E: Entry, S: Replay<E>> Book<E, S> {
    pub fn new(journal: JournalFile<E>, state: S) -> Book<E, S> {
        Book {
            journal,
            state: Mutex::new(state),
        }
    }

    /// Journals `event`, then applies it to the state.
    pub async fn record(&self, event: E) -> Result<(), JournalError> {
        self.journal.append(event.clone()).await?;
        self.state.lock().await.apply(&event);
        Ok(())
    }

    /// Best effort, for a failure: the state takes `event` whether or not the journal does.
    pub async fn record_anyway(&self, event: E) {
        let _ = self.journal.append(event.clone()).await;
        self.state.lock().await.apply(&event);
    }

    pub async fn snapshot(&self) -> S {
        self.state.lock().await.clone()
    }
}

/// What an engine gives the runner.
pub trait Engine: Sync {
    type Step: Copy + Send + Sync;
    type Event: Entry;
    type State: Replay<Self::Event>;
    /// The step a journal that cannot be written stops the run at.
    const JOURNAL: Self::Step;

    fn book(&self) -> &Book<Self::Event, Self::State>;
    fn vault(&self) -> &Vault;
    /// Tells whoever follows the run (nobody, or the window).
    fn report(
        &self,
        step: Self::Step,
        cluster: Option<&str>,
        status: StepStatus,
        detail: String,
        took: Duration,
    );
    /// The audit record of `step` (on `cluster`) with the run's facts; outcome, time and detail
    /// are the runner's.
    fn audit_record(
        &self,
        state: &Self::State,
        step: Self::Step,
        cluster: Option<&str>,
        outcome: &str,
    ) -> AuditRecord;
}

/// Journals `event` in `run`'s book; a journal that cannot be written stops the run.
pub async fn record<R: Engine>(run: &R, event: R::Event) -> Result<(), Stop<R::Step>> {
    run.book()
        .record(event)
        .await
        .map_err(|e| stop(R::JOURNAL, e.to_string()))
}

/// One step (of the run, or of one of its clusters) as it runs.
pub struct Scope<'r, R: Engine> {
    run: &'r R,
    pub step: R::Step,
    cluster: Option<&'r str>,
    since: Instant,
}

impl<'r, R: Engine> Scope<'r, R> {
    /// Starts the clock of `step` (on `cluster`, or on the whole run).
    pub fn new(run: &'r R, step: R::Step, cluster: Option<&'r str>) -> Scope<'r, R> {
        Scope {
            run,
            step,
            cluster,
            since: Instant::now(),
        }
    }

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
        event: Option<R::Event>,
        audit: Option<String>,
        shown: Option<String>,
    ) -> Result<(), Stop<R::Step>> {
        if let Some(event) = event {
            record(self.run, event).await?;
        }
        self.audit("ok", audit).await;
        if let Some(shown) = shown {
            self.report(StepStatus::Ok, shown);
        }
        Ok(())
    }

    /// [`Self::ok`], with the same words in the audit log and the progress.
    pub async fn done(&self, event: Option<R::Event>, shown: impl Into<String>) -> Result<(), Stop<R::Step>> {
        let shown = shown.into();
        self.ok(event, Some(shown.clone()), Some(shown)).await
    }

    /// The step failed with `s`: the audit log says so.
    pub async fn audit_failed(&self, s: &Stop<R::Step>) {
        self.audit("failed", Some(s.message.clone())).await;
    }

    /// The step failed with `s`: the audit log and the progress say so.
    pub async fn failed(&self, s: &Stop<R::Step>) {
        self.audit_failed(s).await;
        self.report(StepStatus::Failed, s.message.clone());
    }

    fn took(&self) -> Duration {
        self.since.elapsed()
    }

    fn report(&self, status: StepStatus, detail: String) {
        let detail = crate::azure::error::scrub(&detail);
        self.run
            .report(self.step, self.cluster, status, detail, self.took());
    }

    async fn audit(&self, outcome: &str, detail: Option<String>) {
        let state = self.run.book().snapshot().await;
        let mut record = self.run.audit_record(&state, self.step, self.cluster, outcome);
        record.duration_ms = Some(millis(self.took()));
        record.detail = detail;
        self.run.vault().audit().record_or_warn(record).await;
    }
}

/// `d` in whole milliseconds, as progress and audit records count time.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
