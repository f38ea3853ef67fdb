//! The signed-in workspace: accounts, their tokens and sessions, and the inventory across them.
//! The desktop app and the CLI both go through it, so neither holds sign-in logic the other lacks.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::accounts::{Account, AccountInfo, AccountStore, Selection, SignInMethod};
use crate::auth::token_cache::TokenCache;
use crate::auth::{
    self, explain, AuthError, AzureCliCredential, ClientSecretCredential, Credential, DeviceCodeFlow,
    InteractiveRequest, Opener, SecretSource, SignedIn, UserCredential,
};
use crate::azure::arm::ArmError;
use crate::binding::Binding;
use crate::cloud::{Cloud, CloudSetting};
use crate::error::IpcError;
use crate::inventory::model::{ExpiryBucket, InventorySource, Progress};
use crate::inventory::refresh::ProgressSink;
use crate::inventory::{self, Inventory, RefreshOptions};
use crate::paths::AppPaths;
use crate::secure_store::SecureStore;
use crate::session::{Session, SessionInfo, SessionMode};
use crate::settings::Settings;

/// A tenant an account can reach.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TenantInfo {
    pub tenant_id: String,
    pub display_name: Option<String>,
    pub default_domain: Option<String>,
}

/// A subscription an account can read.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SubscriptionInfo {
    pub subscription_id: String,
    pub display_name: String,
    pub tenant_id: Option<String>,
    pub state: Option<String>,
}

/// What the sign-in screen and the account panel need to know. No token or secret.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuthStatus {
    pub mode: SessionMode,
    pub accounts: Vec<AccountInfo>,
    /// Whether sign-ins survive a restart (the OS keyring works).
    pub tokens_persisted: bool,
    pub storage_problem: Option<String>,
    /// The public client Rekey signs in as.
    pub client_id: String,
    /// The built-in simulator as a cloud to sign in to, in demo mode.
    pub demo_cloud: Option<CloudSetting>,
    /// Accounts (ids) whose saved sign-in Azure refused and which must sign in again in the browser
    /// (multi-factor authentication, conditional access, a revoked sign-in): see
    /// [`Workspace::sign_in_again`].
    pub needs_sign_in: Vec<String>,
    /// The cloud the sign-in screen starts on (the settings' `cloud`; Azure public when none).
    pub default_cloud: Option<CloudSetting>,
    /// What the header shows: the demo tenant, or the signed-in accounts' cloud and names (set by
    /// `Estate::auth_status`, the command's answer).
    pub session: Option<SessionInfo>,
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

pub struct Workspace {
    accounts: AccountStore,
    tokens: TokenCache,
    storage_problem: Option<String>,
    /// The settings in force; the Settings page replaces them ([`Workspace::set_settings`]).
    settings: std::sync::RwLock<Settings>,
    /// The public client people sign in through, instead of the settings' (the CLI's `--client-id`).
    client_id: Option<String>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// Accounts a call failed for with `AuthError::InteractionRequired`, until they sign in again.
    needs_sign_in: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// Asked before a first sign-in to a custom cloud sends anything to its hosts (the app shows a
    /// native dialog with the login, ARM and Graph hosts). `None`: the caller named the cloud itself
    /// (the CLI's `--cloud`).
    approve_cloud: Option<CloudApproval>,
}

/// Answers whether the admin accepts a custom cloud's endpoints (`true` to go on).
pub type CloudApproval = Arc<dyn Fn(Cloud) -> futures_util::future::BoxFuture<'static, bool> + Send + Sync>;

fn arm_error(e: ArmError) -> IpcError {
    IpcError::from(&e)
}

impl Workspace {
    /// Opens the accounts and the token cache in `paths`, with the OS keyring when it works. Without
    /// one, sign-in still works for this run and `storage_problem` says why nothing is remembered.
    pub async fn open(paths: &AppPaths) -> Result<Workspace, IpcError> {
        match SecureStore::platform().await {
            Ok(store) => Self::open_with(paths, Some(store), None).await,
            Err(e) => Self::open_with(paths, None, Some(e.to_string())).await,
        }
    }

