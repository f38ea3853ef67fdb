//! Sessions: an account's (signed in again silently from what was remembered, then cached), the
//! one that works in a given tenant, and a person's sessions in their other (guest) tenants.

use std::path::PathBuf;
use std::sync::Arc;

use super::sign_in::UNKNOWN_TENANT;
use super::{SubscriptionInfo, TenantInfo, Workspace};
use crate::accounts::SignInMethod;
use crate::auth::{explain, AzureCliCredential, Credential, SecretSource, UserCredential};
use crate::binding::Binding;
use crate::error::IpcError;
use crate::session::{Session, SessionMode};

impl Workspace {
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
    let http = home.arm.pipeline().http();
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
pub(super) async fn other_tenants(
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
