//! The rotation fault matrix: `rekey rotate` against the simulator with a fault injected at each step
//! (429, 500, a cut connection, a timeout, an expired token, 409; plus an operation that ends
//! `Failed` and a 60-second replication delay), and `kill -9` of the CLI at each step followed by
//! `rekey rotations resume`; plus an `addPassword` whose answer is lost after the secret was written,
//! and a management lock (409 `ScopeLocked`) on the reset, which must fail after one attempt with
//! the lock explained. After every case the simulator and the vault are checked:
//! - secrets lost: a secret Rekey created in Azure whose value the vault does not hold;
//! - secrets left that no vault holds: any secret added to the app during the matrix (whatever its
//!   name) that the vault does not hold;
//! - clusters on a removed secret: a cluster whose credential is no longer on its app;
//! - unexplained errors: a failure without a plain message, or one `resume` could not finish.
//!
//! The matrix is printed; all but "cases run" must be zero. Needs a real Secret Service (the vault is
//! the OS keyring): run under `crates/rekey-core/tests/with-secret-service.sh`.

use std::time::Duration;

use crate::common::faults::{http_fault, journals, kill_after, outcome, respond, wait_for_event};
use crate::common::{args, finish, new_client_secret, sp_login, write_file, Rekey, Run};
use rekey_core::paths::AppPaths;
use rekey_core::vault::Vault;
use rekey_sim::faults::{FaultAction, FaultRule};
use rekey_sim::state::ClusterIdentity;
use rekey_sim::{Behaviour, RunningSim, SimConfig};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

const CLUSTER: &str = "aks-stg-weu";
const APP: &str = "aks-stg-sp";

/// A step of the rotation and the request that carries it.
struct StepTarget {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    /// The journal event after which the request is the step's (for paths other steps use too).
    after: Option<&'static str>,
}

const STEPS: [StepTarget; 6] = [
    StepTarget {
        name: "add secret",
        method: "POST",
        path: "*/addPassword",
        after: None,
    },
    StepTarget {
        name: "prove secret",
        method: "POST",
        path: "*/oauth2/v2.0/token",
        after: Some("\"secretStored\""),
    },
    StepTarget {
        name: "reset cluster",
        method: "POST",
        path: "*/resetServicePrincipalProfile",
        after: None,
    },
    StepTarget {
        name: "follow operation",
        method: "GET",
        path: "*/operations/*",
        after: None,
    },
    StepTarget {
        name: "verify",
        method: "GET",
        path: "*/managedClusters/aks-stg-weu",
        after: Some("\"resetAccepted\""),
    },
    StepTarget {
        name: "retire old",
        method: "POST",
        path: "*/removePassword",
        after: None,
    },
];

#[derive(Default)]
struct Tally {
    cases: u32,
    secrets_lost: u32,
    unheld: u32,
    on_removed_secret: u32,
    unexplained: Vec<String>,
}

struct Lab {
    sim: RunningSim,
    rekey: Rekey,
    /// The app's secrets before the matrix: everything else was added by it.
    before: Vec<String>,
}

async fn open_lab(behaviour: Behaviour, fast_clock: bool) -> Option<Lab> {
    let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") else {
        if std::env::var("REKEY_SKIP_KEYRING_TESTS").as_deref() == Ok("1") {
            eprintln!("SKIPPED the rotation fault matrix: no D-Bus session, and REKEY_SKIP_KEYRING_TESTS=1");
            return None;
        }
        panic!(
            "the rotation fault matrix needs a real Secret Service: run it under \
             crates/rekey-core/tests/with-secret-service.sh (or set REKEY_SKIP_KEYRING_TESTS=1)"
        );
    };
    let sim = rekey_sim::start_demo(SimConfig {
        behaviour,
        ..SimConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("simulator: {e}"));
    if fast_clock {
        // Simulated time runs 20× faster than the wall clock: a 60-second replication delay passes
        // in about three.
        let state = sim.sim().clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                state.state.advance_clock(chrono::Duration::seconds(2));
            }
        });
    }
    let rekey = Rekey::new()
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("REKEY_HTTP_TIMEOUT_SECS", "2");
    let secret = new_client_secret(&sim).await;
    if fast_clock {
        // Let the login secret replicate (80 simulated seconds).
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    let file = write_file(rekey.home.path(), "sp-secret.txt", &secret);
    let file = file.display().to_string();
    let login = rekey
        .run(&sp_login(&sim, &["--client-secret-file", &file]), None)
        .await;
    assert!(login.success(), "login: {}", login.stderr);
    let before = app_key_ids(&sim);
    Some(Lab { sim, rekey, before })
}

