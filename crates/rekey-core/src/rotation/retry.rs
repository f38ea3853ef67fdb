//! Which Azure failures are worth another try, and how long to pause between tries. The HTTP layer
//! already renews a refused token once and honours `Retry-After` on 429; this is the step level.

use std::time::Duration;

use crate::auth::AuthError;
use crate::azure::arm::ArmError;
use crate::azure::AzureError;

/// What kind of failure a step met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The network, a timeout, a 5xx, a 429 that outlasted the HTTP layer's retries: try again.
    Transient,
    /// 409: another operation runs on the cluster; wait for it, then try again.
    Conflict,
    /// Entra ID has not replicated the new secret or principal yet: try again until the
    /// replication limit.
    Replication,
    /// Anything else: retrying will not help; report Azure's words.
    Fatal,
}

pub fn classify(e: &ArmError) -> Kind {
    match e {
        ArmError::Azure(a) => classify_azure(a),
        ArmError::Auth(AuthError::Transport(a)) => match classify_azure(a) {
            Kind::Transient => Kind::Transient,
            _ => Kind::Fatal,
        },
        ArmError::Auth(_) => Kind::Fatal,
    }
}

fn classify_azure(e: &AzureError) -> Kind {
    match e {
        AzureError::Network { .. } => Kind::Transient,
        AzureError::Api {
            status,
            code,
            message,
            ..
        } => {
            let text = format!("{code} {message}").to_ascii_lowercase();
            match *status {
                429 | 500..=599 => Kind::Transient,
                408 => Kind::Transient,
                409 => Kind::Conflict,
                400 | 403 | 404
                    if text.contains("were invalid")
                        || text.contains("principalnotfound")
                        || text.contains("does not exist in the directory")
                        || text.contains("does not reference")
                        || text.contains("aadsts700016")
                        || text.contains("aadsts7000215") =>
                {
                    Kind::Replication
                }
                _ => Kind::Fatal,
            }
        }
        // A body cut short reads as malformed: the connection broke.
        AzureError::Malformed { .. } => Kind::Transient,
        _ => Kind::Fatal,
    }
}

/// A pause that grows with `attempt` (1-based), 1 s to 30 s.
pub fn pause(attempt: u32) -> Duration {
    Duration::from_millis(1_000u64.saturating_mul(1 << attempt.saturating_sub(1).min(5)))
        .min(Duration::from_secs(30))
}

/// How many times a transient failure is tried again at the step level.
pub const TRANSIENT_TRIES: u32 = 6;
