//! Azure Resource Manager's resources: subscriptions, built-in roles and role assignments, AKS
//! managed clusters, and the long-running operations that reset their credentials.

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub state: String,
}

/// Azure built-in roles the simulator knows, with their real definition GUIDs (Azure docs, "Azure
/// built-in roles": `/providers/Microsoft.Authorization/roleDefinitions/{guid}`). Only the first
/// three grant access to a subscription's resources here; ranked Reader < Contributor < Owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Reader,
    Contributor,
    Owner,
    NetworkContributor,
    UserAccessAdministrator,
    AcrPull,
    AksClusterAdmin,
    AksClusterUser,
    KeyVaultSecretsOfficer,
    KeyVaultSecretsUser,
    PrivateDnsZoneContributor,
    ManagedIdentityOperator,
    KeyVaultAdministrator,
}

impl Role {
    pub const BUILT_IN: [Role; 13] = [
        Role::Owner,
        Role::Contributor,
        Role::Reader,
        Role::NetworkContributor,
        Role::UserAccessAdministrator,
        Role::AcrPull,
        Role::AksClusterAdmin,
        Role::AksClusterUser,
        Role::KeyVaultSecretsOfficer,
        Role::KeyVaultSecretsUser,
        Role::PrivateDnsZoneContributor,
        Role::ManagedIdentityOperator,
        Role::KeyVaultAdministrator,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Reader => "Reader",
            Role::Contributor => "Contributor",
            Role::Owner => "Owner",
            Role::NetworkContributor => "Network Contributor",
            Role::UserAccessAdministrator => "User Access Administrator",
            Role::AcrPull => "AcrPull",
            Role::AksClusterAdmin => "Azure Kubernetes Service Cluster Admin Role",
            Role::AksClusterUser => "Azure Kubernetes Service Cluster User Role",
            Role::KeyVaultSecretsOfficer => "Key Vault Secrets Officer",
            Role::KeyVaultSecretsUser => "Key Vault Secrets User",
            Role::PrivateDnsZoneContributor => "Private DNS Zone Contributor",
            Role::ManagedIdentityOperator => "Managed Identity Operator",
            Role::KeyVaultAdministrator => "Key Vault Administrator",
        }
    }

    /// The built-in role definition's GUID, the same in every tenant.
    pub fn guid(self) -> &'static str {
        match self {
            Role::Reader => "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            Role::Contributor => "b24988ac-6180-42a0-ab88-20f7382dd24c",
            Role::Owner => "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            Role::NetworkContributor => "4d97b98b-1d4f-4787-a291-c67834d212e7",
            Role::UserAccessAdministrator => "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            Role::AcrPull => "7f951dda-4ed3-4680-a7ca-43fe172d538d",
            Role::AksClusterAdmin => "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
            Role::AksClusterUser => "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
            Role::KeyVaultSecretsOfficer => "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
            Role::KeyVaultSecretsUser => "4633458b-17de-408a-b874-0445c86b69e6",
            Role::PrivateDnsZoneContributor => "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
            Role::ManagedIdentityOperator => "f1a07417-d97a-45cb-824c-7a7467783830",
            Role::KeyVaultAdministrator => "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        }
    }

    /// Whether the role grants general access (read, write, or all) to a scope's resources.
    pub fn grants_access(self) -> bool {
        matches!(self, Role::Reader | Role::Contributor | Role::Owner)
    }
}

/// An ARM role assignment of a principal (by object id) at any scope of a subscription: the
/// subscription, a resource group, or a resource (a subnet, a registry, …).
#[derive(Debug, Clone)]
pub struct RoleAssignment {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub subscription_id: Uuid,
    /// The full ARM scope as it was assigned: `/subscriptions/{s}[/resourceGroups/{rg}[/providers/…]]`.
    pub scope: String,
    /// The resource group `scope` lies in; `None` at the subscription itself. Derived from `scope`
    /// by the constructors (readers that only tell subscription-wide assignments apart use it).
    pub resource_group: Option<String>,
    pub role: Role,
    /// When it starts to count for authorization (Azure RBAC propagates changes: "up to 10
    /// minutes", docs role-based-access-control/troubleshooting); `None` for the scenario's own.
    pub effective_from: Option<DateTime<Utc>>,
}

impl RoleAssignment {
    /// An assignment at a subscription's own scope, effective at once (scenarios).
    pub fn at_subscription(id: Uuid, principal_id: Uuid, subscription_id: Uuid, role: Role) -> Self {
        Self::at_scope(
            id,
            principal_id,
            subscription_id,
            &format!("/subscriptions/{subscription_id}"),
            role,
            None,
        )
    }

    /// An assignment at any scope of the subscription.
    pub fn at_scope(
        id: Uuid,
        principal_id: Uuid,
        subscription_id: Uuid,
        scope: &str,
        role: Role,
        effective_from: Option<DateTime<Utc>>,
    ) -> Self {
        RoleAssignment {
            id,
            principal_id,
            subscription_id,
            scope: scope.to_string(),
            resource_group: scope_segments(scope).get(3).map(|rg| rg.to_string()),
            role,
            effective_from,
        }
    }

    /// Whether it is at the subscription itself (not below it).
    pub fn is_subscription_wide(&self) -> bool {
        scope_segments(&self.scope).len() == 2
    }

