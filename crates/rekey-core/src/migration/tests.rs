//! The AKS rules and the journal's replay, on made-up discoveries and events.

use super::discovery::Found;
use super::journal::{Event, Line, State};
use super::model::{ClusterMove, Grant, IdentityChoice, MigrationPlan, PoolUpgrade, PrincipalAfter, Who};
use super::rules;
use crate::azure::arm::ClusterId;
use crate::azure::models::ManagedCluster;
use crate::azure::roles::RoleAssignment;
use crate::rotation::model::Check;
use crate::rotation::rules::RotationError;

const SUB: &str = "00000000-0000-0000-0000-000000000001";

fn held(scope: &str, role: &str) -> RoleAssignment {
    RoleAssignment {
        id: format!("{scope}/providers/Microsoft.Authorization/roleAssignments/x"),
        scope: scope.into(),
        role_definition_id: format!(
            "/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}"
        ),
        principal_id: "p".into(),
        role_name: String::new(),
    }
}

fn found(unreadable: Vec<String>) -> Found {
    let cluster: ManagedCluster = serde_json::from_value(serde_json::json!({
        "id": format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c"),
        "name": "c",
        "properties": {"provisioningState": "Succeeded", "powerState": {"code": "Running"},
                       "servicePrincipalProfile": {"clientId": "app"}}
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let net = format!("/subscriptions/{SUB}/resourceGroups/net/providers/Microsoft.Network");
    Found {
        cluster,
        cluster_id: ClusterId::parse(&format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c"
        ))
        .unwrap_or_else(|e| panic!("{e}")),
        app_id: "app".into(),
        sp_object_id: Ok("sp".into()),
        node_resource_group_id: Some(format!("/subscriptions/{SUB}/resourceGroups/MC_rg_c")),
        subnets: vec![format!("{net}/virtualNetworks/v/subnets/s")],
        route_tables: vec![(format!("{net}/virtualNetworks/v/subnets/s"), Ok(Some(format!("{net}/routeTables/rt"))))],
        private_dns_zone: Some(format!("{net}/privateDnsZones/z")),
        held: vec![
            held(&format!("{net}/virtualNetworks/v"), rules::NETWORK_CONTRIBUTOR),
            held(
                &format!("/subscriptions/{SUB}/resourceGroups/acr/providers/Microsoft.ContainerRegistry/registries/r"),
                rules::ACR_PULL,
            ),
            held(&format!("/subscriptions/{SUB}/resourceGroups/MC_rg_c"), "b24988ac-6180-42a0-ab88-20f7382dd24c"),
            held(&format!("/subscriptions/{SUB}"), "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
        ],
        unreadable,
    }
}

#[test]
fn each_thing_the_cluster_touches_gives_its_role_to_the_right_identity() {
    let f = found(Vec::new());
    let grants = rules::needs(&f);
    let has = |who: Who, role: &str, end: &str| {
        grants
            .iter()
            .any(|g| g.who == who && g.role == role && g.scope.ends_with(end) && !g.source.is_empty())
    };
    assert!(has(Who::ControlPlane, "Network Contributor", "/subnets/s"));
    assert!(has(Who::ControlPlane, "Network Contributor", "/routeTables/rt"));
    assert!(has(
        Who::ControlPlane,
        "Private DNS Zone Contributor",
        "/privateDnsZones/z"
    ));
    assert!(has(
        Who::ControlPlane,
        "Network Contributor",
        "/virtualNetworks/v"
    ));
    assert!(has(Who::Kubelet, "AcrPull", "/registries/r"));
    assert_eq!(grants.len(), 5, "{grants:?}");
    let verdicts = rules::verdicts(&f, &grants);
    let said = |end: &str| {
        verdicts
            .iter()
            .find(|v| v.assignment.scope.ends_with(end))
            .map(|v| v.verdict.clone())
            .unwrap_or_default()
    };
    assert!(said("/virtualNetworks/v").starts_with("needed"), "{verdicts:?}");
    assert!(said("/registries/r").starts_with("needed"));
    assert!(said("/MC_rg_c").starts_with("not needed"));
    assert!(said(SUB).starts_with("no AKS rule"));
}

#[test]
fn what_could_not_be_read_blocks_and_custom_networking_wants_a_user_assigned_identity() {
    let f = found(vec!["the route table of subnet s: 403".into()]);
    let grants = rules::needs(&f);
    let checks = rules::checks(&f, &IdentityChoice::SystemAssigned, &grants);
    let blocked = crate::rotation::rules::blocking(&checks).unwrap_or_default();
    assert!(
        blocked.contains("could not read the route table of subnet s"),
        "{blocked}"
    );
    // Its own route table: AKS takes only a user-assigned identity.
    assert!(
        blocked.contains("route table, which AKS supports only with a user-assigned"),
        "{blocked}"
    );
    let user = IdentityChoice::UserAssigned {
        id: "/subscriptions/s/x".into(),
        create: true,
        location: String::new(),
    };
    let clean = found(Vec::new());
    let checks = rules::checks(&clean, &user, &rules::needs(&clean));
    assert!(crate::rotation::rules::blocking(&checks).is_none(), "{checks:?}");
    // A custom subnet without a route table: system-assigned works, with a warning about the gap.
    let mut subnet_only = found(Vec::new());
    subnet_only.route_tables.clear();
    subnet_only.held.clear();
    subnet_only.private_dns_zone = None;
    let checks = rules::checks(
        &subnet_only,
        &IdentityChoice::SystemAssigned,
        &rules::needs(&subnet_only),
    );
    assert!(crate::rotation::rules::blocking(&checks).is_none(), "{checks:?}");
    assert!(checks
        .iter()
        .any(|c| c.name == "identity" && c.level == super::model::CheckLevel::Warn));
}

#[test]
fn a_custom_private_dns_zone_takes_only_a_user_assigned_identity_given_the_zone_first() {
    let mut zone_only = found(Vec::new());
    zone_only.subnets.clear();
    zone_only.route_tables.clear();
    zone_only.held.clear();
    let grants = rules::needs(&zone_only);
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(
        (grants[0].who, grants[0].role.as_str(), grants[0].role_id.as_str()),
        (
            Who::ControlPlane,
            "Private DNS Zone Contributor",
            rules::PRIVATE_DNS_ZONE_CONTRIBUTOR
        )
    );
    let checks = rules::checks(&zone_only, &IdentityChoice::SystemAssigned, &grants);
    let blocked = crate::rotation::rules::blocking(&checks).unwrap_or_default();
    assert!(
        blocked.contains("CustomPrivateDNSZoneMissingPermissionError"),
        "{blocked}"
    );
    assert!(blocked.contains("/privateDnsZones/z"), "{blocked}");
    let user = IdentityChoice::UserAssigned {
        id: "/subscriptions/s/x".into(),
        create: true,
        location: String::new(),
    };
    let checks = rules::checks(&zone_only, &user, &grants);
    assert!(crate::rotation::rules::blocking(&checks).is_none(), "{checks:?}");
}

#[test]
fn aks_refusing_a_zone_role_not_yet_in_effect_is_waited_out() {
    use crate::azure::{AzureError, CallError};
    use crate::rotation::retry::{classify, Kind};
    let refused = CallError::Azure(AzureError::Api {
        status: 400,
        code: "CustomPrivateDNSZoneMissingPermissionError".into(),
        message: "Service principal or user-assigned identity must be given permission to read and write to \
                  custom private dns zone z. Check access result not allowed for action \
                  Microsoft.Network/privateDnsZones/read."
            .into(),
        request_id: None,
    });
    assert_eq!(classify(&refused), Kind::Replication);
}

#[test]
fn registries_and_networks_are_read_from_scopes() {
    assert_eq!(
        rules::registry_of("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r/scopeMaps/x")
            .as_deref(),
        Some("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r")
    );
    assert_eq!(rules::registry_of("/subscriptions/s/resourceGroups/g"), None);
    assert_eq!(
        rules::vnet_of(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
        )
        .as_deref(),
        Some("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v")
    );
}

#[test]
fn a_failed_operation_in_the_journal_means_send_it_again() {
    let plan: super::model::ClusterMove = serde_json::from_value(serde_json::json!({
        "migrationId": "m", "tenantId": "", "clusterId": "c", "name": "c", "location": "", "production": false,
        "appId": "a", "spObjectId": null, "identity": {"kind": "systemAssigned"}, "identityPrincipalId": null,
        "held": [], "grants": [], "pools": [],
        "principalAfter": {"appId": "a", "sharedWith": [], "retire": {"kind": "now"}, "note": ""},
        "checks": [], "blockedBy": null
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let pin = crate::session::Pin {
        account_id: "x".into(),
        login_endpoint: "l".into(),
        arm_endpoint: "a".into(),
        graph_endpoint: "g".into(),
    };
    let line = |event| Line {
        at: chrono::Utc::now(),
        event,
    };
    let mut lines = vec![
        line(Event::Planned {
            plan,
            actor: "t".into(),
            pin: Box::new(pin),
        }),
        line(Event::UpdateRequested),
        line(Event::UpdateAccepted { handle: None }),
    ];
    let state = State::replay(&lines).unwrap_or_else(|| panic!("replay"));
    assert!(state.update_requested && state.update_accepted.is_some());
    lines.push(line(Event::UpdateFailed {
        code: "Failed".into(),
    }));
    lines.push(line(Event::PoolUpgradeRequested { pool: "p".into() }));
    lines.push(line(Event::PoolUpgradeAccepted {
        pool: "p".into(),
        handle: None,
    }));
    lines.push(line(Event::PoolUpgradeFailed {
        pool: "p".into(),
        code: "Failed".into(),
    }));
    let state = State::replay(&lines).unwrap_or_else(|| panic!("replay"));
    assert!(!state.update_requested && state.update_accepted.is_none());
    assert!(state.pools_requested.is_empty() && state.pools_accepted.is_empty());
    // Lines round-trip through the file format, and a torn last line is ignored.
    let mut text = String::new();
    for l in &lines {
        text.push_str(&serde_json::to_string(l).unwrap_or_default());
        text.push('\n');
    }
    text.push_str("{\"at\":");
    let parsed: Vec<Line> = crate::rotation::journal::file::parse_lines(text.as_bytes()).unwrap_or_default();
    assert_eq!(parsed, lines);
}

fn cluster(name: &str, blocked: bool) -> ClusterMove {
    ClusterMove {
        migration_id: format!("m-{name}"),
        tenant_id: "t".into(),
        cluster_id: format!(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}"
        ),
        name: name.into(),
        location: "westeurope".into(),
        production: true,
        app_id: "app-1".into(),
        sp_object_id: None,
        identity: IdentityChoice::SystemAssigned,
        identity_principal_id: None,
        held: vec![],
        grants: vec![Grant {
            who: Who::Kubelet,
            role: "AcrPull".into(),
            role_id: "7f951dda-4ed3-4680-a7ca-43fe172d538d".into(),
            scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"
                .into(),
            why: "image pulls".into(),
            source: "https://learn.microsoft.com/azure/aks/cluster-container-registry-integration".into(),
            already: None,
        }],
        pools: vec![PoolUpgrade {
            name: "system".into(),
            node_count: 3,
            max_surge: None,
            impact: "3 nodes re-imaged".into(),
        }],
        principal_after: PrincipalAfter {
            app_id: "app-1".into(),
            shared_with: vec![],
            retire: crate::rotation::Retire::Never,
            delete: false,
            note: "its secrets are kept".into(),
        },
        checks: if blocked {
            vec![Check::block(name, "unreadable")]
        } else {
            vec![]
        },
        blocked_by: None,
    }
}

#[test]
fn the_confirmation_names_what_moves_and_says_it_cannot_be_undone_and_typed_names_are_checked() {
    let plan = MigrationPlan {
        clusters: vec![cluster("aks-payments", false), cluster("aks-blocked", true)],
        problems: vec![],
    };
    let text = plan.confirmation();
    assert!(text.contains("cannot be undone"), "{text}");
    assert!(
        text.contains("aks-payments (production) → system-assigned"),
        "{text}"
    );
    assert!(
        text.contains("grant AcrPull to the kubelet identity on /subscriptions/s/"),
        "{text}"
    );
    assert!(text.contains("node pool system: 3 nodes re-imaged"), "{text}");
    assert!(
        !text.contains("aks-blocked"),
        "a blocked cluster does not move: {text}"
    );
    assert_eq!(plan.to_run(), Ok(vec!["m-aks-payments".to_string()]));
    let named =
        |names: &[&str]| plan.check_confirmed(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
    assert_eq!(
        named(&["aks-blocked"]),
        Err(RotationError::ConfirmationRequired(vec!["aks-payments".into()]))
    );
    assert_eq!(
        named(&["AKS-PAYMENTS"]).map_err(|e| e.code()),
        Err("confirmation_required")
    );
    assert_eq!(named(&["aks-payments"]), Ok(()));
    let blocked = MigrationPlan {
        clusters: vec![cluster("aks-blocked", true)],
        problems: vec![],
    };
    assert_eq!(blocked.to_run(), Err(RotationError::NothingToMove));
}