    /// [`Workspace::open`] with a given store (tests pass an in-memory one).
    pub async fn open_with(
        paths: &AppPaths,
        store: Option<SecureStore>,
        store_problem: Option<String>,
    ) -> Result<Workspace, IpcError> {
        let accounts = AccountStore::open(paths).await.map_err(|e| IpcError::from(&e))?;
        let tokens = TokenCache::open(paths, store).await;
        let (settings, settings_problem) = Settings::load(paths);
        if let Some(problem) = &settings_problem {
            tracing::warn!("{problem}");
        }
        let storage_problem = store_problem
            .or_else(|| tokens.problems().first().map(|p| p.to_string()))
            .or_else(|| accounts.problem().map(|p| p.to_string()));
        Ok(Workspace {
            settings: std::sync::RwLock::new(settings),
            client_id: None,
            accounts,
            tokens,
            storage_problem,
            sessions: Mutex::new(HashMap::new()),
            needs_sign_in: std::sync::Mutex::new(std::collections::BTreeSet::new()),
            approve_cloud: None,
        })
    }

    /// Asks `approve` before the first sign-in to any custom cloud (see [`CloudApproval`]).
    pub fn with_cloud_approval(mut self, approve: CloudApproval) -> Workspace {
        self.approve_cloud = Some(approve);
        self
    }

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

    pub fn tokens_persisted(&self) -> bool {
        self.tokens.persisted()
    }

    pub fn storage_problem(&self) -> Option<String> {
        self.storage_problem.clone()
    }

    /// Why the account list started empty (its file was broken and set aside), if it did.
    pub fn accounts_problem(&self) -> Option<String> {
        self.accounts.problem().map(ToString::to_string)
    }

