//! Tests of [`super`]: credentials.

use super::*;

#[test]
fn app_ids_that_could_change_a_url_are_refused() {
    assert!(is_guid("0f1e2d3c-0000-4000-8000-00000000abcd"));
    assert!(!is_guid("x') or true"));
    assert!(!is_guid(""));
}

#[test]
fn graph_timestamps_parse_with_or_without_an_offset() {
    let parse = crate::transport::lenient::parse_date;
    assert!(parse("2025-01-02T03:04:05Z").is_some());
    assert!(parse("2025-01-02T03:04:05.1234567").is_some());
    assert_eq!(parse("soon"), None);
}

#[test]
fn a_shared_failure_is_one_warning_and_a_missing_app_is_its_own() {
    let denied = Failure {
        status: Some(403),
        code: "Authorization_RequestDenied".into(),
        message: "Insufficient privileges to complete the operation.".into(),
    };
    let mut apps = HashMap::new();
    let mut roles = HashMap::new();
    for i in 0..8 {
        let id = format!("{i:08}-0000-0000-0000-000000000000");
        apps.insert(id.clone(), AppCredentials::unread(&id, denied.clone()));
        roles.insert(id, AppRole::ClusterIdentity);
    }
    let gone = "ffffffff-0000-0000-0000-000000000000".to_string();
    apps.insert(gone.clone(), AppCredentials::new(&gone));
    roles.insert(gone, AppRole::ClusterIdentity);
    let w = warnings(&apps, &roles);
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(w
        .iter()
        .any(|l| l.contains("8 apps") && l.contains("and 3 more") && l.contains("403")));
    assert!(w
        .iter()
        .any(|l| l.contains("ffffffff") && l.contains("not found")));
}
