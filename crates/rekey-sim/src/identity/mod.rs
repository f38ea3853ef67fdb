//! The Microsoft identity platform (v2.0 endpoints): discovery, keys, the token endpoint, and the
//! interactive flows (browser sign-in with PKCE, device code) with their own sign-in pages.

mod authorize;
mod claims;
mod device_code;
mod html;
mod scope;
mod token;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use uuid::Uuid;

use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{identity_json, token_error};
use crate::scenario::DEMO_USERS;
use crate::state::{secret_digest, World};
use claims::Person;

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
        return Some(token::token(sim, c[0], req));
    }
    if let Some(c) = req.route(&["*", "oauth2", "v2.0", "authorize"]) {
        return Some(authorize::authorize(sim, c[0], req));
    }
    if let Some(c) = req.route(&["*", "oauth2", "v2.0", "devicecode"]) {
        return Some(device_code::start(sim, c[0], req));
    }
    if req.route(&["devicelogin"]).is_some() {
        return Some(device_code::login(sim, req));
    }
    None
}

/// Form or query parameters. The first value of a name wins; unknown names are ignored.
struct Params(Vec<(String, String)>);

impl Params {
    /// A form body; `None` when it is not `application/x-www-form-urlencoded` text.
    fn from_body(body: &[u8]) -> Option<Self> {
        serde_urlencoded::from_bytes(body).ok().map(Params)
    }

    fn from_query(req: &SimRequest) -> Self {
        let pairs = req
            .raw_query
            .as_deref()
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Params(pairs)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Like [`Params::get`], with an empty value counted as absent.
    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

/// Which tenants' users a `/{tenant}/…` path admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenancy {
    One(Uuid),
    /// `common`, `organizations` (and `consumers`, which has no users here).
    Any,
}

impl Tenancy {
    /// `None` for an unknown tenant.
    fn of(world: &World, tenant: &str) -> Option<Self> {
        match resolve_tenant(world, tenant) {
            Some(id) => Some(Tenancy::One(id)),
            None if is_multi_tenant_alias(tenant) => Some(Tenancy::Any),
            None => None,
        }
    }

    fn admits(self, tenant_id: Uuid) -> bool {
        match self {
            Tenancy::One(id) => id == tenant_id,
            Tenancy::Any => true,
        }
    }

    fn id(self) -> Option<Uuid> {
        match self {
            Tenancy::One(id) => Some(id),
            Tenancy::Any => None,
        }
    }
}

/// The outcome of checking a user name and password typed into a sign-in page.
enum SignIn {
    Ok(Person),
    /// Unknown user or wrong password: the page does not say which.
    WrongCredentials,
    /// A real user, but of another tenant than the one signed in to.
    OtherTenant,
}

fn sign_in(world: &World, tenancy: Tenancy, username: &str, password: &str) -> SignIn {
    let user = world
        .users
        .iter()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(username.trim()));
    match user {
        Some(u) if u.password_sha256 == secret_digest(password) => {
            if tenancy.admits(u.tenant_id) {
                SignIn::Ok(Person::from(u))
            } else {
                SignIn::OtherTenant
            }
        }
        _ => SignIn::WrongCredentials,
    }
}

/// The note on every sign-in page: the demo accounts that work in the loaded world.
fn demo_accounts_note(world: &World) -> String {
    let working: Vec<String> = DEMO_USERS
        .iter()
        .filter(|(upn, _, password)| {
            world.users.iter().any(|u| {
                u.user_principal_name.eq_ignore_ascii_case(upn)
                    && u.password_sha256 == secret_digest(password)
            })
        })
        .map(|(upn, name, password)| {
            format!(
                "<li><code>{}</code> ({}), password <code>{}</code></li>",
                html::escape(upn),
                html::escape(name),
                html::escape(password)
            )
        })
        .collect();
    if working.is_empty() {
        return "<div class=\"note\">This is a simulated sign-in. Use a user of the loaded scenario.</div>"
            .into();
    }
    format!(
        "<div class=\"note\"><p>This is a simulated sign-in. Demo accounts:</p><ul>{}</ul></div>",
        working.concat()
    )
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
            "tenant_region_scope": "WW",
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
        sim,
    )
}
