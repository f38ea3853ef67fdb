//! The `rekey` binary as a user runs it.

use std::process::Command;

#[test]
fn clusters_json_lists_the_demo_tenant() {
    let out = Command::new(env!("CARGO_BIN_EXE_rekey"))
        .args(["clusters", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 12);
    assert!(rows
        .iter()
        .any(|r| r["name"] == "aks-portal-legacy" && r["aadIntegration"] == "legacy"));
    assert!(rows.iter().all(|r| r.get("secret").is_none()));
}

#[test]
fn clusters_table_says_it_is_simulated() {
    let out = Command::new(env!("CARGO_BIN_EXE_rekey"))
        .arg("clusters")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().next().unwrap().starts_with("NAME"));
    assert_eq!(stdout.lines().count(), 13);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Demo mode"));
}
