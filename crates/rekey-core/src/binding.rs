//! An account's binding: the cloud, endpoints, tenant and client it signed in with, sealed in the
//! encrypted token cache beside its tokens. `accounts.json` is a plain file that anyone who can
//! edit Rekey's files could point at another host; a token or secret is only ever used for the
//! endpoints sealed with it, so an edited account file is refused instead of followed.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::accounts::Account;
use crate::auth::token_cache::{TokenCache, TokenCacheError};
use crate::cloud::{Cloud, CloudSetting};
use crate::error::IpcError;

/// Token-cache entries of bindings are named so; account IDs never start with it.
const PREFIX: &str = "binding:";

/// Where an account's credentials may go. Compared whole: any difference refuses the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub account_id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub method: String,
    pub secret_file: Option<String>,
    pub cloud: CloudSetting,
    /// SHA-256 of the extra CA certificate's PEM, when the cloud has one.
    pub ca_sha256: Option<String>,
    pub login_endpoint: String,
    pub arm_endpoint: String,
    pub arm_audience: String,
    pub graph_endpoint: String,
    pub graph_audience: String,
}

impl Binding {
    /// The binding of `account` signed in to `cloud` (its resolved endpoints).
    pub async fn of(account: &Account, cloud: &Cloud) -> Binding {
        let ca_sha256 = match &account.cloud {
            CloudSetting::Custom {
                ca_file: Some(path), ..
            } => Some(match tokio::fs::read(path).await {
                Ok(pem) => hex(&Sha256::digest(&pem)),
                // An unreadable CA fails the sign-in elsewhere; here it simply matches nothing.
                Err(_) => "unreadable".into(),
            }),
            _ => None,
        };
        Binding {
            account_id: account.id.clone(),
            tenant_id: account.tenant_id.to_ascii_lowercase(),
            client_id: account.client_id.to_ascii_lowercase(),
            method: format!("{:?}", account.method),
            secret_file: account.secret_file.clone(),
            cloud: account.cloud.clone(),
            ca_sha256,
            login_endpoint: cloud.login_endpoint.to_string(),
            arm_endpoint: cloud.arm_endpoint.to_string(),
            arm_audience: cloud.arm_audience.clone(),
            graph_endpoint: cloud.graph_endpoint.to_string(),
            graph_audience: cloud.graph_audience.clone(),
        }
    }

    /// Seals the binding with the account's tokens (encrypted, under the keyring's key).
    pub async fn seal(&self, tokens: &TokenCache) -> Result<(), TokenCacheError> {
        let text = serde_json::to_string(self).unwrap_or_default();
        tokens.put(&key(&self.account_id), SecretString::from(text)).await
    }

    /// Forgets the sealed binding of `account_id` (sign-out).
    pub async fn forget(tokens: &TokenCache, account_id: &str) -> Result<(), TokenCacheError> {
        tokens.remove(&key(account_id)).await
    }

    /// The binding sealed for `account_id`, if any.
    pub fn sealed(tokens: &TokenCache, account_id: &str) -> Option<Binding> {
        let text = tokens.get(&key(account_id))?;
        serde_json::from_str(text.expose_secret()).ok()
    }

    /// The binding's MAC under `secret` (a service principal's secret file): HMAC-SHA256 over its
    /// canonical JSON, hex. Kept in the account file; it holds without a keyring.
    pub fn mac(&self, secret: &SecretString) -> String {
        let message = serde_json::to_vec(self).unwrap_or_default();
        hex(&hmac_sha256(secret.expose_secret().as_bytes(), &message))
    }