fn app_key_ids(sim: &RunningSim) -> Vec<String> {
    let world = sim.sim().state.world();
    world
        .applications
        .iter()
        .filter(|a| a.display_name == APP)
        .flat_map(|a| a.password_credentials.iter().map(|c| c.key_id.to_string()))
        .collect()
}

fn rotate_args() -> Vec<String> {
    args(&["rotate", "--cluster", CLUSTER, "--retire-old", "now", "--yes"])
}

fn fault(action: FaultAction, step: &StepTarget, times: Option<u32>) -> FaultRule {
    FaultRule {
        id: 0,
        method: Some(step.method.into()),
        path: step.path.into(),
        action,
        times,
        probability: 1.0,
    }
}

impl Lab {
    async fn rotate(&self) -> Run {
        self.rekey.run(&rotate_args(), None).await
    }

    async fn resume(&self) -> Run {
        self.rekey.run(&args(&["rotations", "resume"]), None).await
    }

    /// Checks the simulator and the vault after a case.
    async fn check(&self, case: &str, tally: &mut Tally) {
        tally.cases += 1;
        let vault = Vault::with_store(
            rekey_core::secure_store::SecureStore::platform()
                .await
                .unwrap_or_else(|e| panic!("keyring: {e}")),
            &AppPaths::at(self.rekey.home.path()),
        );
        let (creds, cluster_key) = {
            let world = self.sim.sim().state.world();
            let app = world
                .applications
                .iter()
                .find(|a| a.display_name == APP)
                .unwrap_or_else(|| panic!("app {APP}"));
            let creds: Vec<_> = app
                .password_credentials
                .iter()
                .map(|c| (c.key_id.to_string(), c.display_name.clone(), c.secret_sha256))
                .collect();
            let cluster = world
                .clusters
                .iter()
                .find(|c| c.name == CLUSTER)
                .expect("cluster");
            let key = match &cluster.identity {
                ClusterIdentity::ServicePrincipal { current_key_id, .. } => {
                    current_key_id.map(|k| k.to_string())
                }
                ClusterIdentity::ManagedIdentity { .. } => None,
            };
            (creds, key)
        };
        for (key_id, name, digest) in &creds {
            let kept = match vault.find(key_id).await {
                Ok(entry) => match vault.secret(&entry).await {
                    Ok(secret) => Sha256::digest(secret.expose_secret().as_bytes()).as_slice() == digest,
                    Err(_) => false,
                },
                Err(_) => false,
            };
            if !kept && !self.before.contains(key_id) {
                eprintln!("{case}: secret {key_id} ({name:?}) was added but no vault holds it");
                tally.unheld += 1;
            }
            if !name.as_deref().unwrap_or_default().starts_with("rekey ") {
                continue;
            }
            if !kept {
                eprintln!("{case}: secret {key_id} exists in Azure but not in the vault");
                tally.secrets_lost += 1;
            }
        }
        if let Some(key) = cluster_key {
            if !creds.iter().any(|(k, _, _)| *k == key) {
                eprintln!("{case}: {CLUSTER} holds {key}, which is no longer on its app");
                tally.on_removed_secret += 1;
            }
        }
    }

    /// A failed run must say why in words and how to go on; then `resume` must finish the job.
    async fn settle(&self, case: &str, run: &Run, tally: &mut Tally) {
        if !run.success() {
            let said = format!("{}{}", run.stdout, run.stderr);
            let explained = said.contains("rekey:")
                && !said.contains("panicked")
                && said.contains("rekey rotations resume");
            if !explained {
                tally.unexplained.push(format!("{case}: {}", run.stderr.trim()));
            }
            let resumed = self.resume().await;
            let finished =
                resumed.stdout.contains("Succeeded") || resumed.stdout.contains("Nothing to resume");
            if !resumed.success() || !finished {
                tally.unexplained.push(format!(
                    "{case}: resume did not finish: {} {}",
                    resumed.stdout, resumed.stderr
                ));
            }
        }
        // The journal's view: nothing left unfinished.
        let list = self
            .rekey
            .run(&args(&["rotations", "list", "--json"]), None)
            .await;
        let unfinished = list
            .json()
            .as_array()
            .map(|a| a.iter().filter(|r| r["outcome"].is_null()).count())
            .unwrap_or(1);
        if unfinished > 0 {
            tally
                .unexplained
                .push(format!("{case}: {unfinished} rotation(s) left unfinished"));
        }
        self.check(case, tally).await;
    }
}

