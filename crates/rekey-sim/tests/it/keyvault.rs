//! Key Vault: vaults in ARM, a host per vault, its token audience and 401 challenge, RBAC and
//! access-policy 403s, secret versions, soft delete (conflict, recover, purge) and paging.

use crate::common::Fixture;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const PLATFORM: &str = "kv-contoso-platform";
const LEGACY: &str = "kv-contoso-legacy";
const API: &str = "api-version=7.6";
const ADMIN_UPN: &str = "admin@contoso-demo.onmicrosoft.com";

impl Fixture {
    /// The demo administrator service principal's token for `scope`.
    async fn token_for(&self, scope: &str) -> String {
        let body: Value = self.token(scope).await.json().await.unwrap();
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_string()
    }

    async fn vault_token(&self) -> String {
        self.token_for("https://vault.azure.net/.default").await
    }

    /// The control API's view of the vaults.
    async fn sim_json(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.control(Method::GET, path).send().await.unwrap();
        (resp.status(), resp.json().await.unwrap_or(Value::Null))
    }

    /// A vault's URI as ARM gives it (`properties.vaultUri`).
    async fn vault_uri(&self, name: &str) -> String {
        let (_, body) = self.sim_json("vaults").await;
        body["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("{body}"))["vaultUri"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn platform_subscription() -> uuid::Uuid {
    rekey_sim::state::stable_id("subscription", "Contoso Platform")
}

#[tokio::test]
async fn arm_lists_the_vaults_each_on_a_host_of_its_own() {
    let f = Fixture::new(Default::default()).await;
    let arm = f.arm_token().await;
    let sub = platform_subscription();
    let (status, _, list) = f
        .get(
            &format!("/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01"),
            Some(&arm),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let vaults = list["value"].as_array().unwrap();
    let names: Vec<&str> = vaults.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, [PLATFORM, LEGACY]);
    let platform = &vaults[0];
    assert_eq!(platform["type"], "Microsoft.KeyVault/vaults");
    assert_eq!(platform["properties"]["enableRbacAuthorization"], true);
    assert_eq!(vaults[1]["properties"]["enableRbacAuthorization"], false);
    assert_eq!(platform["properties"]["enableSoftDelete"], true);
    assert_eq!(platform["properties"]["softDeleteRetentionInDays"], 90);
    let (uri_a, uri_b) = (
        platform["properties"]["vaultUri"].as_str().unwrap(),
        vaults[1]["properties"]["vaultUri"].as_str().unwrap(),
    );
    let host = f.sim.base_url.host_str().unwrap();
    assert!(
        uri_a.starts_with(&format!("https://{host}:")) && uri_a.ends_with('/'),
        "{uri_a}"
    );
    assert_ne!(uri_a, uri_b, "each vault has its own host");
    assert_ne!(uri_a, f.sim.base_url.as_str());
    assert_eq!(f.vault_uri(PLATFORM).await, uri_a, "the control API agrees");

    let id = platform["id"].as_str().unwrap();
    let (status, _, got) = f.get(&format!("{id}?api-version=2023-07-01"), Some(&arm)).await;
    assert_eq!(
        (status, &got["properties"]["vaultUri"]),
        (StatusCode::OK, &platform["properties"]["vaultUri"])
    );
    let (status, _, refused) = f.get(&format!("{id}?api-version=2099-01-01"), Some(&arm)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["code"], "NoRegisteredProviderFound");
    let (status, _, _) = f
        .get(&format!("/subscriptions/{sub}/resourceGroups/rg-platform-secrets/providers/Microsoft.KeyVault/vaults/nope?api-version=2024-11-01"), Some(&arm))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The reader holds no role on Contoso Platform.
    let (status, _, _) = f
        .get(
            &format!("/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01"),
            Some(&f.reader_token()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The cloud's metadata names the simulator's host as the vault DNS suffix.
    let (_, _, cloud) = f.get("/metadata/endpoints?api-version=2022-09-01", None).await;
    assert_eq!(cloud["suffixes"]["keyVaultDns"], host);
}

#[tokio::test]
async fn vaults_want_their_own_audience_and_challenge_like_key_vault() {
    let f = Fixture::new(Default::default()).await;
    let base = f.vault_uri(PLATFORM).await;
    let url = format!("{base}secrets?{API}");
    let expected = format!(
        "Bearer authorization=\"{}/{}\", resource=\"https://vault.azure.net\"",
        f.sim.base_url.as_str().trim_end_matches('/'),
        f.sim.tenant_id()
    );
    let anonymous = f.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], expected.as_str());
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Unauthorized");

    // An ARM token is for another audience.
    let arm = f.arm_token().await;
    let (status, headers, _) = f.send(Method::GET, &url, &arm, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["www-authenticate"], expected.as_str());

    // Key Vault's public resource, and the simulator cloud's `https://{keyVaultDns}/`.
    let host = f.sim.base_url.host_str().unwrap();
    for scope in [
        "https://vault.azure.net/.default",
        &format!("https://{host}/.default"),
    ] {
        let token = f.token_for(scope).await;
        let (status, _, body) = f.send(Method::GET, &url, &token, None).await;
        assert_eq!(status, StatusCode::OK, "{scope}: {body}");
        assert!(body["value"].is_array());
    }
    // And such a token does not open ARM.
    let vault_token = f.vault_token().await;
    let (status, _, _) = f
        .get("/subscriptions?api-version=2022-12-01", Some(&vault_token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_secret_keeps_its_versions() {
    let f = Fixture::new(Default::default()).await;
    let base = f.vault_uri(PLATFORM).await;
    let token = f.vault_token().await;
    let put = |value: &str| {
        json!({"value": value, "contentType": "text/plain; rotated-by=rekey",
            "attributes": {"enabled": true, "exp": 1_900_000_000_i64}, "tags": {"appId": "1234", "rotation": "r1"}})
    };
    let url = format!("{base}secrets/aks-prod-sp?{API}");
    let (status, _, first) = f.send(Method::PUT, &url, &token, Some(put("first-value"))).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["value"], "first-value");
    assert_eq!(first["contentType"], "text/plain; rotated-by=rekey");
    assert_eq!(first["attributes"]["exp"], 1_900_000_000_i64);
    assert_eq!(first["attributes"]["recoveryLevel"], "Recoverable+Purgeable");
    assert_eq!(first["tags"]["rotation"], "r1");
    let first_id = first["id"].as_str().unwrap().to_string();
    let version = first_id
        .strip_prefix(&format!("{base}secrets/aks-prod-sp/"))
        .unwrap()
        .to_string();
    assert!(
        version.len() == 32
            && version
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{version}"
    );
    let (_, _, second) = f.send(Method::PUT, &url, &token, Some(put("second-value"))).await;
    assert_ne!(second["id"], first["id"]);

    let (status, _, current) = f.send(Method::GET, &url, &token, None).await;
    assert_eq!(
        (status, &current["value"]),
        (StatusCode::OK, &json!("second-value"))
    );
    let (_, _, old) = f
        .send(Method::GET, &format!("{first_id}?{API}"), &token, None)
        .await;
    assert_eq!(old["value"], "first-value");
    let (status, _, missing) = f
        .send(
            Method::GET,
            &format!("{base}secrets/aks-prod-sp/{}?{API}", "0".repeat(32)),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, &missing["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("SecretNotFound"))
    );

    let (_, _, versions) = f
        .send(
            Method::GET,
            &format!("{base}secrets/aks-prod-sp/versions?{API}"),
            &token,
            None,
        )
        .await;
    let items = versions["value"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items.iter().all(|i| i.get("value").is_none()),
        "items carry no value: {versions}"
    );
    assert!(items.iter().any(|i| i["id"] == first_id.as_str()));
    let (_, _, list) = f
        .send(Method::GET, &format!("{base}secrets?{API}"), &token, None)
        .await;
    assert_eq!(list["value"][0]["id"], format!("{base}secrets/aks-prod-sp"));

    // The control API witnesses the versions by digest, never by value.
    let (_, witness) = f
        .sim_json(&format!("vaults/{PLATFORM}/secrets/aks-prod-sp"))
        .await;
    let digests: Vec<&str> = witness["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["valueSha256"].as_str().unwrap())
        .collect();
    let sha = |s: &str| {
        Sha256::digest(s.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(digests, [sha("first-value"), sha("second-value")]);
    assert_eq!(witness["versions"][0]["version"], version.as_str());
    assert!(!witness.to_string().contains("first-value"));
}

#[tokio::test]
async fn soft_delete_holds_the_name_until_recovered_or_purged() {
    let f = Fixture::new(Default::default()).await;
    let base = f.vault_uri(PLATFORM).await;
    let token = f.vault_token().await;
    let url = format!("{base}secrets/pipeline-sp?{API}");
    f.send(Method::PUT, &url, &token, Some(json!({"value": "v1"})))
        .await;
    let (status, _, deleted) = f.send(Method::DELETE, &url, &token, None).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["recoveryId"], format!("{base}deletedsecrets/pipeline-sp"));
    let (deleted_at, purge_at) = (
        deleted["deletedDate"].as_i64().unwrap(),
        deleted["scheduledPurgeDate"].as_i64().unwrap(),
    );
    assert_eq!(purge_at - deleted_at, 90 * 86_400);
    assert!(deleted.get("value").is_none());

    let (status, _, gone) = f.send(Method::GET, &url, &token, None).await;
    assert_eq!(
        (status, &gone["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("SecretNotFound"))
    );
    let (status, _, conflict) = f
        .send(Method::PUT, &url, &token, Some(json!({"value": "v2"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["error"]["code"], "Conflict");
    assert_eq!(
        conflict["error"]["innererror"]["code"],
        "ObjectIsDeletedButRecoverable"
    );

    let deleted_url = format!("{base}deletedsecrets/pipeline-sp?{API}");
    let (status, _, _) = f.send(Method::GET, &deleted_url, &token, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, recovered) = f
        .send(
            Method::POST,
            &format!("{base}deletedsecrets/pipeline-sp/recover?{API}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{recovered}");
    let (_, _, back) = f.send(Method::GET, &url, &token, None).await;
    assert_eq!(back["value"], "v1");

    f.send(Method::DELETE, &url, &token, None).await;
    let resp = f
        .http
        .delete(&deleted_url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (status, _, fresh) = f
        .send(Method::PUT, &url, &token, Some(json!({"value": "v3"})))
        .await;
    assert_eq!(status, StatusCode::OK, "after a purge the name is free: {fresh}");
    let (status, _, _) = f.send(Method::GET, &deleted_url, &token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_page_by_maxresults_on_the_vaults_host() {
    let f = Fixture::new(Default::default()).await;
    let base = f.vault_uri(PLATFORM).await;
    let token = f.vault_token().await;
    for i in 0..5 {
        let (status, _, _) = f
            .send(
                Method::PUT,
                &format!("{base}secrets/s-{i}?{API}"),
                &token,
                Some(json!({"value": format!("v{i}")})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let mut next = Some(format!("{base}secrets?{API}&maxresults=2"));
    let (mut pages, mut ids) = (0, Vec::new());
    while let Some(url) = next.take() {
        assert!(url.starts_with(&base), "{url}");
        let (status, _, page) = f.send(Method::GET, &url, &token, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        let items = page["value"].as_array().unwrap();
        assert!(items.len() <= 2);
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        next = page["nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 5);
    let (status, _, refused) = f
        .send(
            Method::GET,
            &format!("{base}secrets?{API}&maxresults=26"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("BadParameter"))
    );
}

#[tokio::test]
async fn bad_names_versions_and_api_versions_are_refused() {
    let f = Fixture::new(Default::default()).await;
    let base = f.vault_uri(PLATFORM).await;
    let token = f.vault_token().await;
    let (status, _, bad) = f
        .send(
            Method::PUT,
            &format!("{base}secrets/bad_name?{API}"),
            &token,
            Some(json!({"value": "x"})),
        )
        .await;
    assert_eq!(
        (status, &bad["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("BadParameter"))
    );
    let (status, _, bad) = f
        .send(
            Method::GET,
            &format!("{base}secrets?api-version=9.9"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, &bad["error"]["code"]),
        (StatusCode::BAD_REQUEST, &json!("BadParameter"))
    );
    assert!(bad["error"]["message"].as_str().unwrap().contains("9.9"));
    let (status, _, _) = f.send(Method::GET, &format!("{base}secrets"), &token, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for version in ["7.0", "7.5", "2025-07-01", "2026-04-01"] {
        let (status, _, _) = f
            .send(
                Method::GET,
                &format!("{base}secrets?api-version={version}"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{version}");
    }
    let (status, _, missing) = f
        .send(
            Method::GET,
            &format!("{base}secrets/nothing-here?{API}"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, &missing["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("SecretNotFound"))
    );
    let (status, _, _) = f
        .send(
            Method::PUT,
            &format!("{base}secrets/no-value?{API}"),
            &token,
            Some(json!({"contentType": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// The demo scenario, with the platform vault's roles replaced by `roles` (principal, role).
fn demo_with_platform_roles(roles: &[(&str, &str)]) -> rekey_sim::ScenarioFile {
    let mut scenario = rekey_sim::scenario::demo_file();
    let vault = scenario.vaults.iter_mut().find(|v| v.name == PLATFORM).unwrap();
    vault.roles = roles
        .iter()
        .map(|(principal, role)| rekey_sim::scenario::VaultRoleSpec {
            principal: principal.to_string(),
            role: role.to_string(),
        })
        .collect();
    scenario
}

#[tokio::test]
async fn rbac_vaults_need_a_data_role_not_owner() {
    let scenario =
        demo_with_platform_roles(&[("reader@contoso-demo.onmicrosoft.com", "Key Vault Secrets User")]);
    let f = Fixture::new(rekey_sim::SimConfig {
        scenario: rekey_sim::ScenarioSource::File(Box::new(scenario)),
        ..Default::default()
    })
    .await;
    let base = f.vault_uri(PLATFORM).await;
    let url = format!("{base}secrets/app-sp?{API}");
    // The demo administrator SP is Owner on the subscription, which grants no data action.
    let owner = f.vault_token().await;
    let (status, _, refused) = f
        .send(Method::PUT, &url, &owner, Some(json!({"value": "x"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "Forbidden");
    assert_eq!(refused["error"]["innererror"]["code"], "ForbiddenByRbac");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Caller is not authorized to perform action on resource.\r\n"),
        "{message}"
    );
    assert!(
        message.contains("Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'"),
        "{message}"
    );
    assert!(
        message.contains("Vault: kv-contoso-platform;location=westeurope"),
        "{message}"
    );

    // Key Vault Secrets User reads but does not write.
    let reader = f.user_token("reader@contoso-demo.onmicrosoft.com", "https://vault.azure.net");
    let (status, _, _) = f
        .send(Method::GET, &format!("{base}secrets?{API}"), &reader, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, refused) = f
        .send(Method::PUT, &url, &reader, Some(json!({"value": "x"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["innererror"]["code"], "ForbiddenByRbac");

    // A Key Vault Administrator granted through ARM at the vault's scope writes once it propagated.
    let arm = f.arm_token().await;
    let vault_id = format!(
        "/subscriptions/{}/resourceGroups/rg-platform-secrets/providers/Microsoft.KeyVault/vaults/{PLATFORM}",
        platform_subscription()
    );
    let admin_oid = rekey_sim::state::stable_id("sp", "rekey-demo-admin");
    let grant = json!({"properties": {
        "roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483", platform_subscription()),
        "principalId": admin_oid, "principalType": "ServicePrincipal"}});
    let (status, _, body) = f
        .send(
            Method::PUT,
            &format!(
                "{vault_id}/providers/Microsoft.Authorization/roleAssignments/{}?api-version=2022-04-01",
                uuid::Uuid::new_v4()
            ),
            &arm,
            Some(grant),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    f.sim.sim().state.advance_clock(chrono::Duration::minutes(5));
    let (status, _, written) = f
        .send(Method::PUT, &url, &owner, Some(json!({"value": "x"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{written}");
}

#[tokio::test]
async fn access_policy_vaults_allow_only_the_listed_permissions() {
    let f = Fixture::new(Default::default()).await;
    let base = f.vault_uri(LEGACY).await;
    let token = f.vault_token().await;
    let (status, _, refused) = f
        .send(
            Method::PUT,
            &format!("{base}secrets/app-sp?{API}"),
            &token,
            Some(json!({"value": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "Forbidden");
    assert_eq!(refused["error"]["innererror"]["code"], "AccessDenied");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "does not have secrets set permission on key vault 'kv-contoso-legacy;location=westeurope'"
        ),
        "{message}"
    );
    // get and list are granted: a missing secret is a 404, not a 403.
    let (status, _, _) = f
        .send(Method::GET, &format!("{base}secrets/app-sp?{API}"), &token, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = f
        .send(Method::GET, &format!("{base}secrets?{API}"), &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // The person has the same policy; the reader has none.
    let person = f.user_token(ADMIN_UPN, "https://vault.azure.net/");
    let (status, _, _) = f
        .send(Method::GET, &format!("{base}secrets?{API}"), &person, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let reader = f.user_token("reader@contoso-demo.onmicrosoft.com", "https://vault.azure.net/");
    let (status, _, refused) = f
        .send(Method::GET, &format!("{base}secrets?{API}"), &reader, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("secrets list permission"));
}

#[tokio::test]
async fn fault_rules_and_the_request_log_reach_vault_hosts() {
    let f = Fixture::new(Default::default()).await;
    let base = f.vault_uri(PLATFORM).await;
    let token = f.vault_token().await;
    let rule = json!({"method": "PUT", "path": "/secrets/*", "times": 1,
        "action": {"type": "respond", "status": 503, "body": {"error": {"code": "ServiceUnavailable", "message": "injected"}}}});
    let added = f
        .http
        .post(f.url("_sim/faults"))
        .bearer_auth(f.sim.admin_token())
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let url = format!("{base}secrets/faulty?{API}");
    let (status, _, _) = f
        .send(Method::PUT, &url, &token, Some(json!({"value": "x"})))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _, _) = f
        .send(Method::PUT, &url, &token, Some(json!({"value": "x"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, log) = f.sim_json("requests").await;
    let puts: Vec<&Value> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/secrets/faulty")
        .collect();
    assert_eq!(puts.len(), 2);
    assert!(puts.iter().all(|r| r["vault"] == PLATFORM), "{puts:?}");
    assert_eq!(puts[0]["status"], 503);
}

#[tokio::test]
async fn a_scenario_reload_opens_hosts_for_new_vaults() {
    let f = Fixture::new(Default::default()).await;
    let mut scenario = rekey_sim::scenario::demo_file();
    let mut extra = scenario.vaults[0].clone();
    extra.name = "kv-reloaded".into();
    scenario.vaults.push(extra);
    let resp = f
        .http
        .post(f.url("_sim/scenario"))
        .bearer_auth(f.sim.admin_token())
        .json(&scenario)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let base = f.vault_uri("kv-reloaded").await;
    let token = f.vault_token().await;
    let (status, _, body) = f
        .send(
            Method::PUT,
            &format!("{base}secrets/new?{API}"),
            &token,
            Some(json!({"value": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn arm_creates_a_vault_with_a_host_of_its_own() {
    let f = Fixture::new(Default::default()).await;
    let arm = f.arm_token().await;
    let sub = platform_subscription();
    let admin = rekey_sim::state::stable_id("sp", "rekey-demo-admin");
    let tenant = f.sim.tenant_id();
    let body = json!({"location": "westeurope", "tags": {"team": "ops"}, "properties": {
        "tenantId": tenant, "sku": {"family": "A", "name": "standard"},
        "accessPolicies": [{"tenantId": tenant, "objectId": admin, "permissions": {"secrets": ["get", "set"]}}]}});
    let path = |rg: &str, name: &str| {
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}?api-version=2024-11-01")
    };
    let (status, _, created) = f
        .send(
            Method::PUT,
            &path("rg-ops", "kv-ops-new"),
            &arm,
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let base = created["properties"]["vaultUri"].as_str().unwrap().to_string();
    assert_eq!(created["properties"]["enableRbacAuthorization"], false);
    let token = f.vault_token().await;
    let (status, _, _) = f
        .send(
            Method::PUT,
            &format!("{base}secrets/kept?{API}"),
            &token,
            Some(json!({"value": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // An update keeps the host and the secrets.
    let (status, _, updated) = f
        .send(
            Method::PUT,
            &path("rg-ops", "kv-ops-new"),
            &arm,
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (status, updated["properties"]["vaultUri"].as_str()),
        (StatusCode::OK, Some(base.as_str()))
    );
    let (status, _, kept) = f
        .send(Method::GET, &format!("{base}secrets/kept?{API}"), &token, None)
        .await;
    assert_eq!((status, &kept["value"]), (StatusCode::OK, &json!("x")));

    // Names are global, and follow ARM's rule; the reader may not write.
    let (status, _, taken) = f
        .send(
            Method::PUT,
            &path("rg-ci", "kv-ops-new"),
            &arm,
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (status, &taken["error"]["code"]),
        (StatusCode::CONFLICT, &json!("VaultAlreadyExists"))
    );
    let (status, _, _) = f
        .send(Method::PUT, &path("rg-ops", "kv--bad"), &arm, Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = f
        .send(
            Method::PUT,
            &path("rg-ops", "kv-other"),
            &f.reader_token(),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
