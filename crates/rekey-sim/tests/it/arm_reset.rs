//! Credential resets as AKS runs them (validation, 202, polling, provisioning states) and role
//! assignments, over HTTPS against a running simulator.

use crate::common::Fixture;
use chrono::{DateTime, Duration, Utc};
use rekey_sim::state::{secret_digest, AadProfile, ClusterIdentity, OperationStatus, PasswordCredential};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const AKS: &str = "api-version=2025-07-01";
const AUTHZ: &str = "api-version=2022-04-01";
const INVALID_CREDENTIALS: &str = "The credentials in ServicePrincipalProfile were invalid. Please see https://aka.ms/aks-sp-help for more details. (Details: adal: Refresh request failed. Status Code = '401'. Response body: {\"error\":\"invalid_client\"";

struct Arm {
    f: Fixture,
    token: String,
}

impl Arm {
    async fn new(behaviour: rekey_sim::Behaviour) -> Self {
        let f = Fixture::new(rekey_sim::SimConfig {
            behaviour,
            ..Default::default()
        })
        .await;
        let token = f.arm_token().await;
        Arm { f, token }
    }

    async fn demo() -> Self {
        Self::new(Default::default()).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        self.f.send(method, url, token, body).await
    }

    async fn get(&self, url: &str) -> (StatusCode, HeaderMap, Value) {
        self.send(reqwest::Method::GET, url, &self.token, None).await
    }

    async fn post(&self, url: &str, body: Value) -> (StatusCode, HeaderMap, Value) {
        self.send(reqwest::Method::POST, url, &self.token, Some(body))
            .await
    }

    async fn put(&self, url: &str, body: Value) -> (StatusCode, HeaderMap, Value) {
        self.send(reqwest::Method::PUT, url, &self.token, Some(body))
            .await
    }

    /// `{ARM ID of the named cluster}{suffix}?api-version=…`
    fn cluster_url(&self, name: &str, suffix: &str) -> String {
        let world = self.f.sim.sim().state.world();
        let cluster = world.clusters.iter().find(|c| c.name == name).unwrap();
        format!("{}{suffix}?{AKS}", cluster.arm_id())
    }

    fn now(&self) -> DateTime<Utc> {
        self.f.sim.sim().state.now()
    }

    fn advance(&self, seconds: i64) {
        self.f.sim.sim().state.advance_clock(Duration::seconds(seconds));
    }

    /// Adds a secret to the named application, as Graph's addPassword would; returns it and its key ID.
    fn add_secret(&self, app: &str, created: DateTime<Utc>) -> (String, Uuid) {
        let secret = format!("Rk~{}", Uuid::new_v4().simple());
        let key_id = Uuid::new_v4();
        let mut world = self.f.sim.sim().state.world();
        let app = world
            .applications
            .iter_mut()
            .find(|a| a.display_name == app)
            .unwrap();
        app.password_credentials.push(PasswordCredential {
            key_id,
            display_name: Some("test".into()),
            hint: secret[..3].to_string(),
            start: created,
            end: created + Duration::days(180),
            secret_sha256: secret_digest(&secret),
            created,
        });
        (secret, key_id)
    }

    fn app_id(&self, app: &str) -> Uuid {
        let world = self.f.sim.sim().state.world();
        world
            .applications
            .iter()
            .find(|a| a.display_name == app)
            .unwrap()
            .app_id
    }

    fn cluster_identity(&self, name: &str) -> ClusterIdentity {
        let world = self.f.sim.sim().state.world();
        world
            .clusters
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .identity
            .clone()
    }

    /// A reset of the named cluster to a fresh, usable secret of its own service principal.
    async fn reset_to_fresh_secret(&self, cluster: &str, app: &str) -> (StatusCode, HeaderMap, Value, Uuid) {
        let (secret, key_id) = self.add_secret(app, self.now() - Duration::minutes(1));
        let (status, headers, body) = self
            .post(
                &self.cluster_url(cluster, "/resetServicePrincipalProfile"),
                json!({"clientId": self.app_id(app), "secret": secret}),
            )
            .await;
        (status, headers, body, key_id)
    }

