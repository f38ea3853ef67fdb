//! A signed-in person's credential: access tokens from a refresh token, which the identity platform
//! rotates on every use. Each new refresh token is saved to the token cache at once, because the
//! old one stops working.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use oauth2::{RefreshToken, Scope};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use url::Url;

use super::entra::{self, Grant, Tokens};
use super::interactive::{InteractiveRequest, SignedIn};
use super::token_cache::TokenCache;
use super::{AccessToken, AuthError};
use crate::auth::account::Account;
use crate::cloud::Cloud;
use crate::transport::HttpClient;

/// The current time; tests move it to see tokens near their expiry.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Cheap to clone: clones share the refresh token and the cached access tokens (see
/// [`UserCredential::token_in`]).
#[derive(Clone)]
pub struct UserCredential {
    http: HttpClient,
    client_id: String,
    token_url: Url,
    /// The cloud's authority, for tokens in other tenants than the home one.
    login_endpoint: Url,
    home_tenant: String,
    account_id: String,
    token_cache: TokenCache,
    clock: Clock,
    /// One lock for the refresh token and the access tokens: two refreshes at once would spend the
    /// same refresh token twice, and the second would fail.
    state: Arc<Mutex<State>>,
}

struct State {
    refresh_token: SecretString,
    access: HashMap<String, AccessToken>,
}

impl std::fmt::Debug for UserCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredential")
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

impl UserCredential {
    /// The credential of a saved `account` in `cloud`, from its refresh token (from the token cache).
    /// Tokens are requested in the account's home tenant.
    pub fn new(
        http: HttpClient,
        cloud: &Cloud,
        account: &Account,
        refresh_token: SecretString,
        token_cache: TokenCache,
    ) -> Result<Self, AuthError> {
        let token_url = entra::endpoint(&cloud.login_endpoint, &account.tenant_id, "token")?;
        Ok(UserCredential {
            http,
            client_id: account.client_id.clone(),
            token_url,
            login_endpoint: cloud.login_endpoint.clone(),
            home_tenant: account.tenant_id.clone(),
            account_id: account.id.clone(),
            token_cache,
            clock: Arc::new(Utc::now),
            state: Arc::new(Mutex::new(State {
                refresh_token,
                access: HashMap::new(),
            })),
        })
    }

    /// The credential of a sign-in that just completed: saves its refresh token to the token cache
    /// and starts with its ARM token cached.
    pub async fn from_sign_in(
        req: &InteractiveRequest,
        signed_in: &SignedIn,
        token_cache: TokenCache,
    ) -> Result<Self, AuthError> {
        let credential = Self::new(
            req.http.clone(),
            &req.cloud,
            &signed_in.account,
            signed_in.refresh_token.clone(),
            token_cache,
        )?;
        credential.save(signed_in.refresh_token.clone()).await;
        credential
            .state
            .lock()
            .await
            .access
            .insert(req.cloud.arm_scope(), signed_in.access_token.clone());
        Ok(credential)
    }

    /// Uses `clock` instead of the system time to decide whether a cached token is still fresh.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// A token for `scope`, from the cache while it has more than five minutes left, else from the
    /// refresh token. `AuthError::InteractionRequired` means the person has to sign in again.
    pub async fn token(&self, scope: &str) -> Result<AccessToken, AuthError> {
        self.token_at(&self.token_url, scope.to_string(), scope).await
    }

    /// The tenant the person signed in to (their home tenant, or the one named at sign-in).
    pub fn home_tenant(&self) -> &str {
        &self.home_tenant
    }

    /// A token for `scope` in `tenant` (a tenant where the person is a guest, say): the same refresh
    /// token redeemed at that tenant's endpoint. The rotated refresh token is saved as by
    /// [`UserCredential::token`]. A tenant the person cannot use answers with the identity
    /// platform's error (AADSTS50020 for a person who is not in it).
    pub async fn token_in(&self, tenant: &str, scope: &str) -> Result<AccessToken, AuthError> {
        if tenant.eq_ignore_ascii_case(&self.home_tenant) {
            return self.token(scope).await;
        }
        let url = entra::endpoint(&self.login_endpoint, tenant, "token")?;
        let key = format!("{}\n{scope}", tenant.to_ascii_lowercase());
        self.token_at(&url, key, scope).await
    }

    /// A token from the cache under `key`, else from the refresh token at `token_url`.
    async fn token_at(&self, token_url: &Url, key: String, scope: &str) -> Result<AccessToken, AuthError> {
        let mut state = self.state.lock().await;
        let now = (self.clock)();
        if let Some(t) = state.access.get(&key).filter(|t| t.is_fresh(now)) {
            return Ok(t.clone());
        }
        let tokens = self.redeem(token_url, &state.refresh_token, scope).await?;
        if let Some(rotated) = tokens.refresh {
            state.refresh_token = rotated.clone();
            self.save(rotated).await;
        }
        state.access.insert(key, tokens.access.clone());
        Ok(tokens.access)
    }

    /// Forgets the cached access tokens, after an API refused one (a 401): the next
    /// [`UserCredential::token`] redeems the refresh token.
    pub async fn invalidate(&self) {
        self.state.lock().await.access.clear();
    }

    async fn redeem(
        &self,
        token_url: &Url,
        refresh_token: &SecretString,
        scope: &str,
    ) -> Result<Tokens, AuthError> {
        let refresh_token = RefreshToken::new(refresh_token.expose_secret().to_string());
        // Built per refresh (it is cheap), which keeps the credential small.
        let client = entra::client(&self.client_id, token_url.clone());
        let response = client
            .exchange_refresh_token(&refresh_token)
            .add_scope(Scope::new(scope.to_string()))
            .add_scope(Scope::new("offline_access".into()))
            .request_async(self.http.reqwest())
            .await
            .map_err(|e| entra::token_error(token_url, e, Grant::RefreshToken))?;
        Ok(response.into())
    }

    /// The identity platform has already spent the old refresh token, so a failure to save the new
    /// one only costs a sign-in after the next restart: it is reported, and the token kept in memory.
    async fn save(&self, refresh_token: SecretString) {
        if let Err(e) = self.token_cache.put(&self.account_id, refresh_token).await {
            tracing::warn!(account = %self.account_id, error = %e, "could not save the rotated refresh token");
        }
    }
}
