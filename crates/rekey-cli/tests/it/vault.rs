//! `rekey vault list | copy | reveal | delete`, the binary itself: against the real Secret Service
//! (the D-Bus session of `crates/rekey-core/tests/with-secret-service.sh`), the simulator for the
//! Azure check, a pseudo-terminal for the person at the keyboard, and the X display's clipboard
//! (`xvfb-run -a`). Without a keyring or a display the tests fail, unless
//! `REKEY_SKIP_KEYRING_TESTS=1` / `REKEY_SKIP_DISPLAY_TESTS=1` say to skip them.
#![cfg(target_os = "linux")]

#[path = "../../../rekey-core/tests/it/common/admin_graph.rs"]
mod admin_graph;
#[path = "../../../rekey-core/tests/it/common/display.rs"]
mod display;
#[path = "../../../rekey-core/tests/it/common/keyring.rs"]
mod keyring;
#[path = "../../../rekey-core/tests/it/common/leaks.rs"]
mod leaks;

use std::ffi::CString;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{args, finish, new_client_secret, simulator, sp_login, write_file, Rekey, Run};
use admin_graph::{add_password, remove_password};
use chrono::Utc;
use display::{clipboard_text, clipboard_turn, copy_other, wait_for_clipboard};
use keyring::{items_for, real_keyring};
use leaks::{files_holding, holds, prove_search_finds};
use rekey_core::audit::AuditRecord;
use rekey_core::inventory::model::CredentialOwner;
use rekey_core::paths::AppPaths;
use rekey_core::vault::{Vault, VaultEntry, SERVICE};
use rekey_sim::RunningSim;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// A vault in the test's REKEY_HOME, on the real keyring
// ---------------------------------------------------------------------------------------------

/// The vault the `rekey` under test uses, opened by the test too, and every keyring account the
/// test stored (deleted, and checked gone, at the end).
#[derive(Clone)]
struct Home {
    rekey: Arc<Rekey>,
    vault: Vault,
    stored: Arc<Mutex<Vec<String>>>,
}

impl Home {
    async fn put(&self, entry: &VaultEntry, secret: &SecretString) {
        self.stored.lock().unwrap().push(entry.account());
        self.vault.put(entry.clone(), secret).await.unwrap();
    }

    fn audit(&self) -> Vec<AuditRecord> {
        self.vault.audit().read_blocking().unwrap().0
    }
}

/// Runs `body` with a `rekey` whose keyring is the real Secret Service, then deletes what the test
/// stored and checks that the keyring holds none of it, whether `body` passed or not.
async fn with_home<F, Fut>(test: &str, body: F)
where
    F: FnOnce(Home) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(store) = real_keyring(test).await else {
        return;
    };
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    let rekey = Rekey::new().env("DBUS_SESSION_BUS_ADDRESS", bus);
    let vault = Vault::open(&AppPaths::at(rekey.home.path())).await.unwrap();
    let home = Home {
        rekey: Arc::new(rekey),
        vault,
        stored: Arc::default(),
    };
    let outcome = tokio::spawn(body(home.clone())).await;
    let stored = home.stored.lock().unwrap().clone();
    for account in &stored {
        store.delete(SERVICE, account).await.unwrap();
        assert_eq!(
            items_for(SERVICE, account).await,
            0,
            "the keyring still holds {account}"
        );
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn new_secret() -> SecretString {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    SecretString::from(format!("Xq8~{a}{}", &b[..4]))
}

const CLUSTER: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-prod/\
                       providers/Microsoft.ContainerService/managedClusters/aks-prod-weu";

fn entry(tenant: &str, app: &str, key_id: &str, secret: &SecretString, clusters: &[&str]) -> VaultEntry {
    VaultEntry {
        tenant_id: tenant.into(),
        app_id: app.into(),
        key_id: key_id.into(),
        hint: Some(secret.expose_secret()[..3].to_string()),
        display_name: Some("rekey test".into()),
        app_display_name: Some("aks-prod-weu-sp".into()),
        owner: CredentialOwner::Application,
        created: Utc::now(),
        expires: Some(Utc::now() + chrono::Duration::days(90)),
        clusters: clusters.iter().map(|c| c.to_string()).collect(),
        rotation_id: None,
        key_vault: None,
    }
}

/// A secret of an app in a tenant of its own, given to `clusters`.
fn lone_entry(clusters: &[&str]) -> (VaultEntry, SecretString) {
    let secret = new_secret();
    let e = entry(
        &uuid::Uuid::new_v4().to_string(),
        &uuid::Uuid::new_v4().to_string(),
        &uuid::Uuid::new_v4().to_string(),
        &secret,
        clusters,
    );
    (e, secret)
}

/// `vault` then `rest`.
fn vault_args(rest: &[&str]) -> Vec<String> {
    let mut all = args(&["vault"]);
    all.extend(args(rest));
    all
}

// ---------------------------------------------------------------------------------------------
// The simulator: a signed-in service principal, and secrets added and removed in Azure
// ---------------------------------------------------------------------------------------------

/// Signs the demo administrator in as a service principal (secret from a file: no keyring).
async fn sign_in(sim: &RunningSim, rekey: &Rekey) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "secret.txt", &new_client_secret(sim).await);
    let file = file.display().to_string();
    rekey
        .run(&sp_login(sim, &["--client-secret-file", &file]), None)
        .await
        .ok();
    dir
}

