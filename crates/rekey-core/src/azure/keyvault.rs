//! Azure Key Vault: the vaults ARM lists (`Microsoft.KeyVault/vaults`, azure-rest-api-specs
//! specification/keyvault/resource-manager, stable 2023-07-01) and one vault's secrets (the data plane,
//! specification/keyvault/data-plane Microsoft.KeyVault stable 7.5: `PUT /secrets/{name}`,
//! `GET /secrets/{name}/{version}`).
//!
//! A vault's address comes from ARM (`properties.vaultUri`) and must lie in the cloud's Key Vault
//! domain (`keyVaultDns` of its metadata): a secret goes only to a vault of the cloud the account
//! signs in to, whatever a file or the window names.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;
use zeroize::Zeroize;

use super::arm::{segment, ArmClient};
use super::error::CallError;
use super::identity::ResourceId;
use super::pipeline::Pipeline;
use crate::cloud::Cloud;
use crate::transport::error::api_error;
use crate::transport::{header_text, read_body, AzureError};

/// `Microsoft.KeyVault/vaults` in ARM.
pub const VAULTS_API: &str = "2023-07-01";
/// The Key Vault data plane.
pub const SECRETS_API: &str = "7.5";

/// A key vault as ARM describes it: where it is and how it decides who may set secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyVault {
    pub id: String,
    pub name: String,
    pub location: String,
    pub subscription_id: String,
    pub resource_group: String,
    pub vault_uri: String,
    /// Azure RBAC decides (`enableRbacAuthorization`); otherwise the access policies do.
    pub rbac: bool,
    pub tenant_id: String,
    pub access_policies: Vec<AccessPolicy>,
}

/// One access policy entry: who, and which secret permissions (`get`, `set`, `list`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccessPolicy {
    pub object_id: String,
    pub secrets: Vec<String>,
}

