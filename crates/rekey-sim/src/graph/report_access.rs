//! Who may read the sign-in activity reports (`/beta/reports/appCredentialSignInActivities`,
//! `…/servicePrincipalSignInActivities`), as their Graph docs say: the permission `AuditLog.Read.All`
//! (or the higher `Directory.Read.All`), application or delegated; for delegated access the person
//! also holds a supported Entra role (Reports Reader, Security Reader, Security Administrator, Global
//! Reader; Global Administrator per the Usage and insights docs); and the tenant has Entra ID P1/P2.
//! microsoft-graph-docs-contrib `api-reference/beta/api/reportroot-list-appcredentialsigninactivities.md`,
//! entra-docs `docs/identity/monitoring-health/concept-usage-insights-report.md`.

use super::auth::Caller;
use super::errors::GraphError;
use crate::state::World;

/// Permissions that read the reports (the least privileged first).
const PERMISSIONS: &[&str] = &["AuditLog.Read.All", "Directory.Read.All"];

/// Entra roles with which a person may read them through a delegated token.
const READER_ROLES: &[&str] = &[
    "Reports Reader",
    "Security Reader",
    "Security Administrator",
    "Global Reader",
    "Global Administrator",
];

/// The permission first (Graph checks the token's grants before the service runs), then the
/// tenant's licence, then a person's directory role.
pub fn authorize(world: &World, caller: &Caller) -> Result<(), GraphError> {
    if !PERMISSIONS
        .iter()
        .any(|p| world.has_graph_permission(caller.object_id, p))
    {
        return Err(GraphError::forbidden());
    }
    let premium = world
        .tenants
        .iter()
        .find(|t| t.id == caller.tenant_id)
        .is_some_and(|t| t.premium);
    if !premium {
        return Err(GraphError::non_premium_tenant());
    }
    let is_person = world.users.iter().any(|u| u.object_id == caller.object_id);
    let has_role = world.directory_roles.iter().any(|r| {
        r.tenant_id == caller.tenant_id
            && r.principal_id == caller.object_id
            && READER_ROLES.iter().any(|role| role.eq_ignore_ascii_case(&r.role))
    });
    if is_person && !has_role {
        return Err(GraphError::forbidden());
    }
    Ok(())
}
