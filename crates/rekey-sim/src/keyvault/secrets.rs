//! The secret operations of one vault (secrets.json `SetSecret`, `GetSecret`, `GetSecrets`,
//! `GetSecretVersions`, `DeleteSecret`, `GetDeletedSecret(s)`, `RecoverDeletedSecret`,
//! `PurgeDeletedSecret`), each authorized before it reads or writes.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::auth::{authorize, Caller, Op};
use super::json::{bundle, deleted_bundle, item, kv_error, kv_json};
use crate::context::Sim;
use crate::request::{property, SimRequest};
use crate::state::vaults::{
    new_version_id, DeletedSecret, SecretVersion, Vault, VaultSecret, RETENTION_DAYS,
};
use crate::state::World;

/// Key Vault's largest page (`maxresults` "Maximum number of results to return in a page",
/// secrets.json: "If not specified the service will return up to 25 results").
const MAX_PAGE: usize = 25;

pub(super) struct Ctx<'a> {
    pub sim: &'a Sim,
    pub req: &'a SimRequest,
    pub vault: &'a str,
    pub caller: &'a Caller,
}

impl Ctx<'_> {
    /// The vault's URI with its trailing slash, the base of every ID it gives.
    fn base(&self) -> String {
        self.sim
            .vault_hosts
            .uri(self.vault)
            .unwrap_or_else(|| format!("https://{}.vault.azure.net/", self.vault))
    }

    /// The world and the vault, once the caller is authorized for `op`.
    fn open<'w>(
        &self,
        world: &'w mut World,
        op: Op,
        secret: Option<&str>,
    ) -> Result<&'w mut Vault, Response> {
        let now = self.sim.state.now();
        let at = world
            .vaults
            .iter()
            .position(|v| v.name.eq_ignore_ascii_case(self.vault))
            .ok_or_else(|| {
                kv_error(
                    StatusCode::NOT_FOUND,
                    "VaultNotFound",
                    "The vault does not exist.",
                    None,
                )
            })?;
        authorize(world, &world.vaults[at], self.caller, op, secret, now)?;
        Ok(&mut world.vaults[at])
    }
}

fn not_found(what: &str) -> Response {
    kv_error(
        StatusCode::NOT_FOUND,
        "SecretNotFound",
        &format!("A secret with (name/id) {what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"),
        None,
    )
}

fn deleted_not_found(name: &str) -> Response {
    kv_error(
        StatusCode::NOT_FOUND,
        "SecretNotFound",
        &format!("Deleted Secret not found: {name}"),
        None,
    )
}

fn bad_parameter(message: &str) -> Response {
    kv_error(StatusCode::BAD_REQUEST, "BadParameter", message, None)
}

/// `PUT /secrets/{name}`: a new version; 409 while a deleted secret of that name can be recovered.
pub(super) fn set(ctx: &Ctx, name: &str) -> Response {
    let body = match serde_json::from_slice::<Value>(&ctx.req.body) {
        Ok(Value::Object(b)) => b,
        _ => return bad_parameter("The request body must be a JSON object with a 'value'."),
    };
    let version = match new_version(&body, ctx.sim.state.now().timestamp()) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::Set, Some(name)) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let key = name.to_ascii_lowercase();
    if vault.deleted.contains_key(&key) {
        return kv_error(
            StatusCode::CONFLICT,
            "Conflict",
            &format!("Secret {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged."),
            Some("ObjectIsDeletedButRecoverable"),
        );
    }
    let secret = vault.secrets.entry(key).or_insert_with(|| VaultSecret {
        name: name.to_string(),
        versions: Vec::new(),
    });
    secret.versions.push(version);
    let stored_name = secret.name.clone();
    let body = secret.current().map(|v| bundle(&ctx.base(), &stored_name, v));
    drop(world);
    match body {
        Some(b) => kv_json(StatusCode::OK, &b),
        None => not_found(name),
    }
}

/// A version from a SetSecret body: `value` (required), `contentType`, `attributes`, `tags`.
fn new_version(body: &Map<String, Value>, now: i64) -> Result<SecretVersion, Response> {
    let Some(value) = property(body, "value").and_then(Value::as_str) else {
        return Err(bad_parameter(
            "The 'value' property is required and must be a string.",
        ));
    };
    let content_type = match property(body, "contentType") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad_parameter("The 'contentType' property must be a string.")),
    };
    let attributes = property(body, "attributes").and_then(Value::as_object);
    let attr = |n: &str| attributes.and_then(|a| property(a, n));
    let time = |n: &str| -> Result<Option<i64>, Response> {
        match attr(n) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| {
                bad_parameter(&format!("The attribute '{n}' must be a Unix time in seconds."))
            }),
        }
    };
    let tags = match property(body, "tags") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(t)) => t
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect::<Option<BTreeMap<_, _>>>()
            .ok_or_else(|| bad_parameter("Tag values must be strings."))?,
        Some(_) => return Err(bad_parameter("The 'tags' property must be an object.")),
    };
    Ok(SecretVersion {
        version: new_version_id(),
        value: value.to_string().into(),
        content_type,
        enabled: attr("enabled").and_then(Value::as_bool).unwrap_or(true),
        nbf: time("nbf")?,
        exp: time("exp")?,
        created: now,
        updated: now,
        tags,
    })
}

