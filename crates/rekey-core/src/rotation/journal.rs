//! The rotation journal: one append-only file per rotation (`rotations/<id>.jsonl` in the app data
//! folder), one JSON event per line, flushed to disk before the step it records goes on. After a
//! crash the events say exactly where the rotation was, so it can be finished or rolled back.
//! It never holds a secret: key IDs, hints and operation URLs only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{Mode, Outcome, PlanGroup, Retire, Step};
use crate::azure::directory::ObjectKind;
use crate::azure::lro::OperationHandle;
use crate::paths::AppPaths;
use crate::session::Pin;

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
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(line) {
            Ok(l) => out.push(l),
            Err(_) if i + 1 == lines.len() && !complete => break,
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(out)
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
        // The ID is ours (a UUID), but a name from a file is never trusted as a path.
        let safe: String = rotation_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        Journal {
            path: rotations_dir(paths).join(format!("{safe}.jsonl")),
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
        let path = self.path.clone();
        let shown = self.path.display().to_string();
        let bytes = tokio::fs::read(&path).await.map_err(|e| JournalError::Read {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        parse_journal(&bytes).map_err(|detail| JournalError::Read { path: shown, detail })
    }
}

/// A cluster's reset, as far as the journal knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResetState {
    pub requested: bool,
    pub accepted: bool,
    pub handle: Option<OperationHandle>,
    pub failed: Option<(String, String)>,
    pub verified: bool,
}

/// Everything the journal says about a rotation: where it is and what exists in Azure because of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub group: PlanGroup,
    pub actor: String,
    pub pin: Option<Box<Pin>>,
    pub started: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub new_principal: Option<(String, String, String)>,
    pub requested: Option<(String, ObjectKind, String, String)>,
    pub created: Option<(String, Option<String>, Option<DateTime<Utc>>)>,
    pub stored: bool,
    pub proven: bool,
    pub roles_copied: bool,
    pub resets: BTreeMap<String, ResetState>,
    pub retire_after: Option<DateTime<Utc>>,
    pub old_removed: Vec<String>,
    pub last_failure: Option<(Step, String)>,
    pub finished: Option<Outcome>,
}

impl State {
    /// Replays `lines`; `None` if they do not start with the plan.
    pub fn replay(lines: &[Line]) -> Option<State> {
        let (first, rest) = lines.split_first()?;
        let Event::Planned { group, actor, pin } = &first.event else {
            return None;
        };
        let mut state = State {
            group: group.clone(),
            actor: actor.clone(),
            pin: pin.clone(),
            started: first.at,
            updated: first.at,
            new_principal: None,
            requested: None,
            created: None,
            stored: false,
            proven: false,
            roles_copied: false,
            resets: BTreeMap::new(),
            retire_after: None,
            old_removed: Vec::new(),
            last_failure: None,
            finished: None,
        };
        for line in rest {
            state.updated = line.at;
            state.apply(&line.event);
        }
        Some(state)
    }

    fn reset(&mut self, cluster: &str) -> &mut ResetState {
        self.resets.entry(cluster.to_ascii_lowercase()).or_default()
    }

    pub(super) fn apply(&mut self, event: &Event) {
        match event {
            Event::Planned { .. } => {}
            // Kept in the journal for the record; nothing in the state depends on it.
            Event::PrincipalRequested { .. } => {}
            Event::PrincipalCreated {
                app_id,
                app_object_id,
                sp_object_id,
            } => self.new_principal = Some((app_id.clone(), app_object_id.clone(), sp_object_id.clone())),
            Event::SecretRequested {
                display_name,
                on,
                object_id,
                app_id,
            } => {
                self.requested = Some((display_name.clone(), *on, object_id.clone(), app_id.clone()));
                // A new request starts a new secret: forget an earlier one that was rolled back.
                self.created = None;
                self.stored = false;
                self.proven = false;
            }
            Event::SecretCreated { key_id, hint, end } => {
                self.created = Some((key_id.clone(), hint.clone(), *end));
            }
            Event::SecretStored { .. } => self.stored = true,
            Event::SecretProven { .. } => self.proven = true,
            Event::RolesCopied { .. } => self.roles_copied = true,
            Event::ResetRequested { cluster } => {
                let r = self.reset(cluster);
                r.requested = true;
                r.failed = None;
            }
            Event::ResetAccepted { cluster, handle } => {
                let r = self.reset(cluster);
                r.accepted = true;
                r.handle = handle.clone();
            }
            Event::ResetFailed {
                cluster,
                code,
                message,
            } => {
                let r = self.reset(cluster);
                r.failed = Some((code.clone(), message.clone()));
                r.handle = None;
                r.accepted = false;
                r.requested = false;
            }
            Event::ClusterVerified { cluster, .. } => {
                let r = self.reset(cluster);
                r.verified = true;
                r.failed = None;
            }
            Event::RetireScheduled { not_before } => self.retire_after = Some(*not_before),
            Event::OldRemoved { key_id } => self.old_removed.push(key_id.to_ascii_lowercase()),
            Event::NewRemoved { key_id } => {
                if self
                    .created
                    .as_ref()
                    .is_some_and(|(k, _, _)| k.eq_ignore_ascii_case(key_id))
                {
                    self.created = None;
                    self.stored = false;
                    self.proven = false;
                    self.requested = None;
                }
            }
            Event::StepFailed { step, message } => self.last_failure = Some((*step, message.clone())),
            Event::Finished { outcome } => self.finished = Some(*outcome),
        }
    }

