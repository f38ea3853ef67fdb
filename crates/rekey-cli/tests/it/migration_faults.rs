//! The fault matrix of the move to a managed identity: `rekey migrate` against the simulator with a
//! fault injected at each step (429, 500, a cut connection, an expired token), Azure's operation
//! ending `Failed` (the update, a node image upgrade), and `kill -9` of the CLI at each step followed
//! by `rekey migrate --resume`. Each case moves its own copy of the private-DNS-zone cluster
//! (aks-stg-weu: a user-assigned identity to create, a role to grant first, the update, the node
//! pool). After every case the simulator is checked: a cluster is left without working credentials
//! when it runs on its service principal with a secret that is gone, or when a node pool still uses
//! the service principal and the secret it had is gone. The matrix is printed; that count and the
//! unexplained errors must be zero. Needs a real Secret Service (the sign-in's tokens are sealed
//! with a key in the OS keyring): run under `crates/rekey-core/tests/with-secret-service.sh`.

use std::time::Duration;

use crate::common::faults::{http_fault, journals, kill_after, outcome, wait_for_event};
use crate::common::{args, finish, new_client_secret, sp_login, write_file, Rekey, Run};
use rekey_sim::faults::{FaultAction, FaultRule};
use rekey_sim::state::{ClusterIdentity, ManagedCluster};
use rekey_sim::{Behaviour, RunningSim, SimConfig};

const TEMPLATE: &str = "aks-stg-weu";
const APP: &str = "aks-stg-sp";

/// A step of the move and the request that carries it.
pub(super) struct StepTarget {
    pub name: &'static str,
    pub method: &'static str,
    /// `{c}` is the case's cluster name.
    pub path: &'static str,
    /// The journal event after which the request is the step's (for paths other steps use too).
    pub after: Option<&'static str>,
    /// A GET path the engine calls just before the step's request, delayed by 1 s (under the
    /// lab's 2 s request timeout) from the start of the run, so that the fault, armed once `after`
    /// is seen, is never late: a busy machine's poll can take longer than the engine.
    pub hold: Option<&'static str>,
}

pub(super) const STEPS: [StepTarget; 7] = [
    StepTarget {
        name: "create identity",
        method: "PUT",
        path: "*/userAssignedIdentities/{c}-identity",
        after: None,
        hold: None,
    },
    StepTarget {
        name: "grant role",
        method: "PUT",
        path: "*/roleAssignments/*",
        after: None,
        hold: None,
    },
    StepTarget {
        name: "wait until visible",
        method: "GET",
        path: "*/roleAssignments",
        after: Some("\"roleGranted\""),
        hold: None,
    },
    StepTarget {
        name: "update cluster",
        method: "PUT",
        path: "*/managedClusters/{c}",
        after: None,
        hold: None,
    },
    StepTarget {
        name: "follow operation",
        method: "GET",
        path: "*/operations/*",
        after: Some("\"updateAccepted\""),
        hold: None,
    },
    StepTarget {
        name: "verify identity",
        method: "GET",
        path: "*/managedClusters/{c}",
        after: Some("\"updateAccepted\""),
        hold: None,
    },
    StepTarget {
        name: "node image upgrade",
        method: "POST",
        path: "*/agentPools/*/upgradeNodeImageVersion",
        after: None,
        hold: None,
    },
];

#[derive(Default)]
pub(super) struct Tally {
    pub cases: u32,
    pub without_credentials: u32,
    pub unexplained: Vec<String>,
}

impl Tally {
    /// Prints the matrix `title` (a row per case) and its counts; both must be zero.
    pub fn report(&self, title: &str, rows: &[(String, String)]) {
        println!("\n{title}");
        for (case, outcome) in rows {
            println!("  {case:<44} {outcome}");
        }
        println!("  cases run                                    {}", self.cases);
        println!(
            "  clusters left without working credentials    {}",
            self.without_credentials
        );
        println!(
            "  unexplained errors                           {}",
            self.unexplained.len()
        );
        for u in &self.unexplained {
            println!("    {u}");
        }
        assert_eq!(
            self.without_credentials, 0,
            "clusters left without working credentials"
        );
        assert!(
            self.unexplained.is_empty(),
            "unexplained errors: {:#?}",
            self.unexplained
        );
    }
}

pub(super) struct Lab {
    pub sim: RunningSim,
    pub rekey: Rekey,
    next: u32,
    /// Clusters given a principal of their own ([`Lab::own_principal`]): its display name.
    own: std::collections::HashMap<String, String>,
}