/// The sequence number of the simulator's latest logged request.
fn last_request(sim: &RunningSim) -> u64 {
    sim.sim().requests.recent(1).first().map_or(0, |r| r.seq)
}

/// How many reset requests the simulator has seen after request `since`.
fn resets_since(sim: &RunningSim, since: u64) -> usize {
    sim.sim()
        .requests
        .recent(usize::MAX)
        .iter()
        .filter(|r| r.seq > since && r.method == "POST" && r.path.ends_with("/resetServicePrincipalProfile"))
        .count()
}

fn print_matrix(rows: &[(String, String)], tally: &Tally) {
    println!("\nrotation fault matrix");
    for (case, outcome) in rows {
        println!("  {case:<40} {outcome}");
    }
    println!("  cases run                      {}", tally.cases);
    println!("  secrets lost                   {}", tally.secrets_lost);
    println!("  secrets left that no vault holds: {}", tally.unheld);
    println!("  clusters left on a removed one {}", tally.on_removed_secret);
    println!("  unexplained errors             {}", tally.unexplained.len());
    for u in &tally.unexplained {
        println!("    {u}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_at_every_step_loses_nothing() {
    let behaviour = Behaviour {
        operation_duration: chrono::Duration::seconds(1),
        operation_retry_after: chrono::Duration::seconds(1),
        ..Behaviour::default()
    };
    let Some(lab) = open_lab(behaviour, false).await else {
        return;
    };
    let mut tally = Tally::default();
    let mut rows = Vec::new();
    let faults = ["429", "500", "drop", "timeout", "token expiry", "409"];

    for step in &STEPS {
        for name in faults {
            let case = format!("{} / {name}", step.name);
            eprintln!("case: {case}");
            let home = lab.rekey.home.path().join("rotations");
            let known = journals(&home);
            let run = match step.after {
                None => {
                    lab.sim
                        .sim()
                        .faults
                        .add(fault(http_fault(name), step, Some(1)))
                        .expect("fault");
                    lab.rotate().await
                }
                Some(event) => {
                    let child = lab.rekey.command(&rotate_args()).spawn().expect("spawn rekey");
                    if wait_for_event(&home, &known, event, Duration::from_secs(30)).await {
                        lab.sim
                            .sim()
                            .faults
                            .add(fault(http_fault(name), step, Some(1)))
                            .expect("fault");
                    }
                    finish(child).await
                }
            };
            lab.sim.sim().faults.clear();
            rows.push((case.clone(), outcome(&run)));
            lab.settle(&case, &run, &mut tally).await;
        }
    }

    // The Azure operation ends Failed.
    lab.sim.sim().state.world().fail_next_operations = 1;
    let run = lab.rotate().await;
    rows.push(("follow operation / operation Failed".into(), outcome(&run)));
    lab.settle("operation Failed", &run, &mut tally).await;

    // The secret is written but the answer to `addPassword` is lost: the marked secret is found
    // again and removed before a new one is asked for.
    lab.sim
        .sim()
        .faults
        .add(fault(FaultAction::Lose, &STEPS[0], Some(1)))
        .expect("fault");
    let run = lab.rotate().await;
    lab.sim.sim().faults.clear();
    rows.push(("add secret / answer lost after the write".into(), outcome(&run)));
    lab.settle("add secret / answer lost", &run, &mut tally).await;

    // A management lock on the cluster: one reset attempt, then a failure that says what to do.
    let since = last_request(&lab.sim);
    lab.sim
        .sim()
        .faults
        .add(fault(
            respond(
                409,
                "ScopeLocked",
                "The scope '/subscriptions/x/resourceGroups/rg' cannot perform write operation because following scope(s) are locked: '/subscriptions/x/resourceGroups/rg'.",
                None,
            ),
            &STEPS[2],
            None,
        ))
        .expect("fault");
    let run = lab.rotate().await;
    lab.sim.sim().faults.clear();
    let attempts = resets_since(&lab.sim, since);
    let said = format!("{}{}", run.stdout, run.stderr);
    if run.success() || attempts != 1 || !said.contains("ScopeLocked") || !said.contains("Remove the lock") {
        tally.unexplained.push(format!(
            "reset cluster / ScopeLocked: {attempts} attempt(s), said: {}",
            said.trim()
        ));
    }
    rows.push((
        "reset cluster / 409 ScopeLocked".into(),
        format!("{attempts} attempt, failed, resumed"),
    ));
    lab.settle("reset cluster / ScopeLocked", &run, &mut tally).await;

    // kill -9 at each step, then `rekey rotations resume`.
    let kills: [(&str, &str, Option<FaultRule>, u64); 6] = [
        (
            "add secret",
            "\"secretRequested\"",
            Some(fault(FaultAction::Delay { ms: 2_000 }, &STEPS[0], None)),
            300,
        ),
        ("store secret", "\"secretCreated\"", None, 0),
        (
            "prove secret",
            "\"secretStored\"",
            Some(fault(FaultAction::Delay { ms: 1_500 }, &STEPS[1], None)),
            200,
        ),
        (
            "reset cluster",
            "\"resetRequested\"",
            Some(fault(FaultAction::Delay { ms: 2_000 }, &STEPS[2], None)),
            300,
        ),
        ("follow operation", "\"resetAccepted\"", None, 100),
        (
            "retire old",
            "\"clusterVerified\"",
            Some(fault(FaultAction::Delay { ms: 2_000 }, &STEPS[5], None)),
            300,
        ),
    ];
    for (step, event, rule, pause) in kills {
        let case = format!("{step} / kill -9");
        let home = lab.rekey.home.path().join("rotations");
        let known = journals(&home);
        if let Some(rule) = rule {
            lab.sim.sim().faults.add(rule).expect("fault");
        }
        let child = lab.rekey.command(&rotate_args()).spawn().expect("spawn rekey");
        let (killed, outcome) = kill_after(
            child,
            &home,
            &known,
            event,
            Duration::from_secs(30),
            Duration::from_millis(pause),
            "rekey rotations resume",
        )
        .await;
        lab.sim.sim().faults.clear();
        rows.push((case.clone(), outcome));
        lab.settle(&case, &killed, &mut tally).await;
    }
    drop(lab);

    // A 60-second replication delay (simulated time, run twenty times faster than the wall clock).
    let behaviour = Behaviour {
        operation_duration: chrono::Duration::seconds(1),
        operation_retry_after: chrono::Duration::seconds(1),
        replication_delay: chrono::Duration::seconds(60),
        ..Behaviour::default()
    };
    let Some(slow) = open_lab(behaviour, true).await else {
        return;
    };
    let run = slow.rotate().await;
    rows.push(("prove + reset / replication 60 s".into(), outcome(&run)));
    slow.settle("replication 60 s", &run, &mut tally).await;

    print_matrix(&rows, &tally);
    assert_eq!(tally.secrets_lost, 0, "secrets lost");
    assert_eq!(tally.unheld, 0, "secrets left that no vault holds");
    assert_eq!(tally.on_removed_secret, 0, "clusters left on a removed secret");
    assert!(
        tally.unexplained.is_empty(),
        "unexplained errors: {:#?}",
        tally.unexplained
    );
}

/// The Key Vault copy (`--key-vault`): the write and its read-back fail at each point (403 refused,
/// 500, a cut connection, kill -9), and after each case, once resumed, the vault's current version
/// must hold the very secret the cluster holds (compared by digest in the simulator), with 0 secrets
/// lost as above.
#[tokio::test(flavor = "multi_thread")]
async fn key_vault_failures_at_each_point_lose_nothing() {
    const VAULT: &str = "kv-contoso-platform";
    const SECRET: &str = "aks-stg-sp-secret";
    let behaviour = Behaviour {
        operation_duration: chrono::Duration::seconds(1),
        operation_retry_after: chrono::Duration::seconds(1),
        ..Behaviour::default()
    };
    let Some(lab) = open_lab(behaviour, false).await else {
        return;
    };
    let kv_args = args(&[
        "rotate",
        "--cluster",
        CLUSTER,
        "--retire-old",
        "now",
        "--key-vault",
        VAULT,
        "--yes",
    ]);
    let write = StepTarget {
        name: "key vault write",
        method: "PUT",
        path: "/secrets/*",
        after: None,
    };
    let read_back = StepTarget {
        name: "key vault read-back",
        method: "GET",
        path: "/secrets/*/*",
        after: None,
    };
    let forbidden = respond(
        403,
        "Forbidden",
        "Caller is not authorized to perform action on resource.",
        None,
    );
    let mut tally = Tally::default();
    let mut rows = Vec::new();
    let mut stale = Vec::new();
    let cases: Vec<(String, FaultRule)> = vec![
        (
            "key vault write / 403".into(),
            fault(forbidden.clone(), &write, None),
        ),
        (
            "key vault write / 500".into(),
            fault(http_fault("500"), &write, Some(1)),
        ),
        (
            "key vault write / drop".into(),
            fault(http_fault("drop"), &write, Some(1)),
        ),
        (
            "key vault read-back / 403".into(),
            fault(forbidden, &read_back, None),
        ),
        (
            "key vault read-back / 500".into(),
            fault(http_fault("500"), &read_back, Some(1)),
        ),
        (
            "key vault read-back / drop".into(),
            fault(http_fault("drop"), &read_back, Some(1)),
        ),
    ];
    for (case, rule) in cases {
        eprintln!("case: {case}");
        lab.sim.sim().faults.add(rule).expect("fault");
        let run = lab.rekey.run(&kv_args, None).await;
        // A refusal stays until the admin fixes the vault: here, the fault is lifted before resuming.
        lab.sim.sim().faults.clear();
        rows.push((case.clone(), outcome(&run)));
        lab.settle(&case, &run, &mut tally).await;
        stale.extend(copy_differs(&lab.sim, VAULT, SECRET, &case));
    }
    // kill -9 while the write is on its way, then `rekey rotations resume`.
    let case = "key vault write / kill -9".to_string();
    let home = lab.rekey.home.path().join("rotations");
    let known = journals(&home);
    lab.sim
        .sim()
        .faults
        .add(fault(FaultAction::Delay { ms: 2_000 }, &write, None))
        .expect("fault");
    let child = lab.rekey.command(&kv_args).spawn().expect("spawn rekey");
    let (killed, outcome) = kill_after(
        child,
        &home,
        &known,
        "\"secretProven\"",
        Duration::from_secs(30),
        Duration::from_millis(300),
        "rekey rotations resume",
    )
    .await;
    lab.sim.sim().faults.clear();
    rows.push((case.clone(), outcome));
    lab.settle(&case, &killed, &mut tally).await;
    stale.extend(copy_differs(&lab.sim, VAULT, SECRET, &case));

    print_matrix(&rows, &tally);
    println!("  Key Vault copies not the cluster's secret: {}", stale.len());
    for s in &stale {
        println!("    {s}");
    }
    assert_eq!(tally.secrets_lost, 0, "secrets lost");
    assert_eq!(tally.unheld, 0, "secrets left that no vault holds");
    assert_eq!(tally.on_removed_secret, 0, "clusters left on a removed secret");
    assert!(stale.is_empty(), "Key Vault copies: {stale:#?}");
    assert!(
        tally.unexplained.is_empty(),
        "unexplained errors: {:#?}",
        tally.unexplained
    );
}

/// Whether the vault's current version of `secret` is not the secret the cluster holds (by digest,
/// from the simulator's own state).
fn copy_differs(sim: &RunningSim, vault: &str, secret: &str, case: &str) -> Option<String> {
    let world = sim.sim().state.world();
    let cluster_key = world
        .clusters
        .iter()
        .find(|c| c.name == CLUSTER)
        .and_then(|c| match &c.identity {
            ClusterIdentity::ServicePrincipal { current_key_id, .. } => *current_key_id,
            ClusterIdentity::ManagedIdentity { .. } => None,
        });
    let held = world
        .applications
        .iter()
        .find(|a| a.display_name == APP)
        .and_then(|a| {
            a.password_credentials
                .iter()
                .find(|c| Some(c.key_id) == cluster_key)
        })
        .map(|c| c.secret_sha256);
    let copy = world
        .vaults
        .iter()
        .find(|v| v.name == vault)
        .and_then(|v| v.secret(secret))
        .and_then(|s| s.current())
        .map(|v| {
            let digest: [u8; 32] = Sha256::digest(v.value.expose_secret().as_bytes()).into();
            digest
        });
    match (held, copy) {
        (Some(h), Some(c)) if h == c => None,
        (h, c) => Some(format!("{case}: cluster's secret {h:?}, vault's copy {c:?}")),
    }
}
