//! Running a plan of many groups, and going on with unfinished rotations. Groups run side by side;
//! the cluster resets of all groups share one bound (the concurrency setting), so fifty clusters
//! wait for their Azure operations together instead of one after the other.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;

use super::engine::{self, Context};
use super::journal;
use super::model::{GroupResult, Plan, PlanGroup};
use crate::session::Session;

/// Sessions by tenant ID (lowercase), for plans that span tenants.
pub type Sessions = HashMap<String, Arc<Session>>;

/// The context of a group of `tenant`: that tenant's own session, never another's. Without one the
/// group does not run (another tenant's login host must never see its secret, and another tenant's
/// Graph cannot see its application, which would make a retirement look done when it is not).
fn context_for(base: &Context, sessions: &Sessions, tenant: &str) -> Option<Context> {
    let session = sessions.get(&tenant.to_ascii_lowercase())?;
    let mut ctx = base.clone();
    ctx.session = session.clone();
    Some(ctx)
}

/// Why a group did not run: its tenant has no working session.
fn no_session(group: &PlanGroup) -> GroupResult {
    engine::failed_before_start(
        group,
        format!(
            "Sign in again to {}: no signed-in account works in that tenant now, and Rekey never runs a \
             rotation with another tenant's sign-in. Nothing was changed.",
            group.tenant_id
        ),
    )
}

/// Runs every group of `plan` that is not blocked. Results come back in plan order.
pub async fn run(base: &Context, sessions: &Sessions, plan: &Plan) -> Vec<GroupResult> {
    let runs = plan.groups.iter().filter(|g| !g.blocked()).map(|group| {
        let ctx = context_for(base, sessions, &group.tenant_id);
        let group = group.clone();
        async move {
            match ctx {
                Some(ctx) => engine::start(&ctx, group).await,
                None => no_session(&group),
            }
        }
    });
    futures_util::future::join_all(runs).await
}

/// Goes on with every rotation that needs it: unfinished ones, and those whose grace period for
/// retiring old secrets is over. With `only`, just that rotation (any state but finished).
pub async fn resume(
    base: &Context,
    sessions: &Sessions,
    only: Option<&str>,
) -> (Vec<GroupResult>, Vec<String>) {
    let (states, problems) = journal::list(&base.paths).await;
    let now = Utc::now();
    let due: Vec<_> = states.into_iter().filter(|s| s.wanted(only, now)).collect();
    let runs = due.iter().map(|s| {
        let ctx = context_for(base, sessions, &s.group.tenant_id);
        let g = &s.group;
        async move {
            match ctx {
                Some(ctx) => engine::resume(&ctx, &g.rotation_id).await,
                None => no_session(g),
            }
        }
    });
    (futures_util::future::join_all(runs).await, problems)
}
