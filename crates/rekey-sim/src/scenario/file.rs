//! The scenario file format (TOML or JSON): tenants, subscriptions, apps with their secrets and
//! certificates, clusters, users, and key vaults (`vaults.rs`), written the way an admin would
//! describe them. Building the world from it is `build.rs`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::state::stable_id;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    #[serde(default)]
    pub tenants: Vec<TenantSpec>,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub vaults: Vec<VaultSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    /// Short name other entries refer to; the tenant ID is derived from it.
    pub key: String,
    pub name: String,
    pub domain: String,
    /// Entra ID P1/P2: without it Graph refuses the sign-in activity reports (default: licensed).
    #[serde(default = "yes")]
    pub premium: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    pub name: String,
    pub tenant: String,
    /// A subscription the demo administrator holds no role on (it then sees a partial inventory).
    #[serde(default)]
    pub restricted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialOwner {
    #[default]
    Application,
    ServicePrincipal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    #[serde(default)]
    pub on: CredentialOwner,
    pub expires_in_days: i64,
    #[serde(default = "default_lifetime")]
    pub lifetime_days: i64,
    #[serde(default = "default_secret_name")]
    pub display_name: String,
    /// The credential's last sign-in, this long before the scenario starts (Graph's sign-in
    /// activity reports show it); at most one of the two. None: never used.
    #[serde(default)]
    pub last_used_minutes_ago: Option<i64>,
    #[serde(default)]
    pub last_used_days_ago: Option<i64>,
    /// A stand-in deployment pipeline keeps signing in with this secret (its last use is always
    /// "now"), until the control API stops it (`DELETE /_sim/pipelines`).
    #[serde(default)]
    pub pipeline: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    pub expires_in_days: i64,
    #[serde(default = "default_lifetime")]
    pub lifetime_days: i64,
    pub display_name: String,
    /// The credential's last sign-in, this long before the scenario starts (Graph's sign-in
    /// activity reports show it); at most one of the two. None: never used.
    #[serde(default)]
    pub last_used_minutes_ago: Option<i64>,
    #[serde(default)]
    pub last_used_days_ago: Option<i64>,
}

fn default_lifetime() -> i64 {
    365
}
fn default_secret_name() -> String {
    "rbac".into()
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    pub name: String,
    pub tenant: String,
    /// Whether the app has a service principal in its tenant (clusters need one).
    #[serde(default = "yes")]
    pub service_principal: bool,
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
    #[serde(default)]
    pub certificates: Vec<CertificateSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub name: String,
    pub subscription: String,
    pub resource_group: String,
    pub location: String,
    /// An app name (the cluster uses its service principal), or `msi`.
    pub identity: String,
    /// `none` (default), `managed` (AKS-managed Entra ID) or `legacy` (server and client apps).
    #[serde(default)]
    pub aad: Option<String>,
    #[serde(default)]
    pub aad_server_app: Option<String>,
    #[serde(default)]
    pub aad_client_app: Option<String>,
    #[serde(default = "default_state")]
    pub provisioning_state: String,
    #[serde(default = "default_power")]
    pub power_state: String,
    #[serde(default = "default_version")]
    pub kubernetes_version: String,
    #[serde(default = "default_nodes")]
    pub node_count: u32,
    /// Resource tags (`environment = "production"` marks a cluster Rekey asks to confirm by name).
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
    /// Custom networking: the nodes join this subnet; the cluster's identity holds Network
    /// Contributor on it (and on the route table, if any).
    #[serde(default)]
    pub network: Option<NetworkSpec>,
    /// A private cluster's own private DNS zone; the identity holds Private DNS Zone Contributor.
    #[serde(default)]
    pub private_dns_zone: Option<ResourceSpec>,
    /// An attached container registry: the cluster's (kubelet) identity holds AcrPull on it.
    #[serde(default)]
    pub registry: Option<ResourceSpec>,
    /// Node pools after the system pool `nodepool1` (which has `node_count` nodes).
    #[serde(default)]
    pub pools: Vec<PoolSpec>,
}

