//! Checking settings: reading them field by field from JSON (the file's or the Settings page's),
//! the range of each value, one plain message per field at fault.

use serde::de::DeserializeOwned;
use serde::Serialize;
use ts_rs::TS;

use super::{Settings, SettingsError};
use crate::azure::directory::is_guid;
use crate::cloud::CloudSetting;

/// One setting that cannot be used: which (`field`, as in the JSON and the UI) and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SettingProblem {
    pub field: String,
    pub message: String,
}

impl SettingProblem {
    pub(super) fn new(field: &str, message: impl Into<String>) -> Self {
        SettingProblem {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The most notification thresholds one can set.
const MAX_NOTIFY_DAYS: usize = 8;

fn in_range(
    problems: &mut Vec<SettingProblem>,
    field: &str,
    label: &str,
    value: u32,
    range: std::ops::RangeInclusive<u32>,
    unit: &str,
) {
    if !range.contains(&value) {
        problems.push(SettingProblem::new(
            field,
            format!(
                "{label} must be between {} and {} {unit}, not {value}.",
                range.start(),
                range.end()
            ),
        ));
    }
}

impl Settings {
    /// Reads settings from JSON as the file or the UI give them, field by field: a field that is
    /// missing takes its default; one that is unusable takes its default and adds a problem.
    pub fn from_value(value: &serde_json::Value) -> (Settings, Vec<SettingProblem>) {
        let defaults = Settings::default();
        let mut problems = Vec::new();
        let Some(map) = value.as_object() else {
            problems.push(SettingProblem::new("", "The settings must be a JSON object."));
            return (defaults, problems);
        };
        fn field<T: DeserializeOwned>(
            map: &serde_json::Map<String, serde_json::Value>,
            problems: &mut Vec<SettingProblem>,
            key: &str,
            what: &str,
            default: T,
        ) -> T {
            match map.get(key) {
                None => default,
                Some(v) => match serde_json::from_value::<T>(v.clone()) {
                    Ok(t) => t,
                    Err(_) => {
                        problems.push(SettingProblem::new(key, what));
                        default
                    }
                },
            }
        }
        let whole = |label: &str| format!("{label} must be a whole number.");
        let m = map;
        let p = &mut problems;
        let parsed = Settings {
            client_id: field(
                m,
                p,
                "clientId",
                "The client ID must be text (a GUID) or empty.",
                defaults.client_id.clone(),
            ),
            cloud: field(
                m,
                p,
                "cloud",
                "The sign-in cloud must be public, china, usGov or a custom cloud's metadata URL.",
                defaults.cloud.clone(),
            ),
            refresh_interval_hours: field(
                m,
                p,
                "refreshIntervalHours",
                &whole("The refresh interval"),
                defaults.refresh_interval_hours,
            ),
            close_to_tray: field(
                m,
                p,
                "closeToTray",
                "Close to tray must be on or off.",
                defaults.close_to_tray,
            ),
            notify_days: field(
                m,
                p,
                "notifyDays",
                "The notification days must be a list of whole numbers of days, such as 60, 30, 7, 1.",
                defaults.notify_days.clone(),
            ),
            notify_expired: field(
                m,
                p,
                "notifyExpired",
                "Notify when expired must be on or off.",
                defaults.notify_expired,
            ),
            daily_digest: field(
                m,
                p,
                "dailyDigest",
                "The daily digest must be on or off.",
                defaults.daily_digest,
            ),
            start_at_login: field(
                m,
                p,
                "startAtLogin",
                "Start at login must be on or off.",
                defaults.start_at_login,
            ),
            expiry_buckets: field(
                m,
                p,
                "expiryBuckets",
                "The expiry buckets must be whole numbers of days.",
                defaults.expiry_buckets,
            ),
            rotation_lifetime_days: field(
                m,
                p,
                "rotationLifetimeDays",
                &whole("The lifetime of a new secret"),
                defaults.rotation_lifetime_days,
            ),
            retire_policy: field(
                m,
                p,
                "retirePolicy",
                "The retire policy must be now, afterGrace or never.",
                defaults.retire_policy,
            ),
            retire_grace_hours: field(
                m,
                p,
                "retireGraceHours",
                &whole("The grace period"),
                defaults.retire_grace_hours,
            ),
            rotation_concurrency: field(
                m,
                p,
                "rotationConcurrency",
                &whole("The number of clusters rotated at once"),
                defaults.rotation_concurrency,
            ),
            replication_timeout_minutes: field(
                m,
                p,
                "replicationTimeoutMinutes",
                &whole("The replication timeout"),
                defaults.replication_timeout_minutes,
            ),
            retire_hold_hours: field(
                m,
                p,
                "retireHoldHours",
                &whole("The wait before an old secret still in use is looked at again"),
                defaults.retire_hold_hours,
            ),
            key_vaults: field(
                m,
                p,
                "keyVaults",
                "The Key Vault copies must map application IDs to a vault ID and a secret name.",
                defaults.key_vaults.clone(),
            ),
            theme: field(
                m,
                p,
                "theme",
                "The theme must be system, light or dark.",
                defaults.theme,
            ),
            check_for_updates: field(
                m,
                p,
                "checkForUpdates",
                "Check for updates must be on or off.",
                defaults.check_for_updates,
            ),
        };
        // Ranges: each wrong value is replaced by its default, and said.
        let range_problems = parsed.problems();
        let settings = parsed.with_defaults_for(&range_problems).normalized();
        problems.extend(range_problems);
        (settings, problems)
    }

    /// Every value that is out of range, one plain message each.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if let Some(id) = &self.client_id {
            let id = id.trim();
            if !id.is_empty() && !is_guid(id) {
                problems.push(SettingProblem::new(
                    "clientId",
                    format!(
                        "The client ID must be a GUID such as 04b07795-8ddb-461a-bbee-02f9e1bf7b46, not '{id}'."
                    ),
                ));
            }
        }
        if let Some(CloudSetting::Custom { metadata_url, .. }) = &self.cloud {
            let https = url::Url::parse(metadata_url.trim()).is_ok_and(|u| u.scheme() == "https");
            if !https {
                problems.push(SettingProblem::new(
                    "cloud",
                    "A custom cloud needs the https address of its ARM metadata.",
                ));
            }
        }
        let p = &mut problems;
        in_range(
            p,
            "refreshIntervalHours",
            "The refresh interval",
            self.refresh_interval_hours,
            1..=168,
            "hours",
        );
        if self.notify_days.len() > MAX_NOTIFY_DAYS {
            p.push(SettingProblem::new(
                "notifyDays",
                format!("Notify at {MAX_NOTIFY_DAYS} thresholds at most."),
            ));
        } else if let Some(bad) = self.notify_days.iter().find(|d| !(1..=365).contains(*d)) {
            p.push(SettingProblem::new(
                "notifyDays",
                format!("Each notification threshold must be between 1 and 365 days, not {bad}."),
            ));
        }
        let b = self.expiry_buckets;
        let ordered =
            1 <= b.critical_days && b.critical_days < b.warning_days && b.warning_days < b.notice_days;
        if !ordered || b.notice_days > 730 {
            p.push(SettingProblem::new(
                "expiryBuckets",
                format!(
                    "The expiry buckets must grow: critical < warning < notice, between 1 and 730 days (now {}, {}, {}).",
                    b.critical_days, b.warning_days, b.notice_days
                ),
            ));
        }
        in_range(
            p,
            "rotationLifetimeDays",
            "The lifetime of a new secret",
            self.rotation_lifetime_days,
            1..=730,
            "days",
        );
        in_range(
            p,
            "retireGraceHours",
            "The grace period",
            self.retire_grace_hours,
            1..=720,
            "hours",
        );
        in_range(
            p,
            "rotationConcurrency",
            "The number of clusters rotated at once",
            self.rotation_concurrency,
            1..=64,
            "clusters",
        );
        in_range(
            p,
            "replicationTimeoutMinutes",
            "The replication timeout",
            self.replication_timeout_minutes,
            1..=120,
            "minutes",
        );
        in_range(
            p,
            "retireHoldHours",
            "The wait before an old secret still in use is looked at again",
            self.retire_hold_hours,
            0..=168,
            "hours",
        );
        for (app, choice) in &self.key_vaults {
            let bad = !is_guid(app)
                || crate::azure::keyvault::vault_id(&choice.vault_id).is_err()
                || choice
                    .secret_name
                    .as_deref()
                    .is_some_and(|n| crate::azure::keyvault::check_secret_name(n).is_err());
            if bad {
                p.push(SettingProblem::new(
                    "keyVaults",
                    format!(
                        "The Key Vault copy of application '{app}' needs the application's ID, a vault's ARM ID \
                         (…/providers/Microsoft.KeyVault/vaults/<name>) and a secret name of 1 to 127 letters, \
                         digits and dashes."
                    ),
                ));
                break;
            }
        }
        problems
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SettingsError::BadValues(problems))
        }
    }

    /// These settings with the fields named in `problems` back at their defaults.
    fn with_defaults_for(mut self, problems: &[SettingProblem]) -> Settings {
        let d = Settings::default();
        for problem in problems {
            match problem.field.as_str() {
                "clientId" => self.client_id = d.client_id.clone(),
                "cloud" => self.cloud = d.cloud.clone(),
                "refreshIntervalHours" => self.refresh_interval_hours = d.refresh_interval_hours,
                "notifyDays" => self.notify_days = d.notify_days.clone(),
                "expiryBuckets" => self.expiry_buckets = d.expiry_buckets,
                "rotationLifetimeDays" => self.rotation_lifetime_days = d.rotation_lifetime_days,
                "retireGraceHours" => self.retire_grace_hours = d.retire_grace_hours,
                "rotationConcurrency" => self.rotation_concurrency = d.rotation_concurrency,
                "replicationTimeoutMinutes" => {
                    self.replication_timeout_minutes = d.replication_timeout_minutes
                }
                "retireHoldHours" => self.retire_hold_hours = d.retire_hold_hours,
                "keyVaults" => self.key_vaults = d.key_vaults.clone(),
                _ => {}
            }
        }
        self
    }

    /// The same settings written one way: thresholds from the furthest to the nearest without
    /// repeats, an empty client ID as none.
    pub fn normalized(mut self) -> Settings {
        self.notify_days.sort_unstable_by(|a, b| b.cmp(a));
        self.notify_days.dedup();
        self.client_id = self
            .client_id
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty());
        self
    }
}
