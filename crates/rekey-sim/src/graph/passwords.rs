//! Credentials: their Graph representations, and the `addPassword` / `removePassword` actions
//! on applications and service principals.

use chrono::{DateTime, Months, NaiveDateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::errors::GraphError;
use super::kind::Kind;
use super::odata;
use super::reply::{Outcome, Reply};
use super::target::{credentials_mut, require, Key};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::secrets;
use crate::state::{secret_digest, KeyCredential, PasswordCredential};

const RESOURCE: &str = "PasswordCredential";

/// A password credential as GET shows it: never the secret text.
pub fn password_json(c: &PasswordCredential) -> Value {
    json!({
        "customKeyIdentifier": null,
        "displayName": c.display_name,
        "endDateTime": odata::timestamp(c.end),
        "hint": c.hint,
        "keyId": c.key_id,
        "secretText": null,
        "startDateTime": odata::timestamp(c.start),
    })
}

pub fn key_json(k: &KeyCredential) -> Value {
    json!({
        "customKeyIdentifier": k.thumbprint,
        "displayName": k.display_name,
        "endDateTime": odata::timestamp(k.end),
        "key": null,
        "keyId": k.key_id,
        "startDateTime": odata::timestamp(k.start),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    })
}

/// What the caller asked for in `{"passwordCredential":{…}}`; the server picks the secret and key ID.
struct Requested {
    display_name: Option<String>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

fn requested(body: &Map<String, Value>) -> Result<Requested, GraphError> {
    let credential = match body.get("passwordCredential") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(GraphError::invalid_value("passwordCredential", RESOURCE)),
    };
    Ok(Requested {
        display_name: super::body::optional_string(&credential, "displayName", RESOURCE)?,
        start: date(&credential, "startDateTime")?,
        end: date(&credential, "endDateTime")?,
    })
}

/// An `Edm.DateTimeOffset`; a value without an offset is taken as UTC.
fn date(map: &Map<String, Value>, property: &str) -> Result<Option<DateTime<Utc>>, GraphError> {
    let Some(text) = super::body::optional_string(map, property, RESOURCE)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f").map(|d| d.and_utc()))
        .map(Some)
        .map_err(|_| {
            GraphError::bad_request(format!(
                "Cannot convert the literal '{text}' to the expected type 'Edm.DateTimeOffset'."
            ))
        })
}

/// `POST /{set}/{key}/addPassword`: a new server-generated secret, returned in `secretText` this once.
/// Only its SHA-256 is kept. Defaults: start now (simulated), end two years after the start.
pub fn add(sim: &Sim, caller: &Caller, req: &SimRequest, kind: Kind, key: &Key) -> Outcome {
    let wanted = requested(&super::body::object(req, true)?)?;
    let now = sim.state.now();
    let start = wanted.start.unwrap_or(now);
    let end = match wanted.end {
        Some(end) => end,
        None => start
            .checked_add_months(Months::new(24))
            .ok_or_else(|| GraphError::invalid_value("startDateTime", RESOURCE))?,
    };
    if end <= start {
        return Err(GraphError::directory_bad_request(
            "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'. The end date must be later than the start date.",
        ));
    }
    let secret = secrets::generate();
    let credential = PasswordCredential {
        key_id: Uuid::new_v4(),
        display_name: wanted.display_name,
        hint: secrets::hint(secret.expose_secret()),
        start,
        end,
        secret_sha256: secret_digest(secret.expose_secret()),
        created: now,
    };
    let mut body = password_json(&credential);
    {
        let mut world = sim.state.world();
        let id = require(&world, caller, kind, key)?;
        let (passwords, _) =
            credentials_mut(&mut world, kind, id).ok_or_else(|| GraphError::not_found(&key.text()))?;
        passwords.push(credential);
    }
    if let Some(map) = body.as_object_mut() {
        map.insert(
            "secretText".into(),
            Value::String(secret.expose_secret().to_string()),
        );
        map.insert(
            "@odata.context".into(),
            Value::String(odata::metadata(sim, "microsoft.graph.passwordCredential")),
        );
    }
    Ok(Reply::ok(body))
}

/// `POST /{set}/{key}/removePassword {"keyId"}`: the secret stops working at once.
pub fn remove(sim: &Sim, caller: &Caller, req: &SimRequest, kind: Kind, key: &Key) -> Outcome {
    let body = super::body::object(req, false)?;
    let key_id = match body.get("keyId") {
        Some(Value::String(text)) => Uuid::parse_str(text).map_err(|_| {
            GraphError::bad_request(format!(
                "Cannot convert the literal '{text}' to the expected type 'Edm.Guid'."
            ))
        })?,
        None | Some(Value::Null) => {
            return Err(GraphError::directory_bad_request(
                "Required property 'keyId' is missing.",
            ))
        }
        Some(_) => return Err(GraphError::invalid_value("keyId", RESOURCE)),
    };
    let mut world = sim.state.world();
    let id = require(&world, caller, kind, key)?;
    let (passwords, _) =
        credentials_mut(&mut world, kind, id).ok_or_else(|| GraphError::not_found(&key.text()))?;
    let before = passwords.len();
    passwords.retain(|c| c.key_id != key_id);
    if passwords.len() == before {
        return Err(GraphError::directory_bad_request(format!(
            "No password credential found with keyId '{key_id}'."
        )));
    }
    Ok(Reply::no_content())
}
