//! A step's failure and the engines' one way to call Azure again, shared by the rotation engine
//! and the move's engine: the step, the words for the admin, what Azure answered, and the retry loop
//! ([`super::retrying`]) with its budgets.

use std::future::Future;
use std::time::Duration;

use super::{classify, explain, retrying, Budget, Cause, Kind};
use crate::azure::arm::ArmClient;
use crate::azure::lro::{OperationEnd, OperationHandle};
use crate::azure::CallError;

/// A failure that stops a run at step `S`.
#[derive(Debug)]
pub struct Stop<S> {
    pub step: S,
    pub message: String,
    /// Whether the engine may try again (`Fatal` once a retry loop has given up).
    pub kind: Kind,
    /// Azure's status and code, when Azure answered: decisions read these, never the message.
    pub cause: Option<Cause>,
    /// Azure's operation itself ended `Failed` (as opposed to a failure to start or follow it).
    pub operation_failed: bool,
}

/// A failure of Rekey's own (the journal, the vault, a check): never retried.
pub fn stop<S>(step: S, message: impl Into<String>) -> Stop<S> {
    Stop {
        step,
        // Often Azure's words: scrubbed once here for the journal, the audit log and the UI.
        message: crate::azure::error::scrub(&message.into()),
        kind: Kind::Fatal,
        cause: None,
        operation_failed: false,
    }
}

/// A failed Azure call, with its kind and cause kept.
pub fn failed<S>(step: S, e: &CallError) -> Stop<S> {
    Stop {
        kind: classify(e),
        cause: Some(Cause::of(e)),
        ..stop(step, explain(e))
    }
}

/// Runs `call` (given the try's number, from 1) again while its failure is worth another try within
/// `budget`; once the budget is spent the failure is final and says how much was tried.
pub async fn again<S, T, F, Fut>(mut budget: Budget, call: F) -> Result<T, Stop<S>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Stop<S>>>,
{
    let result = retrying(&mut budget, call, |s: &Stop<S>, b| b.next(s.kind)).await;
    result.map_err(|s| given_up(s, &budget))
}

/// `s` as the last word of a retry loop: final, and saying the budget ran out when it did.
pub fn given_up<S>(mut s: Stop<S>, budget: &Budget) -> Stop<S> {
    if s.kind == Kind::Transient {
        s.message = crate::azure::error::scrub(&budget.spent(&s.message));
    }
    s.kind = Kind::Fatal;
    s
}

/// An Azure call tried again on transient failures (network, 5xx, throttling beyond the HTTP layer).
pub async fn transient<S: Copy, T, F, Fut>(step: S, call: F) -> Result<T, Stop<S>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    again(Budget::transient(), |_| async {
        call().await.map_err(|e| failed(step, &e))
    })
    .await
}

/// [`transient`], and also while Entra ID or ARM catches up with something new, up to `limit`.
pub async fn replicating<S: Copy, T, F, Fut>(step: S, limit: Duration, call: F) -> Result<T, Stop<S>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    again(Budget::waiting(limit), |_| async {
        call().await.map_err(|e| failed(step, &e))
    })
    .await
}

/// Follows a long-running operation to its end ([`crate::azure::lro`] owns the loop and honours
/// `Retry-After`; `max_poll` caps only the pauses Azure does not ask for), reporting through
/// `waiting`. A `Failed` end keeps Azure's code, with `after_failed` after its words; a lost way to
/// the operation says `after_lost`.
pub async fn follow<S>(
    arm: &ArmClient,
    handle: &OperationHandle,
    first: Option<Duration>,
    max_poll: Duration,
    waiting: impl FnMut(),
    step: S,
    (after_failed, after_lost): (&str, &str),
) -> Result<(), Stop<S>> {
    let quiet = Duration::from_secs(5).min(max_poll);
    match arm.wait_operation(handle, first, quiet, waiting).await {
        Ok(OperationEnd::Succeeded) => Ok(()),
        Ok(OperationEnd::Failed { code, message }) => Err(Stop {
            cause: Some(Cause {
                status: None,
                code: Some(code.clone()),
            }),
            operation_failed: true,
            ..stop(
                step,
                format!("Azure's operation failed: {code}: {message}{after_failed}"),
            )
        }),
        Err(e) => Err(Stop {
            cause: Some(Cause::of(&e)),
            ..stop(
                step,
                format!("could not follow the operation: {}{after_lost}", explain(&e)),
            )
        }),
    }
}
