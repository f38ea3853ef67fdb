//! The api-versions each imitated ARM service accepts, and ARM's 400 for any other.
//!
//! Lists come from the folder names of Azure/azure-rest-api-specs
//! (`specification/<service>/resource-manager/<namespace>/…/stable|preview/<version>`), newest first.

use axum::http::StatusCode;
use axum::response::Response;

use crate::request::SimRequest;
use crate::responses::arm_error;

/// `Microsoft.ContainerService/managedClusters`: `specification/containerservice/resource-manager/
/// Microsoft.ContainerService/aks/{stable,preview}/<version>/managedClusters.json` (readme.md tags,
/// and the folders after 2024-07). Azure CLI 2.91 sends 2026-06-01; azure-mgmt-containerservice
/// 41.8.0 sends 2026-08-01.
pub const MANAGED_CLUSTERS: &[&str] = &[
    "2026-08-02-preview",
    "2026-08-01",
    "2026-07-02-preview",
    "2026-07-01",
    "2026-06-02-preview",
    "2026-06-01",
    "2026-05-02-preview",
    "2026-05-01",
    "2026-04-02-preview",
    "2026-04-01",
    "2026-03-02-preview",
    "2026-03-01",
    "2026-02-02-preview",
    "2026-02-01",
    "2026-01-02-preview",
    "2026-01-01",
    "2025-10-02-preview",
    "2025-10-01",
    "2025-09-02-preview",
    "2025-09-01",
    "2025-08-02-preview",
    "2025-08-01",
    "2025-07-02-preview",
    "2025-07-01",
    "2025-06-02-preview",
    "2025-06-01",
    "2025-05-02-preview",
    "2025-05-01",
    "2025-04-02-preview",
    "2025-04-01",
    "2025-03-02-preview",
    "2025-03-01",
    "2025-02-02-preview",
    "2025-02-01",
    "2025-01-02-preview",
    "2025-01-01",
    "2024-10-02-preview",
    "2024-10-01",
    "2024-09-02-preview",
    "2024-09-01",
    "2024-08-01",
    "2024-07-02-preview",
    "2024-07-01",
    "2024-06-02-preview",
    "2024-05-02-preview",
    "2024-05-01",
    "2024-04-02-preview",
    "2024-03-02-preview",
    "2024-02-02-preview",
    "2024-02-01",
    "2024-01-02-preview",
    "2024-01-01",
    "2023-11-02-preview",
    "2023-11-01",
    "2023-10-02-preview",
    "2023-10-01",
    "2023-09-02-preview",
    "2023-09-01",
    "2023-08-02-preview",
    "2023-08-01",
    "2023-07-02-preview",
    "2023-07-01",
    "2023-06-02-preview",
    "2023-06-01",
    "2023-05-02-preview",
    "2023-05-01",
    "2023-04-02-preview",
    "2023-04-01",
    "2023-03-02-preview",
    "2023-03-01",
    "2023-02-02-preview",
    "2023-02-01",
    "2023-01-02-preview",
    "2023-01-01",
    "2022-11-02-preview",
    "2022-11-01",
    "2022-10-02-preview",
    "2022-09-02-preview",
    "2022-09-01",
    "2022-08-03-preview",
    "2022-08-02-preview",
    "2022-08-01",
    "2022-07-02-preview",
    "2022-07-01",
    "2022-06-02-preview",
    "2022-06-01",
    "2022-05-02-preview",
    "2022-04-02-preview",
    "2022-04-01",
    "2022-03-02-preview",
    "2022-03-01",
    "2022-02-02-preview",
    "2022-02-01",
    "2022-01-02-preview",
    "2022-01-01",
    "2021-10-01",
    "2021-09-01",
    "2021-08-01",
    "2021-07-01",
    "2021-05-01",
    "2021-03-01",
    "2021-02-01",
    "2020-12-01",
    "2020-11-01",
    "2020-09-01",
    "2020-07-01",
    "2020-06-01",
    "2020-04-01",
    "2020-03-01",
    "2020-02-01",
    "2020-01-01",
    "2019-11-01",
    "2019-10-01",
    "2019-08-01",
    "2019-06-01",
    "2019-04-01",
    "2019-02-01",
    "2018-03-31",
    "2017-08-31",
];

