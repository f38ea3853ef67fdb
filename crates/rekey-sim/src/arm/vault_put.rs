//! `PUT …/providers/Microsoft.KeyVault/vaults/{name}` (Vaults_CreateOrUpdate, example
//! `createVault.json` of `keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01`): 201 for
//! a new vault, 200 for an update (its secrets are kept). A new vault gets its own host at once.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::subscriptions::Need;
use super::tracked_put::begin;
use super::vaults::{vault_json, TYPE};
use crate::context::Sim;
use crate::request::{property, SimRequest};
use crate::responses::{arm_error, arm_json, invalid_request_content};
use crate::state::vaults::{AccessPolicy, Vault};
use crate::state::Role;

/// Vault names: 3–24 letters, digits and hyphens, starting with a letter, ending with a letter or
/// digit, without consecutive hyphens (docs azure-resource-manager/management/resource-name-rules).
fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=24).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && !name.contains("--")
}

/// What a PUT body sets beyond the common part: tenant, permission model, access policies.
struct Requested {
    tenant_id: Uuid,
    rbac: bool,
    access_policies: Vec<AccessPolicy>,
}

fn parse(body: &Map<String, Value>) -> Result<Requested, Response> {
    let props = property(body, "properties")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid_request_content("properties is required"))?;
    let tenant_id = property(props, "tenantId")
        .and_then(Value::as_str)
        .and_then(|t| Uuid::parse_str(t).ok())
        .ok_or_else(|| invalid_request_content("properties.tenantId is required and must be a GUID"))?;
    if property(props, "sku").and_then(Value::as_object).is_none() {
        return Err(invalid_request_content("properties.sku is required"));
    }
    let access_policies = match property(props, "accessPolicies") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(policies)) => policies
            .iter()
            .map(policy)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                invalid_request_content("each access policy needs tenantId, objectId and permissions")
            })?,
        Some(_) => {
            return Err(invalid_request_content(
                "properties.accessPolicies must be an array",
            ))
        }
    };
    Ok(Requested {
        tenant_id,
        rbac: property(props, "enableRbacAuthorization")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        access_policies,
    })
}

fn policy(p: &Value) -> Option<AccessPolicy> {
    let p = p.as_object()?;
    let guid = |n: &str| property(p, n)?.as_str().and_then(|s| Uuid::parse_str(s).ok());
    let secrets = property(property(p, "permissions")?.as_object()?, "secrets")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    Some(AccessPolicy {
        tenant_id: guid("tenantId")?,
        object_id: guid("objectId")?,
        secrets,
    })
}

pub(super) fn put(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, rg: &str, name: &str) -> Response {
    let mut world = sim.state.world();
    let scope = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{TYPE}/{name}");
    let need = Need {
        role: Role::Contributor,
        action: "Microsoft.KeyVault/vaults/write",
        scope: &scope,
    };
    let put = match begin(&world, caller, sub, rg, need, &req.body) {
        Ok(p) => p,
        Err(response) => return response,
    };
    if !valid_name(name) {
        return arm_error(
            StatusCode::BAD_REQUEST,
            "VaultNameNotValid",
            &format!("The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens."),
        );
    }
    let requested = match parse(&put.body) {
        Ok(r) => r,
        Err(response) => return response,
    };
    let (sub_id, location) = (put.sub_id, put.location);
    let tags: BTreeMap<String, String> = put.tags.into_iter().collect();
    let same_place = |v: &Vault| v.subscription_id == sub_id && v.resource_group.eq_ignore_ascii_case(rg);
    let (status, body) = match world.vaults.iter_mut().find(|v| v.name.eq_ignore_ascii_case(name)) {
        Some(existing) if same_place(existing) => {
            existing.location = location;
            existing.tenant_id = requested.tenant_id;
            existing.rbac = requested.rbac;
            existing.access_policies = requested.access_policies;
            existing.tags = tags;
            (StatusCode::OK, existing.name.clone())
        }
        // Vault names are global: the same name in another resource group or subscription.
        Some(_) => {
            return arm_error(
                StatusCode::CONFLICT,
                "VaultAlreadyExists",
                &format!("The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged before reusing the name."),
            )
        }
        None => {
            world.vaults.push(Vault {
                name: name.to_string(),
                subscription_id: sub_id,
                resource_group: rg.to_string(),
                location,
                tenant_id: requested.tenant_id,
                rbac: requested.rbac,
                access_policies: requested.access_policies,
                tags,
                secrets: BTreeMap::new(),
                deleted: BTreeMap::new(),
            });
            (StatusCode::CREATED, name.to_string())
        }
    };
    drop(world);
    // A new vault's host, before its vaultUri is shown.
    sim.open_vault_hosts();
    let world = sim.state.world();
    match world.vaults.iter().find(|v| v.name == body) {
        Some(v) => arm_json(status, &vault_json(sim, v), true),
        None => arm_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The vault was removed meanwhile.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn vault_names_follow_arms_rule() {
        assert!(valid_name("kv-contoso-1"));
        assert!(!valid_name("kv"));
        assert!(!valid_name("1kv"));
        assert!(!valid_name("kv-"));
        assert!(!valid_name("kv--x"));
        assert!(!valid_name(&"k".repeat(25)));
    }
}
