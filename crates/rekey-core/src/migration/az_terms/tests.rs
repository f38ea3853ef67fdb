//! The move in az terms: the order of the steps for each identity, the placeholders, and the retire
//! policy, on made-up plans.

use super::*;
use crate::migration::model::{Check, Grant, PoolUpgrade, PrincipalAfter};
use crate::rotation::Retire;

const SUB: &str = "00000000-0000-0000-0000-000000000001";
const NET: &str = "00000000-0000-0000-0000-000000000002";

fn grant(who: Who, role: &str, role_id: &str, scope: String) -> Grant {
    Grant {
        who,
        role: role.into(),
        role_id: role_id.into(),
        scope,
        why: "because AKS says so".into(),
        source: "https://learn.microsoft.com/azure/aks/".into(),
        already: None,
    }
}

fn planned(identity: IdentityChoice) -> ClusterMove {
    let net = format!("/subscriptions/{NET}/resourceGroups/rg-net/providers/Microsoft.Network");
    ClusterMove {
        migration_id: "m-1".into(),
        tenant_id: "tenant-1".into(),
        cluster_id: format!(
            "/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a"
        ),
        name: "aks-a".into(),
        location: "westeurope".into(),
        production: false,
        app_id: "app-1".into(),
        sp_object_id: Some("sp-1".into()),
        identity,
        identity_principal_id: None,
        held: Vec::new(),
        grants: vec![
            grant(
                Who::ControlPlane,
                "Private DNS Zone Contributor",
                "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
                format!("{net}/privateDnsZones/privatelink.westeurope.azmk8s.io"),
            ),
            grant(
                Who::Kubelet,
                "AcrPull",
                "7f951dda-4ed3-4680-a7ca-43fe172d538d",
                format!("/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.ContainerRegistry/registries/acra"),
            ),
        ],
        pools: vec![
            PoolUpgrade {
                name: "system".into(),
                node_count: 3,
                max_surge: None,
                impact: "3 nodes re-imaged".into(),
            },
            PoolUpgrade {
                name: "user pool".into(),
                node_count: 2,
                max_surge: Some("33%".into()),
                impact: "2 nodes re-imaged".into(),
            },
        ],
        principal_after: PrincipalAfter {
            app_id: "app-1".into(),
            shared_with: Vec::new(),
            retire: Retire::Now,
            delete: false,
            note: String::new(),
        },
        checks: Vec::new(),
        blocked_by: None,
    }
}

fn user_assigned() -> IdentityChoice {
    IdentityChoice::UserAssigned {
        id: format!(
            "/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-a-identity"
        ),
        create: true,
        location: "westeurope".into(),
    }
}

fn at(text: &str, what: &str) -> usize {
    text.find(what)
        .unwrap_or_else(|| panic!("no `{what}` in:\n{text}"))
}

