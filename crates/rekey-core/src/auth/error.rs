//! Sign-in failures, with the identity platform's AADSTS code and a hint of what to do.

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
    #[error("could not reach the sign-in service: {0}")]
    Transport(#[from] crate::azure::AzureError),
    #[error("the sign-in service sent a response Rekey cannot read: {0}")]
    Malformed(String),
}

impl AuthError {
    pub fn code(&self) -> String {
        match self {
            AuthError::InvalidClient { aadsts, .. }
            | AuthError::UnknownApplication { aadsts, .. }
            | AuthError::Rejected { aadsts, .. } => format!("AADSTS{aadsts}"),
            AuthError::Transport(e) => e.code(),
            AuthError::Malformed(_) => "malformed_token_response".into(),
        }
    }
}
