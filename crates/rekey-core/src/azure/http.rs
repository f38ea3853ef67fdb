//! The HTTPS client every Azure call goes through, and which certificates it trusts.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use serde::de::DeserializeOwned;
use url::Url;

use super::error::api_error;
use super::AzureError;

/// Which certificate authorities to trust.
#[derive(Debug, Clone)]
pub enum Trust {
    /// The operating system's store (public, China and US Gov clouds).
    System,
    /// The system store plus one extra CA (a custom cloud behind a private CA).
    SystemPlus { ca_pem: String },
    /// Only this CA (the simulator). Nothing else is trusted.
    Only { ca_pem: String },
}

/// The HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    pub fn new(trust: &Trust) -> Result<Self, AzureError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut builder = reqwest::Client::builder()
            .https_only(true)
            .user_agent(concat!("rekey/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(60))
            // Azure APIs never need redirects; an auth redirect must not be followed blindly.
            .redirect(reqwest::redirect::Policy::none());
        match trust {
            Trust::System => {}
            Trust::SystemPlus { ca_pem } => builder = builder.add_root_certificate(certificate(ca_pem)?),
            Trust::Only { ca_pem } => {
                builder = builder
                    .tls_built_in_root_certs(false)
                    .add_root_certificate(certificate(ca_pem)?)
            }
        }
        let inner = builder.build().map_err(|e| AzureError::Client(e.to_string()))?;
        Ok(HttpClient { inner })
    }

    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// GET without a token (cloud metadata, discovery).
    pub async fn get_json_unauthenticated<T: DeserializeOwned>(&self, url: &Url) -> Result<T, AzureError> {
        let response = self
            .inner
            .get(url.clone())
            .send()
            .await
            .map_err(|e| AzureError::from_reqwest(url, e))?;
        read_json(url, response).await
    }
}

fn certificate(pem: &str) -> Result<reqwest::Certificate, AzureError> {
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(AzureError::BadCaCertificate("no CERTIFICATE block found".into()));
    }
    reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| AzureError::BadCaCertificate(e.to_string()))
}

/// Reads a JSON body, or turns an error status into [`AzureError::Api`] with Azure's code and message.
pub(crate) async fn read_json<T: DeserializeOwned>(
    url: &Url,
    response: reqwest::Response,
) -> Result<T, AzureError> {
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-ms-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response
        .bytes()
        .await
        .map_err(|e| AzureError::from_reqwest(url, e))?;
    if !status.is_success() {
        return Err(api_error(status.as_u16(), request_id, &body));
    }
    serde_json::from_slice(&body).map_err(|e| AzureError::Malformed {
        what: format!("response from {}", url.path()),
        detail: e.to_string(),
    })
}
