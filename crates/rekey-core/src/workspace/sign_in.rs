//! The sign-in flows (browser, device code, Azure CLI, service principal, signing in again), and
//! keeping what a sign-in gives: the account, its binding and its session.

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

use super::Workspace;
use crate::accounts::{Account, AccountInfo, SignInMethod};
use crate::auth::{
    self, explain, AuthError, AzureCliCredential, ClientSecretCredential, Credential, DeviceCodeFlow,
    InteractiveRequest, Opener, SecretSource, SignedIn, UserCredential,
};
use crate::binding::Binding;
use crate::cloud::{Cloud, CloudSetting};
use crate::error::IpcError;
use crate::session::{Session, SessionMode};

impl Workspace {
    /// Refused unless the admin accepts a custom cloud's endpoints, before anything is sent there.
    async fn approve(&self, setting: &CloudSetting, cloud: &Cloud) -> Result<(), IpcError> {
        let (CloudSetting::Custom { .. }, Some(approve)) = (setting, &self.approve_cloud) else {
            return Ok(());
        };
        if approve(cloud.clone()).await {
            Ok(())
        } else {
            Err(IpcError::new(
                "not_confirmed",
                format!(
                    "The custom cloud {} was not confirmed: nothing was sent to it.",
                    cloud.arm_endpoint.host_str().unwrap_or_default()
                ),
            ))
        }
    }

    /// Signs account `account_id` in again through the browser (`opener`), in its cloud and home
    /// tenant, after Azure refused its saved sign-in (`needs_sign_in`). The new sign-in replaces the
    /// account's session. Someone signing in as another person in the browser adds that account
    /// instead, and `account_id` still needs its sign-in.
    pub async fn sign_in_again(
        &self,
        account_id: &str,
        opener: &dyn Opener,
        cancel: &CancellationToken,
    ) -> Result<AccountInfo, IpcError> {
        let account = self.accounts.get(account_id).await.ok_or_else(|| {
            IpcError::new(
                "unknown_account",
                format!("There is no signed-in account {account_id}."),
            )
        })?;
        if !matches!(account.method, SignInMethod::Browser | SignInMethod::DeviceCode) {
            return Err(IpcError::new(
                "not_a_person",
                format!(
                    "{} does not sign in through the browser; sign it in again the way it was added.",
                    account.username
                ),
            ));
        }
        self.sign_in_browser(
            account.cloud.clone(),
            Some(account.tenant_id.clone()),
            opener,
            cancel,
        )
        .await
    }