    /// Whether it counts for authorization at `now`.
    pub fn effective(&self, now: DateTime<Utc>) -> bool {
        self.effective_from.is_none_or(|from| from <= now)
    }
}

/// The non-empty segments of an ARM scope.
pub fn scope_segments(scope: &str) -> Vec<&str> {
    scope.split('/').filter(|s| !s.is_empty()).collect()
}

/// Whether `outer` is `inner` or one of its ancestors (ARM scopes compare case-insensitively):
/// an assignment at `outer` is inherited at `inner`.
pub fn scope_covers(outer: &str, inner: &str) -> bool {
    let (o, i) = (scope_segments(outer), scope_segments(inner));
    o.len() <= i.len() && o.iter().zip(&i).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// How a cluster authenticates to Azure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterIdentity {
    /// `servicePrincipalProfile.clientId` = the app ID; `current_key_id` = the credential it holds.
    ServicePrincipal {
        client_id: Uuid,
        current_key_id: Option<Uuid>,
    },
    /// `clientId` = "msi" and a system-assigned identity, or the user-assigned one named by
    /// `user_assigned` (its ARM resource ID).
    ManagedIdentity {
        principal_id: Uuid,
        /// `identity.tenantId`: the subscription's tenant.
        tenant_id: Uuid,
        /// A user-assigned identity: its ARM resource ID and client ID.
        user_assigned: Option<(String, Uuid)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AadProfile {
    /// The retired AAD integration with server and client apps.
    Legacy {
        server_app_id: Uuid,
        client_app_id: Uuid,
        tenant_id: Uuid,
    },
    /// AKS-managed Entra ID: nothing to rotate.
    Managed { tenant_id: Uuid },
}

#[derive(Debug, Clone)]
pub struct ManagedCluster {
    pub subscription_id: Uuid,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    pub kubernetes_version: String,
    pub node_count: u32,
    pub identity: ClusterIdentity,
    pub aad: Option<AadProfile>,
    pub provisioning_state: String,
    pub power_state: String,
    pub tags: Vec<(String, String)>,
    /// The node pools; the first is the system pool (`node_count` is its count).
    pub agent_pools: Vec<super::AgentPool>,
    /// The route table associated with the nodes' subnet (kubenet with its own route table); not
    /// part of the cluster's JSON: Azure shows it on the subnet.
    pub route_table: Option<String>,
    /// `apiServerAccessProfile.privateDNSZone` of a private cluster with its own zone.
    pub private_dns_zone: Option<String>,
    /// `identityProfile.kubeletidentity`, once the cluster has a managed identity.
    pub kubelet_identity: Option<super::KubeletIdentity>,
}

impl ManagedCluster {
    pub fn arm_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }

    /// The node resource group AKS creates (`MC_{rg}_{name}_{location}`).
    pub fn node_resource_group(&self) -> String {
        format!("MC_{}_{}_{}", self.resource_group, self.name, self.location)
    }
}

/// Where an ARM long-running operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl OperationStatus {
    /// The `status` ARM reports when the operation is polled.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::InProgress => "InProgress",
            OperationStatus::Succeeded => "Succeeded",
            OperationStatus::Failed => "Failed",
        }
    }
}

/// What a credential reset gives its cluster once the operation succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialChange {
    /// `resetServicePrincipalProfile`: the cluster then holds credential `key_id` of app `client_id`.
    ServicePrincipal { client_id: Uuid, key_id: Uuid },
    /// `resetAADProfile`: the legacy AAD profile's apps, and the server-app credential it then holds.
    LegacyAad {
        server_app_id: Uuid,
        client_app_id: Uuid,
        tenant_id: Uuid,
        server_key_id: Uuid,
    },
    /// A managed-cluster PUT that moves the cluster to a managed identity (system-assigned when
    /// `user_assigned` is `None`), with the kubelet identity AKS creates in the node resource group.
    ManagedIdentity {
        principal_id: Uuid,
        tenant_id: Uuid,
        user_assigned: Option<(String, Uuid)>,
        kubelet: super::KubeletIdentity,
    },
    /// `upgradeNodeImageVersion` of one agent pool: it then runs `version`, its nodes re-imaged.
    NodeImage { pool: String, version: String },
}

/// Why an operation ends `Failed`, in Azure's words (code and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationError {
    pub code: String,
    pub message: String,
}

/// An ARM long-running operation on a cluster. Nothing runs in the background: its status follows
/// simulated time whenever it or its cluster is read (`arm::settle_operations`).
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: Uuid,
    pub subscription_id: Uuid,
    /// The cluster's region, part of the operation URLs.
    pub location: String,
    /// ARM ID of the cluster it changes.
    pub resource_id: String,
    pub change: CredentialChange,
    pub started: DateTime<Utc>,
    /// When it reaches its terminal status.
    pub ends: DateTime<Utc>,
    /// Decided at the start: it ends `Failed` and leaves the cluster `Failed`.
    pub fails: bool,
    /// The cause when a rule (not the fault switch) makes it fail.
    pub error: Option<OperationError>,
    pub status: OperationStatus,
}

/// Who created a role assignment through ARM, and when (assignments from the scenario have none).
#[derive(Debug, Clone)]
pub struct RoleAssignmentAudit {
    pub created_on: DateTime<Utc>,
    pub created_by: Uuid,
}
