//! The `rekey` binary as a user runs it, with no account signed in: the demo tenant.

use crate::common;

use crate::common::{args, Rekey};

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

/// The demo tenant has clusters whose credentials expired and some that expire within 7 days:
/// CRITICAL, as a monitoring plugin says it (exit code 2, one line with performance data).
#[tokio::test(flavor = "multi_thread")]
async fn check_on_the_demo_tenant_is_critical() {
    let rekey = Rekey::new();
    let check = rekey.run(&args(&["check"]), None).await;
    assert_eq!(check.code, Some(2), "{}\n{}", check.stdout, check.stderr);
    assert_eq!(check.stdout.lines().count(), 1, "{}", check.stdout);
    let line = check.stdout.trim();
    assert!(line.starts_with("REKEY CRITICAL - "), "{line}");
    let perf = |name: &str| -> usize {
        line.split(" | ")
            .nth(1)
            .and_then(|p| p.split(' ').find_map(|kv| kv.strip_prefix(&format!("{name}="))))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name}= in {line}"))
    };
    assert!(perf("expired") > 0 && perf("critical") > 0, "{line}");
    assert!(line.contains(&format!(
        "{} expired, {} within 7 days",
        perf("expired"),
        perf("critical")
    )));

    let json = rekey.run(&args(&["check", "--json"]), None).await;
    assert_eq!(json.code, Some(2), "{}", json.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.stdout));
    assert_eq!(report["status"], "CRITICAL");
    assert_eq!(report["exitCode"], 2);
    let counts = &report["counts"];
    let total: u64 = ["expired", "critical", "warning", "ok", "autoRotated", "unknown"]
        .iter()
        .map(|k| counts[k].as_u64().unwrap_or_default())
        .sum();
    assert_eq!(total, 12, "{counts}");
    let listed = report["clusters"].as_array().cloned().unwrap_or_default();
    assert!(
        listed.iter().any(|c| c["expiry"]["bucket"] == "expired"),
        "{listed:?}"
    );
    assert!(listed.iter().all(|c| c["expiry"]["bucket"] != "ok"));
}

/// Wider thresholds than the demo's credentials never make it better than CRITICAL (expired ones
/// stay expired), and thresholds in the wrong order are UNKNOWN, not a crash or a false OK.
#[tokio::test(flavor = "multi_thread")]
async fn check_thresholds_are_checked() {
    let rekey = Rekey::new();
    let wide = rekey
        .run(
            &args(&["check", "--warn-days", "400", "--critical-days", "0"]),
            None,
        )
        .await;
    assert_eq!(wide.code, Some(2), "{}", wide.stdout);
    assert!(wide.stdout.contains("within 0 days") && wide.stdout.contains("within 400 days"));

    let reversed = rekey
        .run(
            &args(&["check", "--warn-days", "7", "--critical-days", "30"]),
            None,
        )
        .await;
    assert_eq!(reversed.code, Some(3), "{}", reversed.stdout);
    assert!(
        reversed.stdout.starts_with("REKEY UNKNOWN - "),
        "{}",
        reversed.stdout
    );

    let bad = rekey.run(&args(&["check", "--warn-days", "soon"]), None).await;
    assert_eq!(bad.code, Some(3), "a usage error is UNKNOWN too: {}", bad.stderr);
}

/// `--csv`: the app's export, a header row with the table's columns and one row per cluster.
#[tokio::test(flavor = "multi_thread")]
async fn clusters_csv_has_the_exports_columns() {
    let rekey = Rekey::new();
    let out = rekey.run(&args(&["clusters", "--csv"]), None).await;
    let csv = out.ok();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines.first().copied(),
        Some(
            "cluster,tenant,subscription,resource group,identity,SP display name,app ID,expires,days left,status,assumed"
        )
    );
    assert_eq!(lines.len(), 13, "{csv}");
    let portal = lines
        .iter()
        .find(|l| l.starts_with("aks-portal-legacy,"))
        .unwrap_or_else(|| panic!("{csv}"));
    let fields: Vec<&str> = portal.split(',').collect();
    assert_eq!(fields.len(), 11, "{portal}");
    assert_eq!(fields[4], "servicePrincipal");
    assert!(
        ["expired", "critical", "warning", "notice", "ok", "unknown"].contains(&fields[9]),
        "{portal}"
    );
    assert!(out.stderr.contains("Demo mode"), "{}", out.stderr);
}

/// `rekey bench inventory` runs the core's benchmark on a generated estate and prints its one JSON line.
#[tokio::test(flavor = "multi_thread")]
async fn bench_inventory_prints_one_json_line() {
    let rekey = Rekey::new();
    let small = args(&[
        "bench",
        "inventory",
        "--tenants",
        "1",
        "--subscriptions",
        "5",
        "--clusters",
        "20",
        "--latency-ms",
        "1",
    ]);
    let out = rekey.run(&small, None).await;
    assert_eq!(out.ok().lines().count(), 1, "{}", out.stdout);
    let report = out.json();
    assert_eq!(report["tenants"], 1);
    assert_eq!(report["latency_ms"], 1);
    for figure in [
        "wall_s",
        "requests",
        "baseline_wall_s",
        "baseline_requests",
        "speedup",
    ] {
        assert!(report[figure].is_number(), "{figure}: {report}");
    }
    assert!(report["clusters"].as_u64().unwrap_or_default() > 0, "{report}");
}
