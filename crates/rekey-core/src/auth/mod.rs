//! Signing in: credentials that get access tokens from the cloud's authority.

pub mod account;
pub mod azure_cli;
pub mod browser;
pub mod client_secret;
pub mod device_code;
pub(crate) mod entra;
pub mod error;
pub mod explain;
pub mod interactive;
pub mod secret_source;
pub mod token;
pub mod token_cache;
pub mod user;

pub use azure_cli::AzureCliCredential;
pub use browser::sign_in_browser;
pub use client_secret::ClientSecretCredential;
pub use device_code::{start_device_code, DeviceCodeFlow, DeviceCodePrompt};
pub use entra::checked_tenant;
pub use error::AuthError;
pub use explain::explain;
pub use interactive::{client_id, InteractiveRequest, Opener, SignedIn, DEFAULT_CLIENT_ID};
pub use secret_source::SecretSource;
pub use token::AccessToken;
pub use user::UserCredential;

/// Every way Rekey can get a token. An enum rather than a trait object: the set is closed and known.
pub enum Credential {
    ClientSecret(ClientSecretCredential),
    /// A person signed in through the browser or a device code.
    User(UserCredential),
    AzureCli(AzureCliCredential),
    /// A signed-in person's credential bound to one of their tenants other than the home one (a
    /// guest's): tokens come from that tenant's endpoint. It shares the refresh token with the
    /// person's own [`Credential::User`] (clones of a [`UserCredential`] do).
    UserInTenant {
        user: UserCredential,
        tenant: String,
    },
}

impl Credential {
    /// A token for `scope` (e.g. `https://management.core.windows.net/.default`), from the cache while
    /// it has more than five minutes left.
    pub async fn token(&self, scope: &str) -> Result<AccessToken, AuthError> {
        match self {
            Credential::ClientSecret(c) => c.token(scope).await,
            Credential::User(c) => c.token(scope).await,
            Credential::AzureCli(c) => c.token(scope).await,
            Credential::UserInTenant { user, tenant } => user.token_in(tenant, scope).await,
        }
    }

    /// Forgets cached access tokens after an API refused one (a 401), so the next
    /// [`Credential::token`] gets a new one.
    pub async fn invalidate(&self) {
        match self {
            Credential::ClientSecret(c) => c.invalidate().await,
            Credential::User(c) => c.invalidate().await,
            Credential::AzureCli(c) => c.invalidate().await,
            Credential::UserInTenant { user, .. } => user.invalidate().await,
        }
    }
}
