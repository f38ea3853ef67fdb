//! A signed-in person's token response: the grant checked against the request, then the access, ID
//! and refresh tokens signed (authorization code, refresh token and device code share it).

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::claims::{self, Person, TOKEN_SECONDS};
use super::errors::{bad_request, server_error, unknown_resource};
use super::scope::{self, ResourceScope, Scopes};
use super::tenancy::Tenancy;
use crate::context::{Sim, GRAPH_PUBLIC_AUDIENCE};
use crate::responses::identity_json;
use crate::state::sign_ins::UserGrant;
use crate::state::World;

/// Everything for a user's token response, decided under the world lock; signing happens after.
pub(super) struct Prepared {
    person: Person,
    client_id: Uuid,
    resource: ResourceScope,
    permissions: Vec<String>,
    /// The `scope` of the response: the granted permissions, and any `.default` asked for.
    scope: String,
    refresh_token: Option<String>,
    id_token: bool,
    /// The tenant the tokens are for when it is not the person's home tenant (a guest's).
    pub(super) token_tenant: Option<Uuid>,
}

/// Checks a person's grant against this request and records a new refresh token if the grant has
/// `offline_access`. The access token is for the first resource of `requested_scope`, else of the
/// grant's scope, else Microsoft Graph (as when only OpenID scopes are asked for).
pub(super) fn prepare(
    sim: &Sim,
    world: &mut World,
    tenancy: Tenancy,
    grant: &UserGrant,
    requested_scope: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Prepared, Response> {
    if !tenancy.admits(grant.tenant_id) {
        return Err(bad_request(
            sim,
            "invalid_grant",
            700005,
            "Provided Authorization Code is intended to use against other tenant, thus rejected.",
        ));
    }
    let for_resource = requested_scope
        .filter(|s| Scopes::new(s).first_resource().is_some())
        .unwrap_or(&grant.scope);
    let resource = Scopes::new(for_resource)
        .first_resource()
        .unwrap_or_else(|| scope::resource_of(&format!("{GRAPH_PUBLIC_AUDIENCE}.default")));
    if !sim.known_resource(&resource.resource) {
        return Err(unknown_resource(
            sim,
            &resource.resource,
            &grant.tenant_id.to_string(),
        ));
    }
    let Some(user) = world.users.iter().find(|u| u.object_id == grant.user_id) else {
        return Err(bad_request(
            sim,
            "invalid_grant",
            50034,
            "The user account does not exist in the directory. To sign into this application, the account must be added to the directory.",
        ));
    };
    let person = Person::from(user);
    let permissions = claims::delegated_permissions(sim, world, person.object_id, &resource.resource);
    let mut granted: Vec<String> = permissions
        .iter()
        .map(|p| format!("{}{p}", resource.prefix))
        .collect();
    for item in Scopes::new(for_resource).resource_items() {
        let same_resource = scope::resource_of(item).resource == resource.resource;
        if same_resource && item.ends_with("/.default") && !granted.iter().any(|g| g == item) {
            granted.push(item.to_string());
        }
    }
    let consented = Scopes::new(&grant.scope);
    let refresh_token = consented
        .has("offline_access")
        .then(|| world.identity_flows.issue_refresh_token(grant.clone(), now));
    Ok(Prepared {
        person,
        client_id: grant.client_id,
        resource,
        permissions,
        scope: granted.join(" "),
        refresh_token,
        id_token: consented.has("openid"),
        token_tenant: None,
    })
}

/// Signs the tokens and answers in the token endpoint's shape.
pub(super) fn respond(sim: &Sim, prepared: Prepared, nonce: Option<&str>, client_info: bool) -> Response {
    // Tokens name the tenant they are for (`tid`, `iss`); `client_info` keeps the home tenant.
    let mut in_tenant = prepared.person.clone();
    if let Some(tenant) = prepared.token_tenant {
        in_tenant.tenant_id = tenant;
    }
    let access = claims::user_access_claims(
        sim,
        &in_tenant,
        prepared.client_id,
        &prepared.resource.resource,
        &prepared.permissions,
    );
    let access_token = match sim.signer.sign_any(&access) {
        Ok(t) => t,
        Err(e) => return server_error(sim, &e),
    };
    let mut body = Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("scope".into(), json!(prepared.scope));
    body.insert("expires_in".into(), json!(TOKEN_SECONDS));
    body.insert("ext_expires_in".into(), json!(TOKEN_SECONDS));
    body.insert("access_token".into(), json!(access_token));
    if let Some(refresh) = prepared.refresh_token {
        body.insert("refresh_token".into(), json!(refresh));
    }
    if prepared.id_token {
        let id = claims::id_token_claims(sim, &in_tenant, prepared.client_id, nonce);
        match sim.signer.sign_any(&id) {
            Ok(t) => body.insert("id_token".into(), json!(t)),
            Err(e) => return server_error(sim, &e),
        };
    }
    if client_info {
        body.insert("client_info".into(), json!(claims::client_info(&prepared.person)));
    }
    identity_json(StatusCode::OK, &Value::Object(body))
}
