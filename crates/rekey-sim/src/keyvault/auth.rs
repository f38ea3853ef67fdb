//! Who calls a vault and what they may do: the bearer token checked for Key Vault's audiences (401
//! with Key Vault's challenge otherwise), then Azure RBAC data actions or the vault's access
//! policies (403 in Key Vault's words otherwise).

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::json::kv_error;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::signing::TokenRejection;
use crate::state::vaults::Vault;
use crate::state::World;

/// The principal behind a data-plane request.
pub(super) struct Caller {
    pub object_id: Uuid,
    pub tenant_id: String,
    pub app_id: Option<String>,
}

impl Caller {
    /// How Key Vault names a caller in its 403s: `appid=…;oid=…;iss=https://sts.windows.net/{tid}/`.
    fn described(&self) -> String {
        format!(
            "appid={};oid={};iss=https://sts.windows.net/{}/",
            self.app_id.as_deref().unwrap_or("unknown"),
            self.object_id,
            self.tenant_id
        )
    }
}

/// What a request does, with the access-policy permission and the RBAC data action it needs
/// (docs key-vault/general/rbac-guide and key-vault/general/assign-access-policy; "Azure
/// permissions for Security": `Microsoft.KeyVault/vaults/secrets/*`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Op {
    Set,
    Get,
    List,
    ListVersions,
    Delete,
    ListDeleted,
    GetDeleted,
    Recover,
    Purge,
}

impl Op {
    fn permission(self) -> &'static str {
        match self {
            Op::Set => "set",
            Op::Get => "get",
            // Reading deleted secrets needs `list` in access policies (Get Deleted Secret docs).
            Op::List | Op::ListVersions | Op::ListDeleted | Op::GetDeleted => "list",
            Op::Delete => "delete",
            Op::Recover => "recover",
            Op::Purge => "purge",
        }
    }

    fn data_action(self) -> &'static str {
        match self {
            Op::Set => "Microsoft.KeyVault/vaults/secrets/setSecret/action",
            Op::Get => "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            Op::List | Op::ListVersions | Op::ListDeleted | Op::GetDeleted => {
                "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
            }
            Op::Delete => "Microsoft.KeyVault/vaults/secrets/delete",
            Op::Recover => "Microsoft.KeyVault/vaults/secrets/recover/action",
            Op::Purge => "Microsoft.KeyVault/vaults/secrets/purge/action",
        }
    }
}

/// Key Vault's 401: its challenge names the login authority with the vault's tenant and Key
/// Vault's resource, which clients turn into the scope `https://vault.azure.net/.default`
/// (azure-keyvault-secrets `_shared/http_challenge.py`, `challenge_auth_policy.py`).
fn challenge(sim: &Sim, tenant: Uuid, message: &str) -> Response {
    let mut response = kv_error(StatusCode::UNAUTHORIZED, "Unauthorized", message, None);
    let value = format!(
        "Bearer authorization=\"{}/{tenant}\", resource=\"{}\"",
        sim.authority(),
        crate::context::KEY_VAULT_AUDIENCE.trim_end_matches('/')
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().insert("www-authenticate", v);
    }
    response
}

pub(super) fn authenticate(sim: &Sim, tenant: Uuid, req: &SimRequest) -> Result<Caller, Response> {
    let token = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")));
    let Some(token) = token else {
        return Err(challenge(
            sim,
            tenant,
            "AKV10000: Request is missing a Bearer or PoP token.",
        ));
    };
    let audiences = sim.vault_audiences();
    let audiences: Vec<&str> = audiences.iter().map(String::as_str).collect();
    match sim.signer.verify(token.trim(), &audiences) {
        Ok(claims) => match Uuid::parse_str(&claims.oid) {
            Ok(object_id) => Ok(Caller {
                object_id,
                tenant_id: claims.tid,
                app_id: claims.appid,
            }),
            Err(_) => Err(challenge(
                sim,
                tenant,
                "The access token is invalid: its oid is not a GUID.",
            )),
        },
        Err(TokenRejection::WrongAudience) => Err(challenge(
            sim,
            tenant,
            "AKV10022: Invalid audience. Expected https://vault.azure.net, found another resource's token.",
        )),
        Err(TokenRejection::Expired) => Err(challenge(sim, tenant, "The access token has expired.")),
        Err(_) => Err(challenge(sim, tenant, "The access token is invalid.")),
    }
}

/// `Ok` when the caller may perform `op` on `vault` (on `secret`, for the 403's resource).
pub(super) fn authorize(
    world: &World,
    vault: &Vault,
    caller: &Caller,
    op: Op,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Response> {
    let location = format!("{};location={}", vault.name, vault.location);
    if vault.rbac {
        let scope = vault.id();
        if crate::arm::permits_data(world, caller.object_id, op.data_action(), &scope, now) {
            return Ok(());
        }
        let resource = match secret {
            Some(s) => format!("{}/secrets/{s}", scope.to_ascii_lowercase()),
            None => scope.to_ascii_lowercase(),
        };
        // The message real vaults send (Azure/azure-cli#21429, learn.microsoft.com key-vault
        // general/rbac-guide troubleshooting), with CRLF line breaks.
        let message = format!(
            "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: {}\r\nAction: '{}'\r\nResource: '{resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: {location}\r\n",
            caller.described(),
            op.data_action()
        );
        return Err(kv_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &message,
            Some("ForbiddenByRbac"),
        ));
    }
    let allowed = vault
        .access_policies
        .iter()
        .any(|p| p.object_id == caller.object_id && p.allows(op.permission()));
    if allowed {
        return Ok(());
    }
    let message = format!(
        "The user, group or application '{}' does not have secrets {} permission on key vault '{location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
        caller.described(),
        op.permission()
    );
    Err(kv_error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &message,
        Some("AccessDenied"),
    ))
}