pub(super) fn fault(action: FaultAction, step: &StepTarget, cluster: &str, times: Option<u32>) -> FaultRule {
    FaultRule {
        id: 0,
        method: Some(step.method.into()),
        path: step.path.replace("{c}", cluster),
        action,
        times,
        probability: 1.0,
    }
}

impl Lab {
    /// A fresh copy of the template cluster for one case, on the same service principal.
    pub fn new_cluster(&mut self) -> String {
        self.next += 1;
        let name = format!("aks-mig-{}", self.next);
        let mut world = self.sim.sim().state.world();
        let mut copy: ManagedCluster = world
            .clusters
            .iter()
            .find(|c| c.name == TEMPLATE)
            .cloned()
            .expect("template cluster");
        copy.name = name.clone();
        world.clusters.push(copy);
        name
    }

    /// Gives `cluster` a principal of its own (a copy of the template's application and service
    /// principal, with its secrets), so that nothing else uses it: its secrets are retired and, when
    /// asked, it is deleted.
    pub fn own_principal(&mut self, cluster: &str) {
        let display = format!("{cluster}-sp");
        let mut world = self.sim.sim().state.world();
        let app_id = uuid::Uuid::new_v4();
        let Some(mut app) = world.applications.iter().find(|a| a.display_name == APP).cloned() else {
            panic!("no application {APP}")
        };
        let Some(mut sp) = world
            .service_principals
            .iter()
            .find(|s| s.app_id == app.app_id)
            .cloned()
        else {
            panic!("no service principal of {APP}")
        };
        for r in [&mut app.0, &mut sp.0] {
            r.object_id = uuid::Uuid::new_v4();
            r.app_id = app_id;
            r.display_name = display.clone();
        }
        world.applications.push(app);
        world.service_principals.push(sp);
        if let Some(c) = world.clusters.iter_mut().find(|c| c.name == cluster) {
            if let ClusterIdentity::ServicePrincipal { client_id, .. } = &mut c.identity {
                *client_id = app_id;
            }
        }
        drop(world);
        self.own.insert(cluster.to_string(), display);
    }

    /// Runs `rekey` with `args` and the HTTP fault `name` once at `step` of `cluster` (armed at
    /// once, or after the step's journal event in `home`). Returns the run and whether the fault
    /// fired (a one-shot fault is gone once it has); the faults are cleared after.
    pub async fn run_with_fault(
        &self,
        args: &[String],
        step: &StepTarget,
        name: &str,
        cluster: &str,
        home: &std::path::Path,
    ) -> (Run, bool) {
        let faults = &self.sim.sim().faults;
        let arm = || {
            faults
                .add(fault(http_fault(name), step, cluster, Some(1)))
                .expect("fault")
        };
        let known = journals(home);
        let run = match step.after {
            None => {
                arm();
                self.rekey.run(args, None).await
            }
            Some(event) => {
                if let Some(path) = step.hold {
                    faults
                        .add(FaultRule {
                            id: 0,
                            method: Some("GET".into()),
                            path: path.into(),
                            action: FaultAction::Delay { ms: 1_000 },
                            times: None,
                            probability: 1.0,
                        })
                        .expect("hold");
                }
                let child = self.rekey.command(args).spawn().expect("spawn rekey");
                if wait_for_event(home, &known, event, Duration::from_secs(60)).await {
                    arm();
                }
                finish(child).await
            }
        };
        let fired = !faults
            .list()
            .iter()
            .any(|r| !matches!(r.action, FaultAction::Delay { .. }));
        faults.clear();
        (run, fired)
    }

    /// `kill -9` of a `rekey migrate` run after `event` and `pause` ms ([`kill_after`]), its faults
    /// cleared after.
    pub async fn kill_after(
        &self,
        child: tokio::process::Child,
        home: &std::path::Path,
        known: &[std::path::PathBuf],
        event: &str,
        pause: u64,
    ) -> (Run, String) {
        let killed = kill_after(
            child,
            home,
            known,
            event,
            Duration::from_secs(60),
            Duration::from_millis(pause),
            "rekey migrate --resume",
        )
        .await;
        self.sim.sim().faults.clear();
        killed
    }

    /// Whether the principal of its own that `cluster` started on is still in the directory.
    pub fn own_principal_exists(&self, cluster: &str) -> bool {
        let Some(app) = self.own.get(cluster) else {
            return true;
        };
        let world = self.sim.sim().state.world();
        world.applications.iter().any(|a| &a.display_name == app)
            || world.service_principals.iter().any(|s| &s.display_name == app)
    }