/// A virtual network's subnet (and optionally a route table) in a resource group of the cluster's
/// subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    pub resource_group: String,
    pub vnet: String,
    pub subnet: String,
    #[serde(default)]
    pub route_table: Option<String>,
}

/// A resource by name and resource group, in the cluster's subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    pub name: String,
    pub resource_group: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    pub name: String,
    pub count: u32,
    #[serde(default = "default_vm_size")]
    pub vm_size: String,
    /// `upgradeSettings.maxSurge`: a count ("1") or a percentage ("33%").
    #[serde(default = "default_surge")]
    pub max_surge: String,
}

fn default_vm_size() -> String {
    "Standard_D4s_v5".into()
}
fn default_surge() -> String {
    "10%".into()
}

fn default_state() -> String {
    "Succeeded".into()
}
fn default_power() -> String {
    "Running".into()
}
fn default_version() -> String {
    "1.31.2".into()
}
fn default_nodes() -> u32 {
    3
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub upn: String,
    pub name: String,
    /// A demo password, public by design (shown on the simulator's sign-in page).
    pub password: String,
    pub tenant: String,
    #[serde(default)]
    pub roles: Vec<RoleSpec>,
    #[serde(default)]
    pub graph: Vec<String>,
    /// Entra directory roles in the user's tenant (`Reports Reader`, `Global Reader` …).
    #[serde(default)]
    pub directory_roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub subscription: String,
    pub role: String,
}

/// A key vault: where it lives, its permission model, and who may use its secrets (role
/// assignments at the vault's scope, or access policies), by principal name (`vaults.rs` builds it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultSpec {
    /// Globally unique in Azure: 3–24 letters, digits and dashes.
    pub name: String,
    pub subscription: String,
    pub resource_group: String,
    pub location: String,
    /// `enableRbacAuthorization`: Azure RBAC (true, the default for new vaults) or access policies.
    #[serde(default = "yes")]
    pub rbac: bool,
    /// Role assignments at the vault's scope (RBAC vaults).
    #[serde(default)]
    pub roles: Vec<VaultRoleSpec>,
    /// Access policies (vaults without RBAC).
    #[serde(default)]
    pub access_policies: Vec<AccessPolicySpec>,
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// A principal by name: a user's UPN, an app's name (its service principal), or
/// `rekey-demo-admin` (the demo administrator service principal).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultRoleSpec {
    pub principal: String,
    /// A built-in role's name, e.g. "Key Vault Secrets Officer".
    pub role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicySpec {
    pub principal: String,
    /// `permissions.secrets`: get, list, set, delete, recover, purge, backup, restore, all.
    pub secrets: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("the scenario is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("the scenario is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the scenario refers to an unknown {kind} '{name}'")]
    Unknown { kind: &'static str, name: String },
    #[error("the scenario is invalid: {0}")]
    Invalid(String),
}

impl ScenarioFile {
    pub fn from_toml(text: &str) -> Result<Self, ScenarioError> {
        Ok(toml::from_str(text)?)
    }

    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Subscriptions the demo administrator is given Owner on.
    pub fn unrestricted_subscriptions(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.subscriptions
            .iter()
            .filter(|s| !s.restricted)
            .map(|s| stable_id("subscription", &s.name))
    }
}

/// When a credential was last used, from `last_used_minutes_ago` / `last_used_days_ago`.
pub fn last_used(
    minutes_ago: Option<i64>,
    days_ago: Option<i64>,
    what: &str,
) -> Result<Option<chrono::Duration>, ScenarioError> {
    match (minutes_ago, days_ago) {
        (None, None) => Ok(None),
        (Some(m), None) if m >= 0 => Ok(Some(chrono::Duration::minutes(m.min(10_000_000)))),
        (None, Some(d)) if d >= 0 => Ok(Some(chrono::Duration::days(d.min(10_000)))),
        (Some(_), Some(_)) => Err(ScenarioError::Invalid(format!(
            "{what}: give last_used_minutes_ago or last_used_days_ago, not both"
        ))),
        _ => Err(ScenarioError::Invalid(format!(
            "{what}: a last use lies in the past (a number of minutes or days, not negative)"
        ))),
    }
}
