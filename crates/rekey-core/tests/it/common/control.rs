//! The simulator's control API (`/_sim/…`, with its admin token), as the tests call it.

use rekey_sim::RunningSim;
use serde_json::Value;

/// An HTTPS client that trusts the simulator's CA only.
pub fn client(sim: &RunningSim) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

/// Calls the simulator's control API; a refusal fails the test.
pub async fn control(sim: &RunningSim, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = client(sim)
        .request(method, format!("{}_sim/{path}", sim.base_url))
        .bearer_auth(sim.admin_token());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}
