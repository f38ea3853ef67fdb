//! `Microsoft.Authorization/roleDefinitions`: Azure's built-in roles, listed at a scope (with
//! `$filter=roleName eq '…'` / `type eq '…'`) or read by ID.
//!
//! Shapes: azure-rest-api-specs `Microsoft.Authorization/…/preview/2022-05-01-preview/examples/
//! GetRoleDefinitionAtScope.json` and `GetRoleDefinitionById.json`. Names, GUIDs, descriptions and
//! permissions: the Azure docs' "Azure built-in roles" pages (role-based-access-control/built-in-roles).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::paging::paged;
use super::providers::AUTHORIZATION;
use super::resource_groups;
use super::subscriptions::{authorize, Need};
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};
use crate::state::Role;

/// A scope named in a path: the tenant root, a subscription, or one of its resource groups.
pub(super) struct Scope<'r> {
    pub sub: Option<&'r str>,
    pub rg: Option<&'r str>,
}

struct Permissions {
    description: &'static str,
    actions: &'static [&'static str],
    not_actions: &'static [&'static str],
    data_actions: &'static [&'static str],
}

fn permissions(role: Role) -> Permissions {
    let p = |description, actions, not_actions, data_actions| Permissions {
        description,
        actions,
        not_actions,
        data_actions,
    };
    const KV_READ: &[&str] = &[
        "Microsoft.Authorization/*/read",
        "Microsoft.Insights/alertRules/*",
        "Microsoft.Resources/deployments/*",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        "Microsoft.Support/*",
        "Microsoft.KeyVault/checkNameAvailability/read",
        "Microsoft.KeyVault/deletedVaults/read",
        "Microsoft.KeyVault/locations/*/read",
        "Microsoft.KeyVault/vaults/*/read",
        "Microsoft.KeyVault/operations/read",
    ];
    match role {
        Role::Owner => p("Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", &["*"], &[], &[]),
        Role::Contributor => p(
            "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
            &["*"],
            &[
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
                "Microsoft.Purview/consents/write",
                "Microsoft.Purview/consents/delete",
            ],
            &[],
        ),
        Role::Reader => p("View all resources, but does not allow you to make any changes.", &["*/read"], &[], &[]),
        Role::NetworkContributor => p(
            "Lets you manage networks, but not access to them.",
            &[
                "Microsoft.Authorization/*/read",
                "Microsoft.Insights/alertRules/*",
                "Microsoft.Network/*",
                "Microsoft.ResourceHealth/availabilityStatuses/read",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Support/*",
            ],
            &[],
            &[],
        ),
        Role::UserAccessAdministrator => p(
            "Lets you manage user access to Azure resources.",
            &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
            &[],
            &[],
        ),
        Role::PrivateDnsZoneContributor => p(
            "Lets you manage private DNS zone resources, but not the virtual networks they are linked to.",
            &[
                "Microsoft.Authorization/*/read",
                "Microsoft.Insights/alertRules/*",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Support/*",
                "Microsoft.Network/privateDnsZones/*",
                "Microsoft.Network/privateDnsOperationResults/*",
                "Microsoft.Network/privateDnsOperationStatuses/*",
                "Microsoft.Network/virtualNetworks/read",
                "Microsoft.Network/virtualNetworks/join/action",
            ],
            &[],
            &[],
        ),
        Role::ManagedIdentityOperator => p(
            "Read and Assign User Assigned Identity",
            &[
                "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
                "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
                "Microsoft.Authorization/*/read",
                "Microsoft.Insights/alertRules/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Support/*",
            ],
            &[],
            &[],
        ),
        Role::AcrPull => p("acr pull", &["Microsoft.ContainerRegistry/registries/pull/read"], &[], &[]),
        Role::AksClusterAdmin => p(
            "List cluster admin credential action.",
            &[
                "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
                "Microsoft.ContainerService/managedClusters/accessProfiles/listCredential/action",
                "Microsoft.ContainerService/managedClusters/read",
                "Microsoft.ContainerService/managedClusters/runcommand/action",
            ],
            &[],
            &[],
        ),
        Role::AksClusterUser => p(
            "List cluster user credential action.",
            &[
                "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
                "Microsoft.ContainerService/managedClusters/read",
            ],
            &[],
            &[],
        ),
        Role::KeyVaultSecretsOfficer => p(
            "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            KV_READ,
            &[],
            &["Microsoft.KeyVault/vaults/secrets/*"],
        ),
        Role::KeyVaultAdministrator => p(
            "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            KV_READ,
            &[],
            &["Microsoft.KeyVault/vaults/*"],
        ),
        Role::KeyVaultSecretsUser => p(
            "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            &[],
            &[],
            &[
                "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            ],
        ),
    }
}

/// Whether `role` grants `action` (its `actions` match and its `notActions` do not; ARM compares
/// them as case-insensitive wildcards: docs role-based-access-control/role-definitions "Actions").
pub(super) fn allows(role: Role, action: &str) -> bool {
    let p = permissions(role);
    p.actions.iter().any(|a| crate::faults::glob_match(a, action))
        && !p.not_actions.iter().any(|a| crate::faults::glob_match(a, action))
}

/// Whether `role` grants the data action `action` (its `dataActions` match, as wildcards like
/// `actions`; docs role-based-access-control/role-definitions "DataActions"). Owner and
/// Contributor have none: managing a vault does not read its secrets.
pub(crate) fn allows_data(role: Role, action: &str) -> bool {
    let p = permissions(role);
    p.data_actions
        .iter()
        .any(|a| crate::faults::glob_match(a, action))
}

/// The ID prefix ARM gives built-in definitions read at a scope: the subscription's, or the
/// tenant root's when no subscription is named.
fn id_prefix(sub: Option<&str>) -> String {
    match sub {
        Some(sub) => format!("/subscriptions/{sub}/providers/{AUTHORIZATION}/roleDefinitions/"),
        None => format!("/providers/{AUTHORIZATION}/roleDefinitions/"),
    }
}

pub fn definition_json(role: Role, sub: Option<&str>) -> Value {
    let p = permissions(role);
    json!({
        "id": format!("{}{}", id_prefix(sub), role.guid()),
        "name": role.guid(),
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": role.name(),
            "type": "BuiltInRole",
            "description": p.description,
            "assignableScopes": ["/"],
            "permissions": [{
                "actions": p.actions,
                "notActions": p.not_actions,
                "dataActions": p.data_actions,
                "notDataActions": []
            }],
            "createdBy": null,
            "updatedBy": null
        }
    })
}

