//! Which Azure failures are worth another try at the step level, how long a step keeps trying
//! ([`Budget`]), and the one loop that tries again ([`retrying`]). The HTTP layer
//! ([`crate::azure::retry`]) already renews a refused token once, honours `Retry-After` and retries
//! idempotent requests; the pauses here use its back-off curve, [`backoff`].

use std::future::Future;
use std::time::{Duration, Instant};

use crate::auth::AuthError;
use crate::azure::retry::{advice, backoff, refusal, Refusal};
use crate::azure::AzureError;
use crate::azure::CallError;

pub mod stop;
#[cfg(test)]
mod tests;

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

pub fn classify(e: &CallError) -> Kind {
    match e {
        CallError::Azure(a) => classify_azure(a),
        CallError::Auth(AuthError::Transport(a)) => match classify_azure(a) {
            Kind::Transient => Kind::Transient,
            _ => Kind::Fatal,
        },
        CallError::Auth(_) => Kind::Fatal,
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
        } => match *status {
            429 | 500..=599 => Kind::Transient,
            408 => Kind::Transient,
            // A lock or a policy denial never goes away by waiting: fail at once.
            409 => match refusal(code, message) {
                Refusal::Locked | Refusal::Policy | Refusal::Other => Kind::Fatal,
                Refusal::Busy => Kind::Conflict,
            },
            400 | 403 | 404 if replicating(code, message) => Kind::Replication,
            _ => Kind::Fatal,
        },
        // A body cut short reads as malformed: the connection broke.
        AzureError::Malformed { .. } => Kind::Transient,
        _ => Kind::Fatal,
    }
}

/// Whether Azure refused because Entra ID has not replicated something new yet. ARM's role
/// assignments say so by code (`PrincipalNotFound`). AKS's reset (`BadRequest`: "the credentials in
/// ServicePrincipalProfile were invalid", with the token endpoint's AADSTS code inside) and Graph's
/// new service principal (`Request_BadRequest`: "… does not reference a valid application object")
/// say so only in the message, under a code that many other faults share.
fn replicating(code: &str, message: &str) -> bool {
    // AKS checks a custom private DNS zone's rights through RBAC before it updates a cluster, and a
    // role granted moments ago counts only once propagated ("It can take up to 60 minutes",
    // learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/
    // customprivatednszonemissingpermissions-error).
    if code.eq_ignore_ascii_case("PrincipalNotFound")
        || code.eq_ignore_ascii_case("CustomPrivateDNSZoneMissingPermissionError")
    {
        return true;
    }
    let text = message.to_ascii_lowercase();
    [
        "were invalid",
        "does not exist in the directory",
        "does not reference",
        "aadsts700016",
        "aadsts7000215",
    ]
    .iter()
    .any(|p| text.contains(p))
}

/// How many times a transient failure is tried again at the step level.
pub const TRANSIENT_TRIES: u32 = 6;
/// The longest a step retries transient failures (the HTTP layer's own retries come on top).
pub const STEP_TIME: Duration = Duration::from_secs(600);

/// Whether the token endpoint's refusal of a new secret may pass by waiting: Entra ID has not
/// replicated the secret or the app yet (`Replication`), or the network or the service faltered
/// (waited out for as long, so `Replication` too). Anything else is final.
pub fn classify_sign_in(e: &AuthError) -> Kind {
    match e {
        AuthError::InvalidClient { .. }
        | AuthError::UnknownApplication { .. }
        | AuthError::Transport(_)
        | AuthError::Malformed(_) => Kind::Replication,
        AuthError::Rejected { error, .. }
            if matches!(error.as_str(), "temporarily_unavailable" | "server_error") =>
        {
            Kind::Replication
        }
        _ => Kind::Fatal,
    }
}

/// Azure's answer behind a failed call, kept typed: the engine decides by status and code, never
/// by reading Azure's words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cause {
    pub status: Option<u16>,
    pub code: Option<String>,
}

impl Cause {
    pub fn of(e: &CallError) -> Cause {
        match e {
            CallError::Azure(AzureError::Api { status, code, .. })
            | CallError::Auth(AuthError::Transport(AzureError::Api { status, code, .. })) => Cause {
                status: Some(*status),
                code: Some(code.clone()),
            },
            _ => Cause::default(),
        }
    }

