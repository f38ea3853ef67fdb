//! How a rotation runs: its mode, the new secret's lifetime, when the old secrets go. The
//! overrides the app and the CLI apply to the settings' defaults are checked in `rules`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::settings::{KeyVaultChoice, RetirePolicy, Settings};

/// What a rotation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Mode {
    /// A new secret on the cluster's existing application (the default).
    Secret,
    /// A new application and service principal, with the old one's role assignments if chosen.
    NewSp,
    /// The retired legacy AAD integration: a new secret for its server app, then `resetAADProfile`.
    Aad,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Secret => "secret",
            Mode::NewSp => "new-sp",
            Mode::Aad => "aad",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "secret" => Some(Mode::Secret),
            "new-sp" | "newsp" | "new_sp" => Some(Mode::NewSp),
            "aad" | "legacy-aad" => Some(Mode::Aad),
            _ => None,
        }
    }
}

/// When the replaced secrets are removed from Azure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum Retire {
    /// As soon as every cluster that shares the principal is verified on the new secret.
    Now,
    /// That long after verification, by a later refresh or `rekey rotations resume`.
    After { hours: u32 },
    /// Left to expire by themselves.
    Never,
}

impl Retire {
    pub fn from_settings(settings: &Settings) -> Retire {
        match settings.retire_policy {
            RetirePolicy::Now => Retire::Now,
            RetirePolicy::AfterGrace => Retire::After {
                hours: settings.retire_grace_hours,
            },
            RetirePolicy::Never => Retire::Never,
        }
    }

    /// `now`, `never`, or a duration such as `24h` or `2d`.
    pub fn parse(s: &str) -> Option<Retire> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "now" => Some(Retire::Now),
            "never" => Some(Retire::Never),
            _ => {
                let (number, unit) = s.split_at(s.len().checked_sub(1)?);
                let n: u32 = number.parse().ok()?;
                match unit {
                    "h" => Some(Retire::After { hours: n }),
                    "d" => Some(Retire::After {
                        hours: n.checked_mul(24)?,
                    }),
                    _ => None,
                }
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Retire::Now => "now".into(),
            Retire::After { hours } => format!("{hours}h"),
            Retire::Never => "never".into(),
        }
    }
}

/// How a rotation runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// Lifetime of the new secret, 1 to 730 days.
    pub lifetime_days: u32,
    pub retire: Retire,
    /// How long to wait for Entra ID to accept a new secret (replication) before giving up.
    pub replication_timeout: Duration,
    /// Clusters reset at the same time.
    pub concurrency: usize,
    /// New service principal: copy the old one's role assignments (the ones in `roles_to_copy`, or
    /// all when empty).
    pub copy_roles: bool,
    pub roles_to_copy: Vec<String>,
    /// Who is rotating (UPN or app ID), for the audit log.
    pub actor: String,
    /// The longest pause between two looks at a running operation (ARM's `Retry-After` is
    /// honoured below this).
    pub max_poll_interval: Duration,
    /// Where every group's new secret is also written (else each application's setting, if any).
    pub key_vault: Option<KeyVaultChoice>,
    /// Per application (app ID, lower case): its Key Vault copy from the settings.
    pub key_vaults_by_app: std::collections::BTreeMap<String, KeyVaultChoice>,
    /// Hours before a held retirement is looked at again.
    pub hold_hours: u32,
}

pub const MAX_LIFETIME_DAYS: u32 = 730;

impl Options {
    /// The Key Vault copy of `app_id`'s new secret: the rotation's choice, else the application's.
    pub fn key_vault_for(&self, app_id: &str) -> Option<&KeyVaultChoice> {
        self.key_vault
            .as_ref()
            .or_else(|| self.key_vaults_by_app.get(&app_id.to_ascii_lowercase()))
    }
}

impl Options {
    pub fn from_settings(settings: &Settings, mode: Mode, actor: impl Into<String>) -> Options {
        Options {
            mode,
            lifetime_days: settings.rotation_lifetime_days.clamp(1, MAX_LIFETIME_DAYS),
            retire: Retire::from_settings(settings),
            replication_timeout: Duration::from_secs(u64::from(settings.replication_timeout_minutes) * 60),
            concurrency: usize::try_from(settings.rotation_concurrency.max(1)).unwrap_or(8),
            copy_roles: true,
            roles_to_copy: Vec::new(),
            actor: actor.into(),
            max_poll_interval: Duration::from_secs(30),
            key_vault: None,
            key_vaults_by_app: settings
                .key_vaults
                .iter()
                .map(|(app, choice)| (app.to_ascii_lowercase(), choice.clone()))
                .collect(),
            hold_hours: settings.retire_hold_hours.min(168),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retire_policies_and_modes_parse_as_the_cli_writes_them() {
        assert_eq!(Retire::parse("now"), Some(Retire::Now));
        assert_eq!(Retire::parse("NEVER"), Some(Retire::Never));
        assert_eq!(Retire::parse("24h"), Some(Retire::After { hours: 24 }));
        assert_eq!(Retire::parse("2d"), Some(Retire::After { hours: 48 }));
        assert_eq!(Retire::parse("soon"), None);
        assert_eq!(Retire::parse("h"), None);
        assert_eq!(Retire::parse(""), None);
        assert_eq!(Mode::parse("new-sp"), Some(Mode::NewSp));
        assert_eq!(Mode::parse("aad"), Some(Mode::Aad));
        assert_eq!(Mode::parse("rotate"), None);
    }
}
