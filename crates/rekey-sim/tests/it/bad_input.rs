//! Property test: random malformed requests to every endpoint get Azure's error shapes and a
//! status below 500, never a panic or a hung connection, and the simulator keeps serving.

use std::time::Duration;

use crate::common::Fixture;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

const CASES: usize = 600;

const PATHS: &[&str] = &[
    "/{t}/oauth2/v2.0/token",
    "/{t}/oauth2/v2.0/authorize",
    "/{t}/oauth2/v2.0/devicecode",
    "/{t}/v2.0/.well-known/openid-configuration",
    "/{t}/discovery/v2.0/keys",
    "/common/discovery/instance",
    "/devicelogin",
    "/metadata/endpoints",
    "/tenants",
    "/subscriptions",
    "/subscriptions/{s}",
    "/subscriptions/{s}/providers/Microsoft.ContainerService/managedClusters",
    "/subscriptions/{s}/resourceGroups/{x}/providers/Microsoft.ContainerService/managedClusters",
    "/subscriptions/{s}/resourceGroups/{x}/providers/Microsoft.ContainerService/managedClusters/{x}",
    "/subscriptions/{s}/resourceGroups/{x}/providers/Microsoft.ContainerService/managedClusters/{x}/resetServicePrincipalProfile",
    "/subscriptions/{s}/resourceGroups/{x}/providers/Microsoft.ContainerService/managedClusters/{x}/resetAADProfile",
    "/subscriptions/{s}/providers/Microsoft.ContainerService/locations/{x}/operations/{x}",
    "/subscriptions/{s}/providers/Microsoft.ContainerService/locations/{x}/operationresults/{x}",
    "/subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments",
    "/subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments/{x}",
    "/providers/Microsoft.ResourceGraph/resources",
    "/v1.0/applications",
    "/v1.0/applications/{x}",
    "/v1.0/applications(appId='{x}')",
    "/v1.0/applications/{x}/addPassword",
    "/v1.0/applications/{x}/removePassword",
    "/v1.0/servicePrincipals",
    "/v1.0/servicePrincipals(appId='{x}')/addPassword",
    "/v1.0/$batch",
    "/{x}",
];

fn garbage(rng: &mut ChaCha8Rng) -> String {
    const PIECES: &[&str] = &[
        "",
        "x",
        "00000000-0000-0000-0000-000000000000",
        "aks-prod-weu",
        "rg-prod-weu",
        "%00",
        "..",
        "%2F..%2F",
        "'",
        "'')",
        "(",
        "ü",
        "a b",
        "%ZZ",
        "\u{1F600}",
        "common",
        "msi",
    ];
    let mut s = PIECES[rng.gen_range(0..PIECES.len())].to_string();
    if rng.gen_ratio(1, 6) {
        s.push_str(&"A".repeat(rng.gen_range(100..5000)));
    }
    s
}

fn body(rng: &mut ChaCha8Rng) -> Vec<u8> {
    match rng.gen_range(0..12) {
        0 => Vec::new(),
        1 => b"{".to_vec(),
        2 => b"null".to_vec(),
        3 => b"[]".to_vec(),
        4 => (0..rng.gen_range(1..300)).map(|_| rng.gen::<u8>()).collect(),
        5 => format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        6 => br#"{"clientId": 42, "secret": ["x"]}"#.to_vec(),
        7 => br#"{"query": 7, "options": {"$top": -1, "$skipToken": {}}}"#.to_vec(),
        8 => br#"{"requests": [{"id": "1", "method": "GET", "url": 5}]}"#.to_vec(),
        9 => br#"{"passwordCredential": {"endDateTime": "yesterday"}}"#.to_vec(),
        10 => b"grant_type=client_credentials&client_id=%ZZ&scope=".to_vec(),
        _ => br#"{"query": "resources | where ((((name == 'x'"}"#.to_vec(),
    }
}

#[tokio::test]
async fn random_malformed_requests_never_break_the_simulator() {
    let f = Fixture::new(Default::default()).await;
    let arm = f.arm_token().await;
    let graph: Value = f
        .token("https://graph.microsoft.com/.default")
        .await
        .json()
        .await
        .unwrap_or_default();
    let graph = graph["access_token"].as_str().unwrap_or_default().to_string();
    let sub = f.sim.sim().state.world().subscriptions[0].id.to_string();
    let tenant = f.sim.tenant_id().to_string();
    let mut rng = ChaCha8Rng::seed_from_u64(20261129);
    let methods = [
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ];

    for case in 0..CASES {
        let template = PATHS[rng.gen_range(0..PATHS.len())];
        let mut path = template.replace("{t}", if rng.gen() { &tenant } else { "garbage" });
        path = path.replace(
            "{s}",
            &if rng.gen_ratio(3, 4) {
                sub.clone()
            } else {
                garbage(&mut rng)
            },
        );
        while path.contains("{x}") {
            path = path.replacen("{x}", &garbage(&mut rng), 1);
        }
        let query = match rng.gen_range(0..5) {
            0 => "".to_string(),
            1 => "?api-version=2025-07-01".into(),
            2 => "?api-version=2022-12-01&%24skiptoken=%%%".into(),
            3 => format!(
                "?api-version={}&$filter={}&$select={}&$top={}",
                garbage(&mut rng),
                garbage(&mut rng),
                garbage(&mut rng),
                rng.gen::<i64>()
            ),
            _ => "?api-version=2022-10-01".into(),
        };
        let method = methods[rng.gen_range(0..methods.len())].clone();
        let mut request = f.http.request(
            method.clone(),
            format!("{}{}{}", f.sim.base_url, path.trim_start_matches('/'), query),
        );
        request = match rng.gen_range(0..4) {
            0 => request,
            1 => request.bearer_auth(&arm),
            2 => request.bearer_auth(&graph),
            _ => request.header("authorization", garbage(&mut rng)),
        };
        if rng.gen() {
            request = request.header(
                "content-type",
                if rng.gen() {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                },
            );
        }
        let sent = tokio::time::timeout(Duration::from_secs(20), request.body(body(&mut rng)).send()).await;
        let response = match sent {
            Err(_) => panic!("case {case}: {method} {path}{query} hung"),
            // A URL reqwest itself refuses never reached the simulator.
            Ok(Err(e)) if e.is_builder() => continue,
            Ok(Err(e)) => panic!("case {case}: {method} {path}{query} failed at the transport: {e}"),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = response.bytes().await.unwrap_or_default();
        assert!(
            status < 500,
            "case {case}: {method} {path}{query} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        if status >= 400 && content_type.contains("json") {
            let parsed: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "case {case}: {status} body is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            assert!(
                parsed.get("error").is_some(),
                "case {case}: {status} error body without `error`: {parsed}"
            );
        }
    }
    // Still serving.
    let (status, _, _) = f.get("/subscriptions?api-version=2022-12-01", Some(&arm)).await;
    assert_eq!(status, reqwest::StatusCode::OK);
}