    /// Whether any cluster may be using the new secret (its reset was sent, whatever came of it):
    /// then the new secret must never be removed.
    pub fn new_secret_may_be_in_use(&self) -> bool {
        self.resets
            .values()
            .any(|r| r.requested || r.accepted || r.verified)
    }

    pub fn verified(&self, cluster: &str) -> bool {
        self.resets
            .get(&cluster.to_ascii_lowercase())
            .is_some_and(|r| r.verified)
    }
}

/// A rotation as `rekey rotations list` and the app's History show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RotationSummary {
    pub rotation_id: String,
    pub mode: Mode,
    pub tenant_id: String,
    pub app_id: String,
    pub app_display_name: Option<String>,
    pub clusters: Vec<String>,
    pub cluster_names: Vec<String>,
    #[ts(type = "string")]
    pub started: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated: DateTime<Utc>,
    /// `None` while unfinished.
    pub outcome: Option<Outcome>,
    /// Going on would do something now (unfinished, or old secrets whose grace period is over):
    /// [`RotationSummary::due`] when listed; the app clears it while it runs the rotation itself.
    pub due: bool,
    pub new_key_id: Option<String>,
    pub new_hint: Option<String>,
    pub retire: Retire,
    #[ts(type = "string | null")]
    pub retire_after: Option<DateTime<Utc>>,
    pub last_failure: Option<String>,
    pub actor: String,
}

impl State {
    pub fn summary(&self) -> RotationSummary {
        RotationSummary {
            rotation_id: self.group.rotation_id.clone(),
            mode: self.group.mode,
            tenant_id: self.group.tenant_id.clone(),
            app_id: self.group.app_id.clone(),
            app_display_name: self.group.app_display_name.clone(),
            clusters: self.group.clusters.iter().map(|c| c.id.clone()).collect(),
            cluster_names: self.group.clusters.iter().map(|c| c.name.clone()).collect(),
            started: self.started,
            updated: self.updated,
            outcome: self.finished,
            due: super::rules::due(self.finished, self.retire_after, Utc::now()),
            new_key_id: self.created.as_ref().map(|c| c.0.clone()),
            new_hint: self.created.as_ref().and_then(|c| c.1.clone()),
            retire: self.group.retire,
            retire_after: self.retire_after,
            last_failure: self
                .last_failure
                .as_ref()
                .map(|(step, m)| format!("{}: {m}", step.label())),
            actor: self.actor.clone(),
        }
    }
}

/// Every rotation in the journal folder, newest first, with the journals that could not be read.
pub async fn list(paths: &AppPaths) -> (Vec<State>, Vec<String>) {
    let dir = rotations_dir(paths);
    let mut states = Vec::new();
    let mut problems = Vec::new();
    let mut entries = match tokio::fs::read_dir(&dir).await {
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
        let journal = Journal { path: path.clone() };
        match journal.read().await {
            Ok(lines) => match State::replay(&lines) {
                Some(state) => states.push(state),
                None => problems.push(format!("{}: it does not start with a plan", path.display())),
            },
            Err(e) => problems.push(e.to_string()),
        }
    }
    states.sort_by_key(|s| std::cmp::Reverse(s.started));
    (states, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(event: &str) -> String {
        format!("{{\"at\":\"2026-11-29T10:00:00Z\",\"type\":\"{event}\",\"keyId\":\"k\"}}\n")
    }

    #[test]
    fn a_last_line_cut_short_by_a_crash_is_ignored_but_a_broken_middle_is_not() {
        let whole = format!("{}{}", line("secretStored"), line("secretProven"));
        assert_eq!(parse_journal(whole.as_bytes()).map(|l| l.len()), Ok(2));
        let torn = format!("{}{{\"at\":\"2026-11-29T10:0", line("secretStored"));
        assert_eq!(parse_journal(torn.as_bytes()).map(|l| l.len()), Ok(1));
        let broken = format!("{}not json\n{}", line("secretStored"), line("secretProven"));
        assert!(parse_journal(broken.as_bytes()).is_err());
        assert!(parse_journal(b"\xff\xfe").is_err());
        assert_eq!(parse_journal(b"").map(|l| l.len()), Ok(0));
    }

    #[test]
    fn a_journal_that_does_not_start_with_a_plan_is_not_replayed() {
        let lines = parse_journal(line("secretStored").as_bytes()).unwrap_or_default();
        assert!(State::replay(&lines).is_none());
    }
}
