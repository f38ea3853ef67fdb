//! Key Vault's JSON: SecretBundle, SecretItem, DeletedSecretBundle, list pages and the error
//! envelope `{"error":{"code","message","innererror":{"code"}}}` (secrets.json `KeyVaultError`).

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};

use crate::state::vaults::{DeletedSecret, SecretVersion, RECOVERY_LEVEL, RETENTION_DAYS};

/// A JSON response with the headers Key Vault sends.
pub(super) fn kv_json(status: StatusCode, body: &Value) -> Response {
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("content-type", "application/json; charset=utf-8");
    set("cache-control", "no-cache");
    set("x-ms-request-id", &uuid::Uuid::new_v4().to_string());
    set("x-ms-keyvault-service-version", "1.9.2943.1");
    set(
        "x-ms-keyvault-network-info",
        "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;",
    );
    (status, headers, body.to_string()).into_response()
}

pub(super) fn kv_error(status: StatusCode, code: &str, message: &str, inner: Option<&str>) -> Response {
    let mut error = json!({"code": code, "message": message});
    if let Some(inner) = inner {
        error["innererror"] = json!({"code": inner});
    }
    kv_json(status, &json!({ "error": error }))
}

/// The secret's attributes: Unix seconds, and the vault's recovery level.
pub(super) fn attributes(v: &SecretVersion) -> Value {
    let mut a = Map::new();
    a.insert("enabled".into(), json!(v.enabled));
    if let Some(nbf) = v.nbf {
        a.insert("nbf".into(), json!(nbf));
    }
    if let Some(exp) = v.exp {
        a.insert("exp".into(), json!(exp));
    }
    a.insert("created".into(), json!(v.created));
    a.insert("updated".into(), json!(v.updated));
    a.insert("recoveryLevel".into(), json!(RECOVERY_LEVEL));
    a.insert("recoverableDays".into(), json!(RETENTION_DAYS));
    Value::Object(a)
}

fn with_common(mut body: Map<String, Value>, v: &SecretVersion) -> Map<String, Value> {
    if let Some(ct) = &v.content_type {
        body.insert("contentType".into(), json!(ct));
    }
    body.insert("attributes".into(), attributes(v));
    if !v.tags.is_empty() {
        body.insert("tags".into(), json!(v.tags));
    }
    body
}

/// SecretBundle: the value and the version's full ID.
pub(super) fn bundle(base: &str, name: &str, v: &SecretVersion) -> Value {
    let mut body = Map::new();
    body.insert("value".into(), json!(v.value.expose_secret()));
    body.insert("id".into(), json!(format!("{base}secrets/{name}/{}", v.version)));
    Value::Object(with_common(body, v))
}

/// SecretItem (lists): no value; `id` names the secret, or the version in a versions list.
pub(super) fn item(base: &str, name: &str, v: &SecretVersion, with_version: bool) -> Value {
    let id = if with_version {
        format!("{base}secrets/{name}/{}", v.version)
    } else {
        format!("{base}secrets/{name}")
    };
    let mut body = Map::new();
    body.insert("id".into(), json!(id));
    Value::Object(with_common(body, v))
}

/// DeletedSecretBundle (delete, get deleted): the current version's ID and attributes, no value.
pub(super) fn deleted_bundle(base: &str, d: &DeletedSecret) -> Value {
    let name = &d.secret.name;
    let mut body = match d.secret.current() {
        Some(v) => {
            let mut m = Map::new();
            m.insert("id".into(), json!(format!("{base}secrets/{name}/{}", v.version)));
            with_common(m, v)
        }
        None => Map::new(),
    };
    body.insert("recoveryId".into(), json!(format!("{base}deletedsecrets/{name}")));
    body.insert("deletedDate".into(), json!(d.deleted_date));
    body.insert("scheduledPurgeDate".into(), json!(d.scheduled_purge_date));
    Value::Object(body)
}