// ---------------------------------------------------------------------------------------------
// A terminal: none (a new session without one), or a pseudo-terminal the test types into
// ---------------------------------------------------------------------------------------------

/// The master side of a pseudo-terminal, and everything the program wrote to it.
struct Pty {
    master: std::fs::File,
    slave: CString,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    fn open() -> Pty {
        // SAFETY: plain libc calls on a descriptor this function owns; the name is copied out of
        // the buffer ptsname_r filled in.
        unsafe {
            let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            assert!(fd >= 0, "posix_openpt: {}", std::io::Error::last_os_error());
            assert_eq!(libc::grantpt(fd), 0);
            assert_eq!(libc::unlockpt(fd), 0);
            let mut name = [0 as libc::c_char; 256];
            assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
            Pty {
                master: std::fs::File::from_raw_fd(fd),
                slave: std::ffi::CStr::from_ptr(name.as_ptr()).to_owned(),
                output: Arc::default(),
            }
        }
    }

    /// Copies what the program writes to the terminal into `output`, until it closes it.
    fn record(&self) {
        let mut master = self.master.try_clone().unwrap();
        let output = self.output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the last program holding the terminal has exited.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                output.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
    }

    fn shown(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Types `answer` and Enter once `prompt` is on the terminal, from another thread.
    fn answer_when(&self, prompt: &str, answer: &str) -> tokio::task::JoinHandle<()> {
        let mut master = self.master.try_clone().unwrap();
        let output = self.output.clone();
        let (prompt, answer) = (prompt.to_string(), answer.to_string());
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let shown = || String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
            while !shown().contains(&prompt) {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "no {prompt:?} on the terminal: {}",
                    shown()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            master.write_all(format!("{answer}\n").as_bytes()).unwrap();
        })
    }
}

