//! Who signed in, and how: the account record the credentials are built from (saved by
//! [`crate::accounts`], which holds no token or secret).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::cloud::CloudSetting;

/// How an account was signed in.
#[derive(Serialize, Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SignInMethod {
    Browser,
    DeviceCode,
    AzureCli,
    ServicePrincipal,
}

/// One signed-in identity.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// `{oid}.{tid}` for a user, `sp:{clientId}@{tenant}` for a service principal.
    pub id: String,
    pub username: String,
    pub tenant_id: String,
    pub cloud: CloudSetting,
    pub method: SignInMethod,
    /// The app the account signed in through (the public client, or the service principal itself).
    pub client_id: String,
    /// The PATH of the file a service principal's client secret is read from at each sign-in (never
    /// the secret): no keyring is needed for it, and a secret rotated in the file is picked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<String>,
    /// For a secret file: HMAC-SHA256 of the account's binding (cloud, endpoints, tenant, client,
    /// file) under the secret itself, so that the binding holds without a keyring. Whoever edits
    /// this file cannot recompute it without the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_mac: Option<String>,
}

impl Account {
    /// The id of a user account: object id and home tenant, as the identity platform names it.
    pub fn user_id(object_id: &str, tenant_id: &str) -> String {
        format!("{object_id}.{tenant_id}")
    }

    pub fn service_principal_id(client_id: &str, tenant: &str) -> String {
        format!("sp:{client_id}@{tenant}")
    }
}
