//! Azure Key Vaults (`Microsoft.KeyVault/vaults`) and their secrets: versions, attributes, tags and
//! soft-deleted secrets. Times are Unix seconds of the simulated clock, as Key Vault's attributes are.

use std::collections::BTreeMap;

use secrecy::SecretString;
use uuid::Uuid;

/// Days a deleted secret stays recoverable (`softDeleteRetentionInDays`, Key Vault's default).
pub const RETENTION_DAYS: i64 = 90;
/// `attributes.recoveryLevel` of a vault with soft delete and without purge protection.
pub const RECOVERY_LEVEL: &str = "Recoverable+Purgeable";

#[derive(Debug, Clone)]
pub struct Vault {
    pub name: String,
    pub subscription_id: Uuid,
    pub resource_group: String,
    pub location: String,
    pub tenant_id: Uuid,
    /// `enableRbacAuthorization`: Azure RBAC decides data-plane access; else the access policies.
    pub rbac: bool,
    pub access_policies: Vec<AccessPolicy>,
    pub tags: BTreeMap<String, String>,
    /// Live secrets by lower-case name (Key Vault names are case-insensitive).
    pub secrets: BTreeMap<String, VaultSecret>,
    /// Soft-deleted secrets by lower-case name.
    pub deleted: BTreeMap<String, DeletedSecret>,
}

impl Vault {
    /// The vault's ARM ID.
    pub fn id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }

    pub fn secret(&self, name: &str) -> Option<&VaultSecret> {
        self.secrets.get(&name.to_ascii_lowercase())
    }
}

/// An access policy entry (`properties.accessPolicies[]`), secrets permissions only.
#[derive(Debug, Clone)]
pub struct AccessPolicy {
    pub tenant_id: Uuid,
    pub object_id: Uuid,
    /// `permissions.secrets`: `get`, `list`, `set`, `delete`, `recover`, `purge`, … or `all`.
    pub secrets: Vec<String>,
}

impl AccessPolicy {
    pub fn allows(&self, permission: &str) -> bool {
        self.secrets
            .iter()
            .any(|p| p.eq_ignore_ascii_case(permission) || p.eq_ignore_ascii_case("all"))
    }
}

/// A secret with its versions, oldest first; the last one is the current version.
#[derive(Debug, Clone)]
pub struct VaultSecret {
    /// The name as first written.
    pub name: String,
    pub versions: Vec<SecretVersion>,
}

impl VaultSecret {
    pub fn current(&self) -> Option<&SecretVersion> {
        self.versions.last()
    }

    pub fn version(&self, id: &str) -> Option<&SecretVersion> {
        self.versions.iter().find(|v| v.version.eq_ignore_ascii_case(id))
    }
}

#[derive(Debug, Clone)]
pub struct SecretVersion {
    /// 32 lower-case hex digits, as Key Vault's version IDs.
    pub version: String,
    pub value: SecretString,
    pub content_type: Option<String>,
    pub enabled: bool,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct DeletedSecret {
    pub secret: VaultSecret,
    pub deleted_date: i64,
    pub scheduled_purge_date: i64,
}

/// A new version ID: 32 lower-case hex digits.
pub fn new_version_id() -> String {
    Uuid::new_v4().simple().to_string()
}
