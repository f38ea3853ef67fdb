//! Pre-flight and plan: everything Rekey checks before it changes anything. Reads only.
//! Clusters that share a principal are put in one group (and added if the admin did not choose
//! them), because the principal's old secrets can go only once all of them are on the new one.

use std::collections::BTreeMap;

use super::cluster_checks::cluster_checks;
pub use super::cluster_checks::{principal_of, reimage};
use super::model::{Check, Mode, OldSecret, Options, Plan, PlanGroup, PlannedCluster, Retire};
use crate::auth::token::unverified_claims;
use crate::azure::arm::ClusterId;
use crate::azure::directory::DirectoryObject;
use crate::azure::models::ManagedCluster;
use crate::azure::CallError;
use crate::inventory::ClusterRow;
use crate::session::Session;

/// Built-in roles that may reset a cluster (Owner, Contributor); others may too, through custom
/// roles or groups, which only the reset itself can tell.
const WRITE_ROLES: [&str; 2] = [
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
];

fn old_secrets(app: Option<&DirectoryObject>, sp: Option<&DirectoryObject>) -> Vec<OldSecret> {
    let mut out = Vec::new();
    for (object, on) in [(app, "application"), (sp, "servicePrincipal")] {
        for c in object
            .map(|o| o.password_credentials.as_slice())
            .unwrap_or_default()
        {
            out.push(OldSecret {
                key_id: c.key_id.clone(),
                on: on.into(),
                hint: c.hint.clone(),
                end: c.end_date_time,
            });
        }
    }
    out
}

fn explain(e: &CallError) -> String {
    crate::error::IpcError::from(e).message
}

/// The object ID of whoever the session signs in as (the `oid` of its ARM token).
async fn caller_object_id(session: &Session) -> Option<String> {
    use secrecy::ExposeSecret;
    let token = session
        .arm
        .credential()
        .token(&session.arm.cloud().arm_scope())
        .await
        .ok()?;
    let claims = unverified_claims(token.token.expose_secret()).ok()?;
    claims.get("oid").and_then(|v| v.as_str()).map(str::to_string)
}

