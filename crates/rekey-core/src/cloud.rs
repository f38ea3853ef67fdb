//! Azure clouds: the endpoints and token audiences of public Azure, Azure China, Azure US Government,
//! and custom clouds read from an ARM metadata URL (as `az cloud register --endpoint-resource-manager`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use crate::azure::http::{HttpClient, Trust};
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

    /// The scope for Microsoft Graph tokens.
    pub fn graph_scope(&self) -> String {
        format!("{}/.default", self.graph_audience.trim_end_matches('/'))
    }

    /// Reads a custom cloud from `{arm}/metadata/endpoints?api-version=2022-09-01`.
    pub async fn from_metadata(http: &HttpClient, metadata_url: &Url) -> Result<Cloud, AzureError> {
        let clouds: Vec<MetadataCloud> = http.get_json_unauthenticated(metadata_url).await?;
        Cloud::from_metadata_clouds(clouds)
    }

    /// The cloud a metadata endpoint's answer describes: HTTPS endpoints only.
    pub(crate) fn from_metadata_clouds(clouds: Vec<MetadataCloud>) -> Result<Cloud, AzureError> {
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

/// Which cloud an account signs in to, as saved in settings and chosen in the UI or the CLI.
#[derive(Serialize, Deserialize, TS, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum CloudSetting {
    Public,
    China,
    UsGov,
    /// A cloud described by its ARM metadata endpoint (Azure Stack Hub, sovereign and private clouds,
    /// the simulator), optionally behind a private certificate authority.
    #[serde(rename_all = "camelCase")]
    Custom {
        metadata_url: String,
        /// A PEM file with the CA to trust in addition to the system store.
        ca_file: Option<String>,
    },
}

/// What an unknown `--cloud` value was, and what would have worked.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown cloud '{0}': use public, china, usgov, or the https URL of a custom cloud's ARM metadata \
     (https://<arm-host>/metadata/endpoints?api-version=2022-09-01)"
)]
pub struct CloudParseError(pub String);

/// The metadata path ARM serves, added when only a custom cloud's ARM endpoint is given
/// (as `az cloud register --endpoint-resource-manager` does).
const METADATA_PATH: &str = "metadata/endpoints?api-version=2022-09-01";

impl CloudSetting {
    /// The cloud's endpoints and an HTTPS client that trusts what that cloud needs.
    pub async fn resolve(&self) -> Result<(Cloud, HttpClient), AzureError> {
        let builtin = match self {
            CloudSetting::Public => Cloud::azure_public(),
            CloudSetting::China => Cloud::azure_china(),
            CloudSetting::UsGov => Cloud::azure_us_government(),
            CloudSetting::Custom {
                metadata_url,
                ca_file,
            } => {
                let url = https_url(metadata_url).ok_or_else(|| {
                    AzureError::Client(format!(
                        "the cloud metadata URL must be an https URL, not '{metadata_url}'"
                    ))
                })?;
                let trust = match ca_file {
                    Some(path) => Trust::SystemPlus {
                        ca_pem: read_ca_file(Path::new(path)).await?,
                    },
                    None => Trust::System,
                };
                let http = HttpClient::new(&trust)?;
                let cloud = Cloud::from_metadata(&http, &url).await?;
                return Ok((cloud, http));
            }
        };
        Ok((builtin, HttpClient::new(&Trust::System)?))
    }

    /// Parses a `--cloud` value: `public`, `china`, `usgov` (or the `az cloud` names), or the https
    /// URL of a custom cloud's metadata endpoint (or of its ARM endpoint, the metadata path is added).
    pub fn parse_cli(s: &str) -> Result<CloudSetting, CloudParseError> {
        let value = s.trim();
        match value.to_ascii_lowercase().as_str() {
            "public" | "azurecloud" => return Ok(CloudSetting::Public),
            "china" | "azurechinacloud" => return Ok(CloudSetting::China),
            "usgov" | "azureusgovernment" => return Ok(CloudSetting::UsGov),
            _ => {}
        }
        let mut url = https_url(value).ok_or_else(|| CloudParseError(value.to_string()))?;
        if url.path() == "/" && url.query().is_none() {
            url = url
                .join(METADATA_PATH)
                .map_err(|_| CloudParseError(value.to_string()))?;
        }
        Ok(CloudSetting::Custom {
            metadata_url: url.to_string(),
            ca_file: None,
        })
    }
}

fn https_url(s: &str) -> Option<Url> {
    Url::parse(s).ok().filter(|u| u.scheme() == "https")
}

/// Reads a CA file off the async runtime.
async fn read_ca_file(path: &Path) -> Result<String, AzureError> {
    tokio::fs::read_to_string(path)
        .await
        .map_err(|e| AzureError::BadCaCertificate(format!("cannot read {}: {e}", path.display())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetadataCloud {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloud_names_and_metadata_urls() {
        assert_eq!(CloudSetting::parse_cli("Public").ok(), Some(CloudSetting::Public));
        assert_eq!(CloudSetting::parse_cli("china").ok(), Some(CloudSetting::China));
        assert_eq!(
            CloudSetting::parse_cli("AzureUSGovernment").ok(),
            Some(CloudSetting::UsGov)
        );
        let full = "https://arm.example/metadata/endpoints?api-version=2022-09-01";
        assert_eq!(
            CloudSetting::parse_cli(full).ok(),
            Some(CloudSetting::Custom {
                metadata_url: full.into(),
                ca_file: None
            })
        );
        assert_eq!(
            CloudSetting::parse_cli("https://arm.example").ok(),
            Some(CloudSetting::Custom {
                metadata_url: full.into(),
                ca_file: None
            })
        );
        assert!(CloudSetting::parse_cli("http://arm.example/").is_err());
        assert!(CloudSetting::parse_cli("mars").is_err());
    }

    #[test]
    fn serializes_as_tagged_camel_case() {
        let custom = CloudSetting::Custom {
            metadata_url: "https://arm.example/".into(),
            ca_file: Some("/ca.pem".into()),
        };
        assert_eq!(
            serde_json::to_value(&custom).ok(),
            Some(
                serde_json::json!({"kind": "custom", "metadataUrl": "https://arm.example/", "caFile": "/ca.pem"})
            )
        );
        assert_eq!(
            serde_json::to_value(CloudSetting::UsGov).ok(),
            Some(serde_json::json!({"kind": "usGov"}))
        );
    }
}
