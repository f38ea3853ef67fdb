//! The move's side of the step runner ([`crate::rotation::steps`]): what its progress and audit
//! records hold. Azure is called again through rotation's one retry loop
//! ([`crate::rotation::retry::stop`]) with its budgets and failure kinds; Azure's status and code
//! are kept apart from the words.

use std::time::Duration;

use super::{MoveProgress, Run};
use crate::audit::AuditRecord;
use crate::migration::journal::{Event, State};
use crate::rotation::model::StepStatus;
use crate::rotation::retry;
use crate::rotation::steps::{self, Book, Engine, Replay};
use crate::vault::Vault;

/// A failure that stops the move at a step (named by its words); the retry helpers are rotation's.
pub type Stop = retry::stop::Stop<&'static str>;
pub(super) use crate::rotation::retry::stop::{again, failed, stop, transient};

/// One step as it runs.
pub(super) type Scope<'r, 'a> = steps::Scope<'r, Run<'a>>;

impl Replay<Event> for State {
    fn apply(&mut self, event: &Event) {
        State::apply(self, event);
    }
}

impl Engine for Run<'_> {
    type Step = &'static str;
    type Event = Event;
    type State = State;
    const JOURNAL: &'static str = "journal";

    fn book(&self) -> &Book<Event, State> {
        &self.book
    }

    fn vault(&self) -> &Vault {
        &self.ctx.vault
    }

    fn report(&self, step: &'static str, _: Option<&str>, status: StepStatus, detail: String, _: Duration) {
        if let Some(sink) = &self.ctx.progress {
            sink(MoveProgress {
                migration_id: self.migration_id.clone(),
                cluster: self.name.clone(),
                step: step.to_string(),
                status,
                detail,
            });
        }
    }

    fn audit_record(&self, state: &State, step: &'static str, _: Option<&str>, outcome: &str) -> AuditRecord {
        let mut record = AuditRecord::new(self.ctx.actor.clone(), "migration.step", outcome);
        record.tenant_id = Some(state.plan.tenant_id.clone());
        record.cluster = Some(state.plan.cluster_id.clone());
        record.app_id = Some(state.plan.app_id.clone());
        record.rotation_id = Some(state.plan.migration_id.clone());
        record.mode = Some("managed-identity".into());
        record.step = Some(step.to_string());
        record
    }
}

impl<'a> Run<'a> {
    pub(super) fn scope<'r>(&'r self, step: &'static str) -> Scope<'r, 'a> {
        Scope::new(self, step, None)
    }

    /// Journals `event`, then applies it to the state.
    pub(super) async fn record(&self, event: Event) -> Result<(), Stop> {
        steps::record(self, event).await
    }

    pub(super) async fn snapshot(&self) -> State {
        self.book.snapshot().await
    }
}
