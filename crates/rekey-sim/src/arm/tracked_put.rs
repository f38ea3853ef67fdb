//! What every tracked resource's PUT (create or update) starts with, as ARM's resource-provider
//! contract has it: the caller may write at the resource's scope, in a resource group that exists,
//! and the body is a JSON object with a `location` (LocationRequired otherwise) and string `tags`.
//! Used by user-assigned identities and Key Vault's vaults.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::resource_groups;
use super::subscriptions::{authorize, Need};
use crate::request::property;
use crate::responses::{arm_error, invalid_request_content};
use crate::state::World;

/// An authorized PUT's subscription and the body's common part.
pub(super) struct TrackedPut {
    pub sub_id: Uuid,
    pub tenant_id: Uuid,
    pub body: Map<String, Value>,
    pub location: String,
    /// Tags with string values, in the body's order; others are dropped, as ARM does.
    pub tags: Vec<(String, String)>,
}

pub(super) fn begin(
    world: &World,
    caller: &Caller,
    sub: &str,
    rg: &str,
    need: Need,
    body: &[u8],
) -> Result<TrackedPut, Response> {
    let subscription = authorize(world, caller, sub, need)?;
    let (sub_id, tenant_id) = (subscription.id, subscription.tenant_id);
    resource_groups::require(world, sub_id, rg)?;
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(invalid_request_content("The request body must be a JSON object."));
    };
    let location = property(&body, "location")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            arm_error(
                StatusCode::BAD_REQUEST,
                "LocationRequired",
                "The location property is required for this definition.",
            )
        })?
        .to_string();
    let tags = property(&body, "tags")
        .and_then(Value::as_object)
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(TrackedPut {
        sub_id,
        tenant_id,
        body,
        location,
        tags,
    })
}
