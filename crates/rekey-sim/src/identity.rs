//! The Microsoft identity platform (v2.0 endpoints): discovery, keys and the token endpoint.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{identity_json, token_error};
use crate::signing::Claims;
use crate::state::{secret_digest, PasswordCredential, World};

/// Routes the login paths; `None` when the path is not an identity-platform path.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    if req.route(&["common", "discovery", "instance"]).is_some() {
        return Some(discovery_instance(sim));
    }
    if let Some(c) = req.route(&["*", "v2.0", ".well-known", "openid-configuration"]) {
        return Some(openid_configuration(sim, c[0]));
    }
    if req.route(&["*", "discovery", "v2.0", "keys"]).is_some() {
        return Some(identity_json(StatusCode::OK, &sim.signer.jwks()));
    }
    if let Some(c) = req.route(&["*", "oauth2", "v2.0", "token"]) {
        return Some(token(sim, c[0], req));
    }
    None
}

fn discovery_instance(sim: &Sim) -> Response {
    let authority = sim.authority();
    let host = sim.base_url.host_str().unwrap_or("127.0.0.1").to_string();
    identity_json(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("{authority}/{{tenant}}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}]
        }),
    )
}

fn openid_configuration(sim: &Sim, tenant: &str) -> Response {
    let a = sim.authority();
    let issuer_tenant = match resolve_tenant(&sim.state.world(), tenant) {
        Some(id) => id.to_string(),
        None if is_multi_tenant_alias(tenant) => "{tenantid}".to_string(),
        None => return unknown_tenant(sim, tenant),
    };
    identity_json(
        StatusCode::OK,
        &json!({
            "token_endpoint": format!("{a}/{tenant}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{a}/{tenant}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{a}/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{a}/oidc/userinfo"),
            "authorization_endpoint": format!("{a}/{tenant}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{a}/{tenant}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{a}/{tenant}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{a}/{tenant}/kerberos"),
            "tenant_region_scope": null,
            "cloud_instance_name": sim.base_url.host_str().unwrap_or("127.0.0.1"),
            "cloud_graph_host_name": sim.base_url.host_str().unwrap_or("127.0.0.1"),
            "msgraph_host": sim.base_url.host_str().unwrap_or("127.0.0.1"),
            "rbac_url": a,
        }),
    )
}

fn is_multi_tenant_alias(tenant: &str) -> bool {
    ["common", "organizations", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
}

/// A tenant by GUID or by verified domain.
fn resolve_tenant(world: &World, tenant: &str) -> Option<Uuid> {
    world
        .tenants
        .iter()
        .find(|t| {
            t.id.to_string().eq_ignore_ascii_case(tenant) || t.default_domain.eq_ignore_ascii_case(tenant)
        })
        .map(|t| t.id)
}

fn unknown_tenant(sim: &Sim, tenant: &str) -> Response {
    token_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        90002,
        &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        &sim.authority(),
    )
}

fn token(sim: &Sim, tenant: &str, req: &SimRequest) -> Response {
    let authority = sim.authority();
    let form: Vec<(String, String)> = match serde_urlencoded::from_bytes(&req.body) {
        Ok(f) => f,
        Err(_) => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
                &authority,
            )
        }
    };
    // Unknown fields are ignored, as the real endpoint does.
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match field("grant_type") {
        Some("client_credentials") => client_credentials(
            sim,
            tenant,
            field("client_id"),
            field("client_secret"),
            field("scope"),
        ),
        Some(other) => token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
            &authority,
        ),
        None => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
            &authority,
        ),
    }
}

fn client_credentials(
    sim: &Sim,
    tenant: &str,
    client_id: Option<&str>,
    client_secret: Option<&str>,
    scope: Option<&str>,
) -> Response {
    let authority = sim.authority();
    let err = |status, error: &str, code, description: &str| {
        token_error(status, error, code, description, &authority)
    };
    let world = sim.state.world();
    let Some(tenant_id) = resolve_tenant(&world, tenant) else {
        drop(world);
        return unknown_tenant(sim, tenant);
    };
    let Some(client_id) = client_id else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(scope) = scope else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
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
        return err(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        );
    };
    let now = sim.state.now();
    let delay = sim.state.behaviour.replication_delay;
    let digest = secret_digest(client_secret);
    let app_creds = world
        .application_by_app_id(sp.app_id)
        .map(|a| a.password_credentials.as_slice())
        .unwrap_or(&[]);
    let matched: Option<&PasswordCredential> = app_creds
        .iter()
        .chain(sp.password_credentials.iter())
        .find(|c| c.secret_sha256 == digest && c.created + delay <= now);
    let Some(credential) = matched else {
        return err(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        );
    };
    if credential.end <= now {
        return err(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000222,
            &format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."),
        );
    }
    if !sim.known_resource(resource) {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!("The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."),
        );
    }
    let issued = Utc::now().timestamp();
    let claims = Claims {
        aud: resource.to_string(),
        iss: format!("{authority}/{tenant_id}/v2.0"),
        iat: issued,
        nbf: issued,
        exp: issued + 3599,
        tid: tenant_id.to_string(),
        oid: sp.object_id.to_string(),
        sub: sp.object_id.to_string(),
        appid: Some(sp.app_id.to_string()),
        upn: None,
        scp: None,
        roles: Vec::new(),
        idtyp: Some("app".into()),
        ver: "2.0".into(),
    };
    drop(world);
    match sim.signer.sign(&claims) {
        Ok(token) => identity_json(
            StatusCode::OK,
            &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}),
        ),
        Err(e) => err(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            &format!("There was an error issuing a token: {e}"),
        ),
    }
}