    /// An ARM token for the demo's reader (Reader on Contoso Staging only).
    fn reader_token(&self) -> String {
        self.f.reader_token()
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn reset_service_principal_profile_runs_as_a_long_running_operation() {
    let arm = Arm::demo().await;
    let before = arm.cluster_identity("aks-prod-weu");
    let (status, headers, _, key_id) = arm.reset_to_fresh_secret("aks-prod-weu", "aks-prod-weu-sp").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // AKS checked the new secret by signing in with it: Graph's sign-in activity shows that.
    let signed_in = arm
        .f
        .sim
        .sim()
        .state
        .world()
        .credential_use
        .per_credential()
        .iter()
        .any(|s| s.key_id == key_id && s.resource == "https://management.azure.com/");
    assert!(
        signed_in,
        "the reset's sign-in with the new secret was not recorded"
    );
    let async_op = header(&headers, "azure-asyncoperation").to_string();
    let location = header(&headers, "location").to_string();
    assert!(async_op.starts_with(arm.f.sim.base_url.as_str()), "{async_op}");
    assert!(
        async_op.contains("/providers/Microsoft.ContainerService/locations/westeurope/operations/"),
        "{async_op}"
    );
    assert!(async_op.ends_with(&format!("?{AKS}")), "{async_op}");
    assert!(
        location.contains("/locations/westeurope/operationresults/"),
        "{location}"
    );
    assert_eq!(header(&headers, "retry-after"), "1");
    assert_eq!(
        header(&headers, "x-ms-ratelimit-remaining-subscription-writes"),
        "1199"
    );

    let (status, _, op) = arm.get(&async_op).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(op["status"], "InProgress");
    assert_eq!(
        op["name"].as_str(),
        async_op.split('/').next_back().and_then(|s| s.split('?').next())
    );
    assert!(op["startTime"].is_string() && op.get("endTime").is_none(), "{op}");
    let (_, _, cluster) = arm.get(&arm.cluster_url("aks-prod-weu", "")).await;
    assert_eq!(cluster["properties"]["provisioningState"], "Updating");
    assert_eq!(
        arm.cluster_identity("aks-prod-weu"),
        before,
        "nothing changes before the operation ends"
    );

    arm.advance(4);
    let (_, _, op) = arm.get(&async_op).await;
    assert_eq!(op["status"], "Succeeded");
    assert_eq!(op["percentComplete"], 100.0);
    assert!(op["endTime"].is_string() && op.get("error").is_none(), "{op}");
    let (_, _, cluster) = arm.get(&arm.cluster_url("aks-prod-weu", "")).await;
    assert_eq!(cluster["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        cluster["properties"]["servicePrincipalProfile"],
        json!({"clientId": arm.app_id("aks-prod-weu-sp")}),
        "GET never returns the secret"
    );
    assert_eq!(
        arm.cluster_identity("aks-prod-weu"),
        ClusterIdentity::ServicePrincipal {
            client_id: arm.app_id("aks-prod-weu-sp"),
            current_key_id: Some(key_id)
        }
    );
    let world = arm.f.sim.sim().state.world();
    assert_eq!(world.operations.len(), 1);
    assert_eq!(world.operations[0].status, OperationStatus::Succeeded);
}

#[tokio::test]
async fn operation_results_answer_202_until_done_then_204() {
    let arm = Arm::demo().await;
    let (status, headers, _, _) = arm.reset_to_fresh_secret("aks-payments", "aks-payments-sp").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let location = header(&headers, "location").to_string();
    let (status, headers, _) = arm.get(&location).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(header(&headers, "location"), location);
    assert_eq!(header(&headers, "retry-after"), "1");
    // The cluster list, not only the cluster, shows the operation.
    let sub = location.split('/').nth(4).unwrap().to_string();
    let list = format!("/subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters?{AKS}");
    let (_, _, clusters) = arm.get(&list).await;
    let payments = |clusters: &Value| {
        clusters["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "aks-payments")
            .unwrap()["properties"]["provisioningState"]
            .clone()
    };
    assert_eq!(payments(&clusters), "Updating");

    arm.advance(4);
    let (status, _, body) = arm.get(&location).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    let (_, _, clusters) = arm.get(&list).await;
    assert_eq!(payments(&clusters), "Succeeded");

    let op_id = location.rsplit('/').next().unwrap().split('?').next().unwrap();
    let unknown = location.replace(op_id, &Uuid::new_v4().to_string());
    let (status, _, body) = arm.get(&unknown).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "NotFound"),
        "{unknown}"
    );
    let (status, _, _) = arm.get(&unknown.replace("operationresults", "operations")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_the_aks_message() {
    let arm = Arm::demo().await;
    let before = arm.cluster_identity("aks-prod-weu");
    let (status, _, body) = arm
        .post(
            &arm.cluster_url("aks-prod-weu", "/resetServicePrincipalProfile"),
            json!({"clientId": arm.app_id("aks-prod-weu-sp"), "secret": "not-the-secret"}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "BadRequest")
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with(INVALID_CREDENTIALS), "{message}");
    assert!(message.contains("AADSTS7000215"), "{message}");
    assert!(!message.contains("not-the-secret"), "the secret is never echoed");

    // An unknown app ID is invalid credentials too, as Entra ID's 700016 seen through AKS.
    let (status, _, body) = arm
        .post(
            &arm.cluster_url("aks-prod-weu", "/resetServicePrincipalProfile"),
            json!({"clientId": Uuid::new_v4(), "secret": "whatever"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AADSTS700016"),
        "{body}"
    );
    assert_eq!(arm.cluster_identity("aks-prod-weu"), before);
    assert!(arm.f.sim.sim().state.world().operations.is_empty());
}

#[tokio::test]
async fn a_new_secret_works_only_after_the_replication_delay() {
    let arm = Arm::new(rekey_sim::Behaviour {
        replication_delay: Duration::seconds(60),
        ..Default::default()
    })
    .await;
    let (secret, key_id) = arm.add_secret("aks-stg-sp", arm.now());
    let url = arm.cluster_url("aks-stg-weu", "/resetServicePrincipalProfile");
    let reset = || {
        arm.post(
            &url,
            json!({"clientId": arm.app_id("aks-stg-sp"), "secret": secret}),
        )
    };
    let (status, _, body) = reset().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(INVALID_CREDENTIALS),
        "{body}"
    );

    arm.advance(61);
    let (status, _, _) = reset().await;
    assert_eq!(status, StatusCode::ACCEPTED);
    arm.advance(4);
    let (_, _, cluster) = arm.get(&arm.cluster_url("aks-stg-weu", "")).await;
    assert_eq!(cluster["properties"]["provisioningState"], "Succeeded");
    assert!(matches!(
        arm.cluster_identity("aks-stg-weu"),
        ClusterIdentity::ServicePrincipal { current_key_id: Some(k), .. } if k == key_id
    ));
}

#[tokio::test]
async fn msi_and_stopped_clusters_are_refused() {
    let arm = Arm::demo().await;
    let (status, _, body) = arm
        .post(
            &arm.cluster_url("aks-web-msi", "/resetServicePrincipalProfile"),
            json!({"clientId": Uuid::new_v4(), "secret": "s"}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "BadRequest")
    );
    assert_eq!(
        body["error"]["message"],
        "This action cannot be performed on a cluster that is not using a service principal"
    );

    let (status, _, body, _) = arm.reset_to_fresh_secret("aks-stg-batch", "aks-batch-sp").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "OperationNotAllowed")
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("stopped"),
        "{body}"
    );
    assert!(arm.f.sim.sim().state.world().operations.is_empty());
}

#[tokio::test]
async fn a_second_reset_while_one_runs_conflicts() {
    let arm = Arm::demo().await;
    let (status, _, _, _) = arm.reset_to_fresh_secret("aks-ops-tools", "aks-ops-sp").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, body, _) = arm.reset_to_fresh_secret("aks-ops-tools", "aks-ops-sp").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "OperationNotAllowed")
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("in progress"),
        "{body}"
    );

