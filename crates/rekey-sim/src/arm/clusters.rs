//! AKS managed clusters: list (by subscription or resource group), get, and their ARM JSON.

use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::authentication::Caller;
use super::cluster_json::cluster_json;
use super::paging::paged;
use super::providers::CONTAINER_SERVICE;
use super::subscriptions::{authorize, readable, Need};
use super::{operations, resource_groups};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};
use crate::state::{ManagedCluster, Role, World};

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
    match for_read(&world, caller, path) {
        Ok(c) => arm_json(StatusCode::OK, &cluster_json(c), false),
        Err(response) => response,
    }
}

/// A write to the cluster a path names (`suffix` after its ARM ID, e.g. `/agentPools/p`): the
/// caller needs Contributor to perform `action` there. Its subscription, tenant and index in
/// `world.clusters`; ARM's 400, 401, 403 or 404 otherwise.
pub(super) fn for_write(
    world: &World,
    caller: &Caller,
    path: &ClusterPath,
    suffix: &str,
    action: &str,
) -> Result<(Uuid, Uuid, usize), Response> {
    let scope = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/{CONTAINER_SERVICE}/managedClusters/{}{suffix}",
        path.sub, path.rg, path.name
    );
    let need = Need {
        role: Role::Contributor,
        action,
        scope: &scope,
    };
    let s = authorize(world, caller, path.sub, need)?;
    let (sub, tenant) = (s.id, s.tenant_id);
    match position(world, sub, path) {
        Some(index) => Ok((sub, tenant, index)),
        None => Err(not_found(world, sub, path)),
    }
}

/// The cluster a path names, for reading: any role on its subscription.
pub(super) fn for_read<'w>(
    world: &'w World,
    caller: &Caller,
    path: &ClusterPath,
) -> Result<&'w ManagedCluster, Response> {
    let sub = readable(world, caller, path.sub)?.id;
    position(world, sub, path)
        .and_then(|i| world.clusters.get(i))
        .ok_or_else(|| not_found(world, sub, path))
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