/// Plans the rotation of `chosen` (ARM IDs). `known` is the inventory (to find clusters that share
/// a principal); it may be empty. Nothing is changed in Azure.
pub async fn plan(session: &Session, chosen: &[String], known: &[ClusterRow], options: &Options) -> Plan {
    let mode = options.mode;
    let mut plan = Plan::default();
    // Group key: the principal's app ID (lowercase).
    let mut groups: BTreeMap<String, (Vec<PlannedCluster>, Vec<ManagedCluster>)> = BTreeMap::new();
    let mut seen: Vec<String> = Vec::new();
    let mut queue: Vec<(String, bool)> = chosen.iter().map(|c| (c.clone(), false)).collect();
    while let Some((raw, shared)) = queue.pop() {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(raw.trim())) {
            continue;
        }
        seen.push(raw.trim().to_string());
        let id = match ClusterId::parse(&raw) {
            Ok(id) => id,
            Err(e) => {
                plan.problems.push(Check::block(&raw, e.to_string()));
                continue;
            }
        };
        let cluster = match session.arm.get_cluster(&id).await {
            Ok(c) => c,
            Err(e) => {
                plan.problems.push(Check::block(&id.name, explain(&e)));
                continue;
            }
        };
        let (mut planned, principal) = cluster_checks(&cluster, mode);
        planned.added_as_shared = shared;
        let Ok(app_id) = principal else {
            if shared {
                continue;
            }
            // Not rotatable this way: shown as its own blocked group-less problem.
            let why = planned
                .checks
                .iter()
                .find(|c| c.name == "identity")
                .map(|c| c.detail.clone())
                .unwrap_or_default();
            plan.problems.push(Check::block(&cluster.name, why));
            continue;
        };
        // Clusters of the inventory that use the same principal join the group (secret and AAD
        // modes change the principal all of them use).
        if mode != Mode::NewSp {
            for row in known {
                let uses = match mode {
                    Mode::Aad => row.aad_server_app_id.as_deref(),
                    _ => row.sp_client_id.as_deref(),
                };
                if uses.is_some_and(|u| u.eq_ignore_ascii_case(&app_id))
                    && !seen.iter().any(|s| s.eq_ignore_ascii_case(&row.id))
                {
                    queue.push((row.id.clone(), true));
                }
            }
        }
        let entry = groups.entry(app_id.to_ascii_lowercase()).or_default();
        entry.0.push(planned);
        entry.1.push(cluster);
    }

    let caller = caller_object_id(session).await;
    let tenant = session.graph.directory().await.ok().flatten().unwrap_or_default();
    for (app_id, (mut clusters, resources)) in groups {
        clusters.sort_by(|a, b| a.name.cmp(&b.name));
        let mut checks = Vec::new();
        let app = session.graph.application(&app_id).await;
        let sp = session.graph.service_principal(&app_id).await;
        let (app, sp) = match (app, sp) {
            (Ok(app), Ok(sp)) => (app, sp),
            (Err(e), _) | (_, Err(e)) => {
                checks.push(Check::block("directory", directory_problem(&app_id, &e)));
                (None, None)
            }
        };
        if checks.is_empty() && app.is_none() && mode != Mode::NewSp {
            checks.push(Check::block(
                "application",
                format!(
                    "the application {app_id} is not in this directory (a principal of another tenant, or \
                     deleted): its secret cannot be rotated from here"
                ),
            ));
        } else if app.is_some() {
            checks.push(Check::ok(
                "application",
                "found; write access is confirmed by the first change (Graph has no dry run), and nothing is \
                 left behind if it is refused",
            ));
        }
        // ARM write access, from the caller's role assignments in each subscription.
        let subscriptions: Vec<String> = {
            let mut s: Vec<String> = clusters.iter().map(|c| c.subscription_id.clone()).collect();
            s.sort();
            s.dedup();
            s
        };
        for sub in &subscriptions {
            let check = match &caller {
                None => Check::warn("cluster write access", "unknown: the reset itself will tell"),
                Some(oid) => match session.arm.role_assignments_of(sub, oid).await {
                    Ok(roles) if roles.iter().any(|r| WRITE_ROLES.iter().any(|w| r.role_definition_id.ends_with(w))) => {
                        Check::ok("cluster write access", format!("Owner or Contributor on subscription {sub}"))
                    }
                    Ok(_) => Check::warn(
                        "cluster write access",
                        format!(
                            "no direct Owner or Contributor role on subscription {sub}: the reset may be refused \
                             (a group or custom role may still allow it)"
                        ),
                    ),
                    Err(e) => Check::warn(
                        "cluster write access",
                        format!("could not read your role assignments ({}); the reset itself will tell", explain(&e)),
                    ),
                },
            };
            checks.push(check);
        }
        let mut retire = options.retire;
        let shared_outside: Vec<String> = match mode {
            Mode::NewSp => known
                .iter()
                .filter(|r| {
                    r.sp_client_id
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(&app_id))
                })
                .filter(|r| !clusters.iter().any(|c| c.id.eq_ignore_ascii_case(&r.id)))
                .map(|r| r.name.clone())
                .collect(),
            _ => Vec::new(),
        };
        let blocked_shared: Vec<String> = clusters
            .iter()
            .filter(|c| c.blocked())
            .map(|c| c.name.clone())
            .collect();
        if retire != Retire::Never && (!shared_outside.is_empty() || !blocked_shared.is_empty()) {
            let others: Vec<String> = shared_outside.iter().chain(&blocked_shared).cloned().collect();
            checks.push(Check::warn(
                "old secrets kept",
                format!(
                    "{} still use(s) this principal and cannot be moved now, so its old secrets are kept (retire \
                     policy: never for this rotation)",
                    others.join(", ")
                ),
            ));
            retire = Retire::Never;
        }
        if clusters.iter().filter(|c| !c.blocked()).count() > 1 {
            checks.push(Check::ok(
                "shared principal",
                format!(
                    "{} clusters share it: one new secret for all, old secrets removed only after all are verified",
                    clusters.iter().filter(|c| !c.blocked()).count()
                ),
            ));
        }
        let role_assignments = if mode == Mode::NewSp {
            match &sp {
                Some(sp) => {
                    let mut all = Vec::new();
                    for sub in &subscriptions {
                        match session.arm.role_assignments_of(sub, &sp.id).await {
                            Ok(r) => all.extend(r),
                            Err(e) => checks.push(Check::warn(
                                "role assignments",
                                format!(
                                    "could not read the old principal's roles in {sub}: {}",
                                    explain(&e)
                                ),
                            )),
                        }
                    }
                    all
                }
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let app_id = app
            .as_ref()
            .map(|a| a.app_id.clone())
            .or_else(|| sp.as_ref().map(|s| s.app_id.clone()))
            .filter(|a| !a.is_empty())
            .unwrap_or(app_id);
        let app_display_name = app
            .as_ref()
            .and_then(|a| a.display_name.clone())
            .or_else(|| sp.as_ref().and_then(|s| s.display_name.clone()));
        let key_vault = match options.key_vault_for(&app_id) {
            Some(choice) => {
                let (copy, check) = super::key_vault::plan_copy(
                    session,
                    choice,
                    app_display_name.as_deref(),
                    &app_id,
                    caller.as_deref(),
                )
                .await;
                checks.push(check);
                copy
            }
            None => None,
        };
        let tenant_id = resources
            .first()
            .and_then(|c| known.iter().find(|r| r.id.eq_ignore_ascii_case(&c.id)))
            .and_then(|r| r.tenant_id.clone())
            .unwrap_or_else(|| tenant.clone());
        plan.groups.push(PlanGroup {
            rotation_id: uuid::Uuid::new_v4().to_string(),
            mode,
            tenant_id,
            app_id,
            app_display_name,
            clusters,
            old_secrets: old_secrets(app.as_ref(), sp.as_ref()),
            retire,
            lifetime_days: options.lifetime_days,
            role_assignments,
            checks,
            shared_outside,
            blocked_by: None,
            key_vault,
        });
    }
    plan.groups
        .sort_by(|a, b| a.app_display_name.cmp(&b.app_display_name));
    plan.with_verdicts()
}

/// Why the application could not be read, with advice that fits the cause: only a refusal (401,
/// 403) is about Graph permissions; an answer Rekey could not parse or an outage is not.
fn directory_problem(app_id: &str, e: &CallError) -> String {
    use crate::azure::AzureError;
    let said = explain(e);
    match e {
        CallError::Azure(AzureError::Api {
            status: 401 | 403, ..
        }) => format!(
            "Rekey cannot read the application {app_id} in Microsoft Graph: {said}. Rotating needs \
             Application.ReadWrite.All (or ownership of the app)."
        ),
        CallError::Azure(AzureError::Malformed { .. }) => format!(
            "Microsoft Graph's answer about the application {app_id} could not be read: {said}. This is \
             not a permissions problem; try again, and report it if it persists."
        ),
        _ => format!(
            "Microsoft Graph could not be asked about the application {app_id}: {said}. Try again later."
        ),
    }
}

#[cfg(test)]
#[path = "preflight_tests.rs"]
mod tests;
