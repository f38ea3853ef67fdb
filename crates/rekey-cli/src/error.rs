//! Every way a command can fail, shown as rekey-core's `IpcError`: plain words and a stable code.

use rekey_core::accounts::AccountsError;
use rekey_core::auth::{explain, AuthError};
use rekey_core::azure::AzureError;
use rekey_core::azure::CallError;
use rekey_core::error::IpcError;
use rekey_core::paths::PathsError;
use rekey_core::vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Azure(#[from] AzureError),
    #[error(transparent)]
    Arm(#[from] CallError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Paths(#[from] PathsError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A command line that cannot work, with what would.
    #[error("{0}")]
    Usage(String),
    /// The command ran but could not do all of it (the details were printed as warnings).
    #[error("{0}")]
    Incomplete(String),
    /// A failure as the core explains it to the app and the CLI alike.
    #[error("{0}")]
    Ipc(IpcError),
    /// A failure with the command that gets past it.
    #[error("{error}")]
    Hinted {
        error: Box<CliError>,
        hint: &'static str,
    },
}

impl From<IpcError> for CliError {
    fn from(e: IpcError) -> Self {
        CliError::Ipc(e)
    }
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    pub fn with_hint(self, hint: &'static str) -> Self {
        CliError::Hinted {
            error: Box::new(self),
            hint,
        }
    }

    /// What to run instead, where the core's words name a screen of the app.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CliError::Hinted { hint, .. } => Some(hint),
            _ if self.to_ipc().code == "browser_unavailable" => Some("Try `rekey login --device-code`."),
            _ => None,
        }
    }

    /// What the user sees: sign-in failures in plain words with their AADSTS code.
    pub fn to_ipc(&self) -> IpcError {
        match self {
            CliError::Auth(e) | CliError::Arm(CallError::Auth(e)) => explain(e),
            CliError::Azure(e) | CliError::Arm(CallError::Azure(e)) => {
                IpcError::new(e.code(), capitalized(e))
            }
            CliError::Accounts(e) => IpcError::new(e.code(), capitalized(e)),
            CliError::Paths(e) => IpcError::new("no_home", capitalized(e)),
            CliError::Vault(e) => IpcError::new(e.code(), capitalized(e)),
            CliError::Usage(m) => IpcError::new("usage", m.clone()),
            CliError::Incomplete(m) => IpcError::new("incomplete", m.clone()),
            CliError::Ipc(e) => e.clone(),
            CliError::Hinted { error, .. } => error.to_ipc(),
        }
    }
}

fn capitalized(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_secret_is_explained_with_its_code() {
        let e = CliError::Arm(CallError::Auth(AuthError::InvalidClient {
            aadsts: 7000215,
            description: "Invalid client secret provided.".into(),
        }));
        let shown = e.to_ipc();
        assert_eq!(shown.code, "AADSTS7000215");
        assert!(shown.message.contains("secret is wrong"), "{}", shown.message);
    }

    #[test]
    fn other_failures_start_with_a_capital() {
        let shown = CliError::Azure(AzureError::Client("no TLS".into())).to_ipc();
        assert_eq!(shown.code, "http_client");
        assert!(
            shown.message.starts_with("Could not set up HTTPS"),
            "{}",
            shown.message
        );
    }

    #[test]
    fn a_browser_that_cannot_open_points_to_the_device_code() {
        let e = CliError::Ipc(explain(&AuthError::Browser("no display".into())));
        assert!(
            e.to_ipc().message.contains("no display"),
            "{}",
            e.to_ipc().message
        );
        assert_eq!(e.hint(), Some("Try `rekey login --device-code`."));
    }
}