    /// People sign in through `client_id` rather than the client in the settings (or
    /// `REKEY_CLIENT_ID`); `None` goes back to those.
    pub fn with_client_id(mut self, client_id: Option<String>) -> Workspace {
        self.client_id = client_id
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty());
        self
    }

    /// The settings in force (loaded at open, replaced by [`Workspace::set_settings`]).
    pub fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Uses `settings` from now on (the caller has saved them): a new client ID applies to the next
    /// sign-in.
    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    fn effective_client_id(&self) -> String {
        self.client_id
            .clone()
            .unwrap_or_else(|| self.settings().effective_client_id())
    }

    pub async fn accounts(&self) -> Vec<AccountInfo> {
        self.accounts.list().await
    }

    /// The sign-in state; `demo_cloud` is offered when Rekey runs its simulator.
    pub async fn status(&self, demo_cloud: Option<CloudSetting>) -> AuthStatus {
        let accounts = self.accounts().await;
        AuthStatus {
            mode: if accounts.is_empty() {
                SessionMode::Demo
            } else {
                SessionMode::Azure
            },
            accounts,
            tokens_persisted: self.tokens_persisted(),
            storage_problem: self.storage_problem(),
            client_id: self.effective_client_id(),
            demo_cloud,
            needs_sign_in: self.needs_sign_in(),
            default_cloud: self.settings().cloud,
            session: None,
        }
    }

    /// The accounts that must sign in again interactively: a call for them failed with
    /// `AuthError::InteractionRequired`, and they have not signed in since.
    pub fn needs_sign_in(&self) -> Vec<String> {
        self.interaction_required().iter().cloned().collect()
    }

    fn interaction_required(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<String>> {
        self.needs_sign_in.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An ARM failure of account `id` for the user, remembering that the account must sign in again
    /// when Azure asked for interaction.
    fn account_arm_error(&self, id: &str, e: ArmError) -> IpcError {
        if matches!(e, ArmError::Auth(AuthError::InteractionRequired { .. })) {
            self.interaction_required().insert(id.to_string());
        }
        arm_error(e)
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
    async fn service_principal_session(
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

    /// The session of a saved account, signing in again silently from what was remembered.
    pub async fn session(&self, id: &str) -> Result<Arc<Session>, IpcError> {
        if let Some(s) = self.sessions.lock().await.get(id) {
            return Ok(s.clone());
        }
        let account = self.accounts.get(id).await.ok_or_else(|| {
            IpcError::new("unknown_account", format!("There is no signed-in account {id}."))
        })?;
        Binding::precheck(&self.tokens, &account)?;
        let forgotten = || {
            IpcError::new(
                "sign_in_required",
                format!(
                    "Rekey does not remember the sign-in of {}: sign in again.",
                    account.username
                ),
            )
        };
        let session = match account.method {
            SignInMethod::Browser | SignInMethod::DeviceCode => {
                let refresh = self.tokens.get(&account.id).ok_or_else(forgotten)?;
                let (cloud, http) = account.cloud.resolve().await.map_err(|e| IpcError::from(&e))?;
                Binding::check(&self.tokens, &account, &cloud, None).await?;
                let credential =
                    UserCredential::new(http.clone(), &cloud, &account, refresh, self.tokens.clone())
                        .map_err(|e| explain(&e))?;
                Session::new(
                    SessionMode::Azure,
                    account.username.clone(),
                    http,
                    cloud,
                    Credential::User(credential),
                )
            }
            SignInMethod::ServicePrincipal => {
                // The file first: it holds the current secret after a rotation.
                let secret = match &account.secret_file {
                    Some(file) => SecretSource::File(PathBuf::from(file))
                        .read()
                        .await
                        .map_err(|e| explain(&e))?,
                    None => self.tokens.get(&account.id).ok_or_else(forgotten)?,
                };
                self.service_principal_session(&account, secret, true).await?
            }
            SignInMethod::AzureCli => {
                let tenant = Some(account.tenant_id.as_str()).filter(|t| *t != UNKNOWN_TENANT);
                let credential = AzureCliCredential::new(tenant).map_err(|e| explain(&e))?;
                let (cloud, http) = account.cloud.resolve().await.map_err(|e| IpcError::from(&e))?;
                Binding::check(&self.tokens, &account, &cloud, None).await?;
                Session::new(
                    SessionMode::Azure,
                    account.username.clone(),
                    http,
                    cloud,
                    Credential::AzureCli(credential),
                )
            }
        };
        let mut session = session;
        session.account_id = account.id.clone();
        let session = Arc::new(session);
        self.sessions.lock().await.insert(id.to_string(), session.clone());
        Ok(session)
    }

    /// A session that works in `tenant`: the account whose home it is, else a person's account
    /// redeeming its refresh token there (guest access). Rotation and the vault's Azure check use
    /// it, because Graph answers only for the token's tenant.
    pub async fn session_for_tenant(&self, tenant: &str) -> Result<Arc<Session>, IpcError> {
        let accounts = self.accounts.list().await;
        if let Some(home) = accounts.iter().find(|a| a.tenant_id.eq_ignore_ascii_case(tenant)) {
            return self.session(&home.id).await;
        }
        let mut last_error = None;
        for account in accounts
            .iter()
            .filter(|a| matches!(a.method, SignInMethod::Browser | SignInMethod::DeviceCode))
        {
            match self.session(&account.id).await {
                Ok(home) => return Ok(tenant_session(&home, tenant)),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            IpcError::new(
                "no_account_for_tenant",
                format!("No signed-in account can reach the tenant {tenant}: sign in to it first."),
            )
        }))
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

    pub async fn tenants(&self, id: &str) -> Result<Vec<TenantInfo>, IpcError> {
        let session = self.session(id).await?;
        let tenants = session
            .arm
            .list_tenants()
            .await
            .map_err(|e| self.account_arm_error(id, e))?;
        Ok(tenants
            .into_iter()
            .map(|t| TenantInfo {
                tenant_id: t.tenant_id,
                display_name: t.display_name,
                default_domain: t.default_domain,
            })
            .collect())
    }

    /// The subscriptions account `id` can read, in every tenant it can use: a person's other tenants
    /// (where they are a guest) are listed with a token from each. A tenant that refuses adds nothing
    /// (the reason goes to the log); only the account's own listing failing fails the call.
    pub async fn subscriptions(&self, id: &str) -> Result<Vec<SubscriptionInfo>, IpcError> {
        let session = self.session(id).await?;
        let mut subscriptions = session
            .arm
            .list_subscriptions()
            .await
            .map_err(|e| self.account_arm_error(id, e))?;
        for tenant in other_tenants(&session, &subscriptions, &[]).await {
            match tenant_session(&session, &tenant).arm.list_subscriptions().await {
                Ok(found) => {
                    for s in found {
                        if !subscriptions
                            .iter()
                            .any(|k| k.subscription_id.eq_ignore_ascii_case(&s.subscription_id))
                        {
                            subscriptions.push(s);
                        }
                    }
                }
                Err(e) => tracing::warn!(
                    account = %id,
                    tenant = %tenant,
                    error = %e,
                    "the tenant's subscriptions could not be listed"
                ),
            }
        }
        Ok(subscriptions
            .into_iter()
            .map(|s| SubscriptionInfo {
                subscription_id: s.subscription_id,
                display_name: s.display_name,
                tenant_id: s.tenant_id,
                state: s.state,
            })
            .collect())
    }

    pub async fn set_selection(&self, id: &str, selection: Selection) -> Result<AccountInfo, IpcError> {
        self.accounts
            .set_selection(id, selection)
            .await
            .map_err(|e| IpcError::from(&e))
    }

    /// Clusters of every account's selected tenants and subscriptions, with expiry. An account that
    /// fails adds a warning; the others still answer.
    pub async fn inventory(&self) -> Inventory {
        self.inventory_with(RefreshOptions::default()).await
    }

    /// [`Workspace::inventory`] with thresholds, a subscription filter, progress, cancellation and
    /// known keys. Accounts refresh side by side. A subscription in the home tenant of a signed-in
    /// account is read by that account, whose Graph token can read that tenant's service principals;
    /// a cluster seen by several accounts is kept once, the best-rated copy.
    pub async fn inventory_with(&self, options: RefreshOptions) -> Inventory {
        let accounts = self.accounts.list().await;
        self.inventory_of(accounts, options)
            .await
            .with_failures_as_warnings()
    }

    /// [`Workspace::inventory_with`] over `accounts` (some of the signed-in ones, e.g. those of one
    /// cloud), with the accounts that could not be listed at all kept apart from the warnings, for a
    /// caller that reports them on their own (the CLI, in its exit code).
    pub async fn inventory_of(
        &self,
        accounts: Vec<AccountInfo>,
        options: RefreshOptions,
    ) -> AccountsInventory {
        let mut failed = Vec::new();
        let homes: Vec<String> = accounts
            .iter()
            .map(|a| a.tenant_id.to_ascii_lowercase())
            .collect();
        let progress = AccountsProgress::new(options.progress.clone(), accounts.len());
        let mut all = Inventory {
            thresholds: options.thresholds,
            ..Inventory::default()
        };
        let mut tasks = JoinSet::new();
        for (index, info) in accounts.into_iter().enumerate() {
            let session = match self.session(&info.id).await {
                Ok(s) => s,
                Err(error) => {
                    failed.push(AccountFailure { account: info, error });
                    progress.finish(index);
                    continue;
                }
            };
            let own = info.tenant_id.to_ascii_lowercase();
            let others: Vec<String> = homes.iter().filter(|h| **h != own).cloned().collect();
            let selection = info.selection.clone();
            let outer = options.keep_subscription.clone();
            let keep = move |s: &crate::azure::models::Subscription| {
                let tenant = s.tenant_id.as_deref().map(str::to_ascii_lowercase);
                let routed = tenant.as_ref().is_none_or(|t| *t == own || !others.contains(t));
                routed
                    && (selection.subscriptions.is_empty()
                        || selection.subscriptions.contains(&s.subscription_id))
                    && (selection.tenants.is_empty()
                        || s.tenant_id
                            .as_ref()
                            .is_some_and(|t| selection.tenants.contains(t)))
                    && outer.as_ref().is_none_or(|k| k(s))
            };
            let account_options = RefreshOptions {
                keep_subscription: Some(Arc::new(keep)),
                progress: Some(progress.sink(index)),
                ..options.clone()
            };
            // A person's other tenants (guest access) are each read with a token of that tenant,
            // Graph included; a tenant that is another signed-in account's home is left to it.
            let guest = GuestScan {
                skip: homes.clone(),
                selection: info.selection.clone(),
                outer: options.keep_subscription.clone(),
            };
            tasks.spawn(async move {
                let result = refresh_account(&session, account_options, guest).await;
                (info, result)
            });
        }
        let mut rows: HashMap<String, crate::inventory::ClusterRow> = HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (info, result) = match joined {
                Ok(done) => done,
                Err(e) => {
                    let why = format!("An account's inventory stopped unexpectedly: {e}");
                    all.warnings.push(why.clone());
                    all.blind_spots.push(crate::inventory::blind::BlindSpot::new(
                        crate::inventory::blind::BlindSpotKind::Listing,
                        "",
                        why,
                    ));
                    continue;
                }
            };
            match result {
                Ok(found) => {
                    merge_counts(&mut all, &found);
                    for row in found.clusters {
                        let key = row.id.to_ascii_lowercase();
                        let better = rows.get(&key).is_none_or(|kept| {
                            kept.expiry.bucket == ExpiryBucket::Unknown
                                && row.expiry.bucket != ExpiryBucket::Unknown
                        });
                        if better {
                            rows.insert(key, row);
                        }
                    }
                    all.warnings.extend(
                        found
                            .warnings
                            .into_iter()
                            .map(|w| format!("{}: {w}", info.username)),
                    );
                    for spot in found.blind_spots {
                        crate::inventory::blind::add(&mut all.blind_spots, spot);
                    }
                }
                Err(e) => failed.push(AccountFailure {
                    error: self.account_arm_error(&info.id, e),
                    account: info,
                }),
            }
        }
        all.clusters = rows.into_values().collect();
        all.clusters
            .sort_by(|a, b| (&a.subscription_name, &a.name).cmp(&(&b.subscription_name, &b.name)));
        all.stats.clusters = u32::try_from(all.clusters.len()).unwrap_or(u32::MAX);
        all.generated_at = Some(chrono::Utc::now());
        AccountsInventory {
            inventory: all,
            failed,
        }
    }
}

/// Adds `found`'s source (ARM listing wins over Resource Graph: the table says the slower path was
/// needed somewhere) and counts to `all`; clusters are counted by the caller (they may be merged).
fn merge_counts(all: &mut Inventory, found: &Inventory) {
    all.source = match (all.source, found.source) {
        (Some(InventorySource::Arm), _) | (_, Some(InventorySource::Arm)) => Some(InventorySource::Arm),
        (a, b) => a.or(b),
    };
    let s = &mut all.stats;
    s.subscriptions += found.stats.subscriptions;
    s.service_principals += found.stats.service_principals;
    s.credentials += found.stats.credentials;
    s.requests += found.stats.requests;
}

/// The session of a person's account `home` in another of their tenants: the same refresh token,
/// redeemed at that tenant's endpoint ([`Credential::UserInTenant`]). Other accounts (a service
/// principal, an Azure CLI login) answer for one tenant, so they keep their own session.
pub fn tenant_session(home: &Arc<Session>, tenant: &str) -> Arc<Session> {
    let Credential::User(user) = home.arm.credential() else {
        return home.clone();
    };
    if tenant.eq_ignore_ascii_case(user.home_tenant()) {
        return home.clone();
    }
    let (http, _) = home.arm.parts();
    let mut session = Session::new(
        home.info.mode,
        home.info.tenant_label.clone(),
        http.clone(),
        home.arm.cloud().clone(),
        Credential::UserInTenant {
            user: user.clone(),
            tenant: tenant.to_string(),
        },
    );
    session.account_id = home.account_id.clone();
    Arc::new(session)
}

/// For a person's account: the tenants they can use (`GET /tenants`) other than those of the
/// subscriptions `home` lists with their own token, their home tenant and `skip`. Empty for other
/// accounts; a failed tenant list is logged and gives none.
async fn other_tenants(
    home: &Arc<Session>,
    listed: &[crate::azure::models::Subscription],
    skip: &[String],
) -> Vec<String> {
    let Credential::User(user) = home.arm.credential() else {
        return Vec::new();
    };
    let tenants = match home.arm.list_tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(account = %user.account_id(), error = %e, "the account's tenants could not be listed");
            return Vec::new();
        }
    };
    let known = |t: &str| {
        t.eq_ignore_ascii_case(user.home_tenant())
            || skip.iter().any(|s| s.eq_ignore_ascii_case(t))
            || listed
                .iter()
                .any(|s| s.tenant_id.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(t)))
    };
    let mut others: Vec<String> = Vec::new();
    for t in tenants {
        if !known(&t.tenant_id) && !others.iter().any(|o| o.eq_ignore_ascii_case(&t.tenant_id)) {
            others.push(t.tenant_id);
        }
    }
    others
}

