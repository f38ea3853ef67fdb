//! What the interactive sign-ins (browser and device code) share: the request, its result, the
//! public client Rekey signs in as, and how the browser is opened.

use secrecy::SecretString;
use url::Url;

use super::entra::{self, EntraClient, IdClaims, Tokens};
use super::{AccessToken, AuthError};
use crate::auth::account::{Account, SignInMethod};
use crate::cloud::{Cloud, CloudSetting};
use crate::transport::AzureError;
use crate::transport::HttpClient;

/// The Azure CLI's well-known public client, which every tenant knows: what Rekey signs in as
/// until an organisation registers its own application.
pub const DEFAULT_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// The tenant a person signs in to when they have not named one: any work or school account.
pub const DEFAULT_TENANT: &str = "organizations";

/// The public client ID: `REKEY_CLIENT_ID` when set, else [`DEFAULT_CLIENT_ID`]. A client ID saved in
/// Rekey's settings takes precedence over both; callers pass it instead of calling this.
pub fn client_id() -> String {
    std::env::var("REKEY_CLIENT_ID")
        .ok()
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string())
}

/// Where and as whom an interactive sign-in happens.
#[derive(Clone)]
pub struct InteractiveRequest {
    pub http: HttpClient,
    pub cloud: Cloud,
    /// How the cloud was chosen, saved with the account so that it can sign in again.
    pub setting: CloudSetting,
    /// A tenant ID or domain, or `organizations` (the default).
    pub tenant: String,
    pub client_id: String,
}

impl InteractiveRequest {
    /// A request for `setting`'s cloud in the default tenant with the default client.
    pub async fn resolve(setting: CloudSetting) -> Result<Self, AzureError> {
        let (cloud, http) = setting.resolve().await?;
        Ok(InteractiveRequest {
            http,
            cloud,
            setting,
            tenant: DEFAULT_TENANT.to_string(),
            client_id: client_id(),
        })
    }

    /// What an interactive sign-in asks for: ARM, the person's identity, and a refresh token.
    pub(crate) fn scopes(&self) -> Vec<String> {
        vec![
            self.cloud.arm_scope(),
            "openid".into(),
            "profile".into(),
            "offline_access".into(),
        ]
    }

    pub(crate) fn endpoint(&self, name: &str) -> Result<Url, AuthError> {
        entra::endpoint(&self.cloud.login_endpoint, &self.tenant, name)
    }

    pub(crate) fn client(&self) -> Result<EntraClient, AuthError> {
        Ok(entra::client(&self.client_id, self.endpoint("token")?))
    }

    /// The result of a sign-in, from the token response: who signed in (from the ID token, which
    /// must be for this client and, for the browser, carry this sign-in's nonce) and the tokens.
    pub(crate) fn signed_in(
        &self,
        tokens: Tokens,
        nonce: Option<&str>,
        method: SignInMethod,
    ) -> Result<SignedIn, AuthError> {
        let id_token = tokens
            .id_token
            .ok_or_else(|| AuthError::Malformed("the answer has no ID token".into()))?;
        let claims = IdClaims::verified(&id_token, &self.client_id, nonce)?;
        let refresh_token = tokens.refresh.ok_or_else(|| {
            AuthError::Malformed("no refresh token was issued (offline_access was not granted)".into())
        })?;
        let account = Account {
            id: Account::user_id(&claims.oid, &claims.tid),
            username: claims.username(),
            tenant_id: claims.tid,
            cloud: self.setting.clone(),
            method,
            client_id: self.client_id.clone(),
            secret_file: None,
            binding_mac: None,
        };
        Ok(SignedIn {
            account,
            refresh_token,
            access_token: tokens.access,
        })
    }
}

/// A completed interactive sign-in. Save the account, keep the refresh token in the token cache,
/// and build a [`super::UserCredential`] from it (which starts with `access_token` cached).
pub struct SignedIn {
    pub account: Account,
    pub refresh_token: SecretString,
    /// A token for the cloud's ARM scope, issued with the refresh token.
    pub access_token: AccessToken,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// Opens the sign-in page: the desktop app's opener plugin, the CLI's default browser, or in tests
/// an HTTP client that fills in the page.
pub trait Opener: Send + Sync {
    fn open(&self, url: &Url) -> Result<(), String>;
}
