//! The rotation journal: one append-only file per rotation (`rotations/<id>.jsonl` in the app data
//! folder), one JSON event per line, flushed to disk before the step it records goes on. After a
//! crash the events say exactly where the rotation was, so it can be finished or rolled back.
//! It never holds a secret: key IDs, hints and operation URLs only.

pub mod file;
mod state;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Outcome, PlanGroup, Step};
use crate::azure::directory::ObjectKind;
use crate::azure::lro::OperationHandle;
use crate::paths::AppPaths;
use crate::session::Pin;
pub use file::{parse_lines, replay_all, Entry, JournalError, JournalFile};
pub use state::{
    CreatedSecret, HeldSecret, NewPrincipal, ResetFailure, ResetState, RotationSummary, SecretRequest, State,
    StepFailure,
};

/// Something that happened in a rotation.
// `Planned` carries the whole group, once per journal: its size costs nothing worth a `Box`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// The plan the admin confirmed; nothing has changed in Azure yet.
    /// `pin`: the account and endpoints it was planned with; no step sends its secret elsewhere.
    /// (Journals of earlier versions have none.)
    #[serde(rename_all = "camelCase")]
    Planned {
        group: PlanGroup,
        actor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pin: Option<Box<Pin>>,
    },
    /// A new application and service principal are about to be created (mode new-sp).
    #[serde(rename_all = "camelCase")]
    PrincipalRequested { display_name: String },
    #[serde(rename_all = "camelCase")]
    PrincipalCreated {
        app_id: String,
        app_object_id: String,
        sp_object_id: String,
    },
    /// `addPassword` is about to be sent: if no `SecretCreated` follows, Azure may hold a secret
    /// nobody has; a resume looks for it by display name and removes it.
    #[serde(rename_all = "camelCase")]
    SecretRequested {
        display_name: String,
        on: ObjectKind,
        object_id: String,
        app_id: String,
    },
    #[serde(rename_all = "camelCase")]
    SecretCreated {
        key_id: String,
        hint: Option<String>,
        end: Option<DateTime<Utc>>,
    },
    /// The value is in the OS keyring (read back).
    #[serde(rename_all = "camelCase")]
    SecretStored { key_id: String },
    /// Entra ID issued a token for the new secret.
    #[serde(rename_all = "camelCase")]
    SecretProven { key_id: String },
    #[serde(rename_all = "camelCase")]
    RolesCopied { count: u32 },
    /// The reset POST is about to be sent for `cluster`.
    #[serde(rename_all = "camelCase")]
    ResetRequested { cluster: String },
    /// Azure accepted the reset; `handle` is where to follow it (none when it finished at once).
    #[serde(rename_all = "camelCase")]
    ResetAccepted {
        cluster: String,
        handle: Option<OperationHandle>,
    },
    #[serde(rename_all = "camelCase")]
    ResetFailed {
        cluster: String,
        code: String,
        message: String,
    },
    /// The cluster is `Succeeded` on the new credentials.
    #[serde(rename_all = "camelCase")]
    ClusterVerified {
        cluster: String,
        key_id: String,
        app_id: String,
    },
    #[serde(rename_all = "camelCase")]
    RetireScheduled { not_before: DateTime<Utc> },
    /// The new secret is in the plan's Key Vault too, at `version` (read back and compared).
    #[serde(rename_all = "camelCase")]
    KeyVaultWritten {
        vault_id: String,
        secret_name: String,
        version: String,
    },
    /// The sign-in activity report could not be read when the old secrets were due: the policy was
    /// followed, and History says why usage was unknown.
    #[serde(rename_all = "camelCase")]
    UsageUnknown { reason: String },
    /// The old secret `key_id` signed in at `last_used`, after every cluster moved to the new one:
    /// its retirement is held until `recheck_after`.
    #[serde(rename_all = "camelCase")]
    RetireHeld {
        key_id: String,
        last_used: DateTime<Utc>,
        recheck_after: DateTime<Utc>,
    },
    /// The admin chose to retire the old secrets despite their use (`actor`).
    #[serde(rename_all = "camelCase")]
    RetireForced { actor: String },
    #[serde(rename_all = "camelCase")]
    OldRemoved { key_id: String },
    /// A new secret that no cluster uses was removed from Azure (rolled back, or orphaned by a crash).
    #[serde(rename_all = "camelCase")]
    NewRemoved { key_id: String },
    #[serde(rename_all = "camelCase")]
    StepFailed { step: Step, message: String },
    #[serde(rename_all = "camelCase")]
    Finished { outcome: Outcome },
}

impl Entry for Event {
    fn scrubbed(self) -> Event {
        use crate::azure::error::scrub;
        match self {
            Event::ResetFailed {
                cluster,
                code,
                message,
            } => Event::ResetFailed {
                cluster,
                code: scrub(&code),
                message: scrub(&message),
            },
            Event::StepFailed { step, message } => Event::StepFailed {
                step,
                message: scrub(&message),
            },
            Event::UsageUnknown { reason } => Event::UsageUnknown {
                reason: scrub(&reason),
            },
            other => other,
        }
    }
}

pub type Line = file::Line<Event>;

/// One rotation's journal file.
pub type Journal = JournalFile<Event>;

pub fn rotations_dir(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("rotations")
}

impl JournalFile<Event> {
    pub fn new(paths: &AppPaths, rotation_id: &str) -> Journal {
        JournalFile::at(&rotations_dir(paths), rotation_id)
    }
}

/// Parses a rotation journal's bytes ([`file::parse_lines`]).
pub fn parse_journal(bytes: &[u8]) -> Result<Vec<Line>, String> {
    parse_lines(bytes)
}

/// Every rotation in the journal folder, newest first, with the journals that could not be read.
pub async fn list(paths: &AppPaths) -> (Vec<State>, Vec<String>) {
    replay_all(&rotations_dir(paths), State::replay, |s: &State| s.started).await
}
