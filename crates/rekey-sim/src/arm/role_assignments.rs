//! `Microsoft.Authorization/roleAssignments` at subscription or resource-group scope: list (with
//! ARM's `$filter`, see `role_assignment_filter`), get, and create (PUT).

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::paging::paged;
use super::providers::AUTHORIZATION;
use super::resource_groups;
use super::role_assignment_filter::Filter;
use super::role_definitions::role_of_definition;
use super::subscriptions::{authorize, Need};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_timestamp};
use crate::state::{Role, RoleAssignment, RoleAssignmentAudit, World};

/// The scope text of a subscription or one of its resource groups.
fn scope_text(sub: &str, rg: Option<&str>) -> String {
    match rg {
        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}"),
        None => format!("/subscriptions/{sub}"),
    }
}

/// The subscription's ID once the caller may act on it, and ARM's 404 for a missing resource group.
fn resolve(
    world: &World,
    caller: &Caller,
    sub: &str,
    rg: Option<&str>,
    need: Need,
) -> Result<(Uuid, Uuid), Response> {
    let s = authorize(world, caller, sub, need)?;
    if let Some(rg) = rg {
        resource_groups::require(world, s.id, rg)?;
    }
    Ok((s.id, s.tenant_id))
}

/// Whether an assignment applies at `rg` (or at the subscription when `rg` is `None`): assignments
/// at the scope and above it (`atScope()`), or, at subscription scope without it, every one below.
fn visible(ra: &RoleAssignment, rg: Option<&str>, at_scope: bool) -> bool {
    match (rg, &ra.resource_group) {
        (_, None) => true,
        (None, Some(_)) => !at_scope,
        (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
    }
}

/// `createdOn` of assignments that came with the scenario: they predate the simulation.
const SCENARIO_ASSIGNED_ON: &str = "2024-01-01T00:00:00.000000Z";

/// ARM's principal types; the simulator's directory has users and service principals only.
const PRINCIPAL_TYPES: &[&str] = &["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"];

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, rg: Option<&str>) -> Response {
    let world = sim.state.world();
    let scope = scope_text(sub, rg);
    let sub = match resolve(&world, caller, sub, rg, read_need(&scope)) {
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
                && visible(ra, rg, filter.at_scope)
                && filter
                    .principal
                    .is_none_or(|p| ra.principal_id.to_string().eq_ignore_ascii_case(p))
        })
        .map(|ra| assignment_json(&world, ra))
        .collect();
    drop(world);
    paged(sim, req, items)
}

pub(super) fn get(sim: &Sim, caller: &Caller, sub: &str, rg: Option<&str>, name: &str) -> Response {
    let world = sim.state.world();
    let scope = scope_text(sub, rg);
    let sub = match resolve(&world, caller, sub, rg, read_need(&scope)) {
        Ok((s, _)) => s,
        Err(response) => return response,
    };
    let found = Uuid::parse_str(name).ok().and_then(|id| {
        world
            .role_assignments
            .iter()
            .find(|ra| ra.id == id && ra.subscription_id == sub)
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

pub(super) fn create(
    sim: &Sim,
    req: &SimRequest,
    caller: &Caller,
    sub_text: &str,
    rg: Option<&str>,
    name: &str,
) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    let scope = format!(
        "{}/providers/{AUTHORIZATION}/roleAssignments/{name}",
        scope_text(sub_text, rg)
    );
    let need = Need {
        role: Role::Owner,
        action: "Microsoft.Authorization/roleAssignments/write",
        scope: &scope,
    };
    let (sub, tenant) = match resolve(&world, caller, sub_text, rg, need) {
        Ok(s) => s,
        Err(response) => return response,
    };
    let resource_group = rg.and_then(|rg| {
        world
            .clusters
            .iter()
            .find(|c| c.subscription_id == sub && c.resource_group.eq_ignore_ascii_case(rg))
            .map(|c| c.resource_group.clone())
    });
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
    let assignment = RoleAssignment {
        id,
        principal_id: request.principal_id,
        subscription_id: sub,
        resource_group,
        role: request.role,
    };
    let same_scope = |ra: &RoleAssignment| {
        ra.subscription_id == sub
            && match (&ra.resource_group, &assignment.resource_group) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    };
    if let Some(existing) = world.role_assignments.iter().find(|ra| ra.id == id) {
        let same = existing.principal_id == assignment.principal_id
            && same_scope(existing)
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
        .any(|ra| ra.principal_id == assignment.principal_id && same_scope(ra) && ra.role == assignment.role)
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
    let scope = scope_text(&sub, ra.resource_group.as_deref());
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

/// A PUT body: `{"properties":{"roleDefinitionId","principalId","principalType"?}}`.
struct AssignmentRequest {
    role: Role,
    principal_id: Uuid,
    principal_type: Option<String>,
}

impl AssignmentRequest {
    fn parse(body: &[u8], sub: Uuid) -> Result<Self, Response> {
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
