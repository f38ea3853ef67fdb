//! The ARM calls that move a cluster from a service principal to a managed identity: resources by
//! ID (a subnet's route table, a user-assigned identity), role assignments at any scope, the managed
//! cluster's model read and written back whole (as `az aks update` does), and a node pool's image
//! upgrade. Operations start through [`super::lro`] and are followed by its one polling loop.

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::arm::{segment, ArmClient, ClusterId, AKS_API};
use super::directory::checked as guid;
use super::error::CallError;
use super::lro::Started;
use crate::transport::{read_json, AzureError};

/// `Microsoft.ManagedIdentity/userAssignedIdentities` (azure-rest-api-specs,
/// specification/msi/resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31).
pub const MSI_API: &str = "2023-01-31";
/// `Microsoft.Network` subnets (specification/network/resource-manager, stable 2024-05-01).
pub const NETWORK_API: &str = "2024-05-01";

/// An ARM resource ID, checked and rebuilt from percent-encoded segments: `/subscriptions/{guid}/…`
/// with no empty, `.` or `..` segment. An ID read from a cluster or typed by the admin can never
/// steer a request off its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId {
    pub subscription: String,
    segments: Vec<String>,
}

impl ResourceId {
    pub fn parse(id: &str) -> Result<ResourceId, AzureError> {
        let bad = |why: &str| AzureError::Malformed {
            what: "resource ID".into(),
            detail: format!("'{id}' {why}"),
        };
        let segments: Vec<String> = id
            .trim()
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .map(str::to_string)
            .collect();
        if !id.trim().starts_with('/') || segments.len() < 2 {
            return Err(bad("is not /subscriptions/…"));
        }
        if !segments[0].eq_ignore_ascii_case("subscriptions") {
            return Err(bad("does not start with /subscriptions/"));
        }
        if segments
            .iter()
            .any(|s| s.is_empty() || s == "." || s == ".." || s.contains(['?', '#']))
        {
            return Err(bad("has an empty or relative segment"));
        }
        guid("subscription ID", &segments[1])?;
        Ok(ResourceId {
            subscription: segments[1].clone(),
            segments,
        })
    }

    /// The path, each segment percent-encoded.
    pub fn path(&self) -> String {
        self.segments.iter().map(|s| format!("/{}", segment(s))).collect()
    }

    /// The value after the segment named `key` (any case), e.g. `resourceGroups`.
    pub fn after(&self, key: &str) -> Option<&str> {
        let at = self.segments.iter().position(|s| s.eq_ignore_ascii_case(key))?;
        self.segments.get(at + 1).map(String::as_str)
    }

    /// The last segment (the resource's name).
    pub fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// The ID as Azure writes it (unencoded).
    pub fn as_str(&self) -> String {
        self.segments.iter().map(|s| format!("/{s}")).collect()
    }
}

/// Whether a role assignment at `held` applies at `scope`: the same scope or a parent of it
/// (Azure RBAC inherits downward), compared without letter case.
pub fn covers(held: &str, scope: &str) -> bool {
    let held = held.trim_end_matches('/').to_ascii_lowercase();
    let scope = scope.trim_end_matches('/').to_ascii_lowercase();
    held == "/" || scope == held || scope.starts_with(&format!("{held}/"))
}

/// A user-assigned identity: its IDs (the principal is what roles are granted to).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAssignedIdentity {
    pub id: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub properties: IdentityProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProperties {
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
}

/// An agent pool as `agentPools/{name}` returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct AgentPool {
    pub name: String,
    #[serde(default)]
    pub properties: AgentPoolProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPoolProperties {
    #[serde(default)]
    pub provisioning_state: Option<String>,
    #[serde(default)]
    pub node_image_version: Option<String>,
}