    // Once the first one is done, the cluster accepts another.
    arm.advance(4);
    let (status, _, _, _) = arm.reset_to_fresh_secret("aks-ops-tools", "aks-ops-sp").await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn readers_may_not_reset_credentials() {
    let arm = Arm::demo().await;
    let reader = arm.reader_token();
    // The reader can see the staging cluster...
    let url = arm.cluster_url("aks-stg-weu", "");
    let (status, _, _) = arm.send(reqwest::Method::GET, &url, &reader, None).await;
    assert_eq!(status, StatusCode::OK);
    // ...but not reset it.
    let (secret, _) = arm.add_secret("aks-stg-sp", arm.now() - Duration::minutes(1));
    let (status, _, body) = arm
        .send(
            reqwest::Method::POST,
            &arm.cluster_url("aks-stg-weu", "/resetServicePrincipalProfile"),
            &reader,
            Some(json!({"clientId": arm.app_id("aks-stg-sp"), "secret": secret})),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "AuthorizationFailed")
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("'Microsoft.ContainerService/managedClusters/resetServicePrincipalProfile/action'"),
        "{message}"
    );
    assert!(message.contains("/managedClusters/aks-stg-weu'"), "{message}");
}

#[tokio::test]
async fn reset_aad_profile_works_only_on_legacy_clusters() {
    let arm = Arm::demo().await;
    let (secret, key_id) = arm.add_secret("aks-aad-server", arm.now() - Duration::minutes(1));
    let body = json!({
        "clientAppID": arm.app_id("aks-aad-client"),
        "serverAppID": arm.app_id("aks-aad-server"),
        "serverAppSecret": secret,
        "tenantID": arm.f.sim.tenant_id(),
    });
    let (status, _, refused) = arm
        .post(&arm.cluster_url("aks-prod-weu", "/resetAADProfile"), body.clone())
        .await;
    assert_eq!(
        (status, error_code(&refused)),
        (StatusCode::BAD_REQUEST, "BadRequest")
    );

    let (status, headers, _) = arm
        .post(&arm.cluster_url("aks-portal-legacy", "/resetAADProfile"), body)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, _, cluster) = arm.get(&arm.cluster_url("aks-portal-legacy", "")).await;
    assert_eq!(cluster["properties"]["provisioningState"], "RefreshingAADProfile");
    arm.advance(4);
    let (_, _, op) = arm.get(header(&headers, "azure-asyncoperation")).await;
    assert_eq!(op["status"], "Succeeded");
    let (_, _, cluster) = arm.get(&arm.cluster_url("aks-portal-legacy", "")).await;
    assert_eq!(cluster["properties"]["provisioningState"], "Succeeded");
    let aad = &cluster["properties"]["aadProfile"];
    assert_eq!(aad["serverAppID"], json!(arm.app_id("aks-aad-server")));
    assert!(
        aad.get("serverAppSecret").is_none(),
        "GET never returns the server app secret: {aad}"
    );

    let world = arm.f.sim.sim().state.world();
    let legacy = world
        .clusters
        .iter()
        .find(|c| c.name == "aks-portal-legacy")
        .unwrap();
    assert!(matches!(legacy.aad, Some(AadProfile::Legacy { .. })));
    assert_eq!(world.legacy_aad_server_keys.get(&legacy.arm_id()), Some(&key_id));
}

