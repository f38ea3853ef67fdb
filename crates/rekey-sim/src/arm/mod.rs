//! Azure Resource Manager: cloud metadata, tenants, subscriptions, AKS managed clusters with their
//! credential resets (long-running operations), resource groups, role assignments and definitions.

mod clusters;
mod metadata;
mod operations;
mod reset;
mod resource_groups;
mod role_assignments;
mod role_definitions;
mod subscriptions;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::api_versions;
use crate::context::{Sim, ARM_AUDIENCES};
use crate::paging;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_method_not_allowed, arm_unauthorized};
use crate::signing::TokenRejection;

pub use clusters::cluster_json;
pub use operations::settle as settle_operations;

const CONTAINER_SERVICE: &str = "Microsoft.ContainerService";
const AUTHORIZATION: &str = "Microsoft.Authorization";

/// The signed-in principal behind an ARM request.
pub struct Caller {
    pub object_id: Uuid,
    /// The tenant the token was issued in (`tid`).
    pub tenant_id: Option<Uuid>,
    /// An app-only token (a service principal's).
    pub app: bool,
    /// The login authority a 401 points to (the simulator's).
    pub authority: String,
}

impl Caller {
    /// Whether this token reaches subscriptions of `tenant`. A person's token (delegated) reaches
    /// only its own tenant's, as in Azure: a guest needs a token from the other tenant. A service
    /// principal's keeps reaching every subscription it holds a role on, as a delegated (Azure
    /// Lighthouse) administrator would; the simulator's demo administrator relies on it.
    pub fn reaches_tenant(&self, tenant: Uuid) -> bool {
        self.app || self.tenant_id == Some(tenant)
    }

    /// Whether the caller holds a role on `subscription` and its token reaches its tenant.
    pub fn can_read(&self, world: &crate::state::World, subscription: Uuid) -> bool {
        world.role_on(self.object_id, subscription).is_some()
            && world
                .subscriptions
                .iter()
                .find(|s| s.id == subscription)
                .is_some_and(|s| self.reaches_tenant(s.tenant_id))
    }
}

/// A managed cluster as named in a request path (not yet looked up).
struct ClusterPath<'r> {
    sub: &'r str,
    rg: &'r str,
    name: &'r str,
}

