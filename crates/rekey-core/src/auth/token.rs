//! Access tokens, held as secrets.

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

/// A bearer token. Its text is a secret: redacted in `Debug`, zeroed on drop.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

impl AccessToken {
    /// Whether the token can still be used for a request that may take a while.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.expires_at - now > Duration::minutes(5)
    }
}
