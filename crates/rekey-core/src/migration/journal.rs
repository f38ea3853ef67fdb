//! The journal of a move: `migrations/<id>.jsonl` in the app data folder, one JSON event per line
//! (`{"at": …, "type": …, …}`), flushed before the step it records goes on: the journal file of
//! both engines ([`crate::rotation::journal::file`]). Replaying the events says where the move stopped, so a
//! resumed move goes on from there. No secret is ever in it.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{ClusterMove, MoveOutcome, MoveSummary, Who};
use crate::azure::lro::OperationHandle;
use crate::paths::AppPaths;
use crate::rotation::journal::{file, replay_all, Entry, JournalFile};
use crate::session::Pin;

/// Something that happened in a move.
// `Planned` carries the cluster's whole plan, once per journal: not worth a `Box`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// The plan the admin confirmed, the actor, and the account and endpoints it was made with.
    #[serde(rename_all = "camelCase")]
    Planned {
        plan: ClusterMove,
        actor: String,
        pin: Box<Pin>,
    },
    /// The user-assigned identity exists (found or created) with this principal.
    #[serde(rename_all = "camelCase")]
    IdentityReady {
        principal_id: String,
        client_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    RoleGranted {
        who: Who,
        role_id: String,
        scope: String,
        principal_id: String,
    },
    /// Every grant of `who` is visible in Azure's list of the principal's assignments.
    #[serde(rename_all = "camelCase")]
    RolesVisible { who: Who },
    /// The managed cluster's PUT is about to be sent: after a crash, the cluster is read before
    /// it is sent again.
    UpdateRequested,
    #[serde(rename_all = "camelCase")]
    UpdateAccepted { handle: Option<OperationHandle> },
    /// Azure's update operation ended `Failed` (`code`): the cluster is as it was; the next try
    /// sends the update again.
    #[serde(rename_all = "camelCase")]
    UpdateFailed { code: String },
    /// The cluster runs on its managed identity (control plane), with this kubelet identity.
    #[serde(rename_all = "camelCase")]
    IdentityVerified {
        principal_id: String,
        kubelet_object_id: Option<String>,
        kubelet_client_id: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    PoolUpgradeRequested { pool: String },
    #[serde(rename_all = "camelCase")]
    PoolUpgradeAccepted {
        pool: String,
        handle: Option<OperationHandle>,
    },
    /// Azure's image upgrade of `pool` ended `Failed`: its nodes stay as they were; the next try
    /// sends the upgrade again.
    #[serde(rename_all = "camelCase")]
    PoolUpgradeFailed { pool: String, code: String },
    #[serde(rename_all = "camelCase")]
    PoolUpgraded { pool: String },
    /// Every pool is upgraded and the cluster is on its kubelet identity.
    KubeletVerified,
    #[serde(rename_all = "camelCase")]
    RetireScheduled { not_before: DateTime<Utc> },
    #[serde(rename_all = "camelCase")]
    SecretRemoved { key_id: String },
    /// Asked to delete the principal: deleted (its role assignments for the cluster, then its
    /// application), or kept because something else uses it or could not be read (`kept`).
    #[serde(rename_all = "camelCase")]
    PrincipalDone {
        deleted: bool,
        #[serde(default)]
        kept: Option<String>,
    },
    /// A step failed: Azure's status and code kept apart from the words.
    #[serde(rename_all = "camelCase")]
    StepFailed {
        step: String,
        message: String,
        #[serde(default)]
        status: Option<u16>,
        #[serde(default)]
        code: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Finished { outcome: MoveOutcome },
}

impl Entry for Event {
    fn scrubbed(self) -> Event {
        use crate::azure::error::scrub;
        match self {
            Event::StepFailed {
                step,
                message,
                status,
                code,
            } => Event::StepFailed {
                step,
                message: scrub(&message),
                status,
                code: code.map(|c| scrub(&c)),
            },
            other => other,
        }
    }
}

pub type Line = file::Line<Event>;

/// A move as its journal tells it.
#[derive(Debug, Clone)]
pub struct State {
    pub plan: ClusterMove,
    pub actor: String,
    pub pin: Pin,
    pub started: DateTime<Utc>,
    pub principal_id: Option<String>,
    pub granted: Vec<(Who, String, String)>,
    pub visible: Vec<Who>,
    pub update_requested: bool,
    pub update_accepted: Option<Option<OperationHandle>>,
    pub verified: Option<(String, Option<String>)>,
    pub pools_requested: Vec<String>,
    pub pools_accepted: Vec<(String, Option<OperationHandle>)>,
    pub pools_done: Vec<String>,
    pub kubelet_verified: bool,
    pub retire_after: Option<DateTime<Utc>>,
    pub removed: Vec<String>,
    /// Asked to delete the principal: whether that step is over (deleted or kept).
    pub principal_done: bool,
    pub last_failure: Option<String>,
    pub finished: Option<MoveOutcome>,
}

impl State {
    /// Replays `lines`; none when the journal does not start with a plan.
    pub fn replay(lines: &[Line]) -> Option<State> {
        let first = lines.first()?;
        let Event::Planned { plan, actor, pin } = &first.event else {
            return None;
        };
        let mut state = State {
            principal_id: plan.identity_principal_id.clone(),
            plan: plan.clone(),
            actor: actor.clone(),
            pin: (**pin).clone(),
            started: first.at,
            granted: Vec::new(),
            visible: Vec::new(),
            update_requested: false,
            update_accepted: None,
            verified: None,
            pools_requested: Vec::new(),
            pools_accepted: Vec::new(),
            pools_done: Vec::new(),
            kubelet_verified: false,
            retire_after: None,
            removed: Vec::new(),
            principal_done: false,
            last_failure: None,
            finished: None,
        };
        for line in &lines[1..] {
            state.apply(&line.event);
        }
        Some(state)
    }

    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Planned { .. } => {}
            Event::IdentityReady { principal_id, .. } => self.principal_id = Some(principal_id.clone()),
            Event::RoleGranted {
                who, role_id, scope, ..
            } => self
                .granted
                .push((*who, role_id.to_ascii_lowercase(), scope.to_ascii_lowercase())),
            Event::RolesVisible { who } => self.visible.push(*who),
            Event::UpdateRequested => self.update_requested = true,
            Event::UpdateAccepted { handle } => self.update_accepted = Some(handle.clone()),
            Event::UpdateFailed { .. } => {
                self.update_requested = false;
                self.update_accepted = None;
            }
            Event::IdentityVerified {
                principal_id,
                kubelet_object_id,
                ..
            } => self.verified = Some((principal_id.clone(), kubelet_object_id.clone())),
            Event::PoolUpgradeRequested { pool } => self.pools_requested.push(pool.clone()),
            Event::PoolUpgradeAccepted { pool, handle } => {
                self.pools_accepted.push((pool.clone(), handle.clone()))
            }
            Event::PoolUpgradeFailed { pool, .. } => {
                self.pools_requested.retain(|p| p != pool);
                self.pools_accepted.retain(|(p, _)| p != pool);
            }
            Event::PoolUpgraded { pool } => self.pools_done.push(pool.clone()),
            Event::KubeletVerified => self.kubelet_verified = true,
            Event::RetireScheduled { not_before } => self.retire_after = Some(*not_before),
            Event::SecretRemoved { key_id } => self.removed.push(key_id.clone()),
            Event::PrincipalDone { .. } => self.principal_done = true,
            Event::StepFailed { step, message, .. } => self.last_failure = Some(format!("{step}: {message}")),
            Event::Finished { outcome } => self.finished = Some(*outcome),
        }
    }

    pub fn granted(&self, who: Who, role_id: &str, scope: &str) -> bool {
        self.granted
            .iter()
            .any(|(w, r, s)| *w == who && r.eq_ignore_ascii_case(role_id) && s.eq_ignore_ascii_case(scope))
    }

    /// What History shows of this move.
    pub fn summary(&self, now: DateTime<Utc>) -> MoveSummary {
        MoveSummary {
            migration_id: self.plan.migration_id.clone(),
            cluster_id: self.plan.cluster_id.clone(),
            name: self.plan.name.clone(),
            identity: self.plan.identity.clone(),
            started: self.started,
            outcome: self.finished,
            pools_done: self.pools_done.clone(),
            retire_after: self.retire_after,
            last_failure: self.last_failure.clone(),
            due: self.wanted(now),
        }
    }

    /// Still to run now: unfinished, or secrets due for retirement.
    pub fn wanted(&self, now: DateTime<Utc>) -> bool {
        match self.finished {
            None | Some(MoveOutcome::Failed) => true,
            Some(MoveOutcome::RetirePending) => self.retire_after.is_some_and(|t| t <= now),
            Some(MoveOutcome::Succeeded) => false,
        }
    }
}

pub fn migrations_dir(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("migrations")
}

/// One move's journal file.
pub type Journal = JournalFile<Event>;

impl JournalFile<Event> {
    pub fn new(paths: &AppPaths, migration_id: &str) -> Journal {
        JournalFile::at(&migrations_dir(paths), migration_id)
    }
}

/// Every move in the journal folder, newest first, with the journals that could not be read.
pub async fn list(paths: &AppPaths) -> (Vec<State>, Vec<String>) {
    replay_all(&migrations_dir(paths), State::replay, |s: &State| s.started).await
}
