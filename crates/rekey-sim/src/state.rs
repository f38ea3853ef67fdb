//! The simulated directory and resources: one world behind one lock.

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A tenant (directory).
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub display_name: String,
    pub default_domain: String,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub state: String,
}

/// A password credential. The simulator keeps only a SHA-256 of the secret text, never the text.
#[derive(Clone)]
pub struct PasswordCredential {
    pub key_id: Uuid,
    pub display_name: Option<String>,
    pub hint: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub secret_sha256: [u8; 32],
    /// When it was added, in simulated time: a new secret works only after the replication delay.
    pub created: DateTime<Utc>,
}

impl std::fmt::Debug for PasswordCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordCredential")
            .field("key_id", &self.key_id)
            .field("hint", &self.hint)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

pub fn secret_digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A certificate credential (Graph `keyCredential`): only its metadata matters to Rekey.
#[derive(Debug, Clone)]
pub struct KeyCredential {
    pub key_id: Uuid,
    pub display_name: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// SHA-1 thumbprint, base64 (Graph's `customKeyIdentifier`).
    pub thumbprint: String,
}

#[derive(Debug, Clone)]
pub struct Application {
    pub object_id: Uuid,
    pub app_id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<KeyCredential>,
    /// When it was created (simulated time): a new app is unusable during the replication delay.
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ServicePrincipal {
    pub object_id: Uuid,
    pub app_id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<KeyCredential>,
    /// When it was created (simulated time): a new SP cannot sign in during the replication delay.
    pub created: DateTime<Utc>,
}

/// A person who can sign in interactively (browser or device code).
#[derive(Clone)]
pub struct User {
    pub object_id: Uuid,
    pub tenant_id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
    pub password_sha256: [u8; 32],
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("upn", &self.user_principal_name)
            .finish_non_exhaustive()
    }
}

/// A Microsoft Graph permission held by a principal (user: delegated, service principal: application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphGrant {
    pub principal_id: Uuid,
    /// e.g. `Application.ReadWrite.All`, `Application.Read.All`.
    pub permission: String,
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
}

impl Role {
    pub const BUILT_IN: [Role; 10] = [
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
        }
    }

    /// Whether the role grants general access (read, write, or all) to a scope's resources.
    pub fn grants_access(self) -> bool {
        matches!(self, Role::Reader | Role::Contributor | Role::Owner)
    }
}

/// An ARM role assignment of a principal (by object id) at subscription or resource-group scope.
#[derive(Debug, Clone)]
pub struct RoleAssignment {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub subscription_id: Uuid,
    /// `Some` for an assignment at a resource group of the subscription (narrower scope).
    pub resource_group: Option<String>,
    pub role: Role,
}

/// How a cluster authenticates to Azure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterIdentity {
    /// `servicePrincipalProfile.clientId` = the app ID; `current_key_id` = the credential it holds.
    ServicePrincipal {
        client_id: Uuid,
        current_key_id: Option<Uuid>,
    },
    /// `clientId` = "msi" and a system-assigned identity.
    ManagedIdentity { principal_id: Uuid },
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
}

impl ManagedCluster {
    pub fn arm_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }
}

/// Everything the simulator knows. Mutated only under [`SimState::world`].
#[derive(Debug, Clone, Default)]
pub struct World {
    pub tenants: Vec<Tenant>,
    pub subscriptions: Vec<Subscription>,
    pub applications: Vec<Application>,
    pub service_principals: Vec<ServicePrincipal>,
    pub role_assignments: Vec<RoleAssignment>,
    pub clusters: Vec<ManagedCluster>,
    pub users: Vec<User>,
    pub graph_grants: Vec<GraphGrant>,
    /// Interactive sign-in in progress (authorization codes, refresh tokens, device codes); see `identity::flows`.
    pub identity_flows: crate::identity::flows::Flows,
    // ARM writes: credential resets and role assignments (see `arm::reset`, `arm::operations`).
    /// Long-running operations, oldest first; they advance lazily with simulated time.
    pub operations: Vec<Operation>,
    /// This many next operations end `Failed` and leave their cluster `Failed` (a simple fault switch).
    pub fail_next_operations: u32,
    /// The server-app credential (key ID) each legacy-AAD cluster holds, by cluster ARM ID, once a
    /// resetAADProfile has set it.
    pub legacy_aad_server_keys: std::collections::HashMap<String, Uuid>,
    /// Who made each role assignment created through ARM, and when, by assignment ID.
    pub role_assignment_audit: std::collections::HashMap<Uuid, RoleAssignmentAudit>,
}

