//! The signed-in workspace: accounts, their tokens and sessions, and the inventory across them.
//! The desktop app and the CLI both go through it, so neither holds sign-in logic the other lacks.
//! Here: the workspace, opening it, and its status; the sign-in flows, the sessions (and guest
//! tenants) and the inventory across accounts each have their own file.

mod inventory;
mod progress;
mod sessions;
mod sign_in;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Mutex;
use ts_rs::TS;

use crate::accounts::{AccountInfo, AccountStore};
use crate::auth::token_cache::TokenCache;
use crate::auth::AuthError;
use crate::azure::CallError;
use crate::cloud::{Cloud, CloudSetting};
use crate::error::IpcError;
use crate::paths::AppPaths;
use crate::secure_store::SecureStore;
use crate::session::{Session, SessionInfo, SessionMode};
use crate::settings::{InForce, Settings};

pub use inventory::{AccountFailure, AccountsInventory};
pub use sessions::tenant_session;
pub use sign_in::ServicePrincipalSecret;
pub(crate) use sign_in::TokenIdentity;

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

pub struct Workspace {
    accounts: AccountStore,
    tokens: TokenCache,
    storage_problem: Option<String>,
    /// The settings in force: the estate's one copy ([`InForce`]), which the Settings page replaces.
    settings: InForce,
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

fn arm_error(e: CallError) -> IpcError {
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
        let settings = InForce::load(paths);
        let storage_problem = store_problem
            .or_else(|| tokens.problems().first().map(|p| p.to_string()))
            .or_else(|| accounts.problem().map(|p| p.to_string()));
        Ok(Workspace {
            settings,
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

    /// The settings in force (a new client ID applies to the next sign-in).
    pub fn settings(&self) -> Settings {
        self.settings.get()
    }

    /// Reads `settings` (the estate's copy) instead of the one loaded at open.
    pub(crate) fn share_settings(&mut self, settings: InForce) {
        self.settings = settings;
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
    fn account_arm_error(&self, id: &str, e: CallError) -> IpcError {
        if matches!(e, CallError::Auth(AuthError::InteractionRequired { .. })) {
            self.interaction_required().insert(id.to_string());
        }
        arm_error(e)
    }
}
