//! AKS managed clusters: list (by subscription or resource group), get, and their ARM JSON.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::paging::paged;
use super::subscriptions::readable;
use super::{operations, resource_groups};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};
use crate::state::{AadProfile, ClusterIdentity, ManagedCluster, World};

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

/// A managed cluster as ARM returns it (2025-07-01 shape). Secrets are never part of it.
pub fn cluster_json(c: &ManagedCluster) -> Value {
    let (sp_profile, identity) = match &c.identity {
        ClusterIdentity::ServicePrincipal { client_id, .. } => (json!({"clientId": client_id}), Value::Null),
        ClusterIdentity::ManagedIdentity { principal_id } => (
            json!({"clientId": "msi"}),
            json!({"type": "SystemAssigned", "principalId": principal_id, "tenantId": Value::Null}),
        ),
    };
    let mut properties = json!({
        "provisioningState": c.provisioning_state,
        "powerState": {"code": c.power_state},
        "kubernetesVersion": c.kubernetes_version,
        "currentKubernetesVersion": c.kubernetes_version,
        "dnsPrefix": format!("{}-dns", c.name),
        "fqdn": format!("{}-dns-1a2b3c4d.hcp.{}.azmk8s.io", c.name, c.location),
        "azurePortalFQDN": format!("{}-dns-1a2b3c4d.portal.hcp.{}.azmk8s.io", c.name, c.location),
        "maxAgentPools": 100,
        "agentPoolProfiles": [{
            "name": "nodepool1", "count": c.node_count, "vmSize": "Standard_D4s_v5", "maxPods": 110,
            "eTag": etag(&format!("{}/nodepool1", c.arm_id())), "availabilityZones": ["1", "2", "3"],
            "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202511.04.0",
            "osType": "Linux", "type": "VirtualMachineScaleSets", "mode": "System",
            "provisioningState": c.provisioning_state, "powerState": {"code": c.power_state},
            "orchestratorVersion": c.kubernetes_version, "currentOrchestratorVersion": c.kubernetes_version,
            "upgradeSettings": {"maxSurge": "10%"}
        }],
        "servicePrincipalProfile": sp_profile,
        "nodeResourceGroup": format!("MC_{}_{}_{}", c.resource_group, c.name, c.location),
        "enableRBAC": true,
        "networkProfile": {
            "networkPlugin": "kubenet", "loadBalancerSku": "standard", "outboundType": "loadBalancer",
            "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10",
            "podCidrs": ["10.244.0.0/16"], "serviceCidrs": ["10.0.0.0/16"], "ipFamilies": ["IPv4"],
        },
    });
    match &c.aad {
        Some(AadProfile::Legacy {
            server_app_id,
            client_app_id,
            tenant_id,
        }) => {
            properties["aadProfile"] = json!({"managed": false, "serverAppID": server_app_id, "clientAppID": client_app_id, "tenantID": tenant_id});
        }
        Some(AadProfile::Managed { tenant_id }) => {
            properties["aadProfile"] =
                json!({"managed": true, "enableAzureRBAC": true, "tenantID": tenant_id});
        }
        None => {}
    }
    let mut cluster = json!({
        "id": c.arm_id(),
        "location": c.location,
        "name": c.name,
        "type": "Microsoft.ContainerService/ManagedClusters",
        "eTag": etag(&format!("{}/{}/{}", c.arm_id(), c.provisioning_state, c.kubernetes_version)),
        "tags": c.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, Value>>(),
        "sku": {"name": "Base", "tier": "Standard"},
        "properties": properties,
    });
    if !identity.is_null() {
        cluster["identity"] = identity;
    }
    cluster
}

/// A stable entity tag: it changes when what it is computed from changes.
fn etag(of: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(of.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
