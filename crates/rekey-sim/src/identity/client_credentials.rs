//! `grant_type=client_credentials`: an application signs in with its secret (in the form or HTTP
//! Basic) and gets an app-only access token.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::claims::{self, TOKEN_SECONDS};
use super::errors::{missing, server_error, unknown_client, unknown_resource, unknown_tenant};
use super::params::Params;
use super::scope;
use super::tenancy::Tenancy;
use crate::context::Sim;
use crate::directory::{find_valid_credential, CredentialProblem};
use crate::request::SimRequest;
use crate::responses::{identity_json, token_error};
use crate::signing::Claims;

use super::record_app_sign_in;

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

pub(super) fn client_credentials(sim: &Sim, tenant: &str, req: &SimRequest, form: &Params) -> Response {
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
    let mut world = sim.state.world();
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
    let key_id = match find_valid_credential(&world, sp.app_id, client_secret, now, delay) {
        Ok(key_id) => key_id,
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
    };
    if !sim.known_resource(resource) {
        return unknown_resource(sim, resource, tenant);
    }
    let audience = scope::normalize_resource(resource);
    let app_id = sp.app_id;
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
    let signed = sim.signer.sign(&claims);
    // Graph's sign-in activity reports: which credential signed in, for what, when.
    let recorded = record_app_sign_in(sim, &mut world, tenant_id, app_id, key_id, &claims.aud, now);
    drop(world);
    match signed {
        Ok(token) => {
            let mut response = identity_json(
                StatusCode::OK,
                &json!({"token_type": "Bearer", "expires_in": TOKEN_SECONDS, "ext_expires_in": TOKEN_SECONDS, "access_token": token}),
            );
            // The report's `lastSignInRequestId` is this response's request ID, as in Entra.
            if let Some(id) = recorded.and_then(|r| HeaderValue::from_str(&r.request_id.to_string()).ok()) {
                response.headers_mut().insert("x-ms-request-id", id);
            }
            response
        }
        Err(e) => server_error(sim, &e),
    }
}
