//! The Microsoft identity platform (v2.0 endpoints): discovery, keys, the token endpoint, and the
//! interactive flows (browser sign-in with PKCE, device code) with their own sign-in pages.

mod authorize;
mod claims;
mod client_credentials;
mod device_code;
mod discovery;
mod errors;
mod html;
mod issue;
mod params;
mod scope;
mod sign_in;
mod tenancy;
mod token;
mod usage;

use axum::http::StatusCode;
use axum::response::Response;

use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::identity_json;

pub use usage::record_app_sign_in;

/// Routes the login paths; `None` when the path is not an identity-platform path.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    if req.route(&["common", "discovery", "instance"]).is_some() {
        return Some(discovery::discovery_instance(sim));
    }
    if let Some(c) = req.route(&["*", "v2.0", ".well-known", "openid-configuration"]) {
        return Some(discovery::openid_configuration(sim, c[0]));
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
