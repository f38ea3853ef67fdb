//! Tenants and subscriptions, and the role check every subscription-scoped request goes through.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::paging::paged;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_unauthorized};
use crate::state::{Role, Subscription, World};

/// What a request needs of the caller on a subscription: at least `role`, to perform `action` on `scope`.
pub(super) struct Need<'a> {
    pub role: Role,
    pub action: &'a str,
    pub scope: &'a str,
}

/// The subscription if it exists and the caller's role on it is enough; ARM's 400, 404 or 403 otherwise.
pub(super) fn authorize<'w>(
    world: &'w World,
    caller: &Caller,
    id: &str,
    need: Need,
) -> Result<&'w Subscription, Response> {
    let Ok(sub_id) = Uuid::parse_str(id) else {
        return Err(arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidSubscriptionId",
            &format!("The provided subscription identifier '{id}' is malformed or invalid."),
        ));
    };
    let Some(sub) = world.subscription(sub_id) else {
        return Err(arm_error(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            &format!("The subscription '{id}' could not be found."),
        ));
    };
    if !caller.reaches_tenant(sub.tenant_id) {
        let (token_tenant, tenant) = (caller.tenant_id.unwrap_or_default(), sub.tenant_id);
        let message = format!("The access token is from the wrong issuer 'https://sts.windows.net/{token_tenant}/'. It must match the tenant 'https://sts.windows.net/{tenant}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{tenant}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.");
        // A 401 (not 403) whose challenge names the subscription's tenant, so that a client can get
        // a token there and retry.
        return Err(arm_unauthorized(
            "InvalidAuthenticationTokenTenant",
            &message,
            "The access token is from the wrong issuer.",
            &format!("{}/{tenant}", caller.authority),
        ));
    }
    // Roles rank Reader < Contributor < Owner, as `World::role_on` ranks them.
    if world
        .role_on(caller.object_id, sub_id)
        .is_none_or(|held| (held as u8) < (need.role as u8))
    {
        let oid = caller.object_id;
        return Err(arm_error(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            &format!("The client '{oid}' with object id '{oid}' does not have authorization to perform action '{}' over scope '{}' or the scope is invalid. If access was recently granted, please refresh your credentials.", need.action, need.scope),
        ));
    }
    Ok(sub)
}

/// [`authorize`] for reading clusters: any role on the subscription.
pub(super) fn readable<'w>(
    world: &'w World,
    caller: &Caller,
    id: &str,
) -> Result<&'w Subscription, Response> {
    let scope = format!("/subscriptions/{id}");
    let need = Need {
        role: Role::Reader,
        action: "Microsoft.ContainerService/managedClusters/read",
        scope: &scope,
    };
    authorize(world, caller, id, need)
}

/// The subscriptions `GET /subscriptions` lists: those the caller holds a role on, in the tenants
/// its token reaches.
fn readable_subscriptions<'w>(world: &'w World, caller: &Caller) -> Vec<&'w Subscription> {
    world
        .subscriptions
        .iter()
        .filter(|s| caller.can_read(world, s.id))
        .collect()
}

/// Every tenant where the caller holds a role on some subscription, whichever tenant its token is
/// from (as `GET /tenants` lists a guest's other tenants too).
pub(super) fn list_tenants(sim: &Sim, req: &SimRequest, caller: &Caller) -> Response {
    let world = sim.state.world();
    let mut tenant_ids: Vec<Uuid> = world
        .subscriptions
        .iter()
        .filter(|s| world.role_on(caller.object_id, s.id).is_some())
        .map(|s| s.tenant_id)
        .collect();
    tenant_ids.sort();
    tenant_ids.dedup();
    let items = world
        .tenants
        .iter()
        .filter(|t| tenant_ids.contains(&t.id))
        .map(|t| {
            json!({
                "id": format!("/tenants/{}", t.id),
                "tenantId": t.id,
                "tenantCategory": "Home",
                "displayName": t.display_name,
                "defaultDomain": t.default_domain,
                "domains": [t.default_domain],
                "tenantType": "AAD"
            })
        })
        .collect();
    drop(world);
    paged(sim, req, items)
}

fn subscription_json(s: &Subscription) -> Value {
    json!({
        "id": format!("/subscriptions/{}", s.id),
        "subscriptionId": s.id,
        "tenantId": s.tenant_id,
        "displayName": s.display_name,
        "state": s.state,
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {}
    })
}

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller) -> Response {
    let world = sim.state.world();
    let items = readable_subscriptions(&world, caller)
        .into_iter()
        .map(subscription_json)
        .collect();
    drop(world);
    paged(sim, req, items)
}

pub(super) fn get(sim: &Sim, caller: &Caller, id: &str) -> Response {
    let world = sim.state.world();
    match readable(&world, caller, id) {
        Ok(s) => arm_json(StatusCode::OK, &subscription_json(s), false),
        Err(response) => response,
    }
}