#[tokio::test]
async fn a_forced_failure_ends_failed_and_leaves_the_cluster_failed() {
    let arm = Arm::demo().await;
    arm.f.sim.sim().state.world().fail_next_operations = 1;
    let before = arm.cluster_identity("aks-prod-weu-2");
    let (status, headers, _, _) = arm
        .reset_to_fresh_secret("aks-prod-weu-2", "aks-prod-weu-sp")
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    arm.advance(4);
    let (_, _, op) = arm.get(header(&headers, "azure-asyncoperation")).await;
    assert_eq!(op["status"], "Failed");
    assert_eq!(
        op["error"],
        json!({"code": "ResourceOperationFailure", "message": "The resource operation completed with terminal provisioning state 'Failed'.",
            "details": [{"code": "InternalOperationError", "message": "An internal error occurred while updating the cluster's credentials. Retry the operation."}]})
    );
    let (status, _, body) = arm.get(header(&headers, "location")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "ResourceOperationFailure")
    );
    let (_, _, cluster) = arm.get(&arm.cluster_url("aks-prod-weu-2", "")).await;
    assert_eq!(cluster["properties"]["provisioningState"], "Failed");
    assert_eq!(
        arm.cluster_identity("aks-prod-weu-2"),
        before,
        "a failed reset changes no credential"
    );

    // Only the next one failed: a retry recovers the cluster, as on Azure.
    let (status, _, _, key_id) = arm
        .reset_to_fresh_secret("aks-prod-weu-2", "aks-prod-weu-sp")
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    arm.advance(4);
    let (_, _, cluster) = arm.get(&arm.cluster_url("aks-prod-weu-2", "")).await;
    assert_eq!(cluster["properties"]["provisioningState"], "Succeeded");
    assert!(matches!(
        arm.cluster_identity("aks-prod-weu-2"),
        ClusterIdentity::ServicePrincipal { current_key_id: Some(k), .. } if k == key_id
    ));
}