    async fn request(
        &self,
        cloud: CloudSetting,
        tenant: Option<String>,
    ) -> Result<InteractiveRequest, IpcError> {
        let mut req = InteractiveRequest::resolve(cloud.clone())
            .await
            .map_err(|e| IpcError::from(&e))?;
        self.approve(&cloud, &req.cloud).await?;
        if let Some(t) = tenant.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
            req.tenant = t;
        }
        req.client_id = self.effective_client_id();
        Ok(req)
    }

    /// Signs a person in through the system browser (`opener`), until done, cancelled or timed out.
    pub async fn sign_in_browser(
        &self,
        cloud: CloudSetting,
        tenant: Option<String>,
        opener: &dyn Opener,
        cancel: &CancellationToken,
    ) -> Result<AccountInfo, IpcError> {
        let req = self.request(cloud, tenant).await?;
        let signed_in = auth::sign_in_browser(&req, opener, cancel)
            .await
            .map_err(|e| explain(&e))?;
        self.keep_user(&req, signed_in).await
    }

    /// Starts a device-code sign-in: show `flow.prompt()`, then [`Workspace::finish_device_code`].
    pub async fn start_device_code(
        &self,
        cloud: CloudSetting,
        tenant: Option<String>,
    ) -> Result<(InteractiveRequest, DeviceCodeFlow), IpcError> {
        let req = self.request(cloud, tenant).await?;
        let flow = auth::start_device_code(&req).await.map_err(|e| explain(&e))?;
        Ok((req, flow))
    }

    pub async fn finish_device_code(
        &self,
        req: InteractiveRequest,
        flow: DeviceCodeFlow,
        cancel: &CancellationToken,
    ) -> Result<AccountInfo, IpcError> {
        let signed_in = flow.wait(cancel).await.map_err(|e| explain(&e))?;
        self.keep_user(&req, signed_in).await
    }

    async fn keep_user(
        &self,
        req: &InteractiveRequest,
        signed_in: SignedIn,
    ) -> Result<AccountInfo, IpcError> {
        let credential = UserCredential::from_sign_in(req, &signed_in, self.tokens.clone())
            .await
            .map_err(|e| explain(&e))?;
        let session = Session::new(
            SessionMode::Azure,
            signed_in.account.username.clone(),
            req.http.clone(),
            req.cloud.clone(),
            Credential::User(credential),
        );
        self.keep(signed_in.account, session).await
    }

    /// Uses the Azure CLI's login (`az login`) on `cloud` (the one `az cloud set` chose), optionally
    /// in one tenant.
    pub async fn sign_in_azure_cli(
        &self,
        cloud: CloudSetting,
        tenant: Option<String>,
    ) -> Result<AccountInfo, IpcError> {
        let tenant = tenant.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if let Some(t) = &tenant {
            auth::checked_tenant(t).map_err(|e| explain(&e))?;
        }
        let credential = AzureCliCredential::new(tenant.as_deref()).map_err(|e| explain(&e))?;
        let (resolved, http) = cloud.resolve().await.map_err(|e| IpcError::from(&e))?;
        let token = credential
            .token(&resolved.arm_scope())
            .await
            .map_err(|e| explain(&e))?;
        let who = TokenIdentity::read(token.token.expose_secret());
        // The token's tenant ID rather than a domain typed in: one account per Azure CLI tenant.
        let tenant_id = who.tid.or(tenant).unwrap_or_else(|| UNKNOWN_TENANT.into());
        let account = Account {
            id: format!("azcli:{tenant_id}"),
            username: who.name.unwrap_or_else(|| "Azure CLI login".into()),
            tenant_id,
            cloud,
            method: SignInMethod::AzureCli,
            client_id: who.appid.unwrap_or_default(),
            secret_file: None,
            binding_mac: None,
        };
        let session = Session::new(
            SessionMode::Azure,
            account.username.clone(),
            http,
            resolved,
            Credential::AzureCli(credential),
        );
        self.keep(account, session).await
    }

    /// Signs in as a service principal. The secret is checked at once (a token is requested); then a
    /// secret given as such is kept encrypted in the token cache, and a file's path is remembered (the
    /// file is read again at each later sign-in), so later runs can sign in again without asking.
    pub async fn sign_in_service_principal(
        &self,
        cloud: CloudSetting,
        tenant: &str,
        client_id: &str,
        secret: ServicePrincipalSecret,
    ) -> Result<AccountInfo, IpcError> {
        // Before anything is read or resolved: a tenant that is not a tenant could move the login host.
        auth::checked_tenant(tenant).map_err(|e| explain(&e))?;
        let (secret, secret_file) = match secret {
            ServicePrincipalSecret::Value(secret) => (secret, None),
            ServicePrincipalSecret::File(path) => {
                let (path, text) = secret_file_path(&path).map_err(|e| explain(&e))?;
                let secret = SecretSource::File(path).read().await.map_err(|e| explain(&e))?;
                (secret, Some(text))
            }
        };
        let account = Account {
            id: Account::service_principal_id(client_id, tenant),
            username: client_id.to_string(),
            tenant_id: tenant.to_string(),
            cloud,
            method: SignInMethod::ServicePrincipal,
            client_id: client_id.to_string(),
            secret_file,
            binding_mac: None,
        };
        let mut account = account;
        let session = self
            .service_principal_session(&account, secret.clone(), false)
            .await?;
        let binding = Binding::of(&account, session.arm.cloud()).await;
        // Before anything is saved: an account on another cloud must not overwrite this one's secret.
        self.refuse_move(&binding).await?;
        if account.secret_file.is_some() {
            account.binding_mac = Some(binding.mac(&secret));
        }
        session
            .arm
            .credential()
            .token(&session.arm.cloud().arm_scope())
            .await
            .map_err(|e| explain(&e))?;
        // A file is the secret's one source: a secret saved by an earlier sign-in must not shadow it.
        let saved = match account.secret_file {
            Some(_) => self.tokens.remove(&account.id).await,
            None => self.tokens.put(&account.id, secret).await,
        };
        if let Err(e) = saved {
            tracing::warn!("the service principal's saved secret could not be updated: {e}");
        }
        self.keep_bound(account, session, binding).await
    }

    /// A service principal's session; `sealed` checks the account against its sealed binding
    /// first (every later sign-in; the first one seals it).
    pub(super) async fn service_principal_session(
        &self,
        account: &Account,
        secret: SecretString,
        sealed: bool,
    ) -> Result<Session, IpcError> {
        let (cloud, http) = account.cloud.resolve().await.map_err(|e| IpcError::from(&e))?;
        if sealed {
            let file_secret = account.secret_file.is_some().then_some(&secret);
            Binding::check(&self.tokens, account, &cloud, file_secret).await?;
        } else {
            self.approve(&account.cloud, &cloud).await?;
        }
        let credential = ClientSecretCredential::new(
            http.clone(),
            &cloud.login_endpoint,
            &account.tenant_id,
            &account.client_id,
            secret,
        )
        .map_err(|e| explain(&e))?;
        Ok(Session::new(
            SessionMode::Azure,
            account.username.clone(),
            http,
            cloud,
            Credential::ClientSecret(credential),
        ))
    }

    /// Never an in-place move to another cloud: the same tenant and client on another cloud or
    /// endpoints is a new account, added only after this one is signed out (which Rekey confirms).
    async fn refuse_move(&self, binding: &Binding) -> Result<(), IpcError> {
        let before = self.accounts.get(&binding.account_id).await;
        let moved = before.as_ref().is_some_and(|old| old.cloud != binding.cloud)
            || Binding::sealed(&self.tokens, &binding.account_id)
                .is_some_and(|sealed| !sealed.same_destination(binding));
        if !moved {
            return Ok(());
        }
        let who = before
            .map(|a| a.username)
            .unwrap_or_else(|| binding.account_id.clone());
        Err(IpcError::new(
            "account_exists_elsewhere",
            format!(
                "{who} is already signed in on another cloud or endpoints. Rekey never moves an \
                 account to another cloud in place: sign it out first, then sign in again."
            ),
        ))
    }

    async fn keep(&self, account: Account, session: Session) -> Result<AccountInfo, IpcError> {
        let binding = Binding::of(&account, session.arm.cloud()).await;
        self.keep_bound(account, session, binding).await
    }

    /// [`Workspace::keep`] with the account's binding already made (the service-principal sign-in
    /// needs it earlier, for its MAC and to refuse a move before saving anything).
    async fn keep_bound(
        &self,
        account: Account,
        mut session: Session,
        binding: Binding,
    ) -> Result<AccountInfo, IpcError> {
        let id = account.id.clone();
        self.refuse_move(&binding).await?;
        if let Err(e) = binding.seal(&self.tokens).await {
            tracing::warn!("the account's binding could not be saved (it will not be remembered): {e}");
        }
        session.account_id = id.clone();
        let info = self
            .accounts
            .add_or_replace(account)
            .await
            .map_err(|e| IpcError::from(&e))?;
        self.interaction_required().remove(&id);
        self.sessions.lock().await.insert(id, Arc::new(session));
        Ok(info)
    }

    /// Forgets the account, its refresh token or secret, and its session.
    pub async fn sign_out(&self, id: &str) -> Result<(), IpcError> {
        self.sessions.lock().await.remove(id);
        self.interaction_required().remove(id);
        self.accounts
            .remove(id, &self.tokens)
            .await
            .map_err(|e| IpcError::from(&e))?;
        if let Err(e) = Binding::forget(&self.tokens, id).await {
            tracing::warn!("the signed-out account's binding stays in the token cache: {e}");
        }
        Ok(())
    }
}

