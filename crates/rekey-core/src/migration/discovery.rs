//! Discovery, reads only: for one service-principal cluster, everything the move depends on — the
//! principal's object and its role assignments in every subscription it can be seen in (paged), the
//! custom subnets of the node pools and their route tables, a custom private DNS zone, the node
//! resource group. What could not be read is listed as such, never taken as "nothing there".

use std::collections::BTreeSet;

use serde_json::Value;

use crate::azure::arm::ClusterId;
use crate::azure::identity::{ResourceId, NETWORK_API};
use crate::azure::models::ManagedCluster;
use crate::azure::roles::RoleAssignment;
use crate::rotation::retry::explain;
use crate::session::Session;

/// What discovery found for one cluster.
#[derive(Debug, Clone)]
pub struct Found {
    pub cluster: ManagedCluster,
    pub cluster_id: ClusterId,
    /// The service principal's app (client) ID.
    pub app_id: String,
    /// Its object ID in this directory, or why it is not known.
    pub sp_object_id: Result<String, String>,
    /// `/subscriptions/{s}/resourceGroups/{nodeResourceGroup}`.
    pub node_resource_group_id: Option<String>,
    /// The node pools' custom subnets (`agentPoolProfiles[].vnetSubnetID`), distinct.
    pub subnets: Vec<String>,
    /// Each custom subnet's route table (`properties.routeTable.id`), none, or why unreadable.
    pub route_tables: Vec<(String, Result<Option<String>, String>)>,
    /// `apiServerAccessProfile.privateDNSZone` when it is a zone's resource ID.
    pub private_dns_zone: Option<String>,
    /// The principal's role assignments, from every subscription read.
    pub held: Vec<RoleAssignment>,
    /// What could not be read, in words.
    pub unreadable: Vec<String>,
}

/// The service principal a cluster signs in with, or why it has none to move from.
pub fn principal_of(cluster: &ManagedCluster) -> Result<String, String> {
    match cluster
        .properties
        .service_principal_profile
        .as_ref()
        .map(|s| s.client_id.as_str())
    {
        Some(id) if !id.is_empty() && !id.eq_ignore_ascii_case("msi") => Ok(id.to_string()),
        _ => Err("it already uses a managed identity: there is nothing to move".into()),
    }
}

/// Reads everything the move of `cluster` depends on. `Err` only when the cluster itself cannot be
/// read or has no service principal.
pub async fn discover(session: &Session, id: &ClusterId) -> Result<Found, String> {
    let arm = &session.arm;
    let cluster = arm.get_cluster(id).await.map_err(|e| explain(&e))?;
    let app_id = principal_of(&cluster)?;
    let mut unreadable = Vec::new();
    let sp_object_id = match session.graph.service_principal(&app_id).await {
        Ok(Some(sp)) => Ok(sp.id),
        Ok(None) => Err(format!(
            "no service principal of app {app_id} in this directory: the cluster's credentials cannot work"
        )),
        Err(e) => {
            unreadable.push(format!("the service principal of app {app_id}: {}", explain(&e)));
            Err(format!("the service principal of app {app_id} could not be read"))
        }
    };
    let p = &cluster.properties;
    let node_resource_group_id = p
        .node_resource_group
        .as_ref()
        .map(|rg| format!("/subscriptions/{}/resourceGroups/{rg}", id.subscription));
    let subnets: Vec<String> = p
        .agent_pool_profiles
        .iter()
        .filter_map(|a| a.vnet_subnet_id.clone())
        .filter(|s| !s.trim().is_empty())
        .fold(Vec::new(), |mut out, s| {
            if !out.iter().any(|o: &String| o.eq_ignore_ascii_case(&s)) {
                out.push(s);
            }
            out
        });
    let mut route_tables = Vec::new();
    for subnet in &subnets {
        let table = route_table(session, subnet).await;
        if let Err(why) = &table {
            unreadable.push(format!("the route table of subnet {subnet}: {why}"));
        }
        route_tables.push((subnet.clone(), table));
    }
    let private_dns_zone = p
        .api_server_access_profile
        .as_ref()
        .and_then(|a| a.private_dns_zone.clone())
        .filter(|z| z.trim_start().starts_with('/'));
    let mut held = Vec::new();
    if let Ok(object_id) = &sp_object_id {
        // Every subscription the cluster touches, and every other one this account sees: a
        // registry or a network may live anywhere.
        let touched: Vec<String> = std::iter::once(id.subscription.clone())
            .chain(
                subnets
                    .iter()
                    .chain(private_dns_zone.iter())
                    .filter_map(|scope| ResourceId::parse(scope).ok().map(|r| r.subscription)),
            )
            .collect();
        let (found, problems) = roles_everywhere(session, object_id, &touched).await;
        held = found;
        unreadable.extend(problems);
    }
    Ok(Found {
        cluster_id: id.clone(),
        app_id,
        sp_object_id,
        node_resource_group_id,
        subnets,
        route_tables,
        private_dns_zone,
        held,
        unreadable,
        cluster,
    })
}

/// A subnet's route table ID (`properties.routeTable.id`), or none.
/// Every role assignment of `object_id` in `touched` and every subscription this account sees,
/// each once, with what could not be read.
pub async fn roles_everywhere(
    session: &Session,
    object_id: &str,
    touched: &[String],
) -> (Vec<RoleAssignment>, Vec<String>) {
    let arm = &session.arm;
    let mut unreadable = Vec::new();
    let mut subscriptions: BTreeSet<String> = touched.iter().map(|s| s.to_ascii_lowercase()).collect();
    match arm.list_subscriptions().await {
        Ok(subs) => subscriptions.extend(subs.into_iter().map(|s| s.subscription_id.to_ascii_lowercase())),
        Err(e) => unreadable.push(format!("the list of subscriptions: {}", explain(&e))),
    }
    let mut held: Vec<RoleAssignment> = Vec::new();
    for sub in subscriptions {
        match arm.role_assignments_of(&sub, object_id).await {
            Ok(list) => {
                for a in list {
                    if !held.iter().any(|h| h.id.eq_ignore_ascii_case(&a.id)) {
                        held.push(a);
                    }
                }
            }
            Err(e) => unreadable.push(format!(
                "the principal's role assignments in subscription {sub}: {}",
                explain(&e)
            )),
        }
    }
    (held, unreadable)
}

async fn route_table(session: &Session, subnet: &str) -> Result<Option<String>, String> {
    let id = ResourceId::parse(subnet).map_err(|e| e.to_string())?;
    let resource: Value = session
        .arm
        .resource(&id, NETWORK_API)
        .await
        .map_err(|e| explain(&e))?;
    Ok(resource
        .pointer("/properties/routeTable/id")
        .and_then(Value::as_str)
        .map(str::to_string))
}

/// The role assignments of `principal_id` in the subscriptions of `scopes`: what a new identity
/// already holds. `Err` names what could not be read.
pub async fn assignments_for(
    session: &Session,
    principal_id: &str,
    scopes: impl Iterator<Item = &str>,
) -> Result<Vec<RoleAssignment>, String> {
    let subscriptions: BTreeSet<String> = scopes
        .filter_map(|s| ResourceId::parse(s).ok())
        .map(|r| r.subscription.to_ascii_lowercase())
        .collect();
    let mut out = Vec::new();
    for sub in subscriptions {
        let list = session
            .arm
            .role_assignments_of(&sub, principal_id)
            .await
            .map_err(|e| format!("role assignments of {principal_id} in {sub}: {}", explain(&e)))?;
        out.extend(list);
    }
    Ok(out)
}
