//! The AKS rules of the move, each next to the documentation it comes from: which roles the new
//! control-plane and kubelet identities need, given what the cluster touches; what becomes of each
//! role the service principal held; and when a move is blocked (rotation's shape: checks, the
//! blocking ones in words).

use super::discovery::Found;
use super::model::{Check, Grant, Held, IdentityChoice, Who};
use crate::azure::identity::covers;
use crate::azure::roles::RoleAssignment;

pub const NETWORK_CONTRIBUTOR: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";
pub const PRIVATE_DNS_ZONE_CONTRIBUTOR: &str = "b12aa53e-6015-4669-85d0-8515ebb3ae7f";
pub const ACR_PULL: &str = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";

/// "Use a managed identity in AKS" — updating a cluster: the control plane moves at the update,
/// the kubelet only when each node pool's image is upgraded (`az aks nodepool upgrade
/// --node-image-only`), and there is no way back to a service principal.
pub const DOC_USE_MI: &str = "https://learn.microsoft.com/azure/aks/use-managed-identity";
/// "Summary of managed identities used by AKS": the cluster identity needs Network Contributor on a
/// custom virtual network's subnet; AKS itself gives it Contributor on the node resource group.
pub const DOC_SUMMARY: &str = "https://learn.microsoft.com/azure/aks/managed-identity-overview";
/// Bring your own subnet and route table (kubenet): the cluster identity needs Network Contributor
/// on the route table associated with the subnet.
pub const DOC_ROUTE_TABLE: &str =
    "https://learn.microsoft.com/azure/aks/configure-kubenet#bring-your-own-subnet-and-route-table-with-kubenet";
/// Private cluster with a custom private DNS zone: the control-plane identity needs Private DNS
/// Zone Contributor on the zone and, with a custom virtual network, Network Contributor on it; and
/// "AKS doesn't support using a system-assigned managed identity with custom private DNS zone. The
/// cluster must use user-assigned managed identity authentication" ("Considerations for private
/// DNS"). AKS checks the identity's rights on the zone before it updates the cluster, and refuses
/// with `CustomPrivateDNSZoneMissingPermissionError` ([`DOC_PRIVATE_DNS_ERROR`]).
pub const DOC_PRIVATE_DNS: &str =
    "https://learn.microsoft.com/azure/aks/private-clusters#configure-a-private-dns-zone";
/// AKS's refusal when the cluster's identity may not read and write its custom private DNS zone.
pub const DOC_PRIVATE_DNS_ERROR: &str = "https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/customprivatednszonemissingpermissions-error";
/// Attaching a container registry: the kubelet identity holds AcrPull on the registry.
pub const DOC_ACR: &str = "https://learn.microsoft.com/azure/aks/cluster-container-registry-integration";

fn grant(who: Who, role: &str, role_id: &str, scope: &str, why: String, source: &str) -> Grant {
    Grant {
        who,
        role: role.into(),
        role_id: role_id.into(),
        scope: scope.into(),
        why,
        source: source.into(),
        already: None,
    }
}

/// Whether `role_id` names the built-in role `guid` (a full definition ID or the GUID, any case).
pub fn is_role(role_id: &str, guid: &str) -> bool {
    role_id
        .rsplit('/')
        .next()
        .is_some_and(|g| g.eq_ignore_ascii_case(guid))
}

/// A container registry's resource ID, when `scope` is one (or lies inside one).
pub fn registry_of(scope: &str) -> Option<String> {
    let lower = scope.to_ascii_lowercase();
    let key = "/providers/microsoft.containerregistry/registries/";
    let at = lower.find(key)?;
    let rest = &scope[at + key.len()..];
    let name = rest.split('/').next().filter(|n| !n.is_empty())?;
    Some(format!("{}{}", &scope[..at + key.len()], name))
}

/// The virtual network of a subnet ID (`…/virtualNetworks/{v}/subnets/{s}` → `…/virtualNetworks/{v}`).
pub fn vnet_of(subnet: &str) -> Option<String> {
    let lower = subnet.to_ascii_lowercase();
    let at = lower.rfind("/subnets/")?;
    lower
        .contains("/virtualnetworks/")
        .then(|| subnet[..at].to_string())
}

