//! Directory checks shared by the token endpoint and ARM: does this secret sign in as this app?
//! AKS validates a reset's credentials against Entra ID, so both must give the same answer.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::state::{secret_digest, PasswordCredential, World};

/// Why a secret does not sign in as an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialProblem {
    /// No application or service principal has this app ID (AADSTS700016).
    UnknownApp,
    /// The application or service principal is newer than the replication delay (AADSTS700016 too).
    NotReplicated,
    /// No credential matches the secret, or the matching one is still replicating (AADSTS7000215).
    InvalidSecret,
    /// The matching credential is past its end date (AADSTS7000222).
    Expired,
}

/// The key ID of the password credential `secret` matches, on the application or on the service
/// principal of `app_id`, if the directory would accept it at `now`.
pub fn find_valid_credential(
    world: &World,
    app_id: Uuid,
    secret: &str,
    now: DateTime<Utc>,
    replication_delay: Duration,
) -> Result<Uuid, CredentialProblem> {
    let app = world.application_by_app_id(app_id);
    let sp = world.service_principal_by_app_id(app_id);
    if app.is_none() && sp.is_none() {
        return Err(CredentialProblem::UnknownApp);
    }
    let replicated = |created: DateTime<Utc>| created + replication_delay <= now;
    if app.is_some_and(|a| !replicated(a.created)) || sp.is_some_and(|s| !replicated(s.created)) {
        return Err(CredentialProblem::NotReplicated);
    }
    let digest = secret_digest(secret);
    let on_app = app.map_or(&[][..], |a| a.password_credentials.as_slice());
    let on_sp = sp.map_or(&[][..], |s| s.password_credentials.as_slice());
    let matched: &PasswordCredential = on_app
        .iter()
        .chain(on_sp)
        .find(|c| c.secret_sha256 == digest && replicated(c.created))
        .ok_or(CredentialProblem::InvalidSecret)?;
    if matched.end <= now {
        return Err(CredentialProblem::Expired);
    }
    Ok(matched.key_id)
}
