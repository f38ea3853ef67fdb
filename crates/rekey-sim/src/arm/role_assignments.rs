//! `Microsoft.Authorization/roleAssignments` at any scope of a subscription (the subscription, a
//! resource group, a resource such as a subnet): list (with ARM's `$filter`, see
//! `role_assignment_filter`), get, create (PUT) and delete. Shapes: azure-rest-api-specs
//! `Microsoft.Authorization/stable/2022-04-01/examples/RoleAssignments_*.json`.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::paging::paged;
use super::providers::AUTHORIZATION;
use super::rbac;
use super::resource_groups;
use super::role_assignment_filter::Filter;
use super::role_assignment_request::AssignmentRequest;
use super::subscriptions::{authorize, Need};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_timestamp};
use crate::state::{scope_covers, scope_segments, Role, RoleAssignment, RoleAssignmentAudit, World};

/// The subscription's ID and tenant once the caller may act on it, and ARM's 404 for a scope
/// that does not exist (a missing resource group or resource).
fn resolve(
    world: &World,
    caller: &Caller,
    sub: &str,
    scope: &str,
    need: Need,
) -> Result<(Uuid, Uuid), Response> {
    let s = authorize(world, caller, sub, need)?;
    require_scope(world, s.id, scope)?;
    Ok((s.id, s.tenant_id))
}

/// ARM's 404 unless every level of `scope` exists: its resource group, and the resource it names.
fn require_scope(world: &World, sub: Uuid, scope: &str) -> Result<(), Response> {
    let segments = scope_segments(scope);
    if let Some(rg) = segments.get(3) {
        resource_groups::require(world, sub, rg)?;
    }
    if segments.len() < 8 {
        return Ok(());
    }
    let same = |id: &str| scope_covers(id, scope) && scope_covers(scope, id);
    let known = world.clusters.iter().any(|c| same(&c.arm_id()))
        || world.identities.iter().any(|i| same(&i.arm_id()))
        || world.scope_resources.iter().any(|r| same(&r.id))
        || world.vaults.iter().any(|v| same(&v.id()));
    if known {
        return Ok(());
    }
    let rg = segments.get(3).copied().unwrap_or_default();
    let resource = segments.get(5..).unwrap_or_default().join("/");
    Err(arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The Resource '{resource}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
    ))
}

/// Whether an assignment shows in a list at `scope`: those at the scope and above it (inherited);
/// without `atScope()`, those below it too (ARM's "List for scope").
fn visible(ra: &RoleAssignment, scope: &str, at_scope: bool) -> bool {
    scope_covers(&ra.scope, scope) || (!at_scope && scope_covers(scope, &ra.scope))
}

fn same_scope(a: &str, b: &str) -> bool {
    scope_covers(a, b) && scope_covers(b, a)
}

/// `createdOn` of assignments that came with the scenario: they predate the simulation.
const SCENARIO_ASSIGNED_ON: &str = "2024-01-01T00:00:00.000000Z";

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, scope: &str) -> Response {
    let world = sim.state.world();
    let sub = match resolve(&world, caller, sub, scope, read_need(scope)) {
        Ok((s, _)) => s,
        Err(response) => return response,
    };
    let filter = match req.query.get("$filter").map(|f| Filter::parse(f)).transpose() {
        Ok(filter) => filter.unwrap_or_default(),
        Err(response) => return response,
    };
    let items = world
        .role_assignments
        .iter()
        .filter(|ra| {
            ra.subscription_id == sub
                && visible(ra, scope, filter.at_scope)
                && filter
                    .principal
                    .is_none_or(|p| ra.principal_id.to_string().eq_ignore_ascii_case(p))
        })
        .map(|ra| assignment_json(&world, ra))
        .collect();
    drop(world);
    paged(sim, req, items)
}

pub(super) fn get(sim: &Sim, caller: &Caller, sub: &str, scope: &str, name: &str) -> Response {
    let world = sim.state.world();
    let sub = match resolve(&world, caller, sub, scope, read_need(scope)) {
        Ok((s, _)) => s,
        Err(response) => return response,
    };
    let found = Uuid::parse_str(name).ok().and_then(|id| {
        world
            .role_assignments
            .iter()
            .find(|ra| ra.id == id && ra.subscription_id == sub && same_scope(&ra.scope, scope))
    });
    match found {
        Some(ra) => arm_json(StatusCode::OK, &assignment_json(&world, ra), false),
        None => arm_error(
            StatusCode::NOT_FOUND,
            "RoleAssignmentNotFound",
            &format!("The role assignment '{name}' is not found."),
        ),
    }
}

/// `DELETE`: 200 with the assignment removed, 204 when there is none by that name at the scope
/// (`RoleAssignments_Delete.json`). Needs `roleAssignments/delete` on the scope.
pub(super) fn delete(sim: &Sim, caller: &Caller, sub_text: &str, scope: &str, name: &str) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    let path = format!("{scope}/providers/{AUTHORIZATION}/roleAssignments/{name}");
    const ACTION: &str = "Microsoft.Authorization/roleAssignments/delete";
    let need = Need {
        role: Role::Reader,
        action: ACTION,
        scope: &path,
    };
    let sub = match resolve(&world, caller, sub_text, scope, need) {
        Ok((s, _)) => s,
        Err(response) => return response,
    };
    if !rbac::permits(&world, caller.object_id, ACTION, scope, now) {
        return rbac::authorization_failed(caller.object_id, ACTION, &path);
    }
    let at = Uuid::parse_str(name).ok().and_then(|id| {
        world
            .role_assignments
            .iter()
            .position(|ra| ra.id == id && ra.subscription_id == sub && same_scope(&ra.scope, scope))
    });
    let Some(at) = at else {
        return arm_json(StatusCode::NO_CONTENT, &Value::Null, false);
    };
    let body = world
        .role_assignments
        .get(at)
        .map(|ra| assignment_json(&world, ra));
    world.role_assignments.remove(at);
    arm_json(StatusCode::OK, &body.unwrap_or_default(), false)
}