/// The roles the move must give, from what the cluster touches.
pub fn needs(found: &Found) -> Vec<Grant> {
    let mut out: Vec<Grant> = Vec::new();
    let mut add = |g: Grant| {
        let dup = out
            .iter()
            .any(|o| o.who == g.who && o.role_id == g.role_id && o.scope.eq_ignore_ascii_case(&g.scope));
        if !dup {
            out.push(g);
        }
    };
    // DOC_SUMMARY: a custom subnet (agentPoolProfiles[].vnetSubnetID) needs Network Contributor.
    for subnet in &found.subnets {
        add(grant(
            Who::ControlPlane,
            "Network Contributor",
            NETWORK_CONTRIBUTOR,
            subnet,
            "the node pools run in this custom subnet; the cluster identity manages its load balancers and \
             IP configurations there"
                .into(),
            DOC_SUMMARY,
        ));
    }
    // DOC_ROUTE_TABLE: kubenet on a custom subnet writes pod routes into the subnet's route table.
    for (subnet, table) in &found.route_tables {
        if let Ok(Some(table)) = table {
            add(grant(
                Who::ControlPlane,
                "Network Contributor",
                NETWORK_CONTRIBUTOR,
                table,
                format!("the route table of subnet {subnet}: the cluster writes its pod routes into it"),
                DOC_ROUTE_TABLE,
            ));
        }
    }
    // DOC_ROUTE_TABLE too: a route table the principal holds a network role on is one the cluster
    // was given to manage (a subnet that could not be read still shows it this way). Only for a
    // cluster in a custom subnet: a shared principal's route table of another cluster's subnet is
    // not this one's.
    let own_subnet = !found.subnets.is_empty();
    for held in found.held.iter().filter(|_| own_subnet) {
        let manages = [NETWORK_CONTRIBUTOR, OWNER, CONTRIBUTOR]
            .iter()
            .any(|r| is_role(&held.role_definition_id, r));
        if manages
            && held
                .scope
                .to_ascii_lowercase()
                .contains("/providers/microsoft.network/routetables/")
        {
            add(grant(
                Who::ControlPlane,
                "Network Contributor",
                NETWORK_CONTRIBUTOR,
                &held.scope,
                "a route table the service principal manages: the cluster writes its pod routes into it"
                    .into(),
                DOC_ROUTE_TABLE,
            ));
        }
    }
    // DOC_PRIVATE_DNS: a custom private DNS zone (a resource ID, not `system` or `none`).
    if let Some(zone) = &found.private_dns_zone {
        add(grant(
            Who::ControlPlane,
            "Private DNS Zone Contributor",
            PRIVATE_DNS_ZONE_CONTRIBUTOR,
            zone,
            "the private cluster's API server records live in this custom private DNS zone".into(),
            DOC_PRIVATE_DNS,
        ));
        for vnet in found.subnets.iter().filter_map(|s| vnet_of(s)) {
            add(grant(
                Who::ControlPlane,
                "Network Contributor",
                NETWORK_CONTRIBUTOR,
                &vnet,
                "a custom private DNS zone is linked to the cluster's custom virtual network".into(),
                DOC_PRIVATE_DNS,
            ));
        }
    }
    // DOC_ACR: an attached registry is AcrPull held by the principal at a registry's scope.
    for held in &found.held {
        if is_role(&held.role_definition_id, ACR_PULL) {
            if let Some(registry) = registry_of(&held.scope) {
                add(grant(
                    Who::Kubelet,
                    "AcrPull",
                    ACR_PULL,
                    &registry,
                    "an attached registry: the nodes pull images from it with the kubelet identity".into(),
                    DOC_ACR,
                ));
            }
        }
    }
    out
}

/// What the move does with each of the principal's role assignments.
pub fn verdicts(found: &Found, grants: &[Grant]) -> Vec<Held> {
    found
        .held
        .iter()
        .map(|a| {
            let (verdict, for_cluster) = verdict(found, a, grants);
            Held {
                assignment: a.clone(),
                verdict,
                for_cluster,
            }
        })
        .collect()
}