#[test]
fn a_user_assigned_identity_is_made_and_given_its_roles_before_the_update_then_pools_then_secrets() {
    let s = script(&planned(user_assigned())).unwrap_or_else(|| panic!("a script"));
    assert_eq!((s.migration_id.as_str(), s.cluster.as_str()), ("m-1", "aks-a"));
    let t = &s.text;
    let create = at(t, &format!("az identity create --subscription {SUB} --resource-group rg-a --name aks-a-identity --location westeurope"));
    let principal = at(t, "IDENTITY_PRINCIPAL_ID=$(az identity show --ids ");
    let zone = at(
        t,
        &format!("az role assignment create --subscription {NET} --assignee-object-id \"$IDENTITY_PRINCIPAL_ID\" --assignee-principal-type ServicePrincipal --role b12aa53e-6015-4669-85d0-8515ebb3ae7f --scope /subscriptions/{NET}/"),
    );
    let wait = at(t, &format!("until az role assignment list --subscription {NET} --assignee-object-id \"$IDENTITY_PRINCIPAL_ID\""));
    let update = at(
        t,
        &format!("az aks update --subscription {SUB} --resource-group rg-a --name aks-a --enable-managed-identity --assign-identity /subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-a-identity --yes"),
    );
    let kubelet = at(t, "KUBELET_OBJECT_ID=$(az aks show");
    let acr = at(t, "--assignee-object-id \"$KUBELET_OBJECT_ID\" --assignee-principal-type ServicePrincipal --role 7f951dda");
    let pool = at(
        t,
        &format!("az aks nodepool upgrade --subscription {SUB} --resource-group rg-a --cluster-name aks-a --name system --node-image-only --yes"),
    );
    let quoted = at(t, "--name 'user pool' --node-image-only");
    let check = at(t, "identityProfile.kubeletidentity.{clientId: clientId");
    let retire = at(t, "az ad app credential delete --id app-1 --key-id \"$KEY_ID\"");
    let order = [
        create, principal, zone, wait, update, kubelet, acr, pool, quoted, check, retire,
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{t}");
    assert!(t.contains("az ad sp credential delete --id app-1 --key-id \"$KEY_ID\""));
    // The update is sent again while Azure does not apply the new role yet, a bounded number of times.
    assert!(t.contains("for try in $(seq 40); do az aks update"), "{t}");
    assert!(s.steps[0].commands == vec!["az login --tenant tenant-1".to_string()]);
    assert!(
        !t.contains("--client-secret") && !t.contains("--password"),
        "no secret is ever asked for"
    );
}

#[test]
fn a_system_assigned_identity_gets_its_roles_after_the_update_that_makes_it() {
    let mut m = planned(IdentityChoice::SystemAssigned);
    m.principal_after.retire = Retire::After { hours: 24 };
    let t = script(&m).map(|s| s.text).unwrap_or_default();
    assert!(
        !t.contains("az identity create") && !t.contains("--assign-identity"),
        "{t}"
    );
    let update = at(t.as_str(), "--enable-managed-identity --yes");
    let principal = at(&t, "IDENTITY_PRINCIPAL_ID=$(az aks show");
    let zone = at(&t, "--assignee-object-id \"$IDENTITY_PRINCIPAL_ID\"");
    assert!(update < principal && principal < zone, "{t}");
    assert!(
        t.contains("# after 24 h: for KEY_ID in $(az ad app credential list --id app-1"),
        "{t}"
    );
}

#[test]
fn a_shared_principal_keeps_its_secrets_and_a_blocked_move_has_no_script() {
    let mut m = planned(user_assigned());
    m.principal_after.shared_with = vec!["aks-b".into()];
    let s = script(&m).unwrap_or_else(|| panic!("a script"));
    let last = s.steps.last().cloned().unwrap_or_else(|| panic!("steps"));
    assert!(last.what.contains("aks-b still use it"), "{}", last.what);
    assert!(
        last.commands.iter().all(|c| c.starts_with("# later: ")),
        "{:?}",
        last.commands
    );

    let mut blocked = planned(IdentityChoice::SystemAssigned);
    blocked.checks = vec![Check::block("identity", "no")];
    assert!(script(&blocked).is_none());
    assert_eq!(scripts(&[blocked, m]).len(), 1);
}

#[test]
fn roles_the_identity_already_holds_are_not_granted_again() {
    let mut m = planned(IdentityChoice::UserAssigned {
        id: format!(
            "/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-x"
        ),
        create: false,
        location: "westeurope".into(),
    });
    m.grants[0].already = Some(true);
    let t = script(&m).map(|s| s.text).unwrap_or_default();
    assert!(!t.contains("az identity create"), "{t}");
    assert!(
        t.contains("IDENTITY_PRINCIPAL_ID=$(az identity show --ids"),
        "{t}"
    );
    assert!(!t.contains("--role b12aa53e"), "{t}");
    assert!(!t.contains("until az role assignment list"), "{t}");
}

#[test]
fn a_principal_asked_to_be_deleted_goes_last_with_its_roles_for_this_cluster() {
    let mut m = planned(IdentityChoice::SystemAssigned);
    let t = script(&m).map(|s| s.text).unwrap_or_default();
    assert!(!t.contains("az ad app delete"), "not asked: {t}");
    m.principal_after.delete = true;
    let t = script(&m).map(|s| s.text).unwrap_or_default();
    let secrets = at(&t, "az ad sp credential delete");
    let app = at(&t, "az ad app delete --id app-1");
    assert!(secrets < app, "{t}");
    m.principal_after.retire = Retire::After { hours: 24 };
    let t = script(&m).map(|s| s.text).unwrap_or_default();
    assert!(t.contains("# after 24 h: az ad app delete --id app-1"), "{t}");
}
