//! `Microsoft.Resources/resourceGroups`: the resource groups the simulated clusters live in (GET),
//! and ARM's `ResourceGroupNotFound` wherever a path names one that does not exist.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use uuid::Uuid;

use super::authentication::Caller;
use super::subscriptions::readable;
use crate::context::Sim;
use crate::responses::{arm_error, arm_json};
use crate::state::World;

/// A resource group as the simulator knows it: by the resources in it.
struct Group {
    name: String,
    location: String,
}

/// The resource group's name as the scenario spells it, if the subscription has it: one holding a
/// cluster, a user-assigned identity (AKS's node resource groups hold kubelet identities) or a
/// network or registry resource, or a key vault.
fn find(world: &World, sub: Uuid, rg: &str) -> Option<Group> {
    let cluster = world
        .clusters
        .iter()
        .find(|c| c.subscription_id == sub && c.resource_group.eq_ignore_ascii_case(rg))
        .map(|c| Group {
            name: c.resource_group.clone(),
            location: c.location.clone(),
        });
    let node_group = || {
        world.clusters.iter().find_map(|c| {
            let name = c.node_resource_group();
            (c.subscription_id == sub && name.eq_ignore_ascii_case(rg)).then(|| Group {
                name,
                location: c.location.clone(),
            })
        })
    };
    let identity = || {
        world
            .identities
            .iter()
            .find(|i| i.subscription_id == sub && i.resource_group.eq_ignore_ascii_case(rg))
            .map(|i| Group {
                name: i.resource_group.clone(),
                location: i.location.clone(),
            })
    };
    let resource = || {
        world.scope_resources.iter().find_map(|r| {
            let segments = crate::state::scope_segments(&r.id);
            let name = *segments.get(3)?;
            (r.subscription_id == sub && name.eq_ignore_ascii_case(rg)).then(|| Group {
                name: name.to_string(),
                location: world
                    .clusters
                    .iter()
                    .find(|c| c.subscription_id == sub)
                    .map_or_else(|| "westeurope".to_string(), |c| c.location.clone()),
            })
        })
    };
    let vault = || {
        world
            .vaults
            .iter()
            .find(|v| v.subscription_id == sub && v.resource_group.eq_ignore_ascii_case(rg))
            .map(|v| Group {
                name: v.resource_group.clone(),
                location: v.location.clone(),
            })
    };
    cluster
        .or_else(node_group)
        .or_else(identity)
        .or_else(resource)
        .or_else(vault)
}

/// ARM's 404 for a missing resource group: "Resource group 'x' could not be found."
pub(super) fn not_found(rg: &str) -> Response {
    arm_error(
        StatusCode::NOT_FOUND,
        "ResourceGroupNotFound",
        &format!("Resource group '{rg}' could not be found."),
    )
}

pub(super) fn require(world: &World, sub: Uuid, rg: &str) -> Result<(), Response> {
    find(world, sub, rg).map(|_| ()).ok_or_else(|| not_found(rg))
}

pub(super) fn exists(world: &World, sub: Uuid, rg: &str) -> bool {
    find(world, sub, rg).is_some()
}

/// `GET /subscriptions/{sub}/resourcegroups/{rg}` (resources/stable/2024-11-01 `ResourceGroup`).
pub(super) fn get(sim: &Sim, caller: &Caller, sub: &str, rg: &str) -> Response {
    let world = sim.state.world();
    let sub_id = match readable(&world, caller, sub) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    match find(&world, sub_id, rg) {
        Some(g) => arm_json(
            StatusCode::OK,
            &json!({
                "id": format!("/subscriptions/{sub_id}/resourceGroups/{}", g.name),
                "name": g.name,
                "type": "Microsoft.Resources/resourceGroups",
                "location": g.location,
                "properties": {"provisioningState": "Succeeded"}
            }),
            false,
        ),
        None => not_found(rg),
    }
}
