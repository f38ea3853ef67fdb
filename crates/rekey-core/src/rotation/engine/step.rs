//! The rotation's side of the step runner ([`crate::rotation::steps`]): what its progress and
//! audit records hold, and the engine's one way to call Azure again after a failure.

use std::time::Duration;

use super::Run;
use crate::audit::AuditRecord;
use crate::rotation::journal::{Event, State};
use crate::rotation::model::{Progress, Step, StepStatus};
use crate::rotation::retry;
use crate::rotation::steps::{self, millis, Book, Engine, Replay};
use crate::vault::Vault;

/// A failure that stops the rotation at a [`Step`]; the runner's retry helpers are the move's too.
pub(super) type Stop = retry::stop::Stop<Step>;
pub(super) use crate::rotation::retry::stop::{again, failed, given_up, replicating, stop, transient};

/// One step (of the group, or of one cluster) as it runs.
pub(super) type Scope<'r, 'a> = steps::Scope<'r, Run<'a>>;

impl Replay<Event> for State {
    fn apply(&mut self, event: &Event) {
        State::apply(self, event);
    }
}

impl Engine for Run<'_> {
    type Step = Step;
    type Event = Event;
    type State = State;
    const JOURNAL: Step = Step::Done;

    fn book(&self) -> &Book<Event, State> {
        &self.book
    }

    fn vault(&self) -> &Vault {
        &self.ctx.vault
    }

    fn report(&self, step: Step, cluster: Option<&str>, status: StepStatus, detail: String, took: Duration) {
        if let Some(sink) = &self.ctx.progress {
            sink(Progress {
                rotation_id: self.rotation_id.clone(),
                cluster: cluster.map(str::to_string),
                step,
                status,
                detail,
                elapsed_ms: millis(took),
            });
        }
    }

    fn audit_record(&self, state: &State, step: Step, cluster: Option<&str>, outcome: &str) -> AuditRecord {
        let mut record = AuditRecord::new(self.ctx.options.actor.clone(), "rotation.step", outcome);
        record.tenant_id = Some(state.group.tenant_id.clone());
        record.cluster = cluster.map(str::to_string);
        record.app_id = Some(state.group.app_id.clone());
        record.rotation_id = Some(state.group.rotation_id.clone());
        record.mode = Some(state.group.mode.label().to_string());
        record.step = Some(step.label().to_string());
        record.old_key_ids = state.group.old_secrets.iter().map(|o| o.key_id.clone()).collect();
        record.new_key_id = state.created.as_ref().map(|c| c.key_id.clone());
        record.hint = state.created.as_ref().and_then(|c| c.hint.clone());
        record
    }
}

impl<'a> Run<'a> {
    /// Starts the clock of `step` (on `cluster`, or on the whole group).
    pub(super) fn scope<'r>(&'r self, step: Step, cluster: Option<&'r str>) -> Scope<'r, 'a> {
        Scope::new(self, step, cluster)
    }

    /// Journals `event`, then applies it to the state.
    pub(super) async fn record(&self, event: Event) -> Result<(), Stop> {
        steps::record(self, event).await
    }

    pub(super) async fn snapshot(&self) -> State {
        self.book.snapshot().await
    }
}
