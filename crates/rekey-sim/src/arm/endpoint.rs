//! The ARM paths the simulator serves: each parsed with its captures, the verbs it allows, and the
//! api-versions its service publishes.

use axum::http::Method;
use axum::response::Response;

use super::clusters::ClusterPath;
use super::providers::{AUTHORIZATION, CONTAINER_SERVICE};
use super::{operations, reset, role_definitions};
use crate::api_versions;
use crate::context::Sim;
use crate::request::SimRequest;

/// An ARM path the simulator serves, with its captures.
pub(super) enum Endpoint<'r> {
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
    pub(super) fn parse(req: &'r SimRequest) -> Option<Self> {
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

    pub(super) fn allows(&self, method: &Method) -> bool {
        match self {
            Endpoint::Reset(..) => method == Method::POST,
            Endpoint::RoleAssignment { .. } => method == Method::GET || method == Method::PUT,
            _ => method == Method::GET,
        }
    }

    /// `Some(400)` when the request's api-version is not one this endpoint's service publishes.
    pub(super) fn check_api(&self, sim: &Sim, req: &SimRequest) -> Option<Response> {
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