/// The built-in role a definition GUID names.
pub fn role_by_guid(guid: &str) -> Option<Role> {
    Role::BUILT_IN
        .into_iter()
        .find(|r| r.guid().eq_ignore_ascii_case(guid))
}

/// Reading definitions needs a role on the subscription (any, since every built-in role reads
/// `Microsoft.Authorization/*/read` or the scope's definitions); the tenant root needs only a token.
fn check_scope(sim: &Sim, caller: &Caller, scope: &Scope) -> Result<(), Response> {
    let Some(sub) = scope.sub else {
        return Ok(());
    };
    let world = sim.state.world();
    let scope_text = match scope.rg {
        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}"),
        None => format!("/subscriptions/{sub}"),
    };
    let need = Need {
        role: Role::Reader,
        action: "Microsoft.Authorization/roleDefinitions/read",
        scope: &scope_text,
    };
    let sub_id = authorize(&world, caller, sub, need)?.id;
    if let Some(rg) = scope.rg {
        resource_groups::require(&world, sub_id, rg)?;
    }
    Ok(())
}

pub(super) fn list(sim: &Sim, req: &SimRequest, caller: &Caller, scope: &Scope) -> Response {
    if let Err(response) = check_scope(sim, caller, scope) {
        return response;
    }
    let filter = match req.query.get("$filter").map(|f| Filter::parse(f)).transpose() {
        Ok(f) => f,
        Err(response) => return response,
    };
    let items = Role::BUILT_IN
        .into_iter()
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(*r)))
        .map(|r| definition_json(r, scope.sub))
        .collect();
    paged(sim, req, items)
}

pub(super) fn get(sim: &Sim, caller: &Caller, scope: &Scope, id: &str) -> Response {
    if let Err(response) = check_scope(sim, caller, scope) {
        return response;
    }
    match role_by_guid(id) {
        Some(role) => arm_json(StatusCode::OK, &definition_json(role, scope.sub), false),
        None => arm_error(
            StatusCode::NOT_FOUND,
            "RoleDefinitionDoesNotExist",
            &format!("The specified role definition with ID '{id}' does not exist."),
        ),
    }
}

/// `roleName eq '…'` or `type eq 'BuiltInRole'|'CustomRole'`, the filters the list documents.
enum Filter {
    RoleName(String),
    Type(String),
}

impl Filter {
    fn parse(filter: &str) -> Result<Self, Response> {
        let unsupported = || {
            arm_error(
                StatusCode::BAD_REQUEST,
                "UnsupportedQuery",
                &format!("The filter '{filter}' is not supported. Supported filters are 'roleName eq '{{value}}'' and 'type eq '{{value}}''."),
            )
        };
        let (name, rest) = filter.trim().split_once(' ').ok_or_else(unsupported)?;
        let rest = rest.trim_start();
        let value = rest
            .get(..2)
            .filter(|op| op.eq_ignore_ascii_case("eq"))
            .and_then(|_| rest.get(2..))
            .map(str::trim)
            .and_then(|v| v.strip_prefix('\'')?.strip_suffix('\''))
            .ok_or_else(unsupported)?;
        if name.eq_ignore_ascii_case("roleName") {
            Ok(Filter::RoleName(value.to_string()))
        } else if name.eq_ignore_ascii_case("type") {
            Ok(Filter::Type(value.to_string()))
        } else {
            Err(unsupported())
        }
    }

    fn matches(&self, role: Role) -> bool {
        match self {
            Filter::RoleName(name) => role.name().eq_ignore_ascii_case(name),
            Filter::Type(t) => t.eq_ignore_ascii_case("BuiltInRole"),
        }
    }
}

/// The role a definition ID names: `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`
/// or the tenant-level `/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
pub(super) fn role_of_definition(id: &str, sub: Uuid) -> Result<Role, Response> {
    let segments: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    let tail = match segments.as_slice() {
        [first, s, tail @ ..]
            if first.eq_ignore_ascii_case("subscriptions") && Uuid::parse_str(s).ok() == Some(sub) =>
        {
            tail
        }
        [first, ..] if first.eq_ignore_ascii_case("subscriptions") => &[][..],
        all => all,
    };
    let guid = match tail {
        [providers, authz, definitions, guid]
            if providers.eq_ignore_ascii_case("providers")
                && authz.eq_ignore_ascii_case(AUTHORIZATION)
                && definitions.eq_ignore_ascii_case("roleDefinitions") =>
        {
            *guid
        }
        _ => {
            return Err(arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidRoleDefinitionId",
                &format!("The role definition ID '{id}' is not valid."),
            ))
        }
    };
    role_by_guid(guid).ok_or_else(|| {
        arm_error(
            StatusCode::BAD_REQUEST,
            "RoleDefinitionDoesNotExist",
            &format!("The specified role definition with ID '{guid}' does not exist."),
        )
    })
}
