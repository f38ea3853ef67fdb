//! The fault matrix of the move's last steps, on clusters with a principal of their own (so its
//! secrets are retired and, with `--delete-principal`, it is deleted): the check that no other
//! cluster came to use it, the removal of each secret, and the deletion of its application — each
//! with 429, 500, a cut connection and an expired token, and `kill -9` during the deletion. Each
//! case must leave the cluster working, say why and how to go on, and `rekey migrate --resume` must
//! finish: every old secret gone and the principal deleted. The lab is the move's fault matrix's.

use super::migration_faults::{fault, open_lab, StepTarget, Tally};
use crate::common::args;
use crate::common::faults::{journals, outcome};
use rekey_sim::faults::FaultAction;

const LAST: [StepTarget; 3] = [
    StepTarget {
        name: "check other clusters",
        method: "GET",
        path: "*/providers/Microsoft.ContainerService/managedClusters",
        // Armed once the node pools are done: the next list is the retirement's (the kubelet's check
        // reads the cluster, never the list). The retirement lists the subscriptions first: holding
        // that list back keeps a slow poll from arming the fault too late (it did, three times).
        after: Some("\"poolUpgraded\""),
        hold: Some("/subscriptions"),
    },
    StepTarget {
        name: "remove secret",
        method: "POST",
        path: "*/applications/*/removePassword",
        after: None,
        hold: None,
    },
    StepTarget {
        name: "delete application",
        method: "DELETE",
        path: "*/applications/*",
        after: None,
        hold: None,
    },
];

fn deleting(cluster: &str) -> Vec<String> {
    args(&[
        "migrate",
        "--cluster",
        cluster,
        "--retire-old",
        "now",
        "--delete-principal",
        "--yes",
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_at_the_retirement_and_the_deletion_is_resumed_to_the_end() {
    let Some(mut lab) = open_lab().await else {
        return;
    };
    let mut tally = Tally::default();
    let mut rows: Vec<(String, String)> = Vec::new();
    let home = lab.rekey.home.path().join("migrations");
    let deleted_check = |lab: &super::migration_faults::Lab, case: &str, cluster: &str, tally: &mut Tally| {
        if lab.own_principal_exists(cluster) {
            tally
                .unexplained
                .push(format!("{case}: the principal was not deleted after the resume"));
        }
        if !lab.app_keys(cluster).is_empty() {
            tally
                .unexplained
                .push(format!("{case}: an old secret is left after the resume"));
        }
    };

    for step in &LAST {
        for name in ["429", "500", "drop", "token expiry"] {
            let case = format!("{} / {name}", step.name);
            eprintln!("case: {case}");
            let cluster = lab.new_cluster();
            lab.own_principal(&cluster);
            let key = lab.credential(&cluster).unwrap_or_default();
            let (run, fired) = lab
                .run_with_fault(&deleting(&cluster), step, name, &cluster, &home)
                .await;
            if !fired {
                tally
                    .unexplained
                    .push(format!("{case}: the fault never reached its step"));
            }
            rows.push((case.clone(), outcome(&run)));
            lab.settle(&case, &cluster, &key, &run, &mut tally).await;
            deleted_check(&lab, &case, &cluster, &mut tally);
        }
    }

    // kill -9 while the application is being deleted (held back until the kill), then resume.
    let case = "delete application / kill -9";
    eprintln!("case: {case}");
    let cluster = lab.new_cluster();
    lab.own_principal(&cluster);
    let key = lab.credential(&cluster).unwrap_or_default();
    let known = journals(&home);
    lab.sim
        .sim()
        .faults
        .add(fault(FaultAction::Delay { ms: 3_000 }, &LAST[2], &cluster, None))
        .expect("fault");
    let child = lab
        .rekey
        .command(&deleting(&cluster))
        .spawn()
        .expect("spawn rekey");
    let (killed, outcome) = lab
        .kill_after(child, &home, &known, "\"secretRemoved\"", 500)
        .await;
    rows.push((case.into(), outcome));
    lab.settle(case, &cluster, &key, &killed, &mut tally).await;
    deleted_check(&lab, case, &cluster, &mut tally);

    tally.report("migration fault matrix: retirement and deletion", &rows);
}