/// `GET /secrets/{name}[/{version}]`: the value of the current or a given version.
pub(super) fn get(ctx: &Ctx, name: &str, version: Option<&str>) -> Response {
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::Get, Some(name)) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let Some(secret) = vault.secret(name) else {
        return not_found(name);
    };
    let found = match version.filter(|v| !v.is_empty()) {
        Some(v) => secret.version(v).ok_or_else(|| not_found(&format!("{name}/{v}"))),
        None => secret.current().ok_or_else(|| not_found(name)),
    };
    match found {
        Ok(v) if !v.enabled => kv_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Operation get is not allowed on a disabled secret.",
            Some("SecretDisabled"),
        ),
        Ok(v) => kv_json(StatusCode::OK, &bundle(&ctx.base(), &secret.name, v)),
        Err(response) => response,
    }
}

/// One page of SecretItems, `maxresults` at most (1–25) with a `nextLink` on the vault's host.
fn paged(ctx: &Ctx, items: Vec<Value>) -> Response {
    let size = match ctx.req.query.get("maxresults").map(|m| m.parse::<usize>()) {
        None => MAX_PAGE,
        Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
        Some(_) => return bad_parameter("The value of 'maxresults' must be an integer between 1 and 25."),
    };
    let Some(offset) = crate::arm::page_offset(ctx.req) else {
        return bad_parameter("The '$skiptoken' is not valid.");
    };
    let base = match url::Url::parse(&ctx.base()) {
        Ok(b) => b,
        Err(_) => return bad_parameter("The vault has no host."),
    };
    kv_json(
        StatusCode::OK,
        &crate::arm::page(&base, ctx.req, items, offset, size),
    )
}

/// `GET /secrets`: every secret's current version, without values.
pub(super) fn list(ctx: &Ctx) -> Response {
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::List, None) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let base = ctx.base();
    let items = vault
        .secrets
        .values()
        .filter_map(|s| s.current().map(|v| item(&base, &s.name, v, false)))
        .collect();
    drop(world);
    paged(ctx, items)
}

/// `GET /secrets/{name}/versions`: every version, without values.
pub(super) fn versions(ctx: &Ctx, name: &str) -> Response {
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::ListVersions, Some(name)) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let Some(secret) = vault.secret(name) else {
        return not_found(name);
    };
    let base = ctx.base();
    let items = secret
        .versions
        .iter()
        .map(|v| item(&base, &secret.name, v, true))
        .collect();
    drop(world);
    paged(ctx, items)
}

/// `DELETE /secrets/{name}`: soft delete; the secret stays recoverable for the retention period.
pub(super) fn delete(ctx: &Ctx, name: &str) -> Response {
    let now = ctx.sim.state.now().timestamp();
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::Delete, Some(name)) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let key = name.to_ascii_lowercase();
    let Some(secret) = vault.secrets.remove(&key) else {
        return not_found(name);
    };
    let deleted = DeletedSecret {
        secret,
        deleted_date: now,
        scheduled_purge_date: now + RETENTION_DAYS * 86_400,
    };
    let body = deleted_bundle(&ctx.base(), &deleted);
    vault.deleted.insert(key, deleted);
    kv_json(StatusCode::OK, &body)
}

pub(super) fn get_deleted(ctx: &Ctx, name: &str) -> Response {
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::GetDeleted, Some(name)) {
        Ok(v) => v,
        Err(response) => return response,
    };
    match vault.deleted.get(&name.to_ascii_lowercase()) {
        Some(d) => kv_json(StatusCode::OK, &deleted_bundle(&ctx.base(), d)),
        None => deleted_not_found(name),
    }
}

pub(super) fn list_deleted(ctx: &Ctx) -> Response {
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::ListDeleted, None) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let base = ctx.base();
    let items = vault.deleted.values().map(|d| deleted_bundle(&base, d)).collect();
    drop(world);
    paged(ctx, items)
}

/// `POST /deletedsecrets/{name}/recover`: the secret is live again with all its versions.
pub(super) fn recover(ctx: &Ctx, name: &str) -> Response {
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::Recover, Some(name)) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let key = name.to_ascii_lowercase();
    let Some(deleted) = vault.deleted.remove(&key) else {
        return deleted_not_found(name);
    };
    let base = ctx.base();
    let body = deleted
        .secret
        .current()
        .map(|v| item(&base, &deleted.secret.name, v, true));
    vault.secrets.insert(key, deleted.secret);
    match body {
        Some(b) => kv_json(StatusCode::OK, &b),
        None => not_found(name),
    }
}

/// `DELETE /deletedsecrets/{name}`: gone for good; 204.
pub(super) fn purge(ctx: &Ctx, name: &str) -> Response {
    let mut world = ctx.sim.state.world();
    let vault = match ctx.open(&mut world, Op::Purge, Some(name)) {
        Ok(v) => v,
        Err(response) => return response,
    };
    match vault.deleted.remove(&name.to_ascii_lowercase()) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => deleted_not_found(name),
    }
}
