//! Finding the clusters: one paged Resource Graph query per group of at most 300 subscriptions,
//! and ARM listing per subscription for a group Resource Graph refused or failed.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::blind::{self, BlindSpot, BlindSpotKind};
use super::classify::{classify, ClusterRow};
use super::model::InventorySource;
use crate::azure::arg::{ArgClient, MAX_SUBSCRIPTIONS_PER_QUERY};
use crate::azure::arm::ArmClient;
use crate::azure::models::{
    AadProfile, AgentPoolProfile, ManagedCluster, ManagedClusterIdentity, ManagedClusterProperties,
    PowerState, ServicePrincipalProfile, Subscription,
};
use crate::azure::CallError;

/// Every field classification needs, in a few hundred bytes a cluster (ARG stores types lowercase).
pub const CLUSTERS_QUERY: &str = "resources
| where type =~ 'microsoft.containerservice/managedclusters'
| project id, name, location, resourceGroup, subscriptionId, tenantId,
          spClientId = tostring(properties.servicePrincipalProfile.clientId),
          identityType = tostring(identity.type),
          provisioningState = tostring(properties.provisioningState),
          powerState = tostring(properties.powerState.code),
          kubernetesVersion = tostring(properties.kubernetesVersion),
          currentKubernetesVersion = tostring(properties.currentKubernetesVersion),
          aadManaged = tobool(properties.aadProfile.managed),
          aadServerAppId = tostring(properties.aadProfile.serverAppID),
          agentPoolProfiles = properties.agentPoolProfiles
| order by id asc";

/// The clusters found and how.
#[derive(Debug)]
pub struct Discovery {
    pub rows: Vec<ClusterRow>,
    pub warnings: Vec<String>,
    /// Subscriptions and listings that could not be read.
    pub blind_spots: Vec<BlindSpot>,
    pub source: InventorySource,
    pub subscriptions_scanned: u32,
    pub cancelled: bool,
}

/// A row of [`CLUSTERS_QUERY`]. `tostring` of a missing property is `""`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArgCluster {
    id: String,
    name: String,
    #[serde(default)]
    location: Option<String>,
    subscription_id: String,
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    sp_client_id: Option<String>,
    #[serde(default)]
    identity_type: Option<String>,
    #[serde(default)]
    provisioning_state: Option<String>,
    #[serde(default)]
    power_state: Option<String>,
    #[serde(default)]
    kubernetes_version: Option<String>,
    #[serde(default)]
    current_kubernetes_version: Option<String>,
    #[serde(default)]
    aad_managed: Option<bool>,
    #[serde(default)]
    aad_server_app_id: Option<String>,
    #[serde(default)]
    agent_pool_profiles: Option<Vec<AgentPoolProfile>>,
}

