//! `Microsoft.ManagedIdentity/userAssignedIdentities`: create or update (PUT), get, list by
//! resource group and subscription, delete. Shapes: azure-rest-api-specs `specification/msi/
//! resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31/examples/Identity*.json`. Each
//! identity is also a service principal of the subscription's tenant, so roles can be granted to it.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::authentication::Caller;
use super::identity_update::add_principal;
use super::paging::paged;
use super::resource_groups;
use super::subscriptions::{authorize, readable, Need};
use super::tracked_put::begin;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};
use crate::state::{stable_id, Role, UserAssignedIdentity};

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, rg: Option<&str>) -> Response {
    let world = sim.state.world();
    let sub = match readable(&world, caller, sub) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    if let Some(rg) = rg {
        if let Err(response) = resource_groups::require(&world, sub, rg) {
            return response;
        }
    }
    let items = world
        .identities
        .iter()
        .filter(|i| i.subscription_id == sub && rg.is_none_or(|rg| i.resource_group.eq_ignore_ascii_case(rg)))
        .map(identity_json)
        .collect();
    drop(world);
    paged(sim, req, items)
}

pub(super) fn handle(
    sim: &Sim,
    req: &SimRequest,
    caller: &Caller,
    sub: &str,
    rg: &str,
    name: &str,
) -> Response {
    if req.method == Method::PUT {
        return put(sim, req, caller, sub, rg, name);
    }
    let write = req.method == Method::DELETE;
    let mut world = sim.state.world();
    let scope = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}");
    let need = Need {
        role: if write { Role::Contributor } else { Role::Reader },
        action: if write {
            "Microsoft.ManagedIdentity/userAssignedIdentities/delete"
        } else {
            "Microsoft.ManagedIdentity/userAssignedIdentities/read"
        },
        scope: &scope,
    };
    let sub_id = match authorize(&world, caller, sub, need) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    if let Err(response) = resource_groups::require(&world, sub_id, rg) {
        return response;
    }
    let at = world.identities.iter().position(|i| {
        i.subscription_id == sub_id
            && i.resource_group.eq_ignore_ascii_case(rg)
            && i.name.eq_ignore_ascii_case(name)
    });
    match (at, write) {
        (Some(at), false) => match world.identities.get(at) {
            Some(i) => arm_json(StatusCode::OK, &identity_json(i), false),
            None => not_found(rg, name),
        },
        // IdentityDelete.json: 200 when deleted, 204 when there was none. Its service principal goes too.
        (Some(at), true) => {
            let gone = world.identities.remove(at);
            world
                .service_principals
                .retain(|sp| sp.object_id != gone.principal_id);
            empty(StatusCode::OK)
        }
        (None, true) => empty(StatusCode::NO_CONTENT),
        (None, false) => not_found(rg, name),
    }
}

fn put(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, rg: &str, name: &str) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    let scope = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}");
    let need = Need {
        role: Role::Contributor,
        action: "Microsoft.ManagedIdentity/userAssignedIdentities/write",
        scope: &scope,
    };
    let put = match begin(&world, caller, sub, rg, need, &req.body) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let (sub_id, tenant, location, tags) = (put.sub_id, put.tenant_id, put.location, put.tags);
    if let Some(existing) = world.identities.iter_mut().find(|i| {
        i.subscription_id == sub_id
            && i.resource_group.eq_ignore_ascii_case(rg)
            && i.name.eq_ignore_ascii_case(name)
    }) {
        // An update keeps the identity's IDs; tags are replaced.
        existing.tags = tags;
        return arm_json(StatusCode::OK, &identity_json(existing), true);
    }
    let key = format!("{sub_id}/{}/{name}", rg.to_ascii_lowercase());
    let identity = UserAssignedIdentity {
        subscription_id: sub_id,
        resource_group: rg.to_string(),
        name: name.to_string(),
        location,
        tags,
        principal_id: stable_id("uami-principal", &key),
        client_id: stable_id("uami-client", &key),
        tenant_id: tenant,
    };
    add_principal(
        &mut world.service_principals,
        identity.principal_id,
        identity.client_id,
        tenant,
        name,
        now,
    );
    let body = identity_json(&identity);
    world.identities.push(identity);
    arm_json(StatusCode::CREATED, &body, true)
}

fn identity_json(i: &UserAssignedIdentity) -> Value {
    json!({
        "id": i.arm_id(),
        "name": i.name,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
        "location": i.location,
        "tags": i.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, Value>>(),
        "properties": {
            "tenantId": i.tenant_id,
            "principalId": i.principal_id,
            "clientId": i.client_id,
            "isolationScope": "None"
        }
    })
}

fn not_found(rg: &str, name: &str) -> Response {
    arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
    )
}

fn empty(status: StatusCode) -> Response {
    let mut response = arm_json(status, &Value::Null, true);
    *response.body_mut() = axum::body::Body::empty();
    response.headers_mut().remove(axum::http::header::CONTENT_TYPE);
    response
}
