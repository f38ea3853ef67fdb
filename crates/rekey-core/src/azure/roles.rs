//! ARM role assignments (`Microsoft.Authorization/roleAssignments`) of a service principal at
//! subscription scope: what a cluster's old principal may do, copied to a new one so that
//! networking, image pulls and disks keep working after the switch.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::arm::ArmClient;
use super::directory::checked as guid;
use super::error::{AzureError, CallError};
use super::identity::{assignment_name, ResourceId};
use crate::transport::read_json;

pub const AUTHORIZATION_API: &str = "2022-04-01";

/// One role assignment, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RoleAssignment {
    pub id: String,
    pub scope: String,
    pub role_definition_id: String,
    pub principal_id: String,
    /// The built-in role's name, else the definition's GUID ([`super::builtin_roles::role_name`]).
    #[serde(default)]
    pub role_name: String,
}

#[derive(Deserialize)]
struct Wire {
    id: String,
    properties: WireProperties,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireProperties {
    #[serde(default)]
    scope: String,
    role_definition_id: String,
    principal_id: String,
}

impl From<Wire> for RoleAssignment {
    fn from(w: Wire) -> Self {
        RoleAssignment {
            role_name: super::builtin_roles::role_name(&w.properties.role_definition_id),
            id: w.id,
            scope: w.properties.scope,
            role_definition_id: w.properties.role_definition_id,
            principal_id: w.properties.principal_id,
        }
    }
}

/// The body of a role assignment's PUT: `role_definition_id` for the service principal (managed
/// identities are service principals too) `principal_id`.
pub(crate) fn assignment_body(role_definition_id: &str, principal_id: &str) -> String {
    serde_json::json!({
        "properties": {
            "roleDefinitionId": role_definition_id,
            "principalId": principal_id,
            "principalType": "ServicePrincipal",
        }
    })
    .to_string()
}

/// The full ID of the built-in role `guid` as seen from `scope`'s subscription.
pub fn builtin_definition(scope: &ResourceId, guid: &str) -> String {
    format!(
        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        scope.subscription
    )
}

impl ArmClient {
    /// The role assignments of the principal (object ID) `principal_id` in `subscription`.
    pub async fn role_assignments_of(
        &self,
        subscription: &str,
        principal_id: &str,
    ) -> Result<Vec<RoleAssignment>, CallError> {
        guid("subscription ID", subscription)?;
        guid("principal ID", principal_id)?;
        let mut url = self.url(
            &format!("/subscriptions/{subscription}/providers/Microsoft.Authorization/roleAssignments"),
            AUTHORIZATION_API,
        )?;
        url.query_pairs_mut()
            .append_pair("$filter", &format!("principalId eq '{principal_id}'"));
        // Every page: a principal with many assignments must not look as if it had no Owner role.
        let wires: Vec<Wire> = self.list(url).await?;
        Ok(wires.into_iter().map(RoleAssignment::from).collect())
    }

    /// The role assignments that apply to `principal_id` (and its groups) at `scope`: those at the
    /// scope and above it (`$filter=atScope() and assignedTo('{id}')`).
    pub async fn role_assignments_at(
        &self,
        scope: &ResourceId,
        principal_id: &str,
    ) -> Result<Vec<RoleAssignment>, CallError> {
        guid("principal ID", principal_id)?;
        let mut url = self.url(
            &format!(
                "{}/providers/Microsoft.Authorization/roleAssignments",
                scope.path()
            ),
            AUTHORIZATION_API,
        )?;
        url.query_pairs_mut()
            .append_pair("$filter", &format!("atScope() and assignedTo('{principal_id}')"));
        let wires: Vec<Wire> = self.list(url).await?;
        Ok(wires.into_iter().map(RoleAssignment::from).collect())
    }

    /// Gives `principal_id` the role `role_definition_id` (a full definition ID) at `scope`, the
    /// scope it was held at (PUT `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`):
    /// never wider. The name is derived from the three, so a request sent again after a lost answer
    /// writes the same assignment, and 409 `RoleAssignmentExists` is success.
    pub async fn assign_role(
        &self,
        scope: &ResourceId,
        role_definition_id: &str,
        principal_id: &str,
    ) -> Result<(), CallError> {
        guid("principal ID", principal_id)?;
        let name = assignment_name(&scope.as_str(), role_definition_id, principal_id);
        let url = self.url(
            &format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
                scope.path()
            ),
            AUTHORIZATION_API,
        )?;
        let body = assignment_body(role_definition_id, principal_id);
        match self.send(Method::PUT, &url, Some(body.as_bytes())).await {
            Ok(response) => {
                let _: serde_json::Value = read_json(&url, response).await?;
                Ok(())
            }
            Err(CallError::Azure(AzureError::Api {
                status: 409, code, ..
            })) if code.eq_ignore_ascii_case("RoleAssignmentExists") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes the role assignment `id` (its full ID, as listed). 404: already gone, which is what
    /// was asked.
    pub async fn delete_role_assignment(&self, id: &str) -> Result<(), CallError> {
        let marker = "/providers/microsoft.authorization/roleassignments/";
        if !id.to_ascii_lowercase().contains(marker) || id.contains("..") || id.contains('?') {
            return Err(AzureError::Malformed {
                what: "role assignment ID".into(),
                detail: id.to_string(),
            }
            .into());
        }
        let url = self.url(id, AUTHORIZATION_API)?;
        match self.send(Method::DELETE, &url, None).await {
            Ok(_) => Ok(()),
            Err(CallError::Azure(AzureError::Api { status: 404, .. })) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
