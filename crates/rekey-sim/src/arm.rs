//! Azure Resource Manager: cloud metadata, tenants, subscriptions and AKS managed clusters.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::context::{Sim, ARM_AUDIENCES};
use crate::paging;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_unauthorized};
use crate::signing::TokenRejection;
use crate::state::{AadProfile, ClusterIdentity, ManagedCluster, World};

const SUBSCRIPTIONS_API: &[&str] = &["2016-06-01", "2020-01-01", "2021-01-01", "2022-12-01"];
const AKS_API: &[&str] = &[
    "2023-08-01",
    "2024-05-01",
    "2024-09-01",
    "2025-01-01",
    "2025-07-01",
    "2025-08-01",
    "2025-09-01",
];
const METADATA_API: &[&str] = &["2019-05-01", "2020-06-01", "2022-09-01"];

/// The signed-in principal behind an ARM request.
pub struct Caller {
    pub object_id: Uuid,
}

/// Routes ARM paths; `None` when the path is not ARM's.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    if req.route(&["metadata", "endpoints"]).is_some() {
        return Some(check_api(req, METADATA_API).unwrap_or_else(|| metadata_endpoints(sim, req)));
    }
    let first = req.segments.first()?;
    if !first.eq_ignore_ascii_case("tenants") && !first.eq_ignore_ascii_case("subscriptions") {
        return None;
    }
    if req.method != Method::GET {
        return Some(arm_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!(
                "The requested resource does not support http method '{}'.",
                req.method
            ),
        ));
    }
    let caller = match authenticate(sim, req) {
        Ok(c) => c,
        Err(response) => return Some(response),
    };
    if req.route(&["tenants"]).is_some() {
        return Some(check_api(req, SUBSCRIPTIONS_API).unwrap_or_else(|| list_tenants(sim, req, &caller)));
    }
    if req.route(&["subscriptions"]).is_some() {
        return Some(
            check_api(req, SUBSCRIPTIONS_API).unwrap_or_else(|| list_subscriptions(sim, req, &caller)),
        );
    }
    if let Some(c) = req.route(&["subscriptions", "*"]) {
        return Some(
            check_api(req, SUBSCRIPTIONS_API).unwrap_or_else(|| get_subscription(sim, c[0], &caller)),
        );
    }
    let mc = "Microsoft.ContainerService";
    if let Some(c) = req.route(&["subscriptions", "*", "providers", mc, "managedClusters"]) {
        return Some(check_api(req, AKS_API).unwrap_or_else(|| list_clusters(sim, req, &caller, c[0], None)));
    }
    if let Some(c) = req.route(&[
        "subscriptions",
        "*",
        "resourceGroups",
        "*",
        "providers",
        mc,
        "managedClusters",
    ]) {
        return Some(
            check_api(req, AKS_API).unwrap_or_else(|| list_clusters(sim, req, &caller, c[0], Some(c[1]))),
        );
    }
    if let Some(c) = req.route(&[
        "subscriptions",
        "*",
        "resourceGroups",
        "*",
        "providers",
        mc,
        "managedClusters",
        "*",
    ]) {
        return Some(check_api(req, AKS_API).unwrap_or_else(|| get_cluster(sim, &caller, c[0], c[1], c[2])));
    }
    Some(arm_error(
        StatusCode::NOT_FOUND,
        "InvalidResourceType",
        &format!(
            "The resource type could not be found in the namespace for the request path '{}'.",
            req.path
        ),
    ))
}

/// `Some(error)` when `api-version` is missing or not one this endpoint serves.
fn check_api(req: &SimRequest, supported: &[&str]) -> Option<Response> {
    match req.query.get("api-version") {
        None => Some(arm_error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(v) if supported.contains(&v.as_str()) => None,
        Some(v) => Some(arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            &format!(
                "The api-version '{v}' is invalid. The supported versions are '{}'.",
                supported.join(",")
            ),
        )),
    }
}

pub fn authenticate(sim: &Sim, req: &SimRequest) -> Result<Caller, Response> {
    let authority = sim.authority();
    let Some(header) = req.header("authorization") else {
        return Err(arm_unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            &authority,
        ));
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Err(arm_unauthorized(
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            &authority,
        ));
    };
    match sim.signer.verify(token.trim(), ARM_AUDIENCES) {
        Ok(claims) => Uuid::parse_str(&claims.oid)
            .map(|object_id| Caller { object_id })
            .map_err(|_| arm_unauthorized("InvalidAuthenticationToken", "The access token is invalid.", &authority)),
        Err(TokenRejection::Expired) => Err(arm_unauthorized(
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
            &authority,
        )),
        Err(TokenRejection::WrongAudience) => Err(arm_unauthorized(
            "InvalidAuthenticationTokenAudience",
            "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'.",
            &authority,
        )),
        Err(TokenRejection::Invalid) => {
            Err(arm_unauthorized("InvalidAuthenticationToken", "The access token is invalid.", &authority))
        }
    }
}

