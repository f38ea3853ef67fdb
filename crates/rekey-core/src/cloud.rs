//! Azure clouds: the endpoints and token audiences of public Azure, Azure China, Azure US Government,
//! and custom clouds read from an ARM metadata URL (as `az cloud register --endpoint-resource-manager`).

use serde::Deserialize;
use url::Url;

use crate::azure::http::HttpClient;
use crate::azure::AzureError;

/// Where to sign in and which APIs to call, for one cloud. HTTPS only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub name: String,
    /// The login authority, e.g. `https://login.microsoftonline.com/`.
    pub login_endpoint: Url,
    pub arm_endpoint: Url,
    /// The resource ARM tokens are requested for (scope = audience + `.default`).
    pub arm_audience: String,
    pub graph_endpoint: Url,
    pub graph_audience: String,
}

fn url(s: &str) -> Url {
    // Only called on the literals below, which are valid URLs.
    Url::parse(s).unwrap_or_else(|_| unreachable!("built-in cloud URL {s} is valid"))
}

impl Cloud {
    pub fn azure_public() -> Self {
        Cloud {
            name: "AzureCloud".into(),
            login_endpoint: url("https://login.microsoftonline.com/"),
            arm_endpoint: url("https://management.azure.com/"),
            arm_audience: "https://management.core.windows.net/".into(),
            graph_endpoint: url("https://graph.microsoft.com/"),
            graph_audience: "https://graph.microsoft.com/".into(),
        }
    }

    pub fn azure_china() -> Self {
        Cloud {
            name: "AzureChinaCloud".into(),
            login_endpoint: url("https://login.chinacloudapi.cn/"),
            arm_endpoint: url("https://management.chinacloudapi.cn/"),
            arm_audience: "https://management.core.chinacloudapi.cn/".into(),
            graph_endpoint: url("https://microsoftgraph.chinacloudapi.cn/"),
            graph_audience: "https://microsoftgraph.chinacloudapi.cn/".into(),
        }
    }

    pub fn azure_us_government() -> Self {
        Cloud {
            name: "AzureUSGovernment".into(),
            login_endpoint: url("https://login.microsoftonline.us/"),
            arm_endpoint: url("https://management.usgovcloudapi.net/"),
            arm_audience: "https://management.core.usgovcloudapi.net/".into(),
            graph_endpoint: url("https://graph.microsoft.us/"),
            graph_audience: "https://graph.microsoft.us/".into(),
        }
    }

    /// The scope for ARM tokens.
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.arm_audience.trim_end_matches('/'))
    }

    /// Reads a custom cloud from `{arm}/metadata/endpoints?api-version=2022-09-01`.
    pub async fn from_metadata(http: &HttpClient, metadata_url: &Url) -> Result<Cloud, AzureError> {
        let clouds: Vec<MetadataCloud> = http.get_json_unauthenticated(metadata_url).await?;
        // A custom ARM endpoint serves its own cloud first.
        let Some(m) = clouds.into_iter().next() else {
            return Err(AzureError::Malformed {
                what: "cloud metadata".into(),
                detail: "the metadata endpoint listed no cloud".into(),
            });
        };
        let parse = |field: &str, value: &str| {
            Url::parse(value)
                .ok()
                .filter(|u| u.scheme() == "https")
                .ok_or_else(|| AzureError::Malformed {
                    what: "cloud metadata".into(),
                    detail: format!("{field} is not an https URL: {value}"),
                })
        };
        let arm_audience =
            m.authentication
                .audiences
                .first()
                .cloned()
                .ok_or_else(|| AzureError::Malformed {
                    what: "cloud metadata".into(),
                    detail: "authentication.audiences is empty".into(),
                })?;
        Ok(Cloud {
            name: m.name,
            login_endpoint: parse("authentication.loginEndpoint", &m.authentication.login_endpoint)?,
            arm_endpoint: parse("resourceManager", &m.resource_manager)?,
            arm_audience,
            graph_endpoint: parse("microsoftGraphResourceId", &m.microsoft_graph_resource_id)?,
            graph_audience: m.microsoft_graph_resource_id,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataCloud {
    name: String,
    resource_manager: String,
    microsoft_graph_resource_id: String,
    authentication: MetadataAuthentication,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataAuthentication {
    login_endpoint: String,
    audiences: Vec<String>,
}
