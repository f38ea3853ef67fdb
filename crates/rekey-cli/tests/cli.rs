//! The `rekey` binary as a user runs it, with no account signed in: the demo tenant.

mod common;

use common::{args, Rekey};

#[tokio::test(flavor = "multi_thread")]
async fn clusters_json_lists_the_demo_tenant() {
    let rekey = Rekey::new();
    let out = rekey.run(&args(&["clusters", "--json"]), None).await;
    let rows = out.json();
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 12);
    assert!(rows
        .iter()
        .any(|r| r["name"] == "aks-portal-legacy" && r["aadIntegration"] == "legacy"));
    assert!(rows.iter().all(|r| r.get("secret").is_none()));
    assert!(out.stderr.contains("Demo mode"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn clusters_table_says_it_is_simulated() {
    let rekey = Rekey::new();
    let out = rekey.run(&args(&["clusters"]), None).await;
    let stdout = out.ok();
    assert!(stdout.lines().next().unwrap_or_default().starts_with("NAME"));
    assert_eq!(stdout.lines().count(), 13);
    assert!(out.stderr.contains("Demo mode"));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_account_show_and_logout_say_so() {
    let rekey = Rekey::new();
    let show = rekey.run(&args(&["account", "show"]), None).await;
    assert_eq!(show.ok(), "");
    assert!(show.stderr.contains("No account is signed in"), "{}", show.stderr);
    assert_eq!(
        rekey
            .run(&args(&["account", "show", "--json"]), None)
            .await
            .json(),
        serde_json::json!([])
    );
    let logout = rekey.run(&args(&["logout"]), None).await;
    logout.ok();
    assert!(
        logout.stderr.contains("No account is signed in"),
        "{}",
        logout.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_account_list_is_kept_aside_and_reported() {
    let rekey = Rekey::new();
    common::write_file(rekey.home.path(), "accounts.json", "{ not json");
    let out = rekey.run(&args(&["account", "show", "--json"]), None).await;
    assert_eq!(out.json(), serde_json::json!([]));
    assert!(out.stderr.contains("accounts.json.broken"), "{}", out.stderr);
    assert!(rekey.home_file("accounts.json.broken").exists());
}
