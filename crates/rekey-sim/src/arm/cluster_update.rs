//! The managed-cluster PUT of an existing cluster, as `az aks update --enable-managed-identity
//! [--assign-identity ID]` sends it (a GET, then a PUT of the whole model with `identity` set:
//! azure-cli `acs/managed_cluster_decorator.py`, `AKSManagedClusterUpdateDecorator.update_identity`).
//! What changes here is the identity; the rest of the model is taken as it is. The rules AKS applies:
//! - no way back: "Once you create a cluster with a managed identity, you can't switch back to
//!   using a service principal" (docs aks/use-managed-identity, Limitations);
//! - a user-assigned identity must exist, and exactly one is given (`ManagedClusterIdentity`,
//!   managedClusters.json: "The keys must be ARM resource IDs");
//! - on custom networking the control-plane identity must be allowed to join the nodes' subnet
//!   (`Microsoft.Network/virtualNetworks/subnets/join/action`: docs aks/aks-service-permissions,
//!   "Cluster identity permissions"; Network Contributor on the subnet, docs aks/configure-kubenet).
//!   A user-assigned identity exists before the update, so AKS's node update fails when it lacks
//!   the right: the operation ends Failed with ARM's `LinkedAuthorizationFailed`. A system-assigned
//!   identity does not exist until the update creates it: the docs have the admin grant its roles
//!   after the update (use-managed-identity, "Add a role assignment for a system-assigned managed
//!   identity"), so the update itself succeeds.
//! - kubenet with its own route table: a system-assigned identity is refused ("Clusters using
//!   managed identity type SystemAssigned do not support bringing your own route table",
//!   Azure/AKS#2333; docs aks/configure-kubenet "Bring your own subnet and route table"); a
//!   user-assigned identity needs rights on the route table (Network Contributor there:
//!   MicrosoftDocs/azure-docs#80852; `Microsoft.Network/routeTables/*` in aks/aks-service-permissions),
//!   or the operation fails with ARM's `AuthorizationFailed` when AKS writes the routes.
//! - a private cluster with its own private DNS zone: a user-assigned identity that may read and
//!   write the zone, checked before the operation starts (`private_dns_zone.rs`).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::authentication::Caller;
use super::cluster_json::cluster_json;
use super::clusters::{self, ClusterPath};
use super::identity_update::kubelet_for;
use super::providers::CONTAINER_SERVICE;
use super::{operations, private_dns_zone, rbac, reset};
use crate::context::Sim;
use crate::request::{property as field, SimRequest};
use crate::responses::{arm_error, arm_json, invalid_request_content};
use crate::state::{stable_id, ClusterIdentity, CredentialChange, ManagedCluster, OperationError, World};

/// The action ARM checks on the subnet the nodes join.
const JOIN_SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets/join/action";
/// What kubenet does to a route table of its own: write the nodes' routes.
const WRITE_ROUTES: &str = "Microsoft.Network/routeTables/routes/write";

