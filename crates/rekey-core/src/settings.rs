//! Rekey's settings, a small JSON file in the config folder. Each setting has a default; a bad
//! value is reported with a plain message for that field and its default used, never a crash. A
//! file written by an older Rekey (fewer fields) loads with the defaults for what it lacks.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::azure::directory::is_guid;
use crate::cloud::CloudSetting;
use crate::inventory::model::Thresholds;
use crate::paths::AppPaths;

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
        }
    }
}

/// One setting that cannot be used: which (`field`, as in the JSON and the UI) and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SettingProblem {
    pub field: String,
    pub message: String,
}

impl SettingProblem {
    fn new(field: &str, message: impl Into<String>) -> Self {
        SettingProblem {
            field: field.to_string(),
            message: message.into(),
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

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the settings file {path} is not valid ({detail}); Rekey uses the defaults until it is fixed")]
    Invalid { path: String, detail: String },
    #[error("could not save the settings to {path}: {detail}")]
    Write { path: String, detail: String },
    #[error("{}", describe(.0))]
    BadValues(Vec<SettingProblem>),
}

fn describe(problems: &[SettingProblem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

impl SettingsError {
    /// The fields at fault, for a form to show next to each one.
    pub fn problems(&self) -> Vec<SettingProblem> {
        match self {
            SettingsError::BadValues(p) => p.clone(),
            other => vec![SettingProblem::new("", other.to_string())],
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
    fn path(paths: &AppPaths) -> std::path::PathBuf {
        paths.config_dir.join("settings.json")
    }

    /// The settings in `paths`, or the defaults and why the file could not be used. A value that is
    /// wrong (a word where a number goes, out of range) falls back to its default alone.
    pub fn load(paths: &AppPaths) -> (Settings, Option<SettingsError>) {
        let path = Self::path(paths);
        let invalid = |detail: String| SettingsError::Invalid {
            path: path.display().to_string(),
            detail,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Settings::default(), None),
            Err(e) => return (Settings::default(), Some(invalid(e.to_string()))),
        };
        let value = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => v,
            Err(e) => return (Settings::default(), Some(invalid(e.to_string()))),
        };
        let (settings, problems) = Settings::from_value(&value);
        if problems.is_empty() {
            (settings, None)
        } else {
            (settings, Some(invalid(describe(&problems))))
        }
    }

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

    pub fn save(&self, paths: &AppPaths) -> Result<(), SettingsError> {
        self.validate()?;
        let path = Self::path(paths);
        let write_err = |detail: String| SettingsError::Write {
            path: path.display().to_string(),
            detail,
        };
        let text =
            serde_json::to_vec_pretty(&self.clone().normalized()).map_err(|e| write_err(e.to_string()))?;
        crate::paths::write_private(&path, &text).map_err(|e| write_err(e.to_string()))
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> (tempfile::TempDir, AppPaths) {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = AppPaths::at(dir.path());
        (dir, paths)
    }

    #[test]
    fn a_bad_file_falls_back_to_defaults_with_a_reason() {
        let (_dir, paths) = temp();
        std::fs::create_dir_all(&paths.config_dir).expect("config dir");
        std::fs::write(paths.config_dir.join("settings.json"), "{not json").expect("write");
        let (settings, problem) = Settings::load(&paths);
        assert_eq!(settings, Settings::default());
        assert!(matches!(problem, Some(SettingsError::Invalid { .. })));
    }

    #[test]
    fn the_client_id_round_trips_and_must_be_a_guid() {
        let (_dir, paths) = temp();
        let ok = Settings {
            client_id: Some("11111111-2222-3333-4444-555555555555".into()),
            ..Settings::default()
        };
        ok.save(&paths).expect("saved");
        let (loaded, problem) = Settings::load(&paths);
        assert_eq!(loaded, ok);
        assert!(problem.is_none());
        let bad = Settings {
            client_id: Some("my-app".into()),
            ..Settings::default()
        };
        let err = bad.save(&paths).expect_err("refused");
        assert_eq!(err.problems()[0].field, "clientId");
        assert!(err.to_string().contains("'my-app'"), "{err}");
    }

    #[test]
    fn an_old_file_loads_with_the_new_defaults() {
        let (_dir, paths) = temp();
        std::fs::create_dir_all(&paths.config_dir).expect("config dir");
        std::fs::write(
            paths.config_dir.join("settings.json"),
            r#"{"clientId": "11111111-2222-3333-4444-555555555555"}"#,
        )
        .expect("write");
        let (loaded, problem) = Settings::load(&paths);
        assert!(problem.is_none());
        assert_eq!(loaded.refresh_interval_hours, 6);
        assert_eq!(loaded.notify_days, vec![60, 30, 7, 1]);
        assert_eq!(loaded.retire_policy, RetirePolicy::AfterGrace);
        assert_eq!(loaded.rotation_lifetime_days, 180);
        assert!(loaded.close_to_tray && loaded.notify_expired && !loaded.start_at_login);
    }

    #[test]
    fn each_bad_value_gets_its_own_message_and_its_default() {
        let (settings, problems) = Settings::from_value(&serde_json::json!({
            "refreshIntervalHours": "six",
            "rotationConcurrency": 0,
            "rotationLifetimeDays": 9000,
            "retirePolicy": "sometimes",
            "expiryBuckets": {"criticalDays": 30, "warningDays": 7, "noticeDays": 90},
            "notifyDays": [7, 400],
            "closeToTray": false,
            "retireGraceHours": -1,
        }));
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        for f in [
            "refreshIntervalHours",
            "rotationConcurrency",
            "rotationLifetimeDays",
            "retirePolicy",
            "expiryBuckets",
            "notifyDays",
            "retireGraceHours",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        assert!(problems.iter().all(|p| p.message.ends_with('.')), "{problems:?}");
        let d = Settings::default();
        assert_eq!(settings.refresh_interval_hours, d.refresh_interval_hours);
        assert_eq!(settings.rotation_concurrency, d.rotation_concurrency);
        assert_eq!(settings.expiry_buckets, d.expiry_buckets);
        assert_eq!(settings.notify_days, d.notify_days);
        // The good value is kept.
        assert!(!settings.close_to_tray);
    }

    #[test]
    fn retire_policy_is_camel_case_and_thresholds_are_normalized() {
        let (settings, problems) = Settings::from_value(&serde_json::json!({
            "retirePolicy": "never",
            "notifyDays": [1, 30, 30, 60],
            "clientId": "  ",
        }));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(settings.retire_policy, RetirePolicy::Never);
        assert_eq!(settings.notify_days, vec![60, 30, 1]);
        assert_eq!(settings.client_id, None);
        let json = serde_json::to_value(RetirePolicy::AfterGrace).expect("json");
        assert_eq!(json, serde_json::json!("afterGrace"));
    }

    #[test]
    fn a_bad_value_in_the_file_keeps_the_others() {
        let (_dir, paths) = temp();
        std::fs::create_dir_all(&paths.config_dir).expect("config dir");
        std::fs::write(
            paths.config_dir.join("settings.json"),
            r#"{"dailyDigest": true, "refreshIntervalHours": 0}"#,
        )
        .expect("write");
        let (loaded, problem) = Settings::load(&paths);
        assert!(loaded.daily_digest);
        assert_eq!(loaded.refresh_interval_hours, 6);
        let message = problem.expect("a problem").to_string();
        assert!(message.contains("refresh interval"), "{message}");
    }
}
