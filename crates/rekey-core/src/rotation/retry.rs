//! Which Azure failures are worth another try at the step level, how long a step keeps trying
//! ([`Budget`]), and the one loop that tries again ([`retrying`]). The HTTP layer
//! ([`crate::azure::retry`]) already renews a refused token once, honours `Retry-After` and retries
//! idempotent requests; the pauses here use its back-off curve, [`backoff`].

use std::future::Future;
use std::time::{Duration, Instant};

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
    if code.eq_ignore_ascii_case("PrincipalNotFound") {
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
    pub fn of(e: &ArmError) -> Cause {
        match e {
            ArmError::Azure(AzureError::Api { status, code, .. })
            | ArmError::Auth(AuthError::Transport(AzureError::Api { status, code, .. })) => Cause {
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

    #[test]
    fn a_failure_keeps_azures_status_and_code_and_decisions_read_only_those() {
        let gone = Cause::of(&api(
            404,
            "Request_ResourceNotFound",
            "Resource 'x' does not exist",
        ));
        assert!(gone.not_found() && !gone.maybe_gone() && !gone.exists());
        let missing_key = Cause::of(&api(
            400,
            "Request_BadRequest",
            "No password credential found with keyId 'k'.",
        ));
        assert!(missing_key.maybe_gone() && !missing_key.not_found());
        // The words do not decide: a 404 is gone whatever it says, a 400 of another code is not.
        assert!(Cause::of(&api(404, "NotFound", "")).not_found());
        assert!(!Cause::of(&api(400, "BadRequest", "not found")).maybe_gone());
        let exists = Cause::of(&api(
            409,
            "RoleAssignmentExists",
            "The role assignment already exists.",
        ));
        assert!(exists.exists());
        assert!(!Cause::of(&api(409, "Conflict", "RoleAssignmentExists")).exists());
        // Without an answer from Azure there is no status or code to read.
        let network = ArmError::Azure(AzureError::Network {
            host: "h".into(),
            detail: "reset".into(),
        });
        assert_eq!(Cause::of(&network), Cause::default());
        assert_eq!(classify(&network), Kind::Transient);
        let through_auth = ArmError::Auth(AuthError::Transport(AzureError::Api {
            status: 404,
            code: "NotFound".into(),
            message: String::new(),
            request_id: None,
        }));
        assert!(Cause::of(&through_auth).not_found());
    }

    #[test]
    fn failures_are_classified_by_status_and_code() {
        assert_eq!(classify(&api(503, "ServiceUnavailable", "")), Kind::Transient);
        assert_eq!(classify(&api(429, "TooManyRequests", "")), Kind::Transient);
        assert_eq!(classify(&api(408, "RequestTimeout", "")), Kind::Transient);
        assert_eq!(
            classify(&api(
                400,
                "PrincipalNotFound",
                "Principal x does not exist in the directory t."
            )),
            Kind::Replication
        );
        assert_eq!(classify(&api(403, "AuthorizationFailed", "no")), Kind::Fatal);
        assert_eq!(classify(&api(404, "ResourceNotFound", "gone")), Kind::Fatal);
        assert_eq!(classify(&api(409, "RoleAssignmentExists", "exists")), Kind::Fatal);
    }

    #[test]
    fn a_refused_sign_in_with_the_new_secret_is_waited_out_only_while_it_may_replicate() {
        let invalid = AuthError::InvalidClient {
            aadsts: 7_000_215,
            description: "Invalid client secret provided.".into(),
        };
        assert_eq!(classify_sign_in(&invalid), Kind::Replication);
        let unknown = AuthError::UnknownApplication {
            aadsts: 700_016,
            description: "not found".into(),
        };
        assert_eq!(classify_sign_in(&unknown), Kind::Replication);
        assert_eq!(classify_sign_in(&AuthError::DeviceCodeExpired), Kind::Fatal);
    }

    #[test]
    fn a_budget_waits_out_replication_only_for_its_time_and_never_a_fatal_failure() {
        let mut transient = Budget::transient();
        assert_eq!(transient.next(Kind::Replication), None);
        assert_eq!(transient.next(Kind::Conflict), None);
        assert_eq!(transient.next(Kind::Fatal), None);
        assert!(transient.next(Kind::Transient).is_some());
        let mut waiting = Budget::waiting(Duration::from_secs(60)).max_pause(Duration::from_millis(5));
        assert!(waiting
            .next(Kind::Replication)
            .is_some_and(|p| p <= Duration::from_millis(5)));
        let mut over = Budget::waiting(Duration::ZERO);
        assert_eq!(over.next(Kind::Replication), None);
    }

    #[tokio::test]
    async fn the_loop_tries_again_until_the_budget_says_stop() {
        let mut budget = Budget::new(2, Duration::from_secs(60)).max_pause(Duration::ZERO);
        let mut calls = 0;
        let result: Result<(), u32> = retrying(
            &mut budget,
            |attempt| {
                calls += 1;
                async move { Err(attempt) }
            },
            |_, b| b.next(Kind::Transient),
        )
        .await;
        assert_eq!(result, Err(3), "the first try and two more");
        assert_eq!(calls, 3);
    }
}
