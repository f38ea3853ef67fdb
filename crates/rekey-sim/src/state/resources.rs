//! The ARM resources a move to managed identity touches besides the cluster: user-assigned
//! identities, agent pools and their kubelet identity, and the network and registry resources
//! (subnets, route tables, private DNS zones, container registries) roles are assigned on.

use uuid::Uuid;

/// `Microsoft.ManagedIdentity/userAssignedIdentities`: also a service principal of its tenant.
#[derive(Debug, Clone)]
pub struct UserAssignedIdentity {
    pub subscription_id: Uuid,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    pub tags: Vec<(String, String)>,
    pub principal_id: Uuid,
    pub client_id: Uuid,
    pub tenant_id: Uuid,
}

impl UserAssignedIdentity {
    pub fn arm_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }
}

/// The kubelet identity AKS creates for a managed-identity cluster (`{cluster}-agentpool` in the
/// node resource group; docs aks/use-managed-identity "Summary of managed identities").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeletIdentity {
    pub resource_id: String,
    pub client_id: Uuid,
    pub object_id: Uuid,
}

/// An AKS agent pool (node pool).
#[derive(Debug, Clone)]
pub struct AgentPool {
    pub name: String,
    pub count: u32,
    pub vm_size: String,
    pub mode: String,
    pub max_surge: String,
    pub node_image_version: String,
    /// Custom networking: the subnet the nodes join.
    pub vnet_subnet_id: Option<String>,
    pub provisioning_state: String,
    /// Whether the nodes use the kubelet identity (after a node-image upgrade on a managed-identity
    /// cluster) rather than the service principal. Not in ARM's JSON: Azure does not show it; the
    /// control API does, for tests.
    pub nodes_use_kubelet_identity: bool,
}

/// The node image AKS offers next: a pool on any other version upgrades to it.
pub const LATEST_NODE_IMAGE: &str = "AKSUbuntu-2204gen2containerd-202512.01.0";
/// The node image pools start with.
pub const INITIAL_NODE_IMAGE: &str = "AKSUbuntu-2204gen2containerd-202511.04.0";

impl AgentPool {
    /// A system pool as AKS creates it by default (`nodepool1`, 10% surge).
    pub fn system(count: u32) -> Self {
        AgentPool {
            name: "nodepool1".into(),
            count,
            vm_size: "Standard_D4s_v5".into(),
            mode: "System".into(),
            max_surge: "10%".into(),
            node_image_version: INITIAL_NODE_IMAGE.into(),
            vnet_subnet_id: None,
            provisioning_state: "Succeeded".into(),
            nodes_use_kubelet_identity: false,
        }
    }
}

/// A resource that is only a scope here (it has no ARM endpoint of its own in the simulator): a
/// virtual network, subnet, route table, private DNS zone or container registry, by ARM ID.
#[derive(Debug, Clone)]
pub struct ScopeResource {
    pub subscription_id: Uuid,
    pub id: String,
}
