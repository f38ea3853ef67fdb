//! How a cluster authenticates, read from its ARM resource.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{CredentialInfo, ExpiryStatus};
use crate::azure::models::{ManagedCluster, Subscription};

/// The identity the cluster uses to call Azure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum IdentityKind {
    /// `servicePrincipalProfile.clientId` is an app ID: its secret expires and must be rotated.
    ServicePrincipal,
    /// `clientId` is `"msi"`: Azure rotates it, nothing to do.
    ManagedIdentity,
}

/// How users sign in to the cluster's API server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AadIntegration {
    None,
    /// The retired AAD integration (server and client apps): its server app secret also expires.
    Legacy,
    /// AKS-managed Entra ID: nothing to rotate.
    Managed,
}

/// One row of the cluster table. Metadata only: no secret ever travels in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClusterRow {
    pub id: String,
    pub name: String,
    pub subscription_id: String,
    pub subscription_name: String,
    pub resource_group: String,
    pub location: String,
    pub identity_kind: IdentityKind,
    pub aad_integration: AadIntegration,
    pub sp_client_id: Option<String>,
    pub provisioning_state: String,
    pub power_state: Option<String>,
    pub kubernetes_version: Option<String>,
    pub tenant_id: Option<String>,
    /// The tenant's display name from ARM's list of tenants, when it gave one (admins know tenants
    /// by name; the ID stays for hover and exports).
    #[serde(default)]
    pub tenant_name: Option<String>,
    pub node_count: Option<u32>,
    /// The legacy AAD integration's server app, whose secret also expires.
    pub aad_server_app_id: Option<String>,
    /// The service principal's display name (from Graph).
    pub sp_display_name: Option<String>,
    pub expiry: ExpiryStatus,
    /// Every credential on the app and the service principal object (and the legacy AAD server app).
    pub credentials: Vec<CredentialInfo>,
    /// Whether Rekey can rotate it at all ([`ClusterRow::can_rotate`]), for the window to offer.
    #[serde(default)]
    pub rotatable: bool,
}

impl ClusterRow {
    /// The tenant of the first of `ids` (ARM IDs, any case) found in `rows`: whose settings and
    /// actor a plan of those clusters uses.
    pub fn tenant_of(ids: &[String], rows: &[ClusterRow]) -> Option<String> {
        ids.iter()
            .find_map(|id| rows.iter().find(|r| r.id.eq_ignore_ascii_case(id)))
            .and_then(|r| r.tenant_id.clone())
    }

    /// A service principal's secret, or the legacy AAD integration's server app secret: what Rekey
    /// rotates. A managed identity rotates itself; managed Entra ID has no secret.
    pub fn can_rotate(&self) -> bool {
        self.identity_kind == IdentityKind::ServicePrincipal || self.aad_integration == AadIntegration::Legacy
    }

    /// Whether `mode` applies to it: a secret or a new principal needs a service principal, `aad`
    /// the legacy integration (what `rekey rotate --all-expiring-within` picks).
    pub fn rotatable_in(&self, aad_mode: bool) -> bool {
        if aad_mode {
            self.aad_integration == AadIntegration::Legacy
        } else {
            self.identity_kind == IdentityKind::ServicePrincipal
        }
    }
}

/// The resource group segment of an ARM ID (`/subscriptions/…/resourceGroups/{rg}/…`), any case.
fn resource_group(id: &str) -> String {
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("resourcegroups") {
            return parts.next().unwrap_or_default().to_string();
        }
    }
    String::new()
}

