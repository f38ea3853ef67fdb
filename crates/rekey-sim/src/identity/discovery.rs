//! Discovery: the instance metadata MSAL asks first, and each tenant's OpenID configuration.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::errors::unknown_tenant;
use super::tenancy::{is_multi_tenant_alias, resolve_tenant};
use crate::context::Sim;
use crate::responses::identity_json;

pub(super) fn discovery_instance(sim: &Sim) -> Response {
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

pub(super) fn openid_configuration(sim: &Sim, tenant: &str) -> Response {
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
