//! The body of a role-assignment PUT, checked as ARM checks it.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use uuid::Uuid;

use super::role_definitions::role_of_definition;
use crate::request::property as field;
use crate::responses::{arm_error, invalid_request_content as content_error};
use crate::state::Role;

/// ARM's principal types; the simulator's directory has users and service principals only.
const PRINCIPAL_TYPES: &[&str] = &["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"];

/// A PUT body: `{"properties":{"roleDefinitionId","principalId","principalType"?}}`.
pub(super) struct AssignmentRequest {
    pub(super) role: Role,
    pub(super) principal_id: Uuid,
    pub(super) principal_type: Option<String>,
}

impl AssignmentRequest {
    pub(super) fn parse(body: &[u8], sub: Uuid) -> Result<Self, Response> {
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
            return Err(content_error("The request body must be a JSON object."));
        };
        let Some(Value::Object(properties)) = field(&body, "properties") else {
            return Err(content_error(
                "Required property 'properties' not found in JSON. Path ''.",
            ));
        };
        let string = |name: &str| match field(properties, name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(content_error(&format!(
                "Unexpected value for property '{name}'. Path 'properties.{name}'."
            ))),
        };
        let missing = |name: &str| {
            content_error(&format!(
                "Required property '{name}' not found in JSON. Path 'properties'."
            ))
        };
        let definition = string("roleDefinitionId")?.ok_or_else(|| missing("roleDefinitionId"))?;
        let principal = string("principalId")?.ok_or_else(|| missing("principalId"))?;
        let principal_type = string("principalType")?;
        if let Some(t) = principal_type {
            if !PRINCIPAL_TYPES.iter().any(|known| known.eq_ignore_ascii_case(t)) {
                return Err(content_error(&format!(
                    "Error converting value \"{t}\" to type 'PrincipalType'. Path 'properties.principalType'."
                )));
            }
        }
        // ARM's words for a principal ID that is no GUID (Azure/azure-powershell#16627).
        let Ok(principal_id) = Uuid::parse_str(principal) else {
            return Err(arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidPrincipalId",
                &format!("The Principal ID '{principal}' is not valid. Principal ID must be a GUID."),
            ));
        };
        Ok(AssignmentRequest {
            role: role_of_definition(definition, sub)?,
            principal_id,
            principal_type: principal_type.map(str::to_string),
        })
    }
}
