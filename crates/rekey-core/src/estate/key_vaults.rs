//! The key vaults this mode can reach, for the rotation's Key Vault choice: every account's (or the
//! demo's) subscriptions, listed through ARM.

use super::Estate;
use crate::azure::keyvault::KeyVault;
use crate::error::IpcError;
use crate::session::Session;

/// The vaults found, and what could not be listed (said, never dropped).
#[derive(Debug, Clone, Default, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyVaults {
    pub vaults: Vec<KeyVault>,
    pub problems: Vec<String>,
}

/// Every vault of every subscription `session` lists.
pub async fn of_session(session: &Session, found: &mut KeyVaults) {
    let subscriptions = match session.arm.list_subscriptions().await {
        Ok(s) => s,
        Err(e) => {
            found.problems.push(format!(
                "the subscriptions of {} could not be listed: {}",
                session.info.tenant_label,
                IpcError::from(&e).message
            ));
            return;
        }
    };
    for subscription in subscriptions {
        match session.arm.list_key_vaults(&subscription.subscription_id).await {
            Ok(vaults) => {
                for vault in vaults {
                    if !found.vaults.iter().any(|v| v.id.eq_ignore_ascii_case(&vault.id)) {
                        found.vaults.push(vault);
                    }
                }
            }
            Err(e) => found.problems.push(format!(
                "the key vaults of subscription {} could not be listed: {}",
                subscription.display_name,
                IpcError::from(&e).message
            )),
        }
    }
}

impl Estate {
    /// The key vaults of every signed-in account (or of the demo tenant), by name.
    pub async fn key_vaults(&self) -> Result<KeyVaults, IpcError> {
        let mut found = KeyVaults::default();
        if self.is_demo().await? {
            of_session(&self.demo().await?.session, &mut found).await;
        } else {
            let workspace = self.workspace().await?;
            for account in workspace.accounts().await {
                match workspace.session(&account.id).await {
                    Ok(session) => of_session(&session, &mut found).await,
                    Err(e) => found.problems.push(e.message),
                }
            }
        }
        found.vaults.sort_by_key(|v| v.name.to_ascii_lowercase());
        Ok(found)
    }
}