/// Where a service principal's client secret comes from when it signs in.
pub enum ServicePrincipalSecret {
    /// The secret itself (typed or piped in): kept encrypted in the token cache, under the keyring's key.
    Value(SecretString),
    /// A file holding the secret (e.g. one a secret manager mounts): its path is remembered and the
    /// file read again at each later sign-in, so no keyring is needed and a rotated secret is picked up.
    File(PathBuf),
}

impl std::fmt::Debug for ServicePrincipalSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServicePrincipalSecret::Value(_) => f.write_str("Value(<redacted>)"),
            ServicePrincipalSecret::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// The tenant an Azure CLI account is saved under when neither its token nor the caller names one.
pub(super) const UNKNOWN_TENANT: &str = "unknown";

/// A secret file's absolute path (later runs may start in another folder), and that path as text
/// for the account list.
fn secret_file_path(path: &std::path::Path) -> Result<(PathBuf, String), AuthError> {
    let refused = |detail: String| AuthError::SecretSource {
        from: path.display().to_string(),
        detail,
    };
    let absolute = std::path::absolute(path).map_err(|e| refused(e.to_string()))?;
    let text = absolute
        .to_str()
        .ok_or_else(|| refused("the path is not valid Unicode".into()))?
        .to_string();
    Ok((absolute, text))
}

/// Who an access token names, for display only (the token came straight from the CLI; its
/// signature is the API's business).
#[derive(Default)]
pub(crate) struct TokenIdentity {
    pub name: Option<String>,
    pub tid: Option<String>,
    pub appid: Option<String>,
}

impl TokenIdentity {
    pub(crate) fn read(jwt: &str) -> TokenIdentity {
        let claims = crate::auth::token::unverified_claims(jwt).unwrap_or_default();
        let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_string);
        TokenIdentity {
            name: text("upn")
                .or_else(|| text("preferred_username"))
                .or_else(|| text("unique_name"))
                .or_else(|| text("appid").map(|a| format!("application {a}"))),
            tid: text("tid"),
            appid: text("appid"),
        }
    }
}

#[cfg(test)]
mod tests;
