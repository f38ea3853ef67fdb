//! `rekey check` never calls a blind spot OK: a subscription whose clusters cannot be listed (403, or
//! a 500 that persists through the retries), a tenant that cannot be read, or Graph credentials that
//! cannot be read make the result UNKNOWN (3), naming what was not read; over a known CRITICAL the
//! result stays CRITICAL and still names it.

use crate::common::{args, new_client_secret, simulator, sp_login, write_file, Rekey};
use rekey_sim::faults::{FaultAction, FaultRule};
use rekey_sim::RunningSim;

/// Signed in as the demo administrator, with every credential in the directory made long-lived so
/// that a clean check is OK (unless `keep_expired`).
async fn lab(keep_expired: bool) -> (RunningSim, Rekey) {
    let sim = simulator().await;
    let secret = new_client_secret(&sim).await;
    let rekey = Rekey::new();
    let file = write_file(rekey.home.path(), "sp-secret.txt", &secret);
    let login = rekey
        .run(
            &sp_login(&sim, &["--client-secret-file", &file.display().to_string()]),
            None,
        )
        .await;
    assert!(login.success(), "login: {}", login.stderr);
    if !keep_expired {
        let end = chrono::Utc::now() + chrono::Duration::days(400);
        let mut world = sim.sim().state.world();
        for app in &mut world.applications {
            app.password_credentials.iter_mut().for_each(|c| c.end = end);
            app.key_credentials.iter_mut().for_each(|c| c.end = end);
        }
        for sp in &mut world.service_principals {
            sp.password_credentials.iter_mut().for_each(|c| c.end = end);
            sp.key_credentials.iter_mut().for_each(|c| c.end = end);
        }
    }
    (sim, rekey)
}

fn respond(method: &str, path: &str, status: u16, code: &str, retry_after: Option<&str>) -> FaultRule {
    FaultRule {
        id: 0,
        method: Some(method.into()),
        path: path.into(),
        action: FaultAction::Respond {
            status,
            body: Some(serde_json::json!({"error": {"code": code, "message": format!("injected {code}")}})),
            headers: retry_after
                .map(|r| [("Retry-After".to_string(), r.to_string())].into_iter().collect())
                .unwrap_or_default(),
        },
        times: None,
        probability: 1.0,
    }
}

/// Resource Graph refused, so each subscription is listed through ARM; then `status` on the first
/// subscription's cluster listing. Returns that subscription's ID.
fn break_first_subscription(sim: &RunningSim, status: u16, code: &str, retry_after: Option<&str>) -> String {
    let subscription = sim.sim().state.world().subscriptions[0].id.to_string();
    let faults = &sim.sim().faults;
    faults
        .add(respond(
            "POST",
            "*/Microsoft.ResourceGraph/resources",
            403,
            "AuthorizationFailed",
            None,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    faults
        .add(respond(
            "GET",
            &format!("/subscriptions/{subscription}/providers/Microsoft.ContainerService/managedClusters"),
            status,
            code,
            retry_after,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    subscription
}

async fn check(rekey: &Rekey) -> (Option<i32>, String, serde_json::Value) {
    let line = rekey.run(&args(&["check"]), None).await;
    let json = rekey.run(&args(&["check", "--json"]), None).await;
    assert_eq!(line.code, json.code, "{}\n{}", line.stdout, json.stdout);
    let report = serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.stdout));
    (line.code, line.stdout.trim().to_string(), report)
}

fn blind_ids(report: &serde_json::Value, kind: &str) -> Vec<String> {
    report["blindSpots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["kind"] == kind)
        .filter_map(|b| b["id"].as_str().map(str::to_ascii_lowercase))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_estate_is_ok_and_a_403_on_a_subscription_is_unknown() {
    let (sim, rekey) = lab(false).await;
    let (code, line, _) = check(&rekey).await;
    assert_eq!(code, Some(0), "the baseline is OK: {line}");

    let subscription = break_first_subscription(&sim, 403, "AuthorizationFailed", None);
    let (code, line, report) = check(&rekey).await;
    assert_eq!(code, Some(3), "{line}");
    assert!(
        line.starts_with("REKEY UNKNOWN - ") && line.contains(&subscription),
        "{line}"
    );
    assert!(line.contains("AuthorizationFailed"), "{line}");
    assert_eq!(blind_ids(&report, "subscription"), vec![subscription]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_that_persists_on_a_subscription_is_unknown() {
    let (sim, rekey) = lab(false).await;
    // `Retry-After: 0` keeps the retries quick; the answer still never succeeds.
    let subscription = break_first_subscription(&sim, 500, "InternalServerError", Some("0"));
    let (code, line, report) = check(&rekey).await;
    assert_eq!(code, Some(3), "{line}");
    assert!(
        line.contains(&subscription) && line.contains("InternalServerError"),
        "{line}"
    );
    assert_eq!(blind_ids(&report, "subscription"), vec![subscription]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_that_cannot_be_read_is_unknown() {
    let (sim, rekey) = lab(false).await;
    sim.sim()
        .faults
        .add(respond(
            "GET",
            "/subscriptions",
            500,
            "InternalServerError",
            Some("0"),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, line, report) = check(&rekey).await;
    assert_eq!(code, Some(3), "{line}");
    let tenant = sim.tenant_id().to_string().to_ascii_lowercase();
    assert!(line.to_ascii_lowercase().contains(&tenant), "{line}");
    assert_eq!(blind_ids(&report, "tenant"), vec![tenant]);
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_credentials_that_cannot_be_read_are_unknown() {
    let (sim, rekey) = lab(false).await;
    sim.sim()
        .faults
        .add(respond(
            "POST",
            "*/$batch",
            403,
            "Authorization_RequestDenied",
            None,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, line, report) = check(&rekey).await;
    assert_eq!(code, Some(3), "{line}");
    assert!(line.contains("credentials of app"), "{line}");
    assert!(!blind_ids(&report, "credentials").is_empty(), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_a_known_critical_the_blind_spot_is_still_named() {
    let (sim, rekey) = lab(true).await;
    let subscription = break_first_subscription(&sim, 403, "AuthorizationFailed", None);
    let (code, line, report) = check(&rekey).await;
    assert_eq!(code, Some(2), "{line}");
    assert!(
        line.starts_with("REKEY CRITICAL - ") && line.contains(&subscription),
        "{line}"
    );
    assert_eq!(blind_ids(&report, "subscription"), vec![subscription]);
}
