//! Microsoft Graph v1.0 as the simulator serves it: lookups, OData options, paging, secrets,
//! authorisation and `$batch`, checked over HTTPS.

use crate::common::Fixture;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
const GRAPH_CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

async fn graph_token(f: &Fixture) -> String {
    let body: Value = f.token(GRAPH_SCOPE).await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

async fn call(
    f: &Fixture,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = f.http.request(method, f.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.json().await.unwrap_or(Value::Null))
}

async fn raw_post(f: &Fixture, path: &str, token: &str, body: &'static str) -> (StatusCode, Value) {
    let resp = f
        .http
        .post(f.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

/// A client_credentials sign-in with `secret`; returns the status and the AADSTS code if any.
async fn sign_in(f: &Fixture, app_id: &str, secret: &str) -> (StatusCode, Option<u64>) {
    let resp = f
        .http
        .post(f.url(&format!("{}/oauth2/v2.0/token", f.sim.tenant_id())))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("client_secret", secret),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    (status, body["error_codes"][0].as_u64())
}

/// The demo application and service principal named `name`: (object ID, SP object ID, app ID).
fn demo_ids(f: &Fixture, name: &str) -> (Uuid, Uuid, Uuid) {
    let world = f.sim.sim().state.world();
    let app = world
        .applications
        .iter()
        .find(|a| a.display_name == name)
        .unwrap();
    let sp = world.service_principal_by_app_id(app.app_id).unwrap();
    (app.object_id, sp.object_id, app.app_id)
}

/// Creates an application and its service principal through Graph; returns (app object ID, app ID).
async fn create_app_and_sp(f: &Fixture, token: &str, name: &str) -> (String, String) {
    let (status, headers, app) = call(
        f,
        Method::POST,
        "/v1.0/applications",
        token,
        Some(json!({"displayName": name, "keyCredentials": []})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let app_id = app["appId"].as_str().unwrap().to_string();
    assert!(headers["location"].to_str().unwrap().contains(&format!(
        "/directoryObjects/{id}/Microsoft.DirectoryServices.Application"
    )));
    let (status, _, sp) = call(
        f,
        Method::POST,
        "/v1.0/servicePrincipals",
        token,
        Some(json!({"appId": app_id, "accountEnabled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sp}");
    (id, app_id)
}

fn assert_graph_error(status: StatusCode, body: &Value, want_status: StatusCode, code: &str) {
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (want_status, Some(code)),
        "{body}"
    );
    let inner = &body["error"]["innerError"];
    for field in ["date", "request-id", "client-request-id"] {
        assert!(inner[field].is_string(), "innerError.{field} missing in {body}");
    }
}

#[tokio::test]
async fn applications_are_found_by_id_alt_key_and_filters() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (object_id, _, app_id) = demo_ids(&f, "aks-prod-weu-sp");
    let base = f.sim.base_url.as_str();

    let resp = f
        .http
        .get(f.url(&format!("/v1.0/applications/{object_id}")))
        .bearer_auth(&token)
        .header("client-request-id", "my-correlation-id")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    assert_eq!(headers["content-type"], GRAPH_CONTENT_TYPE);
    assert_eq!(headers["client-request-id"], "my-correlation-id");
    for h in [
        "request-id",
        "x-ms-ags-diagnostic",
        "x-ms-resource-unit",
        "odata-version",
    ] {
        assert!(headers.contains_key(h), "{h} missing");
    }
    let by_id: Value = resp.json().await.unwrap();
    assert_eq!(
        by_id["@odata.context"],
        format!("{base}v1.0/$metadata#applications/$entity")
    );
    assert_eq!(by_id["appId"], app_id.to_string());
    assert_eq!(by_id["displayName"], "aks-prod-weu-sp");
    assert_eq!(by_id["publisherDomain"], "contoso-demo.onmicrosoft.com");
    let secret = &by_id["passwordCredentials"][0];
    assert!(secret["secretText"].is_null());
    assert!(secret["customKeyIdentifier"].is_null());
    assert_eq!(secret["hint"].as_str().unwrap().len(), 3);
    assert!(secret["endDateTime"].as_str().unwrap().ends_with('Z'));
    assert!(by_id["keyCredentials"].as_array().unwrap().is_empty());

    let (status, _, by_app_id) = call(
        &f,
        Method::GET,
        &format!("/v1.0/applications(appId='{app_id}')"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_app_id["id"], object_id.to_string());

    for filter in [
        format!("appId eq '{app_id}'"),
        "displayName eq 'AKS-PROD-WEU-SP'".to_string(),
        "startswith(displayName,'aks-prod-weu')".to_string(),
    ] {
        let (status, _, list) = call(
            &f,
            Method::GET,
            &format!("/v1.0/applications?$filter={filter}"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{filter}: {list}");
        assert_eq!(
            list["@odata.context"],
            format!("{base}v1.0/$metadata#applications")
        );
        let value = list["value"].as_array().unwrap();
        assert_eq!(value.len(), 1, "{filter}: {list}");
        assert_eq!(value[0]["id"], object_id.to_string());
    }

    // A certificate shows its thumbprint and type, never its key.
    let (ops, _, _) = demo_ids(&f, "aks-ops-sp");
    let (_, _, app) = call(
        &f,
        Method::GET,
        &format!("/v1.0/applications/{ops}"),
        &token,
        None,
    )
    .await;
    let cert = &app["keyCredentials"][0];
    assert_eq!(cert["type"], "AsymmetricX509Cert");
    assert_eq!(cert["usage"], "Verify");
    assert!(cert["key"].is_null());
    assert!(cert["customKeyIdentifier"].is_string());

    let (status, _, none) = call(
        &f,
        Method::GET,
        &format!("/v1.0/applications?$filter=appId eq '{}'", Uuid::new_v4()),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["value"], json!([]));

    let missing = Uuid::new_v4();
    let (status, _, body) = call(
        &f,
        Method::GET,
        &format!("/v1.0/applications/{missing}"),
        &token,
        None,
    )
    .await;
    assert_graph_error(status, &body, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    assert_eq!(
        body["error"]["message"],
        format!("Resource '{missing}' does not exist or one of its queried reference-property objects are not present.")
    );
    let (status, _, body) = call(&f, Method::GET, "/v1.0/applications(appId='nope')", &token, None).await;
    assert_graph_error(status, &body, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    let (status, _, body) = call(&f, Method::GET, "/v1.0/applications/not-a-guid", &token, None).await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "Request_BadRequest");
}

#[tokio::test]
async fn service_principals_are_found_by_id_alt_key_and_filters() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (_, sp_id, app_id) = demo_ids(&f, "aks-payments-sp");
    let base = f.sim.base_url.as_str();

    let (status, _, sp) = call(
        &f,
        Method::GET,
        &format!("/v1.0/servicePrincipals/{sp_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sp}");
    assert_eq!(
        sp["@odata.context"],
        format!("{base}v1.0/$metadata#servicePrincipals/$entity")
    );
    assert_eq!(sp["appId"], app_id.to_string());
    assert_eq!(sp["servicePrincipalType"], "Application");
    assert_eq!(sp["servicePrincipalNames"], json!([app_id.to_string()]));
    assert_eq!(sp["accountEnabled"], true);
    // The older secret lives on the SP object itself.
    assert_eq!(sp["passwordCredentials"].as_array().unwrap().len(), 1);
    assert!(sp["passwordCredentials"][0]["secretText"].is_null());

    let (status, _, by_app_id) = call(
        &f,
        Method::GET,
        &format!("/v1.0/servicePrincipals(appId='{app_id}')"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_app_id["id"], sp_id.to_string());

    for filter in [
        format!("appId eq '{app_id}'"),
        format!("servicePrincipalNames/any(c:c eq '{app_id}')"),
        "displayName eq 'aks-payments-sp'".to_string(),
    ] {
        let (status, _, list) = call(
            &f,
            Method::GET,
            &format!("/v1.0/servicePrincipals?$filter={filter}"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{filter}: {list}");
        assert_eq!(
            list["@odata.context"],
            format!("{base}v1.0/$metadata#servicePrincipals")
        );
        assert_eq!(list["value"].as_array().unwrap().len(), 1, "{filter}: {list}");
        assert_eq!(list["value"][0]["id"], sp_id.to_string());
    }

    for (filter, code) in [
        ("appId in ('a','b')", "Request_UnsupportedQuery"),
        ("accountEnabled eq 'true'", "Request_UnsupportedQuery"),
        ("displayName eq 'unterminated", "BadRequest"),
        ("nosuchProperty eq 'x'", "Request_BadRequest"),
    ] {
        let (status, _, body) = call(
            &f,
            Method::GET,
            &format!("/v1.0/servicePrincipals?$filter={filter}"),
            &token,
            None,
        )
        .await;
        assert_graph_error(status, &body, StatusCode::BAD_REQUEST, code);
    }
}

#[tokio::test]
async fn select_keeps_only_the_named_properties() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (object_id, _, app_id) = demo_ids(&f, "aks-stg-sp");
    let base = f.sim.base_url.as_str();

    let (status, headers, app) = call(
        &f,
        Method::GET,
        &format!("/v1.0/applications/{object_id}?$select=id,appId,passwordCredentials"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{app}");
    assert_eq!(headers["x-ms-resource-unit"], "1");
    let mut keys: Vec<&str> = app.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["@odata.context", "appId", "id", "passwordCredentials"]);
    assert_eq!(
        app["@odata.context"],
        format!("{base}v1.0/$metadata#applications(id,appId,passwordCredentials)/$entity")
    );

    let (status, _, list) = call(
        &f,
        Method::GET,
        &format!("/v1.0/applications?$filter=appId eq '{app_id}'&$select=displayName"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["value"], json!([{"displayName": "aks-stg-sp"}]));

    let (status, _, body) = call(
        &f,
        Method::GET,
        "/v1.0/applications?$select=id,secret",
        &token,
        None,
    )
    .await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert_eq!(
        body["error"]["message"],
        "Could not find a property named 'secret' on type 'microsoft.graph.application'."
    );
}

#[tokio::test]
async fn lists_page_with_top_and_next_links() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    for n in 0..3 {
        let (status, _, _) = call(
            &f,
            Method::POST,
            "/v1.0/applications",
            &token,
            Some(json!({"displayName": format!("paging-test-{n}")})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }

    let (status, _, first) = call(
        &f,
        Method::GET,
        "/v1.0/applications?$filter=startswith(displayName,'paging-test')&$top=2&$select=displayName",
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}v1.0/applications?", f.sim.base_url)),
        "{next}"
    );
    assert!(next.contains("$skiptoken="), "{next}");
    let second: Value = f
        .http
        .get(next)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["value"], json!([{"displayName": "paging-test-2"}]));
    assert!(second.get("@odata.nextLink").is_none());

    // Every application of the tenant, two at a time, each exactly once.
    let home = f.sim.tenant_id();
    let expected = f
        .sim
        .sim()
        .state
        .world()
        .applications
        .iter()
        .filter(|a| a.tenant_id == home)
        .count();
    let mut seen = Vec::new();
    let mut url = f.url("/v1.0/applications?$top=2&$select=id");
    loop {
        let page: Value = f
            .http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let value = page["value"].as_array().unwrap();
        assert!(value.len() <= 2);
        seen.extend(value.iter().map(|a| a["id"].as_str().unwrap().to_string()));
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), expected);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), expected);

    let (status, _, body) = call(
        &f,
        Method::GET,
        "/v1.0/applications?$skiptoken=garbage",
        &token,
        None,
    )
    .await;
    assert_graph_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "Directory_ExpiredPageToken",
    );
    let (status, _, body) = call(&f, Method::GET, "/v1.0/applications?$top=0", &token, None).await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "Request_BadRequest");
}

#[tokio::test]
async fn add_password_gives_the_secret_once_and_remove_password_revokes_it() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (id, app_id) = create_app_and_sp(&f, &token, "rotation-test").await;
    let base = f.sim.base_url.as_str();

    let (status, _, added) = call(
        &f,
        Method::POST,
        &format!("/v1.0/applications/{id}/addPassword"),
        &token,
        Some(json!({"passwordCredential": {"displayName": "rbac"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added["@odata.context"],
        format!("{base}v1.0/$metadata#microsoft.graph.passwordCredential")
    );
    let secret = added["secretText"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 40);
    assert_eq!(added["hint"], secret[..3]);
    assert_eq!(added["displayName"], "rbac");
    let start = chrono::DateTime::parse_from_rfc3339(added["startDateTime"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(added["endDateTime"].as_str().unwrap()).unwrap();
    assert!(
        (729..=731).contains(&(end - start).num_days()),
        "default lifetime is two years"
    );
    let key_id = added["keyId"].as_str().unwrap().to_string();

    // GET never shows the secret again.
    let (_, _, app) = call(&f, Method::GET, &format!("/v1.0/applications/{id}"), &token, None).await;
    assert_eq!(app["passwordCredentials"][0]["keyId"], key_id);
    assert!(app["passwordCredentials"][0]["secretText"].is_null());
    assert!(!app.to_string().contains(&secret));

    assert_eq!(sign_in(&f, &app_id, &secret).await, (StatusCode::OK, None));

    let (status, _, _) = call(
        &f,
        Method::POST,
        &format!("/v1.0/applications(appId='{app_id}')/removePassword"),
        &token,
        Some(json!({"keyId": key_id})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        sign_in(&f, &app_id, &secret).await,
        (StatusCode::UNAUTHORIZED, Some(7000215))
    );
    let (status, _, body) = call(
        &f,
        Method::POST,
        &format!("/v1.0/applications/{id}/removePassword"),
        &token,
        Some(json!({"keyId": key_id})),
    )
    .await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "Request_BadRequest");

    // The SP's own credentials, as `az ad sp credential reset` writes them; an empty body takes the defaults.
    let (status, _, on_sp) = call(
        &f,
        Method::POST,
        &format!("/v1.0/servicePrincipals(appId='{app_id}')/addPassword"),
        &token,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{on_sp}");
    let sp_secret = on_sp["secretText"].as_str().unwrap();
    assert_eq!(sign_in(&f, &app_id, sp_secret).await, (StatusCode::OK, None));
    let (_, _, sp) = call(
        &f,
        Method::GET,
        &format!("/v1.0/servicePrincipals?$filter=appId eq '{app_id}'"),
        &token,
        None,
    )
    .await;
    assert_eq!(sp["value"][0]["passwordCredentials"][0]["keyId"], on_sp["keyId"]);
    assert!(sp["value"][0]["passwordCredentials"][0]["secretText"].is_null());
}

#[tokio::test]
async fn creating_service_principals_checks_the_application() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (_, app_id) = create_app_and_sp(&f, &token, "sp-create-test").await;

    let (status, _, body) = call(
        &f,
        Method::POST,
        "/v1.0/servicePrincipals",
        &token,
        Some(json!({"appId": app_id})),
    )
    .await;
    assert_graph_error(
        status,
        &body,
        StatusCode::CONFLICT,
        "Request_MultipleObjectsWithSameKeyValue",
    );

    let (status, _, body) = call(
        &f,
        Method::POST,
        "/v1.0/servicePrincipals",
        &token,
        Some(json!({"appId": Uuid::new_v4()})),
    )
    .await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not reference a valid application object"));
}

#[tokio::test]
async fn principals_without_the_graph_permission_are_denied() {
    let f = Fixture::new(Default::default()).await;
    let admin = graph_token(&f).await;
    let (id, app_id) = create_app_and_sp(&f, &admin, "no-permissions").await;
    let (_, _, added) = call(
        &f,
        Method::POST,
        &format!("/v1.0/applications/{id}/addPassword"),
        &admin,
        Some(json!({})),
    )
    .await;
    let secret = added["secretText"].as_str().unwrap();
    let resp = f
        .http
        .post(f.url(&format!("{}/oauth2/v2.0/token", f.sim.tenant_id())))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app_id.as_str()),
            ("client_secret", secret),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    let weak = body["access_token"].as_str().unwrap().to_string();

    let (status, _, body) = call(&f, Method::GET, "/v1.0/applications", &weak, None).await;
    assert_graph_error(
        status,
        &body,
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
    );
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );

    // Read permission lets it read, not write.
    {
        let mut world = f.sim.sim().state.world();
        let sp = world
            .service_principal_by_app_id(Uuid::parse_str(&app_id).unwrap())
            .unwrap()
            .object_id;
        world.graph_grants.push(rekey_sim::state::GraphGrant {
            principal_id: sp,
            permission: "Application.Read.All".into(),
        });
    }
    let (status, _, _) = call(&f, Method::GET, &format!("/v1.0/applications/{id}"), &weak, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = call(
        &f,
        Method::POST,
        &format!("/v1.0/applications/{id}/addPassword"),
        &weak,
        Some(json!({})),
    )
    .await;
    assert_graph_error(
        status,
        &body,
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
    );
}

#[tokio::test]
async fn tokens_for_other_audiences_expired_or_missing_are_refused() {
    let f = Fixture::new(Default::default()).await;
    let arm = f.arm_token().await;
    let (status, headers, body) = call(&f, Method::GET, "/v1.0/applications", &arm, None).await;
    assert_graph_error(
        status,
        &body,
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
    );
    assert!(headers.contains_key("www-authenticate"));
    assert_eq!(headers["content-type"], GRAPH_CONTENT_TYPE);

    let resp = f.http.get(f.url("/v1.0/applications")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let (status, _, body) = call(&f, Method::GET, "/v1.0/applications", "not.a.jwt", None).await;
    assert_graph_error(
        status,
        &body,
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
    );

    // A genuine Graph token whose lifetime is over.
    let sim = f.sim.sim();
    let mut claims = sim
        .signer
        .verify(&graph_token(&f).await, &sim.graph_audiences())
        .unwrap();
    claims.exp = chrono::Utc::now().timestamp() - 60;
    let expired = sim.signer.sign(&claims).unwrap();
    let (status, _, body) = call(&f, Method::GET, "/v1.0/applications", &expired, None).await;
    assert_graph_error(
        status,
        &body,
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
    );
    assert_eq!(
        body["error"]["message"],
        "Lifetime validation failed, the token is expired."
    );
}

#[tokio::test]
async fn batch_runs_each_request_and_honours_depends_on() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (object_id, _, app_id) = demo_ids(&f, "aks-edge-sp");
    let missing = Uuid::new_v4();
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/applications/{object_id}?$select=id,displayName")},
        {"id": "2", "method": "GET", "url": format!("/applications/{missing}")},
        {"id": "3", "method": "POST", "url": format!("/applications(appId='{app_id}')/addPassword"),
         "headers": {"Content-Type": "application/json"}, "body": {"passwordCredential": {"displayName": "batch"}},
         "dependsOn": ["1"]},
        {"id": "4", "method": "GET", "url": "servicePrincipals?$filter=displayName eq 'aks-edge-sp'", "dependsOn": ["2"]},
    ]});
    let (status, headers, body) = call(&f, Method::POST, "/v1.0/$batch", &token, Some(batch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], GRAPH_CONTENT_TYPE);
    let responses = body["responses"].as_array().unwrap();
    let by_id = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap().clone();

    let one = by_id("1");
    assert_eq!(one["status"], 200);
    assert_eq!(one["body"]["displayName"], "aks-edge-sp");
    assert_eq!(one["headers"]["Content-Type"], GRAPH_CONTENT_TYPE);
    assert_eq!(by_id("2")["status"], 404);
    assert_eq!(by_id("2")["body"]["error"]["code"], "Request_ResourceNotFound");
    let three = by_id("3");
    assert_eq!(three["status"], 200, "{three}");
    assert_eq!(three["body"]["secretText"].as_str().unwrap().len(), 40);
    assert_eq!(by_id("4")["status"], 424);
    let world = f.sim.sim().state.world();
    let app = world
        .applications
        .iter()
        .find(|a| a.object_id == object_id)
        .unwrap();
    assert!(app
        .password_credentials
        .iter()
        .any(|c| c.display_name.as_deref() == Some("batch")));
}

#[tokio::test]
async fn malformed_batches_are_refused_whole() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/applications?$top=1"}))
        .collect();
    let cases = [
        json!({"requests": too_many}),
        json!({"requests": [
            {"id": "1", "method": "GET", "url": "/applications"},
            {"id": "1", "method": "GET", "url": "/servicePrincipals"}]}),
        json!({"requests": [{"id": "1", "method": "GET", "url": "/applications", "dependsOn": ["9"]}]}),
        json!({"requests": [{"id": "1", "method": "POST", "url": "/applications", "body": {"displayName": "x"}}]}),
        json!({"requests": "nope"}),
    ];
    for batch in cases {
        let (status, _, body) = call(&f, Method::POST, "/v1.0/$batch", &token, Some(batch.clone())).await;
        assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "BadRequest");
    }
    let (status, body) = raw_post(&f, "/v1.0/$batch", &token, "{\"requests\": [").await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "BadRequest");
}

#[tokio::test]
async fn bad_bodies_paths_and_methods_get_graph_errors() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (object_id, _, _) = demo_ids(&f, "aks-batch-sp");
    let add = format!("/v1.0/applications/{object_id}/addPassword");

    let (status, body) = raw_post(&f, "/v1.0/applications", &token, "{\"displayName\": ").await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "BadRequest");
    let (status, body) = raw_post(&f, &add, &token, "[1, 2]").await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "BadRequest");

    for (credential, code) in [
        (
            json!({"startDateTime": "2030-01-02T00:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"}),
            "Request_BadRequest",
        ),
        (json!({"endDateTime": "next tuesday"}), "BadRequest"),
        (json!({"displayName": 7}), "Request_BadRequest"),
    ] {
        let (status, _, body) = call(
            &f,
            Method::POST,
            &add,
            &token,
            Some(json!({"passwordCredential": credential})),
        )
        .await;
        assert_graph_error(status, &body, StatusCode::BAD_REQUEST, code);
    }
    let count = f
        .sim
        .sim()
        .state
        .world()
        .applications
        .iter()
        .find(|a| a.object_id == object_id)
        .map(|a| a.password_credentials.len());
    assert_eq!(count, Some(1), "refused requests add nothing");

    let (status, _, body) = call(
        &f,
        Method::PATCH,
        &format!("/v1.0/applications/{object_id}"),
        &token,
        Some(json!({"passwordCredentials": []})),
    )
    .await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "Request_BadRequest");
    assert_eq!(
        body["error"]["message"],
        "Property PasswordCredentials is invalid."
    );

    let (status, _, body) = call(&f, Method::GET, "/v1.0/users", &token, None).await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "BadRequest");
    assert_eq!(
        body["error"]["message"],
        "Resource not found for the segment 'users'."
    );

    let (status, _, body) = call(&f, Method::PUT, "/v1.0/applications", &token, Some(json!({}))).await;
    assert_graph_error(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
    );

    let (status, _, body) = call(
        &f,
        Method::POST,
        "/v1.0/applications",
        &token,
        Some(json!({"displayName": "x", "secret": 1})),
    )
    .await;
    assert_graph_error(status, &body, StatusCode::BAD_REQUEST, "BadRequest");
}

#[tokio::test]
async fn patch_renames_and_delete_removes_the_application_and_its_sp() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (id, app_id) = create_app_and_sp(&f, &token, "patch-test").await;

    let (status, _, _) = call(
        &f,
        Method::PATCH,
        &format!("/v1.0/applications/{id}"),
        &token,
        Some(json!({"displayName": "patched"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, app) = call(
        &f,
        Method::GET,
        &format!("/v1.0/applications/{id}?$select=displayName"),
        &token,
        None,
    )
    .await;
    assert_eq!(app["displayName"], "patched");

    let (status, _, _) = call(
        &f,
        Method::DELETE,
        &format!("/v1.0/applications/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for path in [
        format!("/v1.0/applications/{id}"),
        format!("/v1.0/servicePrincipals(appId='{app_id}')"),
    ] {
        let (status, _, body) = call(&f, Method::GET, &path, &token, None).await;
        assert_graph_error(status, &body, StatusCode::NOT_FOUND, "Request_ResourceNotFound");
    }
}
