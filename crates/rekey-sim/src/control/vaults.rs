//! `GET /_sim/vaults` and `GET /_sim/vaults/{vault}/secrets/{name}`: what the vaults hold, as an
//! independent witness for tests — versions with their metadata and a SHA-256 of each value,
//! never the value.

use axum::http::StatusCode;
use axum::response::Response;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{error, ok};
use crate::context::Sim;
use crate::state::vaults::SecretVersion;

pub(super) fn list(sim: &Sim) -> Response {
    let world = sim.state.world();
    let vaults: Vec<Value> = world
        .vaults
        .iter()
        .map(|v| {
            json!({
                "name": v.name,
                "id": v.id(),
                "vaultUri": sim.vault_hosts.uri(&v.name),
                "mode": if v.rbac { "rbac" } else { "accessPolicies" },
                "secrets": v.secrets.values().map(|s| s.name.clone()).collect::<Vec<_>>(),
                "deletedSecrets": v.deleted.values().map(|d| d.secret.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    ok(json!({ "vaults": vaults }))
}

fn version_json(v: &SecretVersion) -> Value {
    let digest = Sha256::digest(v.value.expose_secret().as_bytes());
    json!({
        "version": v.version,
        "contentType": v.content_type,
        "attributes": {"enabled": v.enabled, "nbf": v.nbf, "exp": v.exp, "created": v.created, "updated": v.updated},
        "tags": v.tags,
        "valueSha256": hex_lower(&digest),
    })
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A secret's versions, oldest first, live or soft-deleted (`deleted` says which).
pub(super) fn secret(sim: &Sim, vault: &str, name: &str) -> Response {
    let world = sim.state.world();
    let Some(v) = world.vaults.iter().find(|v| v.name.eq_ignore_ascii_case(vault)) else {
        return error(StatusCode::NOT_FOUND, &format!("no vault '{vault}'"));
    };
    let key = name.to_ascii_lowercase();
    let (secret, deleted) = match (v.secrets.get(&key), v.deleted.get(&key)) {
        (Some(s), _) => (s, false),
        (None, Some(d)) => (&d.secret, true),
        (None, None) => {
            return error(
                StatusCode::NOT_FOUND,
                &format!("no secret '{name}' in vault '{vault}'"),
            )
        }
    };
    ok(json!({
        "vault": v.name,
        "name": secret.name,
        "deleted": deleted,
        "versions": secret.versions.iter().map(version_json).collect::<Vec<_>>(),
    }))
}