/// `command` run in a session of its own: with `pty` as its controlling terminal, or with none.
fn in_new_session(command: &mut tokio::process::Command, pty: Option<&Pty>) {
    let slave = pty.map(|p| p.slave.clone());
    // SAFETY: only async-signal-safe calls (setsid, open, ioctl) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if let Some(slave) = &slave {
                let fd = libc::open(slave.as_ptr(), libc::O_RDWR);
                if fd < 0 || libc::ioctl(fd, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Runs `rekey args…` with no terminal at all.
async fn run_without_terminal(rekey: &Rekey, args: &[String]) -> Run {
    let mut command = rekey.command(args);
    in_new_session(&mut command, None);
    finish(command.spawn().unwrap()).await
}

/// Runs `rekey args…` at a terminal where the person answers `answer` to the prompt ending in
/// `[y/N]`, with `env` set; returns the run (stdout and stderr: pipes, not the terminal) and what
/// the terminal showed.
async fn run_at_terminal(
    rekey: &Rekey,
    args: &[String],
    answer: &str,
    env: &[(&str, &str)],
) -> (Run, String) {
    let pty = Pty::open();
    pty.record();
    let mut command = rekey.command(args);
    command.envs(env.iter().copied());
    in_new_session(&mut command, Some(&pty));
    let child = command.spawn().unwrap();
    let typing = pty.answer_when("[y/N]", answer);
    let run = finish(child).await;
    typing.abort();
    // The last of what the program wrote, still on its way through the terminal.
    tokio::time::sleep(Duration::from_millis(200)).await;
    (run, pty.shown())
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn vault_without_a_keyring_says_how_to_start_one() {
    // `Rekey::new` points the session bus nowhere: there is no Secret Service.
    let rekey = Rekey::new();
    for command in [
        vec!["list"],
        vec!["copy", "abcdef12"],
        vec!["reveal", "abcdef12"],
        vec!["delete", "abcdef12"],
    ] {
        let run = rekey.run(&vault_args(&command), None).await;
        assert_eq!(run.code, Some(1), "{command:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{command:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("is not available")
                && run
                    .stderr
                    .contains("No Secret Service is running: install and start gnome-keyring")
                && run.stderr.contains("(code: keyring_unavailable)"),
            "{command:?}: {}",
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn vault_list_shows_each_secret_and_whether_azure_still_has_it() {
    with_home(
        "vault_list_shows_each_secret_and_whether_azure_still_has_it",
        |home| async move {
            let rekey = &home.rekey;
            let empty = rekey.run(&vault_args(&["list"]), None).await;
            assert!(empty.ok().contains("The vault is empty"), "{empty:?}");
            assert_eq!(
                rekey.run(&vault_args(&["list", "--json"]), None).await.json(),
                json!([])
            );

            let sim = simulator().await;
            let _secret_file = sign_in(&sim, rekey).await;
            let tenant = sim.tenant_id().to_string();
            let app = sim.demo_admin.client_id.to_string();
            let (kept_key, kept_secret) = add_password(&sim).await;
            let (removed_key, removed_secret) = add_password(&sim).await;
            let kept = entry(&tenant, &app, &kept_key, &kept_secret, &[CLUSTER]);
            let removed = entry(&tenant, &app, &removed_key, &removed_secret, &[]);
            let (elsewhere, elsewhere_secret) = lone_entry(&[]);
            home.put(&kept, &kept_secret).await;
            home.put(&removed, &removed_secret).await;
            home.put(&elsewhere, &elsewhere_secret).await;
            remove_password(&sim, &removed_key).await;

            let listed = rekey.run(&vault_args(&["list", "--json"]), None).await;
            let rows = listed.json();
            let rows = rows.as_array().unwrap();
            assert_eq!(rows.len(), 3, "{rows:?}");
            let row = |key: &str| rows.iter().find(|r| r["keyId"] == key).unwrap().clone();
            let kept_row = row(&kept_key);
            assert_eq!(kept_row["inAzure"], "present");
            assert_eq!(kept_row["inKeyring"], true);
            assert_eq!(kept_row["clusters"], json!([CLUSTER]));
            assert_eq!(kept_row["hint"], kept_secret.expose_secret()[..3]);
            assert_eq!(row(&removed_key)["inAzure"], "removed");
            let other = row(&elsewhere.key_id);
            assert_eq!(other["inAzure"], "unknown");
            assert!(
                other["azureProblem"]
                    .as_str()
                    .unwrap()
                    .contains("No signed-in account can reach the tenant"),
                "{other}"
            );

            let table = rekey.run(&vault_args(&["list"]), None).await;
            let text = table.ok();
            let header = text.lines().next().unwrap();
            for column in [
                "KEY ID",
                "APP",
                "HINT",
                "EXPIRES",
                "CLUSTERS",
                "IN KEYRING",
                "IN AZURE",
                "LAST USED",
                "ALSO IN KEY VAULT",
            ] {
                assert!(header.contains(column), "{header}");
            }
            let cells = |key: &str| -> Vec<String> {
                let line = text.lines().find(|l| l.starts_with(key)).unwrap();
                line.split_whitespace().map(str::to_string).collect()
            };
            let kept_cells = cells(&kept_key);
            assert!(kept_cells.contains(&"aks-prod-weu".to_string()), "{text}");
            // … in keyring, in Azure, last used (the report has no sign-in with these), Key Vault.
            let tail = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            assert!(
                kept_cells.ends_with(&tail(&["yes", "present", "not", "seen", "-"])),
                "{text}"
            );
            assert!(
                cells(&removed_key).ends_with(&tail(&["-", "yes", "removed", "not", "seen", "-"])),
                "{text}"
            );
            // No session reaches its tenant: neither presence nor use is known.
            assert!(
                cells(&elsewhere.key_id).ends_with(&tail(&["unknown", "-", "-"])),
                "{text}"
            );
            assert!(
                table
                    .stderr
                    .contains("unknown in Azure: No signed-in account can reach"),
                "{}",
                table.stderr
            );
            for secret in [&kept_secret, &removed_secret, &elsewhere_secret] {
                listed.never_shows(secret.expose_secret());
                table.never_shows(secret.expose_secret());
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn vault_list_in_demo_mode_checks_the_simulated_tenant_only() {
    with_home(
        "vault_list_in_demo_mode_checks_the_simulated_tenant_only",
        |home| async move {
            let (elsewhere, secret) = lone_entry(&[CLUSTER]);
            home.put(&elsewhere, &secret).await;
            let listed = home.rekey.run(&vault_args(&["list", "--json"]), None).await;
            let rows = listed.json();
            assert_eq!(rows[0]["inAzure"], "unknown");
            assert!(
                rows[0]["azureProblem"]
                    .as_str()
                    .unwrap()
                    .contains("Demo mode reaches the simulated tenant only"),
                "{rows}"
            );
            assert!(listed.stderr.contains("Demo mode:"), "{}", listed.stderr);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn vault_reveal_writes_to_the_terminal_only_after_confirmation() {
    with_home(
        "vault_reveal_writes_to_the_terminal_only_after_confirmation",
        |home| async move {
            let (secret_entry, secret) = lone_entry(&[]);
            home.put(&secret_entry, &secret).await;
            let value = secret.expose_secret();
            let key = &secret_entry.key_id[..8];

            // No terminal (a service, a pipeline started without one): refused, nothing revealed.
            let refused = run_without_terminal(&home.rekey, &vault_args(&["reveal", key])).await;
            assert_eq!(refused.code, Some(1));
            assert!(
                refused.stderr.contains("shows a secret on a terminal only"),
                "{}",
                refused.stderr
            );
            refused.never_shows(value);

            // The person says no.
            let (declined, screen) =
                run_at_terminal(&home.rekey, &vault_args(&["reveal", key]), "n", &[]).await;
            assert_eq!(declined.code, Some(1), "{declined:?}");
            assert!(declined.stderr.contains("Not revealed"), "{}", declined.stderr);
            assert!(
                screen.contains("on this terminal? Anyone who can see your screen"),
                "{screen}"
            );
            assert!(!screen.contains(value));
            assert!(!home.audit().iter().any(|r| r.action == "vault.reveal"));

            // The person says yes: the value is on the terminal, and on neither stdout nor stderr.
            let (shown, screen) = run_at_terminal(&home.rekey, &vault_args(&["reveal", key]), "y", &[]).await;
            assert!(shown.success(), "{shown:?}\n{screen}");
            assert!(screen.contains(value), "the terminal shows the secret: {screen}");
            shown.never_shows(value);
            let records = home.audit();
            let [reveal] = records.as_slice() else {
                panic!("one record: {records:?}");
            };
            assert_eq!(
                (reveal.action.as_str(), reveal.outcome.as_str()),
                ("vault.reveal", "ok")
            );
            assert!(
                reveal.actor.starts_with("local"),
                "no account is signed in: {reveal:?}"
            );
            assert_eq!(reveal.new_key_id.as_deref(), Some(secret_entry.key_id.as_str()));
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn vault_delete_asks_first_when_a_cluster_may_still_use_the_secret() {
    with_home(
        "vault_delete_asks_first_when_a_cluster_may_still_use_the_secret",
        |home| async move {
            let rekey = &home.rekey;
            let sim = simulator().await;
            let _secret_file = sign_in(&sim, rekey).await;
            let tenant = sim.tenant_id().to_string();
            let app = sim.demo_admin.client_id.to_string();
            let (key, secret) = add_password(&sim).await;
            let in_use = entry(&tenant, &app, &key, &secret, &[CLUSTER]);
            home.put(&in_use, &secret).await;
            let (unused, unused_secret) = lone_entry(&[]);
            home.put(&unused, &unused_secret).await;

            // Given to a cluster and still in Azure: no terminal to ask on, so not deleted.
            let refused = run_without_terminal(rekey, &vault_args(&["delete", &key[..8]])).await;
            assert_eq!(refused.code, Some(1), "{refused:?}");
            assert!(
                refused
                    .stderr
                    .contains("was given to 1 cluster (aks-prod-weu), and Azure still has its credential"),
                "{}",
                refused.stderr
            );
            assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
            // At a terminal, the person says no.
            let (declined, screen) =
                run_at_terminal(rekey, &vault_args(&["delete", &key[..8]]), "n", &[]).await;
            assert_eq!(declined.code, Some(1), "{declined:?}");
            assert!(screen.contains("Delete it anyway? [y/N]"), "{screen}");
            assert_eq!(home.vault.entries().await.unwrap().len(), 2);
            assert_eq!(items_for(SERVICE, &in_use.account()).await, 1);

            // --yes deletes it, keyring item and index row, and the audit log names the account.
            let deleted = run_without_terminal(rekey, &vault_args(&["delete", &key[..8], "--yes"])).await;
            assert!(deleted.ok().contains("Deleted the secret"), "{deleted:?}");
            assert_eq!(items_for(SERVICE, &in_use.account()).await, 0);
            assert_eq!(home.vault.entries().await.unwrap(), vec![unused.clone()]);
            let record = home
                .audit()
                .into_iter()
                .find(|r| r.action == "vault.delete")
                .unwrap();
            assert_eq!(record.outcome, "ok");
            assert_eq!(record.actor, app, "the signed-in service principal");

            // Given to no cluster: deleted without a question, terminal or not.
            let deleted = run_without_terminal(rekey, &vault_args(&["delete", &unused.key_id])).await;
            assert!(deleted.ok().contains("Deleted the secret"), "{deleted:?}");
            assert!(home.vault.entries().await.unwrap().is_empty());
            assert_eq!(items_for(SERVICE, &unused.account()).await, 0);

            let missing = rekey.run(&vault_args(&["delete", &unused.key_id]), None).await;
            assert_eq!(missing.code, Some(1));
            assert!(missing.stderr.contains("rekey vault list"), "{}", missing.stderr);
            for run in [&refused, &declined] {
                run.never_shows(secret.expose_secret());
            }
        },
    )
    .await;
}

/// A `rekey vault copy` running, and what it printed first.
struct Copying {
    child: tokio::process::Child,
    first: String,
    rest: tokio::task::JoinHandle<String>,
}

/// Starts `rekey vault copy KEY` with the display and `env`; returns once it says it copied.
async fn start_copy(rekey: &Rekey, key: &str, env: &[(&str, &str)]) -> Copying {
    let display = std::env::var_os("DISPLAY").unwrap_or_default();
    let mut command = rekey.command(&vault_args(&["copy", key]));
    command.env("DISPLAY", display).envs(env.iter().copied());
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap_or_default();
    assert!(first.starts_with("Copied the secret"), "{first}");
    assert!(first.contains("cleared in 30 s"), "{first}");
    let rest = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    Copying { child, first, rest }
}

impl Copying {
    /// Ctrl-C.
    fn interrupt(&self) {
        let pid = self.child.id().unwrap() as libc::pid_t;
        // SAFETY: a signal to the child this test spawned and still waits for.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    }

    /// Waits for it to end; stdout holds all it printed.
    async fn finish(self) -> Run {
        let mut run = finish(self.child).await;
        run.stdout = format!("{}\n{}{}", self.first, self.rest.await.unwrap(), run.stdout);
        run
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn clipboard_vault_copy_serves_the_secret_until_it_is_cleared() {
    const TEST: &str = "clipboard_vault_copy_serves_the_secret_until_it_is_cleared";
    let Some(_clipboard) = clipboard_turn(TEST).await else {
        return;
    };
    with_home(TEST, |home| async move {
        let (copied, secret) = lone_entry(&[]);
        home.put(&copied, &secret).await;
        let value = secret.expose_secret().to_string();
        let key = copied.key_id[..10].to_string();

        // Ctrl-C takes it back at once.
        let copying = start_copy(&home.rekey, &key, &[]).await;
        wait_for_clipboard(Duration::from_secs(10), |t| t == Some(value.as_str()));
        copying.interrupt();
        let run = copying.finish().await;
        assert!(run.success(), "{run:?}");
        assert!(
            run.stdout.contains("The clipboard was cleared."),
            "{}",
            run.stdout
        );
        assert_ne!(clipboard_text().as_deref(), Some(value.as_str()));
        run.never_shows(&value);

        // Something else copied meanwhile is left alone, and the command ends.
        let copying = start_copy(&home.rekey, &key, &[]).await;
        wait_for_clipboard(Duration::from_secs(10), |t| t == Some(value.as_str()));
        let other = copy_other("kubectl get nodes");
        let run = copying.finish().await;
        assert!(run.success(), "{run:?}");
        assert!(
            run.stdout.contains("the clipboard was left alone"),
            "{}",
            run.stdout
        );
        assert_eq!(clipboard_text().as_deref(), Some("kubectl get nodes"));
        drop(other);

        let copies = home
            .audit()
            .into_iter()
            .filter(|r| r.action == "vault.copy" && r.outcome == "ok")
            .count();
        assert_eq!(copies, 2);

        // Without a display: the error says to reveal on a terminal instead.
        let run = home.rekey.run(&vault_args(&["copy", &key]), None).await;
        assert_eq!(run.code, Some(1));
        assert!(
            run.stderr.contains("graphical session") && run.stderr.contains("rekey vault reveal"),
            "{}",
            run.stderr
        );
    })
    .await;
}

/// Store, then `rekey vault list` (table and JSON), `copy` and `reveal` with `REKEY_LOG=trace`:
/// the value is in no file of REKEY_HOME, in no log line and in nothing the commands printed. It
/// is on the terminal after `reveal`, where it was asked for.
#[tokio::test(flavor = "multi_thread")]
async fn leak_clipboard_cli_commands_print_and_log_no_secret() {
    const TEST: &str = "leak_clipboard_cli_commands_print_and_log_no_secret";
    let Some(_clipboard) = clipboard_turn(TEST).await else {
        return;
    };
    with_home(TEST, |home| async move {
        let sim = simulator().await;
        let rekey = &home.rekey;
        let _secret_file = sign_in(&sim, rekey).await;
        let (key, secret) = add_password(&sim).await;
        let stored = entry(
            &sim.tenant_id().to_string(),
            &sim.demo_admin.client_id.to_string(),
            &key,
            &secret,
            &[CLUSTER],
        );
        home.put(&stored, &secret).await;
        let value = secret.expose_secret().to_string();
        let trace = [("REKEY_LOG", "trace")];

        let mut printed = Vec::new();
        let mut keep = |run: &Run| {
            printed.extend_from_slice(run.stdout.as_bytes());
            printed.extend_from_slice(run.stderr.as_bytes());
        };
        for list in [vec!["list"], vec!["list", "--json"]] {
            let mut command = rekey.command(&vault_args(&list));
            command.envs(trace);
            let run = finish(command.spawn().unwrap()).await;
            assert!(run.stdout.contains("present"), "{run:?}");
            keep(&run);
        }
        let copying = start_copy(rekey, &key, &trace).await;
        wait_for_clipboard(Duration::from_secs(10), |t| t == Some(value.as_str()));
        copying.interrupt();
        let copied = copying.finish().await;
        assert!(copied.success(), "{copied:?}");
        keep(&copied);
        let (revealed, screen) = run_at_terminal(rekey, &vault_args(&["reveal", &key]), "y", &trace).await;
        assert!(revealed.success(), "{revealed:?}");
        keep(&revealed);
        assert!(screen.contains(&value), "reveal showed it on the terminal");

        let logged = String::from_utf8_lossy(&printed).into_owned();
        assert!(logged.contains("TRACE"), "the commands logged at trace level");
        assert_eq!(
            files_holding(&[rekey.home.path()], &value),
            Vec::<std::path::PathBuf>::new()
        );
        assert!(!holds(&printed, &value), "a command printed or logged the secret");
        prove_search_finds(rekey.home.path(), &printed, &value);
    })
    .await;
}
