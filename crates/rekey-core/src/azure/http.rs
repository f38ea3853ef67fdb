//! The HTTPS client every Azure call goes through, and which certificates it trusts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use url::Url;

use super::arm::ArmError;
use super::error::api_error;
use super::retry::{self, Next};
use super::AzureError;
use crate::auth::Credential;

/// How long one request may take: 60 s, or `REKEY_HTTP_TIMEOUT_SECS` (slow proxies; fault tests).
fn request_timeout() -> Duration {
    std::env::var("REKEY_HTTP_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

/// Which certificate authorities to trust.
///
/// "The system's store" is exactly what `rustls-native-certs` (through reqwest's
/// `rustls-tls-native-roots`, the only roots feature in the tree) loads when the client is built:
/// - Linux: the distribution's CA bundle that `openssl-probe` finds (e.g.
///   `/etc/ssl/certs/ca-certificates.crt`);
/// - macOS: the certificates the Keychain's user, admin and system trust settings mark as roots;
/// - Windows: the current user's `ROOT` store (which includes the machine's);
/// - everywhere: if `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, those certificates instead.
///
/// No bundled root list (webpki-roots) is compiled in, so a root an enterprise removed from the OS
/// store is not trusted (guarded by `deny.toml`'s bans and a test here).
#[derive(Debug, Clone)]
pub enum Trust {
    /// The operating system's store, as above (public, China and US Gov clouds).
    System,
    /// The system store plus one extra CA (a custom cloud behind a private CA).
    SystemPlus { ca_pem: String },
    /// Only this CA (the simulator). Nothing else is trusted.
    Only { ca_pem: String },
}

/// The HTTP client. Cheap to clone; clones share connections and the request count.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    sent: Arc<AtomicU64>,
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
            .timeout(request_timeout())
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
        Ok(HttpClient {
            inner,
            sent: Arc::default(),
        })
    }

    /// The raw client, for the benchmarks' stand-in of a person at the simulator's sign-in page.
    #[doc(hidden)]
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// How many API requests (ARM, Resource Graph, Graph; retries included, token requests not) this
    /// client and its clones have sent.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Sends the request `build` makes, with a bearer token for `scope`, under the one retry policy
    /// ([`super::retry`]). A 401 means the token was refused (revoked, or expired early): the cached
    /// token is dropped and the request tried once more. A 429, and for idempotent requests a 5xx or
    /// a cut connection, waits as Azure asks (`Retry-After`, Resource Graph's quota reset) or backs
    /// off, a bounded number of times. Any other answer is returned for the caller to read.
    pub(crate) async fn send_authorized(
        &self,
        credential: &Credential,
        scope: &str,
        url: &Url,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ArmError> {
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = credential.token(scope).await?;
            let request = build(&self.inner)
                .bearer_auth(token.token.expose_secret())
                .build()
                .map_err(|e| AzureError::from_reqwest(url, e))?;
            let idempotent = retry::idempotent(request.method(), url.path());
            self.sent.fetch_add(1, Ordering::Relaxed);
            let response = match self.inner.execute(request).await {
                Ok(response) => response,
                Err(e) => match retry::after_failure(idempotent, attempt) {
                    Next::Retry(wait) => {
                        tracing::debug!(path = url.path(), error = %e, ?wait, "no answer; trying again");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    Next::Return => return Err(AzureError::from_reqwest(url, e).into()),
                },
            };
            if response.status() == StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                credential.invalidate().await;
                continue;
            }
            let status = response.status().as_u16();
            match retry::after_answer(idempotent, status, response.headers(), attempt) {
                Next::Retry(wait) => {
                    tracing::debug!(
                        path = url.path(),
                        status,
                        ?wait,
                        "waiting as Azure asks, then trying again"
                    );
                    tokio::time::sleep(wait).await;
                }
                Next::Return => return Ok(response),
            }
        }
    }

    /// [`HttpClient::send_authorized`] for `method` on `url` with an optional JSON body (bytes, so
    /// that a caller whose body holds a secret can wipe its own copy).
    pub(crate) async fn send_json(
        &self,
        credential: &Credential,
        scope: &str,
        method: reqwest::Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<reqwest::Response, ArmError> {
        self.send_authorized(credential, scope, url, |c| {
            let request = c.request(method.clone(), url.clone());
            match body {
                Some(bytes) => request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes.to_vec()),
                None => request,
            }
        })
        .await
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
    decode_json(url.path(), status.as_u16(), request_id, &body)
}

/// A response body as `T`, or Azure's error for an error status: the part of [`read_json`] that
/// reads bytes (separate so the parsers can be fuzzed without a network).
pub(crate) fn decode_json<T: DeserializeOwned>(
    path: &str,
    status: u16,
    request_id: Option<String>,
    body: &[u8],
) -> Result<T, AzureError> {
    if !(200..300).contains(&status) {
        return Err(api_error(status, request_id, body));
    }
    // A byte-order mark before the JSON has been seen from Azure endpoints; serde refuses it.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    serde_json::from_slice(body).map_err(|e| AzureError::Malformed {
        what: format!("response from {path}"),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    /// `Trust::System` means the OS store only: no bundled Mozilla roots anywhere in the build
    /// (oauth2's `rustls-tls` feature used to bring them in through reqwest).
    #[test]
    fn no_bundled_root_store_is_in_the_lockfile() {
        let lock = include_str!("../../../../Cargo.lock");
        assert!(lock.contains("name = \"rustls-native-certs\""));
        assert!(
            !lock.contains("name = \"webpki-roots\""),
            "webpki-roots is back in Cargo.lock: `cargo tree -e features -i webpki-roots --target all`"
        );
    }
}
