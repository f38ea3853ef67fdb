//! AKS's check of a private cluster's custom private DNS zone before it changes the cluster's
//! identity (`apiServerAccessProfile.privateDNSZone` a zone's resource ID, not `system` or `none`).
//!
//! The rules and words, from Microsoft's own pages:
//! - only a service principal or a user-assigned identity may run such a cluster: "AKS doesn't
//!   support using a system-assigned managed identity with custom private DNS zone. The cluster
//!   must use user-assigned managed identity authentication" (docs aks/private-clusters,
//!   "Considerations for private DNS"); the identity holds Private DNS Zone Contributor on the
//!   zone (same page, "Configuration options for private DNS");
//! - "Before AKS runs a cluster create or update operation for a private cluster that uses a custom
//!   private DNS zone, it checks whether the cluster's managed identity or service principal has
//!   the required permissions to control the private DNS zone. If AKS doesn't find the necessary
//!   permissions, it blocks the operation": code `CustomPrivateDNSZoneMissingPermissionError`,
//!   message "Service principal or user-assigned identity must be given permission to read and
//!   write to custom private dns zone <id>. Check access result not allowed for action
//!   Microsoft.Network/privateDnsZones/read." (learn.microsoft.com/troubleshoot/azure/
//!   azure-kubernetes/error-codes/customprivatednszonemissingpermissions-error; the `…/write`
//!   variant quoted in Azure/Azure-Landing-Zones#2892). The check is RBAC's, so a role granted
//!   moments ago counts only once it has propagated ("It can take up to 60 minutes", same page).
//!
//! A system-assigned identity does not exist before the update, so it can never pass the check:
//! AKS's refusal is the same code and words, which name the two kinds of identity it accepts.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::rbac;
use crate::responses::arm_error;
use crate::state::{CredentialChange, ManagedCluster, World};

/// What AKS checks the identity may do on the zone, in the order it reports them.
const ZONE_ACTIONS: [&str; 2] = [
    "Microsoft.Network/privateDnsZones/read",
    "Microsoft.Network/privateDnsZones/write",
];

/// AKS's refusal of `change` on `cluster` at `now`, when the cluster has a custom private DNS zone
/// that the new identity may not read and write.
pub(super) fn refusal(
    world: &World,
    cluster: &ManagedCluster,
    change: &CredentialChange,
    now: DateTime<Utc>,
) -> Option<Response> {
    let zone = cluster.private_dns_zone.as_deref()?;
    let CredentialChange::ManagedIdentity {
        principal_id,
        user_assigned,
        ..
    } = change
    else {
        return None;
    };
    let missing = if user_assigned.is_none() {
        // Not an identity AKS accepts for the zone: nothing it could hold counts.
        ZONE_ACTIONS.first()
    } else {
        ZONE_ACTIONS
            .iter()
            .find(|action| !rbac::permits(world, *principal_id, action, zone, now))
    }?;
    Some(arm_error(
        StatusCode::BAD_REQUEST,
        "CustomPrivateDNSZoneMissingPermissionError",
        &format!("Service principal or user-assigned identity must be given permission to read and write to custom private dns zone {zone}. Check access result not allowed for action {missing}."),
    ))
}