    /// Refuses to use `account` on `cloud` unless that is exactly what was sealed at sign-in: in the
    /// token cache, or (a secret file without a keyring) by the MAC under the file's `secret`.
    pub async fn check(
        tokens: &TokenCache,
        account: &Account,
        cloud: &Cloud,
        file_secret: Option<&SecretString>,
    ) -> Result<(), IpcError> {
        let now = Binding::of(account, cloud).await;
        match Binding::sealed(tokens, &account.id) {
            Some(sealed) if sealed == now => Ok(()),
            Some(sealed) => Err(IpcError::new(
                "account_changed",
                format!(
                    "The saved account {} no longer matches what was sealed when it signed in ({}). \
                     Rekey will not send its sign-in anywhere else: sign it out and sign in again.",
                    account.username,
                    sealed.differences(&now).join(", ")
                ),
            )),
            // A secret file without a keyring: the MAC under the file's secret holds the binding.
            None if account.binding_mac.is_some() && file_secret.is_some() => {
                let expected = file_secret.map(|secret| now.mac(secret)).unwrap_or_default();
                // Compared whole; a timing difference tells nothing the file's reader lacks.
                if Some(expected.as_str()) == account.binding_mac.as_deref() {
                    Ok(())
                } else {
                    Err(IpcError::new(
                        "account_changed",
                        format!(
                            "The saved account {} no longer matches what was sealed when it signed in \
                             (its cloud, endpoints or secret file changed, or the secret in the file was \
                             replaced). Rekey will not send the secret anywhere else: sign in again.",
                            account.username
                        ),
                    ))
                }
            }
            // The Azure CLI holds its own sign-in and Rekey stores nothing of it: on a built-in cloud
            // its tokens can only go to Microsoft's hosts, so no keyring is needed to bind it.
            None if account.method == crate::accounts::SignInMethod::AzureCli
                && !matches!(account.cloud, CloudSetting::Custom { .. }) =>
            {
                Ok(())
            }
            None => Err(IpcError::new(
                "sign_in_required",
                format!(
                    "Rekey has no sealed record of where {} signs in (it was saved by an older \
                     version, or without a working keyring): sign in again.",
                    account.username
                ),
            )),
        }
    }

    /// Before anything is resolved or sent: refuses an account whose cloud, tenant, client or secret
    /// file differs from what was sealed (an edited account file must not even make Rekey fetch
    /// another host's metadata). The endpoints are compared by [`Binding::check`] once resolved.
    pub fn precheck(tokens: &TokenCache, account: &Account) -> Result<(), IpcError> {
        let Some(sealed) = Binding::sealed(tokens, &account.id) else {
            return Ok(());
        };
        let same = sealed.cloud == account.cloud
            && sealed.tenant_id == account.tenant_id.to_ascii_lowercase()
            && sealed.client_id == account.client_id.to_ascii_lowercase()
            && sealed.secret_file == account.secret_file;
        if same {
            return Ok(());
        }
        Err(IpcError::new(
            "account_changed",
            format!(
                "The saved account {} no longer matches what was sealed when it signed in (its cloud, \
                 tenant, client or secret file was changed outside Rekey). Rekey will not send its \
                 sign-in anywhere else: sign it out and sign in again.",
                account.username
            ),
        ))
    }

    /// Whether `other` sends credentials to the same cloud and endpoints (an account re-added there
    /// is the same account; anywhere else it would be a move).
    pub fn same_destination(&self, other: &Binding) -> bool {
        self.cloud == other.cloud
            && self.login_endpoint == other.login_endpoint
            && self.arm_endpoint == other.arm_endpoint
            && self.graph_endpoint == other.graph_endpoint
    }

    /// What differs, by field name (never a value: a path or host is enough to act on).
    fn differences(&self, other: &Binding) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut diff = |name: &'static str, same: bool| {
            if !same {
                out.push(name);
            }
        };
        diff("tenant", self.tenant_id == other.tenant_id);
        diff("client", self.client_id == other.client_id);
        diff("sign-in method", self.method == other.method);
        diff("secret file", self.secret_file == other.secret_file);
        diff("cloud", self.cloud == other.cloud);
        diff("CA certificate", self.ca_sha256 == other.ca_sha256);
        diff("login endpoint", self.login_endpoint == other.login_endpoint);
        diff("ARM endpoint", self.arm_endpoint == other.arm_endpoint);
        diff(
            "token audiences",
            self.arm_audience == other.arm_audience && self.graph_audience == other.graph_audience,
        );
        diff("Graph endpoint", self.graph_endpoint == other.graph_endpoint);
        if out.is_empty() {
            out.push("account");
        }
        out
    }
}

fn key(account_id: &str) -> String {
    format!("{PREFIX}{account_id}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256 (RFC 2104) over SHA-256.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
