//! The rotation journal: one append-only file per rotation (`rotations/<id>.jsonl` in the app data
//! folder), one JSON event per line, flushed to disk before the step it records goes on. After a
//! crash the events say exactly where the rotation was, so it can be finished or rolled back.
//! It never holds a secret: key IDs, hints and operation URLs only.

mod state;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Outcome, PlanGroup, Step};
use crate::azure::directory::ObjectKind;
use crate::azure::lro::OperationHandle;
use crate::paths::AppPaths;
use crate::session::Pin;
pub use state::{
    CreatedSecret, NewPrincipal, ResetFailure, ResetState, RotationSummary, SecretRequest, State, StepFailure,
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

/// `event` with its outside text (Azure's codes and messages) scrubbed before it is journaled.
fn scrubbed(event: Event) -> Event {
    use crate::azure::error::scrub;
    match event {
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
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "could not write the rotation journal {path}: {detail}. The rotation stopped before its next step"
    )]
    Write { path: String, detail: String },
    #[error("the rotation journal {path} cannot be read ({detail}); it was left untouched for inspection")]
    Read { path: String, detail: String },
}

/// Parses a journal's bytes. A last line cut short (a crash mid-write) is ignored: its step never
/// went on. Any other unreadable line is an error, never guessed around.
pub fn parse_journal(bytes: &[u8]) -> Result<Vec<Line>, String> {
    parse_lines(bytes)
}

/// [`parse_journal`] for any journal's line type (rotations, moves to a managed identity).
pub fn parse_lines<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<T>(line) {
            Ok(l) => out.push(l),
            Err(_) if i + 1 == lines.len() && !complete => break,
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(out)
}

/// The journal file of `id` in `dir`: the ID is ours (a UUID), but a name from a file is never
/// trusted as a path.
pub fn journal_path(dir: &Path, id: &str) -> PathBuf {
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    dir.join(format!("{safe}.jsonl"))
}

/// One rotation's journal file.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

pub fn rotations_dir(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("rotations")
}

impl Journal {
    pub fn new(paths: &AppPaths, rotation_id: &str) -> Journal {
        Journal {
            path: journal_path(&rotations_dir(paths), rotation_id),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `event` and waits until it is on disk.
    pub async fn append(&self, event: Event) -> Result<(), JournalError> {
        let journal = self.clone();
        let path = self.path.display().to_string();
        tokio::task::spawn_blocking(move || journal.append_blocking(&event))
            .await
            .map_err(|e| JournalError::Write {
                path,
                detail: e.to_string(),
            })?
    }

    fn append_blocking(&self, event: &Event) -> Result<(), JournalError> {
        let line = Line {
            at: Utc::now(),
            event: scrubbed(event.clone()),
        };
        crate::paths::append_json_line(&self.path, &line).map_err(|e| JournalError::Write {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        })
    }

    pub async fn read(&self) -> Result<Vec<Line>, JournalError> {
        read_lines(&self.path).await
    }
}

/// The lines of the journal at `path` (any journal's line type).
pub async fn read_lines<L: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<L>, JournalError> {
    let shown = path.display().to_string();
    let bytes = tokio::fs::read(path).await.map_err(|e| JournalError::Read {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    parse_lines(&bytes).map_err(|detail| JournalError::Read { path: shown, detail })
}

/// Every journal in `dir` replayed with `replay`, newest first by `started`, with the journals that
/// could not be read or do not start with a plan (rotations' and moves' folders alike).
pub async fn replay_all<L, S>(
    dir: &Path,
    replay: impl Fn(&[L]) -> Option<S>,
    started: impl Fn(&S) -> DateTime<Utc>,
) -> (Vec<S>, Vec<String>)
where
    L: serde::de::DeserializeOwned,
{
    let mut states = Vec::new();
    let mut problems = Vec::new();
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (states, problems),
        Err(e) => {
            problems.push(format!("could not read {}: {e}", dir.display()));
            return (states, problems);
        }
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        match read_lines::<L>(&path).await {
            Ok(lines) => match replay(&lines) {
                Some(state) => states.push(state),
                None => problems.push(format!("{}: it does not start with a plan", path.display())),
            },
            Err(e) => problems.push(e.to_string()),
        }
    }
    states.sort_by_key(|s| std::cmp::Reverse(started(s)));
    (states, problems)
}

/// Every rotation in the journal folder, newest first, with the journals that could not be read.
pub async fn list(paths: &AppPaths) -> (Vec<State>, Vec<String>) {
    replay_all(&rotations_dir(paths), State::replay, |s: &State| s.started).await
}