/// `Microsoft.Resources` (subscriptions, tenants, resource groups): ARM's own manifest list, as its
/// 400 names it (ansible-collections/azure#1739, 2024), plus `resources/stable/2024-11-01` (Azure
/// CLI 2.91's resource groups) and `2025-04-01`; `subscriptions/stable/*` are all among them.
pub const RESOURCES: &[&str] = &[
    "2025-04-01",
    "2024-11-01",
    "2024-08-01",
    "2024-06-01-preview",
    "2024-03-01",
    "2023-07-01",
    "2023-07-01-preview",
    "2023-03-01-preview",
    "2022-12-01",
    "2022-11-01-preview",
    "2022-09-01",
    "2022-06-01",
    "2022-05-01",
    "2022-03-01-preview",
    "2022-01-01",
    "2021-04-01",
    "2021-01-01",
    "2020-10-01",
    "2020-09-01",
    "2020-08-01",
    "2020-07-01",
    "2020-06-01",
    "2020-05-01",
    "2020-01-01",
    "2019-11-01",
    "2019-10-01",
    "2019-09-01",
    "2019-08-01",
    "2019-07-01",
    "2019-06-01",
    "2019-05-10",
    "2019-05-01",
    "2019-03-01",
    "2018-11-01",
    "2018-09-01",
    "2018-08-01",
    "2018-07-01",
    "2018-06-01",
    "2018-05-01",
    "2018-02-01",
    "2018-01-01",
    "2017-12-01",
    "2017-08-01",
    "2017-06-01",
    "2017-05-10",
    "2017-05-01",
    "2017-03-01",
    "2016-09-01",
    "2016-07-01",
    "2016-06-01",
    "2016-02-01",
    "2015-11-01",
    "2015-01-01",
    "2014-04-01-preview",
    "2014-04-01",
    "2014-01-01",
    "2013-03-01",
    "2014-02-26",
    "2014-04",
];

/// `Microsoft.Authorization/roleAssignments`: `specification/authorization/resource-manager/
/// Microsoft.Authorization/Authorization/readme.md` (`authorization-RoleAssignmentsCalls.json`).
pub const ROLE_ASSIGNMENTS: &[&str] = &[
    "2022-04-01",
    "2020-10-01-preview",
    "2020-08-01-preview",
    "2020-04-01-preview",
    "2020-03-01-preview",
    "2018-09-01-preview",
    "2018-01-01-preview",
    "2015-07-01",
];

/// `Microsoft.Authorization/roleDefinitions` (`authorization-RoleDefinitionsCalls.json`, same
/// readme). Azure CLI 2.91 (azure-mgmt-authorization 5.0.0b2) sends 2022-05-01-preview.
pub const ROLE_DEFINITIONS: &[&str] = &[
    "2022-05-01-preview",
    "2022-04-01",
    "2018-01-01-preview",
    "2015-07-01",
];

/// `Microsoft.ManagedIdentity/userAssignedIdentities`: `specification/msi/resource-manager/
/// Microsoft.ManagedIdentity/{stable,preview}/<version>`. azure-mgmt-msi 7.1.0 sends 2024-11-30;
/// Azure CLI 2.91 (`az identity`) sends 2025-05-31-preview (seen on the wire; newer than the
/// folders of the specs snapshot read here).
pub const MANAGED_IDENTITIES: &[&str] = &[
    "2025-05-31-preview",
    "2025-01-31-preview",
    "2024-11-30",
    "2023-07-31-preview",
    "2023-01-31",
    "2022-01-31-preview",
    "2021-09-30-preview",
    "2018-11-30",
    "2015-08-31-preview",
];

/// `Microsoft.ResourceGraph/resources`: `specification/resourcegraph/resource-manager/
/// Microsoft.ResourceGraph/stable/<version>` from 2021-03-01 on (2019-04-01 answered the table
/// format by default, which the simulator does not imitate).
pub const RESOURCE_GRAPH: &[&str] = &["2024-04-01", "2022-10-01", "2021-03-01"];