pub fn classify(cluster: &ManagedCluster, subscription: &Subscription) -> ClusterRow {
    let p = &cluster.properties;
    let sp_client_id = p
        .service_principal_profile
        .as_ref()
        .map(|sp| sp.client_id.clone())
        .filter(|id| !id.eq_ignore_ascii_case("msi") && !id.is_empty());
    let identity_kind = if sp_client_id.is_some() {
        IdentityKind::ServicePrincipal
    } else {
        IdentityKind::ManagedIdentity
    };
    let aad_integration = match &p.aad_profile {
        Some(aad) if aad.managed == Some(true) => AadIntegration::Managed,
        Some(aad) if aad.server_app_id.as_deref().is_some_and(|s| !s.is_empty()) => AadIntegration::Legacy,
        _ => AadIntegration::None,
    };
    ClusterRow {
        id: cluster.id.clone(),
        name: cluster.name.clone(),
        subscription_id: subscription.subscription_id.clone(),
        subscription_name: subscription.display_name.clone(),
        resource_group: resource_group(&cluster.id),
        location: cluster.location.clone(),
        identity_kind,
        aad_integration,
        sp_client_id,
        provisioning_state: p.provisioning_state.clone().unwrap_or_else(|| "Unknown".into()),
        power_state: p.power_state.as_ref().and_then(|s| s.code.clone()),
        kubernetes_version: p
            .current_kubernetes_version
            .clone()
            .or_else(|| p.kubernetes_version.clone()),
        tenant_id: subscription.tenant_id.clone(),
        tenant_name: None,
        // Saturating: the counts come from Azure, and a sum past u32::MAX must not panic.
        node_count: Some(
            p.agent_pool_profiles
                .iter()
                .filter_map(|a| a.count)
                .fold(0u32, u32::saturating_add),
        )
        .filter(|n| *n > 0),
        aad_server_app_id: match &p.aad_profile {
            Some(aad) if aad_integration == AadIntegration::Legacy => aad.server_app_id.clone(),
            _ => None,
        },
        sp_display_name: None,
        expiry: if identity_kind == IdentityKind::ManagedIdentity {
            ExpiryStatus::auto_rotated()
        } else {
            ExpiryStatus::unknown("The service principal's credentials have not been read yet.")
        },
        credentials: Vec::new(),
        rotatable: identity_kind == IdentityKind::ServicePrincipal
            || aad_integration == AadIntegration::Legacy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(json: serde_json::Value) -> ManagedCluster {
        serde_json::from_value(json).expect("test fixture is valid")
    }

    fn sub() -> Subscription {
        Subscription {
            subscription_id: "s1".into(),
            tenant_id: None,
            display_name: "Sub One".into(),
            state: None,
        }
    }

    #[test]
    fn msi_client_id_is_a_managed_identity() {
        let c = cluster(serde_json::json!({
            "id": "/subscriptions/s1/resourcegroups/rg-a/providers/Microsoft.ContainerService/managedClusters/a",
            "name": "a",
            "properties": {"servicePrincipalProfile": {"clientId": "msi"}, "provisioningState": "Succeeded"}
        }));
        let row = classify(&c, &sub());
        assert_eq!(row.identity_kind, IdentityKind::ManagedIdentity);
        assert_eq!(row.sp_client_id, None);
        assert_eq!(row.resource_group, "rg-a");
    }

    #[test]
    fn app_id_is_a_service_principal_and_legacy_aad_is_flagged() {
        let c = cluster(serde_json::json!({
            "id": "/subscriptions/s1/resourceGroups/RG-B/providers/Microsoft.ContainerService/managedClusters/b",
            "name": "b",
            "properties": {
                "servicePrincipalProfile": {"clientId": "00000000-0000-0000-0000-000000000001"},
                "aadProfile": {"managed": false, "serverAppID": "00000000-0000-0000-0000-000000000002"}
            }
        }));
        let row = classify(&c, &sub());
        assert_eq!(row.identity_kind, IdentityKind::ServicePrincipal);
        assert_eq!(row.aad_integration, AadIntegration::Legacy);
        assert_eq!(row.provisioning_state, "Unknown");
        assert_eq!(row.resource_group, "RG-B");
    }

    #[test]
    fn managed_aad_wins_over_a_stale_server_app() {
        let c = cluster(serde_json::json!({
            "id": "x", "name": "c",
            "properties": {"aadProfile": {"managed": true, "serverAppID": "ignored"}}
        }));
        assert_eq!(classify(&c, &sub()).aad_integration, AadIntegration::Managed);
    }
}
