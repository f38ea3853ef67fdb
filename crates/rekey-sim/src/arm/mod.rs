//! Azure Resource Manager: cloud metadata, tenants, subscriptions, AKS managed clusters with their
//! credential resets (long-running operations), and role assignments.

mod clusters;
mod metadata;
mod operations;
mod reset;
mod role_assignments;
mod subscriptions;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::context::{Sim, ARM_AUDIENCES};
use crate::paging;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_unauthorized};
use crate::signing::TokenRejection;

pub use clusters::cluster_json;
pub use operations::settle as settle_operations;

const SUBSCRIPTIONS_API: &[&str] = &["2016-06-01", "2020-01-01", "2021-01-01", "2022-12-01"];
const AKS_API: &[&str] = &[
    "2023-08-01",
    "2024-05-01",
    "2024-09-01",
    "2025-01-01",
    "2025-07-01",
    "2025-08-01",
    "2025-09-01",
    // The default of azure-mgmt-containerservice 41.8.0, the SDK the compatibility suite runs.
    "2026-08-01",
];
const METADATA_API: &[&str] = &["2019-05-01", "2020-06-01", "2022-09-01"];
const AUTHORIZATION_API: &[&str] = &["2020-04-01-preview", "2020-10-01-preview", "2022-04-01"];

const CONTAINER_SERVICE: &str = "Microsoft.ContainerService";
const AUTHORIZATION: &str = "Microsoft.Authorization";

/// The signed-in principal behind an ARM request.
pub struct Caller {
    pub object_id: Uuid,
    /// The tenant the token was issued in (`tid`).
    pub tenant_id: Option<Uuid>,
    /// An app-only token (a service principal's).
    pub app: bool,
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
    Clusters { sub: &'r str, rg: Option<&'r str> },
    Cluster(ClusterPath<'r>),
    Reset(ClusterPath<'r>, reset::ResetKind),
    OperationStatus(operations::OperationPath<'r>),
    OperationResult(operations::OperationPath<'r>),
    RoleAssignments(&'r str),
    RoleAssignment { sub: &'r str, name: &'r str },
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
        if let Some([sub]) = captures(req, &[SUB, "*", "providers", AUTHORIZATION, "roleAssignments"]) {
            return Some(RoleAssignments(sub));
        }
        if let Some([sub, name]) = captures(
            req,
            &[SUB, "*", "providers", AUTHORIZATION, "roleAssignments", "*"],
        ) {
            return Some(RoleAssignment { sub, name });
        }
        None
    }

    fn allows(&self, method: &Method) -> bool {
        match self {
            Endpoint::Reset(..) => method == Method::POST,
            Endpoint::RoleAssignment { .. } => method == Method::GET || method == Method::PUT,
            _ => method == Method::GET,
        }
    }

    fn api_versions(&self) -> &'static [&'static str] {
        match self {
            Endpoint::Tenants | Endpoint::Subscriptions | Endpoint::Subscription(_) => SUBSCRIPTIONS_API,
            Endpoint::RoleAssignments(_) | Endpoint::RoleAssignment { .. } => AUTHORIZATION_API,
            _ => AKS_API,
        }
    }
}

/// The `*` captures of `pattern`, as an array so that callers destructure rather than index.
fn captures<'r, const N: usize>(req: &'r SimRequest, pattern: &[&str]) -> Option<[&'r str; N]> {
    req.route(pattern)?.try_into().ok()
}

/// Routes ARM paths; `None` when the path is not ARM's.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    if req.route(&["metadata", "endpoints"]).is_some() {
        return Some(check_api(req, METADATA_API).unwrap_or_else(|| metadata::endpoints(sim, req)));
    }
    let first = req.segments.first()?;
    if !first.eq_ignore_ascii_case("tenants") && !first.eq_ignore_ascii_case("subscriptions") {
        return None;
    }
    let endpoint = Endpoint::parse(req);
    // Unknown paths answer 405 to anything but GET, as they always have; known ones by their verbs.
    let allowed = endpoint
        .as_ref()
        .map_or(req.method == Method::GET, |e| e.allows(&req.method));
    if !allowed {
        return Some(arm_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!(
                "The requested resource does not support http method '{}'.",
                req.method
            ),
        ));
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
    if let Some(refused) = check_api(req, endpoint.api_versions()) {
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
        Endpoint::RoleAssignments(sub) => role_assignments::list(sim, req, caller, sub),
        Endpoint::RoleAssignment { sub, name } if req.method == Method::PUT => {
            role_assignments::create(sim, req, caller, sub, name)
        }
        Endpoint::RoleAssignment { sub, name } => role_assignments::get(sim, caller, sub, name),
    }
}

/// `Some(error)` when `api-version` is missing or not one this endpoint serves.
fn check_api(req: &SimRequest, supported: &[&str]) -> Option<Response> {
    match req.query.get("api-version") {
        None => Some(arm_error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(v) if supported.contains(&v.as_str()) => None,
        Some(v) => Some(arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            &format!(
                "The api-version '{v}' is invalid. The supported versions are '{}'.",
                supported.join(",")
            ),
        )),
    }
}

pub fn authenticate(sim: &Sim, req: &SimRequest) -> Result<Caller, Response> {
    let authority = sim.authority();
    let Some(header) = req.header("authorization") else {
        return Err(arm_unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            &authority,
        ));
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Err(arm_unauthorized(
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            &authority,
        ));
    };
    match sim.signer.verify(token.trim(), ARM_AUDIENCES) {
        Ok(claims) => Uuid::parse_str(&claims.oid)
            .map(|object_id| Caller {
                object_id,
                tenant_id: Uuid::parse_str(&claims.tid).ok(),
                app: claims.idtyp.as_deref() == Some("app") || claims.appid.is_some(),
            })
            .map_err(|_| arm_unauthorized("InvalidAuthenticationToken", "The access token is invalid.", &authority)),
        Err(TokenRejection::Expired) => Err(arm_unauthorized(
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
            &authority,
        )),
        Err(TokenRejection::WrongAudience) => Err(arm_unauthorized(
            "InvalidAuthenticationTokenAudience",
            "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'.",
            &authority,
        )),
        Err(TokenRejection::Invalid) => {
            Err(arm_unauthorized("InvalidAuthenticationToken", "The access token is invalid.", &authority))
        }
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
