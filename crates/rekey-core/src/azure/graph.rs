//! Microsoft Graph v1.0: single reads, and `$batch` (20 requests per call) with each inner request's
//! throttling honoured on its own.

use std::collections::HashMap;
use std::time::Duration;

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::error::CallError;
use super::pipeline::Pipeline;
use super::retry::{self, Next};
use crate::transport::error::api_error;
use crate::transport::{read_json, AzureError};

/// Graph refuses a `$batch` with more requests than this.
pub const MAX_BATCH: usize = 20;

/// One GET inside a `$batch`; `url` is relative to `/v1.0` (e.g. `/applications(appId='…')`).
#[derive(Debug, Clone, Serialize)]
pub struct BatchRequest {
    pub id: String,
    pub method: &'static str,
    pub url: String,
}

impl BatchRequest {
    pub fn get(id: impl Into<String>, url: impl Into<String>) -> Self {
        BatchRequest {
            id: id.into(),
            method: "GET",
            url: url.into(),
        }
    }
}

/// The answer to one [`BatchRequest`]: its body, or Graph's error for it.
#[derive(Debug)]
pub struct BatchResponse {
    pub id: String,
    pub result: Result<Value, AzureError>,
}

#[derive(Serialize)]
struct BatchBody<'a> {
    requests: &'a [BatchRequest],
}

/// A `$batch` response body.
#[derive(Deserialize)]
pub(crate) struct BatchReply {
    #[serde(default)]
    pub responses: Vec<BatchItem>,
}

#[derive(Deserialize)]
pub(crate) struct BatchItem {
    id: String,
    status: u16,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    body: Value,
}

impl BatchItem {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How long to wait before sending this item's request again, by the same policy as a whole
    /// request ([`retry::after_answer`]): the inner requests are GETs, so a 5xx is retried too.
    pub(crate) fn retry_wait(&self, attempt: u32) -> Option<Duration> {
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value.trim()),
            ) {
                headers.insert(name, value);
            }
        }
        match retry::after_answer(true, self.status, &headers, attempt + 1) {
            Next::Retry(wait) => Some(wait),
            Next::Return => None,
        }
    }
}

#[derive(Clone)]
pub struct GraphClient {
    pipeline: Pipeline,
}

impl GraphClient {
    /// A Graph client over `pipeline` (the session's cloud, credential and connections).
    pub fn new(pipeline: Pipeline) -> Self {
        GraphClient { pipeline }
    }

    fn scope(&self) -> String {
        self.pipeline.cloud().graph_scope()
    }

    pub fn cloud(&self) -> &crate::cloud::Cloud {
        self.pipeline.cloud()
    }

