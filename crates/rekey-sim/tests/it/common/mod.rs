//! Shared test fixture: a simulator and an HTTPS client that trusts only its CA.

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;

pub struct Fixture {
    pub sim: rekey_sim::RunningSim,
    pub http: reqwest::Client,
}

impl Fixture {
    pub async fn new(config: rekey_sim::SimConfig) -> Self {
        let sim = rekey_sim::start_demo(config).await.unwrap();
        let http = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap())
            .build()
            .unwrap();
        Fixture { sim, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url, path.trim_start_matches('/'))
    }

    /// A request to the `/_sim` control API with the admin token.
    pub fn control(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("_sim/{path}")))
            .bearer_auth(self.sim.admin_token())
    }

    /// An access token the control API mints for any principal (`graph`, `arm` or a resource URI).
    pub async fn minted_token(&self, principal: &str, audience: &str) -> String {
        let body: Value = self
            .control(reqwest::Method::POST, "token")
            .json(&serde_json::json!({"principal": principal, "audience": audience}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn token(&self, scope: &str) -> reqwest::Response {
        let admin = &self.sim.demo_admin;
        self.http
            .post(self.url(&format!("{}/oauth2/v2.0/token", admin.tenant_id)))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &admin.client_id.to_string()),
                ("client_secret", admin.client_secret.expose_secret()),
                ("scope", scope),
                ("client_info", "1"), // unknown fields are ignored
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn arm_token(&self) -> String {
        let body: Value = self
            .token("https://management.azure.com/.default")
            .await
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn get(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.json().await.unwrap_or(Value::Null))
    }

    /// Any request with a bearer token: status, headers and the JSON body (`null` if none).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let url = if path.starts_with("https://") {
            path.to_string()
        } else {
            self.url(path)
        };
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text = resp.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// An ARM token for the demo's reader (Reader on Contoso Staging only), signed by the simulator.
    pub fn reader_token(&self) -> String {
        self.user_token(
            "reader@contoso-demo.onmicrosoft.com",
            "https://management.azure.com/",
        )
    }

    /// A person's token for `aud`, signed by the simulator (as its sign-in would give).
    pub fn user_token(&self, upn: &str, aud: &str) -> String {
        let sim = self.sim.sim();
        let oid = sim
            .state
            .world()
            .users
            .iter()
            .find(|u| u.user_principal_name == upn)
            .unwrap()
            .object_id;
        let now = chrono::Utc::now().timestamp();
        let tenant = self.sim.tenant_id();
        let claims: rekey_sim::signing::Claims = serde_json::from_value(serde_json::json!({
            "aud": aud, "iss": format!("{}{tenant}/v2.0", self.sim.base_url),
            "iat": now, "nbf": now, "exp": now + 3600, "tid": tenant, "oid": oid, "sub": oid,
            "upn": upn, "scp": "user_impersonation", "ver": "2.0"
        }))
        .unwrap();
        sim.signer.sign(&claims).unwrap()
    }
}
