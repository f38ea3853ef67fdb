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

/// The resource group's name as the scenario spells it, if the subscription has it.
fn find<'w>(world: &'w World, sub: Uuid, rg: &str) -> Option<&'w crate::state::ManagedCluster> {
    world
        .clusters
        .iter()
        .find(|c| c.subscription_id == sub && c.resource_group.eq_ignore_ascii_case(rg))
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
        Some(c) => arm_json(
            StatusCode::OK,
            &json!({
                "id": format!("/subscriptions/{sub_id}/resourceGroups/{}", c.resource_group),
                "name": c.resource_group,
                "type": "Microsoft.Resources/resourceGroups",
                "location": c.location,
                "properties": {"provisioningState": "Succeeded"}
            }),
            false,
        ),
        None => not_found(rg),
    }
}
