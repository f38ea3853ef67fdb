//! `rekey migrate` as a user runs it on the demo tenant: the plan of every service-principal
//! cluster (as text and JSON), the refusals of bad input, and a move run to the end.

use crate::common::{args, Rekey};

#[tokio::test(flavor = "multi_thread")]
async fn the_plan_lists_every_role_each_move_needs() {
    let rekey = Rekey::new();
    let out = rekey
        .run(
            &args(&[
                "migrate",
                "--plan",
                "--json",
                "--cluster",
                "aks-stg-weu",
                "--cluster",
                "aks-payments",
            ]),
            None,
        )
        .await;
    let plan = out.json();
    let clusters = plan["clusters"].as_array().cloned().unwrap_or_default();
    assert_eq!(clusters.len(), 2, "{plan}");
    let by_name = |n: &str| {
        clusters
            .iter()
            .find(|c| c["name"] == n)
            .cloned()
            .unwrap_or_default()
    };
    let stg = by_name("aks-stg-weu");
    assert_eq!(stg["identity"]["kind"], "userAssigned", "{stg}");
    assert!(stg["grants"]
        .as_array()
        .is_some_and(|g| g.iter().any(|g| g["role"] == "Private DNS Zone Contributor"
            && g["who"] == "controlPlane"
            && g["source"]
                .as_str()
                .is_some_and(|s| s.contains("private-clusters")))));
    let payments = by_name("aks-payments");
    assert!(payments["grants"]
        .as_array()
        .is_some_and(|g| g.iter().any(|g| g["role"] == "AcrPull" && g["who"] == "kubelet")));
    assert!(payments["pools"].as_array().is_some_and(|p| !p.is_empty()));
    // Text: the same, for people.
    let text = rekey
        .run(&args(&["migrate", "--plan", "--cluster", "aks-stg-weu"]), None)
        .await;
    let shown = text.ok();
    assert!(shown.contains("Private DNS Zone Contributor"), "{shown}");
    assert!(shown.contains("before the update"), "{shown}");
    assert!(shown.contains("Node image upgrades"), "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_and_an_unconfirmed_move_change_nothing() {
    let rekey = Rekey::new();
    let bad = rekey
        .run(
            &args(&[
                "migrate",
                "--cluster",
                "aks-ops-tools",
                "--identity",
                "/tenants/x",
            ]),
            None,
        )
        .await;
    assert!(!bad.success());
    assert!(bad.stderr.contains("--identity"), "{}", bad.stderr);
    let none = rekey.run(&args(&["migrate"]), None).await;
    assert!(!none.success());
    assert!(none.stderr.contains("--cluster"), "{}", none.stderr);
    // No terminal to confirm on, and no --yes.
    let unconfirmed = rekey
        .run(&args(&["migrate", "--cluster", "aks-ops-tools"]), Some(""))
        .await;
    assert!(!unconfirmed.success());
    assert!(unconfirmed.stderr.contains("--yes"), "{}", unconfirmed.stderr);
    let msi = rekey
        .run(&args(&["migrate", "--cluster", "aks-web-msi", "--yes"]), None)
        .await;
    assert!(!msi.success());
    assert!(
        msi.stderr.contains("already uses a managed identity"),
        "{}",
        msi.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_move_runs_to_the_end_and_prints_json() {
    let rekey = Rekey::new();
    let out = rekey
        .run(
            &args(&[
                "migrate",
                "--cluster",
                "aks-ops-tools",
                "--identity",
                "system",
                "--yes",
                "--json",
            ]),
            None,
        )
        .await;
    let results = out.json();
    // The settings' default grace period: the old principal's secrets go a day later.
    assert_eq!(results[0]["outcome"], "retirePending", "{results} {}", out.stderr);
    assert!(results[0]["retireAfter"].is_string(), "{results}");
    assert_eq!(results[0]["poolsUpgraded"][0], "nodepool1");
    assert!(out.stderr.contains("update cluster"), "{}", out.stderr);
}
