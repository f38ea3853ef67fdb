//! The `/_sim` control API: state, clock, faults, latency, throttling, request log, scenarios.

use crate::common::Fixture;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn json_of(resp: reqwest::Response) -> Value {
    resp.json().await.unwrap()
}

#[tokio::test]
async fn the_control_api_needs_the_admin_token() {
    let f = Fixture::new(Default::default()).await;
    let resp = f.http.get(f.url("_sim/state")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = f
        .http
        .get(f.url("_sim/state"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let state = json_of(f.control(reqwest::Method::GET, "state").send().await.unwrap()).await;
    // Contoso's 12 and the one in Fabrikam's tenant, where the demo's administrator is a guest.
    assert_eq!(state["clusters"].as_array().unwrap().len(), 13);
    assert_eq!(state["tenants"].as_array().unwrap().len(), 2);
    // Contoso has Entra ID P1/P2 (its sign-in activity reports can be read); Fabrikam has not.
    let premium: Vec<_> = state["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["premium"].clone())
        .collect();
    assert_eq!(premium, [json!(true), json!(false)]);
    let held = state["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "aks-prod-weu")
        .unwrap();
    assert!(held["currentKeyId"].is_string(), "{held}");
    // Never a secret or its digest.
    let text = state.to_string();
    assert!(!text.contains("secret_sha256") && !text.contains("secretText"));
}

#[tokio::test]
async fn the_clock_moves_forward_and_expires_secrets() {
    let f = Fixture::new(Default::default()).await;
    let before = json_of(f.control(reqwest::Method::GET, "clock").send().await.unwrap()).await;
    let after = json_of(
        f.control(reqwest::Method::POST, "clock")
            .json(&json!({"advance_days": 400}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let parse = |v: &Value| chrono::DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap();
    assert!((parse(&after) - parse(&before)).num_days() >= 399);
    // The demo admin's secret expired in simulated time: sign-in fails as Azure says.
    let resp = f.token("https://management.azure.com/.default").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(resp).await["error_codes"][0], 7000222);
    let bad = f
        .control(reqwest::Method::POST, "clock")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fault_rules_answer_delay_and_drop_then_run_out() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let rule = json!({"method": "GET", "path": "/subscriptions", "times": 1,
        "action": {"type": "respond", "status": 503, "body": {"error": {"code": "ServiceUnavailable", "message": "injected"}}, "headers": {"Retry-After": "2"}}});
    let created = f
        .control(reqwest::Method::POST, "faults")
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let (status, headers, body) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["retry-after"], "2");
    assert_eq!(body["error"]["message"], "injected");
    let (status, _, _) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "the rule was for one hit only");

    let drop = json!({"path": "/subscriptions", "times": 1, "action": {"type": "drop"}});
    f.control(reqwest::Method::POST, "faults")
        .json(&drop)
        .send()
        .await
        .unwrap();
    let cut = async {
        f.http
            .get(f.url("/subscriptions?api-version=2022-12-01"))
            .bearer_auth(&token)
            .send()
            .await?
            .bytes()
            .await
    };
    assert!(
        cut.await.is_err(),
        "a dropped connection is a network error for the client"
    );

    let delay = json!({"path": "/subscriptions", "action": {"type": "delay", "ms": 300}});
    f.control(reqwest::Method::POST, "faults")
        .json(&delay)
        .send()
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let (status, _, _) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(
        f.control(reqwest::Method::DELETE, "faults")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    let rules = json_of(f.control(reqwest::Method::GET, "faults").send().await.unwrap()).await;
    assert_eq!(rules["rules"].as_array().unwrap().len(), 0);

    let invalid = json!({"path": "/x", "action": {"type": "respond", "status": 42}});
    assert_eq!(
        f.control(reqwest::Method::POST, "faults")
            .json(&invalid)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn throttling_gives_429_with_retry_after_in_each_hosts_shape() {
    let f = Fixture::new(Default::default()).await;
    let token = f.arm_token().await;
    let set = f
        .control(reqwest::Method::PUT, "throttle")
        .json(&json!({"limit": 2, "window_seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    for left in ["1", "0"] {
        let (status, headers, _) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["x-ms-ratelimit-remaining-subscription-reads"], left);
    }
    let (status, headers, body) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(body["error"]["code"], "SubscriptionRequestsThrottled");
    // Sign-in is not throttled by the ARM budget.
    assert_eq!(
        f.token("https://management.azure.com/.default").await.status(),
        StatusCode::OK
    );
    f.control(reqwest::Method::PUT, "throttle")
        .json(&json!({"limit": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        f.get("/subscriptions?api-version=2022-12-01", Some(&token))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_request_log_redacts_secrets() {
    let f = Fixture::new(Default::default()).await;
    let _ = f
        .http
        .get(f.url("/subscriptions?api-version=2022-12-01&code=topsecret"))
        .send()
        .await
        .unwrap();
    f.arm_token().await;
    let log = json_of(
        f.control(reqwest::Method::GET, "requests?limit=10")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let text = log.to_string();
    assert!(text.contains("code=***"), "{text}");
    assert!(!text.contains("topsecret"));
    assert!(!text.contains(secrecy::ExposeSecret::expose_secret(
        &f.sim.demo_admin.client_secret
    )));
    let entries = log["requests"].as_array().unwrap();
    assert!(entries
        .iter()
        .any(|e| e["status"] == 401 && e["path"] == "/subscriptions"));
}

#[tokio::test]
async fn a_generated_scenario_replaces_the_world_and_keeps_the_admin() {
    let f = Fixture::new(Default::default()).await;
    let resp = f
        .control(reqwest::Method::POST, "scenario")
        .json(&json!({"generate": "tenants=1,subscriptions=20,clusters=200,seed=3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let summary = json_of(resp).await;
    assert_eq!(summary["clusters"], 200);
    let admin = &f.sim.demo_admin;
    let resp = f
        .http
        .post(f.url(&format!(
            "{}/oauth2/v2.0/token",
            summary["adminTenantId"].as_str().unwrap()
        )))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &admin.client_id.to_string()),
            (
                "client_secret",
                secrecy::ExposeSecret::expose_secret(&admin.client_secret),
            ),
            ("scope", "https://management.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "the administrator keeps its secret across a reload"
    );
    let token = json_of(resp).await["access_token"].as_str().unwrap().to_string();
    let (_, _, subs) = f.get("/subscriptions?api-version=2022-12-01", Some(&token)).await;
    let readable = subs["value"].as_array().unwrap().len();
    assert!(readable > 0 && readable <= 20, "{readable}");

    let toml = "[[tenants]]\nkey = \"t\"\nname = \"T\"\ndomain = \"t.example\"\n[[subscriptions]]\nname = \"S\"\ntenant = \"t\"\n";
    let resp = f
        .control(reqwest::Method::POST, "scenario")
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bad = f
        .control(reqwest::Method::POST, "scenario")
        .json(&json!({"clusters": [{"name": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad = f
        .control(reqwest::Method::POST, "scenario")
        .json(&json!({"generate": "clusters=lots"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn minted_tokens_act_as_any_principal() {
    let f = Fixture::new(Default::default()).await;
    let mint = |principal: &str| {
        f.control(reqwest::Method::POST, "token")
            .json(&json!({"principal": principal, "audience": "arm"}))
            .send()
    };
    let reader = json_of(mint("reader@contoso-demo.onmicrosoft.com").await.unwrap()).await;
    let (status, _, subs) = f
        .get(
            "/subscriptions?api-version=2022-12-01",
            reader["access_token"].as_str(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = subs["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["displayName"].as_str())
        .collect();
    assert_eq!(names, ["Contoso Staging"]);
    assert_eq!(mint("nobody").await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_next_credential_resets_can_be_made_to_fail() {
    let f = Fixture::new(Default::default()).await;
    let set = f
        .control(reqwest::Method::POST, "operations/fail-next")
        .json(&json!({"count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(f.sim.sim().state.world().fail_next_operations, 2);
    let too_many = f
        .control(reqwest::Method::POST, "operations/fail-next")
        .json(&json!({"count": 1000}))
        .send()
        .await
        .unwrap();
    assert_eq!(too_many.status(), StatusCode::BAD_REQUEST);
    assert_eq!(f.sim.sim().state.world().fail_next_operations, 2);
}
