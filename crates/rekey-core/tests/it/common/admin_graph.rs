//! Graph as the simulator's demo administrator, not through Rekey: secrets added and removed in
//! Azure behind Rekey's back (the vault's presence check). Shared by the core's and the CLI's tests.

use rekey_sim::RunningSim;
use secrecy::SecretString;
use serde_json::{json, Value};

fn client(sim: &RunningSim) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

/// POSTs `body` to Graph's `path` with a token the control API mints for the demo administrator.
pub async fn graph_post(sim: &RunningSim, path: &str, body: Value) -> Value {
    let client = client(sim);
    let minted: Value = client
        .post(format!("{}_sim/token", sim.base_url))
        .bearer_auth(sim.admin_token())
        .json(&json!({"principal": "rekey-demo-admin", "audience": "graph"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["access_token"].as_str().unwrap().to_string();
    let response = client
        .post(format!("{}v1.0/{path}", sim.base_url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

/// A new secret on the demo administrator's application, as a rotation makes: (key ID, value).
pub async fn add_password(sim: &RunningSim) -> (String, SecretString) {
    let added = graph_post(
        sim,
        &format!("applications(appId='{}')/addPassword", sim.demo_admin.client_id),
        json!({"passwordCredential": {"displayName": "rekey vault test"}}),
    )
    .await;
    (
        added["keyId"].as_str().unwrap().to_string(),
        SecretString::from(added["secretText"].as_str().unwrap().to_string()),
    )
}

pub async fn remove_password(sim: &RunningSim, key_id: &str) {
    graph_post(
        sim,
        &format!(
            "applications(appId='{}')/removePassword",
            sim.demo_admin.client_id
        ),
        json!({"keyId": key_id}),
    )
    .await;
}
