//! Signing in: credentials that get access tokens from the cloud's authority.

pub mod client_secret;
pub mod error;
pub mod token;

pub use client_secret::ClientSecretCredential;
pub use error::AuthError;
pub use token::AccessToken;

/// Every way Rekey can get a token. An enum rather than a trait object: the set is closed and known.
pub enum Credential {
    ClientSecret(ClientSecretCredential),
}

impl Credential {
    /// A token for `scope` (e.g. `https://management.core.windows.net/.default`), from the cache while
    /// it has more than five minutes left.
    pub async fn token(&self, scope: &str) -> Result<AccessToken, AuthError> {
        match self {
            Credential::ClientSecret(c) => c.token(scope).await,
        }
    }
}