impl AccessPolicy {
    pub fn allows(&self, permission: &str) -> bool {
        self.secrets
            .iter()
            .any(|p| p.eq_ignore_ascii_case(permission) || p.eq_ignore_ascii_case("all"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    id: String,
    name: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    properties: WireProperties,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireProperties {
    #[serde(default)]
    vault_uri: Option<String>,
    #[serde(default)]
    enable_rbac_authorization: Option<bool>,
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    access_policies: Vec<WirePolicy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePolicy {
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    permissions: WirePermissions,
}

#[derive(Deserialize, Default)]
struct WirePermissions {
    #[serde(default)]
    secrets: Vec<String>,
}

impl Wire {
    fn into_vault(self) -> Option<KeyVault> {
        let id = ResourceId::parse(&self.id).ok()?;
        Some(KeyVault {
            subscription_id: id.subscription.clone(),
            resource_group: id.after("resourceGroups").unwrap_or_default().to_string(),
            id: self.id,
            name: self.name,
            location: self.location,
            vault_uri: self.properties.vault_uri.unwrap_or_default(),
            rbac: self.properties.enable_rbac_authorization.unwrap_or(false),
            tenant_id: self.properties.tenant_id.unwrap_or_default(),
            access_policies: self
                .properties
                .access_policies
                .into_iter()
                .map(|p| AccessPolicy {
                    object_id: p.object_id,
                    secrets: p.permissions.secrets,
                })
                .collect(),
        })
    }
}

impl ArmClient {
    /// The key vaults of `subscription` (every page).
    pub async fn list_key_vaults(&self, subscription: &str) -> Result<Vec<KeyVault>, CallError> {
        super::directory::checked("subscription ID", subscription)?;
        let path = format!(
            "/subscriptions/{}/providers/Microsoft.KeyVault/vaults",
            segment(subscription)
        );
        let wires: Vec<Wire> = self.list(self.url(&path, VAULTS_API)?).await?;
        Ok(wires.into_iter().filter_map(Wire::into_vault).collect())
    }

    /// The key vault at its ARM ID (which must name a `Microsoft.KeyVault/vaults`).
    pub async fn get_key_vault(&self, id: &str) -> Result<KeyVault, CallError> {
        let parsed = vault_id(id)?;
        let url = self.url(&parsed.path(), VAULTS_API)?;
        let response = self
            .pipeline()
            .send(&self.cloud().arm_scope(), &url, |c| c.get(url.clone()))
            .await?;
        let wire: Wire = crate::transport::read_json(&url, response).await?;
        wire.into_vault().ok_or_else(|| {
            AzureError::Malformed {
                what: "key vault".into(),
                detail: format!("ARM's answer for {id} has no usable ID"),
            }
            .into()
        })
    }
}

/// `id` checked as `/subscriptions/…/resourceGroups/…/providers/Microsoft.KeyVault/vaults/{name}`.
pub fn vault_id(id: &str) -> Result<ResourceId, AzureError> {
    let parsed = ResourceId::parse(id)?;
    let path = parsed.as_str().to_ascii_lowercase();
    let shape_ok = parsed.after("resourceGroups").is_some()
        && path.contains("/providers/microsoft.keyvault/vaults/")
        && parsed.after("vaults") == Some(parsed.name());
    if !shape_ok {
        return Err(AzureError::Malformed {
            what: "key vault ID".into(),
            detail: format!("'{id}' is not …/providers/Microsoft.KeyVault/vaults/<name>"),
        });
    }
    Ok(parsed)
}

/// A Key Vault secret name: 1–127 letters, digits and dashes (Key Vault's own rule).
pub fn check_secret_name(name: &str) -> Result<(), AzureError> {
    let ok = (1..=127).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(AzureError::Malformed {
            what: "Key Vault secret name".into(),
            detail: format!("'{name}' must be 1 to 127 letters, digits and dashes"),
        })
    }
}

/// The vault's address, if it is one of `cloud`'s vaults: https, no path, query or user, and a host
/// in the cloud's Key Vault domain — `<vault name>.<suffix>`, or the suffix itself where the cloud
/// serves every vault on its own host (a private or simulated cloud, each vault on its own port).
pub fn checked_vault_uri(cloud: &Cloud, name: &str, vault_uri: &str) -> Result<Url, AzureError> {
    let refuse = |why: &str| AzureError::Malformed {
        what: "key vault address".into(),
        detail: format!(
            "{name} ('{vault_uri}') {why}; Rekey sends secrets only to a vault of the cloud it signs in to"
        ),
    };
    let suffix = cloud
        .key_vault_suffix
        .as_deref()
        .ok_or_else(|| refuse("cannot be checked: this cloud's metadata names no Key Vault domain"))?;
    let url = Url::parse(vault_uri).map_err(|_| refuse("is not a URL"))?;
    if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("is not a plain https address"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("has a path or a query"));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let expected = format!("{}.{suffix}", name.to_ascii_lowercase());
    if host != expected && host != suffix {
        return Err(refuse(&format!("is not {expected}")));
    }
    Ok(url)
}

/// A version of a secret as Key Vault wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WrittenVersion {
    /// `https://<vault>/secrets/<name>/<version>`.
    pub id: String,
    pub version: String,
}

/// What is written with the value: the secret's metadata in Key Vault.
#[derive(Debug, Clone, Default)]
pub struct SecretMeta {
    pub content_type: String,
    pub not_before: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    pub tags: BTreeMap<String, String>,
}

/// One vault's secrets, through the session's pipeline with a Key Vault token.
pub struct VaultSecrets {
    pipeline: Pipeline,
    base: Url,
    scope: String,
}

#[derive(Deserialize)]
struct Bundle {
    #[serde(default)]
    value: Option<SecretString>,
    #[serde(default)]
    id: Option<String>,
}

impl VaultSecrets {
    /// The secrets of the vault `name` at `vault_uri`, if that is one of the pipeline's cloud's vaults.
    pub fn new(pipeline: Pipeline, name: &str, vault_uri: &str) -> Result<VaultSecrets, AzureError> {
        let base = checked_vault_uri(pipeline.cloud(), name, vault_uri)?;
        let scope = pipeline
            .cloud()
            .key_vault_scope()
            .ok_or_else(|| AzureError::Malformed {
                what: "cloud".into(),
                detail: "this cloud names no Key Vault domain".into(),
            })?;
        Ok(VaultSecrets {
            pipeline,
            base,
            scope,
        })
    }

    fn url(&self, path: &str) -> Result<Url, AzureError> {
        let mut url = self.base.join(path).map_err(|e| AzureError::Malformed {
            what: "Key Vault URL".into(),
            detail: e.to_string(),
        })?;
        url.query_pairs_mut().append_pair("api-version", SECRETS_API);
        Ok(url)
    }

    /// Sends and reads the answer into a [`Bundle`], wiping the bytes (a bundle holds the value).
    async fn exchange(&self, method: Method, url: &Url, body: Option<&[u8]>) -> Result<Bundle, CallError> {
        let response = self.pipeline.send_json(&self.scope, method, url, body).await?;
        let status = response.status().as_u16();
        let request_id = header_text(response.headers(), "x-ms-request-id");
        let mut bytes = read_body(url, response).await?.to_vec();
        let bundle = if (200..300).contains(&status) {
            // serde's message could quote the body, which holds the secret: say where, not what.
            serde_json::from_slice::<Bundle>(&bytes).map_err(|e| AzureError::Malformed {
                what: "Key Vault answer".into(),
                detail: format!("unreadable at line {} column {}", e.line(), e.column()),
            })
        } else {
            Err(api_error(status, request_id, &bytes))
        };
        bytes.zeroize();
        Ok(bundle?)
    }

    /// `PUT /secrets/{name}`: a new version holding `value`, with `meta`.
    pub async fn set(
        &self,
        name: &str,
        value: &SecretString,
        meta: &SecretMeta,
    ) -> Result<WrittenVersion, CallError> {
        check_secret_name(name)?;
        let url = self.url(&format!("secrets/{name}"))?;
        let mut attributes = serde_json::Map::new();
        attributes.insert("enabled".into(), true.into());
        if let Some(t) = meta.not_before {
            attributes.insert("nbf".into(), t.timestamp().into());
        }
        if let Some(t) = meta.expires {
            attributes.insert("exp".into(), t.timestamp().into());
        }
        let mut body = serde_json::to_vec(&serde_json::json!({
            "value": value.expose_secret(),
            "contentType": meta.content_type,
            "attributes": attributes,
            "tags": meta.tags,
        }))
        .map_err(|e| AzureError::Client(e.to_string()))?;
        let answer = self.exchange(Method::PUT, &url, Some(&body)).await;
        body.zeroize();
        let id = answer?.id.ok_or_else(|| AzureError::Malformed {
            what: "Key Vault answer".into(),
            detail: "the written secret has no id".into(),
        })?;
        let version = id.rsplit('/').next().unwrap_or_default().to_string();
        Ok(WrittenVersion { id, version })
    }

    /// The value of `name` at `version`.
    pub async fn get(&self, name: &str, version: &str) -> Result<SecretString, CallError> {
        check_secret_name(name)?;
        if !version.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AzureError::Malformed {
                what: "Key Vault secret version".into(),
                detail: version.to_string(),
            }
            .into());
        }
        let url = self.url(&format!("secrets/{name}/{version}"))?;
        let bundle = self.exchange(Method::GET, &url, None).await?;
        bundle.value.ok_or_else(|| {
            AzureError::Malformed {
                what: "Key Vault answer".into(),
                detail: "the secret has no value".into(),
            }
            .into()
        })
    }
}

#[cfg(test)]
mod tests;