fn present(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

impl ArgCluster {
    /// The same resource ARM would have returned, as far as classification reads it.
    fn into_cluster(self) -> ManagedCluster {
        let server_app_id = present(self.aad_server_app_id);
        let aad_profile = (self.aad_managed.is_some() || server_app_id.is_some()).then_some(AadProfile {
            managed: self.aad_managed,
            server_app_id,
            // Rotation reads the cluster from ARM, which has these; the inventory does not need them.
            client_app_id: None,
            tenant_id: None,
        });
        ManagedCluster {
            id: self.id,
            name: self.name,
            location: self.location.unwrap_or_default(),
            identity: present(self.identity_type).map(|kind| ManagedClusterIdentity {
                kind: Some(kind),
                ..ManagedClusterIdentity::default()
            }),
            tags: None,
            properties: ManagedClusterProperties {
                provisioning_state: present(self.provisioning_state),
                power_state: present(self.power_state).map(|code| PowerState { code: Some(code) }),
                kubernetes_version: present(self.kubernetes_version),
                current_kubernetes_version: present(self.current_kubernetes_version),
                service_principal_profile: present(self.sp_client_id)
                    .map(|client_id| ServicePrincipalProfile { client_id }),
                aad_profile,
                agent_pool_profiles: self.agent_pool_profiles.unwrap_or_default(),
                ..ManagedClusterProperties::default()
            },
        }
    }
}

/// A Resource Graph row as a table row; its subscription is looked up in `by_id` (keyed by lowercase
/// ID), or made up from the row when the query returned a subscription Rekey did not ask about.
pub(crate) fn arg_row(row: ArgCluster, by_id: &HashMap<String, &Subscription>) -> ClusterRow {
    let tenant = row.tenant_id.clone();
    let key = row.subscription_id.to_ascii_lowercase();
    let cluster = row.into_cluster();
    let subscription = by_id
        .get(&key)
        .map(|s| (*s).clone())
        .unwrap_or_else(|| Subscription {
            subscription_id: key.clone(),
            tenant_id: tenant,
            display_name: key,
            state: None,
        });
    classify(&cluster, &subscription)
}

/// What one finished task found.
enum Found {
    Graph {
        group: Vec<Subscription>,
        result: Result<(Vec<ArgCluster>, bool), CallError>,
    },
    Arm {
        subscription: Subscription,
        result: Result<Vec<ManagedCluster>, CallError>,
    },
}

/// Finds the clusters of `subscriptions`, with at most `limit` requests in flight. `on_scanned`
/// gets the running totals (subscriptions scanned, clusters found) as results arrive.
pub async fn discover(
    arm: &ArmClient,
    arg: &ArgClient,
    subscriptions: &[Subscription],
    limit: &Arc<Semaphore>,
    cancel: &CancellationToken,
    mut on_scanned: impl FnMut(u32, u32),
) -> Discovery {
    let by_id: HashMap<String, &Subscription> = subscriptions
        .iter()
        .map(|s| (s.subscription_id.to_ascii_lowercase(), s))
        .collect();
    let mut found = Discovery {
        rows: Vec::new(),
        warnings: Vec::new(),
        blind_spots: Vec::new(),
        source: InventorySource::ResourceGraph,
        subscriptions_scanned: 0,
        cancelled: false,
    };
    let mut tasks = JoinSet::new();
    for group in subscriptions.chunks(MAX_SUBSCRIPTIONS_PER_QUERY) {
        let (arg, limit, group) = (arg.clone(), limit.clone(), group.to_vec());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let ids: Vec<String> = group.iter().map(|s| s.subscription_id.clone()).collect();
            let result = arg.query_all::<ArgCluster>(CLUSTERS_QUERY, &ids).await;
            Found::Graph { group, result }
        });
    }
    let mut fallback_reasons: Vec<String> = Vec::new();
    loop {
        let joined = tokio::select! {
            () = cancel.cancelled() => {
                found.cancelled = true;
                break;
            }
            joined = tasks.join_next() => joined,
        };
        let Some(joined) = joined else { break };
        match joined {
            Ok(Found::Graph {
                group,
                result: Ok((rows, truncated)),
            }) => {
                if truncated {
                    let why = "Resource Graph left some clusters out of its answer (resultTruncated).";
                    found.warnings.push(why.into());
                    blind::add(
                        &mut found.blind_spots,
                        BlindSpot::new(BlindSpotKind::Listing, "", why),
                    );
                }
                found
                    .rows
                    .extend(rows.into_iter().map(|row| arg_row(row, &by_id)));
                found.subscriptions_scanned += u32::try_from(group.len()).unwrap_or(u32::MAX);
            }
            Ok(Found::Graph {
                group,
                result: Err(e),
            }) => {
                tracing::info!(error = %e, "Resource Graph failed; listing clusters through ARM");
                fallback_reasons.push(e.to_string());
                found.source = InventorySource::Arm;
                for subscription in group {
                    let (arm, limit) = (arm.clone(), limit.clone());
                    tasks.spawn(async move {
                        let _permit = limit.acquire_owned().await;
                        let result = arm.list_managed_clusters(&subscription.subscription_id).await;
                        Found::Arm { subscription, result }
                    });
                }
            }
            Ok(Found::Arm {
                subscription,
                result: Ok(clusters),
            }) => {
                found
                    .rows
                    .extend(clusters.iter().map(|c| classify(c, &subscription)));
                found.subscriptions_scanned += 1;
            }
            Ok(Found::Arm {
                subscription,
                result: Err(e),
            }) => {
                found.warnings.push(format!(
                    "Subscription {} ({}): its clusters could not be listed: {e}",
                    subscription.display_name, subscription.subscription_id
                ));
                let spot = BlindSpot::new(
                    BlindSpotKind::Subscription,
                    &subscription.subscription_id,
                    format!("its clusters could not be listed: {e}"),
                )
                .named(Some(subscription.display_name.clone()))
                .code(e.code());
                blind::add(&mut found.blind_spots, spot);
                found.subscriptions_scanned += 1;
            }
            Err(e) => {
                let why = format!("A cluster listing stopped unexpectedly: {e}");
                found.warnings.push(why.clone());
                found
                    .blind_spots
                    .push(BlindSpot::new(BlindSpotKind::Listing, "", why));
            }
        }
        on_scanned(
            found.subscriptions_scanned,
            u32::try_from(found.rows.len()).unwrap_or(u32::MAX),
        );
    }
    if let Some(first) = fallback_reasons.first() {
        found.warnings.insert(
            0,
            format!(
                "Resource Graph could not be used ({first}); the clusters were listed through ARM, one \
                 subscription at a time, instead."
            ),
        );
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{AadIntegration, IdentityKind};

    #[test]
    fn a_resource_graph_row_classifies_like_the_arm_resource() {
        let row: ArgCluster = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/S1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a",
            "name": "a", "location": "westeurope", "resourceGroup": "rg", "subscriptionId": "s1",
            "tenantId": "t1", "spClientId": "00000000-0000-0000-0000-000000000001", "identityType": "",
            "provisioningState": "Succeeded", "powerState": "Running", "kubernetesVersion": "1.31.2",
            "currentKubernetesVersion": "", "aadManaged": false,
            "aadServerAppId": "00000000-0000-0000-0000-000000000002",
            "agentPoolProfiles": [{"count": 3}, {"count": 2}]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let subscription = Subscription {
            subscription_id: "s1".into(),
            tenant_id: Some("t1".into()),
            display_name: "One".into(),
            state: None,
        };
        let c = classify(&row.into_cluster(), &subscription);
        assert_eq!(c.identity_kind, IdentityKind::ServicePrincipal);
        assert_eq!(c.aad_integration, AadIntegration::Legacy);
        assert_eq!(c.node_count, Some(5));
        assert_eq!(c.kubernetes_version.as_deref(), Some("1.31.2"));
        assert_eq!(c.power_state.as_deref(), Some("Running"));
        assert_eq!(c.resource_group, "rg");
    }

    #[test]
    fn a_row_without_an_identity_is_a_managed_identity() {
        let row: ArgCluster = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s1/resourceGroups/rg/providers/x/managedClusters/b", "name": "b",
            "subscriptionId": "s1", "spClientId": "msi", "aadManaged": null, "aadServerAppId": "",
            "agentPoolProfiles": null
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let cluster = row.into_cluster();
        assert!(cluster.properties.aad_profile.is_none());
        let sub = Subscription {
            subscription_id: "s1".into(),
            tenant_id: None,
            display_name: "One".into(),
            state: None,
        };
        let c = classify(&cluster, &sub);
        assert_eq!(c.identity_kind, IdentityKind::ManagedIdentity);
        assert_eq!(c.node_count, None);
    }
}
