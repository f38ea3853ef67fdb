//! The plan of each cluster's move, from discovery and the rules. Reads only: the identity to use
//! (system-assigned, or user-assigned — existing or to create; custom networks get a user-assigned
//! one by default, because its principal exists before the update and can be given its roles
//! first), the roles to grant and which the identity already holds, each node pool's image upgrade
//! with its re-image impact (rotation's words), and what becomes of the service principal.

use super::discovery::{assignments_for, discover, Found};
use super::model::{
    Check, ClusterMove, Grant, Held, IdentityChoice, MigrationPlan, PoolUpgrade, PrincipalAfter, Who,
};
use super::rules;
use crate::azure::arm::ClusterId;
use crate::azure::identity::{covers, ResourceId};
use crate::azure::CallError;
use crate::inventory::ClusterRow;
use crate::rotation::preflight::reimage;
use crate::rotation::retry::explain;
use crate::rotation::Retire;
use crate::session::Session;

/// The identity the admin asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityRequest {
    /// `system`.
    System,
    /// A user-assigned identity's resource ID (created when it does not exist).
    UserAssigned(String),
}

impl IdentityRequest {
    /// `system`, or a user-assigned identity's resource ID.
    pub fn parse(text: &str) -> Result<IdentityRequest, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("system") || t.eq_ignore_ascii_case("system-assigned") {
            return Ok(IdentityRequest::System);
        }
        let id = ResourceId::parse(t).map_err(|e| e.to_string())?;
        if !t
            .to_ascii_lowercase()
            .contains("/providers/microsoft.managedidentity/userassignedidentities/")
        {
            return Err(format!(
                "'{t}' is not a user-assigned identity's ID \
                 (/subscriptions/…/resourceGroups/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/…)"
            ));
        }
        Ok(IdentityRequest::UserAssigned(id.as_str()))
    }
}

/// What the plan is made with.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// None: system-assigned, or a new user-assigned identity when custom networking needs roles
    /// before the update.
    pub identity: Option<IdentityRequest>,
    pub retire: Retire,
    /// Delete the principal after its secrets, where nothing else uses it.
    pub delete_principal: bool,
}

/// Plans the move of each cluster of `chosen` (ARM IDs) in `session`'s tenant. `known` is the
/// inventory (to find other clusters that share the principal).
pub async fn plan(
    session: &Session,
    tenant_id: &str,
    chosen: &[String],
    known: &[ClusterRow],
    options: &PlanOptions,
) -> MigrationPlan {
    let mut out = MigrationPlan::default();
    for raw in chosen {
        let id = match ClusterId::parse(raw) {
            Ok(id) => id,
            Err(e) => {
                out.problems.push(Check::block(raw, e.to_string()));
                continue;
            }
        };
        match discover(session, &id).await {
            Ok(found) => out
                .clusters
                .push(plan_one(session, tenant_id, found, known, options).await),
            Err(why) => out.problems.push(Check::block(&id.name, why)),
        }
    }
    out
}

/// The default user-assigned identity for a cluster: `{cluster}-identity` in its resource group.
fn default_identity(id: &ClusterId) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}-identity",
        id.subscription, id.resource_group, id.name
    )
}

async fn plan_one(
    session: &Session,
    tenant_id: &str,
    found: Found,
    known: &[ClusterRow],
    options: &PlanOptions,
) -> ClusterMove {
    let mut grants = rules::needs(&found);
    let held = rules::verdicts(&found, &grants);
    let wants_early = grants.iter().any(|g| g.who == Who::ControlPlane);
    let request = options.identity.clone().unwrap_or(if wants_early {
        IdentityRequest::UserAssigned(default_identity(&found.cluster_id))
    } else {
        IdentityRequest::System
    });
    let mut extra = Vec::new();
    let (identity, principal) = match request {
        IdentityRequest::System => (IdentityChoice::SystemAssigned, None),
        IdentityRequest::UserAssigned(uami) => {
            let (choice, principal, check) = user_assigned(session, &uami, &found.cluster.location).await;
            extra.extend(check);
            (choice, principal)
        }
    };
    if let Some(principal) = &principal {
        match assignments_for(session, principal, grants.iter().map(|g| g.scope.as_str())).await {
            Ok(has) => {
                for g in grants.iter_mut().filter(|g| g.who == Who::ControlPlane) {
                    g.already = Some(has.iter().any(|a| {
                        covers(&a.scope, &g.scope) && rules::is_role(&a.role_definition_id, &g.role_id)
                    }));
                }
            }
            Err(why) => extra.push(Check::warn(
                "identity's roles",
                format!("{why}; every role is granted again (a grant already there is kept as it is)"),
            )),
        }
    } else if matches!(identity, IdentityChoice::UserAssigned { create: true, .. }) {
        for g in grants.iter_mut().filter(|g| g.who == Who::ControlPlane) {
            g.already = Some(false);
        }
    }
    let mut checks = rules::checks(&found, &identity, &grants);
    checks.extend(extra);
    let p = &found.cluster.properties;
    let pools: Vec<PoolUpgrade> = p
        .agent_pool_profiles
        .iter()
        .filter_map(|a| {
            let name = a.name.clone()?;
            let nodes = a.count.unwrap_or(0);
            let surge = a.upgrade_settings.as_ref().and_then(|u| u.max_surge.clone());
            Some(PoolUpgrade {
                impact: format!(
                    "its kubelet leaves the service principal: the node image upgrade {}",
                    reimage(nodes, 1, surge.as_deref())
                ),
                name,
                node_count: nodes,
                max_surge: surge,
            })
        })
        .collect();
    if pools.is_empty() {
        checks.push(Check::warn(
            "node pools",
            "the cluster lists no agent pool: no kubelet moves until one is upgraded",
        ));
    }
    let shared_with: Vec<String> = known
        .iter()
        .filter(|r| !r.id.eq_ignore_ascii_case(&found.cluster.id))
        .filter(|r| {
            r.sp_client_id
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(&found.app_id))
        })
        .map(|r| r.name.clone())
        .collect();
    let principal_after = principal_after(&found, &held, &shared_with, options);
    let blocked_by = crate::rotation::rules::blocking(&checks);
    ClusterMove {
        migration_id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.to_string(),
        cluster_id: found.cluster.id.clone(),
        name: found.cluster.name.clone(),
        location: found.cluster.location.clone(),
        production: crate::rotation::rules::production(&found.cluster),
        app_id: found.app_id.clone(),
        sp_object_id: found.sp_object_id.clone().ok(),
        identity,
        identity_principal_id: principal,
        held,
        grants,
        pools,
        principal_after,
        checks,
        blocked_by,
    }
}