pub(super) fn put(sim: &Sim, req: &SimRequest, caller: &Caller, path: &ClusterPath) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    operations::settle(&mut world, now);
    let action = format!("{CONTAINER_SERVICE}/managedClusters/write");
    let (sub, index) = match clusters::for_write(&world, caller, path, "", &action) {
        Ok((sub, _, index)) => (sub, index),
        // In Azure a PUT of a missing cluster creates it; the simulator creates none: ARM's 404.
        Err(response) => return response,
    };
    let Some(cluster) = world.clusters.get(index) else {
        return clusters::not_found(&world, sub, path);
    };
    if let Err(refused) = reset::check_idle(cluster) {
        return refused;
    }
    let wanted = match wanted_identity(&req.body) {
        Ok(w) => w,
        Err(response) => return response,
    };
    let change = match decide(&world, cluster, wanted) {
        Ok(Some(change)) => change,
        // Nothing the simulator models changes: the cluster as it is.
        Ok(None) => return arm_json(StatusCode::OK, &cluster_json(cluster), true),
        Err(response) => return response,
    };
    if let Some(refused) = private_dns_zone::refusal(&world, cluster, &change, now) {
        return refused;
    }
    let ends = now + sim.state.behaviour.operation_duration;
    let error = subnet_refusal(&world, cluster, &change, ends);
    let Some(operation) = operations::begin(&mut world, index, Some("Updating"), change, error, sim) else {
        return clusters::not_found(&world, sub, path);
    };
    let body = world.clusters.get(index).map(cluster_json).unwrap_or_default();
    drop(world);
    tracing::info!(operation = %operation.id, cluster = %operation.resource_id, "managed identity update accepted");
    let api_version = req.query.get("api-version").map_or("", String::as_str);
    // A PUT answers 200 with the model in state Updating, and the operation to poll
    // (managedClusters.json `ManagedClusters_CreateOrUpdate`: 200/201, long-running, azure-async-operation).
    operations::polled(sim, &operation, api_version, StatusCode::OK, &body, false)
}

/// The identity a PUT body asks for.
enum Wanted {
    /// No `identity`, or type `None`: a service principal (`servicePrincipalProfile`).
    ServicePrincipal,
    SystemAssigned,
    UserAssigned(String),
}

fn wanted_identity(body: &[u8]) -> Result<Wanted, Response> {
    let Ok(Value::Object(model)) = serde_json::from_slice::<Value>(body) else {
        return Err(invalid_request_content("The request body must be a JSON object."));
    };
    let Some(identity) = field(&model, "identity").filter(|v| !v.is_null()) else {
        return Ok(Wanted::ServicePrincipal);
    };
    let kind = identity
        .as_object()
        .and_then(|i| field(i, "type"))
        .and_then(Value::as_str)
        .unwrap_or("None");
    match kind.to_ascii_lowercase().as_str() {
        "none" => Ok(Wanted::ServicePrincipal),
        "systemassigned" => Ok(Wanted::SystemAssigned),
        "userassigned" => {
            let ids: Vec<&String> = identity
                .as_object()
                .and_then(|i| field(i, "userAssignedIdentities"))
                .and_then(Value::as_object)
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            match ids.as_slice() {
                [id] => Ok(Wanted::UserAssigned((*id).clone())),
                _ => Err(invalid(
                    "identity.userAssignedIdentities",
                    "The identity type UserAssigned needs exactly one user assigned identity in 'userAssignedIdentities'.",
                )),
            }
        }
        other => Err(invalid(
            "identity.type",
            &format!("The value of parameter identity.type is invalid: '{other}'. Allowed values are 'SystemAssigned', 'UserAssigned' and 'None'."),
        )),
    }
}