    fn migrate_args(cluster: &str) -> Vec<String> {
        args(&["migrate", "--cluster", cluster, "--retire-old", "now", "--yes"])
    }

    async fn migrate(&self, cluster: &str) -> Run {
        self.rekey.run(&Self::migrate_args(cluster), None).await
    }

    /// The cluster's working credential, as the simulator holds it: `(on the service principal,
    /// its key ID)`; a moved cluster whose pools all left the principal needs none.
    pub fn credential(&self, cluster: &str) -> Option<String> {
        let world = self.sim.sim().state.world();
        let c = world.clusters.iter().find(|c| c.name == cluster)?;
        match &c.identity {
            ClusterIdentity::ServicePrincipal { current_key_id, .. } => current_key_id.map(|k| k.to_string()),
            ClusterIdentity::ManagedIdentity { .. } => None,
        }
    }

    fn pools_on_principal(&self, cluster: &str) -> usize {
        let world = self.sim.sim().state.world();
        world.clusters.iter().find(|c| c.name == cluster).map_or(0, |c| {
            c.agent_pools
                .iter()
                .filter(|p| !p.nodes_use_kubelet_identity)
                .count()
        })
    }

    /// The secrets of the principal `cluster` started on.
    pub fn app_keys(&self, cluster: &str) -> Vec<String> {
        let app = self.own.get(cluster).map_or(APP, String::as_str);
        let world = self.sim.sim().state.world();
        world
            .applications
            .iter()
            .filter(|a| a.display_name == app)
            .flat_map(|a| a.password_credentials.iter().map(|c| c.key_id.to_string()))
            .collect()
    }

    /// A failed run must say why and how to go on; then `--resume` must finish the move.
    pub async fn settle(&self, case: &str, cluster: &str, key: &str, run: &Run, tally: &mut Tally) {
        tally.cases += 1;
        if !run.success() {
            let said = format!("{}{}", run.stdout, run.stderr);
            if !(said.contains("rekey:")
                && !said.contains("panicked")
                && said.contains("rekey migrate --resume"))
            {
                tally.unexplained.push(format!("{case}: {}", run.stderr.trim()));
            }
        }
        self.check(case, cluster, key, tally);
        let resumed = self.rekey.run(&args(&["migrate", "--resume"]), None).await;
        let finished = resumed.stdout.contains("Succeeded") || resumed.stdout.contains("Nothing to resume");
        if !resumed.success() || !finished {
            tally.unexplained.push(format!(
                "{case}: resume did not finish: {} {}",
                resumed.stdout, resumed.stderr
            ));
        }
        let moved = self.pools_on_principal(cluster) == 0 && self.credential(cluster).is_none();
        if !moved {
            tally
                .unexplained
                .push(format!("{case}: {cluster} did not end on its managed identity"));
        }
        self.check(&format!("{case} (after resume)"), cluster, key, tally);
    }

    /// Counts `cluster` if it is left without working credentials.
    fn check(&self, case: &str, cluster: &str, key: &str, tally: &mut Tally) {
        let keys = self.app_keys(cluster);
        let broken = match self.credential(cluster) {
            Some(current) => !keys.contains(&current),
            None => self.pools_on_principal(cluster) > 0 && !keys.iter().any(|k| k == key),
        };
        if broken {
            eprintln!("{case}: {cluster} is left without working credentials");
            tally.without_credentials += 1;
        }
    }
}