fn metadata_endpoints(sim: &Sim, req: &SimRequest) -> Response {
    let base = sim.base_url.as_str();
    let cloud = json!({
        "name": "RekeySimulator",
        "portal": base,
        "resourceManager": base,
        "gallery": base,
        "microsoftGraphResourceId": base,
        "authentication": {
            "loginEndpoint": base,
            "audiences": ARM_AUDIENCES,
            "tenant": "common",
            "identityProvider": "AAD"
        },
        "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net", "acrLoginServer": "azurecr.io"}
    });
    // 2022-09-01 answers a list of clouds; older versions a single object.
    let body = if req.query.get("api-version").map(String::as_str) == Some("2022-09-01") {
        json!([cloud])
    } else {
        cloud
    };
    arm_json(StatusCode::OK, &body, false)
}

fn readable_subscriptions<'w>(world: &'w World, caller: &Caller) -> Vec<&'w crate::state::Subscription> {
    world
        .subscriptions
        .iter()
        .filter(|s| world.role_on(caller.object_id, s.id).is_some())
        .collect()
}

fn list_tenants(sim: &Sim, req: &SimRequest, caller: &Caller) -> Response {
    let world = sim.state.world();
    let mut tenant_ids: Vec<Uuid> = readable_subscriptions(&world, caller)
        .iter()
        .map(|s| s.tenant_id)
        .collect();
    tenant_ids.sort();
    tenant_ids.dedup();
    let items = world
        .tenants
        .iter()
        .filter(|t| tenant_ids.contains(&t.id))
        .map(|t| {
            json!({
                "id": format!("/tenants/{}", t.id),
                "tenantId": t.id,
                "tenantCategory": "Home",
                "displayName": t.display_name,
                "defaultDomain": t.default_domain,
                "domains": [t.default_domain],
                "tenantType": "AAD"
            })
        })
        .collect();
    paged(sim, req, items)
}

fn subscription_json(s: &crate::state::Subscription) -> Value {
    json!({
        "id": format!("/subscriptions/{}", s.id),
        "subscriptionId": s.id,
        "tenantId": s.tenant_id,
        "displayName": s.display_name,
        "state": s.state,
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {}
    })
}

fn list_subscriptions(sim: &Sim, req: &SimRequest, caller: &Caller) -> Response {
    let world = sim.state.world();
    let items = readable_subscriptions(&world, caller)
        .into_iter()
        .map(subscription_json)
        .collect();
    drop(world);
    paged(sim, req, items)
}

fn get_subscription(sim: &Sim, id: &str, caller: &Caller) -> Response {
    let world = sim.state.world();
    match find_subscription(&world, caller, id) {
        Ok(s) => arm_json(StatusCode::OK, &subscription_json(s), false),
        Err(response) => response,
    }
}

/// The subscription if it exists and the caller holds a role on it; ARM's 404 or 403 otherwise.
fn find_subscription<'w>(
    world: &'w World,
    caller: &Caller,
    id: &str,
) -> Result<&'w crate::state::Subscription, Response> {
    let Ok(sub_id) = Uuid::parse_str(id) else {
        return Err(arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidSubscriptionId",
            &format!("The provided subscription identifier '{id}' is malformed or invalid."),
        ));
    };
    let Some(sub) = world.subscriptions.iter().find(|s| s.id == sub_id) else {
        return Err(arm_error(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            &format!("The subscription '{id}' could not be found."),
        ));
    };
    if world.role_on(caller.object_id, sub_id).is_none() {
        return Err(arm_error(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            &format!("The client '{}' with object id '{}' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read' over scope '/subscriptions/{id}' or the scope is invalid. If access was recently granted, please refresh your credentials.", caller.object_id, caller.object_id),
        ));
    }
    Ok(sub)
}

