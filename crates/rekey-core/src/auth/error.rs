//! Sign-in failures, with the identity platform's AADSTS code and a hint of what to do.
//! [`super::explain`] turns each into plain words for the UI.

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the client secret was rejected (AADSTS{aadsts}): {description}")]
    InvalidClient { aadsts: u32, description: String },
    #[error("the application was not found in the tenant (AADSTS{aadsts}): {description}")]
    UnknownApplication { aadsts: u32, description: String },
    #[error("sign-in failed: {error} (AADSTS{aadsts}): {description}")]
    Rejected {
        error: String,
        aadsts: u32,
        description: String,
    },
    /// The saved sign-in cannot be used any more (expired, revoked, or a policy such as MFA asks
    /// for the person): sign in again interactively.
    #[error("sign in again: the saved sign-in was refused (AADSTS{aadsts}): {description}")]
    InteractionRequired { aadsts: u32, description: String },
    #[error("the sign-in was cancelled")]
    Cancelled,
    #[error("no sign-in was completed in the browser within {}", in_words(*seconds))]
    TimedOut { seconds: u64 },
    /// The loopback listener got an answer to another sign-in request: possibly forged.
    #[error("the browser returned an answer to a different sign-in request (state mismatch); start again")]
    StateMismatch,
    #[error("the ID token was not issued for this sign-in ({0}); start again")]
    IdTokenMismatch(String),
    #[error("could not open a web browser: {0}. Use the device code sign-in instead")]
    Browser(String),
    #[error("could not listen for the browser's answer on the loopback (127.0.0.1, [::1]): {0}")]
    Loopback(String),
    #[error("the sign-in was declined on the other device")]
    DeviceCodeDeclined,
    #[error("the sign-in code expired before the sign-in was completed; start again")]
    DeviceCodeExpired,
    #[error("the Azure CLI could not sign in: {guidance}")]
    AzureCli { guidance: String },
    #[error("could not read the client secret from {from}: {detail}")]
    SecretSource { from: String, detail: String },
    #[error("'{0}' is not a tenant ID or domain name")]
    InvalidTenant(String),
    #[error("could not reach the sign-in service: {0}")]
    Transport(#[from] crate::transport::AzureError),
    #[error("the sign-in service sent a response Rekey cannot read: {0}")]
    Malformed(String),
}

impl AuthError {
    pub fn code(&self) -> String {
        match self {
            AuthError::InvalidClient { aadsts, .. }
            | AuthError::UnknownApplication { aadsts, .. }
            | AuthError::Rejected { aadsts, .. }
            | AuthError::InteractionRequired { aadsts, .. } => format!("AADSTS{aadsts}"),
            AuthError::Cancelled => "cancelled".into(),
            AuthError::TimedOut { .. } => "timeout".into(),
            AuthError::StateMismatch => "state_mismatch".into(),
            AuthError::IdTokenMismatch(_) => "id_token_mismatch".into(),
            AuthError::Browser(_) => "browser_unavailable".into(),
            AuthError::Loopback(_) => "loopback_unavailable".into(),
            AuthError::DeviceCodeDeclined => "device_code_declined".into(),
            AuthError::DeviceCodeExpired => "device_code_expired".into(),
            AuthError::AzureCli { .. } => "azure_cli".into(),
            AuthError::SecretSource { .. } => "secret_unreadable".into(),
            AuthError::InvalidTenant(_) => "invalid_tenant".into(),
            AuthError::Transport(e) => e.code(),
            AuthError::Malformed(_) => "malformed_token_response".into(),
        }
    }

    /// The AADSTS number, when the identity platform gave one.
    pub fn aadsts(&self) -> Option<u32> {
        match self {
            AuthError::InvalidClient { aadsts, .. }
            | AuthError::UnknownApplication { aadsts, .. }
            | AuthError::Rejected { aadsts, .. }
            | AuthError::InteractionRequired { aadsts, .. } => Some(*aadsts).filter(|n| *n != 0),
            _ => None,
        }
    }
}

/// "5 minutes", "1 minute", "30 seconds".
fn in_words(seconds: u64) -> String {
    let (n, unit) = if seconds >= 60 && seconds.is_multiple_of(60) {
        (seconds / 60, "minute")
    } else {
        (seconds, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}