/// What an account's scan of its guest tenants needs: the tenants other accounts read (their homes),
/// and the account's selection and the caller's filter.
struct GuestScan {
    skip: Vec<String>,
    selection: Selection,
    outer: Option<crate::inventory::refresh::SubscriptionFilter>,
}

/// One account's inventory: its own session's, then each of a person's other (selected) tenants with
/// that tenant's session. A guest tenant that fails adds a warning; the account's own scan failing
/// fails the account.
async fn refresh_account(
    session: &Arc<Session>,
    options: RefreshOptions,
    guest: GuestScan,
) -> Result<Inventory, ArmError> {
    let progress = options.progress.clone();
    let base = Arc::new(std::sync::Mutex::new(Progress::default()));
    let last = Arc::new(std::sync::Mutex::new(Progress::default()));
    let counted = |sink: Option<ProgressSink>, done_is_final: bool| -> Option<ProgressSink> {
        let (base, last) = (base.clone(), last.clone());
        sink.map(|sink| -> ProgressSink {
            Arc::new(move |p: Progress| {
                let b = base.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let total = Progress {
                    phase: if p.phase == "done" && !done_is_final {
                        "credentials".into()
                    } else {
                        p.phase
                    },
                    subscriptions_scanned: b.subscriptions_scanned + p.subscriptions_scanned,
                    clusters_found: b.clusters_found + p.clusters_found,
                    credentials_resolved: b.credentials_resolved + p.credentials_resolved,
                };
                *last.lock().unwrap_or_else(|e| e.into_inner()) = total.clone();
                sink(total)
            })
        })
    };
    // A person may have other tenants: their `done` is sent once those are read too.
    let person = matches!(session.arm.credential(), Credential::User(_));
    let mut all = inventory::refresh(
        session,
        RefreshOptions {
            progress: counted(progress.clone(), !person),
            ..options.clone()
        },
    )
    .await?;
    let tenants: Vec<String> = if person {
        other_tenants(session, &[], &guest.skip)
            .await
            .into_iter()
            .filter(|t| {
                guest.selection.tenants.is_empty()
                    || guest.selection.tenants.iter().any(|s| s.eq_ignore_ascii_case(t))
            })
            .collect()
    } else {
        Vec::new()
    };
    for tenant in &tenants {
        if options.cancel.is_cancelled() {
            break;
        }
        *base.lock().unwrap_or_else(|e| e.into_inner()) =
            last.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let own = tenant.to_ascii_lowercase();
        let (selection, outer) = (guest.selection.clone(), guest.outer.clone());
        let keep = move |s: &crate::azure::models::Subscription| {
            s.tenant_id
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(&own))
                && (selection.subscriptions.is_empty()
                    || selection.subscriptions.contains(&s.subscription_id))
                && outer.as_ref().is_none_or(|k| k(s))
        };
        let tenant_options = RefreshOptions {
            keep_subscription: Some(Arc::new(keep)),
            progress: counted(progress.clone(), false),
            ..options.clone()
        };
        match inventory::refresh(&tenant_session(session, tenant), tenant_options).await {
            Ok(found) => {
                merge_counts(&mut all, &found);
                all.stats.clusters += found.stats.clusters;
                all.clusters.extend(found.clusters);
                all.warnings.extend(found.warnings);
                all.blind_spots.extend(found.blind_spots);
            }
            Err(e) => {
                tracing::warn!(tenant = %tenant, error = %e, "a guest tenant could not be read");
                let code = e.code();
                let message = arm_error(e).message;
                all.warnings
                    .push(format!("tenant {tenant} could not be read: {message}"));
                let spot = crate::inventory::blind::BlindSpot::new(
                    crate::inventory::blind::BlindSpotKind::Tenant,
                    tenant.as_str(),
                    message,
                )
                .code(code);
                crate::inventory::blind::add(&mut all.blind_spots, spot);
            }
        }
    }
    if person {
        if let Some(sink) = &progress {
            let mut done = last.lock().unwrap_or_else(|e| e.into_inner()).clone();
            done.phase = "done".into();
            sink(done);
        }
    }
    Ok(all)
}