    fn code_is(&self, code: &str) -> bool {
        self.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code))
    }

    /// The object (or the credential on it) is not there: 404.
    pub fn not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// Graph's answer to removing a credential that is not on the object any more (400
    /// `Request_BadRequest`), which it also gives for other faults of a request: whoever gets it
    /// reads the object to know whether the credential is gone.
    pub fn maybe_gone(&self) -> bool {
        self.status == Some(400) && self.code_is("Request_BadRequest")
    }

    /// The role assignment exists already (a resumed run made it): 409 `RoleAssignmentExists`.
    pub fn exists(&self) -> bool {
        self.status == Some(409) && self.code_is("RoleAssignmentExists")
    }
}

/// Azure's words for `e`, after what to do when Azure refused for a reason that waiting cannot fix
/// (a management lock, a policy denial). The advice comes first: outside text is bounded when it
/// is journaled, and the bound must cut Azure's words, never what the admin has to do.
pub fn explain(e: &CallError) -> String {
    let words = crate::error::IpcError::from(e).message;
    let reason = match e {
        CallError::Azure(AzureError::Api { code, message, .. }) => advice(refusal(code, message)),
        _ => None,
    };
    match reason {
        Some(advice) => format!("{advice} Azure: {words}"),
        None => words,
    }
}

/// A step's request budget: how many tries a transient failure gets and for how long, and how long
/// replication or another operation on the cluster is waited out, so that it stops with a reason
/// instead of looping.
#[derive(Debug)]
pub struct Budget {
    tries: u32,
    used: u32,
    started: Instant,
    limit: Duration,
    wait: Duration,
    max_pause: Duration,
}

impl Budget {
    pub fn new(tries: u32, limit: Duration) -> Budget {
        Budget {
            tries,
            used: 0,
            started: Instant::now(),
            limit,
            wait: Duration::ZERO,
            max_pause: Duration::MAX,
        }
    }

    /// Transient failures only: [`TRANSIENT_TRIES`] within [`STEP_TIME`].
    pub fn transient() -> Budget {
        Budget::new(TRANSIENT_TRIES, STEP_TIME)
    }

    /// [`Budget::transient`], and replication or a busy cluster waited out for `wait`.
    pub fn waiting(wait: Duration) -> Budget {
        Budget {
            wait,
            ..Budget::transient()
        }
    }

    /// No pause longer than `max` (a poll that must notice a change soon).
    pub fn max_pause(self, max: Duration) -> Budget {
        Budget {
            max_pause: max,
            ..self
        }
    }

    /// Counts one more try; false once the budget is spent.
    pub fn spend(&mut self) -> bool {
        self.used += 1;
        self.used <= self.tries && self.started.elapsed() < self.limit
    }

    /// After a failure of `kind`: the pause before the next try, or `None` when the step stops.
    pub fn next(&mut self, kind: Kind) -> Option<Duration> {
        let within_tries = self.spend();
        let elapsed = self.started.elapsed();
        let pause = backoff(self.used).min(self.max_pause);
        match kind {
            Kind::Transient => within_tries.then_some(pause),
            Kind::Replication | Kind::Conflict => {
                (elapsed < self.wait).then(|| pause.min(self.wait - elapsed))
            }
            Kind::Fatal => None,
        }
    }

    /// Tries counted so far.
    pub fn used(&self) -> u32 {
        self.used
    }

    /// How long since the first try.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
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

/// The step-level retry loop: runs `call` (given the try's number, from 1) until it succeeds or
/// `next` (given the failure and the budget) answers no pause.
pub async fn retrying<T, E, F, Fut, N>(budget: &mut Budget, mut call: F, mut next: N) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    N: FnMut(&E, &mut Budget) -> Option<Duration>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call(attempt).await {
            Ok(v) => return Ok(v),
            Err(e) => match next(&e, budget) {
                Some(pause) => tokio::time::sleep(pause).await,
                None => return Err(e),
            },
        }
    }
}
