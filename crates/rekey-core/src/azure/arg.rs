//! Azure Resource Graph: one KQL query over many subscriptions, a page of at most 1,000 rows at a
//! time, within the per-user quota the service announces in its headers.

use std::sync::Arc;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::error::CallError;
use super::pager::{self, PageOf};
use super::pipeline::Pipeline;
use super::retry;
use crate::transport::{read_json, AzureError};

pub const ARG_API: &str = "2022-10-01";
/// Resource Graph never returns more rows than this in one response.
pub const MAX_PAGE_ROWS: u32 = 1000;
/// Subscriptions per query: Resource Graph asks clients to group them in sets of at most this many.
pub const MAX_SUBSCRIPTIONS_PER_QUERY: usize = 300;
/// One page of a query's result.
#[derive(Debug)]
pub struct QueryPage<T> {
    pub rows: Vec<T>,
    /// Present when more rows follow: pass it back with the same query and subscriptions.
    pub skip_token: Option<String>,
    pub total_records: u64,
    /// Resource Graph dropped rows it could not page (the query has no `id` column).
    pub truncated: bool,
}

/// A query's response body as Resource Graph sends it.
#[derive(Deserialize)]
pub(crate) struct QueryResponse<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(rename = "$skipToken", default)]
    skip_token: Option<String>,
    #[serde(rename = "totalRecords", default)]
    total_records: u64,
    /// A string ("true"/"false") on the wire.
    #[serde(rename = "resultTruncated", default)]
    result_truncated: Option<String>,
}

impl<T> From<QueryResponse<T>> for QueryPage<T> {
    fn from(page: QueryResponse<T>) -> Self {
        QueryPage {
            rows: page.data,
            skip_token: page.skip_token.filter(|t| !t.is_empty()),
            total_records: page.total_records,
            truncated: page
                .result_truncated
                .is_some_and(|t| t.eq_ignore_ascii_case("true")),
        }
    }
}

#[derive(Clone)]
pub struct ArgClient {
    pipeline: Pipeline,
    /// When the announced quota ran out: no query is sent before this instant.
    quota_resets: Arc<Mutex<Option<Instant>>>,
}

impl ArgClient {
    /// A client over `pipeline` (Resource Graph is an ARM provider and takes ARM tokens).
    pub fn new(pipeline: Pipeline) -> Self {
        ArgClient {
            pipeline,
            quota_resets: Arc::default(),
        }
    }

    fn url(&self) -> Result<Url, AzureError> {
        let mut url = self
            .pipeline
            .cloud()
            .arm_endpoint
            .join("providers/Microsoft.ResourceGraph/resources")
            .map_err(|e| AzureError::Malformed {
                what: "Resource Graph URL".into(),
                detail: e.to_string(),
            })?;
        url.query_pairs_mut().append_pair("api-version", ARG_API);
        Ok(url)
    }

    /// Runs `query` over `subscriptions` (at most [`MAX_SUBSCRIPTIONS_PER_QUERY`]) and returns one page.
    pub async fn query<T: DeserializeOwned>(
        &self,
        query: &str,
        subscriptions: &[String],
        skip_token: Option<&str>,
    ) -> Result<QueryPage<T>, CallError> {
        if subscriptions.len() > MAX_SUBSCRIPTIONS_PER_QUERY {
            return Err(AzureError::Client(format!(
                "a Resource Graph query takes at most {MAX_SUBSCRIPTIONS_PER_QUERY} subscriptions, not {}",
                subscriptions.len()
            ))
            .into());
        }
        let url = self.url()?;
        let mut options = json!({"$top": MAX_PAGE_ROWS, "resultFormat": "objectArray"});
        if let Some(token) = skip_token {
            options["$skipToken"] = json!(token);
        }
        let body = json!({"subscriptions": subscriptions, "query": query, "options": options});
        self.wait_for_quota().await;
        let response = self
            .pipeline
            .send(&self.pipeline.cloud().arm_scope(), &url, |c| {
                c.post(url.clone()).json(&body)
            })
            .await?;
        self.note_quota(response.headers()).await;
        let page: QueryResponse<T> = read_json(&url, response).await?;
        Ok(page.into())
    }

    /// Every row of `query` over `subscriptions`, following `$skipToken` ([`super::pager`]).
    /// `truncated` is true when Resource Graph left rows out.
    pub async fn query_all<T: DeserializeOwned>(
        &self,
        query: &str,
        subscriptions: &[String],
    ) -> Result<(Vec<T>, bool), CallError> {
        pager::all("Resource Graph result", |token: Option<String>| async move {
            let page = self.query(query, subscriptions, token.as_deref()).await?;
            Ok(PageOf {
                items: page.rows,
                next: page.skip_token,
                truncated: page.truncated,
            })
        })
        .await
    }

    async fn wait_for_quota(&self) {
        let resets = *self.quota_resets.lock().await;
        if let Some(at) = resets.filter(|at| *at > Instant::now()) {
            tracing::debug!("Resource Graph quota spent; waiting for it to reset");
            tokio::time::sleep_until(at).await;
        }
    }

    /// Remembers when the quota resets once `x-ms-user-quota-remaining` reaches 0, so that the next
    /// query waits for it instead of being throttled.
    async fn note_quota(&self, headers: &HeaderMap) {
        if let Some(wait) = retry::quota_reset(headers) {
            *self.quota_resets.lock().await = Some(Instant::now() + wait.min(retry::MAX_RETRY_AFTER));
        }
    }
}
