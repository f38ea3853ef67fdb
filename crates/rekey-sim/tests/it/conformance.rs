//! Conformance: for each official example and recorded exchange in `tests/azure-api/`, the
//! simulator answers the same request with the same status, the headers that matter, and every
//! field the example has, with the same JSON type.

use std::path::PathBuf;

use crate::common::Fixture;
use chrono::{Duration, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn example(path: &str) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/azure-api")
        .join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Keys whose children are free-form maps (tags, identities keyed by resource ID): only the
/// container's type is compared.
const FREE_FORM: &[&str] = &["tags", "userAssignedIdentities", "additionalInfo"];

/// Every path in `expected` that `actual` lacks or holds with another JSON type. `null` in the
/// example matches anything; arrays compare their first elements; `skip` lists dotted paths whose
/// subtree is scenario-specific (for example a cluster option the example's cluster has enabled).
fn shape_diff(expected: &Value, actual: &Value, path: &str, skip: &[&str], out: &mut Vec<String>) {
    if skip.contains(&path) {
        return;
    }
    match (expected, actual) {
        (Value::Null, _) => {}
        (Value::Object(e), Value::Object(a)) => {
            if FREE_FORM.iter().any(|f| path.ends_with(f)) {
                return;
            }
            for (k, ev) in e {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match a.get(k) {
                    Some(av) => shape_diff(ev, av, &child, skip, out),
                    None if skip.contains(&child.as_str()) => {}
                    None => out.push(format!("missing {child}")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(e0), Some(a0)) = (e.first(), a.first()) {
                shape_diff(e0, a0, &format!("{path}[]"), skip, out);
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_)) => {}
        (e, a) => out.push(format!(
            "{path}: example is {}, simulator gave {}",
            kind(e),
            kind(a)
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn assert_shape(name: &str, expected: &Value, actual: &Value, skip: &[&str]) {
    let mut diffs = Vec::new();
    shape_diff(expected, actual, "", skip, &mut diffs);
    assert!(
        diffs.is_empty(),
        "{name}: the simulator's response differs from the example:\n  {}\nsimulator: {actual}",
        diffs.join("\n  ")
    );
}

fn assert_headers(name: &str, headers: &HeaderMap, wanted: &[&str]) {
    for h in wanted {
        assert!(
            headers.contains_key(*h),
            "{name}: header {h} missing; got {headers:?}"
        );
    }
}

async fn send(
    f: &Fixture,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = f.http.request(method, f.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap_or_default();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn graph_token(f: &Fixture) -> String {
    let body: Value = f
        .token("https://graph.microsoft.com/.default")
        .await
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

fn demo_cluster(f: &Fixture, name: &str) -> (String, String) {
    let world = f.sim.sim().state.world();
    let c = world.clusters.iter().find(|c| c.name == name).unwrap();
    (c.arm_id(), c.subscription_id.to_string())
}

#[tokio::test]
async fn identity_platform_matches_the_recorded_exchanges() {
    let f = Fixture::new(Default::default()).await;
    let tenant = f.sim.tenant_id();

    let (status, headers, body) = send(
        &f,
        Method::GET,
        &format!("{tenant}/v2.0/.well-known/openid-configuration"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "openid-configuration",
        &example("identity/recorded-GET-openid-configuration.200.json"),
        &body,
        &[],
    );
    assert!(headers.contains_key("cache-control"));

    let (status, _, body) = send(
        &f,
        Method::GET,
        "common/discovery/instance?api-version=1.1&authorization_endpoint=x",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "discovery/instance",
        &example("identity/recorded-GET-common-discovery-instance.200.json"),
        &body,
        &[],
    );

    let resp = f.token("https://management.azure.com/.default").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store, no-cache");
    assert_headers("token", resp.headers(), &["x-ms-request-id"]);
    let body: Value = resp.json().await.unwrap();
    assert_shape(
        "token",
        &example("identity/recorded-POST-token-client_credentials.200.json"),
        &body,
        &[],
    );

    // The documented error: a scope that is not a resource's /.default.
    let admin = &f.sim.demo_admin;
    let resp = f
        .http
        .post(f.url(&format!("{tenant}/oauth2/v2.0/token")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &admin.client_id.to_string()),
            (
                "client_secret",
                secrecy::ExposeSecret::expose_secret(&admin.client_secret),
            ),
            ("scope", "https://example.contoso.com/activity.read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_shape(
        "token error",
        &example("identity/docs-token-error.400.json"),
        &body,
        &[],
    );
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn subscriptions_match_the_spec_example() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let (status, headers, body) = send(
        &f,
        Method::GET,
        "subscriptions?api-version=2022-12-01",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_headers(
        "subscriptions",
        &headers,
        &[
            "x-ms-request-id",
            "x-ms-correlation-request-id",
            "x-ms-ratelimit-remaining-subscription-reads",
        ],
    );
    let expected = example("subscriptions/GetSubscriptions.json")["responses"]["200"]["body"].clone();
    // The example's nextLink is the literal "...": a one-page list has none.
    assert_shape("subscriptions", &expected, &body, &["nextLink"]);
}

/// Options the examples' clusters have configured that the demo clusters do not use.
const CLUSTER_OPTIONS: &[&str] = &[
    "properties.linuxProfile",
    "properties.diskEncryptionSetID",
    "properties.upgradeSettings",
    "properties.networkProfile.loadBalancerProfile",
];

fn with_prefix(prefix: &str) -> Vec<String> {
    CLUSTER_OPTIONS.iter().map(|p| format!("{prefix}{p}")).collect()
}

#[tokio::test]
async fn managed_clusters_match_the_spec_examples() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let (id, sub) = demo_cluster(&f, "aks-prod-weu");

    let (status, headers, body) = send(
        &f,
        Method::GET,
        &format!("{id}?api-version=2025-07-01"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_headers(
        "managedClusters get",
        &headers,
        &["x-ms-request-id", "x-ms-correlation-request-id"],
    );
    let skip = with_prefix("");
    let skip: Vec<&str> = skip.iter().map(String::as_str).collect();
    assert_shape(
        "managedClusters get",
        &example("arm/ManagedClustersGet.json")["responses"]["200"]["body"],
        &body,
        &skip,
    );

    let skip = with_prefix("value[].");
    let mut skip: Vec<&str> = skip.iter().map(String::as_str).collect();
    skip.push("nextLink");
    let (status, _, body) = send(
        &f,
        Method::GET,
        &format!(
            "subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-07-01"
        ),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "managedClusters list",
        &example("arm/ManagedClustersList.json")["responses"]["200"]["body"],
        &body,
        &skip,
    );

    let (status, _, body) = send(&f, Method::GET, &format!("subscriptions/{sub}/resourceGroups/rg-prod-weu/providers/Microsoft.ContainerService/managedClusters?api-version=2025-07-01"), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "managedClusters listByResourceGroup",
        &example("arm/ManagedClustersListByResourceGroup.json")["responses"]["200"]["body"],
        &body,
        &skip,
    );
}

/// Gives `app` a secret the test knows, straight in the directory, usable at once.
fn known_secret(f: &Fixture, app_name: &str, secret: &str) -> String {
    let mut world = f.sim.sim().state.world();
    let app = world
        .applications
        .iter_mut()
        .find(|a| a.display_name == app_name)
        .unwrap();
    let now = Utc::now();
    app.password_credentials
        .push(rekey_sim::state::PasswordCredential {
            key_id: uuid::Uuid::new_v4(),
            display_name: Some("conformance".into()),
            hint: secret[..3].to_string(),
            start: now - Duration::days(1),
            end: now + Duration::days(30),
            secret_sha256: rekey_sim::state::secret_digest(secret),
            created: now - Duration::days(1),
        });
    app.app_id.to_string()
}

#[tokio::test]
async fn credential_resets_answer_202_with_the_documented_headers() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;

    let (id, _) = demo_cluster(&f, "aks-stg-weu");
    let client_id = known_secret(&f, "aks-stg-sp", "conformance-secret-0000000000000000000000");
    let example_sp = example("arm/ManagedClustersResetServicePrincipalProfile.json");
    let mut body = example_sp["parameters"]["parameters"].clone();
    body["clientId"] = json!(client_id);
    body["secret"] = json!("conformance-secret-0000000000000000000000");
    let (status, headers, _) = send(
        &f,
        Method::POST,
        &format!("{id}/resetServicePrincipalProfile?api-version=2025-07-01"),
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_headers(
        "resetServicePrincipalProfile",
        &headers,
        &["location", "azure-asyncoperation", "retry-after"],
    );
    assert!(headers["location"]
        .to_str()
        .unwrap()
        .contains("/operationresults/"));

    let (id, _) = demo_cluster(&f, "aks-portal-legacy");
    let server_app = known_secret(&f, "aks-aad-server", "conformance-aad-secret-000000000000000000");
    let client_app = f
        .sim
        .sim()
        .state
        .world()
        .applications
        .iter()
        .find(|a| a.display_name == "aks-aad-client")
        .unwrap()
        .app_id;
    let example_aad = example("arm/ManagedClustersResetAADProfile.json");
    let mut body = example_aad["parameters"]["parameters"].clone();
    body["serverAppID"] = json!(server_app);
    body["serverAppSecret"] = json!("conformance-aad-secret-000000000000000000");
    body["clientAppID"] = json!(client_app);
    body["tenantID"] = json!(f.sim.tenant_id());
    let (status, headers, _) = send(
        &f,
        Method::POST,
        &format!("{id}/resetAADProfile?api-version=2025-07-01"),
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_headers(
        "resetAADProfile",
        &headers,
        &["location", "azure-asyncoperation", "retry-after"],
    );
}

#[tokio::test]
async fn resource_graph_pages_match_the_spec_examples() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let first = example("resourcegraph/ResourcesFirstPageQuery.json");
    let sub = f.sim.sim().state.world().subscriptions[0].id.to_string();
    let query = json!({
        "subscriptions": [sub],
        "query": "Resources | where name contains 'aks' | project id, name, type, location",
        "options": {"$top": 2, "$skip": 0},
    });
    let (status, headers, body) = send(
        &f,
        Method::POST,
        "providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01",
        Some(&token),
        Some(query.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_headers(
        "resources",
        &headers,
        &["x-ms-user-quota-remaining", "x-ms-user-quota-resets-after"],
    );
    assert_shape(
        "resources first page",
        &first["responses"]["200"]["body"],
        &body,
        &[],
    );
    assert!(
        body["resultTruncated"].is_string(),
        "resultTruncated is a string in ARG"
    );

    let next = example("resourcegraph/ResourcesNextPageQuery.json");
    let mut query = query;
    query["options"] = json!({"$top": 2, "$skipToken": body["$skipToken"]});
    let (status, _, body) = send(
        &f,
        Method::POST,
        "providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01",
        Some(&token),
        Some(query),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "resources next page",
        &next["responses"]["200"]["body"],
        &body,
        &["$skipToken"],
    );
}

#[tokio::test]
async fn graph_matches_the_recorded_exchanges() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let app_id = f
        .sim
        .sim()
        .state
        .world()
        .applications
        .iter()
        .find(|a| a.display_name == "aks-prod-weu-sp")
        .unwrap()
        .app_id;

    let (status, headers, list) = send(
        &f,
        Method::GET,
        &format!("v1.0/applications?$filter=appId%20eq%20'{app_id}'"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_headers(
        "applications filter",
        &headers,
        &["request-id", "client-request-id"],
    );
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .contains("odata.metadata=minimal"));
    assert_shape(
        "applications filter",
        &example("graph/recorded-GET-applications-filter-appId.200.json"),
        &list,
        &[],
    );

    let object_id = list["value"][0]["id"].as_str().unwrap().to_string();
    let (status, _, app) = send(
        &f,
        Method::GET,
        &format!("v1.0/applications/{object_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "application by id",
        &example("graph/recorded-GET-application-by-id.200.json"),
        &app,
        &[],
    );

    let (status, _, empty) = send(&f, Method::GET, "v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c%20eq%20'00000000-0000-0000-0000-000000000000')", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "servicePrincipals filter empty",
        &example("graph/recorded-GET-servicePrincipals-filter-empty.200.json"),
        &empty,
        &[],
    );
    assert_eq!(empty["value"].as_array().map(Vec::len), Some(0));

    let (status, headers, created) = send(
        &f,
        Method::POST,
        "v1.0/applications",
        Some(&token),
        Some(json!({"displayName": "conformance-app", "keyCredentials": []})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_headers("POST applications", &headers, &["location"]);
    assert_shape(
        "POST applications",
        &example("graph/recorded-POST-applications.201.json"),
        &created,
        &[],
    );

    let new_app_id = created["appId"].as_str().unwrap().to_string();
    let (status, _, sp) = send(
        &f,
        Method::POST,
        "v1.0/servicePrincipals",
        Some(&token),
        Some(json!({"appId": new_app_id, "accountEnabled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_shape(
        "POST servicePrincipals",
        &example("graph/recorded-POST-servicePrincipals.201.json"),
        &sp,
        &[],
    );

    let now = Utc::now();
    let add = json!({"passwordCredential": {"displayName": "rbac", "startDateTime": now, "endDateTime": now + Duration::days(365)}});
    let new_object_id = created["id"].as_str().unwrap();
    let (status, _, password) = send(
        &f,
        Method::POST,
        &format!("v1.0/applications/{new_object_id}/addPassword"),
        Some(&token),
        Some(add),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "addPassword",
        &example("graph/recorded-POST-application-addPassword.200.json"),
        &password,
        &[],
    );
    assert_shape(
        "addPassword (docs)",
        &example("graph/docs-POST-application-addPassword.200.json"),
        &password,
        &[],
    );

    let mut remove = example("graph/docs-POST-application-removePassword.request.json");
    remove["keyId"] = password["keyId"].clone();
    let (status, _, _) = send(
        &f,
        Method::POST,
        &format!("v1.0/applications/{new_object_id}/removePassword"),
        Some(&token),
        Some(remove),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn graph_errors_and_batches_match_the_documented_shapes() {
    let f = Fixture::new(Default::default()).await;
    let mint = json!({"principal": "reader@contoso-demo.onmicrosoft.com", "audience": "graph"});
    let reader: Value = f
        .http
        .post(f.url("_sim/token"))
        .bearer_auth(f.sim.admin_token())
        .json(&mint)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reader = reader["access_token"].as_str().unwrap();
    let (status, _, denied) = send(
        &f,
        Method::POST,
        "v1.0/applications",
        Some(reader),
        Some(json!({"displayName": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_shape(
        "403",
        &example("graph/recorded-GET-applications-403.json"),
        &denied,
        &[],
    );

    let token = graph_token(&f).await;
    let app = f.sim.sim().state.world().applications[0].object_id;
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/applications/{app}")},
        {"id": "2", "method": "GET", "url": "/applications/00000000-0000-0000-0000-000000000000"},
    ]});
    let (status, _, body) = send(&f, Method::POST, "v1.0/$batch", Some(&token), Some(batch)).await;
    assert_eq!(status, StatusCode::OK);
    // The documented response carries bodies of other types; compare the envelope.
    let documented = example("graph/docs-batch-response.json");
    let envelope = |v: &Value| json!({"responses": [{"id": v["responses"][0]["id"], "status": v["responses"][0]["status"]}]});
    assert_shape("$batch", &envelope(&documented), &envelope(&body), &[]);
    let statuses: Vec<i64> = body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["status"].as_i64())
        .collect();
    assert!(statuses.contains(&200) && statuses.contains(&404), "{body}");
}

/// The beta sign-in activity reports against the docs' list and get examples. The examples spell
/// the credential's end `expirationDate`; the resource type, `$metadata` and the beta SDKs say
/// `expirationDateTime`, which the simulator sends. A report row's activity that did not happen is
/// `null` (the simulator records no delegated sign-ins, and a first-party resource never signs in as
/// a client), so each row is compared where its activity exists.
#[tokio::test]
async fn sign_in_activity_reports_match_the_docs_examples() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let base = "/beta/reports";
    let list = example("graph/docs-GET-reports-appCredentialSignInActivities.200.json");
    let (status, headers, actual) = send(
        &f,
        Method::GET,
        &format!("{base}/appCredentialSignInActivities"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{actual}");
    assert_headers(
        "appCredentialSignInActivities",
        &headers,
        &["request-id", "client-request-id", "content-type"],
    );
    assert_shape(
        "appCredentialSignInActivities",
        &list,
        &actual,
        &["value[].expirationDate"],
    );
    let id = actual["value"][0]["id"].as_str().unwrap().to_string();
    let one = example("graph/docs-GET-reports-appCredentialSignInActivity-by-id.200.json");
    let (status, _, actual) = send(
        &f,
        Method::GET,
        &format!("{base}/appCredentialSignInActivities/{id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{actual}");
    assert_shape("appCredentialSignInActivity", &one, &actual, &["expirationDate"]);

    let list = example("graph/docs-GET-reports-servicePrincipalSignInActivities.200.json");
    let delegated = [
        "value[].delegatedClientSignInActivity",
        "value[].delegatedResourceSignInActivity",
    ];
    let admin = f.sim.demo_admin.client_id;
    let (status, _, client) = send(
        &f,
        Method::GET,
        &format!("{base}/servicePrincipalSignInActivities?$filter=appId eq '{admin}'"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{client}");
    let skip = [
        &delegated[..],
        &["value[].applicationAuthenticationResourceSignInActivity"],
    ]
    .concat();
    assert_shape("servicePrincipalSignInActivities (client)", &list, &client, &skip);
    let graph = "00000003-0000-0000-c000-000000000000";
    let (_, _, resource) = send(
        &f,
        Method::GET,
        &format!("{base}/servicePrincipalSignInActivities?$filter=appId eq '{graph}'"),
        Some(&token),
        None,
    )
    .await;
    let skip = [
        &delegated[..],
        &["value[].applicationAuthenticationClientSignInActivity"],
    ]
    .concat();
    assert_shape(
        "servicePrincipalSignInActivities (resource)",
        &list,
        &resource,
        &skip,
    );
    assert_eq!(
        client["@odata.context"],
        json!(format!(
            "{}beta/$metadata#reports/servicePrincipalSignInActivities",
            f.sim.base_url
        ))
    );
}

#[tokio::test]
async fn role_definitions_match_the_spec_examples() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let (_, sub) = demo_cluster(&f, "aks-prod-weu");
    let api = "api-version=2022-05-01-preview";
    let contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";

    // List at a subscription, narrowed by name as Azure CLI's `_resolve_role_id` asks.
    let path = format!(
        "subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName%20eq%20'Contributor'&{api}"
    );
    let (status, headers, body) = send(&f, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_headers("roleDefinitions list", &headers, &["x-ms-request-id"]);
    let expected = example("authorization/GetRoleDefinitionAtScope.json")["responses"]["200"]["body"].clone();
    assert_shape("roleDefinitions list", &expected, &body, &[]);
    let value = body["value"].as_array().cloned().unwrap_or_default();
    assert_eq!(value.len(), 1, "{body}");
    assert_eq!(
        value[0]["id"],
        format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{contributor}")
    );
    assert_eq!(value[0]["properties"]["type"], "BuiltInRole");

    // Every built-in role the simulator knows, unfiltered.
    let path = format!("subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions?{api}");
    let (_, _, body) = send(&f, Method::GET, &path, Some(&token), None).await;
    let names: Vec<&str> = body["value"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|d| d["properties"]["roleName"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for role in [
        "Owner",
        "Reader",
        "Network Contributor",
        "AcrPull",
        "Azure Kubernetes Service Cluster User Role",
    ] {
        assert!(names.contains(&role), "{role} missing from {names:?}");
    }

    // Get by ID, at the subscription and at the tenant root.
    let expected = example("authorization/GetRoleDefinitionById.json")["responses"]["200"]["body"].clone();
    for path in [
        format!("subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{contributor}?{api}"),
        format!("providers/Microsoft.Authorization/roleDefinitions/{contributor}?{api}"),
    ] {
        let (status, _, body) = send(&f, Method::GET, &path, Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_shape("roleDefinitions get", &expected, &body, &[]);
        assert_eq!(body["properties"]["roleName"], "Contributor");
    }
    let path = format!(
        "subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-000000000000?{api}"
    );
    let (status, _, body) = send(&f, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "RoleDefinitionDoesNotExist");

    // A resource group that does not exist.
    let path = format!(
        "subscriptions/{sub}/resourceGroups/rg-nope/providers/Microsoft.Authorization/roleDefinitions?{api}"
    );
    let (status, _, body) = send(&f, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "ResourceGroupNotFound");
    assert_eq!(
        body["error"]["message"],
        "Resource group 'rg-nope' could not be found."
    );
}

/// The fields azure-cli's `_arm_to_cli_mapper` (azure/cli/core/cloud.py) reads of a cloud.
const CLI_CLOUD_FIELDS: &[&str] = &[
    "name",
    "portal",
    "resourceManager",
    "authentication",
    "graphAudience",
    "microsoftGraphResourceId",
    "media",
    "batch",
    "sqlManagement",
    "activeDirectoryDataLake",
    "vmImageAliasDoc",
    "gallery",
    "suffixes",
];

#[tokio::test]
async fn cloud_metadata_answers_each_api_versions_shape() {
    let f = Fixture::new(Default::default()).await;
    let base = f.url("");
    async fn metadata(f: &Fixture, v: &str) -> (StatusCode, HeaderMap, Value) {
        let path = if v.is_empty() {
            "metadata/endpoints".to_string()
        } else {
            format!("metadata/endpoints?api-version={v}")
        };
        send(f, Method::GET, &path, None, None).await
    }
    let get = |v: &'static str| metadata(&f, v);
    // 2022-09-01: one object, this host's cloud, as `az cloud register --endpoint-resource-manager` reads it.
    let (status, _, cloud) = get("2022-09-01").await;
    assert_eq!(status, StatusCode::OK);
    for field in CLI_CLOUD_FIELDS {
        assert!(cloud.get(field).is_some(), "2022-09-01 lacks {field}: {cloud}");
    }
    assert_eq!(cloud["resourceManager"], base.as_str());
    assert!(cloud["authentication"]["audiences"][0].is_string());
    for suffix in [
        "storage",
        "keyVaultDns",
        "mhsmDns",
        "acrLoginServer",
        "sqlServerHostname",
    ] {
        assert!(cloud["suffixes"][suffix].is_string(), "suffixes.{suffix}");
    }
    // 2019-05-01: every cloud; this host's is there, but not first.
    let (status, _, clouds) = get("2019-05-01").await;
    assert_eq!(status, StatusCode::OK);
    let clouds = clouds.as_array().cloned().unwrap_or_default();
    assert_eq!(
        clouds.first().map(|c| c["name"].clone()),
        Some(json!("AzureCloud"))
    );
    assert!(clouds
        .iter()
        .skip(1)
        .any(|c| c["resourceManager"] == base.as_str()));
    // 2015-01-01 and no api-version: the Azure Stack Hub object.
    for v in ["2015-01-01", ""] {
        let (status, _, old) = get(v).await;
        assert_eq!(status, StatusCode::OK);
        for field in ["galleryEndpoint", "graphEndpoint", "portalEndpoint"] {
            assert!(old[field].is_string(), "{v}: {field}");
        }
        assert!(old["authentication"]["loginEndpoint"].is_string());
        assert!(old.get("resourceManager").is_none());
    }
    let (status, _, body) = get("1999-01-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "InvalidApiVersionParameter");
}

#[tokio::test]
async fn arm_401s_name_the_subscriptions_tenant() {
    let f = Fixture::new(Default::default()).await;
    let (_, sub) = demo_cluster(&f, "aks-prod-weu");
    let tenant = {
        let world = f.sim.sim().state.world();
        let id = uuid::Uuid::parse_str(&sub).unwrap();
        world.subscriptions.iter().find(|s| s.id == id).unwrap().tenant_id
    };
    let (status, headers, body) = send(
        &f,
        Method::GET,
        &format!("subscriptions/{sub}?api-version=2022-12-01"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
    let challenge = headers["www-authenticate"].to_str().unwrap();
    let authority = f.url("").as_str().trim_end_matches('/').to_string();
    assert_eq!(
        challenge,
        format!("Bearer authorization_uri=\"{authority}/{tenant}\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"")
    );
}

#[tokio::test]
async fn arm_routing_ids_carry_the_simulated_time() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    f.sim.sim().state.advance_clock(Duration::days(400));
    let (status, headers, _) = send(
        &f,
        Method::GET,
        "subscriptions?api-version=2022-12-01",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let routing = headers["x-ms-routing-request-id"].to_str().unwrap().to_string();
    let day = f.sim.sim().state.now().format("%Y%m%dT").to_string();
    assert!(
        routing.contains(&format!(":{day}")),
        "{routing} should carry {day}"
    );
    assert!(
        !routing.contains(&format!(":{}", Utc::now().format("%Y%m%dT"))),
        "{routing}"
    );
}

/// The official examples of what a move to managed identity calls: user-assigned identities
/// (msi 2023-01-31 `Identity*.json`), role assignments at a resource scope (authorization
/// 2022-04-01 `RoleAssignments_*.json`), the managed-cluster PUT with a user-assigned identity
/// (`ManagedClustersCreate_DualStackNetworking.json`'s `identity`), and agent pools with
/// `upgradeNodeImageVersion` (`AgentPools*.json`).
#[tokio::test]
async fn the_move_to_managed_identity_matches_the_spec_examples() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let (cluster, sub) = demo_cluster(&f, "aks-ops-tools");
    let t = Some(token.as_str());

    let create = example("msi/IdentityCreate.json");
    let identities = format!("subscriptions/{sub}/resourceGroups/rg-ops/providers/Microsoft.ManagedIdentity/userAssignedIdentities");
    let (status, _, identity) = send(
        &f,
        Method::PUT,
        &format!("{identities}/id-ops?api-version=2023-01-31"),
        t,
        Some(create["parameters"]["parameters"].clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_shape(
        "identity create",
        &create["responses"]["201"]["body"],
        &identity,
        &[],
    );
    let (status, _, body) = send(
        &f,
        Method::GET,
        &format!("{identities}/id-ops?api-version=2023-01-31"),
        t,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape("identity get", &create["responses"]["200"]["body"], &body, &[]);
    let (status, _, body) = send(
        &f,
        Method::GET,
        &format!("{identities}?api-version=2023-01-31"),
        t,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "identity list by resource group",
        &example("msi/IdentityListByResourceGroup.json")["responses"]["200"]["body"],
        &body,
        &["nextLink"],
    );

    // A role at a resource scope, for the identity.
    let principal = identity["properties"]["principalId"].as_str().unwrap();
    let scope = identity["id"].as_str().unwrap().to_string();
    let assignment = example("authorization/RoleAssignments_CreateForResource.json");
    let mut request = assignment["parameters"]["parameters"].clone();
    request["properties"]["principalId"] = json!(principal);
    request["properties"]["principalType"] = json!("ServicePrincipal");
    request["properties"]["roleDefinitionId"] = json!(format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/f1a07417-d97a-45cb-824c-7a7467783830"));
    let name = uuid::Uuid::new_v4();
    let one =
        format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01");
    let (status, _, body) = send(&f, Method::PUT, &one, t, Some(request)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_shape(
        "role assignment create for resource",
        &assignment["responses"]["201"]["body"],
        &body,
        &[],
    );
    let (status, _, body) = send(&f, Method::GET, &one, t, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "role assignment get",
        &example("authorization/RoleAssignments_Get.json")["responses"]["200"]["body"],
        &body,
        &[],
    );
    let (status, _, body) = send(&f, Method::GET, &format!("{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=principalId%20eq%20'{principal}'"), t, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "role assignment list for scope",
        &example("authorization/RoleAssignments_ListForScope.json")["responses"]["200"]["body"],
        &body,
        &[],
    );

    // The cluster moves to the identity: the PUT answers with the model and the operation to poll.
    let (_, _, mut model) = send(
        &f,
        Method::GET,
        &format!("{cluster}?api-version=2025-07-01"),
        t,
        None,
    )
    .await;
    let dual = example("arm/ManagedClustersCreate_DualStackNetworking.json");
    let mut wanted = dual["parameters"]["parameters"]["identity"].clone();
    wanted["userAssignedIdentities"] = json!({scope.clone(): {}});
    model["identity"] = wanted;
    let (status, headers, _) = send(
        &f,
        Method::PUT,
        &format!("{cluster}?api-version=2025-07-01"),
        t,
        Some(model),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_headers("managedClusters update", &headers, &["azure-asyncoperation"]);
    f.sim.sim().state.advance_clock(Duration::seconds(5));
    let (_, _, body) = send(
        &f,
        Method::GET,
        &format!("{cluster}?api-version=2025-07-01"),
        t,
        None,
    )
    .await;
    assert_shape(
        "managedClusters identity",
        &dual["responses"]["200"]["body"]["identity"],
        &body["identity"],
        &[],
    );
    assert_eq!(
        body["identity"]["userAssignedIdentities"][&scope]["principalId"],
        json!(principal)
    );

    let pools = format!("{cluster}/agentPools");
    let (status, _, body) = send(
        &f,
        Method::GET,
        &format!("{pools}?api-version=2025-07-01"),
        t,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "agent pools list",
        &example("arm/AgentPoolsList.json")["responses"]["200"]["body"],
        &body,
        &[],
    );
    let (status, _, body) = send(
        &f,
        Method::GET,
        &format!("{pools}/nodepool1?api-version=2025-07-01"),
        t,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "agent pool get",
        &example("arm/AgentPoolsGet.json")["responses"]["200"]["body"],
        &body,
        &[],
    );
    let upgrade = example("arm/AgentPoolsUpgradeNodeImageVersion.json");
    let (status, headers, body) = send(
        &f,
        Method::POST,
        &format!("{pools}/nodepool1/upgradeNodeImageVersion?api-version=2025-07-01"),
        t,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_headers("upgradeNodeImageVersion", &headers, &["azure-asyncoperation"]);
    assert_shape(
        "upgradeNodeImageVersion",
        &upgrade["responses"]["202"]["body"],
        &body,
        &[],
    );
    assert_eq!(
        body["properties"]["provisioningState"],
        upgrade["responses"]["202"]["body"]["properties"]["provisioningState"]
    );

    // Deletes: the assignment (200 with it, RoleAssignments_Delete.json), then the identity.
    let (status, _, body) = send(&f, Method::DELETE, &one, t, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        "role assignment delete",
        &example("authorization/RoleAssignments_Delete.json")["responses"]["200"]["body"],
        &body,
        &[],
    );
    let (status, _, _) = send(&f, Method::DELETE, &one, t, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = send(
        &f,
        Method::DELETE,
        &format!("{identities}/id-ops?api-version=2023-01-31"),
        t,
        None,
    )
    .await;
    assert!(
        example("msi/IdentityDelete.json")["responses"]
            .get(status.as_str())
            .is_some(),
        "{status}"
    );
}

/// A private cluster with its own private DNS zone, as the official example shows one
/// (`ManagedClustersCreate_PrivateClusterFQDNSubdomain.json`: `apiServerAccessProfile` with a
/// `privateDNSZone` resource ID, on a service principal); its update to a system-assigned identity
/// is refused before any operation, in ARM's CloudError shape with AKS's code.
#[tokio::test]
async fn a_private_cluster_with_its_own_dns_zone_matches_the_spec_example() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let t = Some(token.as_str());
    let (cluster, _) = demo_cluster(&f, "aks-stg-weu");
    let private = example("arm/ManagedClustersCreate_PrivateClusterFQDNSubdomain.json");
    let url = format!("{cluster}?api-version=2025-07-01");
    let (status, _, mut model) = send(&f, Method::GET, &url, t, None).await;
    assert_eq!(status, StatusCode::OK);
    let expected = &private["responses"]["200"]["body"]["properties"]["apiServerAccessProfile"];
    let access = &model["properties"]["apiServerAccessProfile"];
    assert_shape("apiServerAccessProfile", expected, access, &[]);
    let zone = access["privateDNSZone"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        zone.starts_with("/subscriptions/") && zone.contains("/providers/microsoft.network/privatednszones/"),
        "{zone}"
    );
    assert_eq!(access["enablePrivateCluster"], expected["enablePrivateCluster"]);

    model["identity"] = json!({"type": "SystemAssigned"});
    let (status, _, body) = send(&f, Method::PUT, &url, t, Some(model)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_shape(
        "CloudError",
        &json!({"error": {"code": "", "message": ""}}),
        &body,
        &[],
    );
    assert_eq!(
        body["error"]["code"],
        "CustomPrivateDNSZoneMissingPermissionError"
    );
    let (_, _, after) = send(&f, Method::GET, &url, t, None).await;
    assert_eq!(after["properties"]["provisioningState"], "Succeeded");
}

/// Key Vault's data plane against the official examples (`keyvault/*-example.json`), on the demo's
/// RBAC vault, each request at its example's api-version.
#[tokio::test]
async fn key_vault_secrets_match_the_spec_examples() {
    let f = Fixture::new(Default::default()).await;
    let body: Value = f
        .token("https://vault.azure.net/.default")
        .await
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap().to_string();
    let base = {
        let sim = f.sim.sim();
        sim.vault_hosts.uri("kv-contoso-platform").unwrap()
    };
    let case = |file: &str| {
        let e = example(&format!("keyvault/{file}"));
        let api = e["parameters"]["api-version"].as_str().unwrap().to_string();
        (e, api)
    };
    let check = |name: &str, e: &Value, status: StatusCode, body: &Value, skip: &[&str]| {
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_shape(name, &e["responses"]["200"]["body"], body, skip);
    };

    let (e, api) = case("SetSecret-example.json");
    let name = e["parameters"]["secret-name"].as_str().unwrap();
    let url = format!("{base}secrets/{name}?api-version={api}");
    let (status, headers, first) = f
        .send(
            Method::PUT,
            &url,
            &token,
            Some(e["parameters"]["parameters"].clone()),
        )
        .await;
    check("SetSecret", &e, status, &first, &[]);
    assert_headers("SetSecret", &headers, &["x-ms-request-id"]);
    // A second version, with the contentType the list example shows.
    let (status, _, _) = f
        .send(
            Method::PUT,
            &url,
            &token,
            Some(json!({"value": "v2", "contentType": "plainText"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    f.send(
        Method::PUT,
        &format!("{base}secrets/other?api-version={api}"),
        &token,
        Some(json!({"value": "x", "contentType": "plainText"})),
    )
    .await;

    let (e, api) = case("GetSecret-example.json");
    let (status, _, body) = f
        .send(
            Method::GET,
            &format!("{}?api-version={api}", first["id"].as_str().unwrap()),
            &token,
            None,
        )
        .await;
    check("GetSecret", &e, status, &body, &[]);

    let (e, api) = case("GetSecrets-example.json");
    let (status, _, body) = f
        .send(
            Method::GET,
            &format!("{base}secrets?api-version={api}&maxresults=1"),
            &token,
            None,
        )
        .await;
    check("GetSecrets", &e, status, &body, &[]);

    let (e, api) = case("GetSecretVersions-example.json");
    let (status, _, body) = f
        .send(
            Method::GET,
            &format!("{base}secrets/{name}/versions?api-version={api}&maxresults=1"),
            &token,
            None,
        )
        .await;
    check("GetSecretVersions", &e, status, &body, &[]);

    let (e, api) = case("DeleteSecret-example.json");
    let (status, _, body) = f
        .send(Method::DELETE, &url.replace("2025-06-01", &api), &token, None)
        .await;
    check("DeleteSecret", &e, status, &body, &[]);

    let (e, api) = case("GetDeletedSecret-example.json");
    let deleted = format!("{base}deletedsecrets/{name}?api-version={api}");
    let (status, _, body) = f.send(Method::GET, &deleted, &token, None).await;
    check("GetDeletedSecret", &e, status, &body, &[]);

    let (e, api) = case("RecoverDeletedSecret-example.json");
    let (status, _, body) = f
        .send(
            Method::POST,
            &format!("{base}deletedsecrets/{name}/recover?api-version={api}"),
            &token,
            None,
        )
        .await;
    check("RecoverDeletedSecret", &e, status, &body, &[]);

    let (e, api) = case("PurgeDeletedSecret-example.json");
    f.send(Method::DELETE, &url, &token, None).await;
    let resp = f
        .http
        .delete(format!("{base}deletedsecrets/{name}?api-version={api}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(e["responses"]["204"].is_object());
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

/// `Microsoft.KeyVault/vaults` in ARM against `keyvault/getVault.json`.
#[tokio::test]
async fn key_vaults_in_arm_match_the_spec_example() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let id = {
        let sim = f.sim.sim();
        let world = sim.state.world();
        world
            .vaults
            .iter()
            .find(|v| v.name == "kv-contoso-legacy")
            .unwrap()
            .id()
    };
    let e = example("keyvault/getVault.json");
    let api = e["parameters"]["api-version"].as_str().unwrap();
    let (status, headers, body) = send(
        &f,
        Method::GET,
        &format!("{id}?api-version={api}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_headers(
        "vaults get",
        &headers,
        &["x-ms-request-id", "x-ms-correlation-request-id"],
    );
    // systemData is optional in ARM's envelope; a standard vault has no HSM pool.
    assert_shape(
        "vaults get",
        &e["responses"]["200"]["body"],
        &body,
        &["systemData", "properties.hsmPoolResourceId"],
    );
}
