//! The plan in az terms: what each mode's script says, and that no secret value can be in it.

use super::*;
use crate::azure::roles::RoleAssignment;
use crate::rotation::model::{Check, OldSecret, Plan};

fn cluster(name: &str, rg: &str) -> PlannedCluster {
    PlannedCluster {
        id: format!("/subscriptions/sub-1/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"),
        name: name.into(),
        resource_group: rg.into(),
        subscription_id: "sub-1".into(),
        node_count: 3,
        node_pools: 1,
        max_surge: None,
        production: false,
        added_as_shared: false,
        checks: Vec::new(),
        blocked_by: None,
    }
}

fn group(mode: Mode, retire: Retire) -> PlanGroup {
    let mut g = PlanGroup::empty("r1");
    g.mode = mode;
    g.retire = retire;
    g.tenant_id = "tenant-1".into();
    g.app_id = "app-1".into();
    g.app_display_name = Some("aks-prod-sp".into());
    g.lifetime_days = 180;
    g.clusters = vec![cluster("aks-a", "rg-a"), cluster("aks b", "rg-b")];
    g.old_secrets = vec![OldSecret {
        key_id: "old-key".into(),
        on: "application".into(),
        hint: Some("Xy1".into()),
        end: None,
    }];
    g
}

fn now() -> DateTime<Utc> {
    "2026-12-07T10:00:00Z".parse().unwrap_or_default()
}

fn text(g: &PlanGroup) -> String {
    script(g, now()).map(|s| s.text).unwrap_or_default()
}

#[test]
fn a_new_secret_is_appended_proven_then_given_to_every_cluster_and_the_old_one_goes_last() {
    let t = text(&group(Mode::Secret, Retire::Now));
    let add = t
        .find("az ad app credential reset --id app-1 --append")
        .expect("the append");
    let prove = t
        .find("az login --service-principal --username app-1")
        .expect("the proof");
    let reset_a = t
        .find("az aks update-credentials --subscription sub-1 --resource-group rg-a --name aks-a --reset-service-principal --service-principal app-1 --client-secret \"$SP_SECRET\"")
        .expect("cluster a's reset");
    // A name that is not one shell word is quoted.
    let reset_b = t
        .find("--name 'aks b' --reset-service-principal")
        .expect("cluster b's reset");
    let delete = t
        .find("az ad app credential delete --id app-1 --key-id old-key")
        .expect("the retirement");
    assert!(
        add < prove && prove < reset_a && reset_a < reset_b && reset_b < delete,
        "{t}"
    );
    assert!(t.contains("--end-date 2027-06-05"), "180 days from the plan: {t}");
    assert!(!t.contains("# after") && !t.contains("# not run"), "{t}");
}

#[test]
fn the_retire_policy_and_clusters_outside_the_plan_keep_the_old_secret() {
    let later = text(&group(Mode::Secret, Retire::After { hours: 24 }));
    assert!(
        later.contains("# after 24 h: az ad app credential delete --id app-1 --key-id old-key"),
        "{later}"
    );
    let never = text(&group(Mode::Secret, Retire::Never));
    assert!(
        never.contains("# not run: az ad app credential delete"),
        "{never}"
    );
    let mut shared = group(Mode::Secret, Retire::Now);
    shared.shared_outside = vec!["aks-elsewhere".into()];
    let shared = text(&shared);
    assert!(
        shared.contains("clusters outside this plan still use them (aks-elsewhere)"),
        "{shared}"
    );
    assert!(
        shared.contains("# later: az ad app credential delete"),
        "{shared}"
    );
    // Only commented out: no line runs the deletion.
    for t in [&later, &never, &shared] {
        assert!(
            !t.lines().any(|l| l.starts_with("az ad app credential delete")),
            "{t}"
        );
    }
}

#[test]
fn a_new_principal_is_created_with_the_old_ones_roles_and_the_clusters_move_to_it() {
    let mut g = group(Mode::NewSp, Retire::Now);
    g.role_assignments = vec![RoleAssignment {
        id: "ra-1".into(),
        scope: "/subscriptions/sub-1/resourceGroups/rg-a".into(),
        role_definition_id: "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7".into(),
        principal_id: "old-sp".into(),
        role_name: "Network Contributor".into(),
    }];
    let t = text(&g);
    assert!(
        t.contains(
            "NEW_APP_ID=$(az ad app create --display-name aks-prod-sp-rekey --query appId --output tsv)"
        ),
        "{t}"
    );
    assert!(t.contains("az ad sp create --id \"$NEW_APP_ID\""), "{t}");
    assert!(t.contains("az role assignment create --assignee \"$NEW_APP_ID\" --role /subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7 --scope /subscriptions/sub-1/resourceGroups/rg-a  # Network Contributor"), "{t}");
    assert!(
        t.contains("--service-principal \"$NEW_APP_ID\" --client-secret \"$SP_SECRET\""),
        "{t}"
    );
    // The old secrets are the old application's.
    assert!(
        t.contains("az ad app credential delete --id app-1 --key-id old-key"),
        "{t}"
    );
}

#[test]
fn a_legacy_aad_integration_is_reset_with_its_client_app_read_from_the_cluster() {
    let t = text(&group(Mode::Aad, Retire::Now));
    assert!(t.contains("CLIENT_APP_ID=$(az aks show --subscription sub-1 --resource-group rg-a --name aks-a --query aadProfile.clientAppId --output tsv)"), "{t}");
    assert!(t.contains("--reset-aad --aad-server-app-id app-1 --aad-server-app-secret \"$SP_SECRET\" --aad-client-app-id \"$CLIENT_APP_ID\" --aad-tenant-id tenant-1"), "{t}");
}

#[test]
fn blocked_clusters_are_left_out_and_a_blocked_group_has_no_script() {
    let mut g = group(Mode::Secret, Retire::Now);
    g.clusters[1].checks = vec![Check::block("power state", "Stopped")];
    let plan = Plan {
        groups: vec![g],
        problems: Vec::new(),
    }
    .with_verdicts();
    let t = text(&plan.groups[0]);
    assert!(t.contains("--name aks-a") && !t.contains("aks b"), "{t}");
    let mut all_blocked = plan.groups[0].clone();
    all_blocked.clusters[0].blocked_by = Some("Stopped".into());
    assert_eq!(script(&all_blocked, now()), None);
}

#[test]
fn a_secret_only_ever_appears_as_a_shell_variable() {
    for mode in [Mode::Secret, Mode::NewSp, Mode::Aad] {
        let t = text(&group(mode, Retire::Now));
        for line in t.lines().filter(|l| l.contains("secret") && !l.starts_with('#')) {
            // Every secret argument takes the variable Azure's answer was captured in.
            for flag in ["--client-secret ", "--password ", "--aad-server-app-secret "] {
                if let Some(at) = line.find(flag) {
                    assert!(line[at + flag.len()..].starts_with("\"$SP_SECRET\""), "{line}");
                }
            }
        }
    }
}

#[test]
fn words_that_are_not_one_shell_word_are_quoted() {
    assert_eq!(sh("rg-prod_1.x"), "rg-prod_1.x");
    assert_eq!(sh("my app"), "'my app'");
    assert_eq!(sh("it's"), "'it'\\''s'");
    assert_eq!(sh("$(rm -rf ~)"), "'$(rm -rf ~)'");
    assert_eq!(sh(""), "''");
}
