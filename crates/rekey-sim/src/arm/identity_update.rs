//! What a finished move to managed identity leaves behind: the cluster on its new identity
//! (`servicePrincipalProfile.clientId` then reads "msi"), and the kubelet identity AKS creates in
//! the node resource group, each a service principal of the directory so that roles can be
//! granted to them (docs aks/use-managed-identity, "Summary of managed identities": the control
//! plane identity, and the kubelet identity `<cluster>-agentpool` in the node resource group).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::state::{
    ClusterIdentity, KubeletIdentity, ManagedCluster, Registration, ServicePrincipal, Subscription,
    UserAssignedIdentity,
};

/// The parts of the world a finished update writes to besides the cluster.
pub(super) struct Directory<'w> {
    pub identities: &'w mut Vec<UserAssignedIdentity>,
    pub service_principals: &'w mut Vec<ServicePrincipal>,
    pub subscriptions: &'w [Subscription],
}

/// The kubelet identity AKS will create for `cluster` (stable IDs from its resource ID).
pub(super) fn kubelet_for(cluster: &ManagedCluster) -> KubeletIdentity {
    let resource_id = format!(
        "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}-agentpool",
        cluster.subscription_id,
        cluster.node_resource_group(),
        cluster.name
    );
    KubeletIdentity {
        client_id: crate::state::stable_id("kubelet-client", &resource_id),
        object_id: crate::state::stable_id("kubelet", &resource_id),
        resource_id,
    }
}

pub(super) fn apply(
    directory: Directory,
    cluster: &mut ManagedCluster,
    principal_id: Uuid,
    tenant_id: Uuid,
    user_assigned: Option<(String, Uuid)>,
    kubelet: KubeletIdentity,
    created: DateTime<Utc>,
) {
    let Directory {
        identities,
        service_principals,
        subscriptions,
    } = directory;
    let tenant = subscriptions
        .iter()
        .find(|s| s.id == cluster.subscription_id)
        .map_or(tenant_id, |s| s.tenant_id);
    if user_assigned.is_none() {
        // A system-assigned identity is a service principal named after its resource.
        add_principal(
            service_principals,
            principal_id,
            Uuid::new_v5(&principal_id, b"client"),
            tenant,
            &cluster.name,
            created,
        );
    }
    if !identities
        .iter()
        .any(|i| i.arm_id().eq_ignore_ascii_case(&kubelet.resource_id))
    {
        let name = format!("{}-agentpool", cluster.name);
        identities.push(UserAssignedIdentity {
            subscription_id: cluster.subscription_id,
            resource_group: cluster.node_resource_group(),
            name: name.clone(),
            location: cluster.location.clone(),
            tags: Vec::new(),
            principal_id: kubelet.object_id,
            client_id: kubelet.client_id,
            tenant_id: tenant,
        });
        add_principal(
            service_principals,
            kubelet.object_id,
            kubelet.client_id,
            tenant,
            &name,
            created,
        );
    }
    cluster.identity = ClusterIdentity::ManagedIdentity {
        principal_id,
        tenant_id: tenant,
        user_assigned,
    };
    cluster.kubelet_identity = Some(kubelet);
}

/// Registers a managed identity's service principal (it has no application and no secrets: Azure
/// rolls its credentials itself).
pub(super) fn add_principal(
    service_principals: &mut Vec<ServicePrincipal>,
    object_id: Uuid,
    app_id: Uuid,
    tenant_id: Uuid,
    name: &str,
    created: DateTime<Utc>,
) {
    if service_principals.iter().any(|sp| sp.object_id == object_id) {
        return;
    }
    service_principals.push(ServicePrincipal(Registration {
        object_id,
        ..Registration::new(app_id, tenant_id, name, created)
    }));
}