pub(super) async fn open_lab() -> Option<Lab> {
    let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") else {
        if std::env::var("REKEY_SKIP_KEYRING_TESTS").as_deref() == Ok("1") {
            eprintln!("SKIPPED the migration fault matrix: no D-Bus session, and REKEY_SKIP_KEYRING_TESTS=1");
            return None;
        }
        panic!(
            "the migration fault matrix needs a real Secret Service: run it under \
             crates/rekey-core/tests/with-secret-service.sh (or set REKEY_SKIP_KEYRING_TESTS=1)"
        );
    };
    let behaviour = Behaviour {
        operation_duration: chrono::Duration::seconds(1),
        operation_retry_after: chrono::Duration::seconds(1),
        ..Behaviour::default()
    };
    let sim = rekey_sim::start_demo(SimConfig {
        behaviour,
        ..SimConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("simulator: {e}"));
    let rekey = Rekey::new()
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("REKEY_HTTP_TIMEOUT_SECS", "2");
    let secret = new_client_secret(&sim).await;
    let file = write_file(rekey.home.path(), "sp-secret.txt", &secret);
    let file = file.display().to_string();
    let login = rekey
        .run(&sp_login(&sim, &["--client-secret-file", &file]), None)
        .await;
    assert!(login.success(), "login: {}", login.stderr);
    Some(Lab {
        sim,
        rekey,
        next: 0,
        own: Default::default(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_at_every_step_of_the_move_leaves_every_cluster_working() {
    let Some(mut lab) = open_lab().await else {
        return;
    };
    let mut tally = Tally::default();
    let mut rows: Vec<(String, String)> = Vec::new();
    let home = lab.rekey.home.path().join("migrations");

    for step in &STEPS {
        for name in ["429", "500", "drop", "token expiry"] {
            let case = format!("{} / {name}", step.name);
            eprintln!("case: {case}");
            let cluster = lab.new_cluster();
            let key = lab.credential(&cluster).unwrap_or_default();
            let (run, _) = lab
                .run_with_fault(&Lab::migrate_args(&cluster), step, name, &cluster, &home)
                .await;
            rows.push((case.clone(), outcome(&run)));
            lab.settle(&case, &cluster, &key, &run, &mut tally).await;
        }
    }

    // Azure's operation ends Failed: the update, then a node image upgrade (held back by a delay
    // until the failure is armed). Each must fail, say so, and leave the cluster working.
    for (case, event) in [
        ("update cluster / operation Failed", None),
        (
            "node image upgrade / operation Failed",
            Some("\"poolUpgradeRequested\""),
        ),
    ] {
        eprintln!("case: {case}");
        let cluster = lab.new_cluster();
        let key = lab.credential(&cluster).unwrap_or_default();
        let known = journals(&home);
        let run = match event {
            None => {
                lab.sim.sim().state.world().fail_next_operations = 1;
                lab.migrate(&cluster).await
            }
            Some(event) => {
                lab.sim
                    .sim()
                    .faults
                    .add(fault(
                        FaultAction::Delay { ms: 1_500 },
                        &STEPS[6],
                        &cluster,
                        Some(1),
                    ))
                    .expect("fault");
                let child = lab
                    .rekey
                    .command(&Lab::migrate_args(&cluster))
                    .spawn()
                    .expect("spawn rekey");
                if wait_for_event(&home, &known, event, Duration::from_secs(60)).await {
                    lab.sim.sim().state.world().fail_next_operations = 1;
                }
                finish(child).await
            }
        };
        lab.sim.sim().faults.clear();
        lab.sim.sim().state.world().fail_next_operations = 0;
        let said = format!("{}{}", run.stdout, run.stderr);
        if run.success() || !said.contains("Azure's operation failed") {
            tally
                .unexplained
                .push(format!("{case}: the failure was not reported: {}", said.trim()));
        }
        rows.push((case.into(), outcome(&run)));
        lab.settle(case, &cluster, &key, &run, &mut tally).await;
    }

    // kill -9 at each step, then `rekey migrate --resume`.
    let kills: [(&str, &str, Option<usize>, u64); 6] = [
        ("create identity", "\"planned\"", Some(0), 300),
        ("grant role", "\"identityReady\"", Some(1), 300),
        ("update cluster", "\"updateRequested\"", Some(3), 300),
        ("follow operation", "\"updateAccepted\"", None, 100),
        ("node image upgrade", "\"poolUpgradeRequested\"", Some(6), 300),
        ("after the upgrade", "\"poolUpgradeAccepted\"", None, 100),
    ];
    for (step, event, slow, pause) in kills {
        let case = format!("{step} / kill -9");
        eprintln!("case: {case}");
        let cluster = lab.new_cluster();
        let key = lab.credential(&cluster).unwrap_or_default();
        let known = journals(&home);
        if let Some(i) = slow {
            lab.sim
                .sim()
                .faults
                .add(fault(FaultAction::Delay { ms: 2_000 }, &STEPS[i], &cluster, None))
                .expect("fault");
        }
        let child = lab
            .rekey
            .command(&Lab::migrate_args(&cluster))
            .spawn()
            .expect("spawn rekey");
        let (killed, outcome) = lab.kill_after(child, &home, &known, event, pause).await;
        rows.push((case.clone(), outcome));
        lab.settle(&case, &cluster, &key, &killed, &mut tally).await;
    }

    tally.report("migration fault matrix", &rows);
}