#[tokio::test]
async fn bad_bodies_and_unknown_clusters_get_arm_errors() {
    let arm = Arm::demo().await;
    let url = arm.cluster_url("aks-prod-weu", "/resetServicePrincipalProfile");
    let client_id = arm.app_id("aks-prod-weu-sp");
    let cases = [
        (json!("just a string"), "servicePrincipalProfile"),
        (json!({"secret": "s"}), "servicePrincipalProfile.clientId"),
        (json!({"clientId": client_id}), "servicePrincipalProfile.secret"),
        (
            json!({"clientId": client_id, "secret": 42}),
            "servicePrincipalProfile.secret",
        ),
    ];
    for (body, target) in cases {
        let (status, _, got) = arm.post(&url, body.clone()).await;
        assert_eq!(
            (status, error_code(&got)),
            (StatusCode::BAD_REQUEST, "InvalidParameter"),
            "{body}"
        );
        assert_eq!(got["error"]["target"], target, "{body}");
    }
    let resp = arm
        .f
        .http
        .post(arm.f.url(&url))
        .bearer_auth(&arm.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let missing = url.replace("/aks-prod-weu/", "/aks-nope/");
    let (status, _, body) = arm
        .post(&missing, json!({"clientId": client_id, "secret": "s"}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "ResourceNotFound")
    );
    let (status, _, body) = arm
        .post(&url.replace("2025-07-01", "1999-01-01"), json!({}))
        .await;
    // A resource provider's type: ARM's NoRegisteredProviderFound, naming the location and versions.
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "NoRegisteredProviderFound")
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("No registered resource provider found for location '")
            && message.contains("and API version '1999-01-01' for type 'managedClusters'. The supported api-versions are '2017-08-31, 2018-03-31, ")
            && message.contains(", 2026-06-01, "),
        "{message}"
    );
    let (status, _, _) = arm.get(&url).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _, _) = arm
        .post(&arm.cluster_url("aks-prod-weu", "/rotateNothing"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::METHOD_NOT_ALLOWED,
        "unknown actions stay unknown"
    );
}

fn role_definition(sub: &str, guid: &str) -> String {
    format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
}

const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";

#[tokio::test]
async fn role_assignments_list_with_arm_filters() {
    let arm = Arm::demo().await;
    let (sub, admin_sp, avery) = {
        let world = arm.f.sim.sim().state.world();
        let sub = world
            .subscriptions
            .iter()
            .find(|s| s.display_name == "Contoso Production")
            .unwrap()
            .id;
        let admin = world
            .service_principal_by_app_id(arm.f.sim.demo_admin.client_id)
            .unwrap()
            .object_id;
        let avery = world
            .users
            .iter()
            .find(|u| u.user_principal_name.starts_with("admin@"))
            .unwrap()
            .object_id;
        (sub.to_string(), admin, avery)
    };
    let base = format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments?{AUTHZ}");
    let (status, _, all) = arm.get(&base).await;
    assert_eq!(status, StatusCode::OK);
    assert!(all["value"].as_array().unwrap().len() >= 2, "{all}");

    let (_, _, mine) = arm
        .get(&format!("{base}&$filter=principalId%20eq%20'{admin_sp}'"))
        .await;
    let mine = mine["value"].as_array().unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    let id = mine[0]["name"].as_str().unwrap();
    assert_eq!(
        mine[0]["id"],
        format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{id}")
    );
    assert_eq!(mine[0]["type"], "Microsoft.Authorization/roleAssignments");
    let props = &mine[0]["properties"];
    assert_eq!(
        props["roleDefinitionId"],
        role_definition(&sub, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    );
    assert_eq!(props["principalType"], "ServicePrincipal");
    assert_eq!(props["scope"], format!("/subscriptions/{sub}"));
    assert!(props["createdOn"].is_string());

    for filter in [
        format!("assignedTo('{avery}')"),
        format!("atScope()%20and%20assignedTo('{avery}')"),
    ] {
        let (_, _, theirs) = arm.get(&format!("{base}&$filter={filter}")).await;
        assert_eq!(theirs["value"].as_array().unwrap().len(), 1, "{filter}: {theirs}");
        assert_eq!(theirs["value"][0]["properties"]["principalType"], "User");
    }
    let (status, _, body) = arm
        .get(&format!("{base}&$filter=roleDefinitionId%20eq%20'x'"))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "UnsupportedQuery")
    );
}

