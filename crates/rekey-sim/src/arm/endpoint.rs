//! The ARM paths the simulator serves: each parsed with its captures, the verbs it allows, and the
//! api-versions its service publishes.

use axum::http::Method;
use axum::response::Response;

use super::clusters::ClusterPath;
use super::providers::{AUTHORIZATION, CONTAINER_SERVICE, KEY_VAULT, MANAGED_IDENTITY};
use super::{operations, reset, role_definitions};

const SUBSCRIPTIONS: &str = "subscriptions";
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
    AgentPools(ClusterPath<'r>),
    AgentPool(ClusterPath<'r>, &'r str),
    NodeImageUpgrade(ClusterPath<'r>, &'r str),
    Identities {
        sub: &'r str,
        rg: Option<&'r str>,
    },
    Identity {
        sub: &'r str,
        rg: &'r str,
        name: &'r str,
    },
    /// A network or registry resource, read only (`scope_resources`).
    ScopeResource {
        sub: &'r str,
        path: String,
    },
    OperationStatus(operations::OperationPath<'r>),
    OperationResult(operations::OperationPath<'r>),
    ResourceGroup {
        sub: &'r str,
        rg: &'r str,
    },
    /// Role assignments at any scope of a subscription (the full scope text, from the path).
    RoleAssignments {
        sub: &'r str,
        scope: String,
    },
    RoleAssignment {
        sub: &'r str,
        scope: String,
        name: &'r str,
    },
    RoleDefinitions(role_definitions::Scope<'r>),
    RoleDefinition(role_definitions::Scope<'r>, &'r str),
    Vaults {
        sub: &'r str,
        rg: Option<&'r str>,
    },
    Vault {
        sub: &'r str,
        rg: &'r str,
        name: &'r str,
    },
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
        const POOLS: &str = "agentPools";
        if let Some([sub, rg, name]) =
            captures(req, &[SUB, "*", RG, "*", "providers", MC, CLUSTERS, "*", POOLS])
        {
            return Some(AgentPools(ClusterPath { sub, rg, name }));
        }
        if let Some([sub, rg, name, pool]) = captures(
            req,
            &[SUB, "*", RG, "*", "providers", MC, CLUSTERS, "*", POOLS, "*"],
        ) {
            return Some(AgentPool(ClusterPath { sub, rg, name }, pool));
        }
        if let Some([sub, rg, name, pool]) = captures(
            req,
            &[
                SUB,
                "*",
                RG,
                "*",
                "providers",
                MC,
                CLUSTERS,
                "*",
                POOLS,
                "*",
                "upgradeNodeImageVersion",
            ],
        ) {
            return Some(NodeImageUpgrade(ClusterPath { sub, rg, name }, pool));
        }
        const IDENTITIES: &str = "userAssignedIdentities";
        if let Some([sub]) = captures(req, &[SUB, "*", "providers", MANAGED_IDENTITY, IDENTITIES]) {
            return Some(Identities { sub, rg: None });
        }
        if let Some([sub, rg]) = captures(
            req,
            &[SUB, "*", RG, "*", "providers", MANAGED_IDENTITY, IDENTITIES],
        ) {
            return Some(Identities { sub, rg: Some(rg) });
        }
        if let Some([sub, rg, name]) = captures(
            req,
            &[SUB, "*", RG, "*", "providers", MANAGED_IDENTITY, IDENTITIES, "*"],
        ) {
            return Some(Identity { sub, rg, name });
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
        if let Some([sub]) = captures(req, &[SUB, "*", "providers", KEY_VAULT, "vaults"]) {
            return Some(Vaults { sub, rg: None });
        }
        if let Some([sub, rg]) = captures(req, &[SUB, "*", RG, "*", "providers", KEY_VAULT, "vaults"]) {
            return Some(Vaults { sub, rg: Some(rg) });
        }
        if let Some([sub, rg, name]) =
            captures(req, &[SUB, "*", RG, "*", "providers", KEY_VAULT, "vaults", "*"])
        {
            return Some(Vault { sub, rg, name });
        }
        if let Some(found) = Self::scope_resource(req) {
            return Some(found);
        }
        if let Some(found) = Self::authorization(req) {
            return Some(found);
        }
        None
    }

    /// `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]` at the
    /// tenant root (definitions only), a subscription, a resource group or a resource in one
    /// (`…/providers/{namespace}/{type}/{name}[/{type}/{name}…]`, e.g. a subnet).
    fn authorization(req: &'r SimRequest) -> Option<Self> {
        let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
        let at = segments.windows(2).rposition(|w| {
            w[0].eq_ignore_ascii_case("providers") && w[1].eq_ignore_ascii_case(AUTHORIZATION)
        })?;
        let (scope, rest) = segments.split_at(at);
        let is = |i: usize, name: &str| scope.get(i).is_some_and(|s| s.eq_ignore_ascii_case(name));
        let shaped = match scope.len() {
            0 => true,
            2 => is(0, "subscriptions"),
            4 => is(0, "subscriptions") && is(2, "resourceGroups"),
            n => {
                n >= 8
                    && n % 2 == 0
                    && is(0, "subscriptions")
                    && is(2, "resourceGroups")
                    && is(4, "providers")
            }
        };
        if !shaped {
            return None;
        }
        let (sub, rg) = (scope.get(1).copied(), scope.get(3).copied());
        let scope_text = format!("/{}", scope.join("/"));
        match rest {
            [_, _, kind] if kind.eq_ignore_ascii_case("roleDefinitions") => {
                Some(Endpoint::RoleDefinitions(role_definitions::Scope { sub, rg }))
            }
            [_, _, kind, id] if kind.eq_ignore_ascii_case("roleDefinitions") => {
                Some(Endpoint::RoleDefinition(role_definitions::Scope { sub, rg }, id))
            }
            [_, _, kind] if kind.eq_ignore_ascii_case("roleAssignments") => Some(Endpoint::RoleAssignments {
                sub: sub?,
                scope: scope_text,
            }),
            [_, _, kind, name] if kind.eq_ignore_ascii_case("roleAssignments") => {
                Some(Endpoint::RoleAssignment {
                    sub: sub?,
                    scope: scope_text,
                    name,
                })
            }
            _ => None,
        }
    }

    /// `/subscriptions/{s}/resourceGroups/{rg}/providers/{Microsoft.Network|Microsoft.ContainerRegistry}/
    /// {type}/{name}[/{type}/{name}]`.
    fn scope_resource(req: &'r SimRequest) -> Option<Self> {
        let s = &req.segments;
        let is = |i: usize, name: &str| s.get(i).is_some_and(|x| x.eq_ignore_ascii_case(name));
        let namespace = is(5, "Microsoft.Network") || is(5, "Microsoft.ContainerRegistry");
        let shaped = (s.len() == 8 || s.len() == 10)
            && is(0, SUBSCRIPTIONS)
            && is(2, "resourceGroups")
            && is(4, "providers");
        (namespace && shaped).then(|| Endpoint::ScopeResource {
            sub: s.get(1).map(String::as_str).unwrap_or_default(),
            path: format!("/{}", s.join("/")),
        })
    }

    pub(super) fn allows(&self, method: &Method) -> bool {
        match self {
            Endpoint::Reset(..) | Endpoint::NodeImageUpgrade(..) => method == Method::POST,
            Endpoint::Cluster(_) | Endpoint::Vault { .. } => method == Method::GET || method == Method::PUT,
            Endpoint::RoleAssignment { .. } | Endpoint::Identity { .. } => {
                method == Method::GET || method == Method::PUT || method == Method::DELETE
            }
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
            Endpoint::Identities { .. } | Endpoint::Identity { .. } => api_versions::MANAGED_IDENTITIES,
            Endpoint::ScopeResource { path, .. } => super::scope_resources::api_versions(path),
            Endpoint::Vaults { .. } | Endpoint::Vault { .. } => return check_vaults_api(sim, req),
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
            Endpoint::Cluster(p)
            | Endpoint::Reset(p, _)
            | Endpoint::AgentPools(p)
            | Endpoint::AgentPool(p, _)
            | Endpoint::NodeImageUpgrade(p, _) => world
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

/// Key Vault is a resource provider: its 400 names the vaults' locations, as AKS's does.
fn check_vaults_api(sim: &Sim, req: &SimRequest) -> Option<Response> {
    let mut locations: Vec<String> = sim
        .state
        .world()
        .vaults
        .iter()
        .map(|v| v.location.clone())
        .collect();
    locations.sort();
    locations.dedup();
    let location = locations.first().cloned().unwrap_or_default();
    api_versions::check_provider(req, api_versions::KEY_VAULTS, "vaults", &location, &locations)
}

/// The `*` captures of `pattern`, as an array so that callers destructure rather than index.
fn captures<'r, const N: usize>(req: &'r SimRequest, pattern: &[&str]) -> Option<[&'r str; N]> {
    req.route(pattern)?.try_into().ok()
}
