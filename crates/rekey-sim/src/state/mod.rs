//! The simulated directory and resources: one world behind one lock, the clock and the tunables.

mod arm;
pub mod credential_use;
mod entra;
mod resources;
pub mod sign_ins;
pub mod vaults;

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

pub use arm::{
    scope_covers, scope_segments, AadProfile, ClusterIdentity, CredentialChange, ManagedCluster, Operation,
    OperationError, OperationStatus, Role, RoleAssignment, RoleAssignmentAudit, Subscription,
};
pub use credential_use::{CredentialOrigin, CredentialSignIn, CredentialUse, KeyType, SignInEvent};
pub use entra::{
    secret_digest, Application, DirectoryRoleAssignment, GraphGrant, KeyCredential, PasswordCredential,
    Registration, ServicePrincipal, Tenant, User,
};
pub use resources::{
    AgentPool, KubeletIdentity, ScopeResource, UserAssignedIdentity, INITIAL_NODE_IMAGE, LATEST_NODE_IMAGE,
};

/// Everything the simulator knows. Mutated only under [`SimState::world`].
#[derive(Debug, Clone)]
pub struct World {
    pub tenants: Vec<Tenant>,
    pub subscriptions: Vec<Subscription>,
    pub applications: Vec<Application>,
    pub service_principals: Vec<ServicePrincipal>,
    pub role_assignments: Vec<RoleAssignment>,
    pub clusters: Vec<ManagedCluster>,
    pub users: Vec<User>,
    pub graph_grants: Vec<GraphGrant>,
    /// Interactive sign-in in progress (authorization codes, refresh tokens, device codes); see [`sign_ins`].
    pub identity_flows: sign_ins::Flows,
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
    /// How long a role assignment made through ARM takes to count for authorization checks
    /// (listed at once). Tunable through the control API.
    pub role_propagation_delay: Duration,
    /// `Microsoft.ManagedIdentity/userAssignedIdentities`, including kubelet identities AKS made.
    pub identities: Vec<UserAssignedIdentity>,
    /// Resources that exist only as scopes (subnets, route tables, DNS zones, registries).
    pub scope_resources: Vec<ScopeResource>,
    /// `Microsoft.KeyVault/vaults` with their secrets (see [`vaults`]).
    pub vaults: Vec<vaults::Vault>,
    /// Entra directory roles (Reports Reader, Global Reader …) held in a tenant.
    pub directory_roles: Vec<DirectoryRoleAssignment>,
    /// App sign-ins with a credential, for Graph's sign-in activity reports; see [`credential_use`].
    pub credential_use: CredentialUse,
}

impl Default for World {
    fn default() -> Self {
        World {
            tenants: Vec::new(),
            subscriptions: Vec::new(),
            applications: Vec::new(),
            service_principals: Vec::new(),
            role_assignments: Vec::new(),
            clusters: Vec::new(),
            users: Vec::new(),
            graph_grants: Vec::new(),
            identity_flows: Default::default(),
            operations: Vec::new(),
            fail_next_operations: 0,
            legacy_aad_server_keys: Default::default(),
            role_assignment_audit: Default::default(),
            role_propagation_delay: DEFAULT_ROLE_PROPAGATION,
            identities: Vec::new(),
            scope_resources: Vec::new(),
            vaults: Vec::new(),
            directory_roles: Vec::new(),
            credential_use: CredentialUse::default(),
        }
    }
}

/// The propagation delay of new role assignments unless a test sets another: short, so that a
/// client that waits for a grant to count (as it must in Azure) waits in tests too.
pub const DEFAULT_ROLE_PROPAGATION: Duration = Duration::seconds(2);

impl World {
    pub fn subscription(&self, id: Uuid) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.id == id)
    }

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
                    && ra.is_subscription_wide()
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
