//! The ARM resources Rekey reads, tolerant of fields Azure adds or leaves out.

use serde::Deserialize;

use crate::transport::lenient;

/// A page of an ARM list (`{"value": [...], "nextLink": "..."}`) or a Graph list (`@odata.nextLink`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[serde(
        default = "Vec::new",
        deserialize_with = "lenient::or_default",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub value: Vec<T>,
    #[serde(default, alias = "@odata.nextLink")]
    pub next_link: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub subscription_id: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    pub display_name: String,
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub tenant_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub default_domain: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedCluster {
    pub id: String,
    pub name: String,
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub location: String,
    #[serde(default)]
    pub identity: Option<ManagedClusterIdentity>,
    #[serde(default)]
    pub tags: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub properties: ManagedClusterProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterIdentity {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The system-assigned identity's object ID (none for a user-assigned one).
    #[serde(default)]
    pub principal_id: Option<String>,
    /// User-assigned identities by resource ID, each with its principal (object) and client IDs.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub user_assigned_identities: std::collections::BTreeMap<String, UserAssignedIdentityRef>,
}

/// A user-assigned identity as a resource that uses it lists it (`principalId`, `clientId`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentityRef {
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    /// Only in `identityProfile` entries (the kubelet identity).
    #[serde(default)]
    pub object_id: Option<String>,
    #[serde(default)]
    pub resource_id: Option<String>,
}

/// Whether a cluster or agent pool in `provisioning_state` (any case) is running an operation, so
/// that another would be refused (`OperationNotAllowed`) or would race it.
pub fn is_busy(provisioning_state: &str) -> bool {
    const BUSY: [&str; 6] = [
        "updating",
        "refreshingaadprofile",
        "upgrading",
        "scaling",
        "starting",
        "stopping",
    ];
    BUSY.iter().any(|b| b.eq_ignore_ascii_case(provisioning_state))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterProperties {
    #[serde(default)]
    pub provisioning_state: Option<String>,
    #[serde(default)]
    pub power_state: Option<PowerState>,
    #[serde(default)]
    pub kubernetes_version: Option<String>,
    #[serde(default)]
    pub current_kubernetes_version: Option<String>,
    #[serde(default)]
    pub service_principal_profile: Option<ServicePrincipalProfile>,
    #[serde(default)]
    pub aad_profile: Option<AadProfile>,
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub agent_pool_profiles: Vec<AgentPoolProfile>,
    #[serde(default)]
    pub node_resource_group: Option<String>,
    /// `kubeletidentity`: the identity the nodes use once their image runs on a managed identity.
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub identity_profile: std::collections::BTreeMap<String, UserAssignedIdentityRef>,
    #[serde(default)]
    pub api_server_access_profile: Option<ApiServerAccessProfile>,
}

/// `apiServerAccessProfile`: a private cluster's DNS zone (a resource ID, `system` or `none`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiServerAccessProfile {
    #[serde(default)]
    pub enable_private_cluster: Option<bool>,
    #[serde(rename = "privateDNSZone", default)]
    pub private_dns_zone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPoolProfile {
    #[serde(default)]
    pub name: Option<String>,
    /// Some API versions and proxies send it as a string.
    #[serde(default, deserialize_with = "lenient::number")]
    pub count: Option<u32>,
    #[serde(default)]
    pub upgrade_settings: Option<UpgradeSettings>,
    /// A custom (bring-your-own) subnet's resource ID.
    #[serde(rename = "vnetSubnetID", default)]
    pub vnet_subnet_id: Option<String>,
    #[serde(default)]
    pub node_image_version: Option<String>,
}

/// How many extra nodes an upgrade (or the re-image a credential reset triggers) adds at a time.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeSettings {
    #[serde(default)]
    pub max_surge: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PowerState {
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalProfile {
    pub client_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AadProfile {
    #[serde(default)]
    pub managed: Option<bool>,
    #[serde(rename = "serverAppID", default)]
    pub server_app_id: Option<String>,
    #[serde(rename = "clientAppID", default)]
    pub client_app_id: Option<String>,
    #[serde(rename = "tenantID", default)]
    pub tenant_id: Option<String>,
}
