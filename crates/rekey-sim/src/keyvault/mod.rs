//! Azure Key Vault's data plane, secrets only: set, get (current or a version), list secrets and
//! versions, delete (soft delete), read, recover and purge deleted secrets. Each vault is its own
//! host (`vault_hosts`); requests come here with the vault's name. Shapes: azure-rest-api-specs
//! `specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.6/secrets.json` and its examples.

mod auth;
mod json;
mod secrets;

use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::context::Sim;
use crate::request::SimRequest;
use auth::Op;
use json::kv_error;

/// Handles a request that came to `vault`'s host.
pub fn route(sim: &Sim, vault: &str, req: &SimRequest) -> Response {
    let tenant_id = {
        let world = sim.state.world();
        world
            .vaults
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(vault))
            .map(|v| v.tenant_id)
    };
    let Some(tenant_id) = tenant_id else {
        // The vault was removed (a scenario reload) while its listener stayed: as a vault whose
        // DNS name no longer resolves would, nothing answers for it.
        return kv_error(
            StatusCode::NOT_FOUND,
            "VaultNotFound",
            &format!("The vault '{vault}' does not exist."),
            None,
        );
    };
    let caller = match auth::authenticate(sim, tenant_id, req) {
        Ok(c) => c,
        Err(challenge) => return challenge,
    };
    if let Some(refused) = check_api_version(req) {
        return refused;
    }
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = &req.method;
    let is = |s: &str, want: &str| s.eq_ignore_ascii_case(want);
    let call = match segments.as_slice() {
        [s] if is(s, "secrets") && m == Method::GET => (Op::List, None),
        [s, name] if is(s, "secrets") && m == Method::PUT => (Op::Set, Some(*name)),
        [s, name] if is(s, "secrets") && m == Method::GET => (Op::Get, Some(*name)),
        [s, name] if is(s, "secrets") && m == Method::DELETE => (Op::Delete, Some(*name)),
        [s, name, v] if is(s, "secrets") && is(v, "versions") && m == Method::GET => {
            (Op::ListVersions, Some(*name))
        }
        [s, name, _] if is(s, "secrets") && m == Method::GET => (Op::Get, Some(*name)),
        [s] if is(s, "deletedsecrets") && m == Method::GET => (Op::ListDeleted, None),
        [s, name] if is(s, "deletedsecrets") && m == Method::GET => (Op::GetDeleted, Some(*name)),
        [s, name] if is(s, "deletedsecrets") && m == Method::DELETE => (Op::Purge, Some(*name)),
        [s, name, r] if is(s, "deletedsecrets") && is(r, "recover") && m == Method::POST => {
            (Op::Recover, Some(*name))
        }
        _ => {
            return kv_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!(
                    "The requested operation {} {} is not supported by this vault.",
                    req.method, req.path
                ),
                None,
            )
        }
    };
    let (op, name) = call;
    if let Some(name) = name {
        if !valid_name(name) {
            return kv_error(
                StatusCode::BAD_REQUEST,
                "BadParameter",
                &format!("The request URI contains an invalid name: {name}"),
                None,
            );
        }
    }
    let ctx = secrets::Ctx {
        sim,
        req,
        vault,
        caller: &caller,
    };
    match (op, name) {
        (Op::List, _) => secrets::list(&ctx),
        (Op::ListDeleted, _) => secrets::list_deleted(&ctx),
        (Op::Set, Some(n)) => secrets::set(&ctx, n),
        (Op::Get, Some(n)) => secrets::get(&ctx, n, segments.get(2).copied()),
        (Op::ListVersions, Some(n)) => secrets::versions(&ctx, n),
        (Op::Delete, Some(n)) => secrets::delete(&ctx, n),
        (Op::GetDeleted, Some(n)) => secrets::get_deleted(&ctx, n),
        (Op::Recover, Some(n)) => secrets::recover(&ctx, n),
        (Op::Purge, Some(n)) => secrets::purge(&ctx, n),
        _ => kv_error(StatusCode::NOT_FOUND, "NotFound", "Unknown operation.", None),
    }
}

/// Secret names: 1–127 letters, digits and dashes (Key Vault's object name rule, docs
/// key-vault/general/about-keys-secrets-certificates "Object identifiers").
fn valid_name(name: &str) -> bool {
    (1..=127).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Key Vault's 400 for a missing or unknown `api-version` (code `BadParameter`).
fn check_api_version(req: &SimRequest) -> Option<Response> {
    let supported = crate::api_versions::KEY_VAULT_DATA;
    let message = match req.query.get("api-version") {
        Some(v) if supported.contains(&v.as_str()) => return None,
        Some(v) => format!(
            "The specified version ({v}) is not recognized. Consider using the latest supported version ({}).",
            supported.first().copied().unwrap_or_default()
        ),
        None => "The 'api-version' query parameter is missing.".to_string(),
    };
    Some(kv_error(StatusCode::BAD_REQUEST, "BadParameter", &message, None))
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_follow_key_vaults_rule() {
        assert!(valid_name("aks-prod-sp"));
        assert!(valid_name(&"a".repeat(127)));
        assert!(!valid_name(&"a".repeat(128)));
        assert!(!valid_name("bad_name"));
        assert!(!valid_name(""));
        assert!(!valid_name("dot.name"));
    }
}
