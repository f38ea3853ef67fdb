//! The authorized pipeline every Azure client sends through: a bearer token from the credential,
//! one renewal after a 401, and the one retry policy ([`super::retry`]). Above the transport (which
//! knows no credential) and below the ARM, Resource Graph and Graph clients.

use std::sync::Arc;

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use url::Url;

use super::error::CallError;
use super::retry::{self, Next};
use crate::auth::Credential;
use crate::cloud::Cloud;
use crate::transport::{AzureError, HttpClient};

/// An HTTPS client, the cloud it talks to, and the credential its requests carry. Cheap to clone;
/// the clients of one session share one.
#[derive(Clone)]
pub struct Pipeline {
    http: HttpClient,
    cloud: Cloud,
    credential: Arc<Credential>,
}

impl Pipeline {
    pub fn new(http: HttpClient, cloud: Cloud, credential: Arc<Credential>) -> Self {
        Pipeline {
            http,
            cloud,
            credential,
        }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    pub fn cloud(&self) -> &Cloud {
        &self.cloud
    }

    /// The credential the requests are signed with.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Sends the request `build` makes, with a bearer token for `scope`, under the one retry policy
    /// ([`super::retry`]). A 401 means the token was refused (revoked, or expired early): the cached
    /// token is dropped and the request tried once more. A 429, and for idempotent requests a 5xx or
    /// a cut connection, waits as Azure asks (`Retry-After`, Resource Graph's quota reset) or backs
    /// off, a bounded number of times. Any other answer is returned for the caller to read.
    pub(crate) async fn send(
        &self,
        scope: &str,
        url: &Url,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, CallError> {
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.credential.token(scope).await?;
            let request = build(self.http.reqwest())
                .bearer_auth(token.token.expose_secret())
                .build()
                .map_err(|e| AzureError::from_reqwest(url, e))?;
            let idempotent = retry::idempotent(request.method(), url.path());
            let response = match self.http.execute(request).await {
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
                self.credential.invalidate().await;
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

    /// [`Pipeline::send`] of `method` on `url` with an optional JSON body (bytes, so that a caller
    /// whose body holds a secret can wipe its own copy).
    pub(crate) async fn send_json(
        &self,
        scope: &str,
        method: reqwest::Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<reqwest::Response, CallError> {
        self.send(scope, url, |c| {
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
}
