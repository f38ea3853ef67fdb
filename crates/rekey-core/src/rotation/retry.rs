//! Which Azure failures are worth another try at the step level, and how long to pause between
//! tries. The HTTP layer ([`crate::azure::retry`]) already renews a refused token once, honours
//! `Retry-After` and retries idempotent requests; the pauses here use its back-off curve.

use std::time::Duration;

use crate::auth::AuthError;
use crate::azure::arm::ArmError;
use crate::azure::retry::{advice, backoff, refusal, Refusal};
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
                // A lock or a policy denial never goes away by waiting: fail at once.
                409 => match refusal(code, message) {
                    Refusal::Locked | Refusal::Policy | Refusal::Other => Kind::Fatal,
                    Refusal::Busy => Kind::Conflict,
                },
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

/// A pause that grows with `attempt` (1-based): the HTTP layer's jittered back-off.
pub fn pause(attempt: u32) -> Duration {
    backoff(attempt)
}

/// How many times a transient failure is tried again at the step level.
pub const TRANSIENT_TRIES: u32 = 6;

/// Azure's words for `e`, after what to do when Azure refused for a reason that waiting cannot fix
/// (a management lock, a policy denial). The advice comes first: outside text is bounded when it
/// is journaled, and the bound must cut Azure's words, never what the admin has to do.
pub fn explain(e: &ArmError) -> String {
    let words = crate::error::IpcError::from(e).message;
    let reason = match e {
        ArmError::Azure(AzureError::Api { code, message, .. }) => advice(refusal(code, message)),
        _ => None,
    };
    match reason {
        Some(advice) => format!("{advice} Azure: {words}"),
        None => words,
    }
}

/// A step's request budget: how many tries it may make and for how long, so that it stops with a
/// reason instead of looping.
#[derive(Debug)]
pub struct Budget {
    tries: u32,
    used: u32,
    started: std::time::Instant,
    limit: Duration,
}

impl Budget {
    pub fn new(tries: u32, limit: Duration) -> Budget {
        Budget {
            tries,
            used: 0,
            started: std::time::Instant::now(),
            limit,
        }
    }

    /// Counts one more try; false once the budget is spent.
    pub fn spend(&mut self) -> bool {
        self.used += 1;
        self.used <= self.tries && self.started.elapsed() < self.limit
    }

    /// Tries counted so far.
    pub fn used(&self) -> u32 {
        self.used
    }

    /// Why the step stopped, after Azure's last words.
    pub fn spent(&self, last: &str) -> String {
        format!(
            "{last} (gave up after {} tries in {} s; this step may make {} tries within {} s)",
            self.used.min(self.tries),
            self.started.elapsed().as_secs(),
            self.tries,
            self.limit.as_secs()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, message: &str) -> ArmError {
        ArmError::Azure(AzureError::Api {
            status,
            code: code.into(),
            message: message.into(),
            request_id: None,
        })
    }

    #[test]
    fn a_lock_or_a_policy_fails_at_once_with_what_to_do() {
        let locked = api(
            409,
            "ScopeLocked",
            "The scope '/subscriptions/x' cannot perform write operation because it is locked.",
        );
        assert_eq!(classify(&locked), Kind::Fatal);
        assert!(
            explain(&locked).contains("Remove the lock"),
            "{}",
            explain(&locked)
        );
        // Journaled, the text is bounded: Azure's long words are cut, never the advice.
        let long = api(409, "ScopeLocked", &"locked scope ".repeat(60));
        let journaled = crate::azure::error::scrub(&explain(&long));
        assert!(
            journaled.contains("Remove the lock") && journaled.contains("ScopeLocked"),
            "{journaled}"
        );
        let policy = api(409, "RequestDisallowedByPolicy", "denied by policy 'no-secrets'");
        assert_eq!(classify(&policy), Kind::Fatal);
        assert!(explain(&policy).contains("policy's owner"));
        let busy = api(
            409,
            "OperationNotAllowed",
            "there's an in progress operation on the managed cluster",
        );
        assert_eq!(classify(&busy), Kind::Conflict);
    }

    #[test]
    fn a_budget_runs_out_and_says_so() {
        let mut budget = Budget::new(2, Duration::from_secs(60));
        assert!(budget.spend() && budget.spend() && !budget.spend());
        assert!(budget
            .spent("Azure answered 500")
            .contains("gave up after 2 tries"));
    }
}
