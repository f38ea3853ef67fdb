//! The simulator's wire behaviour, checked with a plain HTTPS client that trusts only its CA.

use crate::common::Fixture;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn token_endpoint_issues_rs256_jwts_with_the_documented_shape() {
    let f = Fixture::new(Default::default()).await;
    let resp = f.token("https://management.azure.com/.default").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store, no-cache");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    // The published key verifies it.
    let (status, _, jwks) = f
        .get(&format!("{}/discovery/v2.0/keys", f.sim.tenant_id()), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
}

#[tokio::test]
async fn token_errors_carry_aadsts_codes_in_the_real_body_shape() {
    let f = Fixture::new(Default::default()).await;
    let resp = f
        .http
        .post(f.url(&format!("{}/oauth2/v2.0/token", f.sim.tenant_id())))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &f.sim.demo_admin.client_id.to_string()),
            ("client_secret", "wrong"),
            ("scope", "https://management.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"][0], 7000215);
    for field in [
        "error_description",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215: "));

    let unknown_tenant = f
        .http
        .post(f.url("no-such-tenant.example/oauth2/v2.0/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_tenant.status(), StatusCode::BAD_REQUEST);
    let body: Value = unknown_tenant.json().await.unwrap();
    assert_eq!(body["error_codes"][0], 90002);
}

#[tokio::test]
async fn arm_requires_a_valid_token_for_the_arm_audience() {
    let f = Fixture::new(Default::default()).await;
    let (status, headers, body) = f.get("/subscriptions?api-version=2022-12-01", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
    assert!(headers.contains_key("www-authenticate"));

    let (status, _, body) = f
        .get("/subscriptions?api-version=2022-12-01", Some("not.a.jwt"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");

    let graph: Value = f
        .token("https://graph.microsoft.com/.default")
        .await
        .json()
        .await
        .unwrap();
    let (status, _, body) = f
        .get(
            "/subscriptions?api-version=2022-12-01",
            graph["access_token"].as_str(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationTokenAudience");
}

#[tokio::test]
async fn subscriptions_and_clusters_match_the_arm_shapes() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let (status, headers, subs) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    for h in [
        "x-ms-request-id",
        "x-ms-correlation-request-id",
        "x-ms-ratelimit-remaining-subscription-reads",
    ] {
        assert!(headers.contains_key(h), "{h} missing");
    }
    let subs = subs["value"].as_array().unwrap();
    assert_eq!(subs.len(), 3);
    let sub_id = subs[0]["subscriptionId"].as_str().unwrap();
    assert_eq!(subs[0]["id"], format!("/subscriptions/{sub_id}"));
    assert_eq!(subs[0]["state"], "Enabled");

    let (status, _, clusters) = f
        .get(&format!("/subscriptions/{sub_id}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-07-01"), Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let first = &clusters["value"][0];
    assert_eq!(first["type"], "Microsoft.ContainerService/ManagedClusters");
    assert!(first["properties"]["servicePrincipalProfile"]["clientId"].is_string());
    assert!(
        first["properties"]["servicePrincipalProfile"]
            .get("secret")
            .is_none(),
        "GET never returns a secret"
    );

    // Get by name, any case in the path, as ARM.
    let id = first["id"]
        .as_str()
        .unwrap()
        .replace("/resourcegroups/", "/resourceGroups/");
    let (status, _, one) = f.get(&format!("{id}?api-version=2025-07-01"), Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["name"], first["name"]);
}

#[tokio::test]
async fn bad_requests_get_arm_error_bodies() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let sub = f.sim.sim().state.world().subscriptions[0].id;
    let cases = [
        ("/subscriptions", StatusCode::BAD_REQUEST, "MissingApiVersionParameter"),
        ("/subscriptions?api-version=1999-01-01", StatusCode::BAD_REQUEST, "InvalidApiVersionParameter"),
        ("/subscriptions?api-version=2022-12-01&%24skiptoken=garbage", StatusCode::BAD_REQUEST, "InvalidSkipToken"),
        ("/subscriptions/not-a-guid?api-version=2022-12-01", StatusCode::BAD_REQUEST, "InvalidSubscriptionId"),
        ("/subscriptions/00000000-0000-0000-0000-000000000000?api-version=2022-12-01", StatusCode::NOT_FOUND, "SubscriptionNotFound"),
        (
            &format!("/subscriptions/{sub}/resourceGroups/rg-prod-weu/providers/Microsoft.ContainerService/managedClusters/nope?api-version=2025-07-01"),
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
        ),
        (
            &format!("/subscriptions/{sub}/resourceGroups/no-rg/providers/Microsoft.ContainerService/managedClusters?api-version=2025-07-01"),
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
        ),
    ];
    for (path, status, code) in cases {
        let (got, _, body) = f.get(path, Some(&token)).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn paging_gives_absolute_next_links_until_the_end() {
    let config = rekey_sim::SimConfig {
        behaviour: rekey_sim::Behaviour {
            arm_page_size: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    let f = Fixture::new(config).await;
    let token = f.arm_token().await;
    let (_, _, first) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    let next = first["nextLink"].as_str().unwrap();
    assert!(next.starts_with(f.sim.base_url.as_str()), "{next}");
    let resp = f.http.get(next).bearer_auth(&token).send().await.unwrap();
    let second: Value = resp.json().await.unwrap();
    assert_eq!(second["value"].as_array().unwrap().len(), 1);
    assert!(second.get("nextLink").is_none());
}

#[tokio::test]
async fn oversized_bodies_are_refused_not_buffered() {
    let f = Fixture::new(Default::default()).await;
    let big = vec![b'a'; 5 * 1024 * 1024];
    let resp = f
        .http
        .post(f.url("common/oauth2/v2.0/token"))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn serve_prints_one_ready_line_with_the_ca_path() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rekey-sim"))
        .arg("serve")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    let base_url = ready["base_url"].as_str().unwrap();
    assert!(base_url.starts_with("https://127.0.0.1:"), "{base_url}");
    let ca = std::fs::read_to_string(ready["ca_pem"].as_str().unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .build()
        .unwrap();
    let resp = http
        .get(format!("{base_url}metadata/endpoints?api-version=2022-09-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // 2022-09-01 answers one object: this host's own cloud.
    let cloud: Value = resp.json().await.unwrap();
    assert_eq!(cloud["resourceManager"], base_url);
    child.kill().await.unwrap();
}
