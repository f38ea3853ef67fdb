//! `rekey login --device-code` approved or declined on the simulator's sign-in page, and
//! `rekey login --browser` where no browser can open.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::{args, device_code_login, simulator, with_cloud, Rekey, Run};

#[tokio::test(flavor = "multi_thread")]
async fn a_device_code_approved_elsewhere_signs_the_person_in() {
    let sim = simulator().await;
    // An organisation's own public client, instead of the Azure CLI's.
    let client_id = "6f1c9b6e-2a43-4c1e-9d0b-5c7f0e8a1b2c";
    let rekey = Rekey::new().env("REKEY_CLIENT_ID", client_id);

    let login = device_code_login(&sim, &rekey, true).await;
    let port = sim.base_url.port().unwrap_or_default();
    assert_eq!(
        login.ok().trim(),
        format!(
            "Signed in as admin@contoso-demo.onmicrosoft.com ({}) on custom cloud 127.0.0.1:{port}",
            sim.tenant_id()
        )
    );
    assert!(login.stderr.contains("/devicelogin"), "{}", login.stderr);
    // No keyring in this test: the person is told the sign-in lasts for this command only.
    assert!(
        login.stderr.contains("will not be remembered"),
        "{}",
        login.stderr
    );

    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown[0]["username"], "admin@contoso-demo.onmicrosoft.com");
    assert_eq!(shown[0]["method"], "deviceCode");
    assert_eq!(shown[0]["tenantId"], sim.tenant_id().to_string());
    let saved = std::fs::read_to_string(rekey.home_file("accounts.json")).unwrap_or_default();
    assert!(
        saved.contains(&format!("\"clientId\": \"{client_id}\"")),
        "{saved}"
    );

    // The refresh token was not kept, so listing says to sign in again (and how).
    let clusters = rekey.run(&args(&["clusters"]), None).await;
    assert_eq!(clusters.code, Some(1));
    assert!(
        clusters.stderr.contains("rekey login --device-code"),
        "{}",
        clusters.stderr
    );

    rekey.run(&args(&["logout", "--all"]), None).await.ok();
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown, serde_json::json!([]));
}

/// The client ID saved in Rekey's settings, when neither `--client-id` nor `REKEY_CLIENT_ID` is given.
#[tokio::test(flavor = "multi_thread")]
async fn the_client_id_in_the_settings_is_signed_in_through() {
    let sim = simulator().await;
    let client_id = "0d4e2b7a-61f3-4a8e-b1c9-3e5f7a9b2c4d";
    let rekey = Rekey::new();
    common::write_file(
        rekey.home.path(),
        "settings.json",
        &serde_json::json!({ "clientId": client_id }).to_string(),
    );

    device_code_login(&sim, &rekey, true).await.ok();
    let saved = std::fs::read_to_string(rekey.home_file("accounts.json")).unwrap_or_default();
    assert!(
        saved.contains(&format!("\"clientId\": \"{client_id}\"")),
        "{saved}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_device_code_fails_in_plain_words() {
    let sim = simulator().await;
    let rekey = Rekey::new();

    let login = device_code_login(&sim, &rekey, false).await;
    assert_eq!(login.code, Some(1), "{}", login.stdout);
    assert!(
        login.stderr.contains("declined on the other device"),
        "{}",
        login.stderr
    );
    assert!(login.stderr.contains("device_code_declined"), "{}", login.stderr);
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown, serde_json::json!([]));
}

/// Fails quickly and says why, whether the launchers fail (no display, `BROWSER=false`) or one
/// seems to start and nothing comes back before `--timeout-secs`.
async fn browser_fails_clearly(rekey: &Rekey, sim: &rekey_sim::RunningSim) -> Run {
    let started = Instant::now();
    let login = rekey
        .run(
            &with_cloud(sim, &["login", "--browser", "--timeout-secs", "5"]),
            None,
        )
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(login.code, Some(1), "{}", login.stdout);
    assert!(
        login.stderr.contains("browser_unavailable") || login.stderr.contains("(code: timeout)"),
        "{}",
        login.stderr
    );
    assert!(
        login.stderr.contains("rekey login --device-code"),
        "{}",
        login.stderr
    );
    assert!(!login.stderr.contains("panicked"), "{}", login.stderr);
    login
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_sign_in_without_a_display_says_so() {
    let sim = simulator().await;
    let rekey = Rekey::new();
    let login = browser_fails_clearly(&rekey, &sim).await;
    assert!(
        login.stderr.contains("could not open a web browser"),
        "{}",
        login.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_sign_in_with_a_browser_that_fails_says_so() {
    let sim = simulator().await;
    let rekey = Rekey::new().env("BROWSER", "false");
    browser_fails_clearly(&rekey, &sim).await;
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown, serde_json::json!([]));
}

/// A launcher that reports success but opens nothing: the sign-in gives up at `--timeout-secs`.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_that_never_answers_times_out() {
    use std::os::unix::fs::PermissionsExt;

    let sim = simulator().await;
    let bin = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let launcher = common::write_file(bin.path(), "xdg-open", "#!/bin/sh\nexit 0\n");
    std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let rekey = Rekey::new().env("PATH", path).env("DISPLAY", ":99");

    let started = Instant::now();
    let login = rekey
        .run(
            &with_cloud(&sim, &["login", "--browser", "--timeout-secs", "3"]),
            None,
        )
        .await;
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "gave up early: {}",
        login.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(login.code, Some(1), "{}", login.stdout);
    assert!(login.stderr.contains("within 3 seconds"), "{}", login.stderr);
    assert!(login.stderr.contains("(code: timeout)"), "{}", login.stderr);
    assert!(
        login.stderr.contains("/oauth2/v2.0/authorize?"),
        "the address is shown: {}",
        login.stderr
    );
}

/// The whole browser sign-in, with the end-to-end tests' stand-in browser (`REKEY_BROWSER`, as the
/// app takes it) filling in the simulator's sign-in page and following the redirect back.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_sign_in_completed_in_the_page_signs_the_person_in() {
    let browser = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/fake_browser.py");
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: python3 runs the stand-in browser and is not installed");
        return;
    }
    let sim = simulator().await;
    let log_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = log_dir.path().join("browser.log");
    let rekey = Rekey::new()
        .env("REKEY_BROWSER", &browser)
        .env("REKEY_E2E_BROWSER_LOG", &log);

    let login = rekey
        .run(
            &with_cloud(&sim, &["login", "--browser", "--timeout-secs", "60"]),
            None,
        )
        .await;
    let seen = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        login.ok().trim(),
        format!(
            "Signed in as admin@contoso-demo.onmicrosoft.com ({}) on custom cloud 127.0.0.1:{}",
            sim.tenant_id(),
            sim.base_url.port().unwrap_or_default()
        ),
        "browser log: {seen}"
    );
    assert!(seen.contains("You can close this tab"), "{seen}");
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown[0]["method"], "browser");
}
