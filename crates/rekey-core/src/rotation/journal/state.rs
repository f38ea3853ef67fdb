//! What a rotation's journal says, replayed: where the rotation is, what exists in Azure because of
//! it (named, never positional), and its summary for `rekey rotations list` and the app's History.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Event, Line};
use crate::azure::directory::ObjectKind;
use crate::azure::lro::OperationHandle;
use crate::azure::reports::CAVEAT;
use crate::rotation::model::{Mode, Outcome, PlanGroup, Retire, Step};
use crate::session::Pin;

/// A cluster's reset, as far as the journal knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResetState {
    pub requested: bool,
    pub accepted: bool,
    pub handle: Option<OperationHandle>,
    pub failed: Option<ResetFailure>,
    pub verified: bool,
}

/// Why a cluster's last reset failed (`code` is Rekey's: `reset_refused`, `operation_failed`, `verify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetFailure {
    pub code: String,
    pub message: String,
}

/// The application and service principal made for the rotation (mode new-sp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrincipal {
    pub app_id: String,
    pub app_object_id: String,
    pub sp_object_id: String,
}

/// The last `addPassword` sent: the secret's display name (its marker) and the object it went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRequest {
    pub display_name: String,
    pub on: ObjectKind,
    pub object_id: String,
    pub app_id: String,
}

/// The new secret Azure made (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedSecret {
    pub key_id: String,
    pub hint: Option<String>,
    pub end: Option<DateTime<Utc>>,
}

/// The step that failed last, with its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    pub step: Step,
    pub message: String,
}

/// Everything the journal says about a rotation: where it is and what exists in Azure because of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub group: PlanGroup,
    pub actor: String,
    pub pin: Option<Box<Pin>>,
    pub started: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub new_principal: Option<NewPrincipal>,
    pub requested: Option<SecretRequest>,
    pub created: Option<CreatedSecret>,
    pub stored: bool,
    pub proven: bool,
    pub roles_copied: bool,
    pub resets: BTreeMap<String, ResetState>,
    pub retire_after: Option<DateTime<Utc>>,
    pub old_removed: Vec<String>,
    pub last_failure: Option<StepFailure>,
    pub finished: Option<Outcome>,
    /// When the last cluster was verified on the new secret (the moment the clusters moved).
    pub verified_at: Option<DateTime<Utc>>,
    /// The Key Vault version the new secret was written to.
    pub key_vault_version: Option<String>,
    /// Old secrets whose retirement is held (lower-case key ID → the sign-in that held it).
    pub held: BTreeMap<String, DateTime<Utc>>,
    /// Why usage was unknown when the old secrets were due.
    pub usage_unknown: Option<String>,
    /// The admin chose to retire despite use.
    pub forced: bool,
}

