//! The bottom layer of every call to Azure and its login hosts: the HTTPS client and which
//! certificates it trusts, reading a body, decoding JSON, and Azure's error bodies. It knows no
//! credential and no cloud (the authorized pipeline is [`crate::azure::pipeline`]).

pub mod error;
pub mod lenient;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use serde::de::DeserializeOwned;
use url::Url;

use error::api_error;
pub use error::AzureError;

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

    /// Sends a built request and counts it (the pipeline's one way out).
    pub(crate) async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, reqwest::Error> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.execute(request).await
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
    let request_id = request_id(response.headers());
    let body = read_body(url, response).await?;
    decode_json(url.path(), status.as_u16(), request_id, &body)
}

/// The whole body of `response` (to `url`), a cut connection as [`AzureError::Network`].
pub(crate) async fn read_body(
    url: &Url,
    response: reqwest::Response,
) -> Result<impl std::ops::Deref<Target = [u8]>, AzureError> {
    response
        .bytes()
        .await
        .map_err(|e| AzureError::from_reqwest(url, e))
}

/// ARM's and Resource Graph's request id (`x-ms-request-id`), for support.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    header_text(headers, "x-ms-request-id")
}

/// A header's value as text, if it is text.
pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
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
