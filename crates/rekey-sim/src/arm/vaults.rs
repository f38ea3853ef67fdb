//! `Microsoft.KeyVault/vaults` in ARM: get, list by resource group and by subscription (PUT is
//! `vault_put.rs`). Shapes:
//! azure-rest-api-specs `specification/keyvault/resource-manager/Microsoft.KeyVault/stable/
//! 2024-11-01/examples/getVault.json` and `listVaultByResourceGroup.json`. Reading needs a role on
//! the subscription, as for the other resources; the vaults' data plane is `keyvault`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::authentication::Caller;
use super::paging::paged;
use super::resource_groups;
use super::subscriptions::{authorize, Need};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};
use crate::state::vaults::{Vault, RETENTION_DAYS};
use crate::state::Role;

pub(super) const TYPE: &str = "Microsoft.KeyVault/vaults";

fn need(scope: &str) -> Need<'_> {
    Need {
        role: Role::Reader,
        action: "Microsoft.KeyVault/vaults/read",
        scope,
    }
}

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, rg: Option<&str>) -> Response {
    let world = sim.state.world();
    let scope = match rg {
        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}"),
        None => format!("/subscriptions/{sub}"),
    };
    let sub_id = match authorize(&world, caller, sub, need(&scope)) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    if let Some(rg) = rg {
        if let Err(response) = resource_groups::require(&world, sub_id, rg) {
            return response;
        }
    }
    let items = world
        .vaults
        .iter()
        .filter(|v| {
            v.subscription_id == sub_id && rg.is_none_or(|rg| v.resource_group.eq_ignore_ascii_case(rg))
        })
        .map(|v| vault_json(sim, v))
        .collect();
    drop(world);
    paged(sim, req, items)
}

pub(super) fn get(sim: &Sim, caller: &Caller, sub: &str, rg: &str, name: &str) -> Response {
    let world = sim.state.world();
    let scope = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{TYPE}/{name}");
    let sub_id = match authorize(&world, caller, sub, need(&scope)) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    if let Err(response) = resource_groups::require(&world, sub_id, rg) {
        return response;
    }
    let found = world.vaults.iter().find(|v| {
        v.subscription_id == sub_id
            && v.resource_group.eq_ignore_ascii_case(rg)
            && v.name.eq_ignore_ascii_case(name)
    });
    match found {
        Some(v) => arm_json(StatusCode::OK, &vault_json(sim, v), false),
        None => arm_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The Resource '{TYPE}/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        ),
    }
}

/// The vault as ARM shows it; `vaultUri` is the vault's own listener (`vault_hosts`).
pub fn vault_json(sim: &Sim, v: &Vault) -> Value {
    let policies: Vec<Value> = v
        .access_policies
        .iter()
        .map(|p| {
            json!({
                "tenantId": p.tenant_id,
                "objectId": p.object_id,
                "permissions": {"keys": [], "secrets": p.secrets, "certificates": []}
            })
        })
        .collect();
    json!({
        "id": v.id(),
        "name": v.name,
        "type": TYPE,
        "location": v.location,
        "tags": v.tags,
        "properties": {
            "sku": {"family": "A", "name": "standard"},
            "tenantId": v.tenant_id,
            "accessPolicies": policies,
            "enabledForDeployment": false,
            "enabledForDiskEncryption": false,
            "enabledForTemplateDeployment": false,
            "enableSoftDelete": true,
            "softDeleteRetentionInDays": RETENTION_DAYS,
            "enableRbacAuthorization": v.rbac,
            "vaultUri": sim.vault_hosts.uri(&v.name),
            "provisioningState": "Succeeded",
            "publicNetworkAccess": "Enabled"
        }
    })
}
