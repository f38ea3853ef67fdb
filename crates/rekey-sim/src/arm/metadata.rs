//! `GET /metadata/endpoints`: the cloud description clients bootstrap from, in ARM's three shapes.
//!
//! Shapes by api-version (shared/azure-api/REFERENCE.md §1.1): `2022-09-01` answers ONE object, the
//! cloud that ARM host belongs to (what `az cloud register --endpoint-resource-manager` asks for,
//! azure-cli `command_modules/cloud/custom.py` `METADATA_ENDPOINT_SUFFIX`); `2019-05-01` and the other
//! list versions answer an ARRAY of every cloud that ARM knows (what `ARM_CLOUD_METADATA_URL` in
//! azure-cli `core/cloud.py` reads); `2015-01-01`, `1.0` and no api-version at all answer the old
//! Azure Stack Hub object (`galleryEndpoint`, `graphEndpoint`, `portalEndpoint`, `authentication`),
//! as go-autorest's `EnvironmentFromURL` and Azure Stack Hub's documentation read it.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::context::{Sim, ARM_AUDIENCES};
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};

/// Versions that answer one object: this host's own cloud. 2023-11-01 too: Microsoft's own
/// `CommonUtilities.AzureCloud.AzureCloudConfig` (C#, MIT) deserializes it as one object.
const SINGLE: &[&str] = &["2022-09-01", "2023-11-01"];
/// Versions that answer the list of clouds.
const LIST: &[&str] = &["2019-05-01", "2020-06-01"];
/// Versions (besides none) that answer the Azure Stack Hub object.
const LEGACY: &[&str] = &["1.0", "2015-01-01"];

/// Every api-version the metadata endpoint serves, for the 400 that names them.
pub(super) fn supported() -> Vec<&'static str> {
    LEGACY.iter().chain(LIST).chain(SINGLE).copied().collect()
}

pub(super) fn endpoints(sim: &Sim, req: &SimRequest) -> Response {
    let body = match req.query.get("api-version").map(String::as_str) {
        None => legacy(sim),
        Some(v) if LEGACY.contains(&v) => legacy(sim),
        Some(v) if SINGLE.contains(&v) => own_cloud(sim),
        // The simulator's cloud is deliberately not first: a client must pick the entry whose
        // `resourceManager` is the host it asked (REFERENCE.md §1.1), not the first one.
        Some(v) if LIST.contains(&v) => json!([azure_cloud(), own_cloud(sim)]),
        Some(v) => {
            return arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidApiVersionParameter",
                &crate::api_versions::invalid_message(v, &supported()),
            )
        }
    };
    arm_json(StatusCode::OK, &body, false)
}

/// The simulator's cloud, with every field azure-cli's `_arm_to_cli_mapper` (core/cloud.py) reads.
fn own_cloud(sim: &Sim) -> Value {
    let base = sim.base_url.as_str();
    // Key Vault's DNS suffix is the simulator's host: a vault on loopback cannot be
    // `{name}.vault.azure.net`, so each vault is this host on a port of its own (`vault_hosts`),
    // and `https://{keyVaultDns}/` is also an audience its vaults accept (`Sim::vault_audiences`).
    let vault_dns = sim.base_url.host_str().unwrap_or("127.0.0.1");
    json!({
        "portal": base,
        "authentication": authentication(base),
        "media": base,
        "graphAudience": base,
        "graph": base,
        "name": "RekeySimulator",
        "suffixes": suffixes(&[("azureFrontDoorEndpointSuffix", "azurefd.net"), ("keyVaultDns", vault_dns)]),
        "batch": base,
        "resourceManager": base,
        "vmImageAliasDoc": base,
        "activeDirectoryDataLake": base,
        "sqlManagement": base,
        "microsoftGraphResourceId": base,
        "appInsightsResourceId": base,
        "appInsightsTelemetryChannelResourceId": base,
        "attestationResourceId": base,
        "synapseAnalyticsResourceId": base,
        "logAnalyticsResourceId": base,
        "ossrDbmsResourceId": base,
        "gallery": base
    })
}

/// Public Azure's entry, with the values azure-cli's `AZURE_PUBLIC_CLOUD` (core/cloud.py) holds.
fn azure_cloud() -> Value {
    json!({
        "portal": "https://portal.azure.com",
        "authentication": authentication("https://login.microsoftonline.com"),
        "media": "https://rest.media.azure.net",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "name": "AzureCloud",
        "suffixes": suffixes(&[]),
        "batch": "https://batch.core.windows.net/",
        "resourceManager": "https://management.azure.com/",
        "vmImageAliasDoc": "https://azcliprod.blob.core.windows.net/cli/vm/aliases.json",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
        "gallery": "https://gallery.azure.com/"
    })
}

/// How a cloud entry signs in: Entra ID at `login_endpoint`, for ARM's audiences.
fn authentication(login_endpoint: &str) -> Value {
    json!({
        "loginEndpoint": login_endpoint,
        "audiences": ARM_AUDIENCES,
        "tenant": "common",
        "identityProvider": "AAD"
    })
}

/// Public Azure's service DNS suffixes (azure-cli's `AZURE_PUBLIC_CLOUD`): the simulator's own
/// cloud names the public ones too, but for Key Vault, the one data plane it imitates.
const PUBLIC_SUFFIXES: &[(&str, &str)] = &[
    ("azureDataLakeStoreFileSystem", "azuredatalakestore.net"),
    ("acrLoginServer", "azurecr.io"),
    ("sqlServerHostname", "database.windows.net"),
    (
        "azureDataLakeAnalyticsCatalogAndJob",
        "azuredatalakeanalytics.net",
    ),
    ("keyVaultDns", "vault.azure.net"),
    ("storage", "core.windows.net"),
    ("storageSyncEndpointSuffix", "afs.azure.net"),
    ("mhsmDns", "managedhsm.azure.net"),
    ("mysqlServerEndpoint", "mysql.database.azure.com"),
    ("postgresqlServerEndpoint", "postgres.database.azure.com"),
    ("mariadbServerEndpoint", "mariadb.database.azure.com"),
    ("synapseAnalytics", "dev.azuresynapse.net"),
    ("attestationEndpoint", "attest.azure.net"),
];

/// A cloud entry's `suffixes`: the public ones and `extra` (which replaces a public one of the same name).
fn suffixes(extra: &[(&str, &str)]) -> Value {
    let map: Map<String, Value> = PUBLIC_SUFFIXES
        .iter()
        .chain(extra)
        .map(|(name, suffix)| ((*name).to_string(), Value::from(*suffix)))
        .collect();
    Value::Object(map)
}

/// The Azure Stack Hub shape: no `resourceManager`, no Microsoft Graph.
fn legacy(sim: &Sim) -> Value {
    let base = sim.base_url.as_str();
    json!({
        "galleryEndpoint": base,
        "graphEndpoint": base,
        "portalEndpoint": base,
        "authentication": {"loginEndpoint": base, "audiences": ARM_AUDIENCES}
    })
}
