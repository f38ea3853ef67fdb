//! Running a plan of many groups, and going on with unfinished rotations. Groups run side by side;
//! the cluster resets of all groups share one bound (the concurrency setting), so fifty clusters
//! wait for their Azure operations together instead of one after the other.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;

use super::engine::{self, Context};
use super::journal;
use super::model::{GroupResult, Outcome, Plan};
use crate::session::Session;

/// Sessions by tenant ID (lowercase), for plans that span tenants.
pub type Sessions = HashMap<String, Arc<Session>>;

fn context_for(base: &Context, sessions: &Sessions, tenant: &str) -> Context {
    let mut ctx = base.clone();
    if let Some(session) = sessions.get(&tenant.to_ascii_lowercase()) {
        ctx.session = session.clone();
    }
    ctx
}

/// Runs every group of `plan` that is not blocked. Results come back in plan order.
pub async fn run(base: &Context, sessions: &Sessions, plan: &Plan) -> Vec<GroupResult> {
    let runs = plan.groups.iter().filter(|g| !g.blocked()).map(|group| {
        let ctx = context_for(base, sessions, &group.tenant_id);
        let group = group.clone();
        async move { engine::start(&ctx, group).await }
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
    let due: Vec<_> = states
        .into_iter()
        .filter(|s| match only {
            Some(id) => s.group.rotation_id.eq_ignore_ascii_case(id),
            None => match s.finished {
                None => true,
                Some(Outcome::RetirePending) => s.retire_after.is_none_or(|t| t <= now),
                Some(_) => false,
            },
        })
        .collect();
    let runs = due.iter().map(|s| {
        let ctx = context_for(base, sessions, &s.group.tenant_id);
        let id = s.group.rotation_id.clone();
        async move { engine::resume(&ctx, &id).await }
    });
    (futures_util::future::join_all(runs).await, problems)
}