/// An old secret whose retirement is held, for History, the CLI and the tray.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HeldSecret {
    pub key_id: String,
    pub hint: Option<String>,
    #[ts(type = "string")]
    pub last_used: DateTime<Utc>,
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
            verified_at: None,
            key_vault_version: None,
            held: BTreeMap::new(),
            usage_unknown: None,
            forced: false,
        };
        for line in rest {
            state.updated = line.at;
            state.apply(&line.event);
            if matches!(line.event, Event::ClusterVerified { .. }) {
                state.verified_at = Some(line.at);
            }
        }
        Some(state)
    }

    fn reset(&mut self, cluster: &str) -> &mut ResetState {
        self.resets.entry(cluster.to_ascii_lowercase()).or_default()
    }

    pub(in crate::rotation) fn apply(&mut self, event: &Event) {
        match event {
            Event::Planned { .. } => {}
            // Kept in the journal for the record; nothing in the state depends on it.
            Event::PrincipalRequested { .. } => {}
            Event::PrincipalCreated {
                app_id,
                app_object_id,
                sp_object_id,
            } => {
                self.new_principal = Some(NewPrincipal {
                    app_id: app_id.clone(),
                    app_object_id: app_object_id.clone(),
                    sp_object_id: sp_object_id.clone(),
                })
            }
            Event::SecretRequested {
                display_name,
                on,
                object_id,
                app_id,
            } => {
                self.key_vault_version = None;
                self.requested = Some(SecretRequest {
                    display_name: display_name.clone(),
                    on: *on,
                    object_id: object_id.clone(),
                    app_id: app_id.clone(),
                });
                // A new request starts a new secret: forget an earlier one that was rolled back.
                self.created = None;
                self.stored = false;
                self.proven = false;
            }
            Event::SecretCreated { key_id, hint, end } => {
                self.created = Some(CreatedSecret {
                    key_id: key_id.clone(),
                    hint: hint.clone(),
                    end: *end,
                });
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
                r.failed = Some(ResetFailure {
                    code: code.clone(),
                    message: message.clone(),
                });
                r.handle = None;
                r.accepted = false;
                r.requested = false;
            }
            Event::ClusterVerified { cluster, .. } => {
                let r = self.reset(cluster);
                r.verified = true;
                r.failed = None;
                // Live: now; a replay puts the line's own time in its place.
                self.verified_at = Some(Utc::now());
            }
            Event::RetireScheduled { not_before } => self.retire_after = Some(*not_before),
            Event::KeyVaultWritten { version, .. } => self.key_vault_version = Some(version.clone()),
            Event::UsageUnknown { reason } => self.usage_unknown = Some(reason.clone()),
            Event::RetireHeld {
                key_id, last_used, ..
            } => {
                self.held.insert(key_id.to_ascii_lowercase(), *last_used);
            }
            Event::RetireForced { .. } => self.forced = true,
            Event::OldRemoved { key_id } => {
                self.held.remove(&key_id.to_ascii_lowercase());
                self.old_removed.push(key_id.to_ascii_lowercase())
            }
            Event::NewRemoved { key_id } => {
                if self
                    .created
                    .as_ref()
                    .is_some_and(|c| c.key_id.eq_ignore_ascii_case(key_id))
                {
                    self.created = None;
                    self.stored = false;
                    self.proven = false;
                    self.requested = None;
                }
            }
            Event::StepFailed { step, message } => {
                self.last_failure = Some(StepFailure {
                    step: *step,
                    message: message.clone(),
                })
            }
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
    /// Old secrets still in use after the clusters moved: their retirement is held.
    pub held: Vec<HeldSecret>,
    /// What the hold means and what the admin can do (none unless held).
    pub hold: Option<String>,
    /// Why usage was unknown when the old secrets were due (the policy was followed).
    pub usage_unknown: Option<String>,
    /// The Key Vault secret the new one was also written to (`vault/secret`, version), if any.
    pub key_vault: Option<String>,
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
            due: crate::rotation::model::due(self.finished, self.retire_after, Utc::now()),
            new_key_id: self.created.as_ref().map(|c| c.key_id.clone()),
            new_hint: self.created.as_ref().and_then(|c| c.hint.clone()),
            retire: self.group.retire,
            retire_after: self.retire_after,
            last_failure: self
                .last_failure
                .as_ref()
                .map(|f| format!("{}: {}", f.step.label(), f.message)),
            actor: self.actor.clone(),
            held: self.held_secrets(),
            hold: self.hold_message(),
            usage_unknown: self.usage_unknown.clone(),
            key_vault: match (&self.group.key_vault, &self.key_vault_version) {
                (Some(kv), Some(version)) => {
                    Some(format!("{}/{} ({version})", kv.vault_name, kv.secret_name))
                }
                _ => None,
            },
        }
    }

    /// What a held retirement says, wherever it is shown: which secret, when it was last used, what
    /// the admin can do.
    pub fn hold_message(&self) -> Option<String> {
        let held = self.held_secrets();
        if held.is_empty() || self.finished != Some(Outcome::RetireHeld) {
            return None;
        }
        let which: Vec<String> = held
            .iter()
            .map(|h| {
                format!(
                    "{} (key {}) last signed in {}",
                    h.hint
                        .as_deref()
                        .map_or("an old secret".to_string(), |x| format!("the secret {x}…")),
                    h.key_id,
                    h.last_used.format("%Y-%m-%d %H:%M UTC")
                )
            })
            .collect();
        let when = self.retire_after.map_or("later".to_string(), |t| {
            format!("after {}", t.format("%Y-%m-%d %H:%M UTC"))
        });
        Some(format!(
            "Retirement held: {} — after every cluster had moved to the new secret, so something else \
             (a pipeline, a script, Terraform) still uses it. Give it the new secret, then wait: Rekey \
             looks again {when} and retires it if nothing signed in with it meanwhile. Or retire it \
             anyway, or extend the wait. ({CAVEAT}.)",
            which.join("; ")
        ))
    }

    /// The held old secrets, with their hints from the plan.
    pub fn held_secrets(&self) -> Vec<HeldSecret> {
        self.held
            .iter()
            .map(|(key, at)| HeldSecret {
                key_id: key.clone(),
                hint: self
                    .group
                    .old_secrets
                    .iter()
                    .find(|o| o.key_id.eq_ignore_ascii_case(key))
                    .and_then(|o| o.hint.clone()),
                last_used: *at,
            })
            .collect()
    }
}
