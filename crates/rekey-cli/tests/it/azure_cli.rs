//! `rekey login --azure-cli` with a stand-in `az` on PATH that prints what
//! `az account get-access-token` prints, with a token the simulator issued to its demo administrator.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{args, mint_token, simulator, with_cloud, write_file, Rekey};

/// A directory with an `az` that answers `get-access-token` with `token`, and logs its arguments.
fn stand_in_az(dir: &Path, token: &str, tenant: &str) {
    let expires_on = chrono_like_now() + 3600;
    let json = serde_json::json!({
        "accessToken": token,
        "expiresOn": "2099-01-01 00:00:00.000000",
        "expires_on": expires_on,
        "subscription": "00000000-0000-0000-0000-000000000000",
        "tenant": tenant,
        "tokenType": "Bearer",
    });
    let answer = write_file(dir, "token.json", &json.to_string());
    let log = dir.join("calls.log");
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$*\" in\n  *get-access-token*) cat '{}' ;;\n  *) echo \"ERROR: unexpected az $*\" >&2; exit 1 ;;\nesac\n",
        log.display(),
        answer.display()
    );
    let az = write_file(dir, "az", &script);
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap_or_else(|e| panic!("{e}"));
}

fn chrono_like_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_azure_cli_account_signs_in_and_lists_the_clusters() {
    let sim = simulator().await;
    let tenant = sim.tenant_id().to_string();
    let token = mint_token(&sim, "admin@contoso-demo.onmicrosoft.com", "arm").await;
    let bin = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    stand_in_az(bin.path(), &token, &tenant);
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Without a keyring an Azure CLI account on a custom cloud cannot be bound to its endpoints
    // (Rekey stores no secret of it to seal with): a later command refuses it instead of following
    // an account file that may have been edited.
    let unbound = Rekey::new().env("PATH", &path);
    unbound
        .run(&with_cloud(&sim, &["login", "--azure-cli"]), None)
        .await
        .ok();
    let refused = unbound.run(&args(&["clusters", "--json"]), None).await;
    assert_ne!(refused.code, Some(0), "{}", refused.stderr);
    assert!(refused.stderr.contains("no sealed record"), "{}", refused.stderr);

    // With the test's Secret Service (scripts/test runs the tests under one) it is sealed.
    let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") else {
        if std::env::var("REKEY_SKIP_KEYRING_TESTS").as_deref() == Ok("1") {
            eprintln!(
                "SKIPPED the sealed Azure CLI account: no D-Bus session, and REKEY_SKIP_KEYRING_TESTS=1"
            );
            return;
        }
        panic!(
            "this test needs a real Secret Service: run it under crates/rekey-core/tests/with-secret-service.sh \
             (or set REKEY_SKIP_KEYRING_TESTS=1)"
        );
    };
    let rekey = Rekey::new()
        .env("PATH", &path)
        .env("DBUS_SESSION_BUS_ADDRESS", bus);

    let login = rekey
        .run(&with_cloud(&sim, &["login", "--azure-cli"]), None)
        .await;
    assert!(
        login.ok().starts_with(&format!(
            "Signed in as admin@contoso-demo.onmicrosoft.com ({tenant}) on custom cloud"
        )),
        "{}",
        login.stdout
    );
    login.never_shows(&token);
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown[0]["method"], "azureCli");
    assert_eq!(shown[0]["tenantId"], tenant);

    // Later commands ask `az` again, in the account's tenant.
    let clusters = rekey.run(&args(&["clusters", "--json"]), None).await;
    assert_eq!(
        clusters.json().as_array().map(Vec::len),
        Some(12),
        "{}",
        clusters.stderr
    );
    let calls = std::fs::read_to_string(bin.path().join("calls.log")).unwrap_or_default();
    assert!(
        calls.lines().any(|l| l.contains(&format!("--tenant {tenant}"))),
        "{calls}"
    );
    assert!(!rekey.files_text().contains(&token));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_azure_cli_the_message_says_how_to_install_it() {
    let sim = simulator().await;
    let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rekey = Rekey::new().env("PATH", empty.path());

    let login = rekey
        .run(&with_cloud(&sim, &["login", "--azure-cli"]), None)
        .await;
    assert_eq!(login.code, Some(1), "{}", login.stdout);
    assert!(login.stderr.contains("(code: azure_cli)"), "{}", login.stderr);
    assert!(
        login.stderr.contains("(az) was not found. Install it"),
        "{}",
        login.stderr
    );
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown, serde_json::json!([]));
}
