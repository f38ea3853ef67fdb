//! `rekey login --service-principal` against the simulator: the secret from a file or standard
//! input, then the account, its clusters, and signing out.

use crate::common::{args, new_client_secret, simulator, sp_login, write_file, Rekey};

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_file_signs_in_lists_the_clusters_and_signs_out() {
    let sim = simulator().await;
    let secret = new_client_secret(&sim).await;
    let rekey = Rekey::new();
    let secret_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = write_file(secret_dir.path(), "secret.txt", &format!("{secret}\n"));

    let login = rekey
        .run(
            &sp_login(&sim, &["--client-secret-file", &file.display().to_string()]),
            None,
        )
        .await;
    let client = sim.demo_admin.client_id.to_string();
    let port = sim.base_url.port().unwrap_or_default();
    assert_eq!(
        login.ok().trim(),
        format!(
            "Signed in as {client} ({}) on custom cloud 127.0.0.1:{port}",
            sim.tenant_id()
        )
    );
    // A file needs no keyring: nothing is said about it.
    assert!(!login.stderr.contains("keyring"), "{}", login.stderr);
    login.never_shows(&secret);

    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    let accounts = shown.as_array().cloned().unwrap_or_default();
    assert_eq!(accounts.len(), 1, "{shown}");
    let account = &accounts[0];
    assert_eq!(account["id"], format!("sp:{client}@{}", sim.tenant_id()));
    assert_eq!(account["method"], "servicePrincipal");
    assert_eq!(account["cloud"]["kind"], "custom");
    assert_eq!(account["cloud"]["caFile"], sim.ca_pem_path.display().to_string());
    assert_eq!(
        account["selection"],
        serde_json::json!({"tenants": [], "subscriptions": []})
    );

    // A later command reads the secret from the file again.
    let clusters = rekey.run(&args(&["clusters", "--json"]), None).await;
    let rows = clusters.json();
    assert_eq!(rows.as_array().map(Vec::len), Some(12), "{}", clusters.stderr);
    assert!(!clusters.stderr.contains("Demo mode"), "{}", clusters.stderr);
    clusters.never_shows(&secret);
    assert!(
        !rekey.files_text().contains(&secret),
        "a file in REKEY_HOME holds the secret"
    );

    let logout = rekey.run(&args(&["logout"]), None).await;
    assert!(logout.ok().contains(&client), "{}", logout.stdout);
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown, serde_json::json!([]));
    assert!(
        !rekey.files_text().contains(&file.display().to_string()),
        "the secret's file is forgotten"
    );
    let demo = rekey.run(&args(&["clusters", "--json"]), None).await;
    demo.ok();
    assert!(demo.stderr.contains("Demo mode"), "{}", demo.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_on_stdin_signs_in_but_without_a_keyring_is_not_remembered() {
    let sim = simulator().await;
    let secret = new_client_secret(&sim).await;
    let rekey = Rekey::new();

    let login = rekey
        .run(&sp_login(&sim, &[]), Some(&format!("{secret}\n")))
        .await;
    assert!(login.ok().starts_with("Signed in as"), "{}", login.stdout);
    assert!(
        login.stderr.contains("keyring is unavailable"),
        "{}",
        login.stderr
    );
    assert!(
        login.stderr.contains("client secret was not saved"),
        "{}",
        login.stderr
    );
    login.never_shows(&secret);

    let clusters = rekey.run(&args(&["clusters", "--json"]), None).await;
    assert_eq!(clusters.code, Some(1), "{}", clusters.stderr);
    assert!(
        clusters.stderr.contains("sign_in_required"),
        "{}",
        clusters.stderr
    );
    assert!(
        clusters.stderr.contains("--client-secret-file"),
        "{}",
        clusters.stderr
    );
    assert!(!rekey.files_text().contains(&secret));

    // For monitoring, an account that cannot be checked is UNKNOWN, never OK.
    let check = rekey.run(&args(&["check"]), None).await;
    assert_eq!(check.code, Some(3), "{}\n{}", check.stdout, check.stderr);
    assert!(
        check.stdout.starts_with("REKEY UNKNOWN - ") && check.stdout.contains("1 account not checked"),
        "{}",
        check.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_is_refused_in_plain_words_and_nothing_is_saved() {
    let sim = simulator().await;
    let rekey = Rekey::new();
    let wrong = "not-the-secret~0123456789abcdefghij";

    let login = rekey.run(&sp_login(&sim, &[]), Some(wrong)).await;
    assert_eq!(login.code, Some(1), "{}", login.stdout);
    assert!(login.stderr.contains("AADSTS7000215"), "{}", login.stderr);
    assert!(
        login.stderr.contains("The client secret is wrong"),
        "{}",
        login.stderr
    );
    assert!(!login.stderr.contains("panicked"), "{}", login.stderr);
    login.never_shows(wrong);
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(shown, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_selection_limits_the_subscriptions_listed() {
    let sim = simulator().await;
    let secret = new_client_secret(&sim).await;
    let rekey = Rekey::new();
    let secret_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = write_file(secret_dir.path(), "secret", &secret);
    rekey
        .run(
            &sp_login(&sim, &["--client-secret-file", &file.display().to_string()]),
            None,
        )
        .await
        .ok();
    let id = format!("sp:{}@{}", sim.demo_admin.client_id, sim.tenant_id());

    let all = rekey.run(&args(&["clusters", "--json"]), None).await.json();
    let all = all.as_array().cloned().unwrap_or_default();
    let in_platform = all
        .iter()
        .filter(|r| r["subscriptionName"] == "Contoso Platform")
        .count();
    assert!(in_platform > 0 && in_platform < all.len());
    let platform_id = all
        .iter()
        .find(|r| r["subscriptionName"] == "Contoso Platform")
        .and_then(|r| r["subscriptionId"].as_str())
        .unwrap_or_default()
        .to_string();

    // Named in any case, saved by ID (as the app saves it).
    let select = args(&[
        "account",
        "select",
        "--account",
        &id,
        "--subscription",
        "contoso platform",
    ]);
    let selected = rekey.run(&select, None).await;
    assert!(
        selected
            .ok()
            .contains(&format!("subscriptions Contoso Platform ({platform_id})")),
        "{}",
        selected.stdout
    );
    let shown = rekey
        .run(&args(&["account", "show", "--json"]), None)
        .await
        .json();
    assert_eq!(
        shown[0]["selection"]["subscriptions"],
        serde_json::json!([platform_id])
    );
    let some = rekey.run(&args(&["clusters", "--json"]), None).await.json();
    let some = some.as_array().cloned().unwrap_or_default();
    assert_eq!(some.len(), in_platform);
    assert!(some.iter().all(|r| r["subscriptionName"] == "Contoso Platform"));

    // A tenant that is not the subscriptions' selects none of them.
    let other = args(&[
        "account",
        "select",
        "--account",
        &id,
        "--tenant",
        "00000000-0000-0000-0000-000000000000",
    ]);
    rekey.run(&other, None).await.ok();
    let none = rekey.run(&args(&["clusters", "--json"]), None).await.json();
    assert_eq!(none, serde_json::json!([]));

    // No tenant or subscription: all again.
    rekey
        .run(&args(&["account", "select", "--account", &id]), None)
        .await
        .ok();
    let again = rekey.run(&args(&["clusters", "--json"]), None).await.json();
    assert_eq!(again.as_array().map(Vec::len), Some(all.len()));

    // A subscription the account cannot read is refused, with the ones it can.
    let typo = args(&[
        "account",
        "select",
        "--account",
        &id,
        "--subscription",
        "Contoso Platfrom",
    ]);
    let refused = rekey.run(&typo, None).await;
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(
        refused.stderr.contains("'Contoso Platfrom'") && refused.stderr.contains("Contoso Platform ("),
        "{}",
        refused.stderr
    );
}

/// The secret file is read again by every command. Without a keyring (as here) the account is bound
/// by a MAC under the secret itself, so another secret in the file is refused before anything is
/// sent — an edited account file could otherwise send the file's content anywhere — and one new
/// sign-in takes the rotated secret.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_rotated_in_its_file_is_picked_up() {
    let sim = simulator().await;
    let first = new_client_secret(&sim).await;
    let rekey = Rekey::new();
    let secret_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = write_file(secret_dir.path(), "secret", &first);
    rekey
        .run(
            &sp_login(&sim, &["--client-secret-file", &file.display().to_string()]),
            None,
        )
        .await
        .ok();
    let saved = std::fs::read_to_string(rekey.home_file("accounts.json")).unwrap_or_default();
    assert!(
        saved.contains(&serde_json::to_string(&file.display().to_string()).unwrap_or_default()),
        "the file is remembered by its path: {saved}"
    );

    write_file(secret_dir.path(), "secret", "not-the-secret~0123456789abcdefghij");
    let wrong = rekey.run(&args(&["clusters", "--json"]), None).await;
    assert_eq!(wrong.code, Some(1), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("account_changed"), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("sign in again"), "{}", wrong.stderr);

    let rotated = new_client_secret(&sim).await;
    write_file(secret_dir.path(), "secret", &format!("{rotated}\n"));
    rekey
        .run(
            &sp_login(&sim, &["--client-secret-file", &file.display().to_string()]),
            None,
        )
        .await
        .ok();
    let clusters = rekey.run(&args(&["clusters", "--json"]), None).await;
    assert_eq!(
        clusters.json().as_array().map(Vec::len),
        Some(12),
        "{}",
        clusters.stderr
    );
    clusters.never_shows(&rotated);
    assert!(!rekey.files_text().contains(&rotated));
    assert!(!rekey.files_text().contains(&first));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_options_are_named() {
    let rekey = Rekey::new();
    let no_tenant = rekey
        .run(&args(&["login", "--service-principal", "--client-id", "x"]), None)
        .await;
    assert_eq!(no_tenant.code, Some(1));
    assert!(
        no_tenant.stderr.contains("needs --tenant"),
        "{}",
        no_tenant.stderr
    );

    let unknown = rekey.run(&args(&["logout", "--account", "nobody"]), None).await;
    assert_eq!(unknown.code, Some(1));
    assert!(unknown.stderr.contains("unknown_account"), "{}", unknown.stderr);

    let ca_without_cloud = rekey
        .run(&args(&["--ca-file", "ca.pem", "login", "--device-code"]), None)
        .await;
    assert_eq!(ca_without_cloud.code, Some(1));
    assert!(
        ca_without_cloud
            .stderr
            .contains("--ca-file is for a custom cloud"),
        "{}",
        ca_without_cloud.stderr
    );

    let bad_cloud = rekey
        .run(&args(&["--cloud", "mars", "account", "show"]), None)
        .await;
    assert_eq!(bad_cloud.code, Some(2), "clap's usage error");
    assert!(
        bad_cloud.stderr.contains("unknown cloud 'mars'"),
        "{}",
        bad_cloud.stderr
    );
}
