//! `POST /{tenant}/oauth2/v2.0/token`: client credentials (secret in the form or HTTP Basic),
//! authorization code with PKCE, refresh token (rotated on use), and device code.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::claims::{self, Person, TOKEN_SECONDS};
use super::scope::{self, ResourceScope, Scopes};
use super::{device_code, unknown_tenant, Params, Tenancy};
use crate::context::{Sim, GRAPH_PUBLIC_AUDIENCE};
use crate::directory::{find_valid_credential, CredentialProblem};
use crate::request::SimRequest;
use crate::responses::{identity_json, token_error};
use crate::signing::Claims;
use crate::state::sign_ins::{RefreshRejection, UserGrant};
use crate::state::World;

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The identity platform's answer to anything but a POST on its form endpoints.
pub fn post_only(sim: &Sim, req: &SimRequest) -> Option<Response> {
    (req.method != Method::POST).then(|| {
        bad_request(
            sim,
            "invalid_request",
            900561,
            &format!(
                "The endpoint only accepts POST, OPTIONS requests. Received a {} request.",
                req.method
            ),
        )
    })
}

pub fn token(sim: &Sim, tenant: &str, req: &SimRequest) -> Response {
    if let Some(refused) = post_only(sim, req) {
        return refused;
    }
    let Some(form) = Params::from_body(&req.body) else {
        return missing(sim, "grant_type");
    };
    match form.get("grant_type") {
        Some("client_credentials") => client_credentials(sim, tenant, req, &form),
        Some("authorization_code") => authorization_code(sim, tenant, &form),
        Some("refresh_token") => refresh_token(sim, tenant, &form),
        Some(DEVICE_CODE_GRANT) => device_code::poll(sim, tenant, &form),
        Some(other) => bad_request(
            sim,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
        None => missing(sim, "grant_type"),
    }
}

/// A 400 in the identity platform's error shape.
pub(super) fn bad_request(sim: &Sim, error: &str, aadsts: u32, description: &str) -> Response {
    token_error(StatusCode::BAD_REQUEST, error, aadsts, description, sim)
}

pub(super) fn missing(sim: &Sim, parameter: &str) -> Response {
    bad_request(
        sim,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{parameter}'."),
    )
}

pub(super) fn unknown_client(sim: &Sim, client_id: &str, tenant: &str) -> Response {
    bad_request(
        sim,
        "unauthorized_client",
        700016,
        &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
    )
}

pub(super) fn unknown_resource(sim: &Sim, resource: &str, tenant: &str) -> Response {
    bad_request(
        sim,
        "invalid_resource",
        500011,
        &format!("The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."),
    )
}

/// Public clients: any GUID is accepted as a registered public client (the world has no app
/// registration for Rekey's own client), so only the form is checked.
pub(super) fn public_client(sim: &Sim, form: &Params, tenant: &str) -> Result<Uuid, Response> {
    let Some(client_id) = form.value("client_id") else {
        return Err(missing(sim, "client_id"));
    };
    Uuid::parse_str(client_id).map_err(|_| unknown_client(sim, client_id, tenant))
}

/// `Authorization: Basic` client authentication (RFC 6749 §2.3.1: both parts are form-encoded).
fn basic_credentials(req: &SimRequest) -> Option<(String, String)> {
    let (scheme, value) = req.header("authorization")?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(value.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let form_decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((form_decode(id), form_decode(secret)))
}

fn client_credentials(sim: &Sim, tenant: &str, req: &SimRequest, form: &Params) -> Response {
    let authority = sim.authority();
    let err =
        |status, error: &str, code, description: &str| token_error(status, error, code, description, sim);
    let basic = basic_credentials(req);
    let client_id = form
        .get("client_id")
        .or(basic.as_ref().map(|(id, _)| id.as_str()));
    let client_secret = form
        .get("client_secret")
        .or(basic.as_ref().map(|(_, secret)| secret.as_str()));
    let scope = form.get("scope");
    let world = sim.state.world();
    let Some(Tenancy::One(tenant_id)) = Tenancy::of(&world, tenant) else {
        drop(world);
        return unknown_tenant(sim, tenant);
    };
    let Some(client_id) = client_id else {
        return missing(sim, "client_id");
    };
    let Some(scope) = scope else {
        return missing(sim, "scope");
    };
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let resource = match scopes.as_slice() {
        [one] if one.ends_with("/.default") || one.ends_with(".default") => one.trim_end_matches(".default"),
        _ => {
            return err(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1002012,
                &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
            )
        }
    };
    let Some(client_secret) = client_secret else {
        return err(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    };
    let app_id = Uuid::parse_str(client_id).ok();
    let sp = app_id
        .and_then(|id| world.service_principal_by_app_id(id))
        .filter(|sp| sp.tenant_id == tenant_id);
    let Some(sp) = sp else {
        return unknown_client(sim, client_id, tenant);
    };
    let now = sim.state.now();
    let delay = sim.state.behaviour.replication_delay;
    // The same check AKS's credential reset makes (`arm::reset`), so both agree on every secret.
    match find_valid_credential(&world, sp.app_id, client_secret, now, delay) {
        Ok(_) => {}
        Err(CredentialProblem::UnknownApp | CredentialProblem::NotReplicated) => {
            return unknown_client(sim, client_id, tenant);
        }
        Err(CredentialProblem::InvalidSecret) => {
            return err(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
            );
        }
        Err(CredentialProblem::Expired) => {
            return err(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000222,
                &format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."),
            );
        }
    }
    if !sim.known_resource(resource) {
        return unknown_resource(sim, resource, tenant);
    }
    let audience = scope::normalize_resource(resource);
    let issued = Utc::now().timestamp();
    let claims = Claims {
        roles: claims::app_roles(sim, &world, sp.object_id, &audience),
        aud: audience,
        iss: format!("{authority}/{tenant_id}/v2.0"),
        iat: issued,
        nbf: issued,
        exp: issued + TOKEN_SECONDS,
        tid: tenant_id.to_string(),
        oid: sp.object_id.to_string(),
        sub: sp.object_id.to_string(),
        appid: Some(sp.app_id.to_string()),
        upn: None,
        scp: None,
        idtyp: Some("app".into()),
        ver: "2.0".into(),
    };
    drop(world);
    match sim.signer.sign(&claims) {
        Ok(token) => identity_json(
            StatusCode::OK,
            &json!({"token_type": "Bearer", "expires_in": TOKEN_SECONDS, "ext_expires_in": TOKEN_SECONDS, "access_token": token}),
        ),
        Err(e) => server_error(sim, &e),
    }
}

fn server_error(sim: &Sim, e: &dyn std::fmt::Display) -> Response {
    token_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        50000,
        &format!("There was an error issuing a token: {e}"),
        sim,
    )
}

fn authorization_code(sim: &Sim, tenant: &str, form: &Params) -> Response {
    let Some(tenancy) = Tenancy::of(&sim.state.world(), tenant) else {
        return unknown_tenant(sim, tenant);
    };
    let client_id = match public_client(sim, form, tenant) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let Some(code) = form.value("code") else {
        return missing(sim, "code");
    };
    let now = sim.state.now();
    let mut world = sim.state.world();
    let Some(issued) = world.identity_flows.take_code(code, now) else {
        return bad_request(
            sim,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        );
    };
    if issued.grant.client_id != client_id {
        return bad_request(
            sim,
            "invalid_grant",
            70000,
            "The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
        );
    }
    if form.get("redirect_uri") != Some(issued.redirect_uri.as_str()) {
        return bad_request(
            sim,
            "invalid_grant",
            50011,
            &format!(
                "The redirect URI '{}' specified in the request does not match the redirect URI used to obtain the authorization code.",
                form.get("redirect_uri").unwrap_or_default()
            ),
        );
    }
    if let Some(challenge) = &issued.challenge {
        if !form.get("code_verifier").is_some_and(|v| challenge.accepts(v)) {
            return bad_request(
                sim,
                "invalid_grant",
                50148,
                "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
            );
        }
    }
    match prepare(sim, &mut world, tenancy, &issued.grant, form.value("scope"), now) {
        Ok(prepared) => {
            drop(world);
            respond(sim, prepared, issued.nonce.as_deref(), wants_client_info(form))
        }
        Err(response) => response,
    }
}

fn refresh_token(sim: &Sim, tenant: &str, form: &Params) -> Response {
    let Some(tenancy) = Tenancy::of(&sim.state.world(), tenant) else {
        return unknown_tenant(sim, tenant);
    };
    let client_id = match public_client(sim, form, tenant) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let Some(token) = form.value("refresh_token") else {
        return missing(sim, "refresh_token");
    };
    let now = sim.state.now();
    let mut world = sim.state.world();
    let grant =
        match world.identity_flows.refresh_grant(token, now) {
            Ok(r) => r.grant.clone(),
            Err(RefreshRejection::Unknown) => {
                return bad_request(
                    sim,
                    "invalid_grant",
                    9002313,
                    "Invalid request. Request is malformed or invalid.",
                )
            }
            Err(RefreshRejection::Expired) => return bad_request(
                sim,
                "invalid_grant",
                700082,
                "The refresh token has expired due to inactivity. The token was inactive for 90.00:00:00.",
            ),
        };
    if grant.client_id != client_id {
        return bad_request(
            sim,
            "invalid_grant",
            70000,
            "The provided value for the 'refresh_token' parameter is not valid. The token was issued to a different client.",
        );
    }
    // A refresh token redeemed at another tenant's endpoint: a token in that tenant for a guest,
    // that is a person holding a role on one of its subscriptions.
    let (tenancy, guest_in) = match tenancy {
        Tenancy::One(other) if other != grant.tenant_id => {
            if !is_guest(&world, grant.user_id, other) {
                let upn = world
                    .users
                    .iter()
                    .find(|u| u.object_id == grant.user_id)
                    .map_or_else(|| grant.user_id.to_string(), |u| u.user_principal_name.clone());
                let home = grant.tenant_id;
                drop(world);
                return bad_request(
                    sim,
                    "invalid_grant",
                    50020,
                    &format!("User account '{upn}' from identity provider 'https://sts.windows.net/{home}/' does not exist in tenant '{tenant}' and cannot access the application '{client_id}' in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account."),
                );
            }
            (Tenancy::Any, Some(other))
        }
        same => (same, None),
    };
    match prepare(sim, &mut world, tenancy, &grant, form.value("scope"), now) {
        Ok(mut prepared) => {
            prepared.token_tenant = guest_in;
            // Rotation: the new response carries a new refresh token; the old one is spent.
            world.identity_flows.revoke_refresh_token(token);
            drop(world);
            respond(sim, prepared, None, wants_client_info(form))
        }
        Err(response) => response,
    }
}

/// Whether `user_id` holds a role on a subscription of `tenant_id` (a guest there).
fn is_guest(world: &World, user_id: Uuid, tenant_id: Uuid) -> bool {
    world
        .subscriptions
        .iter()
        .filter(|s| s.tenant_id == tenant_id)
        .any(|s| world.role_on(user_id, s.id).is_some())
}

fn wants_client_info(form: &Params) -> bool {
    form.get("client_info") == Some("1")
}

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
    token_tenant: Option<Uuid>,
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
