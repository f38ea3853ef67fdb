//! What a move to a managed identity is made of, as the plan, the journal, the CLI and the window
//! read it (ts-rs bindings in `ui/src/lib/bindings`): the identity chosen, the role grants, the node
//! pools' image upgrades, what becomes of the service principal, and the checks (rotation's
//! [`Check`], blocked and why).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::azure::roles::RoleAssignment;
use crate::rotation::az_terms::AzStep;
pub use crate::rotation::model::{Check, CheckLevel};
use crate::rotation::rules::{check_typed, RotationError};
use crate::rotation::Retire;

/// Which of the cluster's new identities a grant is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Who {
    /// The cluster (control-plane) identity: load balancers, disks, networking.
    ControlPlane,
    /// The kubelet identity, which the nodes use once their image is upgraded: image pulls.
    Kubelet,
}

impl Who {
    pub fn label(self) -> &'static str {
        match self {
            Who::ControlPlane => "control-plane identity",
            Who::Kubelet => "kubelet identity",
        }
    }
}

/// The control-plane identity the cluster moves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum IdentityChoice {
    /// Created by AKS with the update: its principal exists only afterwards.
    SystemAssigned,
    /// A user-assigned identity by resource ID; `create` when it does not exist yet.
    #[serde(rename_all = "camelCase")]
    UserAssigned {
        id: String,
        create: bool,
        location: String,
    },
}

impl IdentityChoice {
    pub fn label(&self) -> String {
        match self {
            IdentityChoice::SystemAssigned => "system-assigned".into(),
            IdentityChoice::UserAssigned { id, create: true, .. } => {
                format!("user-assigned {id} (to create)")
            }
            IdentityChoice::UserAssigned { id, .. } => format!("user-assigned {id}"),
        }
    }
}

/// A role the move grants: to whom, where, why (with the AKS documentation that says so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Grant {
    pub who: Who,
    pub role: String,
    /// The built-in role definition's GUID.
    pub role_id: String,
    pub scope: String,
    pub why: String,
    /// The AKS documentation page the rule comes from.
    pub source: String,
    /// Whether the new identity already holds it (at the scope or above); `None`: not known yet
    /// (an identity that does not exist before the update).
    pub already: Option<bool>,
}

/// What the move does with one of the service principal's role assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Held {
    pub assignment: RoleAssignment,
    pub verdict: String,
    /// It serves this cluster (the new identity needs it, or AKS gives its identity the same
    /// itself): once the cluster has moved, nothing of this cluster needs it on the principal.
    #[serde(default)]
    pub for_cluster: bool,
}

/// One node pool's image upgrade: the moment its kubelet leaves the service principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PoolUpgrade {
    pub name: String,
    pub node_count: u32,
    pub max_surge: Option<String>,
    pub impact: String,
}

/// What becomes of the service principal once the cluster no longer uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PrincipalAfter {
    pub app_id: String,
    /// Other clusters that use it: its secrets stay while any does.
    pub shared_with: Vec<String>,
    pub retire: Retire,
    /// The application (and so its service principal) is deleted after its secrets, with the role
    /// assignments that served this cluster: asked for, and nothing else uses it.
    #[serde(default)]
    pub delete: bool,
    pub note: String,
}

/// The move of one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClusterMove {
    pub migration_id: String,
    pub tenant_id: String,
    pub cluster_id: String,
    pub name: String,
    pub location: String,
    pub production: bool,
    /// The service principal's app (client) ID and object ID.
    pub app_id: String,
    pub sp_object_id: Option<String>,
    pub identity: IdentityChoice,
    /// The user-assigned identity's principal, when it exists before the update.
    pub identity_principal_id: Option<String>,
    pub held: Vec<Held>,
    pub grants: Vec<Grant>,
    pub pools: Vec<PoolUpgrade>,
    pub principal_after: PrincipalAfter,
    pub checks: Vec<Check>,
    /// Its blocking checks in words, or none.
    pub blocked_by: Option<String>,
}

impl ClusterMove {
    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.level == CheckLevel::Block)
    }

    /// The grants of `who` the identity does not hold yet (or may not).
    pub fn to_grant(&self, who: Who) -> impl Iterator<Item = &Grant> {
        self.grants
            .iter()
            .filter(move |g| g.who == who && g.already != Some(true))
    }
}

/// Every cluster's move, and what could not be planned at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MigrationPlan {
    pub clusters: Vec<ClusterMove>,
    pub problems: Vec<Check>,
}

impl MigrationPlan {
    pub fn runnable(&self) -> impl Iterator<Item = &ClusterMove> {
        self.clusters.iter().filter(|c| !c.blocked())
    }

