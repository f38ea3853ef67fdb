//! What goes into the tokens: delegated permissions (`scp`) and app roles (`roles`) from the world,
//! user access-token claims, and OpenID Connect ID-token claims.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::scope::normalize_resource;
use crate::context::Sim;
use crate::state::{User, World};

/// Access tokens and ID tokens live an hour, as Entra's do (`expires_in: 3599`).
pub const TOKEN_SECONDS: i64 = 3599;

/// The person a token is issued to: what the claims need from a [`User`].
#[derive(Debug, Clone)]
pub struct Person {
    pub object_id: Uuid,
    pub tenant_id: Uuid,
    pub upn: String,
    pub name: String,
}

impl From<&User> for Person {
    fn from(user: &User) -> Self {
        Person {
            object_id: user.object_id,
            tenant_id: user.tenant_id,
            upn: user.user_principal_name.clone(),
            name: user.display_name.clone(),
        }
    }
}

/// A delegated (user) access token. It also verifies as [`crate::signing::Claims`].
#[derive(Debug, Serialize)]
pub struct UserAccessClaims {
    aud: String,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    tid: String,
    oid: String,
    sub: String,
    /// The client the user signed in to (v2 tokens name it `azp`; `azpacr` 0 = public client).
    azp: String,
    azpacr: &'static str,
    upn: String,
    preferred_username: String,
    name: String,
    scp: String,
    idtyp: &'static str,
    ver: &'static str,
}

/// An OpenID Connect ID token: who signed in, for the client itself.
#[derive(Debug, Serialize)]
pub struct IdTokenClaims {
    aud: String,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    sub: String,
    oid: String,
    tid: String,
    preferred_username: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    ver: &'static str,
}

fn issuer(sim: &Sim, tenant_id: Uuid) -> String {
    format!("{}/{tenant_id}/v2.0", sim.authority())
}

pub fn is_graph(sim: &Sim, resource: &str) -> bool {
    let wanted = normalize_resource(resource);
    sim.graph_audiences()
        .iter()
        .any(|a| normalize_resource(a).eq_ignore_ascii_case(&wanted))
}

/// The delegated permissions a user's token carries: `user_impersonation` for ARM; for Graph,
/// `User.Read` (which every user may consent to) and the user's Graph grants.
pub fn delegated_permissions(sim: &Sim, world: &World, user_id: Uuid, resource: &str) -> Vec<String> {
    if !is_graph(sim, resource) {
        return vec!["user_impersonation".into()];
    }
    let mut permissions = vec!["User.Read".to_string()];
    for grant in world.graph_grants.iter().filter(|g| g.principal_id == user_id) {
        if !permissions.contains(&grant.permission) {
            permissions.push(grant.permission.clone());
        }
    }
    permissions
}

/// The application permissions an app-only token carries: its Graph grants, for Graph only.
pub fn app_roles(sim: &Sim, world: &World, principal_id: Uuid, resource: &str) -> Vec<String> {
    if !is_graph(sim, resource) {
        return Vec::new();
    }
    world
        .graph_grants
        .iter()
        .filter(|g| g.principal_id == principal_id)
        .map(|g| g.permission.clone())
        .collect()
}

pub fn user_access_claims(
    sim: &Sim,
    person: &Person,
    client_id: Uuid,
    resource: &str,
    permissions: &[String],
) -> UserAccessClaims {
    let issued = Utc::now().timestamp();
    UserAccessClaims {
        aud: resource.to_string(),
        iss: issuer(sim, person.tenant_id),
        iat: issued,
        nbf: issued,
        exp: issued + TOKEN_SECONDS,
        tid: person.tenant_id.to_string(),
        oid: person.object_id.to_string(),
        sub: person.object_id.to_string(),
        azp: client_id.to_string(),
        azpacr: "0",
        upn: person.upn.clone(),
        preferred_username: person.upn.clone(),
        name: person.name.clone(),
        scp: permissions.join(" "),
        idtyp: "user",
        ver: "2.0",
    }
}

pub fn id_token_claims(sim: &Sim, person: &Person, client_id: Uuid, nonce: Option<&str>) -> IdTokenClaims {
    let issued = Utc::now().timestamp();
    IdTokenClaims {
        aud: client_id.to_string(),
        iss: issuer(sim, person.tenant_id),
        iat: issued,
        nbf: issued,
        exp: issued + TOKEN_SECONDS,
        sub: person.object_id.to_string(),
        oid: person.object_id.to_string(),
        tid: person.tenant_id.to_string(),
        preferred_username: person.upn.clone(),
        name: person.name.clone(),
        nonce: nonce.map(str::to_string),
        ver: "2.0",
    }
}

/// MSAL's `client_info` (sent when the request asks with `client_info=1`): the account's home IDs.
pub fn client_info(person: &Person) -> String {
    let info = json!({"uid": person.object_id, "utid": person.tenant_id});
    URL_SAFE_NO_PAD.encode(info.to_string())
}
