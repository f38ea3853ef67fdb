//! What a rotation is: its mode, options, plan and progress. Metadata only: these types go to the
//! web view and the journal, so none of them can hold a secret.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::azure::roles::RoleAssignment;

pub use super::options::{Mode, Options, Retire, MAX_LIFETIME_DAYS};

/// How serious a pre-flight finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CheckLevel {
    Ok,
    /// Worth knowing; the rotation may go ahead.
    Warn,
    /// The rotation cannot go ahead for this cluster.
    Block,
}

/// One pre-flight finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Check {
    pub name: String,
    pub level: CheckLevel,
    pub detail: String,
}

impl Check {
    pub fn ok(name: &str, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            level: CheckLevel::Ok,
            detail: detail.into(),
        }
    }
    pub fn warn(name: &str, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            level: CheckLevel::Warn,
            detail: detail.into(),
        }
    }
    pub fn block(name: &str, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            level: CheckLevel::Block,
            detail: detail.into(),
        }
    }
}

/// A cluster in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlannedCluster {
    pub id: String,
    pub name: String,
    pub resource_group: String,
    pub subscription_id: String,
    pub node_count: u32,
    pub node_pools: u32,
    pub max_surge: Option<String>,
    /// Tagged as production (`environment=production`, `env=prod`…): confirm by typing its name.
    pub production: bool,
    /// Added because it shares the service principal with a chosen cluster.
    pub added_as_shared: bool,
    pub checks: Vec<Check>,
    /// Why it cannot be rotated (its blocking checks), or none: set from `checks` by
    /// [`Plan::with_verdicts`], for the window and the CLI to show.
    #[serde(default)]
    pub blocked_by: Option<String>,
}

/// A secret that existed before the rotation and is retired by its policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OldSecret {
    pub key_id: String,
    /// `application` or `servicePrincipal`.
    pub on: String,
    pub hint: Option<String>,
    #[ts(type = "string | null")]
    pub end: Option<DateTime<Utc>>,
}

/// One unit of work: one principal and every cluster that uses it. Clusters sharing a principal get
/// one new secret, and its old secrets go only after all of them are on the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlanGroup {
    pub rotation_id: String,
    pub mode: Mode,
    pub tenant_id: String,
    /// The app whose secret changes (for a new principal: the one being replaced).
    pub app_id: String,
    pub app_display_name: Option<String>,
    pub clusters: Vec<PlannedCluster>,
    pub old_secrets: Vec<OldSecret>,
    pub retire: Retire,
    pub lifetime_days: u32,
    /// New principal: the old one's role assignments, to copy.
    pub role_assignments: Vec<RoleAssignment>,
    pub checks: Vec<Check>,
    /// Clusters outside this plan known to use the principal: the old secrets are kept for them.
    pub shared_outside: Vec<String>,
    /// Why the group as a whole cannot run (its blocking checks, or every cluster blocked), or
    /// none: set by [`Plan::with_verdicts`].
    #[serde(default)]
    pub blocked_by: Option<String>,
    /// Where the new secret is also written, before any cluster is reset (none: the keyring only).
    #[serde(default)]
    pub key_vault: Option<KeyVaultCopy>,
}

/// The Key Vault secret a rotation also writes the new secret to, as pre-flight found the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyVaultCopy {
    pub vault_id: String,
    pub vault_name: String,
    /// `properties.vaultUri` as ARM gave it at planning, checked against the cloud's Key Vault domain.
    pub vault_uri: String,
    pub secret_name: String,
}

impl PlanGroup {
    /// A placeholder for a rotation whose plan could not be read (its result says why).
    pub fn empty(rotation_id: &str) -> PlanGroup {
        PlanGroup {
            rotation_id: rotation_id.to_string(),
            mode: Mode::Secret,
            tenant_id: String::new(),
            app_id: String::new(),
            app_display_name: None,
            clusters: Vec::new(),
            old_secrets: Vec::new(),
            retire: Retire::Never,
            lifetime_days: 0,
            role_assignments: Vec::new(),
            checks: Vec::new(),
            shared_outside: Vec::new(),
            blocked_by: None,
            key_vault: None,
        }
    }
}

/// What a rotation will do, shown before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Plan {
    pub groups: Vec<PlanGroup>,
    /// Chosen clusters that could not be planned at all (not found, not readable), with why.
    pub problems: Vec<Check>,
}

