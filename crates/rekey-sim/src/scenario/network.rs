//! What a scenario cluster uses besides itself: its node pools, a custom subnet and route table, a
//! private DNS zone, an attached registry, and the roles its identity holds on them, as the AKS
//! docs require (aks/configure-kubenet and configure-azure-cni "Network Contributor on the subnet",
//! aks/private-clusters "Private DNS Zone Contributor" on the zone, aks/cluster-container-registry-
//! integration "AcrPull" for the identity that pulls).

use uuid::Uuid;

use super::file::ClusterSpec;
use crate::state::{
    stable_id, AgentPool, ClusterIdentity, ManagedCluster, Role, RoleAssignment, ScopeResource, World,
};

/// Adds `spec`'s pools, network, DNS zone and registry to `cluster` and `world`.
pub(super) fn attach(world: &mut World, cluster: &mut ManagedCluster, spec: &ClusterSpec) {
    let sub = cluster.subscription_id;
    for p in &spec.pools {
        cluster.agent_pools.push(AgentPool {
            name: p.name.clone(),
            count: p.count,
            vm_size: p.vm_size.clone(),
            mode: "User".into(),
            max_surge: p.max_surge.clone(),
            ..AgentPool::system(p.count)
        });
    }
    // Who the roles are for: the service principal, or for a managed-identity cluster its
    // control-plane identity (network, DNS) and kubelet identity (registry).
    let (control_plane, kubelet) = match &cluster.identity {
        ClusterIdentity::ServicePrincipal { client_id, .. } => {
            let sp = world
                .service_principal_by_app_id(*client_id)
                .map(|sp| sp.object_id);
            (sp, sp)
        }
        ClusterIdentity::ManagedIdentity { principal_id, .. } => (
            Some(*principal_id),
            cluster.kubelet_identity.as_ref().map(|k| k.object_id),
        ),
    };
    let grant = |world: &mut World, principal: Option<Uuid>, scope: &str, role: Role| {
        if let Some(principal) = principal {
            world.role_assignments.push(RoleAssignment::at_scope(
                stable_id("role-assignment", &format!("{principal}{scope}/{}", role.guid())),
                principal,
                sub,
                scope,
                role,
                None,
            ));
        }
    };
    if let Some(n) = &spec.network {
        let vnet = format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{}",
            n.resource_group, n.vnet
        );
        let subnet = format!("{vnet}/subnets/{}", n.subnet);
        add_resource(world, sub, &vnet);
        add_resource(world, sub, &subnet);
        grant(world, control_plane, &subnet, Role::NetworkContributor);
        if let Some(rt) = &n.route_table {
            let table = format!(
                "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Network/routeTables/{rt}",
                n.resource_group
            );
            add_resource(world, sub, &table);
            grant(world, control_plane, &table, Role::NetworkContributor);
            cluster.route_table = Some(table);
        }
        for pool in &mut cluster.agent_pools {
            pool.vnet_subnet_id = Some(subnet.clone());
        }
    }
    if let Some(z) = &spec.private_dns_zone {
        let zone = format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Network/privateDnsZones/{}",
            z.resource_group, z.name
        );
        add_resource(world, sub, &zone);
        grant(world, control_plane, &zone, Role::PrivateDnsZoneContributor);
        cluster.private_dns_zone = Some(zone);
    }
    if let Some(r) = &spec.registry {
        let registry = format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/{}",
            r.resource_group, r.name
        );
        add_resource(world, sub, &registry);
        grant(world, kubelet, &registry, Role::AcrPull);
    }
}

fn add_resource(world: &mut World, subscription_id: Uuid, id: &str) {
    if !world
        .scope_resources
        .iter()
        .any(|r| r.id.eq_ignore_ascii_case(id))
    {
        world.scope_resources.push(ScopeResource {
            subscription_id,
            id: id.to_string(),
        });
    }
}
