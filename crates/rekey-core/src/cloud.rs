//! Azure clouds: the endpoints and token audiences of public Azure, Azure China, Azure US Government,
//! and custom clouds read from an ARM metadata URL (as `az cloud register --endpoint-resource-manager`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use crate::transport::{AzureError, HttpClient, Trust};

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
    /// The DNS suffix of this cloud's key vaults (`vault.azure.net`), from which their token audience
    /// comes; none when the cloud's metadata names none (then Key Vault is not offered).
    pub key_vault_suffix: Option<String>,
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
            key_vault_suffix: Some("vault.azure.net".into()),
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
            key_vault_suffix: Some("vault.azure.cn".into()),
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
            key_vault_suffix: Some("vault.usgovcloudapi.net".into()),
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

    /// The scope for Key Vault tokens: `https://<key vault suffix>/.default`, as the Azure CLI and
    /// SDKs derive it from the cloud's `keyVaultDns` suffix (public: `https://vault.azure.net`).
    pub fn key_vault_scope(&self) -> Option<String> {
        self.key_vault_suffix
            .as_deref()
            .map(|s| format!("https://{}/.default", s.trim_matches('.')))
    }

    /// Whether Microsoft Graph's sign-in activity reports can exist here: they are published in
    /// the global cloud only (Graph beta `reports/appCredentialSignInActivities`); a custom cloud is
    /// asked, and its answer decides.
    pub fn may_have_sign_in_reports(&self) -> bool {
        !matches!(self.name.as_str(), "AzureChinaCloud" | "AzureUSGovernment")
    }

    /// Reads a custom cloud from its ARM metadata endpoint (as `az cloud register
    /// --endpoint-resource-manager`). Every endpoint in the answer is untrusted input: HTTPS only, and
    /// only the cloud whose `resourceManager` is the host that was asked.
    pub async fn from_metadata(http: &HttpClient, metadata_url: &Url) -> Result<Cloud, AzureError> {
        // The host is not trusted yet (nobody confirmed it): its own words never reach the window,
        // only the status (an intranet page or a crafted message could be read out through them).
        let answer: serde_json::Value = match http.get_json_unauthenticated(metadata_url).await {
            Ok(answer) => answer,
            Err(AzureError::Api { status, request_id, .. }) => {
                return Err(AzureError::Api {
                    status,
                    code: format!("Http{status}"),
                    message: format!(
                        "the cloud metadata endpoint answered HTTP {status} (its text is not shown); check the URL"
                    ),
                    request_id,
                })
            }
            Err(e) => return Err(e),
        };
        Cloud::from_metadata_answer(answer, metadata_url)
    }

    /// The cloud of `asked`'s host in a metadata answer, in any of the three shapes in use
    /// (REFERENCE.md §1.1): api-version 2022-09-01 answers ONE object; 2019-05-01 a LIST of every
    /// cloud (the first is not necessarily the one asked: taking it could send credentials to another
    /// cloud's login host); Azure Stack Hub's 2015-01-01 an older object without `resourceManager`.
    pub(crate) fn from_metadata_answer(answer: serde_json::Value, asked: &Url) -> Result<Cloud, AzureError> {
        let malformed = |detail: String| AzureError::Malformed {
            what: "cloud metadata".into(),
            detail,
        };
        let host = |u: &Url| {
            (
                u.host_str().map(str::to_ascii_lowercase),
                u.port_or_known_default(),
            )
        };
        let entries: Vec<serde_json::Value> = match answer {
            serde_json::Value::Array(list) => list,
            object @ serde_json::Value::Object(_) => vec![object],
            _ => {
                return Err(malformed(
                    "the answer is neither a cloud nor a list of clouds".into(),
                ))
            }
        };
        let listed = entries.len();
        let mut stack_hub = false;
        for entry in entries {
            let Ok(m) = serde_json::from_value::<MetadataCloud>(entry) else {
                continue;
            };
            let Some(resource_manager) = m.resource_manager.as_deref() else {
                stack_hub |= m.graph_endpoint.is_some();
                continue;
            };
            let Some(arm) = https_url(resource_manager) else {
                continue;
            };
            if host(&arm) == host(asked) {
                return Cloud::from_metadata_cloud(m, arm);
            }
        }
        if stack_hub {
            return Err(malformed(
                "this is Azure Stack Hub's older answer (api-version 2015-01-01), which names no \
                 resourceManager and no Microsoft Graph endpoint: use the metadata URL with \
                 api-version=2022-09-01"
                    .into(),
            ));
        }
        Err(malformed(format!(
            "none of the {listed} cloud(s) it describes has {} as its resourceManager",
            asked.host_str().unwrap_or_default()
        )))
    }

    fn from_metadata_cloud(m: MetadataCloud, arm_endpoint: Url) -> Result<Cloud, AzureError> {
        let malformed = |detail: String| AzureError::Malformed {
            what: "cloud metadata".into(),
            detail,
        };
        let parse = |field: &str, value: &str| {
            https_url(value).ok_or_else(|| malformed(format!("{field} is not an https URL")))
        };
        let authentication = m
            .authentication
            .ok_or_else(|| malformed("authentication is missing".into()))?;
        let arm_audience = authentication
            .audiences
            .into_iter()
            .flatten()
            .find(|a| !a.is_empty())
            .ok_or_else(|| malformed("authentication.audiences is empty".into()))?;
        let login = authentication
            .login_endpoint
            .ok_or_else(|| malformed("authentication.loginEndpoint is missing".into()))?;
        let graph = m
            .microsoft_graph_resource_id
            .ok_or_else(|| malformed("microsoftGraphResourceId is missing".into()))?;
        Ok(Cloud {
            name: m.name.unwrap_or_else(|| "custom".into()),
            login_endpoint: parse("authentication.loginEndpoint", &login)?,
            arm_endpoint,
            arm_audience,
            graph_endpoint: parse("microsoftGraphResourceId", &graph)?,
            graph_audience: graph,
            key_vault_suffix: m
                .suffixes
                .and_then(|s| s.key_vault_dns)
                .map(|s| s.trim_matches('.').to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
        })
    }

    /// Whether the login host lies outside the ARM host's domain (then the admin is asked: a metadata
    /// answer alone must not choose where credentials go).
    pub fn login_outside_arm_domain(&self) -> bool {
        site(&self.login_endpoint) != site(&self.arm_endpoint)
    }
}

/// A host's site: its last two labels (`microsoftonline.com`), or the whole host for an IP address
/// or a single-label name such as `localhost`.
fn site(url: &Url) -> String {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let labels: Vec<&str> = d.trim_end_matches('.').rsplit('.').take(2).collect();
            labels
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join(".")
                .to_ascii_lowercase()
        }
        Some(other) => other.to_string(),
        None => String::new(),
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

/// One cloud of a metadata answer. Every field may be missing or null (the three shapes differ);
/// [`Cloud::from_metadata_answer`] says which one a usable cloud needs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetadataCloud {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    resource_manager: Option<String>,
    #[serde(default)]
    microsoft_graph_resource_id: Option<String>,
    /// Azure Stack Hub's legacy AAD Graph (2015-01-01); only used to recognise that shape.
    #[serde(default)]
    graph_endpoint: Option<String>,
    #[serde(default)]
    authentication: Option<MetadataAuthentication>,
    #[serde(default)]
    suffixes: Option<MetadataSuffixes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataSuffixes {
    #[serde(default)]
    key_vault_dns: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataAuthentication {
    #[serde(default)]
    login_endpoint: Option<String>,
    #[serde(default)]
    audiences: Option<Vec<String>>,
}

#[cfg(test)]
mod tests;