    /// The session's pipeline (Key Vault's data plane sends through it with its own scope).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    fn url(&self, path: &str) -> Result<Url, AzureError> {
        self.pipeline
            .cloud()
            .graph_endpoint
            .join(&format!("v1.0/{}", path.trim_start_matches('/')))
            .map_err(|e| AzureError::Malformed {
                what: "Graph URL".into(),
                detail: format!("{path}: {e}"),
            })
    }

    /// Every item of the Graph list at `path_and_query` relative to `/{version}` (`v1.0`, `beta`),
    /// following `@odata.nextLink` while it stays on the Graph host ([`super::pager`]).
    pub(crate) async fn list_at<T: serde::de::DeserializeOwned>(
        &self,
        version: &str,
        path_and_query: &str,
    ) -> Result<Vec<T>, CallError> {
        let endpoint = self.pipeline.cloud().graph_endpoint.clone();
        let first = endpoint
            .join(&format!("{version}/{}", path_and_query.trim_start_matches('/')))
            .map_err(|e| AzureError::Malformed {
                what: "Graph URL".into(),
                detail: format!("{path_and_query}: {e}"),
            })?;
        let (items, _) = super::pager::all("Graph list", |next: Option<Url>| {
            let url = next.unwrap_or_else(|| first.clone());
            let endpoint = &endpoint;
            async move {
                let response = self
                    .pipeline
                    .send(&self.scope(), &url, |c| c.get(url.clone()))
                    .await?;
                let page: super::models::Page<T> = read_json(&url, response).await?;
                let next = match page.next_link.filter(|l| !l.is_empty()) {
                    None => None,
                    Some(link) => Some(super::arm::checked_next_link(endpoint, &link)?),
                };
                Ok(super::pager::PageOf {
                    items: page.value,
                    next,
                    truncated: false,
                })
            }
        })
        .await?;
        Ok(items)
    }

    /// The directory (tenant ID) Graph answers for with this credential: the `tid` of its Graph
    /// token. Read for routing only; the token's signature is Graph's business. Getting it also
    /// warms the token cache, so a caller can start it early.
    pub async fn directory(&self) -> Result<Option<String>, CallError> {
        let token = self.pipeline.credential().token(&self.scope()).await?;
        Ok(token_tenant(token.token.expose_secret()))
    }

    /// GETs `path_and_query` (relative to `/v1.0`), as a script of single calls would.
    pub async fn get(&self, path_and_query: &str) -> Result<Value, CallError> {
        let url = self.url(path_and_query)?;
        let response = self
            .pipeline
            .send(&self.scope(), &url, |c| c.get(url.clone()))
            .await?;
        Ok(read_json(&url, response).await?)
    }

    /// Sends `method` to `path_and_query` (relative to `/v1.0`) with an optional JSON body, and returns
    /// the raw answer for the caller to read (a body may hold a secret: the caller wipes it).
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<&[u8]>,
    ) -> Result<(Url, reqwest::Response), CallError> {
        let url = self.url(path_and_query)?;
        let response = self.pipeline.send_json(&self.scope(), method, &url, body).await?;
        Ok((url, response))
    }

    /// Sends `requests` in `$batch` calls of at most [`MAX_BATCH`], one after the other (callers that
    /// want them in parallel pass one chunk each). Inner requests Graph throttled are sent again
    /// after their `Retry-After`. An error of a whole call (401, 403, 5xx…) is returned as `Err`.
    pub async fn batch(&self, requests: &[BatchRequest]) -> Result<Vec<BatchResponse>, CallError> {
        let mut answers = Vec::with_capacity(requests.len());
        for chunk in requests.chunks(MAX_BATCH) {
            answers.extend(self.batch_chunk(chunk).await?);
        }
        Ok(answers)
    }

    async fn batch_chunk(&self, chunk: &[BatchRequest]) -> Result<Vec<BatchResponse>, CallError> {
        let mut answers = Vec::with_capacity(chunk.len());
        let mut pending: Vec<BatchRequest> = chunk.to_vec();
        let mut attempt = 0;
        while !pending.is_empty() {
            let items = self.send_batch(&pending).await?;
            let mut throttled = Vec::new();
            let mut wait = Duration::ZERO;
            for item in items {
                let Some(request) = pending.iter().find(|r| r.id == item.id) else {
                    continue;
                };
                if let Some(asked) = item.retry_wait(attempt) {
                    wait = wait.max(asked);
                    throttled.push(request.clone());
                    continue;
                }
                answers.push(item_response(item));
            }
            // Requests Graph left out of its answer are reported, never silently dropped.
            for request in &pending {
                let answered = answers.iter().any(|a| a.id == request.id);
                if !answered && !throttled.iter().any(|t| t.id == request.id) {
                    answers.push(BatchResponse {
                        id: request.id.clone(),
                        result: Err(AzureError::Malformed {
                            what: "Graph batch response".into(),
                            detail: format!("no answer for request {}", request.id),
                        }),
                    });
                }
            }
            if !throttled.is_empty() {
                attempt += 1;
                tracing::debug!(
                    count = throttled.len(),
                    ?wait,
                    "Graph throttled batch items; retrying"
                );
                tokio::time::sleep(wait).await;
            }
            pending = throttled;
        }
        Ok(answers)
    }

    async fn send_batch(&self, requests: &[BatchRequest]) -> Result<Vec<BatchItem>, CallError> {
        let url = self.url("$batch")?;
        let body = BatchBody { requests };
        let response = self
            .pipeline
            .send(&self.scope(), &url, |c| c.post(url.clone()).json(&body))
            .await?;
        let reply: BatchReply = read_json(&url, response).await?;
        Ok(reply.responses)
    }
}

pub(crate) fn item_response(item: BatchItem) -> BatchResponse {
    let result = if (200..300).contains(&item.status) {
        Ok(item.body)
    } else {
        let request_id = item.header("request-id").map(str::to_string);
        let body = serde_json::to_vec(&item.body).unwrap_or_default();
        Err(api_error(item.status, request_id, &body))
    };
    BatchResponse { id: item.id, result }
}

/// The `tid` claim of a JWT, without checking its signature.
pub(crate) fn token_tenant(jwt: &str) -> Option<String> {
    let claims = crate::auth::token::unverified_claims(jwt).ok()?;
    claims.get("tid")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn reads_the_tenant_of_a_token() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"tid":"t-1","oid":"o"}"#);
        assert_eq!(token_tenant(&format!("h.{payload}.s")).as_deref(), Some("t-1"));
        assert_eq!(token_tenant("not-a-jwt"), None);
        assert_eq!(token_tenant("h.!!!.s"), None);
    }

    #[test]
    fn an_inner_error_keeps_graphs_code() {
        let item = BatchItem {
            id: "1".into(),
            status: 404,
            headers: HashMap::new(),
            body: serde_json::json!({"error": {"code": "Request_ResourceNotFound", "message": "gone"}}),
        };
        match item_response(item).result {
            Err(AzureError::Api {
                status: 404, code, ..
            }) => assert_eq!(code, "Request_ResourceNotFound"),
            other => panic!("expected a 404, got {other:?}"),
        }
    }
}