/// A user-assigned identity: found (its principal), to create (404), or a blocking check.
async fn user_assigned(
    session: &Session,
    uami: &str,
    location: &str,
) -> (IdentityChoice, Option<String>, Option<Check>) {
    let choice = |create: bool, location: String| IdentityChoice::UserAssigned {
        id: uami.to_string(),
        create,
        location,
    };
    let id = match ResourceId::parse(uami) {
        Ok(id) => id,
        Err(e) => {
            return (
                choice(false, location.into()),
                None,
                Some(Check::block("identity", e.to_string())),
            )
        }
    };
    match session.arm.user_assigned_identity(&id).await {
        Ok(found) => {
            let principal = found.properties.principal_id.clone();
            let check = match &principal {
                Some(p) => Check::ok("identity", format!("user-assigned {uami} (principal {p})")),
                None => Check::block("identity", format!("{uami} has no principal ID yet")),
            };
            (choice(false, found.location), principal, Some(check))
        }
        Err(CallError::Azure(crate::azure::AzureError::Api { status: 404, .. })) => (
            choice(true, location.into()),
            None,
            Some(Check::ok(
                "identity",
                format!("user-assigned {uami}: created in {location} before the roles are granted"),
            )),
        ),
        Err(e) => (
            choice(false, location.into()),
            None,
            Some(Check::block(
                "identity",
                format!("{uami} could not be read: {}", explain(&e)),
            )),
        ),
    }
}

fn principal_after(
    found: &Found,
    held: &[Held],
    shared_with: &[String],
    options: &PlanOptions,
) -> PrincipalAfter {
    let retire = options.retire;
    let elsewhere: Vec<&str> = held
        .iter()
        .filter(|h| !h.for_cluster)
        .map(|h| h.assignment.scope.as_str())
        .collect();
    let shared = !shared_with.is_empty();
    // Deleted only when asked, and only when no other cluster and no role elsewhere uses it (and
    // its secrets are retired at all).
    let delete = options.delete_principal && !shared && elsewhere.is_empty() && retire != Retire::Never;
    let when = match retire {
        Retire::After { hours } => format!("{hours} h after every node pool runs on the kubelet identity"),
        _ => "once every node pool runs on the kubelet identity".to_string(),
    };
    let note = if shared {
        format!(
            "kept with its secrets: {} still use it; it goes only when none does",
            shared_with.join(", ")
        )
    } else if retire == Retire::Never {
        "its secrets are left to expire; the principal is kept".into()
    } else if delete {
        format!(
            "its secrets are removed {when}; then its role assignments for this cluster and the \
             application itself are deleted (Entra ID keeps it among deleted items for 30 days)"
        )
    } else {
        // Not shared and retired: what keeps a principal asked for is a role elsewhere.
        let kept = if options.delete_principal {
            format!(
                "kept although deletion was asked: it holds roles this cluster does not explain ({})",
                elsewhere.join(", ")
            )
        } else {
            "kept (delete it only when no other cluster or role uses it)".to_string()
        };
        format!("its secrets are removed {when}; the principal itself is {kept}")
    };
    PrincipalAfter {
        app_id: found.app_id.clone(),
        shared_with: shared_with.to_vec(),
        retire: if shared { Retire::Never } else { retire },
        delete,
        note,
    }
}

/// Whether every grant of `who` is visible in `has` (the identity's assignments).
pub fn visible(grants: &[&Grant], has: &[crate::azure::roles::RoleAssignment]) -> bool {
    grants.iter().all(|g| {
        has.iter()
            .any(|a| covers(&a.scope, &g.scope) && rules::is_role(&a.role_definition_id, &g.role_id))
    })
}
