//! The settings file: where it is, reading it (a bad value falls back to its default alone) and
//! writing it (checked first, all at once).

use super::{SettingProblem, Settings};
use crate::paths::AppPaths;

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
}