/// An ARM path the simulator serves, with its captures.
enum Endpoint<'r> {
    Tenants,
    Subscriptions,
    Subscription(&'r str),
    Clusters {
        sub: &'r str,
        rg: Option<&'r str>,
    },
    Cluster(ClusterPath<'r>),
    Reset(ClusterPath<'r>, reset::ResetKind),
    OperationStatus(operations::OperationPath<'r>),
    OperationResult(operations::OperationPath<'r>),
    ResourceGroup {
        sub: &'r str,
        rg: &'r str,
    },
    RoleAssignments {
        sub: &'r str,
        rg: Option<&'r str>,
    },
    RoleAssignment {
        sub: &'r str,
        rg: Option<&'r str>,
        name: &'r str,
    },
    RoleDefinitions(role_definitions::Scope<'r>),
    RoleDefinition(role_definitions::Scope<'r>, &'r str),
}

impl<'r> Endpoint<'r> {
    fn parse(req: &'r SimRequest) -> Option<Self> {
        use Endpoint::*;
        const SUB: &str = "subscriptions";
        const RG: &str = "resourceGroups";
        const MC: &str = CONTAINER_SERVICE;
        const CLUSTERS: &str = "managedClusters";
        if req.route(&["tenants"]).is_some() {
            return Some(Tenants);
        }
        if req.route(&[SUB]).is_some() {
            return Some(Subscriptions);
        }
        if let Some([sub]) = captures(req, &[SUB, "*"]) {
            return Some(Subscription(sub));
        }
        if let Some([sub]) = captures(req, &[SUB, "*", "providers", MC, CLUSTERS]) {
            return Some(Clusters { sub, rg: None });
        }
        if let Some([sub, rg]) = captures(req, &[SUB, "*", RG, "*", "providers", MC, CLUSTERS]) {
            return Some(Clusters { sub, rg: Some(rg) });
        }
        if let Some([sub, rg, name]) = captures(req, &[SUB, "*", RG, "*", "providers", MC, CLUSTERS, "*"]) {
            return Some(Cluster(ClusterPath { sub, rg, name }));
        }
        if let Some([sub, rg, name, action]) =
            captures(req, &[SUB, "*", RG, "*", "providers", MC, CLUSTERS, "*", "*"])
        {
            let kind = reset::ResetKind::from_action(action)?;
            return Some(Reset(ClusterPath { sub, rg, name }, kind));
        }
        if let Some([sub, location, id]) = captures(
            req,
            &[SUB, "*", "providers", MC, "locations", "*", "operations", "*"],
        ) {
            return Some(OperationStatus(operations::OperationPath { sub, location, id }));
        }
        if let Some([sub, location, id]) = captures(
            req,
            &[
                SUB,
                "*",
                "providers",
                MC,
                "locations",
                "*",
                "operationresults",
                "*",
            ],
        ) {
            return Some(OperationResult(operations::OperationPath { sub, location, id }));
        }
        if let Some([sub, rg]) = captures(req, &[SUB, "*", RG, "*"]) {
            return Some(ResourceGroup { sub, rg });
        }
        if let Some(found) = Self::authorization(req) {
            return Some(found);
        }
        None
    }

    /// `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]` at the
    /// tenant root (definitions only), a subscription or a resource group.
    fn authorization(req: &'r SimRequest) -> Option<Self> {
        let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
        let at = segments.windows(2).position(|w| {
            w[0].eq_ignore_ascii_case("providers") && w[1].eq_ignore_ascii_case(AUTHORIZATION)
        })?;
        let (scope, rest) = segments.split_at(at);
        let (sub, rg) = match scope {
            [] => (None, None),
            [s, sub] if s.eq_ignore_ascii_case("subscriptions") => (Some(*sub), None),
            [s, sub, r, rg]
                if s.eq_ignore_ascii_case("subscriptions") && r.eq_ignore_ascii_case("resourceGroups") =>
            {
                (Some(*sub), Some(*rg))
            }
            _ => return None,
        };
        match rest {
            [_, _, kind] if kind.eq_ignore_ascii_case("roleDefinitions") => {
                Some(Endpoint::RoleDefinitions(role_definitions::Scope { sub, rg }))
            }
            [_, _, kind, id] if kind.eq_ignore_ascii_case("roleDefinitions") => {
                Some(Endpoint::RoleDefinition(role_definitions::Scope { sub, rg }, id))
            }
            [_, _, kind] if kind.eq_ignore_ascii_case("roleAssignments") => {
                Some(Endpoint::RoleAssignments { sub: sub?, rg })
            }
            [_, _, kind, name] if kind.eq_ignore_ascii_case("roleAssignments") => {
                Some(Endpoint::RoleAssignment { sub: sub?, rg, name })
            }
            _ => None,
        }
    }

    fn allows(&self, method: &Method) -> bool {
        match self {
            Endpoint::Reset(..) => method == Method::POST,
            Endpoint::RoleAssignment { .. } => method == Method::GET || method == Method::PUT,
            _ => method == Method::GET,
        }
    }

    /// `Some(400)` when the request's api-version is not one this endpoint's service publishes.
    fn check_api(&self, sim: &Sim, req: &SimRequest) -> Option<Response> {
        let supported = match self {
            Endpoint::Tenants
            | Endpoint::Subscriptions
            | Endpoint::Subscription(_)
            | Endpoint::ResourceGroup { .. } => api_versions::RESOURCES,
            Endpoint::RoleAssignments { .. } | Endpoint::RoleAssignment { .. } => {
                api_versions::ROLE_ASSIGNMENTS
            }
            Endpoint::RoleDefinitions(_) | Endpoint::RoleDefinition(..) => api_versions::ROLE_DEFINITIONS,
            _ => return self.check_aks_api(sim, req),
        };
        api_versions::check(req, supported)
    }

    /// AKS is a resource provider: ARM names the location and the type's locations when it refuses.
    fn check_aks_api(&self, sim: &Sim, req: &SimRequest) -> Option<Response> {
        let world = sim.state.world();
        let mut locations: Vec<String> = world.clusters.iter().map(|c| c.location.clone()).collect();
        locations.sort();
        locations.dedup();
        let location = match self {
            Endpoint::OperationStatus(p) | Endpoint::OperationResult(p) => Some(p.location.to_string()),
            Endpoint::Cluster(p) | Endpoint::Reset(p, _) => world
                .clusters
                .iter()
                .find(|c| c.resource_group.eq_ignore_ascii_case(p.rg) && c.name.eq_ignore_ascii_case(p.name))
                .map(|c| c.location.clone()),
            _ => None,
        }
        .or_else(|| locations.first().cloned())
        .unwrap_or_default();
        drop(world);
        api_versions::check_provider(
            req,
            api_versions::MANAGED_CLUSTERS,
            "managedClusters",
            &location,
            &locations,
        )
    }
}

/// The `*` captures of `pattern`, as an array so that callers destructure rather than index.
fn captures<'r, const N: usize>(req: &'r SimRequest, pattern: &[&str]) -> Option<[&'r str; N]> {
    req.route(pattern)?.try_into().ok()
}

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
        Endpoint::Cluster(path) => clusters::get(sim, caller, &path),
        Endpoint::Reset(path, kind) => reset::reset(sim, req, caller, &path, kind),
        Endpoint::OperationStatus(path) => operations::status(sim, caller, &path),
        Endpoint::OperationResult(path) => operations::result(sim, req, caller, &path),
        Endpoint::ResourceGroup { sub, rg } => resource_groups::get(sim, caller, sub, rg),
        Endpoint::RoleAssignments { sub, rg } => role_assignments::list(sim, req, caller, sub, rg),
        Endpoint::RoleAssignment { sub, rg, name } if req.method == Method::PUT => {
            role_assignments::create(sim, req, caller, sub, rg, name)
        }
        Endpoint::RoleAssignment { sub, rg, name } => role_assignments::get(sim, caller, sub, rg, name),
        Endpoint::RoleDefinitions(scope) => role_definitions::list(sim, req, caller, &scope),
        Endpoint::RoleDefinition(scope, id) => role_definitions::get(sim, caller, &scope, id),
    }
}

/// Where a 401 sends the client to sign in: the login authority with the tenant of the
/// subscription the path names, or the bare authority (`https://login.windows.net/` in Azure).
fn authorization_uri(sim: &Sim, req: &SimRequest) -> String {
    let authority = sim.authority();
    let tenant = match req.segments.as_slice() {
        [first, sub, ..] if first.eq_ignore_ascii_case("subscriptions") => {
            Uuid::parse_str(sub).ok().and_then(|sub| {
                let world = sim.state.world();
                world
                    .subscriptions
                    .iter()
                    .find(|s| s.id == sub)
                    .map(|s| s.tenant_id)
            })
        }
        _ => None,
    };
    match tenant {
        Some(tenant) => format!("{authority}/{tenant}"),
        None => format!("{authority}/"),
    }
}

pub fn authenticate(sim: &Sim, req: &SimRequest) -> Result<Caller, Response> {
    let uri = authorization_uri(sim, req);
    let unauthorized = |code: &str, message: &str| arm_unauthorized(code, message, message, &uri);
    let Some(header) = req.header("authorization") else {
        return Err(arm_unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
            &uri,
        ));
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Err(unauthorized(
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        ));
    };
    match sim.signer.verify(token.trim(), ARM_AUDIENCES) {
        Ok(claims) => Uuid::parse_str(&claims.oid)
            .map(|object_id| Caller {
                object_id,
                tenant_id: Uuid::parse_str(&claims.tid).ok(),
                app: claims.idtyp.as_deref() == Some("app") || claims.appid.is_some(),
                authority: sim.authority(),
            })
            .map_err(|_| unauthorized("InvalidAuthenticationToken", "The access token is invalid.")),
        Err(TokenRejection::Expired) => Err(unauthorized(
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        )),
        Err(TokenRejection::WrongAudience) => Err(unauthorized(
            "InvalidAuthenticationTokenAudience",
            "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'.",
        )),
        Err(TokenRejection::Invalid) => Err(unauthorized("InvalidAuthenticationToken", "The access token is invalid.")),
    }
}

/// A time as ARM writes it: UTC, fractional seconds, `Z`.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// One page of a list response, or 400 for a `$skiptoken` the simulator did not issue.
fn paged(sim: &Sim, req: &SimRequest, items: Vec<Value>) -> Response {
    match paging::offset(req) {
        Some(offset) => arm_json(
            StatusCode::OK,
            &paging::page(
                &sim.base_url,
                req,
                items,
                offset,
                sim.state.behaviour.arm_page_size,
            ),
            false,
        ),
        None => arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidSkipToken",
            "The provided skip token is not valid.",
        ),
    }
}