/// The name of the role assignment of `role` to `principal` at `scope`: a GUID derived from the
/// three, so that a request sent again after a lost answer writes the same assignment.
pub fn assignment_name(scope: &str, role_definition_id: &str, principal_id: &str) -> String {
    let digest = Sha256::digest(
        format!(
            "{}|{}|{}",
            scope.to_ascii_lowercase(),
            role_definition_id
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase(),
            principal_id.to_ascii_lowercase()
        )
        .as_bytes(),
    );
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

impl ArmClient {
    /// Any resource by ID, as JSON (`api_version` the resource type's).
    pub async fn resource(&self, id: &ResourceId, api_version: &str) -> Result<Value, CallError> {
        let url = self.url(&id.path(), api_version)?;
        let response = self.send(Method::GET, &url, None).await?;
        Ok(read_json(&url, response).await?)
    }

    pub async fn user_assigned_identity(&self, id: &ResourceId) -> Result<UserAssignedIdentity, CallError> {
        let url = self.url(&id.path(), MSI_API)?;
        let response = self.send(Method::GET, &url, None).await?;
        Ok(read_json(&url, response).await?)
    }

    /// Creates (or finds again: a PUT is idempotent) the user-assigned identity `id` in `location`.
    pub async fn create_user_assigned_identity(
        &self,
        id: &ResourceId,
        location: &str,
    ) -> Result<UserAssignedIdentity, CallError> {
        let url = self.url(&id.path(), MSI_API)?;
        let body = serde_json::json!({ "location": location }).to_string();
        let response = self.send(Method::PUT, &url, Some(body.as_bytes())).await?;
        Ok(read_json(&url, response).await?)
    }

    /// The managed cluster's whole model, as JSON: what `az aks update` reads, changes and PUTs back.
    pub async fn cluster_model(&self, id: &ClusterId) -> Result<Value, CallError> {
        let url = self.url(&id.path(), AKS_API)?;
        let response = self.send(Method::GET, &url, None).await?;
        Ok(read_json(&url, response).await?)
    }

    /// PUTs the managed cluster's model (`managedClusters` CreateOrUpdate, a long-running operation).
    pub async fn put_cluster_model(&self, id: &ClusterId, model: &Value) -> Result<Started, CallError> {
        let url = self.url(&id.path(), AKS_API)?;
        let body = model.to_string();
        self.start_operation(
            Method::PUT,
            &url,
            Some(body.as_bytes()),
            "the managed cluster's update",
        )
        .await
    }

    pub async fn agent_pool(&self, id: &ClusterId, pool: &str) -> Result<AgentPool, CallError> {
        let url = self.url(&format!("{}/agentPools/{}", id.path(), segment(pool)), AKS_API)?;
        let response = self.send(Method::GET, &url, None).await?;
        Ok(read_json(&url, response).await?)
    }

    /// `agentPools/{pool}/upgradeNodeImageVersion` (`az aks nodepool upgrade --node-image-only`).
    pub async fn upgrade_node_image(&self, id: &ClusterId, pool: &str) -> Result<Started, CallError> {
        let url = self.url(
            &format!(
                "{}/agentPools/{}/upgradeNodeImageVersion",
                id.path(),
                segment(pool)
            ),
            AKS_API,
        )?;
        self.start_operation(Method::POST, &url, None, "upgradeNodeImageVersion")
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_are_checked_and_rebuilt() {
        let id = ResourceId::parse(
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v n/subnets/s",
        );
        let id = id.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(id.after("resourcegroups"), Some("rg"));
        assert_eq!(id.name(), "s");
        assert!(id.path().contains("/v%20n/"));
        for bad in [
            "/subscriptions/x/rg",
            "subscriptions/00000000-0000-0000-0000-000000000001",
            "/subscriptions/00000000-0000-0000-0000-000000000001/../x",
            "/tenants/t",
        ] {
            assert!(ResourceId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_parent_scope_covers_its_children_only() {
        assert!(covers("/subscriptions/S", "/subscriptions/s/resourceGroups/rg"));
        assert!(covers(
            "/subscriptions/s/resourceGroups/rg",
            "/subscriptions/s/resourcegroups/RG"
        ));
        assert!(!covers(
            "/subscriptions/s/resourceGroups/rg",
            "/subscriptions/s/resourceGroups/rg2"
        ));
        assert!(!covers(
            "/subscriptions/s/resourceGroups/rg/x",
            "/subscriptions/s/resourceGroups/rg"
        ));
    }

    #[test]
    fn an_assignment_has_one_name_for_one_grant() {
        let a = assignment_name("/subscriptions/s/x", "/r/roleDefinitions/ABC", "p");
        assert_eq!(a, assignment_name("/SUBSCRIPTIONS/s/x", "abc", "P"));
        assert_ne!(a, assignment_name("/subscriptions/s/y", "abc", "p"));
        assert!(crate::azure::directory::is_guid(&a));
    }
}
