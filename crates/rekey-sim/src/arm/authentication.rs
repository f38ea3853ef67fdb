//! Who calls ARM: the bearer token checked for ARM's audiences, and the 401 challenge that tells a
//! client where to sign in.

use axum::response::Response;
use uuid::Uuid;

use crate::context::{Sim, ARM_AUDIENCES};
use crate::request::SimRequest;
use crate::responses::arm_unauthorized;
use crate::signing::TokenRejection;
use crate::state::World;

/// The signed-in principal behind an ARM request.
pub struct Caller {
    pub object_id: Uuid,
    /// The tenant the token was issued in (`tid`).
    pub tenant_id: Option<Uuid>,
    /// An app-only token (a service principal's).
    pub app: bool,
    /// The login authority a 401 points to (the simulator's).
    pub authority: String,
}

impl Caller {
    /// Whether this token reaches subscriptions of `tenant`. A person's token (delegated) reaches
    /// only its own tenant's, as in Azure: a guest needs a token from the other tenant. A service
    /// principal's keeps reaching every subscription it holds a role on, as a delegated (Azure
    /// Lighthouse) administrator would; the simulator's demo administrator relies on it.
    pub fn reaches_tenant(&self, tenant: Uuid) -> bool {
        self.app || self.tenant_id == Some(tenant)
    }

    /// Whether the caller holds a role on `subscription` and its token reaches its tenant.
    pub fn can_read(&self, world: &World, subscription: Uuid) -> bool {
        world.role_on(self.object_id, subscription).is_some()
            && world
                .subscription(subscription)
                .is_some_and(|s| self.reaches_tenant(s.tenant_id))
    }
}

/// Where a 401 sends the client to sign in: the login authority with the tenant of the
/// subscription the path names, or the bare authority (`https://login.windows.net/` in Azure).
fn authorization_uri(sim: &Sim, req: &SimRequest) -> String {
    let authority = sim.authority();
    let tenant = match req.segments.as_slice() {
        [first, sub, ..] if first.eq_ignore_ascii_case("subscriptions") => {
            Uuid::parse_str(sub).ok().and_then(|sub| {
                let world = sim.state.world();
                world.subscription(sub).map(|s| s.tenant_id)
            })
        }
        _ => None,
    };
    match tenant {
        Some(tenant) => format!("{authority}/{tenant}"),
        None => format!("{authority}/"),
    }
}

pub fn authenticate(sim: &Sim, req: &SimRequest) -> Result<Caller, Response> {
    let uri = authorization_uri(sim, req);
    let unauthorized = |code: &str, message: &str| arm_unauthorized(code, message, message, &uri);
    let Some(header) = req.header("authorization") else {
        return Err(arm_unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
            &uri,
        ));
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Err(unauthorized(
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        ));
    };
    match sim.signer.verify(token.trim(), ARM_AUDIENCES) {
        Ok(claims) => Uuid::parse_str(&claims.oid)
            .map(|object_id| Caller {
                object_id,
                tenant_id: Uuid::parse_str(&claims.tid).ok(),
                app: claims.idtyp.as_deref() == Some("app") || claims.appid.is_some(),
                authority: sim.authority(),
            })
            .map_err(|_| unauthorized("InvalidAuthenticationToken", "The access token is invalid.")),
        Err(TokenRejection::Expired) => Err(unauthorized(
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        )),
        Err(TokenRejection::WrongAudience) => Err(unauthorized(
            "InvalidAuthenticationTokenAudience",
            "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'.",
        )),
        Err(TokenRejection::Invalid) => Err(unauthorized("InvalidAuthenticationToken", "The access token is invalid.")),
    }
}