#[tokio::test]
async fn role_assignments_are_created_once_for_known_principals_by_owners() {
    let arm = Arm::new(rekey_sim::Behaviour {
        replication_delay: Duration::seconds(60),
        ..Default::default()
    })
    .await;
    let (sub, sp) = {
        let world = arm.f.sim.sim().state.world();
        let sub = world
            .subscriptions
            .iter()
            .find(|s| s.display_name == "Contoso Staging")
            .unwrap()
            .id;
        let sp = world
            .service_principals
            .iter()
            .find(|s| s.display_name == "aks-stg-sp")
            .unwrap()
            .object_id;
        (sub.to_string(), sp)
    };
    let url = |guid: &str| {
        format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{guid}?{AUTHZ}")
    };
    let request = |principal: Uuid| json!({"properties": {"roleDefinitionId": role_definition(&sub, CONTRIBUTOR), "principalId": principal}});

    let guid = Uuid::new_v4().to_string();
    let (status, headers, created) = arm.put(&url(&guid), request(sp)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(headers.contains_key("x-ms-ratelimit-remaining-subscription-writes"));
    assert_eq!(created["name"], guid);
    assert_eq!(
        created["properties"]["roleDefinitionId"],
        role_definition(&sub, CONTRIBUTOR)
    );
    assert_eq!(created["properties"]["principalId"], json!(sp));
    assert_eq!(created["properties"]["principalType"], "ServicePrincipal");
    assert_eq!(created["properties"]["scope"], format!("/subscriptions/{sub}"));
    let (status, _, fetched) = arm.get(&url(&guid)).await;
    assert_eq!((status, &fetched), (StatusCode::OK, &created));

    // The same assignment again, under any name, exists already; a changed one may not replace it.
    let (status, _, body) = arm.put(&url(&Uuid::new_v4().to_string()), request(sp)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "RoleAssignmentExists")
    );
    let (status, _, body) = arm.put(&url(&guid), request(sp)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "RoleAssignmentExists")
    );
    let owner = json!({"properties": {"roleDefinitionId": role_definition(&sub, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"), "principalId": sp}});
    let (status, _, body) = arm.put(&url(&guid), owner).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "RoleAssignmentUpdateNotPermitted")
    );

    // Unknown principals, and new ones not yet replicated, are not found unless the type is given.
    let (status, _, body) = arm
        .put(&url(&Uuid::new_v4().to_string()), request(Uuid::new_v4()))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "PrincipalNotFound")
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&arm.f.sim.tenant_id().to_string()));
    let fresh = {
        let mut world = arm.f.sim.sim().state.world();
        let mut new_sp = world
            .service_principals
            .iter()
            .find(|s| s.display_name == "aks-stg-sp")
            .unwrap()
            .clone();
        new_sp.object_id = Uuid::new_v4();
        new_sp.app_id = Uuid::new_v4();
        new_sp.created = arm.f.sim.sim().state.now();
        world.service_principals.push(new_sp.clone());
        new_sp.object_id
    };
    let (status, _, body) = arm.put(&url(&Uuid::new_v4().to_string()), request(fresh)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "PrincipalNotFound")
    );
    let mut typed = request(fresh);
    typed["properties"]["principalType"] = json!("ServicePrincipal");
    let (status, _, _) = arm.put(&url(&Uuid::new_v4().to_string()), typed).await;
    assert_eq!(status, StatusCode::CREATED);

    // Bad names and role definitions.
    let (status, _, body) = arm.put(&url("not-a-guid"), request(sp)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "InvalidRoleAssignmentId")
    );
    let unknown_role = json!({"properties": {"roleDefinitionId": role_definition(&sub, &Uuid::new_v4().to_string()), "principalId": sp}});
    let (status, _, body) = arm.put(&url(&Uuid::new_v4().to_string()), unknown_role).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "RoleDefinitionDoesNotExist")
    );
    let (status, _, body) = arm
        .put(&url(&Uuid::new_v4().to_string()), json!({"properties": {}}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "InvalidRequestContent")
    );

    // Only owners create assignments.
    let (status, _, body) = arm
        .send(
            reqwest::Method::PUT,
            &url(&Uuid::new_v4().to_string()),
            &arm.reader_token(),
            Some(request(sp)),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "AuthorizationFailed")
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Microsoft.Authorization/roleAssignments/write"));
}