fn list_clusters(sim: &Sim, req: &SimRequest, caller: &Caller, sub: &str, rg: Option<&str>) -> Response {
    let world = sim.state.world();
    let sub = match find_subscription(&world, caller, sub) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    if let Some(rg) = rg {
        if !world
            .clusters
            .iter()
            .any(|c| c.subscription_id == sub && c.resource_group.eq_ignore_ascii_case(rg))
        {
            return arm_error(
                StatusCode::NOT_FOUND,
                "ResourceGroupNotFound",
                &format!("Resource group '{rg}' could not be found."),
            );
        }
    }
    let items = world
        .clusters
        .iter()
        .filter(|c| c.subscription_id == sub && rg.is_none_or(|rg| c.resource_group.eq_ignore_ascii_case(rg)))
        .map(cluster_json)
        .collect();
    drop(world);
    paged(sim, req, items)
}

fn get_cluster(sim: &Sim, caller: &Caller, sub: &str, rg: &str, name: &str) -> Response {
    let world = sim.state.world();
    let sub = match find_subscription(&world, caller, sub) {
        Ok(s) => s.id,
        Err(response) => return response,
    };
    match world
        .clusters
        .iter()
        .find(|c| c.subscription_id == sub && c.resource_group.eq_ignore_ascii_case(rg) && c.name.eq_ignore_ascii_case(name))
    {
        Some(c) => arm_json(StatusCode::OK, &cluster_json(c), false),
        None => arm_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        ),
    }
}

fn paged(sim: &Sim, req: &SimRequest, items: Vec<Value>) -> Response {
    match paging::offset(req) {
        Some(offset) => arm_json(
            StatusCode::OK,
            &paging::page(
                &sim.base_url,
                req,
                items,
                offset,
                sim.state.behaviour.arm_page_size,
            ),
            false,
        ),
        None => arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidSkipToken",
            "The provided skip token is not valid.",
        ),
    }
}

/// A managed cluster as ARM returns it (2025-07-01 shape). The secret is never part of it.
pub fn cluster_json(c: &ManagedCluster) -> Value {
    let (sp_profile, identity) = match &c.identity {
        ClusterIdentity::ServicePrincipal { client_id, .. } => (json!({"clientId": client_id}), Value::Null),
        ClusterIdentity::ManagedIdentity { principal_id } => (
            json!({"clientId": "msi"}),
            json!({"type": "SystemAssigned", "principalId": principal_id, "tenantId": Value::Null}),
        ),
    };
    let mut properties = json!({
        "provisioningState": c.provisioning_state,
        "powerState": {"code": c.power_state},
        "kubernetesVersion": c.kubernetes_version,
        "currentKubernetesVersion": c.kubernetes_version,
        "dnsPrefix": format!("{}-dns", c.name),
        "fqdn": format!("{}-dns-1a2b3c4d.hcp.{}.azmk8s.io", c.name, c.location),
        "azurePortalFQDN": format!("{}-dns-1a2b3c4d.portal.hcp.{}.azmk8s.io", c.name, c.location),
        "agentPoolProfiles": [{
            "name": "nodepool1", "count": c.node_count, "vmSize": "Standard_D4s_v5", "maxPods": 110,
            "osType": "Linux", "type": "VirtualMachineScaleSets", "mode": "System",
            "provisioningState": c.provisioning_state, "powerState": {"code": c.power_state},
            "orchestratorVersion": c.kubernetes_version, "currentOrchestratorVersion": c.kubernetes_version,
            "upgradeSettings": {"maxSurge": "10%"}
        }],
        "servicePrincipalProfile": sp_profile,
        "nodeResourceGroup": format!("MC_{}_{}_{}", c.resource_group, c.name, c.location),
        "enableRBAC": true,
        "networkProfile": {"networkPlugin": "azure", "loadBalancerSku": "standard", "outboundType": "loadBalancer"},
    });
    match &c.aad {
        Some(AadProfile::Legacy {
            server_app_id,
            client_app_id,
            tenant_id,
        }) => {
            properties["aadProfile"] = json!({"managed": false, "serverAppID": server_app_id, "clientAppID": client_app_id, "tenantID": tenant_id});
        }
        Some(AadProfile::Managed { tenant_id }) => {
            properties["aadProfile"] =
                json!({"managed": true, "enableAzureRBAC": true, "tenantID": tenant_id});
        }
        None => {}
    }
    let mut cluster = json!({
        "id": c.arm_id(),
        "location": c.location,
        "name": c.name,
        "type": "Microsoft.ContainerService/ManagedClusters",
        "tags": c.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, Value>>(),
        "sku": {"name": "Base", "tier": "Standard"},
        "properties": properties,
    });
    if !identity.is_null() {
        cluster["identity"] = identity;
    }
    cluster
}