impl Plan {
    /// What the native confirmation of a rotation says: every cluster that will be reset
    /// (production ones marked), the mode, the new secret's lifetime and what happens to the old
    /// secrets. The app shows it from the plan it kept, never from the window's words.
    pub fn confirmation(&self) -> String {
        let mut lines = Vec::new();
        for group in self.runnable_groups() {
            let app = group.app_display_name.as_deref().unwrap_or(&group.app_id);
            let retire = match group.retire {
                Retire::Now => "removed once every cluster is verified".to_string(),
                Retire::After { hours } => format!("removed {hours} h after every cluster is verified"),
                Retire::Never => "left to expire".to_string(),
            };
            lines.push(format!(
                "{app} (tenant {}) — mode {}, new secret for {} days, old secrets {retire}:",
                group.tenant_id,
                group.mode.label(),
                group.lifetime_days
            ));
            if let Some(kv) = &group.key_vault {
                lines.push(format!(
                    "  new secret also written to Key Vault {} as secret '{}' ({})",
                    kv.vault_name, kv.secret_name, kv.vault_uri
                ));
            }
            for c in group.runnable() {
                let production = if c.production { " [PRODUCTION]" } else { "" };
                lines.push(format!(
                    "  • {}{production} ({} nodes are re-imaged)",
                    c.name, c.node_count
                ));
            }
        }
        lines.join("\n")
    }
}

/// The steps of a rotation, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Step {
    Preflight,
    CreatePrincipal,
    AddSecret,
    StoreSecret,
    ProveSecret,
    /// A copy of the new secret in the admin's chosen Azure Key Vault, read back.
    KeyVault,
    CopyRoles,
    ResetCluster,
    Verify,
    RetireOld,
    RollBack,
    Done,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Preflight => "pre-flight",
            Step::CreatePrincipal => "create service principal",
            Step::AddSecret => "add secret",
            Step::StoreSecret => "store in keyring",
            Step::ProveSecret => "prove secret",
            Step::KeyVault => "write to Key Vault",
            Step::CopyRoles => "copy role assignments",
            Step::ResetCluster => "reset cluster",
            Step::Verify => "verify",
            Step::RetireOld => "retire old secret",
            Step::RollBack => "roll back",
            Step::Done => "done",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum StepStatus {
    Running,
    Ok,
    /// Waiting (replication, a running operation, a throttled request).
    Waiting,
    Failed,
    Skipped,
}

/// One progress report, for the live view. (`RotationProgress` in TypeScript: the inventory's
/// refresh has a `Progress` of its own.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "RotationProgress")]
pub struct Progress {
    pub rotation_id: String,
    /// The cluster's ARM ID when the step is about one cluster.
    pub cluster: Option<String>,
    pub step: Step,
    pub status: StepStatus,
    pub detail: String,
    /// Time since the step began (for an Azure operation: since it was accepted).
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// How a rotation (one group) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Outcome {
    /// Every cluster is on the new secret (old ones retired by policy, or scheduled).
    Succeeded,
    /// Some or all clusters are still on their old, still-valid secret; retry or roll back.
    Failed,
    /// Nothing is left in Azure of the attempt (the unused new secret was removed).
    RolledBack,
    /// Waiting for the grace period before the old secrets are removed.
    RetirePending,
    /// The retirement is held: an old secret signed in after every cluster moved to the new one,
    /// so something else still uses it. Looked at again when the hold's wait is over.
    RetireHeld,
}

/// Whether going on with a rotation would do something at `now`: unfinished, or waiting to retire
/// old secrets whose grace period is over.
pub fn due(outcome: Option<Outcome>, retire_after: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match outcome {
        None => true,
        Some(Outcome::RetirePending | Outcome::RetireHeld) => retire_after.is_none_or(|t| t <= now),
        Some(_) => false,
    }
}

/// The result of one group, for the result screen and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GroupResult {
    pub rotation_id: String,
    pub mode: Mode,
    pub app_id: String,
    pub outcome: Outcome,
    pub new_key_id: Option<String>,
    pub new_hint: Option<String>,
    /// A new principal's app ID.
    pub new_app_id: Option<String>,
    pub clusters_done: Vec<String>,
    pub clusters_failed: Vec<ClusterFailure>,
    pub retired: Vec<String>,
    #[ts(type = "string | null")]
    pub retire_after: Option<DateTime<Utc>>,
    /// What went wrong, in Azure's words, and what to do.
    pub message: Option<String>,
    /// Why the retirement is held and what the admin can do (outcome `retireHeld`).
    #[serde(default)]
    pub hold: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClusterFailure {
    pub cluster: String,
    pub step: Step,
    pub message: String,
}

/// What going on with unfinished rotations did, and the rotations it could not go on with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Resumed {
    pub results: Vec<GroupResult>,
    /// Journals that could not be read, tenants without a session: what to do about each.
    pub problems: Vec<String>,
}
