//! What the vault knows about a secret besides its value: the metadata index's rows, and what the
//! Vault page shows. None of these types can hold a secret.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::IpcError;
use crate::inventory::model::CredentialOwner;

/// One stored secret's metadata: no value, only where it lives in Azure and what it was given to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VaultEntry {
    pub tenant_id: String,
    pub app_id: String,
    pub key_id: String,
    /// The first characters of the secret, as Azure shows them.
    pub hint: Option<String>,
    /// The credential's display name in Azure (`rekey 2026-12-07 r:3f2a9c01 1a2b3c4d`: the date, the rotation's marker, the installation's ID).
    pub display_name: Option<String>,
    /// The application or service principal's display name.
    #[serde(default)]
    pub app_display_name: Option<String>,
    /// Whether the credential is on the application or the service principal object.
    pub owner: CredentialOwner,
    pub created: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    /// ARM IDs of the clusters this secret was given to.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// The rotation that made it.
    #[serde(default)]
    pub rotation_id: Option<String>,
    /// The Azure Key Vault secret it was also written to, if the admin chose one.
    #[serde(default)]
    pub key_vault: Option<KeyVaultPlace>,
}

/// Where a secret was also written in Azure Key Vault (a version of a named secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyVaultPlace {
    pub vault_name: String,
    pub vault_uri: String,
    pub secret_name: String,
    pub version: String,
}

impl VaultEntry {
    /// What to call the secret's application: its display name, else its app ID.
    pub fn app_label(&self) -> &str {
        self.app_display_name.as_deref().unwrap_or(&self.app_id)
    }

    /// The keyring account: `<tenant>/<appId>/<keyId>`, lowercase so that one credential has one entry.
    pub fn account(&self) -> String {
        account(&self.tenant_id, &self.app_id, &self.key_id)
    }
}

pub(crate) fn account(tenant_id: &str, app_id: &str, key_id: &str) -> String {
    format!(
        "{}/{}/{}",
        tenant_id.to_ascii_lowercase(),
        app_id.to_ascii_lowercase(),
        key_id.to_ascii_lowercase()
    )
}

/// Whether Azure still has the credential a stored secret belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AzurePresence {
    Present,
    /// Removed from Azure: the stored value no longer works anywhere.
    Removed,
    /// Not checked, or Graph could not be read.
    Unknown,
}

/// A row of the Vault page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VaultRow {
    #[serde(flatten)]
    pub entry: VaultEntry,
    /// Whether the keyring still holds the value (someone may have deleted it there).
    pub in_keyring: bool,
    pub in_azure: AzurePresence,
    /// Why `in_azure` is unknown, when it is.
    pub azure_problem: Option<String>,
    /// When it last signed in (Graph's sign-in activity report), or why that is unknown.
    #[serde(default)]
    pub last_used: Option<crate::azure::reports::LastUsed>,
}

/// Whether the vault can be used: the app's banner at start, and what `rekey vault` says.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VaultStatus {
    /// The OS keyring answers: secrets can be stored, and a rotation may begin.
    pub available: bool,
    /// Why not, with the fix for this OS.
    pub problem: Option<IpcError>,
}
