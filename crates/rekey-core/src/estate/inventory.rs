//! What the estate shows: its inventory (the demo tenant's, or the signed-in accounts' selected
//! subscriptions, cached), what a session looks like to the window, and the sign-in state.

use crate::accounts::AccountInfo;
use crate::error::IpcError;
use crate::inventory::{cache, refresh, Inventory, RefreshOptions};
use crate::session::{SessionInfo, SessionMode};
use crate::workspace::{AccountFailure, AuthStatus};

use super::Estate;

/// What a refresh found.
pub struct Refreshed {
    /// With each account that could not be read as a warning, as the dashboard shows it.
    pub inventory: Inventory,
    /// Accounts whose clusters could not be listed at all.
    pub failed: Vec<AccountFailure>,
    /// The failed accounts in one sentence (the tray says it).
    pub problem: Option<String>,
    /// The demo tenant (no account signed in).
    pub demo: bool,
    /// Where this estate keeps its alert ledger; `None`: in memory (the demo's simulated secrets are
    /// new at every start, so nothing about them is worth remembering).
    pub ledger: Option<crate::paths::AppPaths>,
    /// How many accounts were read (none in demo mode).
    pub accounts: usize,
}

impl Estate {
    /// A full refresh: the demo tenant, or the signed-in accounts that `include` keeps (all of them
    /// are cached as the dashboard's last inventory). The key IDs this mode's rotations put on
    /// clusters are added to `options`, so that an expiry moves after a rotation.
    pub async fn refresh(
        &self,
        mut options: RefreshOptions,
        include: impl Fn(&AccountInfo) -> bool,
    ) -> Result<Refreshed, IpcError> {
        options.known_key_ids.extend(self.known_key_ids().await?);
        let all = self.workspace().await?.accounts().await;
        if all.is_empty() {
            let demo = self.demo().await?;
            let inventory = refresh::refresh(&demo.session, options)
                .await
                .map_err(|e| IpcError::from(&e))?;
            return Ok(Refreshed {
                inventory,
                failed: Vec::new(),
                problem: None,
                demo: true,
                ledger: None,
                accounts: 0,
            });
        }
        let total = all.len();
        let accounts: Vec<AccountInfo> = all.into_iter().filter(|a| include(a)).collect();
        let count = accounts.len();
        if count == 0 {
            return Err(IpcError::new(
                "no_account_on_cloud",
                "No signed-in account is on that cloud: see the accounts that are (`rekey account show`).",
            ));
        }
        let result = self.workspace().await?.inventory_of(accounts, options).await;
        let problem = match result.failed.as_slice() {
            [] => None,
            [one] => Some(format!("{}: {}", one.account.username, one.error.message)),
            many => Some(format!(
                "{} accounts could not be read ({}); sign in again on the Accounts page.",
                many.len(),
                many.iter()
                    .map(|f| f.account.username.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        let failed = result.failed.clone();
        let inventory = result.with_failures_as_warnings();
        if count == total {
            if let Err(e) = cache::save(&self.paths, &inventory).await {
                tracing::warn!("the inventory was not cached: {e}");
            }
        }
        Ok(Refreshed {
            inventory,
            failed,
            problem,
            demo: false,
            ledger: Some(self.paths.clone()),
            accounts: count,
        })
    }

    /// The last inventory of the signed-in accounts, from disk (none in demo mode).
    pub async fn cached_inventory(&self) -> Result<Option<Inventory>, IpcError> {
        if self.is_demo().await? {
            return Ok(None);
        }
        Ok(cache::load(&self.paths).await)
    }

    /// The demo session, or a summary of the signed-in accounts (part of [`Self::auth_status`]).
    async fn session_info(&self) -> Result<SessionInfo, IpcError> {
        let accounts = self.workspace().await?.accounts().await;
        let Some(first) = accounts.first() else {
            return Ok(self.demo().await?.session.info.clone());
        };
        let demo_cloud = self.demo_cloud().await;
        let simulated = accounts.iter().all(|a| Some(&a.cloud) == demo_cloud.as_ref());
        let cloud_name = match &first.cloud {
            crate::cloud::CloudSetting::Public => "AzureCloud".to_string(),
            crate::cloud::CloudSetting::China => "AzureChinaCloud".to_string(),
            crate::cloud::CloudSetting::UsGov => "AzureUSGovernment".to_string(),
            crate::cloud::CloudSetting::Custom { metadata_url, .. } if !simulated => metadata_url.clone(),
            crate::cloud::CloudSetting::Custom { .. } => "RekeySimulator".to_string(),
        };
        Ok(SessionInfo {
            mode: SessionMode::Azure,
            simulated,
            cloud_name,
            arm_endpoint: String::new(),
            tenant_label: accounts
                .iter()
                .map(|a| a.username.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The sign-in state, offering the built-in simulator as a cloud when it runs, and what the
    /// header shows: the one answer to "demo or accounts".
    pub async fn auth_status(&self) -> Result<AuthStatus, IpcError> {
        let demo_cloud = self.demo_cloud().await;
        let session = self.session_info().await?;
        let mut status = self.workspace().await?.status(demo_cloud).await;
        status.session = Some(session);
        Ok(status)
    }
}
