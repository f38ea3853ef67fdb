//! Sign-ins remembered across commands through a real Secret Service: a private session bus with
//! gnome-keyring (as `scripts/setup-debian.sh` installs for the tests), its files in a temp dir.
//! One test: it points this process's session bus at the private one, to look in the keyring itself
//! and to sign in as the desktop app does.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{args, device_code_login, new_client_secret, simulator, sp_login, Rekey};
use rekey_core::auth::token_cache::TokenCache;
use rekey_core::cloud::CloudSetting;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;
use rekey_core::workspace::{ServicePrincipalSecret, Workspace};
use rekey_sim::RunningSim;
use secrecy::{ExposeSecret, SecretString};

/// A session bus and gnome-keyring with an unlocked login keyring, stopped when dropped.
struct TestKeyring {
    bus: Child,
    daemon: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl TestKeyring {
    /// `None` (and the reason on stderr) when dbus-daemon or gnome-keyring-daemon is not installed.
    fn start() -> Option<TestKeyring> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let socket = dir.path().join("bus");
        let bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut bus = match bus {
            Ok(bus) => bus,
            Err(e) => {
                eprintln!("SKIPPED: dbus-daemon cannot start ({e}); install dbus and gnome-keyring");
                return None;
            }
        };
        let mut address = String::new();
        if let Some(out) = bus.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut address);
        }
        let address = address.trim().to_string();
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon printed no address: {address:?}"
        );
        let data = dir.path().join("data");
        let daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut daemon = match daemon {
            Ok(daemon) => daemon,
            Err(e) => {
                let _ = bus.kill();
                let _ = bus.wait();
                eprintln!("SKIPPED: gnome-keyring-daemon cannot start ({e}); install gnome-keyring");
                return None;
            }
        };
        // `--unlock` reads the login keyring's password; a new keyring is created with it.
        if let Some(mut stdin) = daemon.stdin.take() {
            let _ = stdin.write_all(b"rekey-test");
        }
        let keyring = TestKeyring {
            bus,
            daemon,
            address,
            _dir: dir,
        };
        wait_for(&data.join("keyrings").join("login.keyring"));
        Some(keyring)
    }
}

fn wait_for(file: &Path) {
    let started = Instant::now();
    while !file.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "gnome-keyring made no {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for TestKeyring {
    fn drop(&mut self) {
        for child in [&mut self.daemon, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ins_are_remembered_by_the_keyring_and_shared_with_the_app() {
    let Some(keyring) = TestKeyring::start() else {
        return;
    };
    // Before anything in this process opens the keyring, so that the core finds the test one.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    let sim = simulator().await;
    remembered_until_logout(&sim, &keyring).await;
    the_apps_sign_ins_work_in_the_cli(&sim, &keyring).await;
}

/// The secret the token cache in `home` holds for `account_id`, read as the app reads it.
async fn saved_secret(home: &Path, account_id: &str) -> Option<String> {
    let store = SecureStore::platform()
        .await
        .unwrap_or_else(|e| panic!("test keyring: {e}"));
    let tokens = TokenCache::open(&AppPaths::at(home), Some(store)).await;
    tokens.get(account_id).map(|s| s.expose_secret().to_owned())
}

async fn remembered_until_logout(sim: &RunningSim, keyring: &TestKeyring) {
    let rekey = Rekey::new().env("DBUS_SESSION_BUS_ADDRESS", &keyring.address);

    // A person: the refresh token outlives the command that signed in.
    let login = device_code_login(sim, &rekey, true).await;
    login.ok();
    assert!(!login.stderr.contains("keyring"), "{}", login.stderr);
    assert!(rekey.home_file("token-cache.bin").exists());
    for _ in 0..2 {
        // Twice: the second run redeems the refresh token the first one rotated and saved.
        // Contoso's twelve and, as a guest in Fabrikam's tenant, its one.
        let clusters = rekey.run(&args(&["clusters", "--json"]), None).await;
        assert_eq!(
            clusters.json().as_array().map(Vec::len),
            Some(13),
            "{}",
            clusters.stderr
        );
        assert!(!clusters.stderr.contains("warning"), "{}", clusters.stderr);
    }

    // A service principal: a secret piped in is kept encrypted in the token cache, as the app keeps it.
    let secret = new_client_secret(sim).await;
    let tenant = sim.tenant_id().to_string();
    let client = sim.demo_admin.client_id.to_string();
    let sp_id = format!("sp:{client}@{tenant}");
    let sp = sp_login(sim, &[]);
    let login = rekey.run(&sp, Some(&secret)).await;
    login.ok();
    assert!(!login.stderr.contains("warning"), "{}", login.stderr);
    login.never_shows(&secret);
    assert!(
        !rekey.files_text().contains(&secret),
        "no file holds the secret in the clear"
    );
    assert_eq!(
        saved_secret(rekey.home.path(), &sp_id).await.as_ref(),
        Some(&secret)
    );

    let select = args(&[
        "account",
        "select",
        "--account",
        &sp_id,
        "--subscription",
        "Contoso Staging",
    ]);
    rekey.run(&select, None).await.ok();
    let clusters = rekey.run(&args(&["clusters", "--json"]), None).await;
    // The person still sees all thirteen; what the service principal sees too is listed once.
    assert_eq!(
        clusters.json().as_array().map(Vec::len),
        Some(13),
        "{}",
        clusters.stderr
    );
    clusters.never_shows(&secret);

    let logout = rekey.run(&args(&["logout", "--all"]), None).await;
    assert_eq!(logout.ok().lines().count(), 2, "{}", logout.stdout);
    assert!(!logout.stderr.contains("warning"), "{}", logout.stderr);
    assert_eq!(
        saved_secret(rekey.home.path(), &sp_id).await,
        None,
        "logout removes the secret"
    );
    let demo = rekey.run(&args(&["clusters", "--json"]), None).await;
    demo.ok();
    assert!(demo.stderr.contains("Demo mode"), "{}", demo.stderr);
}

/// An account the desktop app signed in (through the core's `Workspace`, as the app does) is one
/// the CLI lists and signs out.
async fn the_apps_sign_ins_work_in_the_cli(sim: &RunningSim, keyring: &TestKeyring) {
    let rekey = Rekey::new().env("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    let secret = new_client_secret(sim).await;
    let cloud = CloudSetting::Custom {
        metadata_url: format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        ca_file: Some(sim.ca_pem_path.display().to_string()),
    };
    let home = AppPaths::at(rekey.home.path());
    {
        let app = Workspace::open(&home).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(app.tokens_persisted(), "{:?}", app.storage_problem());
        let (tenant, client) = (sim.tenant_id().to_string(), sim.demo_admin.client_id.to_string());
        let secret = ServicePrincipalSecret::Value(SecretString::from(secret.clone()));
        app.sign_in_service_principal(cloud, &tenant, &client, secret)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    let clusters = rekey.run(&args(&["clusters", "--json"]), None).await;
    assert_eq!(
        clusters.json().as_array().map(Vec::len),
        Some(12),
        "{}",
        clusters.stderr
    );
    clusters.never_shows(&secret);
    rekey.run(&args(&["logout"]), None).await.ok();
    let app = Workspace::open(&home).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(app.accounts().await.is_empty());
}
