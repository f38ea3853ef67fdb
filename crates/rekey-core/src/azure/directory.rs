//! Microsoft Graph writes on applications and service principals: look one up with its secrets'
//! metadata, add and remove passwords, create an app and its service principal. The one place a
//! secret comes back from Azure (`addPassword`): it goes straight into a [`SecretString`], and the
//! response bytes are wiped.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::error::CallError;
use super::graph::{BatchRequest, BatchResponse, GraphClient};
use crate::transport::error::api_error;
use crate::transport::{decode_json, header_text, read_body, AzureError};

/// Which directory object a credential is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ObjectKind {
    Application,
    ServicePrincipal,
}

impl ObjectKind {
    pub(crate) fn collection(self) -> &'static str {
        match self {
            ObjectKind::Application => "applications",
            ObjectKind::ServicePrincipal => "servicePrincipals",
        }
    }
}

/// A password's or a certificate's metadata on a directory object (`passwordCredentials`,
/// `keyCredentials`; Graph never returns a password's value after creation). Read leniently: a
/// missing key ID is empty (and refused by [`checked`] before any write), a garbled date `None`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialMetadata {
    #[serde(default, deserialize_with = "crate::transport::lenient::or_default")]
    pub key_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub hint: Option<String>,
    #[serde(default, deserialize_with = "crate::transport::lenient::date")]
    pub start_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::transport::lenient::date")]
    pub end_date_time: Option<DateTime<Utc>>,
}

/// An application or service principal, with what Rekey needs of it: the one model of Graph's
/// directory objects (rotation and inventory read the same type).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObject {
    pub id: String,
    #[serde(default, deserialize_with = "crate::transport::lenient::or_default")]
    pub app_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "crate::transport::lenient::or_default")]
    pub password_credentials: Vec<CredentialMetadata>,
    /// Certificates; read by the inventory only (the single lookups do not `$select` them).
    #[serde(default, deserialize_with = "crate::transport::lenient::or_default")]
    pub key_credentials: Vec<CredentialMetadata>,
}

/// A password just created: its metadata and the value Azure shows this once.
#[derive(Debug)]
pub struct NewPassword {
    pub key_id: String,
    pub hint: Option<String>,
    pub display_name: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub secret: SecretString,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddPasswordReply {
    key_id: String,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    start_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_date_time: Option<DateTime<Utc>>,
    secret_text: Option<SecretString>,
}

/// A GUID (app ID, object ID, key ID) is all that may go into a Graph URL from outside.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `id` if it is a GUID, else an error naming `what` it should have been.
pub(crate) fn checked(what: &str, id: &str) -> Result<(), AzureError> {
    if is_guid(id) {
        Ok(())
    } else {
        Err(AzureError::Malformed {
            what: what.into(),
            detail: format!("'{id}' is not a GUID"),
        })
    }
}

const SELECT: &str = "$select=id,appId,displayName,passwordCredentials";
/// The inventory's reads: the certificates too.
const SELECT_WITH_KEYS: &str = "$select=id,appId,displayName,passwordCredentials,keyCredentials";

/// The `$batch` answer ID of app `index`'s object of `kind` (`{index}a`, `{index}s`).
fn answer_id(index: usize, kind: ObjectKind) -> String {
    match kind {
        ObjectKind::Application => format!("{index}a"),
        ObjectKind::ServicePrincipal => format!("{index}s"),
    }
}

/// Which app (its index) and object an answer of [`GraphClient::objects_by_app_id`] is about. The
/// ID comes back from Graph: anything but `{index}a` or `{index}s` is not ours (and may end in a
/// multi-byte character, so it is never cut at a byte offset).
pub fn object_of_answer(id: &str) -> Option<(usize, ObjectKind)> {
    let (index, kind) = match (id.strip_suffix('a'), id.strip_suffix('s')) {
        (Some(index), _) => (index, ObjectKind::Application),
        (_, Some(index)) => (index, ObjectKind::ServicePrincipal),
        _ => return None,
    };
    Some((index.parse().ok()?, kind))
}

impl GraphClient {
    /// The application registration with client ID `app_id`, or `None` if this directory has none.
    pub async fn application(&self, app_id: &str) -> Result<Option<DirectoryObject>, CallError> {
        self.object_by_app_id(ObjectKind::Application, app_id).await
    }

    /// The service principal of `app_id` in this directory, or `None`.
    pub async fn service_principal(&self, app_id: &str) -> Result<Option<DirectoryObject>, CallError> {
        self.object_by_app_id(ObjectKind::ServicePrincipal, app_id).await
    }

