//! Azure RBAC's decision at any scope: a principal may perform an action on a scope when a role
//! assignment at that scope or above it (inherited, docs role-based-access-control/scope-overview)
//! has a role whose permissions allow the action, and the assignment has propagated.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::role_definitions;
use crate::responses::arm_error;
use crate::state::{scope_covers, World};

/// Whether `principal` may perform `action` on `scope` at `now`.
pub(crate) fn permits(world: &World, principal: Uuid, action: &str, scope: &str, now: DateTime<Utc>) -> bool {
    world.role_assignments.iter().any(|ra| {
        ra.principal_id == principal
            && ra.effective(now)
            && scope_covers(&ra.scope, scope)
            && role_definitions::allows(ra.role, action)
    })
}

/// Whether `principal` may perform the data action `action` (a Key Vault secret operation) on
/// `scope` at `now`: the same inheritance and propagation, against the roles' `dataActions`.
pub fn permits_data(world: &World, principal: Uuid, action: &str, scope: &str, now: DateTime<Utc>) -> bool {
    world.role_assignments.iter().any(|ra| {
        ra.principal_id == principal
            && ra.effective(now)
            && scope_covers(&ra.scope, scope)
            && role_definitions::allows_data(ra.role, action)
    })
}

/// ARM's 403 when the caller may not perform `action` on `scope`.
pub(super) fn authorization_failed(principal: Uuid, action: &str, scope: &str) -> Response {
    arm_error(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        &format!("The client '{principal}' with object id '{principal}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
    )
}

/// ARM's 403 when an identity may write a resource but not use a resource it links to (a subnet
/// its nodes join): the message of real traffic quoted in Azure/aad-pod-identity#550 and
/// Azure/AKS#2673.
pub(super) fn linked_authorization_failed(
    principal: Uuid,
    action: &str,
    scope: &str,
    linked_action: &str,
    linked: &str,
) -> (String, String) {
    (
        "LinkedAuthorizationFailed".into(),
        format!("The client '{principal}' with object id '{principal}' has permission to perform action '{action}' on scope '{scope}'; however, it does not have permission to perform action '{linked_action}' on the linked scope(s) '{linked}' or the linked scope(s) are invalid."),
    )
}
