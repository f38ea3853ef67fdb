//! Rekey's settings, a small JSON file in the config folder. Each setting has a default; a bad
//! value is reported with a plain message for that field and its default used, never a crash. A
//! file written by an older Rekey (fewer fields) loads with the defaults for what it lacks.
//! Here: the settings and the one copy in force; reading and writing the file, and checking the
//! values, have their own files.

mod file;
#[cfg(test)]
mod tests;
mod validate;

use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::cloud::CloudSetting;
use crate::inventory::model::Thresholds;
use crate::paths::AppPaths;

pub use file::SettingsError;
pub use validate::SettingProblem;

/// What happens to the secret a rotation replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RetirePolicy {
    /// Removed as soon as the cluster is confirmed on the new secret.
    Now,
    /// Removed `retire_grace_hours` after the rotation (time for every consumer to follow).
    #[default]
    AfterGrace,
    /// Left in place until it expires by itself.
    Never,
}

/// The window's colours: the desktop's light or dark preference, or one forced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Theme {
    /// Follow the desktop (`prefers-color-scheme`).
    #[default]
    System,
    Light,
    Dark,
}

/// The vault and secret name an admin chose (a rotation option, or an application's setting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyVaultChoice {
    /// The vault's ARM ID.
    pub vault_id: String,
    /// The secret's name; none: [`default_secret_name`].
    #[serde(default)]
    pub secret_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Settings {
    /// The public client (app registration) Rekey signs people in as; `None` uses the Azure CLI's
    /// well-known client. `REKEY_CLIENT_ID` overrides it for one run.
    pub client_id: Option<String>,
    /// The cloud the sign-in screen starts on; `None` is Azure public.
    pub cloud: Option<CloudSetting>,
    /// Hours between background refreshes of the inventory (1 to 168).
    pub refresh_interval_hours: u32,
    /// Closing the window keeps Rekey running in the tray (alerts keep coming).
    pub close_to_tray: bool,
    /// Days before expiry at which a credential is notified, once each (1 to 365, at most 8).
    pub notify_days: Vec<u32>,
    /// Also notify when a credential has expired.
    pub notify_expired: bool,
    /// One notification a day listing the new crossings, instead of one per credential.
    pub daily_digest: bool,
    /// Start Rekey (in the tray) when the user logs in.
    pub start_at_login: bool,
    /// The dashboard's buckets: critical, warning and notice days.
    pub expiry_buckets: Thresholds,
    /// Lifetime of a secret Rekey creates when it rotates (1 to 730 days).
    pub rotation_lifetime_days: u32,
    pub retire_policy: RetirePolicy,
    /// With [`RetirePolicy::AfterGrace`]: hours before the replaced secret is removed (1 to 720).
    pub retire_grace_hours: u32,
    /// Clusters rotated at once in a bulk rotation (1 to 64).
    pub rotation_concurrency: u32,
    /// How long a rotation waits for a new secret to replicate through Entra ID (1 to 120 minutes).
    pub replication_timeout_minutes: u32,
    /// When an old secret is still used after the clusters moved, hours before Rekey looks again
    /// (0 to 168); if nothing signed in with it meanwhile, it is retired then.
    pub retire_hold_hours: u32,
    /// Per application (app ID): the Key Vault secret its new secrets are also written to.
    pub key_vaults: std::collections::BTreeMap<String, KeyVaultChoice>,
    /// The window's theme: the desktop's, or light or dark whatever the desktop says.
    pub theme: Theme,
    /// Look for a new Rekey at start (the signed feed built into the app); nothing is installed
    /// without the admin's answer in a native dialog. On by default: security fixes reach admins
    /// who never open the Settings page, and the check sends nothing but the version it asks about.
    pub check_for_updates: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            client_id: None,
            cloud: None,
            refresh_interval_hours: 6,
            close_to_tray: true,
            notify_days: vec![60, 30, 7, 1],
            notify_expired: true,
            daily_digest: false,
            start_at_login: false,
            expiry_buckets: Thresholds::default(),
            rotation_lifetime_days: 180,
            retire_policy: RetirePolicy::AfterGrace,
            retire_grace_hours: 24,
            rotation_concurrency: 8,
            replication_timeout_minutes: 10,
            retire_hold_hours: 24,
            key_vaults: std::collections::BTreeMap::new(),
            theme: Theme::System,
            check_for_updates: true,
        }
    }
}

/// The answer to saving settings from the Settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SettingsSaved {
    /// False when a value was refused: `problems` says which and why; nothing was written.
    pub saved: bool,
    /// The settings in force now.
    pub settings: Settings,
    pub problems: Vec<SettingProblem>,
    /// Saved, but something could not follow (e.g. start at login could not be set up).
    pub note: Option<String>,
}

impl Settings {
    /// The client ID to sign in as: `REKEY_CLIENT_ID`, then this setting, then the default.
    pub fn effective_client_id(&self) -> String {
        std::env::var("REKEY_CLIENT_ID")
            .ok()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .or_else(|| {
                self.client_id
                    .as_ref()
                    .map(|id| id.trim().to_string())
                    .filter(|id| !id.is_empty())
            })
            .unwrap_or_else(|| crate::auth::DEFAULT_CLIENT_ID.to_string())
    }
}

/// The settings in force: one copy for the whole process, loaded at start and replaced when the
/// Settings page saves. The estate owns it; the workspace (the sign-in client), the alert watcher
/// and the app's shell read this same copy, so a saved change reaches all of them at once.
#[derive(Clone, Default)]
pub struct InForce(Arc<RwLock<Settings>>);

impl InForce {
    pub fn new(settings: Settings) -> InForce {
        InForce(Arc::new(RwLock::new(settings)))
    }

    /// The settings in `paths` (the defaults if the file is bad; the reason goes to the log).
    pub fn load(paths: &AppPaths) -> InForce {
        let (settings, problem) = Settings::load(paths);
        if let Some(problem) = problem {
            tracing::warn!("{problem}");
        }
        InForce::new(settings)
    }

    pub fn get(&self) -> Settings {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Uses `settings` from now on (the caller has saved them).
    pub fn set(&self, settings: Settings) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }
}