    /// The application and the service principal of each app (`(index, app ID)`; the ID a GUID), with
    /// their passwords' and certificates' metadata, through `$batch` ([`GraphClient::batch`]): pass at
    /// most `MAX_BATCH / 2` apps for one call. Each answer names its app and object by an ID that
    /// [`object_of_answer`] reads; a 404 is an object this directory does not have.
    pub async fn objects_by_app_id(&self, apps: &[(usize, String)]) -> Result<Vec<BatchResponse>, CallError> {
        let mut requests = Vec::with_capacity(2 * apps.len());
        for (index, app_id) in apps {
            checked("app ID", app_id)?;
            for kind in [ObjectKind::Application, ObjectKind::ServicePrincipal] {
                let path = format!("/{}(appId='{app_id}')?{SELECT_WITH_KEYS}", kind.collection());
                requests.push(BatchRequest::get(answer_id(*index, kind), path));
            }
        }
        self.batch(&requests).await
    }

    async fn object_by_app_id(
        &self,
        kind: ObjectKind,
        app_id: &str,
    ) -> Result<Option<DirectoryObject>, CallError> {
        checked("app ID", app_id)?;
        let path = format!("/{}(appId='{app_id}')?{SELECT}", kind.collection());
        let (url, response) = self.send(Method::GET, &path, None).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(crate::transport::read_json(&url, response).await?))
    }

    /// `addPassword` on the object `object_id`: a new secret named `display_name`, valid until `end`.
    pub async fn add_password(
        &self,
        kind: ObjectKind,
        object_id: &str,
        display_name: &str,
        end: DateTime<Utc>,
    ) -> Result<NewPassword, CallError> {
        checked("object ID", object_id)?;
        let body = serde_json::json!({
            "passwordCredential": {
                "displayName": display_name,
                "endDateTime": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }
        })
        .to_string();
        let path = format!("/{}/{object_id}/addPassword", kind.collection());
        let (url, response) = self.send(Method::POST, &path, Some(body.as_bytes())).await?;
        let status = response.status().as_u16();
        let request_id = header_text(response.headers(), "request-id");
        let mut bytes = read_body(&url, response).await?.to_vec();
        let reply = if (200..300).contains(&status) {
            // serde's message could quote the body, which holds the secret: say where, not what.
            serde_json::from_slice::<AddPasswordReply>(&bytes).map_err(|e| AzureError::Malformed {
                what: "addPassword answer".into(),
                detail: format!("unreadable at line {} column {}", e.line(), e.column()),
            })
        } else {
            Err(api_error(status, request_id, &bytes))
        };
        bytes.zeroize();
        let reply = reply?;
        let secret = reply.secret_text.ok_or_else(|| AzureError::Malformed {
            what: "addPassword answer".into(),
            detail: "it has no secretText".into(),
        })?;
        Ok(NewPassword {
            key_id: reply.key_id,
            hint: reply.hint,
            display_name: reply.display_name,
            start: reply.start_date_time,
            end: reply.end_date_time,
            secret,
        })
    }

    /// `removePassword` of `key_id` on the object `object_id`.
    pub async fn remove_password(
        &self,
        kind: ObjectKind,
        object_id: &str,
        key_id: &str,
    ) -> Result<(), CallError> {
        checked("object ID", object_id)?;
        checked("key ID", key_id)?;
        let body = serde_json::json!({ "keyId": key_id }).to_string();
        let path = format!("/{}/{object_id}/removePassword", kind.collection());
        let (url, response) = self.send(Method::POST, &path, Some(body.as_bytes())).await?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let bytes = read_body(&url, response).await?;
        Err(api_error(status, None, &bytes).into())
    }

    /// `DELETE /{applications|servicePrincipals}/{object_id}`: Entra ID keeps it among its deleted
    /// items, restorable for 30 days. 404: already gone, which is what was asked.
    pub async fn delete_object(&self, kind: ObjectKind, object_id: &str) -> Result<(), CallError> {
        checked("object ID", object_id)?;
        let path = format!("/{}/{object_id}", kind.collection());
        let (url, response) = self.send(Method::DELETE, &path, None).await?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) || status == 404 {
            return Ok(());
        }
        let bytes = read_body(&url, response).await?;
        Err(api_error(status, None, &bytes).into())
    }

    /// `POST /applications`: a new app registration named `display_name`.
    pub async fn create_application(&self, display_name: &str) -> Result<DirectoryObject, CallError> {
        let body = serde_json::json!({ "displayName": display_name, "keyCredentials": [] }).to_string();
        self.create("/applications", body).await
    }

    /// `POST /servicePrincipals` for the app `app_id`.
    pub async fn create_service_principal(&self, app_id: &str) -> Result<DirectoryObject, CallError> {
        checked("app ID", app_id)?;
        let body = serde_json::json!({ "appId": app_id, "accountEnabled": true }).to_string();
        self.create("/servicePrincipals", body).await
    }

    async fn create(&self, path: &str, body: String) -> Result<DirectoryObject, CallError> {
        let (url, response) = self.send(Method::POST, path, Some(body.as_bytes())).await?;
        let status = response.status().as_u16();
        let bytes = read_body(&url, response).await?;
        Ok(decode_json(url.path(), status, None, &bytes)?)
    }
}
