//! Azure Resource Manager: cloud metadata, tenants, subscriptions, AKS managed clusters with their
//! credential resets and identity updates (long-running operations), agent pools and their node
//! images, user-assigned identities, resource groups, role assignments at any scope and definitions,
//! and key vaults (get, list, create or update; their data plane is `keyvault`).

mod agent_pools;
mod authentication;
mod cluster_json;
mod cluster_update;
mod clusters;
mod endpoint;
mod identities;
mod identity_update;
mod metadata;
mod operations;
mod paging;
mod private_dns_zone;
mod providers;
mod rbac;
mod reset;
mod resource_groups;
mod role_assignment_filter;
mod role_assignment_request;
mod role_assignments;
mod role_definitions;
mod scope_resources;
mod subscriptions;
mod tracked_put;
mod vault_put;
mod vaults;

use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_method_not_allowed};
use endpoint::Endpoint;
use providers::AUTHORIZATION;

pub use authentication::{authenticate, Caller};
pub use cluster_json::cluster_json;
pub use operations::settle as settle_operations;
pub(crate) use paging::{offset as page_offset, page};
pub use rbac::permits_data;
pub use vaults::vault_json;

/// Routes ARM paths; `None` when the path is not ARM's.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    if req.route(&["metadata", "endpoints"]).is_some() {
        return Some(metadata::endpoints(sim, req));
    }
    let first = req.segments.first()?;
    let tenant_root = first.eq_ignore_ascii_case("providers")
        && req
            .segments
            .get(1)
            .is_some_and(|s| s.eq_ignore_ascii_case(AUTHORIZATION));
    if !first.eq_ignore_ascii_case("tenants") && !first.eq_ignore_ascii_case("subscriptions") && !tenant_root
    {
        return None;
    }
    let endpoint = Endpoint::parse(req);
    // Unknown paths answer 405 to anything but GET, as they always have; known ones by their verbs.
    let allowed = endpoint
        .as_ref()
        .map_or(req.method == Method::GET, |e| e.allows(&req.method));
    if !allowed {
        return Some(arm_method_not_allowed(&req.method));
    }
    let caller = match authenticate(sim, req) {
        Ok(c) => c,
        Err(response) => return Some(response),
    };
    let Some(endpoint) = endpoint else {
        return Some(arm_error(
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            &format!(
                "The resource type could not be found in the namespace for the request path '{}'.",
                req.path
            ),
        ));
    };
    if let Some(refused) = endpoint.check_api(sim, req) {
        return Some(refused);
    }
    Some(dispatch(sim, req, &caller, endpoint))
}

fn dispatch(sim: &Sim, req: &SimRequest, caller: &Caller, endpoint: Endpoint) -> Response {
    match endpoint {
        Endpoint::Tenants => subscriptions::list_tenants(sim, req, caller),
        Endpoint::Subscriptions => subscriptions::list(sim, req, caller),
        Endpoint::Subscription(sub) => subscriptions::get(sim, caller, sub),
        Endpoint::Clusters { sub, rg } => clusters::list(sim, req, caller, sub, rg),
        Endpoint::Cluster(path) if req.method == Method::PUT => cluster_update::put(sim, req, caller, &path),
        Endpoint::Cluster(path) => clusters::get(sim, caller, &path),
        Endpoint::AgentPools(path) => agent_pools::list(sim, req, caller, &path),
        Endpoint::AgentPool(path, pool) => agent_pools::get(sim, caller, &path, pool),
        Endpoint::NodeImageUpgrade(path, pool) => {
            agent_pools::upgrade_node_image(sim, req, caller, &path, pool)
        }
        Endpoint::Identities { sub, rg } => identities::list(sim, req, caller, sub, rg),
        Endpoint::Identity { sub, rg, name } => identities::handle(sim, req, caller, sub, rg, name),
        Endpoint::ScopeResource { sub, path } => scope_resources::get(sim, caller, sub, &path),
        Endpoint::Reset(path, kind) => reset::reset(sim, req, caller, &path, kind),
        Endpoint::OperationStatus(path) => operations::status(sim, caller, &path),
        Endpoint::OperationResult(path) => operations::result(sim, req, caller, &path),
        Endpoint::ResourceGroup { sub, rg } => resource_groups::get(sim, caller, sub, rg),
        Endpoint::RoleAssignments { sub, scope } => role_assignments::list(sim, req, caller, sub, &scope),
        Endpoint::RoleAssignment { sub, scope, name } if req.method == Method::PUT => {
            role_assignments::create(sim, req, caller, sub, &scope, name)
        }
        Endpoint::RoleAssignment { sub, scope, name } if req.method == Method::DELETE => {
            role_assignments::delete(sim, caller, sub, &scope, name)
        }
        Endpoint::RoleAssignment { sub, scope, name } => {
            role_assignments::get(sim, caller, sub, &scope, name)
        }
        Endpoint::RoleDefinitions(scope) => role_definitions::list(sim, req, caller, &scope),
        Endpoint::RoleDefinition(scope, id) => role_definitions::get(sim, caller, &scope, id),
        Endpoint::Vaults { sub, rg } => vaults::list(sim, req, caller, sub, rg),
        Endpoint::Vault { sub, rg, name } if req.method == Method::PUT => {
            vault_put::put(sim, req, caller, sub, rg, name)
        }
        Endpoint::Vault { sub, rg, name } => vaults::get(sim, caller, sub, rg, name),
    }
}
