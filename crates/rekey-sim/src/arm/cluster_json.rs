//! A managed cluster and its agent pools as ARM returns them (2025-07-01 shape). Secrets are never
//! part of them.

use serde_json::{json, Value};

use crate::state::{AadProfile, AgentPool, ClusterIdentity, ManagedCluster};

/// A managed cluster as ARM returns it (2025-07-01 shape). Secrets are never part of it.
pub fn cluster_json(c: &ManagedCluster) -> Value {
    let (sp_profile, identity) = match &c.identity {
        ClusterIdentity::ServicePrincipal { client_id, .. } => (json!({"clientId": client_id}), Value::Null),
        ClusterIdentity::ManagedIdentity {
            principal_id,
            tenant_id,
            user_assigned: None,
        } => (
            json!({"clientId": "msi"}),
            json!({"type": "SystemAssigned", "principalId": principal_id, "tenantId": tenant_id}),
        ),
        // A user-assigned identity is listed by resource ID with its own IDs (`ManagedClusterIdentity`
        // in managedClusters.json; ManagedClustersCreate_DualStackNetworking.json).
        ClusterIdentity::ManagedIdentity {
            principal_id,
            tenant_id,
            user_assigned: Some((id, client_id)),
        } => (
            json!({"clientId": "msi"}),
            json!({"type": "UserAssigned", "tenantId": tenant_id, "userAssignedIdentities": {
                id.clone(): {"principalId": principal_id, "clientId": client_id}
            }}),
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
        "agentPoolProfiles": c.agent_pools.iter().map(|p| {
            let mut profile = pool_properties(c, p);
            profile["name"] = json!(p.name);
            profile
        }).collect::<Vec<_>>(),
        "servicePrincipalProfile": sp_profile,
        "nodeResourceGroup": c.node_resource_group(),
        "enableRBAC": true,
        "networkProfile": {
            "networkPlugin": "kubenet", "loadBalancerSku": "standard", "outboundType": "loadBalancer",
            "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10",
            "podCidrs": ["10.244.0.0/16"], "serviceCidrs": ["10.0.0.0/16"], "ipFamilies": ["IPv4"],
        },
    });
    if let Some(zone) = &c.private_dns_zone {
        properties["apiServerAccessProfile"] = json!({"enablePrivateCluster": true, "privateDNSZone": zone});
        properties["privateFQDN"] = json!(format!(
            "{}-dns-1a2b3c4d.{}",
            c.name,
            zone.rsplit('/').next().unwrap_or_default()
        ));
    }
    if let Some(k) = &c.kubelet_identity {
        properties["identityProfile"] = json!({"kubeletidentity": {
            "resourceId": k.resource_id, "clientId": k.client_id, "objectId": k.object_id
        }});
    }
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
pub(super) fn etag(of: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(of.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// An agent pool's `properties` (`ManagedClusterAgentPoolProfileProperties`): as
/// `agentPoolProfiles[]` entries (with `name`) and under `…/agentPools/{name}`.
pub(super) fn pool_properties(c: &ManagedCluster, p: &AgentPool) -> Value {
    // A pool shows its own operation's state; otherwise the cluster's (a cluster update moves its pools).
    let state = if p.provisioning_state.eq_ignore_ascii_case("Succeeded") {
        c.provisioning_state.as_str()
    } else {
        p.provisioning_state.as_str()
    };
    let mut properties = json!({
        "count": p.count, "vmSize": p.vm_size, "maxPods": 110,
        "eTag": etag(&format!("{}/agentPools/{}/{}/{}", c.arm_id(), p.name, p.node_image_version, state)),
        "availabilityZones": ["1", "2", "3"],
        "nodeImageVersion": p.node_image_version,
        "osType": "Linux", "osSKU": "Ubuntu", "type": "VirtualMachineScaleSets", "mode": p.mode,
        "provisioningState": state, "powerState": {"code": c.power_state},
        "orchestratorVersion": c.kubernetes_version, "currentOrchestratorVersion": c.kubernetes_version,
        "upgradeSettings": {"maxSurge": p.max_surge},
    });
    if let Some(subnet) = &p.vnet_subnet_id {
        properties["vnetSubnetID"] = json!(subnet);
    }
    properties
}

/// `GET …/agentPools/{name}`: the pool as a sub-resource (AgentPoolsGet.json).
pub(super) fn agent_pool_json(c: &ManagedCluster, p: &AgentPool) -> Value {
    json!({
        "id": format!("{}/agentPools/{}", c.arm_id(), p.name),
        "name": p.name,
        "type": "Microsoft.ContainerService/managedClusters/agentPools",
        "properties": pool_properties(c, p),
    })
}
