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

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterIdentity {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
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
