//! The journal's parsing and replay, over hand-made lines and the journals version 1 wrote.

use super::*;

fn line(event: &str) -> String {
    format!("{{\"at\":\"2026-11-29T10:00:00Z\",\"type\":\"{event}\",\"keyId\":\"k\"}}\n")
}

#[test]
fn a_last_line_cut_short_by_a_crash_is_ignored_but_a_broken_middle_is_not() {
    let whole = format!("{}{}", line("secretStored"), line("secretProven"));
    assert_eq!(parse_journal(whole.as_bytes()).map(|l| l.len()), Ok(2));
    let torn = format!("{}{{\"at\":\"2026-11-29T10:0", line("secretStored"));
    assert_eq!(parse_journal(torn.as_bytes()).map(|l| l.len()), Ok(1));
    let broken = format!("{}not json\n{}", line("secretStored"), line("secretProven"));
    assert!(parse_journal(broken.as_bytes()).is_err());
    assert!(parse_journal(b"\xff\xfe").is_err());
    assert_eq!(parse_journal(b"").map(|l| l.len()), Ok(0));
}

#[test]
fn a_journal_that_does_not_start_with_a_plan_is_not_replayed() {
    let lines = parse_journal(line("secretStored").as_bytes()).unwrap_or_default();
    assert!(State::replay(&lines).is_none());
}

/// Journals written by version 1 (tests/fixtures, real rotations against the simulator) replay
/// into the named state.
#[test]
fn journals_of_version_1_replay() {
    let new_sp = include_str!("../../../tests/fixtures/journal-v1-new-sp.jsonl");
    let lines = parse_journal(new_sp.as_bytes()).unwrap_or_default();
    let state = State::replay(&lines).unwrap_or_else(|| panic!("no plan"));
    assert_eq!(state.finished, Some(Outcome::Succeeded));
    let principal = state
        .new_principal
        .clone()
        .unwrap_or_else(|| panic!("no principal"));
    assert_eq!(principal.app_id, "c904b516-7d9c-470d-88ff-7d9a345b10a4");
    assert_eq!(principal.app_object_id, "d79aff1f-e072-40d2-aa49-40cdf804f6f5");
    assert!(!principal.sp_object_id.is_empty());
    let requested = state.requested.clone().unwrap_or_else(|| panic!("no request"));
    assert_eq!(requested.on, ObjectKind::Application);
    assert_eq!(requested.object_id, principal.app_object_id);
    assert_eq!(requested.app_id, principal.app_id);
    assert!(requested.display_name.starts_with("rekey 2026-12-07 r:f81bfdb7"));
    let created = state.created.clone().unwrap_or_else(|| panic!("no secret"));
    assert_eq!(created.key_id, "ef0483dc-f700-4257-a0e5-bf3ed056bdec");
    assert_eq!(created.hint.as_deref(), Some("156"));
    assert!(created.end.is_some());
    assert!(state.stored && state.proven && state.roles_copied);

    let secret = include_str!("../../../tests/fixtures/journal-v1-secret.jsonl");
    let lines = parse_journal(secret.as_bytes()).unwrap_or_default();
    // Cut after the failed operation: the cluster's failure and the step's are named.
    let failed_at = lines
        .iter()
        .position(|l| matches!(l.event, Event::StepFailed { .. }))
        .unwrap_or_else(|| panic!("no failure"));
    let state = State::replay(&lines[..=failed_at]).unwrap_or_else(|| panic!("no plan"));
    let failure = state.last_failure.clone().unwrap_or_else(|| panic!("no failure"));
    assert_eq!(failure.step, Step::ResetCluster);
    let reset = state.resets.values().next().cloned().unwrap_or_default();
    let reset_failure = reset.failed.unwrap_or_else(|| panic!("no reset failure"));
    assert_eq!(reset_failure.code, "operation_failed");
    assert!(reset_failure.message.contains("operation failed"));
    let summary = State::replay(&lines).map(|s| s.summary());
    assert_eq!(
        summary.and_then(|s| s.new_key_id),
        Some("eea03f12-9b4d-4ac1-abf5-07ea185af5cd".to_string())
    );
}
