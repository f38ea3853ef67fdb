//! `rekey migrate`: move service-principal clusters to a managed identity with the core's plan and
//! engine — the roles granted first, the cluster updated, each node pool's image upgraded, the old
//! principal's secrets retired last — confirmed, journaled and resumable like `rekey rotate`.

use std::sync::Arc;

use clap::Args;
use rekey_core::inventory::{ClusterRow, RefreshOptions};
use rekey_core::migration::engine::MoveSink;
use rekey_core::migration::service::{self, Timing};
use rekey_core::migration::{IdentityRequest, MoveOutcome, PlanOptions};
use rekey_core::paths::AppPaths;
use rekey_core::rotation::Retire;
use rekey_core::settings::Settings;

use crate::cloud_args::CloudArgs;
use crate::error::CliError;
use crate::home;
use crate::output::print_json;
use crate::plan_args::{retire_old, PlanArgs};
use crate::rotate::{by_name, confirm_typed};
use crate::scan::scan;

mod az;
mod render;

#[derive(Args, Debug)]
#[command(after_help = "\
What happens, in order (each step journaled; `rekey migrate --resume` goes on after a crash):
  1. the user-assigned identity is found or created (none for system-assigned);
  2. the roles the control-plane identity needs (custom subnet, route table, private DNS zone) are
     granted, and Rekey waits until Azure lists them;
  3. the cluster is updated to the managed identity (its model read and PUT back, as
     `az aks update --enable-managed-identity` does) and verified: clientId is \"msi\";
  4. the kubelet identity gets AcrPull on each attached registry;
  5. each node pool's image is upgraded (its nodes are re-imaged: the kubelet leaves the service
     principal only then), pool by pool;
  6. the old principal's secrets are retired by --retire-old (never while another cluster uses it);
     with --delete-principal, then its role assignments for the cluster and its application.
A failure at any step leaves the cluster working on what it had. There is no way back: AKS does not
move a cluster from a managed identity to a service principal.

Exit codes: 0 every move finished; 1 a move failed, nothing could move (see the plan) or the input was
refused (nothing changed then); 2 the command line could not be parsed.")]
pub struct MigrateArgs {
    #[command(flatten)]
    chosen: PlanArgs,
    /// `system`, or a user-assigned identity's resource ID (created when it does not exist).
    /// Default: system-assigned, or for a cluster on custom networking a new user-assigned
    /// `<cluster>-identity` in its resource group, whose roles can be granted before the update.
    #[arg(long, value_name = "system|ID")]
    identity: Option<String>,
    /// When to remove the old principal's secrets once every pool is moved: now, a grace period
    /// such as 24h, or never. Default: the setting. A principal other clusters use keeps them.
    #[arg(long)]
    retire_old: Option<String>,
    /// After its secrets, delete the old principal's application (and so the principal) and its
    /// role assignments for this cluster — only where no other cluster uses it and it holds no
    /// other role. Entra ID keeps it among deleted items for 30 days.
    #[arg(long)]
    delete_principal: bool,
    #[command(flatten)]
    az: az::AzArgs,
    /// Go on with unfinished moves (and retire secrets whose grace period is over).
    #[arg(long, conflicts_with_all = ["clusters", "plan", "identity"])]
    resume: bool,
}

fn progress() -> MoveSink {
    Arc::new(|p| {
        eprintln!("  {} · {} · {:?} {}", p.cluster, p.step, p.status, p.detail);
    })
}

pub async fn run(args: MigrateArgs, cloud: &CloudArgs) -> Result<(), CliError> {
    if args.resume {
        return resume(&args).await;
    }
    if args.chosen.clusters.is_empty() {
        return Err(CliError::usage(
            "name at least one cluster: rekey migrate --cluster NAME",
        ));
    }
    let identity = args
        .identity
        .as_deref()
        .map(|i| IdentityRequest::parse(i).map_err(|e| CliError::usage(format!("--identity: {e}"))))
        .transpose()?;
    let (settings, problem) = Settings::load(&AppPaths::resolve()?);
    if let Some(p) = problem {
        home::warn(&p.to_string());
    }
    let retire = retire_old(args.retire_old.as_deref())?.unwrap_or_else(|| Retire::from_settings(&settings));
    let found = scan(cloud, RefreshOptions::default()).await?;
    let rows = &found.inventory.clusters;
    let ids = by_name(&args.chosen.clusters, rows)?;
    let estate = &found.estate;
    let tenant = ClusterRow::tenant_of(&ids, rows);
    let actor = estate.actor_for(tenant.as_deref()).await;
    // No secret is created: the audit log is all the vault is for.
    let rotator = estate.rotator(false).await?;
    let plan = service::plan_moves(
        &rotator,
        &ids,
        rows,
        &PlanOptions {
            identity,
            retire,
            delete_principal: args.delete_principal,
        },
    )
    .await;
    if args.chosen.plan && args.az.az {
        return az::print(&plan, args.chosen.json);
    }
    if args.chosen.plan {
        if args.chosen.json {
            return print_json(&plan);
        }
        print!("{}", render::plan(&plan));
        return Ok(());
    }
    eprint!("{}", render::plan(&plan));
    if plan.runnable().next().is_none() {
        return Err(CliError::Incomplete(
            "no cluster can move: see the checks above; nothing was changed".into(),
        ));
    }
    if !args.chosen.yes {
        confirm_typed(
            &plan.to_confirm(),
            "migrate",
            "Move to a managed identity now? It cannot be undone. [y/N] ",
        )?;
    }
    let results = service::run_moves(&rotator, &plan, &actor, Some(progress()), Timing::default()).await?;
    finish(
        &args,
        &results,
        plan.problems.len() + plan.clusters.iter().filter(|c| c.blocked()).count(),
    )
}

async fn resume(args: &MigrateArgs) -> Result<(), CliError> {
    let estate = home::estate().await?;
    let rotator = estate.rotator(false).await?;
    let (results, problems) = service::resume_moves(&rotator, Some(progress()), Timing::default()).await;
    for p in &problems {
        home::warn(p);
    }
    if results.is_empty() && problems.is_empty() {
        println!("Nothing to resume.");
        return Ok(());
    }
    finish(args, &results, problems.len())
}

fn finish(
    args: &MigrateArgs,
    results: &[rekey_core::migration::MoveResult],
    blocked: usize,
) -> Result<(), CliError> {
    if args.chosen.json {
        print_json(&results)?;
    } else {
        print!("{}", render::results(results));
    }
    let failed = results
        .iter()
        .filter(|r| r.outcome == MoveOutcome::Failed)
        .count();
    if failed > 0 {
        return Err(CliError::Incomplete(format!(
            "{failed} of {} moves did not finish; each cluster works on what it had. Run `rekey migrate --resume` \
             to go on from the last step",
            results.len()
        )));
    }
    if blocked > 0 {
        return Err(CliError::Incomplete(format!(
            "{blocked} cluster(s) could not move: see the plan"
        )));
    }
    Ok(())
}
