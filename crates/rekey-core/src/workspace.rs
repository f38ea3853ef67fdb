//! The signed-in workspace: accounts, their tokens and sessions, and the inventory across them.
//! The desktop app and the CLI both go through it, so neither holds sign-in logic the other lacks.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::accounts::{Account, AccountInfo, AccountStore, Selection, SignInMethod};
use crate::auth::token_cache::TokenCache;
use crate::auth::{
    self, explain, AzureCliCredential, ClientSecretCredential, Credential, DeviceCodeFlow,
    InteractiveRequest, Opener, SignedIn, UserCredential,
};
use crate::azure::arm::ArmError;
use crate::cloud::CloudSetting;
use crate::error::IpcError;
use crate::inventory::{self, Inventory};
use crate::paths::AppPaths;
use crate::secure_store::SecureStore;
use crate::session::{Session, SessionMode};
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
}

pub struct Workspace {
    accounts: AccountStore,
    tokens: TokenCache,
    storage_problem: Option<String>,
    settings: Settings,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
}

fn arm_error(e: ArmError) -> IpcError {
    match e {
        ArmError::Auth(a) => explain(&a),
        other => IpcError::new(other.code(), other.to_string()),
    }
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
            settings,
            accounts,
            tokens,
            storage_problem,
            sessions: Mutex::new(HashMap::new()),
        })
    }

    pub fn tokens_persisted(&self) -> bool {
        self.tokens.persisted()
    }

    pub fn storage_problem(&self) -> Option<String> {
        self.storage_problem.clone()
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
            client_id: self.settings.effective_client_id(),
            demo_cloud,
        }
    }

    async fn request(
        &self,
        cloud: CloudSetting,
        tenant: Option<String>,
    ) -> Result<InteractiveRequest, IpcError> {
        let mut req = InteractiveRequest::resolve(cloud)
            .await
            .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
        if let Some(t) = tenant.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
            req.tenant = t;
        }
        req.client_id = self.settings.effective_client_id();
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

    /// Uses the Azure CLI's login (`az login`), optionally in one tenant.
    pub async fn sign_in_azure_cli(&self, tenant: Option<String>) -> Result<AccountInfo, IpcError> {
        let tenant = tenant.filter(|t| !t.trim().is_empty());
        let credential = AzureCliCredential::new(tenant.as_deref()).map_err(|e| explain(&e))?;
        let (cloud, http) = CloudSetting::Public
            .resolve()
            .await
            .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
        let token = credential
            .token(&cloud.arm_scope())
            .await
            .map_err(|e| explain(&e))?;
        let who = TokenIdentity::read(token.token.expose_secret());
        let tenant_id = tenant.or(who.tid).unwrap_or_else(|| "unknown".into());
        let account = Account {
            id: format!("azcli:{tenant_id}"),
            username: who.name.unwrap_or_else(|| "Azure CLI login".into()),
            tenant_id,
            cloud: CloudSetting::Public,
            method: SignInMethod::AzureCli,
            client_id: String::new(),
        };
        let session = Session::new(
            SessionMode::Azure,
            account.username.clone(),
            http,
            cloud,
            Credential::AzureCli(credential),
        );
        self.keep(account, session).await
    }

    /// Signs in as a service principal. The secret is checked at once (a token is requested) and kept
    /// encrypted in the token cache, so later runs can sign in again without asking.
    pub async fn sign_in_service_principal(
        &self,
        cloud: CloudSetting,
        tenant: &str,
        client_id: &str,
        secret: SecretString,
    ) -> Result<AccountInfo, IpcError> {
        let account = Account {
            id: Account::service_principal_id(client_id, tenant),
            username: client_id.to_string(),
            tenant_id: tenant.to_string(),
            cloud,
            method: SignInMethod::ServicePrincipal,
            client_id: client_id.to_string(),
        };
        let session = self.service_principal_session(&account, secret.clone()).await?;
        session
            .arm
            .credential()
            .token(&session.arm.cloud().arm_scope())
            .await
            .map_err(|e| explain(&e))?;
        if let Err(e) = self.tokens.put(&account.id, secret).await {
            tracing::warn!("the service principal's secret will not be remembered: {e}");
        }
        self.keep(account, session).await
    }

    async fn service_principal_session(
        &self,
        account: &Account,
        secret: SecretString,
    ) -> Result<Session, IpcError> {
        let (cloud, http) = account
            .cloud
            .resolve()
            .await
            .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
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

    async fn keep(&self, account: Account, session: Session) -> Result<AccountInfo, IpcError> {
        let id = account.id.clone();
        let info = self
            .accounts
            .add_or_replace(account)
            .await
            .map_err(|e| IpcError::from(&e))?;
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
        let forgotten = || {
            IpcError::new(
                "sign_in_again",
                format!(
                    "Rekey does not remember the sign-in of {}: sign in again.",
                    account.username
                ),
            )
        };
        let session = match account.method {
            SignInMethod::Browser | SignInMethod::DeviceCode => {
                let refresh = self.tokens.get(&account.id).ok_or_else(forgotten)?;
                let (cloud, http) = account
                    .cloud
                    .resolve()
                    .await
                    .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
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
                let secret = self.tokens.get(&account.id).ok_or_else(forgotten)?;
                self.service_principal_session(&account, secret).await?
            }
            SignInMethod::AzureCli => {
                let tenant = Some(account.tenant_id.as_str()).filter(|t| *t != "unknown");
                let credential = AzureCliCredential::new(tenant).map_err(|e| explain(&e))?;
                let (cloud, http) = account
                    .cloud
                    .resolve()
                    .await
                    .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
                Session::new(
                    SessionMode::Azure,
                    account.username.clone(),
                    http,
                    cloud,
                    Credential::AzureCli(credential),
                )
            }
        };
        let session = Arc::new(session);
        self.sessions.lock().await.insert(id.to_string(), session.clone());
        Ok(session)
    }

    /// Forgets the account, its refresh token or secret, and its session.
    pub async fn sign_out(&self, id: &str) -> Result<(), IpcError> {
        self.sessions.lock().await.remove(id);
        self.accounts
            .remove(id, &self.tokens)
            .await
            .map_err(|e| IpcError::from(&e))?;
        Ok(())
    }

    pub async fn tenants(&self, id: &str) -> Result<Vec<TenantInfo>, IpcError> {
        let session = self.session(id).await?;
        let tenants = session.arm.list_tenants().await.map_err(arm_error)?;
        Ok(tenants
            .into_iter()
            .map(|t| TenantInfo {
                tenant_id: t.tenant_id,
                display_name: t.display_name,
                default_domain: t.default_domain,
            })
            .collect())
    }

    pub async fn subscriptions(&self, id: &str) -> Result<Vec<SubscriptionInfo>, IpcError> {
        let session = self.session(id).await?;
        let subscriptions = session.arm.list_subscriptions().await.map_err(arm_error)?;
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

    /// Clusters of every account's selected tenants and subscriptions. An account that fails adds a
    /// warning; the others still answer.
    pub async fn inventory(&self) -> Inventory {
        let mut all = Inventory::default();
        for info in self.accounts.list().await {
            let session = match self.session(&info.id).await {
                Ok(s) => s,
                Err(e) => {
                    all.warnings.push(format!("{}: {}", info.username, e.message));
                    continue;
                }
            };
            let selection = info.selection.clone();
            let keep = move |s: &crate::azure::models::Subscription| {
                (selection.subscriptions.is_empty() || selection.subscriptions.contains(&s.subscription_id))
                    && (selection.tenants.is_empty()
                        || s.tenant_id
                            .as_ref()
                            .is_some_and(|t| selection.tenants.contains(t)))
            };
            match inventory::list_clusters_where(&session.arm, keep).await {
                Ok(found) => {
                    all.clusters.extend(found.clusters);
                    all.warnings.extend(
                        found
                            .warnings
                            .into_iter()
                            .map(|w| format!("{}: {w}", info.username)),
                    );
                }
                Err(e) => all
                    .warnings
                    .push(format!("{}: {}", info.username, arm_error(e).message)),
            }
        }
        all.clusters
            .sort_by(|a, b| (&a.subscription_name, &a.name).cmp(&(&b.subscription_name, &b.name)));
        all
    }
}

/// Who an access token names, for display only (the token came straight from the CLI; its
/// signature is the API's business).
#[derive(Default)]
struct TokenIdentity {
    name: Option<String>,
    tid: Option<String>,
}

impl TokenIdentity {
    fn read(jwt: &str) -> TokenIdentity {
        let claims = jwt
            .split('.')
            .nth(1)
            .and_then(|p| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .unwrap_or_default();
        let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_string);
        TokenIdentity {
            name: text("upn")
                .or_else(|| text("unique_name"))
                .or_else(|| text("appid")),
            tid: text("tid"),
        }
    }
}
