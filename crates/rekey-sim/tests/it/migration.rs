//! What moving a cluster from a service principal to a managed identity touches in Azure: role
//! assignments at resource scopes (with propagation), user-assigned identities, the managed-cluster
//! PUT that changes the identity and AKS's rules for it, and node-image upgrades of agent pools.

use crate::common::Fixture;
use chrono::Duration;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

const AKS: &str = "api-version=2025-07-01";
const AUTHZ: &str = "api-version=2022-04-01";
const MSI: &str = "api-version=2023-01-31";
const NETWORK_CONTRIBUTOR: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";

struct Sim {
    f: Fixture,
    token: String,
}

impl Sim {
    async fn new() -> Self {
        let f = Fixture::new(Default::default()).await;
        let token = f.arm_token().await;
        Sim { f, token }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, HeaderMap, Value) {
        self.send_as(&self.token, method, path, body).await
    }

    async fn send_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        self.f.send(method, path, token, body).await
    }

    fn cluster_id(&self, name: &str) -> String {
        let world = self.f.sim.sim().state.world();
        world.clusters.iter().find(|c| c.name == name).unwrap().arm_id()
    }

    fn subscription_of(&self, name: &str) -> Uuid {
        let world = self.f.sim.sim().state.world();
        world
            .clusters
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .subscription_id
    }

    fn subnet_of(&self, name: &str) -> String {
        let world = self.f.sim.sim().state.world();
        let c = world.clusters.iter().find(|c| c.name == name).unwrap();
        c.agent_pools[0].vnet_subnet_id.clone().expect("a custom subnet")
    }

    fn advance(&self, seconds: i64) {
        self.f.sim.sim().state.advance_clock(Duration::seconds(seconds));
    }

    fn state(&self) -> Value {
        let now = self.f.sim.sim().state.now();
        let mut world = self.f.sim.sim().state.world();
        rekey_sim::arm::settle_operations(&mut world, now);
        drop(world);
        let world = self.f.sim.sim().state.world();
        serde_json::to_value(
            world
                .clusters
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.agent_pools
                            .iter()
                            .map(|p| p.nodes_use_kubelet_identity)
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .unwrap()
    }

    /// Creates a user-assigned identity in `rg` of the cluster's subscription; returns its body.
    async fn identity(&self, cluster: &str, rg: &str, name: &str) -> Value {
        let sub = self.subscription_of(cluster);
        let (status, _, body) = self
            .send(
                Method::PUT,
                &format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}?{MSI}"),
                Some(json!({"location": "westeurope", "tags": {"purpose": "aks"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// A new user-assigned identity for `cluster`: its ID, its principal, and the `identity` a PUT
    /// of the cluster names it with.
    async fn user_assigned(&self, cluster: &str, rg: &str, name: &str) -> (String, String, Value) {
        let identity = self.identity(cluster, rg, name).await;
        let id = identity["id"].as_str().unwrap().to_string();
        let principal = identity["properties"]["principalId"]
            .as_str()
            .unwrap()
            .to_string();
        let wanted = json!({"type": "UserAssigned", "userAssignedIdentities": {id.clone(): {}}});
        (id, principal, wanted)
    }

    async fn grant(&self, scope: &str, principal: &str, role_guid: &str) -> (StatusCode, Value) {
        let sub = scope.split('/').nth(2).unwrap();
        let (status, _, body) = self
            .send(
                Method::PUT,
                &format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}?{AUTHZ}", Uuid::new_v4()),
                Some(json!({"properties": {
                    "roleDefinitionId": format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"),
                    "principalId": principal, "principalType": "ServicePrincipal"
                }})),
            )
            .await;
        (status, body)
    }

    /// GET then PUT of the model with `identity`, as `az aks update --enable-managed-identity` does.
    async fn update_identity(&self, cluster: &str, identity: Value) -> (StatusCode, HeaderMap, Value) {
        let url = format!("{}?{AKS}", self.cluster_id(cluster));
        let (status, _, mut model) = self.send(Method::GET, &url, None).await;
        assert_eq!(status, StatusCode::OK);
        model["identity"] = identity;
        self.send(Method::PUT, &url, Some(model)).await
    }

    async fn cluster(&self, name: &str) -> Value {
        let (_, _, body) = self
            .send(Method::GET, &format!("{}?{AKS}", self.cluster_id(name)), None)
            .await;
        body
    }

    async fn poll(&self, headers: &HeaderMap) -> Value {
        let url = headers
            .get("azure-asyncoperation")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        self.send(Method::GET, &url, None).await.2
    }
}

#[tokio::test]
async fn role_assignments_live_at_resource_scopes_and_are_inherited_below() {
    let s = Sim::new().await;
    let subnet = s.subnet_of("aks-prod-weu");
    let sub = s.subscription_of("aks-prod-weu");
    let identity = s.identity("aks-prod-weu", "rg-prod-weu", "id-aks-prod").await;
    let principal = identity["properties"]["principalId"].as_str().unwrap();

    let (status, body) = s.grant(&subnet, principal, NETWORK_CONTRIBUTOR).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["properties"]["scope"], json!(subnet));
    assert_eq!(body["properties"]["principalType"], "ServicePrincipal");
    let name = body["name"].as_str().unwrap().to_string();

    let list = |scope: String, filter: &str| {
        let filter = filter.to_string();
        let s = &s;
        async move {
            let (status, _, body) = s
                .send(
                    Method::GET,
                    &format!(
                        "{scope}/providers/Microsoft.Authorization/roleAssignments?{AUTHZ}&$filter={filter}"
                    ),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["value"].as_array().unwrap().clone()
        }
    };
    let at_subnet = list(subnet.clone(), &format!("principalId eq '{principal}'")).await;
    assert_eq!(at_subnet.len(), 1);
    // Listed at the subscription: assignments below it count for a principal filter...
    let at_sub = list(
        format!("/subscriptions/{sub}"),
        &format!("principalId eq '{principal}'"),
    )
    .await;
    assert_eq!(at_sub.len(), 1);
    // ...but not with atScope(), which keeps those at the scope and above.
    let above = list(format!("/subscriptions/{sub}"), "atScope()").await;
    assert!(above
        .iter()
        .all(|ra| ra["properties"]["scope"] == json!(format!("/subscriptions/{sub}"))));
    // The admin's Owner at the subscription is inherited at the subnet.
    let inherited = list(subnet.clone(), "atScope()").await;
    assert!(inherited
        .iter()
        .any(|ra| ra["properties"]["scope"] == json!(format!("/subscriptions/{sub}"))));
    assert!(inherited.iter().any(|ra| ra["name"] == json!(name)));
    // The vnet's resource group holds nothing of this principal at or above it.
    let rg = subnet.split("/providers/").next().unwrap().to_string();
    let at_rg = list(rg, &format!("principalId eq '{principal}' and atScope()")).await;
    assert!(at_rg.is_empty(), "{at_rg:?}");

    let one = format!("{subnet}/providers/Microsoft.Authorization/roleAssignments/{name}?{AUTHZ}");
    assert_eq!(s.send(Method::GET, &one, None).await.0, StatusCode::OK);
    let (status, _, body) = s.send(Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], json!(name));
    assert_eq!(s.send(Method::DELETE, &one, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.send(Method::GET, &one, None).await.0, StatusCode::NOT_FOUND);

    // A resource that does not exist is no scope.
    let missing = subnet.replace("snet-aks-prod", "snet-nope");
    let (status, _, body) = s
        .send(
            Method::GET,
            &format!("{missing}/providers/Microsoft.Authorization/roleAssignments?{AUTHZ}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "ResourceNotFound");
}

#[tokio::test]
async fn the_demo_principals_hold_their_roles_on_the_network_the_registry_and_the_dns_zone() {
    let s = Sim::new().await;
    let world = s.f.sim.sim().state.world();
    let held = |cluster: &str, resource: &str| {
        let c = world.clusters.iter().find(|c| c.name == cluster).unwrap();
        let rekey_sim::state::ClusterIdentity::ServicePrincipal { client_id, .. } = c.identity else {
            panic!("{cluster} uses a service principal");
        };
        let sp = world.service_principal_by_app_id(client_id).unwrap().object_id;
        world
            .role_assignments
            .iter()
            .filter(|ra| ra.principal_id == sp && ra.scope.contains(resource))
            .map(|ra| ra.role.name())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        held("aks-prod-weu", "/subnets/snet-aks-prod"),
        ["Network Contributor"]
    );
    assert_eq!(
        held("aks-prod-weu", "/routeTables/rt-aks-prod"),
        ["Network Contributor"]
    );
    assert_eq!(held("aks-payments", "/registries/acrpayments"), ["AcrPull"]);
    assert_eq!(
        held("aks-stg-weu", "/privateDnsZones/"),
        ["Private DNS Zone Contributor"]
    );
}

#[tokio::test]
async fn creating_a_role_assignment_needs_role_assignments_write_on_the_scope() {
    let s = Sim::new().await;
    // The reader holds Reader on Contoso Staging, where aks-stg-weu's private DNS zone is.
    let zone = {
        let world = s.f.sim.sim().state.world();
        world
            .clusters
            .iter()
            .find(|c| c.name == "aks-stg-weu")
            .unwrap()
            .private_dns_zone
            .clone()
            .unwrap()
    };
    let reader = s.f.reader_token();
    let (status, _, body) = s
        .send_as(
            &reader,
            Method::PUT,
            &format!("{zone}/providers/Microsoft.Authorization/roleAssignments/{}?{AUTHZ}", Uuid::new_v4()),
            Some(json!({"properties": {"roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{NETWORK_CONTRIBUTOR}"), "principalId": Uuid::new_v4()}})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "AuthorizationFailed");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("'Microsoft.Authorization/roleAssignments/write'"),
        "{message}"
    );
    assert!(message.contains(&zone), "{message}");
}

#[tokio::test]
async fn user_assigned_identities_are_created_read_listed_and_deleted() {
    let s = Sim::new().await;
    let sub = s.subscription_of("aks-ops-tools");
    let created = s.identity("aks-ops-tools", "rg-ops", "id-ops").await;
    let base = format!("/subscriptions/{sub}/resourceGroups/rg-ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities");
    let principal = created["properties"]["principalId"].as_str().unwrap().to_string();
    for key in ["principalId", "clientId", "tenantId"] {
        assert!(
            Uuid::parse_str(created["properties"][key].as_str().unwrap()).is_ok(),
            "{key}"
        );
    }
    // A second PUT updates: same IDs, 200.
    let (status, _, again) = s
        .send(
            Method::PUT,
            &format!("{base}/id-ops?{MSI}"),
            Some(json!({"location": "westeurope", "tags": {"k": "v"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["properties"]["principalId"], json!(principal));
    assert_eq!(again["tags"], json!({"k": "v"}));
    let (_, _, in_rg) = s.send(Method::GET, &format!("{base}?{MSI}"), None).await;
    assert_eq!(in_rg["value"].as_array().unwrap().len(), 1);
    let (_, _, in_sub) = s
        .send(
            Method::GET,
            &format!("/subscriptions/{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?{MSI}"),
            None,
        )
        .await;
    assert!(in_sub["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["name"] == "id-ops"));
    // It is a service principal of the directory: roles can be granted to it.
    let (status, body) = s
        .grant(
            &format!("/subscriptions/{sub}/resourceGroups/rg-ops"),
            &principal,
            NETWORK_CONTRIBUTOR,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    assert_eq!(
        s.send(Method::DELETE, &format!("{base}/id-ops?{MSI}"), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        s.send(Method::DELETE, &format!("{base}/id-ops?{MSI}"), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (status, _, body) = s.send(Method::GET, &format!("{base}/id-ops?{MSI}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "ResourceNotFound");
    let (status, _, _) = s
        .send(
            Method::PUT,
            &format!("{base}/id-ops?api-version=2099-01-01"),
            Some(json!({"location": "westeurope"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_cluster_moves_to_a_system_assigned_identity_and_cannot_go_back() {
    let s = Sim::new().await;
    let (status, headers, body) = s
        .update_identity("aks-ops-tools", json!({"type": "SystemAssigned"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["properties"]["provisioningState"], "Updating");
    assert_eq!(s.poll(&headers).await["status"], "InProgress");
    // While it runs, another update is refused.
    let (status, _, busy) = s
        .update_identity("aks-ops-tools", json!({"type": "SystemAssigned"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{busy}");

    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Succeeded");
    let c = s.cluster("aks-ops-tools").await;
    assert_eq!(c["properties"]["provisioningState"], "Succeeded");
    assert_eq!(c["identity"]["type"], "SystemAssigned");
    assert!(Uuid::parse_str(c["identity"]["principalId"].as_str().unwrap()).is_ok());
    assert!(Uuid::parse_str(c["identity"]["tenantId"].as_str().unwrap()).is_ok());
    assert_eq!(c["properties"]["servicePrincipalProfile"]["clientId"], "msi");
    let kubelet = &c["properties"]["identityProfile"]["kubeletidentity"];
    let node_rg = c["properties"]["nodeResourceGroup"].as_str().unwrap();
    assert!(
        kubelet["resourceId"]
            .as_str()
            .unwrap()
            .contains(&format!("/resourcegroups/{node_rg}/")),
        "{kubelet}"
    );
    // The kubelet identity exists as a resource in the node resource group.
    let sub = s.subscription_of("aks-ops-tools");
    let (status, _, identity) = s
        .send(
            Method::GET,
            &format!("{}?{MSI}", kubelet["resourceId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{identity}");
    assert_eq!(identity["properties"]["principalId"], kubelet["objectId"]);
    // The nodes keep the service principal until their image is upgraded.
    let ops = s.state();
    assert!(ops
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c[0] == "aks-ops-tools" && c[1] == json!([false])));

    // No way back to a service principal.
    let (status, _, body) = s.update_identity("aks-ops-tools", Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "BadRequest");
    assert_eq!(
        body["error"]["message"],
        "Updating service principal profile is not allowed on MSI cluster."
    );
    assert_eq!(
        s.cluster("aks-ops-tools").await["identity"]["type"],
        "SystemAssigned"
    );
    let _ = sub;
}

#[tokio::test]
async fn kubenet_with_its_own_route_table_refuses_a_system_assigned_identity() {
    let s = Sim::new().await;
    let (status, _, body) = s
        .update_identity("aks-prod-weu", json!({"type": "SystemAssigned"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "CustomRouteTableWithUnsupportedMSIType");
    assert_eq!(
        s.cluster("aks-prod-weu").await["properties"]["provisioningState"],
        "Succeeded"
    );
}

const PRIVATE_DNS_ZONE_CONTRIBUTOR: &str = "b12aa53e-6015-4669-85d0-8515ebb3ae7f";

/// AKS's check before it updates a private cluster with its own private DNS zone (docs
/// aks/private-clusters; error-codes/customprivatednszonemissingpermissions-error).
#[tokio::test]
async fn a_custom_private_dns_zone_needs_a_user_assigned_identity_that_may_write_it() {
    let s = Sim::new().await;
    let zone = s.cluster("aks-stg-weu").await["properties"]["apiServerAccessProfile"]["privateDNSZone"]
        .as_str()
        .expect("a custom private DNS zone")
        .to_string();
    let refused = |body: &Value, action: &str| {
        assert_eq!(
            body["error"]["code"], "CustomPrivateDNSZoneMissingPermissionError",
            "{body}"
        );
        assert_eq!(
            body["error"]["message"],
            json!(format!("Service principal or user-assigned identity must be given permission to read and write to custom private dns zone {zone}. Check access result not allowed for action {action}."))
        );
    };
    let unchanged = |c: &Value| {
        assert_eq!(c["properties"]["provisioningState"], "Succeeded", "{c}");
        assert!(c.get("identity").is_none(), "{c}");
    };

    // A system-assigned identity: refused before any operation starts.
    let (status, _, body) = s
        .update_identity("aks-stg-weu", json!({"type": "SystemAssigned"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    refused(&body, "Microsoft.Network/privateDnsZones/read");
    unchanged(&s.cluster("aks-stg-weu").await);

    // A user-assigned identity without the zone's role, then with it granted but not propagated.
    let (id, principal, wanted) = s.user_assigned("aks-stg-weu", "rg-stg", "id-aks-stg").await;
    let (status, _, body) = s.update_identity("aks-stg-weu", wanted.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    refused(&body, "Microsoft.Network/privateDnsZones/read");
    s.f.sim.sim().state.world().role_propagation_delay = Duration::seconds(60);
    let (status, body) = s.grant(&zone, &principal, PRIVATE_DNS_ZONE_CONTRIBUTOR).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, body) = s.update_identity("aks-stg-weu", wanted.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    refused(&body, "Microsoft.Network/privateDnsZones/read");
    unchanged(&s.cluster("aks-stg-weu").await);

    // Reader on the zone reads it but may not write it: AKS names the write.
    let other = s.identity("aks-stg-weu", "rg-stg", "id-aks-stg-reader").await;
    let reader = other["properties"]["principalId"].as_str().unwrap().to_string();
    s.grant(&zone, &reader, "acdd72a7-3385-48ef-bd42-f606fba81ae7")
        .await;
    s.advance(61);
    let (status, _, body) = s
        .update_identity(
            "aks-stg-weu",
            json!({"type": "UserAssigned", "userAssignedIdentities": {other["id"].as_str().unwrap(): {}}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    refused(&body, "Microsoft.Network/privateDnsZones/write");

    // Once the role has propagated, the update runs and the cluster moves.
    let (status, headers, body) = s.update_identity("aks-stg-weu", wanted).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Succeeded");
    let c = s.cluster("aks-stg-weu").await;
    assert_eq!(
        c["identity"]["userAssignedIdentities"][&id]["principalId"],
        json!(principal)
    );
    assert_eq!(c["properties"]["servicePrincipalProfile"]["clientId"], "msi");
    assert_eq!(
        c["properties"]["apiServerAccessProfile"]["privateDNSZone"],
        json!(zone)
    );
}

#[tokio::test]
async fn a_user_assigned_identity_must_exist() {
    let s = Sim::new().await;
    let sub = s.subscription_of("aks-ops-tools");
    let missing = format!("/subscriptions/{sub}/resourceGroups/rg-ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nope");
    let (status, _, body) = s
        .update_identity(
            "aks-ops-tools",
            json!({"type": "UserAssigned", "userAssignedIdentities": {missing.clone(): {}}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "FailedIdentityOperation");
    assert!(body["error"]["message"].as_str().unwrap().contains(&missing));
    let c = s.cluster("aks-ops-tools").await;
    assert!(c.get("identity").is_none(), "unchanged: {c}");
}

#[tokio::test]
async fn on_a_custom_subnet_the_identity_needs_its_role_propagated_before_the_update() {
    let s = Sim::new().await;
    let subnet = s.subnet_of("aks-prod-weu");
    let (id, principal, wanted) = s
        .user_assigned("aks-prod-weu", "rg-prod-weu", "id-aks-prod")
        .await;

    // Without the role the operation fails in Azure's words, and the cluster keeps its principal.
    let (status, headers, _) = s.update_identity("aks-prod-weu", wanted.clone()).await;
    assert_eq!(status, StatusCode::OK);
    s.advance(5);
    let op = s.poll(&headers).await;
    assert_eq!(op["status"], "Failed", "{op}");
    assert_eq!(op["error"]["details"][0]["code"], "LinkedAuthorizationFailed");
    let message = op["error"]["details"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Microsoft.Network/virtualNetworks/subnets/join/action"),
        "{message}"
    );
    assert!(message.contains(&subnet), "{message}");
    let c = s.cluster("aks-prod-weu").await;
    assert_eq!(c["properties"]["provisioningState"], "Failed");
    assert_ne!(c["properties"]["servicePrincipalProfile"]["clientId"], "msi");

    // Granted on the virtual network (inherited by the subnet) but not yet propagated: still refused.
    s.f.sim.sim().state.world().role_propagation_delay = Duration::seconds(60);
    let vnet = subnet.split("/subnets/").next().unwrap().to_string();
    let (status, body) = s.grant(&vnet, &principal, NETWORK_CONTRIBUTOR).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, headers, _) = s.update_identity("aks-prod-weu", wanted.clone()).await;
    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Failed");

    // Propagated for the subnet, but the route table's routes are still out of reach.
    s.advance(60);
    let (_, headers, _) = s.update_identity("aks-prod-weu", wanted.clone()).await;
    s.advance(5);
    let op = s.poll(&headers).await;
    assert_eq!(op["status"], "Failed", "{op}");
    assert_eq!(op["error"]["details"][0]["code"], "AuthorizationFailed");
    assert!(
        op["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/routeTables/rt-aks-prod"),
        "{op}"
    );
    let table = vnet.replace("/virtualNetworks/vnet-prod-weu", "/routeTables/rt-aks-prod");
    let (status, body) = s.grant(&table, &principal, NETWORK_CONTRIBUTOR).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Once both have propagated, the move succeeds.
    s.advance(60);
    let (_, headers, _) = s.update_identity("aks-prod-weu", wanted).await;
    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Succeeded");
    let c = s.cluster("aks-prod-weu").await;
    assert_eq!(c["identity"]["type"], "UserAssigned");
    assert_eq!(
        c["identity"]["userAssignedIdentities"][&id]["principalId"],
        json!(principal)
    );
    assert_eq!(c["properties"]["servicePrincipalProfile"]["clientId"], "msi");
    assert_eq!(
        c["properties"]["agentPoolProfiles"][0]["vnetSubnetID"],
        json!(subnet)
    );
}

#[tokio::test]
async fn node_image_upgrades_move_a_pools_nodes_to_the_kubelet_identity() {
    let s = Sim::new().await;
    let (_, headers, _) = s
        .update_identity("aks-ops-tools", json!({"type": "SystemAssigned"}))
        .await;
    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Succeeded");
    let pools = format!("{}/agentPools", s.cluster_id("aks-ops-tools"));
    let (status, _, list) = s.send(Method::GET, &format!("{pools}?{AKS}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let before = list["value"][0]["properties"]["nodeImageVersion"].clone();
    assert_eq!(
        list["value"][0]["properties"]["upgradeSettings"]["maxSurge"],
        "10%"
    );

    let (status, headers, body) = s
        .send(
            Method::POST,
            &format!("{pools}/nodepool1/upgradeNodeImageVersion?{AKS}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        body["properties"]["provisioningState"],
        "UpgradingNodeImageVersion"
    );
    assert!(headers.contains_key("azure-asyncoperation") && headers.contains_key("location"));
    let (_, _, pool) = s
        .send(Method::GET, &format!("{pools}/nodepool1?{AKS}"), None)
        .await;
    assert_eq!(
        pool["properties"]["provisioningState"],
        "UpgradingNodeImageVersion"
    );
    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Succeeded");
    let (_, _, pool) = s
        .send(Method::GET, &format!("{pools}/nodepool1?{AKS}"), None)
        .await;
    assert_eq!(pool["properties"]["provisioningState"], "Succeeded");
    assert_ne!(pool["properties"]["nodeImageVersion"], before);
    let state = s.state();
    assert!(
        state
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c[0] == "aks-ops-tools" && c[1] == json!([true])),
        "{state}"
    );
    let (status, _, body) = s.send(Method::GET, &format!("{pools}/nope?{AKS}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn faults_reach_the_new_endpoints() {
    use rekey_sim::faults::{FaultAction, FaultRule};
    let s = Sim::new().await;
    let pools = format!("{}/agentPools", s.cluster_id("aks-ops-tools"));
    s.f.sim
        .sim()
        .faults
        .add(serde_json::from_value::<FaultRule>(json!({"method": "POST", "path": "*/upgradeNodeImageVersion", "times": 1, "action": {"type": "respond", "status": 429, "headers": {"retry-after": "1"}}})).unwrap())
        .unwrap();
    let (status, _, _) = s
        .send(
            Method::POST,
            &format!("{pools}/nodepool1/upgradeNodeImageVersion?{AKS}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // A cut connection: the client hears nothing, and nothing started.
    s.f.sim
        .sim()
        .faults
        .add(FaultRule {
            id: 0,
            method: Some("PUT".into()),
            path: "*/managedClusters/aks-ops-tools".into(),
            action: FaultAction::Drop,
            times: Some(1),
            probability: 1.0,
        })
        .unwrap();
    let url = format!("{}?{AKS}", s.cluster_id("aks-ops-tools"));
    let model = s.cluster("aks-ops-tools").await;
    assert!(s
        .f
        .http
        .put(s.f.url(&url))
        .bearer_auth(&s.token)
        .json(&model)
        .send()
        .await
        .is_err());
    // The operation switch fails the next operation: the pool ends Failed, the cluster does not.
    s.f.sim.sim().state.world().fail_next_operations = 1;
    let (status, headers, _) = s
        .send(
            Method::POST,
            &format!("{pools}/nodepool1/upgradeNodeImageVersion?{AKS}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Failed");
    let (_, _, pool) = s
        .send(Method::GET, &format!("{pools}/nodepool1?{AKS}"), None)
        .await;
    assert_eq!(pool["properties"]["provisioningState"], "Failed");
    assert_eq!(
        s.cluster("aks-ops-tools").await["properties"]["provisioningState"],
        "Succeeded"
    );
    // And a managed-identity update: the cluster ends Failed on its service principal.
    s.f.sim.sim().state.world().fail_next_operations = 1;
    let (_, headers, _) = s
        .update_identity("aks-ops-tools", json!({"type": "SystemAssigned"}))
        .await;
    s.advance(5);
    assert_eq!(s.poll(&headers).await["status"], "Failed");
    let c = s.cluster("aks-ops-tools").await;
    assert_eq!(c["properties"]["provisioningState"], "Failed");
    assert!(c.get("identity").is_none());
}

#[test]
fn scenario_files_describe_pools_networks_zones_and_registries() {
    let file = rekey_sim::scenario::ScenarioFile::from_toml(
        r#"
        [[tenants]]
        key = "t"
        name = "T"
        domain = "t.example"
        [[subscriptions]]
        name = "S"
        tenant = "t"
        [[apps]]
        name = "sp"
        tenant = "t"
        secrets = [{ expires_in_days = 30 }]
        [[clusters]]
        name = "c"
        subscription = "S"
        resource_group = "rg"
        location = "westeurope"
        identity = "sp"
        node_count = 2
        network = { resource_group = "rg-net", vnet = "v", subnet = "s", route_table = "rt" }
        private_dns_zone = { name = "privatelink.westeurope.azmk8s.io", resource_group = "rg-dns" }
        registry = { name = "acr", resource_group = "rg" }
        pools = [{ name = "user1", count = 5, max_surge = "33%" }]
        "#,
    )
    .unwrap();
    let world = file.build(chrono::Utc::now()).unwrap();
    let c = &world.clusters[0];
    let pools: Vec<_> = c
        .agent_pools
        .iter()
        .map(|p| (p.name.as_str(), p.count, p.max_surge.as_str(), p.mode.as_str()))
        .collect();
    assert_eq!(
        pools,
        [("nodepool1", 2, "10%", "System"), ("user1", 5, "33%", "User")]
    );
    assert!(c.agent_pools.iter().all(|p| p
        .vnet_subnet_id
        .as_deref()
        .is_some_and(|s| s.ends_with("/virtualNetworks/v/subnets/s"))));
    assert!(c
        .private_dns_zone
        .as_deref()
        .is_some_and(|z| z.ends_with("/privateDnsZones/privatelink.westeurope.azmk8s.io")));
    let sp = world.service_principals[0].object_id;
    let mut roles: Vec<_> = world
        .role_assignments
        .iter()
        .filter(|ra| ra.principal_id == sp)
        .map(|ra| (ra.scope.rsplit('/').nth(1).unwrap().to_string(), ra.role.name()))
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            ("privateDnsZones".to_string(), "Private DNS Zone Contributor"),
            ("registries".to_string(), "AcrPull"),
            ("routeTables".to_string(), "Network Contributor"),
            ("subnets".to_string(), "Network Contributor"),
        ]
    );
    // An unknown field is refused, as every scenario field is.
    assert!(rekey_sim::scenario::ScenarioFile::from_toml("[[clusters]]\nname = \"c\"\nsubscription = \"S\"\nresource_group = \"rg\"\nlocation = \"l\"\nidentity = \"msi\"\nsubnet = \"x\"\n").is_err());
}

#[tokio::test]
async fn a_subnet_names_its_route_table() {
    let s = Sim::new().await;
    let subnet = s.subnet_of("aks-prod-weu");
    let (status, _, body) = s
        .send(Method::GET, &format!("{subnet}?api-version=2024-05-01"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "Microsoft.Network/virtualNetworks/subnets");
    assert_eq!(body["name"], "snet-aks-prod");
    let table = body["properties"]["routeTable"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(table.ends_with("/routeTables/rt-aks-prod"), "{table}");
    let (status, _, body) = s
        .send(Method::GET, &format!("{table}?api-version=2024-05-01"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "Microsoft.Network/routeTables");
    let (status, _, body) = s
        .send(
            Method::GET,
            &format!(
                "{}?api-version=2024-05-01",
                subnet.replace("snet-aks-prod", "snet-nope")
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "ResourceNotFound");
    let (status, _, _) = s
        .send(Method::GET, &format!("{subnet}?api-version=1999-01-01"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = s
        .send(Method::DELETE, &format!("{subnet}?api-version=2024-05-01"), None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}
