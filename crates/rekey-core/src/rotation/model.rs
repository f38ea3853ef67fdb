//! What a rotation is: its mode, options, plan and progress. Metadata only: these types go to the
//! web view and the journal, so none of them can hold a secret.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::azure::roles::RoleAssignment;
use crate::settings::{RetirePolicy, Settings};

/// What a rotation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Mode {
    /// A new secret on the cluster's existing application (the default).
    Secret,
    /// A new application and service principal, with the old one's role assignments if chosen.
    NewSp,
    /// The retired legacy AAD integration: a new secret for its server app, then `resetAADProfile`.
    Aad,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Secret => "secret",
            Mode::NewSp => "new-sp",
            Mode::Aad => "aad",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "secret" => Some(Mode::Secret),
            "new-sp" | "newsp" | "new_sp" => Some(Mode::NewSp),
            "aad" | "legacy-aad" => Some(Mode::Aad),
            _ => None,
        }
    }
}

/// When the replaced secrets are removed from Azure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum Retire {
    /// As soon as every cluster that shares the principal is verified on the new secret.
    Now,
    /// That long after verification, by a later refresh or `rekey rotations resume`.
    After { hours: u32 },
    /// Left to expire by themselves.
    Never,
}

impl Retire {
    pub fn from_settings(settings: &Settings) -> Retire {
        match settings.retire_policy {
            RetirePolicy::Now => Retire::Now,
            RetirePolicy::AfterGrace => Retire::After {
                hours: settings.retire_grace_hours,
            },
            RetirePolicy::Never => Retire::Never,
        }
    }

    /// `now`, `never`, or a duration such as `24h` or `2d`.
    pub fn parse(s: &str) -> Option<Retire> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "now" => Some(Retire::Now),
            "never" => Some(Retire::Never),
            _ => {
                let (number, unit) = s.split_at(s.len().checked_sub(1)?);
                let n: u32 = number.parse().ok()?;
                match unit {
                    "h" => Some(Retire::After { hours: n }),
                    "d" => Some(Retire::After {
                        hours: n.checked_mul(24)?,
                    }),
                    _ => None,
                }
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Retire::Now => "now".into(),
            Retire::After { hours } => format!("{hours}h"),
            Retire::Never => "never".into(),
        }
    }
}

/// How a rotation runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// Lifetime of the new secret, 1 to 730 days.
    pub lifetime_days: u32,
    pub retire: Retire,
    /// How long to wait for Entra ID to accept a new secret (replication) before giving up.
    pub replication_timeout: Duration,
    /// Clusters reset at the same time.
    pub concurrency: usize,
    /// New service principal: copy the old one's role assignments (the ones in `roles_to_copy`, or
    /// all when empty).
    pub copy_roles: bool,
    pub roles_to_copy: Vec<String>,
    /// Who is rotating (UPN or app ID), for the audit log.
    pub actor: String,
    /// The longest pause between two looks at a running operation (ARM's `Retry-After` is
    /// honoured below this).
    pub max_poll_interval: Duration,
}

pub const MAX_LIFETIME_DAYS: u32 = 730;

impl Options {
    pub fn from_settings(settings: &Settings, mode: Mode, actor: impl Into<String>) -> Options {
        Options {
            mode,
            lifetime_days: settings.rotation_lifetime_days.clamp(1, MAX_LIFETIME_DAYS),
            retire: Retire::from_settings(settings),
            replication_timeout: Duration::from_secs(u64::from(settings.replication_timeout_minutes) * 60),
            concurrency: usize::try_from(settings.rotation_concurrency.max(1)).unwrap_or(8),
            copy_roles: true,
            roles_to_copy: Vec::new(),
            actor: actor.into(),
            max_poll_interval: Duration::from_secs(30),
        }
    }
}

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
}

impl PlannedCluster {
    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.level == CheckLevel::Block)
    }
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
        }
    }

    /// Blocked as a whole (no write access, app missing…), or every cluster blocked.
    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.level == CheckLevel::Block) || self.clusters.iter().all(|c| c.blocked())
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClusterFailure {
    pub cluster: String,
    pub step: Step,
    pub message: String,
}

/// A plan the app keeps until the admin confirms it: the web view names it by `plan_id`, so that
/// only what was planned and shown can be started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StoredPlan {
    pub plan_id: String,
    pub plan: Plan,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retire_policies_and_modes_parse_as_the_cli_writes_them() {
        assert_eq!(Retire::parse("now"), Some(Retire::Now));
        assert_eq!(Retire::parse("NEVER"), Some(Retire::Never));
        assert_eq!(Retire::parse("24h"), Some(Retire::After { hours: 24 }));
        assert_eq!(Retire::parse("2d"), Some(Retire::After { hours: 48 }));
        assert_eq!(Retire::parse("soon"), None);
        assert_eq!(Retire::parse("h"), None);
        assert_eq!(Retire::parse(""), None);
        assert_eq!(Mode::parse("new-sp"), Some(Mode::NewSp));
        assert_eq!(Mode::parse("aad"), Some(Mode::Aad));
        assert_eq!(Mode::parse("rotate"), None);
    }
}