    /// Production clusters whose name must be typed to confirm.
    pub fn to_confirm(&self) -> Vec<String> {
        self.runnable()
            .filter(|c| c.production)
            .map(|c| c.name.clone())
            .collect()
    }

    /// Refused unless every production cluster that will move is named exactly in `confirmed`.
    pub fn check_confirmed(&self, confirmed: &[String]) -> Result<(), RotationError> {
        check_typed(self.to_confirm().iter().map(String::as_str), confirmed)
    }

    /// The moves that will run; refused when every cluster is blocked.
    pub fn to_run(&self) -> Result<Vec<String>, RotationError> {
        let ids: Vec<String> = self.runnable().map(|m| m.migration_id.clone()).collect();
        if ids.is_empty() {
            return Err(RotationError::NothingToMove);
        }
        Ok(ids)
    }

    /// The native confirmation's words: every cluster that moves, to what, the roles granted and
    /// the pools re-imaged.
    pub fn confirmation(&self) -> String {
        let mut text = String::from(
            "Rekey will move these clusters from their service principal to a managed identity. \
             This cannot be undone: AKS does not move a cluster back to a service principal.\n",
        );
        for m in self.runnable() {
            let production = if m.production { " (production)" } else { "" };
            text.push_str(&format!("\n{}{production} → {}\n", m.name, m.identity.label()));
            for g in m.grants.iter().filter(|g| g.already != Some(true)) {
                let who = g.who.label();
                text.push_str(&format!("  grant {} to the {who} on {}\n", g.role, g.scope));
            }
            for p in &m.pools {
                text.push_str(&format!("  node pool {}: {}\n", p.name, p.impact));
            }
            let after = &m.principal_after;
            text.push_str(&format!("  principal {}: {}\n", after.app_id, after.note));
        }
        text
    }
}

/// How a move ended (or where it stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum MoveOutcome {
    /// On its managed identity, every pool's kubelet too; the principal's secrets dealt with.
    Succeeded,
    /// Moved; the principal's secrets go after their grace period.
    RetirePending,
    /// Stopped; the cluster works on what it had. Resume goes on from the last step.
    Failed,
}

/// The end of one cluster's move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MoveResult {
    pub migration_id: String,
    pub cluster_id: String,
    pub name: String,
    pub outcome: MoveOutcome,
    pub principal_id: Option<String>,
    pub kubelet_object_id: Option<String>,
    pub pools_upgraded: Vec<String>,
    pub retire_after: Option<DateTime<Utc>>,
    /// The step that failed and Azure's words (status and code kept).
    pub message: Option<String>,
}

/// A move plan the app keeps until the admin confirms it: the window names it by `plan_id`, so
/// that only what was planned and shown can be started (as rotation's `StoredPlan`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StoredMigration {
    pub plan_id: String,
    pub plan: MigrationPlan,
    /// The production clusters that will move: each name must be typed to confirm.
    pub to_confirm: Vec<String>,
    /// What each move does in Azure CLI commands, per cluster that can move (rotation's
    /// `StoredPlan.az_terms`).
    pub az_terms: Vec<MoveAzScript>,
}

/// One cluster's move as the Azure CLI commands that do the same, as a script an admin can read
/// and run (written by `ClusterMove::in_az_terms`, in the module of the move's az terms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MoveAzScript {
    pub migration_id: String,
    pub cluster: String,
    pub steps: Vec<AzStep>,
    /// The whole script as the admin copies it: each step's words as a comment, then its commands.
    pub text: String,
}

impl StoredMigration {
    pub fn new(plan_id: String, plan: MigrationPlan) -> StoredMigration {
        let to_confirm = plan.to_confirm();
        let az_terms = plan
            .clusters
            .iter()
            .filter_map(ClusterMove::in_az_terms)
            .collect();
        StoredMigration {
            plan_id,
            plan,
            to_confirm,
            az_terms,
        }
    }
}

/// One move as its journal tells it, for History and resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MoveSummary {
    pub migration_id: String,
    pub cluster_id: String,
    pub name: String,
    pub identity: IdentityChoice,
    pub started: DateTime<Utc>,
    /// None while unfinished.
    pub outcome: Option<MoveOutcome>,
    pub pools_done: Vec<String>,
    pub retire_after: Option<DateTime<Utc>>,
    pub last_failure: Option<String>,
    /// Unfinished, or secrets due for retirement: resume would go on with it.
    pub due: bool,
}

/// What a resume did: each move it went on with, and what it could not read or start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResumedMoves {
    pub results: Vec<MoveResult>,
    pub problems: Vec<String>,
}
