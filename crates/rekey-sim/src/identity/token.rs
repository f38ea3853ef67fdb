//! `POST /{tenant}/oauth2/v2.0/token`: the endpoint that takes every grant, and the two grants a
//! public client redeems for a person: authorization code (with PKCE) and refresh token (rotated
//! on use). Client credentials and device code have files of their own.

use axum::response::Response;
use uuid::Uuid;

use super::client_credentials::client_credentials;
use super::device_code;
use super::errors::{bad_request, missing, post_only, public_grant};
use super::issue::{prepare, respond};
use super::params::Params;
use super::tenancy::Tenancy;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::state::sign_ins::RefreshRejection;
use crate::state::World;

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

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

fn authorization_code(sim: &Sim, tenant: &str, form: &Params) -> Response {
    let (tenancy, client_id, code) = match public_grant(sim, tenant, form, "code") {
        Ok(found) => found,
        Err(response) => return response,
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
            respond(sim, prepared, issued.nonce.as_deref(), form.wants_client_info())
        }
        Err(response) => response,
    }
}

fn refresh_token(sim: &Sim, tenant: &str, form: &Params) -> Response {
    let (tenancy, client_id, token) = match public_grant(sim, tenant, form, "refresh_token") {
        Ok(found) => found,
        Err(response) => return response,
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
            respond(sim, prepared, None, form.wants_client_info())
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