/// An account whose clusters could not be listed at all: its sign-in, or its subscriptions, failed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountFailure {
    pub account: AccountInfo,
    pub error: IpcError,
}

impl AccountFailure {
    /// The account's tenant, as what could not be read.
    pub fn blind_spot(&self) -> crate::inventory::blind::BlindSpot {
        crate::inventory::blind::BlindSpot::new(
            crate::inventory::blind::BlindSpotKind::Tenant,
            self.account.tenant_id.as_str(),
            format!("account {}: {}", self.account.username, self.error.message),
        )
        .code(self.error.code.clone())
    }
}

/// The inventory of some accounts, and the accounts that could not be listed.
#[derive(Debug, Clone, Default)]
pub struct AccountsInventory {
    pub inventory: Inventory,
    pub failed: Vec<AccountFailure>,
}

impl AccountsInventory {
    /// The inventory with each failed account as a warning and a blind spot (its tenant), as the
    /// app shows it.
    pub fn with_failures_as_warnings(self) -> Inventory {
        let mut inventory = self.inventory;
        inventory.warnings.extend(
            self.failed
                .iter()
                .map(|f| format!("{}: {}", f.account.username, f.error.message)),
        );
        inventory
            .blind_spots
            .extend(self.failed.iter().map(AccountFailure::blind_spot));
        inventory
    }
}

