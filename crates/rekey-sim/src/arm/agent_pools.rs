//! `…/managedClusters/{c}/agentPools`: list, get, and `upgradeNodeImageVersion` (a long-running
//! operation: 202 with the pool in `UpgradingNodeImageVersion`, `Azure-AsyncOperation` and
//! `Location`; AgentPoolsUpgradeNodeImageVersion.json and `AgentPools_UpgradeNodeImageVersion` in
//! managedClusters.json). Re-imaged nodes of a managed-identity cluster use its kubelet identity.

use axum::http::StatusCode;
use axum::response::Response;

use super::authentication::Caller;
use super::cluster_json::agent_pool_json;
use super::clusters::{self, ClusterPath};
use super::paging::paged;
use super::providers::CONTAINER_SERVICE;
use super::{operations, reset};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::arm_error;
use crate::state::{CredentialChange, LATEST_NODE_IMAGE};

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller, path: &ClusterPath) -> Response {
    let mut world = sim.state.world();
    operations::settle(&mut world, sim.state.now());
    let c = match clusters::for_read(&world, caller, path) {
        Ok(c) => c,
        Err(response) => return response,
    };
    let items = c.agent_pools.iter().map(|p| agent_pool_json(c, p)).collect();
    drop(world);
    paged(sim, req, items)
}

pub(super) fn get(sim: &Sim, caller: &Caller, path: &ClusterPath, pool: &str) -> Response {
    let mut world = sim.state.world();
    operations::settle(&mut world, sim.state.now());
    let c = match clusters::for_read(&world, caller, path) {
        Ok(c) => c,
        Err(response) => return response,
    };
    match c.agent_pools.iter().find(|p| p.name.eq_ignore_ascii_case(pool)) {
        Some(p) => crate::responses::arm_json(StatusCode::OK, &agent_pool_json(c, p), false),
        None => pool_not_found(path, pool),
    }
}

pub(super) fn upgrade_node_image(
    sim: &Sim,
    req: &SimRequest,
    caller: &Caller,
    path: &ClusterPath,
    pool: &str,
) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    operations::settle(&mut world, now);
    let action = format!("{CONTAINER_SERVICE}/managedClusters/agentPools/upgradeNodeImageVersion/action");
    let (sub, index) =
        match clusters::for_write(&world, caller, path, &format!("/agentPools/{pool}"), &action) {
            Ok((sub, _, index)) => (sub, index),
            Err(response) => return response,
        };
    let Some(cluster) = world.clusters.get(index) else {
        return clusters::not_found(&world, sub, path);
    };
    let Some(name) = cluster
        .agent_pools
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(pool))
        .map(|p| p.name.clone())
    else {
        return pool_not_found(path, pool);
    };
    if cluster.power_state.eq_ignore_ascii_case("Stopped") {
        return arm_error(
            StatusCode::BAD_REQUEST,
            "OperationNotAllowed",
            &format!("Operation is not allowed because the managed cluster '{}' is in stopped state. Start it with 'az aks start' and try again.", cluster.name),
        );
    }
    if let Err(refused) = reset::check_idle(cluster) {
        return refused;
    }
    // The newest image, as AKS picks it; a pool already on it is re-imaged all the same.
    let change = CredentialChange::NodeImage {
        pool: name.clone(),
        version: LATEST_NODE_IMAGE.into(),
    };
    let Some(operation) = operations::begin(&mut world, index, None, change, None, sim) else {
        return clusters::not_found(&world, sub, path);
    };
    let body = world.clusters.get_mut(index).and_then(|c| {
        let p = c.agent_pools.iter_mut().find(|p| p.name == name)?;
        p.provisioning_state = "UpgradingNodeImageVersion".into();
        let p = p.clone();
        Some(agent_pool_json(c, &p))
    });
    drop(world);
    tracing::info!(operation = %operation.id, pool = %name, "node image upgrade accepted");
    let api_version = req.query.get("api-version").map_or("", String::as_str);
    operations::polled(
        sim,
        &operation,
        api_version,
        StatusCode::ACCEPTED,
        &body.unwrap_or_default(),
        true,
    )
}

fn pool_not_found(path: &ClusterPath, pool: &str) -> Response {
    arm_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!(
            "Could not find agent pool {pool} in managed cluster {}.",
            path.name
        ),
    )
}