/// ARM's 400 for a missing `api-version`.
pub fn missing() -> Response {
    arm_error(
        StatusCode::BAD_REQUEST,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    )
}

/// ARM's message for an unknown api-version of its own types: "The api-version '…' is invalid. The
/// supported versions are '…'." with the versions newest first, comma-separated without spaces
/// (Azure/azure-sdk-for-net#2276, hashicorp/vault-plugin-secrets-azure#13).
pub fn invalid_message(version: &str, supported: &[&str]) -> String {
    format!(
        "The api-version '{version}' is invalid. The supported versions are '{}'.",
        supported.join(",")
    )
}

/// `Some(400)` when `api-version` is missing or not in `supported` (ARM's own resource types).
pub fn check(req: &SimRequest, supported: &[&str]) -> Option<Response> {
    match req.query.get("api-version") {
        None => Some(missing()),
        Some(v) if supported.contains(&v.as_str()) => None,
        Some(v) => Some(arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            &invalid_message(v, supported),
        )),
    }
}

/// `Some(400)` for a resource provider's type: ARM answers `NoRegisteredProviderFound`, listing the
/// versions oldest first with ", " and the type's locations (Azure/azure-cli#12042, #28368,
/// Azure/kubectl-aks#48): "No registered resource provider found for location 'eastus' and API
/// version '…' for type 'managedClusters'. The supported api-versions are '…'. The supported
/// locations are '…'."
pub fn check_provider(
    req: &SimRequest,
    supported: &[&str],
    type_name: &str,
    location: &str,
    locations: &[String],
) -> Option<Response> {
    let v = match req.query.get("api-version") {
        None => return Some(missing()),
        Some(v) if supported.contains(&v.as_str()) => return None,
        Some(v) => v,
    };
    let oldest_first: Vec<&str> = supported.iter().rev().copied().collect();
    Some(arm_error(
        StatusCode::BAD_REQUEST,
        "NoRegisteredProviderFound",
        &format!(
            "No registered resource provider found for location '{location}' and API version '{v}' for type '{type_name}'. The supported api-versions are '{}'. The supported locations are '{}'.",
            oldest_first.join(", "),
            locations.join(", ")
        ),
    ))
}

/// Key Vault's data plane: the folders of `specification/keyvault/data-plane/Microsoft.KeyVault/
/// {stable,preview}/<version>` and the versions azure-keyvault-secrets 4.12.0 names
/// (`_shared/client_base.py` `ApiVersion`; its default is 2026-04-01), newest first.
pub const KEY_VAULT_DATA: &[&str] = &[
    "2026-04-01",
    "2025-07-01",
    "2025-06-01",
    "7.6",
    "7.6-preview.2",
    "7.6-preview.1",
    "7.5",
    "7.5-preview.1",
    "7.4",
    "7.4-preview.1",
    "7.3",
    "7.3-preview",
    "7.2",
    "7.2-preview",
    "7.1",
    "7.1-preview",
    "7.0",
    "7.0-preview",
    "2016-10-01",
    "2015-06-01",
];

/// `Microsoft.KeyVault/vaults`: `specification/keyvault/resource-manager/Microsoft.KeyVault/
/// {stable,preview}/<version>/keyvault.json`, and 2026-05-15, the version azure-mgmt-keyvault 14.1.0
/// sends (`_configuration.py`), newest first.
pub const KEY_VAULTS: &[&str] = &[
    "2026-05-15",
    "2025-05-01",
    "2024-12-01-preview",
    "2024-11-01",
    "2024-04-01-preview",
    "2023-08-01-preview",
    "2023-07-01",
    "2023-02-01",
    "2022-11-01",
    "2022-07-01",
    "2022-02-01-preview",
    "2021-11-01-preview",
    "2021-10-01",
    "2021-06-01-preview",
    "2021-04-01-preview",
    "2020-04-01-preview",
    "2019-09-01",
    "2018-02-14",
    "2016-10-01",
    "2015-06-01",
];