/// The tenant an Azure CLI account is saved under when neither its token nor the caller names one.
const UNKNOWN_TENANT: &str = "unknown";

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

/// The progress of several accounts refreshing at once, as one: totals summed, the phase of the
/// account furthest behind. Sent under a lock, so the sink sees it in order.
struct AccountsProgress {
    sink: Option<ProgressSink>,
    slots: Arc<std::sync::Mutex<Vec<Progress>>>,
}

const PHASES: [&str; 4] = ["subscriptions", "clusters", "credentials", "done"];

fn phase_rank(phase: &str) -> usize {
    PHASES.iter().position(|p| *p == phase).unwrap_or(0)
}

impl AccountsProgress {
    fn new(sink: Option<ProgressSink>, accounts: usize) -> Self {
        AccountsProgress {
            sink,
            slots: Arc::new(std::sync::Mutex::new(vec![Progress::default(); accounts])),
        }
    }

    fn sink(&self, index: usize) -> ProgressSink {
        let (sink, slots) = (self.sink.clone(), self.slots.clone());
        Arc::new(move |p: Progress| {
            let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(slot) = slots.get_mut(index) {
                *slot = p;
            }
            if let Some(sink) = &sink {
                sink(Self::total(&slots));
            }
        })
    }

    /// An account that will not refresh counts as done.
    fn finish(&self, index: usize) {
        let done = Progress {
            phase: "done".into(),
            ..Progress::default()
        };
        (self.sink(index))(done);
    }

