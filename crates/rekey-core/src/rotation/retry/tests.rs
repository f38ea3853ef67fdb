//! Classification of failures, the step budget and the retry loop, without the simulator.

use super::*;

fn api(status: u16, code: &str, message: &str) -> CallError {
    CallError::Azure(AzureError::Api {
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
    let network = CallError::Azure(AzureError::Network {
        host: "h".into(),
        detail: "reset".into(),
    });
    assert_eq!(Cause::of(&network), Cause::default());
    assert_eq!(classify(&network), Kind::Transient);
    let through_auth = CallError::Auth(AuthError::Transport(AzureError::Api {
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
