//! Key vaults in a scenario: where each lives, its permission model, and who may use its secrets
//! (role assignments at the vault's scope, or access policies), written by principal name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::file::ScenarioError;
use crate::state::vaults::{AccessPolicy, Vault};
use crate::state::{stable_id, Role, RoleAssignment, World};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultSpec {
    /// Globally unique in Azure: 3–24 letters, digits and dashes.
    pub name: String,
    pub subscription: String,
    pub resource_group: String,
    pub location: String,
    /// `enableRbacAuthorization`: Azure RBAC (true, the default for new vaults) or access policies.
    #[serde(default = "yes")]
    pub rbac: bool,
    /// Role assignments at the vault's scope (RBAC vaults).
    #[serde(default)]
    pub roles: Vec<VaultRoleSpec>,
    /// Access policies (vaults without RBAC).
    #[serde(default)]
    pub access_policies: Vec<AccessPolicySpec>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

/// A principal by name: a user's UPN, an app's name (its service principal), or
/// `rekey-demo-admin` (the demo administrator service principal).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultRoleSpec {
    pub principal: String,
    /// A built-in role's name, e.g. "Key Vault Secrets Officer".
    pub role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicySpec {
    pub principal: String,
    /// `permissions.secrets`: get, list, set, delete, recover, purge, backup, restore, all.
    pub secrets: Vec<String>,
}

/// Adds the scenario's vaults, their role assignments and access policies to `world`.
pub(super) fn add_all(world: &mut World, specs: &[VaultSpec]) -> Result<(), ScenarioError> {
    for spec in specs {
        let sub = world
            .subscriptions
            .iter()
            .find(|s| s.display_name == spec.subscription)
            .map(|s| (s.id, s.tenant_id))
            .ok_or_else(|| ScenarioError::Unknown {
                kind: "subscription",
                name: spec.subscription.clone(),
            })?;
        if world
            .vaults
            .iter()
            .any(|v| v.name.eq_ignore_ascii_case(&spec.name))
        {
            return Err(ScenarioError::Invalid(format!(
                "vault {} is declared twice",
                spec.name
            )));
        }
        let access_policies = spec
            .access_policies
            .iter()
            .map(|p| {
                Ok(AccessPolicy {
                    tenant_id: sub.1,
                    object_id: principal(world, &p.principal)?,
                    secrets: p.secrets.clone(),
                })
            })
            .collect::<Result<Vec<_>, ScenarioError>>()?;
        let vault = Vault {
            name: spec.name.clone(),
            subscription_id: sub.0,
            resource_group: spec.resource_group.clone(),
            location: spec.location.clone(),
            tenant_id: sub.1,
            rbac: spec.rbac,
            access_policies,
            tags: spec.tags.clone(),
            secrets: BTreeMap::new(),
            deleted: BTreeMap::new(),
        };
        let scope = vault.id();
        for r in &spec.roles {
            let object_id = principal(world, &r.principal)?;
            let role = Role::BUILT_IN
                .into_iter()
                .find(|role| role.name().eq_ignore_ascii_case(&r.role))
                .ok_or_else(|| ScenarioError::Unknown {
                    kind: "role",
                    name: r.role.clone(),
                })?;
            world.role_assignments.push(RoleAssignment::at_scope(
                stable_id("role-assignment", &format!("{object_id}{scope}/{}", role.guid())),
                object_id,
                sub.0,
                &scope,
                role,
                None,
            ));
        }
        world.vaults.push(vault);
    }
    Ok(())
}

/// The object ID a principal name stands for.
fn principal(world: &World, name: &str) -> Result<Uuid, ScenarioError> {
    if name == super::ADMIN_NAME {
        // Installed after the scenario is built, with this stable object ID.
        return Ok(stable_id("sp", super::ADMIN_NAME));
    }
    if let Some(user) = world
        .users
        .iter()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(name))
    {
        return Ok(user.object_id);
    }
    world
        .service_principals
        .iter()
        .find(|sp| sp.display_name == name)
        .map(|sp| sp.object_id)
        .ok_or_else(|| ScenarioError::Unknown {
            kind: "principal",
            name: name.to_string(),
        })
}