impl World {
    pub fn service_principal_by_app_id(&self, app_id: Uuid) -> Option<&ServicePrincipal> {
        self.service_principals.iter().find(|sp| sp.app_id == app_id)
    }

    pub fn application_by_app_id(&self, app_id: Uuid) -> Option<&Application> {
        self.applications.iter().find(|a| a.app_id == app_id)
    }

    /// Whether the principal holds `permission` in Graph; `…ReadWrite.All` implies `…Read.All`.
    pub fn has_graph_permission(&self, principal_id: Uuid, permission: &str) -> bool {
        self.graph_grants.iter().any(|g| {
            g.principal_id == principal_id
                && (g.permission == permission
                    || (permission.ends_with(".Read.All")
                        && g.permission == permission.replace(".Read.All", ".ReadWrite.All")))
        })
    }

    pub fn role_on(&self, principal_id: Uuid, subscription_id: Uuid) -> Option<Role> {
        self.role_assignments
            .iter()
            .filter(|ra| {
                ra.principal_id == principal_id
                    && ra.subscription_id == subscription_id
                    && ra.resource_group.is_none()
                    && ra.role.grants_access()
            })
            .map(|ra| ra.role)
            .max_by_key(|r| *r as u8)
    }
}

/// Tunables of the simulated cloud.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// How long a new secret or service principal stays unusable, as Entra ID replicates it.
    pub replication_delay: Duration,
    /// Items per page in ARM list responses before a `nextLink` is given.
    pub arm_page_size: usize,
    /// The polling `interval` the device-code endpoint tells clients to use (Entra's is 5 s).
    pub device_code_interval_secs: u64,
    /// How long an ARM long-running operation (a credential reset) runs, in simulated time.
    pub operation_duration: Duration,
    /// The `Retry-After` ARM sends while an operation runs.
    pub operation_retry_after: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            replication_delay: Duration::zero(),
            arm_page_size: 100,
            device_code_interval_secs: 5,
            operation_duration: Duration::seconds(3),
            operation_retry_after: Duration::seconds(1),
        }
    }
}

/// The world, the clock and the tunables.
pub struct SimState {
    world: Mutex<World>,
    clock_offset: Mutex<Duration>,
    pub behaviour: Behaviour,
}

impl SimState {
    pub fn new(world: World, behaviour: Behaviour) -> Self {
        SimState {
            world: Mutex::new(world),
            clock_offset: Mutex::new(Duration::zero()),
            behaviour,
        }
    }

    /// The world lock. A handler that panicked must not take the simulator down with it.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Simulated "now": real time plus an offset the control API can move forward.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self.clock_offset.lock().unwrap_or_else(|p| p.into_inner());
        Utc::now() + offset
    }

    pub fn advance_clock(&self, by: Duration) {
        let mut offset = self.clock_offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset += by;
    }
}

/// Deterministic GUIDs from names, so that a scenario gives the same IDs on every run.
pub fn stable_id(namespace: &str, name: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("rekey-sim:{namespace}:{name}").as_bytes(),
    )
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
    pub status: OperationStatus,
}

/// Who created a role assignment through ARM, and when (assignments from the scenario have none).
#[derive(Debug, Clone)]
pub struct RoleAssignmentAudit {
    pub created_on: DateTime<Utc>,
    pub created_by: Uuid,
}
