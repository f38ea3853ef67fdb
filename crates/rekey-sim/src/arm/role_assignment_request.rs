//! The body of a role-assignment PUT, checked as ARM checks it.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::role_definitions::role_of_definition;
use crate::responses::arm_error;
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
        let Ok(principal_id) = Uuid::parse_str(principal) else {
            return Err(arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidPrincipalId",
                "A valid principal ID must be provided for role assignment.",
            ));
        };
        Ok(AssignmentRequest {
            role: role_of_definition(definition, sub)?,
            principal_id,
            principal_type: principal_type.map(str::to_string),
        })
    }
}

/// A property by name; ARM deserializes names case-insensitively.
fn field<'b>(object: &'b Map<String, Value>, name: &str) -> Option<&'b Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn content_error(detail: &str) -> Response {
    arm_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestContent",
        &format!("The request content was invalid and could not be deserialized: '{detail}'"),
    )
}
