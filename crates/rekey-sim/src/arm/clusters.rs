//! AKS managed clusters: list (by subscription or resource group), get, and their ARM JSON.

use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::authentication::Caller;
use super::cluster_json::cluster_json;
use super::paging::paged;
use super::subscriptions::readable;
use super::{operations, resource_groups};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};
use crate::state::{ManagedCluster, World};

/// A managed cluster as named in a request path (not yet looked up).
pub(super) struct ClusterPath<'r> {
    pub(super) sub: &'r str,
    pub(super) rg: &'r str,
    pub(super) name: &'r str,
}

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, rg: Option<&str>) -> Response {
    let mut world = sim.state.world();
    operations::settle(&mut world, sim.state.now());
    let sub = match readable(&world, caller, sub) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    let in_scope = |c: &&ManagedCluster| {
        c.subscription_id == sub && rg.is_none_or(|rg| c.resource_group.eq_ignore_ascii_case(rg))
    };
    if let Some(rg) = rg {
        if !world.clusters.iter().any(|c| in_scope(&c)) {
            return resource_groups::not_found(rg);
        }
    }
    let items = world.clusters.iter().filter(in_scope).map(cluster_json).collect();
    drop(world);
    paged(sim, req, items)
}

pub(super) fn get(sim: &Sim, caller: &Caller, path: &ClusterPath) -> Response {
    let mut world = sim.state.world();
    operations::settle(&mut world, sim.state.now());
    let sub = match readable(&world, caller, path.sub) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    match position(&world, sub, path).and_then(|i| world.clusters.get(i)) {
        Some(c) => arm_json(StatusCode::OK, &cluster_json(c), false),
        None => not_found(&world, sub, path),
    }
}

/// Where the cluster a path names sits in `world.clusters` (names compare case-insensitively, as ARM).
pub(super) fn position(world: &World, sub: Uuid, path: &ClusterPath) -> Option<usize> {
    world.clusters.iter().position(|c| {
        c.subscription_id == sub
            && c.resource_group.eq_ignore_ascii_case(path.rg)
            && c.name.eq_ignore_ascii_case(path.name)
    })
}

/// ARM's 404 for a cluster that is not there: `ResourceGroupNotFound` when its resource group is
/// missing too, `ResourceNotFound` otherwise.
pub(super) fn not_found(world: &World, sub: Uuid, path: &ClusterPath) -> Response {
    let (name, rg) = (path.name, path.rg);
    if !resource_groups::exists(world, sub, rg) {
        return resource_groups::not_found(rg);
    }
    arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
    )
}
