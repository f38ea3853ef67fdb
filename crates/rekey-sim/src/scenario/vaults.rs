//! Building a scenario's key vaults (`file.rs` `VaultSpec`): the vault, role assignments at its
//! scope and access policies, with principals named as the scenario names them.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::file::{ScenarioError, VaultSpec};
use crate::state::vaults::{AccessPolicy, Vault};
use crate::state::{stable_id, Role, RoleAssignment, World};

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
