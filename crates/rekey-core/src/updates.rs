//! Updates of Rekey itself, as the window sees them: what a check found, in plain words. The
//! check, the signature and the install belong to the app (`src-tauri/src/updater.rs`, over
//! Tauri's updater plugin); the window only shows this answer and may ask for another check.

use serde::Serialize;
use ts_rs::TS;

/// The end of one check for updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum UpdateCheck {
    /// The feed offers nothing newer than `current`.
    #[serde(rename_all = "camelCase")]
    UpToDate { current: String },
    /// `version` is newer; the admin said no in Rekey's own dialog, nothing was installed.
    #[serde(rename_all = "camelCase")]
    Declined { current: String, version: String },
    /// `version` was installed (its signature checked first); Rekey restarts into it now.
    #[serde(rename_all = "camelCase")]
    Installed { current: String, version: String },
    /// Nothing was installed, and `message` says why and what to do.
    #[serde(rename_all = "camelCase")]
    Failed { current: String, message: String },
}

impl UpdateCheck {
    /// One line for the log or the window.
    pub fn describe(&self) -> String {
        match self {
            UpdateCheck::UpToDate { current } => format!("Rekey {current} is up to date."),
            UpdateCheck::Declined { current, version } => {
                format!("Rekey {version} is available; you kept {current}. Nothing was installed.")
            }
            UpdateCheck::Installed { current, version } => {
                format!("Rekey {version} was installed over {current}; Rekey restarts now.")
            }
            UpdateCheck::Failed { message, .. } => message.clone(),
        }
    }
}

/// What a feed that offers an older version gets: never installed.
pub fn downgrade_refused(current: &str, offered: &str) -> String {
    format!(
        "The update feed offers Rekey {offered}, older than this one ({current}). Rekey never \
         installs an older version: nothing was installed."
    )
}

/// A package whose signature does not verify with the key built into this Rekey.
pub fn bad_signature(version: &str, detail: &str) -> String {
    format!(
        "The download of Rekey {version} is not signed with Rekey's release key ({detail}), so it \
         was not installed. The feed or the download may have been tampered with: report it to \
         whoever publishes Rekey for you."
    )
}

/// The feed could not be read (network, TLS, proxy, an answer that is not a release).
pub fn feed_unreachable(feed: &str, detail: &str) -> String {
    format!(
        "Rekey could not read its update feed at {feed} ({detail}). Nothing was installed; \
         check the network or proxy and try again."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_says_whether_anything_was_installed() {
        let declined = UpdateCheck::Declined {
            current: "0.1.0".into(),
            version: "0.1.1".into(),
        };
        assert!(declined.describe().contains("Nothing was installed"));
        assert!(downgrade_refused("0.1.0", "0.0.9").contains("0.0.9, older than this one (0.1.0)"));
        assert!(bad_signature("0.1.1", "bad").contains("not signed with Rekey's release key"));
        let json = serde_json::to_value(&declined).expect("json");
        assert_eq!(json["kind"], "declined");
        assert_eq!(json["version"], "0.1.1");
    }
}
