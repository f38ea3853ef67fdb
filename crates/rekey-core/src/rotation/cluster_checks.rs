//! The checks of one cluster before a rotation, from its ARM resource alone: which principal the
//! mode changes, its state, its production tags, the re-image impact of a reset, the legacy AAD
//! integration's retirement. The pre-flight ([`super::preflight`]) adds what Entra ID and the
//! caller's roles say.

use super::model::{Check, Mode, PlannedCluster};
use crate::azure::arm::ClusterId;
use crate::azure::models::ManagedCluster;

const LEGACY_AAD_RETIRED: &str = "The legacy AAD integration is retired: Azure stopped supporting it and \
migrates such clusters to AKS-managed Entra ID. Plan the migration: https://aka.ms/aks-managed-aad";

/// The principal a cluster's rotation in `mode` changes: the cluster SP's app ID, or the legacy AAD
/// server app's. `Err` says why the cluster cannot be rotated that way.
pub fn principal_of(cluster: &ManagedCluster, mode: Mode) -> Result<String, String> {
    let p = &cluster.properties;
    match mode {
        Mode::Secret | Mode::NewSp => {
            match p.service_principal_profile.as_ref().map(|s| s.client_id.as_str()) {
                Some(id) if !id.eq_ignore_ascii_case("msi") && !id.is_empty() => Ok(id.to_string()),
                _ => Err(
                    "it uses a managed identity: Azure rotates its credentials, there is nothing to do"
                        .into(),
                ),
            }
        }
        Mode::Aad => {
            let aad = p.aad_profile.as_ref();
            if aad.and_then(|a| a.managed) == Some(true) {
                return Err("it uses AKS-managed Entra ID, which has no secret to rotate".into());
            }
            match aad.and_then(|a| a.server_app_id.clone()) {
                Some(id) if !id.is_empty() => Ok(id),
                _ => Err("it has no legacy AAD integration".into()),
            }
        }
    }
}

/// What re-imaging `nodes` nodes in `pools` pools does, with their max surge: the same words for a
/// credential reset and a node image upgrade.
pub fn reimage(nodes: u32, pools: u32, surge: Option<&str>) -> String {
    format!(
        "re-images the nodes: {nodes} node(s) in {pools} pool(s), max surge {}; workloads are drained \
         node by node",
        surge.unwrap_or("default (10%)")
    )
}

/// The checks of one cluster, from its ARM resource.
pub(super) fn cluster_checks(
    cluster: &ManagedCluster,
    mode: Mode,
) -> (PlannedCluster, Result<String, String>) {
    let p = &cluster.properties;
    let id = ClusterId::parse(&cluster.id).ok();
    let mut checks = Vec::new();
    let state = p.provisioning_state.clone().unwrap_or_default();
    if state.eq_ignore_ascii_case("Succeeded") {
        checks.push(Check::ok("provisioning state", "Succeeded"));
    } else {
        checks.push(Check::block(
            "provisioning state",
            format!("it is '{state}', not Succeeded: fix or finish the cluster's last operation first"),
        ));
    }
    let power = p
        .power_state
        .as_ref()
        .and_then(|s| s.code.clone())
        .unwrap_or_default();
    if power.eq_ignore_ascii_case("Running") {
        checks.push(Check::ok("power state", "Running"));
    } else {
        checks.push(Check::block(
            "power state",
            format!("it is '{power}': start the cluster (az aks start) before rotating its credentials"),
        ));
    }
    let principal = principal_of(cluster, mode);
    match &principal {
        Ok(app) => checks.push(Check::ok(
            "identity",
            match mode {
                Mode::Aad => format!("legacy AAD server app {app}"),
                _ => format!("service principal {app}"),
            },
        )),
        Err(why) => checks.push(Check::block("identity", why.clone())),
    }
    if mode == Mode::Aad && principal.is_ok() {
        checks.push(Check::warn("legacy AAD", LEGACY_AAD_RETIRED));
    }
    let nodes: u32 = p.agent_pool_profiles.iter().filter_map(|a| a.count).sum();
    let pools = u32::try_from(p.agent_pool_profiles.len()).unwrap_or(u32::MAX);
    let surge = p
        .agent_pool_profiles
        .iter()
        .filter_map(|a| a.upgrade_settings.as_ref().and_then(|u| u.max_surge.clone()))
        .next();
    if mode != Mode::Aad {
        checks.push(Check::warn(
            "node re-image",
            format!("the reset {}", reimage(nodes, pools, surge.as_deref())),
        ));
    }
    let planned = PlannedCluster {
        blocked_by: None,
        id: cluster.id.clone(),
        name: cluster.name.clone(),
        resource_group: id.as_ref().map(|i| i.resource_group.clone()).unwrap_or_default(),
        subscription_id: id.as_ref().map(|i| i.subscription.clone()).unwrap_or_default(),
        node_count: nodes,
        node_pools: pools,
        max_surge: surge,
        production: super::rules::production(cluster),
        added_as_shared: false,
        checks,
    };
    (planned, principal)
}
