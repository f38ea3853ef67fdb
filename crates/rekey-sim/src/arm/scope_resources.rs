//! GET of the resources that are scopes of a cluster's roles: virtual networks and their subnets
//! (a subnet names its route table, as `Subnets_Get` does: azure-rest-api-specs network
//! `examples/SubnetGet.json`), route tables, private DNS zones and container registries. Only
//! what discovery reads is shown: IDs, names, types and provisioning state.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::authentication::Caller;
use super::subscriptions::readable;
use crate::context::Sim;
use crate::responses::{arm_error, arm_json};
use crate::state::{scope_covers, scope_segments, World};

/// The api-versions of the service behind `path` (folder names of azure-rest-api-specs
/// `specification/{network,privatedns,containerregistry}/resource-manager/…/stable/<version>`).
pub(super) fn api_versions(path: &str) -> &'static [&'static str] {
    let lower = path.to_ascii_lowercase();
    if lower.contains("/microsoft.containerregistry/") {
        &[
            "2025-04-01",
            "2023-07-01",
            "2022-12-01",
            "2021-09-01",
            "2019-05-01",
        ]
    } else if lower.contains("/privatednszones/") {
        &["2024-06-01", "2020-06-01", "2020-01-01", "2018-09-01"]
    } else {
        &[
            "2024-07-01",
            "2024-05-01",
            "2024-03-01",
            "2024-01-01",
            "2023-11-01",
            "2023-09-01",
            "2023-06-01",
            "2023-05-01",
            "2023-04-01",
            "2023-02-01",
            "2022-11-01",
            "2022-09-01",
            "2022-07-01",
            "2022-05-01",
            "2022-01-01",
            "2021-08-01",
            "2021-05-01",
            "2021-02-01",
            "2020-11-01",
        ]
    }
}

pub(super) fn get(sim: &Sim, caller: &Caller, sub: &str, path: &str) -> Response {
    let world = sim.state.world();
    if let Err(response) = readable(&world, caller, sub) {
        return response;
    }
    let Some(resource) = world
        .scope_resources
        .iter()
        .find(|r| scope_covers(&r.id, path) && scope_covers(path, &r.id))
    else {
        let segments = scope_segments(path);
        let rg = segments.get(3).copied().unwrap_or_default();
        let name = segments.get(5..).unwrap_or_default().join("/");
        return arm_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The Resource '{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        );
    };
    let body = resource_json(&world, &resource.id);
    arm_json(StatusCode::OK, &body, false)
}

fn resource_json(world: &World, id: &str) -> Value {
    let segments = scope_segments(id);
    let name = segments.last().copied().unwrap_or_default();
    // `Microsoft.Network/virtualNetworks/subnets`: the namespace and every type segment.
    let kind = {
        let mut parts = vec![segments.get(5).copied().unwrap_or_default()];
        parts.extend(segments.iter().skip(6).step_by(2));
        parts.join("/")
    };
    let mut properties = json!({"provisioningState": "Succeeded"});
    if kind.eq_ignore_ascii_case("Microsoft.Network/virtualNetworks/subnets") {
        properties["addressPrefix"] = json!("10.240.0.0/16");
        // The route table of a cluster whose nodes join this subnet.
        if let Some(table) = world.clusters.iter().find_map(|c| {
            let joins = c.agent_pools.iter().any(|p| {
                p.vnet_subnet_id
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(id))
            });
            joins.then(|| c.route_table.clone()).flatten()
        }) {
            properties["routeTable"] = json!({"id": table});
        }
    }
    let mut body = json!({"id": id, "name": name, "type": kind, "properties": properties});
    if !kind.eq_ignore_ascii_case("Microsoft.Network/virtualNetworks/subnets") {
        body["location"] = json!(if kind.to_ascii_lowercase().contains("privatednszones") {
            "global"
        } else {
            "westeurope"
        });
    }
    body
}