pub(super) fn create(
    sim: &Sim,
    req: &SimRequest,
    caller: &Caller,
    sub_text: &str,
    scope: &str,
    name: &str,
) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    let path = format!("{scope}/providers/{AUTHORIZATION}/roleAssignments/{name}");
    const ACTION: &str = "Microsoft.Authorization/roleAssignments/write";
    let need = Need {
        role: Role::Reader,
        action: ACTION,
        scope: &path,
    };
    let (sub, tenant) = match resolve(&world, caller, sub_text, scope, need) {
        Ok(s) => s,
        Err(response) => return response,
    };
    // Owner or User Access Administrator at the scope or above (docs role-based-access-control/
    // role-assignments-steps: "Microsoft.Authorization/roleAssignments/write").
    if !rbac::permits(&world, caller.object_id, ACTION, scope, now) {
        return rbac::authorization_failed(caller.object_id, ACTION, &path);
    }
    let Ok(id) = Uuid::parse_str(name) else {
        return arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidRoleAssignmentId",
            &format!("The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."),
        );
    };
    let request = match AssignmentRequest::parse(&req.body, sub) {
        Ok(r) => r,
        Err(response) => return response,
    };
    let delay = sim.state.behaviour.replication_delay;
    // Told the principal type, ARM does not wait for the directory: Azure's own advice for a new
    // principal that has not replicated yet.
    let known = match presence(&world, request.principal_id, tenant, now - delay) {
        Presence::Present => true,
        Presence::Replicating => request.principal_type.is_some(),
        Presence::Absent => false,
    };
    if !known {
        return arm_error(
            StatusCode::BAD_REQUEST,
            "PrincipalNotFound",
            &format!("Principal {} does not exist in the directory {tenant}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype", request.principal_id.simple()),
        );
    }
    // Listed at once, but counts for authorization only once RBAC has propagated it.
    let assignment = RoleAssignment::at_scope(
        id,
        request.principal_id,
        sub,
        scope,
        request.role,
        Some(now + world.role_propagation_delay),
    );
    let at_scope = |ra: &RoleAssignment| ra.subscription_id == sub && same_scope(&ra.scope, scope);
    if let Some(existing) = world.role_assignments.iter().find(|ra| ra.id == id) {
        let same = existing.principal_id == assignment.principal_id
            && at_scope(existing)
            && existing.role == assignment.role;
        return if same {
            exists()
        } else {
            arm_error(
                StatusCode::CONFLICT,
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            )
        };
    }
    if world
        .role_assignments
        .iter()
        .any(|ra| ra.principal_id == assignment.principal_id && at_scope(ra) && ra.role == assignment.role)
    {
        return exists();
    }
    world.role_assignment_audit.insert(
        id,
        RoleAssignmentAudit {
            created_on: now,
            created_by: caller.object_id,
        },
    );
    let body = assignment_json(&world, &assignment);
    world.role_assignments.push(assignment);
    drop(world);
    arm_json(StatusCode::CREATED, &body, true)
}

fn read_need(scope: &str) -> Need<'_> {
    Need {
        role: Role::Reader,
        action: "Microsoft.Authorization/roleAssignments/read",
        scope,
    }
}

fn exists() -> Response {
    arm_error(
        StatusCode::CONFLICT,
        "RoleAssignmentExists",
        "The role assignment already exists.",
    )
}

/// Whether a tenant's directory shows a principal to ARM.
enum Presence {
    Present,
    /// A service principal created after `replicated_before`.
    Replicating,
    Absent,
}

fn presence(world: &World, principal: Uuid, tenant: Uuid, replicated_before: DateTime<Utc>) -> Presence {
    if world
        .users
        .iter()
        .any(|u| u.object_id == principal && u.tenant_id == tenant)
    {
        return Presence::Present;
    }
    match world
        .service_principals
        .iter()
        .find(|sp| sp.object_id == principal && sp.tenant_id == tenant)
    {
        Some(sp) if sp.created <= replicated_before => Presence::Present,
        Some(_) => Presence::Replicating,
        None => Presence::Absent,
    }
}

fn principal_type(world: &World, principal: Uuid) -> &'static str {
    if world.users.iter().any(|u| u.object_id == principal) {
        "User"
    } else if world
        .service_principals
        .iter()
        .any(|sp| sp.object_id == principal)
    {
        "ServicePrincipal"
    } else {
        "Unknown"
    }
}

fn assignment_json(world: &World, ra: &RoleAssignment) -> Value {
    let audit = world.role_assignment_audit.get(&ra.id);
    let created_on = audit.map_or_else(
        || SCENARIO_ASSIGNED_ON.to_string(),
        |a| arm_timestamp(a.created_on),
    );
    let created_by = audit.map(|a| a.created_by);
    let sub = ra.subscription_id.to_string();
    let scope = &ra.scope;
    json!({
        "id": format!("{scope}/providers/{AUTHORIZATION}/roleAssignments/{}", ra.id),
        "name": ra.id,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": format!("/subscriptions/{sub}/providers/{AUTHORIZATION}/roleDefinitions/{}", ra.role.guid()),
            "principalId": ra.principal_id,
            "principalType": principal_type(world, ra.principal_id),
            "scope": scope,
            "condition": null,
            "conditionVersion": null,
            "createdOn": created_on,
            "updatedOn": created_on,
            "createdBy": created_by,
            "updatedBy": created_by,
            "delegatedManagedIdentityResourceId": null,
            "description": null
        }
    })
}
