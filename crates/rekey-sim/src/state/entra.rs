//! Entra ID's objects: tenants, applications and service principals with their credentials, users
//! who sign in interactively, and the Microsoft Graph permissions they hold.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A tenant (directory).
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub display_name: String,
    pub default_domain: String,
    /// Whether the tenant has Entra ID P1/P2, which the sign-in activity reports need.
    pub premium: bool,
}

/// A password credential. The simulator keeps only a SHA-256 of the secret text, never the text.
#[derive(Clone)]
pub struct PasswordCredential {
    pub key_id: Uuid,
    pub display_name: Option<String>,
    pub hint: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub secret_sha256: [u8; 32],
    /// When it was added, in simulated time: a new secret works only after the replication delay.
    pub created: DateTime<Utc>,
}

impl std::fmt::Debug for PasswordCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordCredential")
            .field("key_id", &self.key_id)
            .field("hint", &self.hint)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

pub fn secret_digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A certificate credential (Graph `keyCredential`): only its metadata matters to Rekey.
#[derive(Debug, Clone)]
pub struct KeyCredential {
    pub key_id: Uuid,
    pub display_name: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// SHA-1 thumbprint, base64 (Graph's `customKeyIdentifier`).
    pub thumbprint: String,
}

/// What Graph's applications and service principals share: their IDs, tenant, name, credentials
/// and creation time (Graph has two resource types of this one shape; `Application` and
/// `ServicePrincipal` keep them apart as types).
#[derive(Debug, Clone)]
pub struct Registration {
    pub object_id: Uuid,
    pub app_id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<KeyCredential>,
    /// When it was created (simulated time): a new one is unusable during the replication delay.
    pub created: DateTime<Utc>,
}

impl Registration {
    /// A new object of `app_id` with a fresh object ID and no credentials yet.
    pub fn new(app_id: Uuid, tenant_id: Uuid, display_name: &str, created: DateTime<Utc>) -> Self {
        Registration {
            object_id: Uuid::new_v4(),
            app_id,
            tenant_id,
            display_name: display_name.to_string(),
            password_credentials: Vec::new(),
            key_credentials: Vec::new(),
            created,
        }
    }
}

/// An application registration (Graph `application`).
#[derive(Debug, Clone)]
pub struct Application(pub Registration);

/// A service principal (Graph `servicePrincipal`): an application's, or a managed identity's.
#[derive(Debug, Clone)]
pub struct ServicePrincipal(pub Registration);

macro_rules! registration_deref {
    ($t:ty) => {
        impl std::ops::Deref for $t {
            type Target = Registration;
            fn deref(&self) -> &Registration {
                &self.0
            }
        }
        impl std::ops::DerefMut for $t {
            fn deref_mut(&mut self) -> &mut Registration {
                &mut self.0
            }
        }
    };
}
registration_deref!(Application);
registration_deref!(ServicePrincipal);

/// A person who can sign in interactively (browser or device code).
#[derive(Clone)]
pub struct User {
    pub object_id: Uuid,
    pub tenant_id: Uuid,
    pub user_principal_name: String,
    pub display_name: String,
    pub password_sha256: [u8; 32],
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("upn", &self.user_principal_name)
            .finish_non_exhaustive()
    }
}

/// A Microsoft Graph permission held by a principal (user: delegated, service principal: application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphGrant {
    pub principal_id: Uuid,
    /// e.g. `Application.ReadWrite.All`, `Application.Read.All`.
    pub permission: String,
}

/// A Microsoft Entra directory role (`Reports Reader`, `Global Reader` …) a principal holds in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRoleAssignment {
    pub tenant_id: Uuid,
    pub principal_id: Uuid,
    /// The role's display name, as the portal and Graph's `directoryRole.displayName` spell it.
    pub role: String,
}