    fn total(slots: &[Progress]) -> Progress {
        let rank = slots.iter().map(|p| phase_rank(&p.phase)).min().unwrap_or(3);
        Progress {
            phase: PHASES[rank.min(3)].to_string(),
            subscriptions_scanned: slots.iter().map(|p| p.subscriptions_scanned).sum(),
            clusters_found: slots.iter().map(|p| p.clusters_found).sum(),
            credentials_resolved: slots.iter().map(|p| p.credentials_resolved).sum(),
        }
    }
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
mod tests {
    use super::*;
    use base64::Engine;

    fn jwt(claims: serde_json::Value) -> String {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("e30.{payload}.sig")
    }

    #[test]
    fn an_azure_cli_token_names_its_account() {
        let person = TokenIdentity::read(&jwt(serde_json::json!({
            "tid": "t", "oid": "o", "preferred_username": "a@b.example", "appid": "04b0"
        })));
        assert_eq!(person.name.as_deref(), Some("a@b.example"));
        assert_eq!(
            (person.tid.as_deref(), person.appid.as_deref()),
            (Some("t"), Some("04b0"))
        );
        let app = TokenIdentity::read(&jwt(serde_json::json!({"tid": "t", "appid": "c"})));
        assert_eq!(app.name.as_deref(), Some("application c"));
        let unreadable = TokenIdentity::read("not-a-token");
        assert!(unreadable.name.is_none() && unreadable.tid.is_none());
    }
}
