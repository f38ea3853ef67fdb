//! Rekey's settings, a small JSON file in the config folder. Each setting has a default; a bad
//! file is reported and the defaults used, never a crash.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::paths::AppPaths;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Settings {
    /// The public client (app registration) Rekey signs people in as; `None` uses the Azure CLI's
    /// well-known client. `REKEY_CLIENT_ID` overrides it for one run.
    pub client_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the settings file {path} is not valid ({detail}); Rekey uses the defaults until it is fixed")]
    Invalid { path: String, detail: String },
    #[error("could not save the settings to {path}: {detail}")]
    Write { path: String, detail: String },
    #[error("the client ID must be a GUID such as 04b07795-8ddb-461a-bbee-02f9e1bf7b46, not '{0}'")]
    BadClientId(String),
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl Settings {
    /// The settings in `paths`, or the defaults and why the file could not be used.
    pub fn load(paths: &AppPaths) -> (Settings, Option<SettingsError>) {
        let path = paths.config_dir.join("settings.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Settings::default(), None),
            Err(e) => {
                return (
                    Settings::default(),
                    Some(SettingsError::Invalid {
                        path: path.display().to_string(),
                        detail: e.to_string(),
                    }),
                )
            }
        };
        match serde_json::from_str::<Settings>(&text) {
            Ok(s) => match s.validate() {
                Ok(()) => (s, None),
                Err(e) => (Settings::default(), Some(e)),
            },
            Err(e) => (
                Settings::default(),
                Some(SettingsError::Invalid {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                }),
            ),
        }
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        match &self.client_id {
            Some(id) if !is_guid(id.trim()) => Err(SettingsError::BadClientId(id.clone())),
            _ => Ok(()),
        }
    }

    pub fn save(&self, paths: &AppPaths) -> Result<(), SettingsError> {
        self.validate()?;
        let path = paths.config_dir.join("settings.json");
        let write_err = |detail: String| SettingsError::Write {
            path: path.display().to_string(),
            detail,
        };
        let text = serde_json::to_vec_pretty(self).map_err(|e| write_err(e.to_string()))?;
        crate::paths::write_private(&path, &text).map_err(|e| write_err(e.to_string()))
    }

    /// The client ID to sign in as: `REKEY_CLIENT_ID`, then this setting, then the default.
    pub fn effective_client_id(&self) -> String {
        std::env::var("REKEY_CLIENT_ID")
            .ok()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .or_else(|| self.client_id.as_ref().map(|id| id.trim().to_string()))
            .unwrap_or_else(|| crate::auth::DEFAULT_CLIENT_ID.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_file_falls_back_to_defaults_with_a_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = AppPaths::at(dir.path());
        std::fs::create_dir_all(&paths.config_dir).expect("config dir");
        std::fs::write(paths.config_dir.join("settings.json"), "{not json").expect("write");
        let (settings, problem) = Settings::load(&paths);
        assert_eq!(settings, Settings::default());
        assert!(matches!(problem, Some(SettingsError::Invalid { .. })));
    }

    #[test]
    fn the_client_id_round_trips_and_must_be_a_guid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = AppPaths::at(dir.path());
        let ok = Settings {
            client_id: Some("11111111-2222-3333-4444-555555555555".into()),
        };
        ok.save(&paths).expect("saved");
        let (loaded, problem) = Settings::load(&paths);
        assert_eq!(loaded, ok);
        assert!(problem.is_none());
        let bad = Settings {
            client_id: Some("my-app".into()),
        };
        assert!(matches!(bad.save(&paths), Err(SettingsError::BadClientId(_))));
    }
}