/// The change the PUT makes, `None` when it changes nothing the simulator models.
fn decide(
    world: &World,
    cluster: &ManagedCluster,
    wanted: Wanted,
) -> Result<Option<CredentialChange>, Response> {
    let tenant_id = world
        .subscription(cluster.subscription_id)
        .map(|s| s.tenant_id)
        .unwrap_or_default();
    let kubelet = cluster
        .kubelet_identity
        .clone()
        .unwrap_or_else(|| kubelet_for(cluster));
    match (&cluster.identity, wanted) {
        (ClusterIdentity::ServicePrincipal { .. }, Wanted::ServicePrincipal) => Ok(None),
        // AKS's answer to a service principal profile sent to a cluster on a managed identity
        // (`Code="BadRequest" Message="Updating service principal profile is not allowed on MSI
        // cluster."`, quoted in hashicorp/terraform-provider-azurerm#6205).
        (ClusterIdentity::ManagedIdentity { .. }, Wanted::ServicePrincipal) => Err(arm_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Updating service principal profile is not allowed on MSI cluster.",
        )),
        (ClusterIdentity::ManagedIdentity { user_assigned: None, .. }, Wanted::SystemAssigned) => Ok(None),
        (_, Wanted::SystemAssigned) if cluster.route_table.is_some() => Err(arm_error(
            StatusCode::BAD_REQUEST,
            "CustomRouteTableWithUnsupportedMSIType",
            "Clusters using managed identity type SystemAssigned do not support bringing your own route table. Please see https://aka.ms/aks/customrt for more information",
        )),
        (_, Wanted::SystemAssigned) => Ok(Some(CredentialChange::ManagedIdentity {
            principal_id: stable_id("system-assigned", &cluster.arm_id().to_ascii_lowercase()),
            tenant_id,
            user_assigned: None,
            kubelet,
        })),
        (current, Wanted::UserAssigned(id)) => {
            let Some(identity) = world.identities.iter().find(|i| i.arm_id().eq_ignore_ascii_case(&id)) else {
                return Err(identity_not_found(cluster, &id));
            };
            if let ClusterIdentity::ManagedIdentity {
                user_assigned: Some((have, _)),
                ..
            } = current
            {
                if have.eq_ignore_ascii_case(&id) {
                    return Ok(None);
                }
            }
            Ok(Some(CredentialChange::ManagedIdentity {
                principal_id: identity.principal_id,
                tenant_id: identity.tenant_id,
                user_assigned: Some((identity.arm_id(), identity.client_id)),
                kubelet,
            }))
        }
    }
}

/// ARM's refusal when the identity's resource provider does not know the identity (the
/// `FailedIdentityOperation` wrapping seen in Azure/azure-libraries-for-net#690; the inner
/// `NotFound` as in Azure/AKS-Construction#330).
fn identity_not_found(cluster: &ManagedCluster, id: &str) -> Response {
    let inner = json!({"error": {"code": "NotFound", "message": format!("Resource '{id}' was not found.")}})
        .to_string();
    arm_error(
        StatusCode::BAD_REQUEST,
        "FailedIdentityOperation",
        &format!("Identity operation for resource '{}' failed with error 'Failed to perform resource identity operation. Status: 'NotFound'. Response: '{inner}'.'.", cluster.arm_id()),
    )
}

/// Why a move to a user-assigned identity fails on custom networking: the identity may not join
/// a pool's subnet, or write routes to the route table, by the time AKS updates the nodes (`at`):
/// the role not granted or not yet propagated.
fn subnet_refusal(
    world: &World,
    cluster: &ManagedCluster,
    change: &CredentialChange,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<OperationError> {
    let CredentialChange::ManagedIdentity {
        principal_id,
        user_assigned: Some(_),
        ..
    } = change
    else {
        return None;
    };
    let subnet = cluster.agent_pools.iter().find_map(|pool| {
        let subnet = pool.vnet_subnet_id.as_deref()?;
        if rbac::permits(world, *principal_id, JOIN_SUBNET, subnet, at) {
            return None;
        }
        let vmss = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-{}-vmss",
            cluster.subscription_id,
            cluster.node_resource_group(),
            pool.name
        );
        let (code, message) = rbac::linked_authorization_failed(
            *principal_id,
            "Microsoft.Compute/virtualMachineScaleSets/write",
            &vmss,
            JOIN_SUBNET,
            subnet,
        );
        Some(OperationError { code, message })
    });
    subnet.or_else(|| {
        let table = cluster.route_table.as_deref()?;
        if rbac::permits(world, *principal_id, WRITE_ROUTES, table, at) {
            return None;
        }
        let principal = principal_id;
        Some(OperationError {
            code: "AuthorizationFailed".into(),
            message: format!("The client '{principal}' with object id '{principal}' does not have authorization to perform action '{WRITE_ROUTES}' over scope '{table}/routes' or the scope is invalid. If access was recently granted, please refresh your credentials."),
        })
    })
}

fn invalid(target: &str, message: &str) -> Response {
    arm_json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": "InvalidParameter", "message": message, "target": target}}),
        false,
    )
}
