//! Azure Resource Manager: subscriptions, tenants and AKS managed clusters.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use url::Url;

use super::error::CallError;
use super::models::{ManagedCluster, Page, Subscription, Tenant};
use super::pager::{self, PageOf};
use super::pipeline::Pipeline;
use crate::auth::Credential;
use crate::cloud::Cloud;
use crate::transport::{read_json, AzureError, HttpClient};

pub const SUBSCRIPTIONS_API: &str = "2022-12-01";
pub const AKS_API: &str = "2025-07-01";

#[derive(Clone)]
pub struct ArmClient {
    pipeline: Pipeline,
}

impl ArmClient {
    pub fn new(http: HttpClient, cloud: Cloud, credential: Arc<Credential>) -> Self {
        ArmClient {
            pipeline: Pipeline::new(http, cloud, credential),
        }
    }

    pub fn cloud(&self) -> &Cloud {
        self.pipeline.cloud()
    }

    /// An absolute URL under this cloud's ARM endpoint: `path` with `api-version`.
    pub(crate) fn url(&self, path: &str, api_version: &str) -> Result<Url, AzureError> {
        let mut url = self
            .cloud()
            .arm_endpoint
            .join(path.trim_start_matches('/'))
            .map_err(|e| AzureError::Malformed {
                what: "resource path".into(),
                detail: format!("{path}: {e}"),
            })?;
        url.query_pairs_mut().append_pair("api-version", api_version);
        Ok(url)
    }

    /// The credential the client signs requests with.
    pub fn credential(&self) -> &Credential {
        self.pipeline.credential()
    }

    /// How many API requests this session's clients have sent (benchmarks).
    pub fn requests_sent(&self) -> u64 {
        self.pipeline.http().requests_sent()
    }

    /// The authorized pipeline, shared with the Resource Graph and Graph clients of a session.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// GETs `url` through the pipeline (a refused token renewed once, throttling honoured).
    async fn get<T: DeserializeOwned>(&self, url: &Url) -> Result<T, CallError> {
        let response = self
            .pipeline
            .send(&self.cloud().arm_scope(), url, |c| c.get(url.clone()))
            .await?;
        Ok(read_json(url, response).await?)
    }

    /// Every item of a list, following `nextLink` ([`super::pager`]). A `nextLink` must stay on
    /// the ARM host.
    pub(crate) async fn list<T: DeserializeOwned>(&self, first: Url) -> Result<Vec<T>, CallError> {
        let (items, _) = pager::all("list", |next: Option<Url>| {
            let url = next.unwrap_or_else(|| first.clone());
            async move {
                let page: Page<T> = self.get(&url).await?;
                let next = match page.next_link.filter(|l| !l.is_empty()) {
                    None => None,
                    Some(link) => Some(checked_next_link(&self.cloud().arm_endpoint, &link)?),
                };
                Ok(PageOf {
                    items: page.value,
                    next,
                    truncated: false,
                })
            }
        })
        .await?;
        Ok(items)
    }

    /// Sends `method` to `url` with an optional JSON body (bytes, so that a body holding a secret is
    /// wiped by the caller), a bearer token, and the usual renewal and throttling.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<reqwest::Response, CallError> {
        self.pipeline
            .send_json(&self.cloud().arm_scope(), method, url, body)
            .await
    }

    /// The cluster at its ARM ID.
    pub async fn get_cluster(&self, id: &ClusterId) -> Result<ManagedCluster, CallError> {
        self.get_managed_cluster(&id.subscription, &id.resource_group, &id.name)
            .await
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, CallError> {
        self.list(self.url("/tenants", SUBSCRIPTIONS_API)?).await
    }

    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, CallError> {
        self.list(self.url("/subscriptions", SUBSCRIPTIONS_API)?).await
    }

    pub async fn list_managed_clusters(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<ManagedCluster>, CallError> {
        let path = format!(
            "/subscriptions/{}/providers/Microsoft.ContainerService/managedClusters",
            segment(subscription_id)
        );
        self.list(self.url(&path, AKS_API)?).await
    }

    pub async fn get_managed_cluster(
        &self,
        subscription_id: &str,
        resource_group: &str,
        name: &str,
    ) -> Result<ManagedCluster, CallError> {
        let path = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            segment(subscription_id),
            segment(resource_group),
            segment(name)
        );
        self.get(&self.url(&path, AKS_API)?).await
    }
}

/// A list's `nextLink`, if it stays on `arm_endpoint`'s origin: bearer tokens go only to the cloud's
/// own ARM host, whatever a response says.
pub(crate) fn checked_next_link(arm_endpoint: &Url, link: &str) -> Result<Url, AzureError> {
    let url = Url::parse(link).map_err(|e| AzureError::Malformed {
        what: "nextLink".into(),
        detail: format!("{link}: {e}"),
    })?;
    if url.origin() != arm_endpoint.origin() {
        return Err(AzureError::Malformed {
            what: "nextLink".into(),
            detail: format!(
                "it points away from the ARM endpoint: {}",
                url.origin().ascii_serialization()
            ),
        });
    }
    Ok(url)
}

/// A managed cluster's ARM ID, taken apart so that it is rebuilt from checked segments (an ID from a
/// file or the command line can never steer a request elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterId {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

impl ClusterId {
    /// Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{n}`
    /// (any letter case).
    pub fn parse(id: &str) -> Result<ClusterId, AzureError> {
        let bad = || {
            AzureError::Malformed {
            what: "cluster ID".into(),
            detail: format!(
                "'{id}' is not /subscriptions/…/resourceGroups/…/providers/Microsoft.ContainerService/managedClusters/…"
            ),
        }
        };
        let parts: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
        match parts.as_slice() {
            [s, sub, r, rg, p, ns, m, name]
                if s.eq_ignore_ascii_case("subscriptions")
                    && r.eq_ignore_ascii_case("resourceGroups")
                    && p.eq_ignore_ascii_case("providers")
                    && ns.eq_ignore_ascii_case("Microsoft.ContainerService")
                    && m.eq_ignore_ascii_case("managedClusters")
                    && [sub, rg, name].iter().all(|x| !x.is_empty()) =>
            {
                Ok(ClusterId {
                    subscription: sub.to_string(),
                    resource_group: rg.to_string(),
                    name: name.to_string(),
                })
            }
            _ => Err(bad()),
        }
    }

    /// The resource path, segments percent-encoded.
    pub fn path(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            segment(&self.subscription),
            segment(&self.resource_group),
            segment(&self.name)
        )
    }
}

/// One path segment, percent-encoded so that a name can never change the path or the query.
pub(crate) fn segment(s: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, KEEP).to_string()
}