/// Why the move keeps or drops `a`, and whether it serves this cluster.
fn verdict(found: &Found, a: &RoleAssignment, grants: &[Grant]) -> (String, bool) {
    // The same role, or Owner / Contributor (which hold every action), at the grant's scope or above.
    let serves = |g: &&Grant| {
        covers(&a.scope, &g.scope)
            && [g.role_id.as_str(), OWNER, CONTRIBUTOR]
                .iter()
                .any(|r| is_role(&a.role_definition_id, r))
    };
    if let Some(g) = grants.iter().find(serves) {
        let why = format!("needed: the {} gets {} at {}", g.who.label(), g.role, g.scope);
        return (why, true);
    }
    if let Some(node_rg) = &found.node_resource_group_id {
        if covers(node_rg, &a.scope) {
            let why = format!(
                "not needed: AKS gives its managed identity Contributor on the node resource group itself \
                 ({DOC_SUMMARY})"
            );
            return (why, true);
        }
    }
    let why = "no AKS rule asks for it: kept on the service principal and not copied; review whether \
               something else of the cluster relies on it (for example a load balancer's IP in another \
               resource group)";
    (why.into(), false)
}

/// The move's checks, blocked and why.
pub fn checks(found: &Found, identity: &IdentityChoice, grants: &[Grant]) -> Vec<Check> {
    let p = &found.cluster.properties;
    let mut checks = Vec::new();
    let state = p.provisioning_state.clone().unwrap_or_default();
    checks.push(if state.eq_ignore_ascii_case("Succeeded") {
        Check::ok("provisioning state", "Succeeded")
    } else {
        Check::block(
            "provisioning state",
            format!(
                "it is '{state}', not Succeeded: let the cluster's last operation finish or fix it first"
            ),
        )
    });
    let power = p
        .power_state
        .as_ref()
        .and_then(|s| s.code.clone())
        .unwrap_or_default();
    checks.push(if power.eq_ignore_ascii_case("Running") {
        Check::ok("power state", "Running")
    } else {
        Check::block(
            "power state",
            format!("it is '{power}': start the cluster (az aks start) first"),
        )
    });
    match &found.sp_object_id {
        Ok(id) => checks.push(Check::ok(
            "service principal",
            format!("{} (object {id})", found.app_id),
        )),
        Err(why) => checks.push(Check::block("service principal", why.clone())),
    }
    if !found.unreadable.is_empty() {
        checks.push(Check::block(
            "discovery",
            format!(
                "Rekey could not read {}; it cannot tell which roles the move needs, so it will not move \
                 the cluster until it can",
                found.unreadable.join("; ")
            ),
        ));
    }
    let before_update = grants.iter().any(|g| g.who == Who::ControlPlane);
    // DOC_ROUTE_TABLE: kubenet with its own route table supports only a user-assigned identity
    // (AKS refuses the update with CustomRouteTableWithUnsupportedMSIType; Azure/AKS#2333).
    let route_table = grants.iter().any(|g| {
        g.scope
            .to_ascii_lowercase()
            .contains("/providers/microsoft.network/routetables/")
    });
    // DOC_PRIVATE_DNS: a custom private DNS zone takes only a user-assigned identity, which AKS
    // checks holds the zone's role before it updates (DOC_PRIVATE_DNS_ERROR).
    let zone_blocks = found.private_dns_zone.is_some() && *identity == IdentityChoice::SystemAssigned;
    if let (true, Some(zone)) = (zone_blocks, &found.private_dns_zone) {
        checks.push(Check::block(
            "identity",
            format!(
                "the private cluster's API server records live in its own private DNS zone {zone}, which AKS \
                 supports only with a user-assigned identity holding Private DNS Zone Contributor there \
                 ({DOC_PRIVATE_DNS}); AKS refuses a system-assigned one (CustomPrivateDNSZoneMissingPermissionError, \
                 {DOC_PRIVATE_DNS_ERROR}): choose --identity <user-assigned identity ID> (created when missing)"
            ),
        ));
    }
    if route_table && *identity == IdentityChoice::SystemAssigned {
        checks.push(Check::block(
            "identity",
            format!(
                "the cluster's subnet has its own route table, which AKS supports only with a user-assigned \
                 identity ({DOC_ROUTE_TABLE}): choose --identity <user-assigned identity ID> (created when missing)"
            ),
        ));
    } else if before_update && !zone_blocks && *identity == IdentityChoice::SystemAssigned {
        checks.push(Check::warn(
            "identity",
            format!(
                "a system-assigned identity exists only once the update made it, so its network roles are granted \
                 after the update ({DOC_USE_MI}); until Azure applies them the cluster's load balancer and route \
                 changes fail. A user-assigned identity (--identity <resource ID>; created when missing) gets them \
                 first and leaves no gap"
            ),
        ));
    }
    checks.push(Check::warn(
        "one way",
        format!("a cluster on a managed identity cannot go back to a service principal ({DOC_USE_MI})"),
    ));
    checks
}
