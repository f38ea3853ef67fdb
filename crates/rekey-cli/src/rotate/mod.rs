//! `rekey rotate`: plan, confirm and run a zero-downtime rotation for one cluster or many, with the
//! core's engine (the app runs the very same).

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use rekey_core::inventory::model::ExpiryBucket;
use rekey_core::inventory::{ClusterRow, RefreshOptions};
use rekey_core::paths::AppPaths;
use rekey_core::rotation::az_terms::{self, AzScript};
use rekey_core::rotation::model::{Outcome, Plan};
use rekey_core::rotation::{Mode, Options};
use rekey_core::settings::Settings;

use crate::cloud_args::CloudArgs;
use crate::error::CliError;
use crate::home;
use crate::output::print_json;
use crate::plan_args::{retire_old, PlanArgs};
use crate::scan::scan;

mod render;
pub use render::{progress_printer, render_plan, render_results};

#[derive(Args, Debug)]
pub struct RotateArgs {
    #[command(flatten)]
    chosen: PlanArgs,
    /// Every cluster the mode can rotate (a service principal's; with --mode aad, a legacy AAD
    /// integration's) whose credentials expire within this many days (e.g. 30d), expired ones included.
    #[arg(long, value_name = "DAYS")]
    all_expiring_within: Option<String>,
    /// secret (a new secret for the existing principal), new-sp, or aad (legacy AAD server app).
    #[arg(long, default_value = "secret")]
    mode: String,
    /// Lifetime of the new secret, e.g. 180d (at most 730d). Default: the setting (180d).
    #[arg(long)]
    lifetime: Option<String>,
    /// When to remove the old secrets: now, a grace period such as 24h, or never. Default: the setting.
    #[arg(long)]
    retire_old: Option<String>,
    /// Clusters reset at the same time. Default: the setting (8).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Also write the new secret to this Azure key vault (name or ARM ID, see `rekey keyvaults`),
    /// read back before any cluster is reset. Default: each application's setting, if any.
    #[arg(long, value_name = "NAME|ID")]
    key_vault: Option<String>,
    /// With --key-vault: the secret's name in the vault. Default: `<application name>-secret`.
    #[arg(long, value_name = "NAME", requires = "key_vault")]
    key_vault_secret: Option<String>,
    /// With --plan: print what the rotation does as Azure CLI commands instead, step by step
    /// (shell variables where a secret goes; JSON with --json).
    #[arg(long, requires = "plan")]
    az: bool,
}

fn days(text: &str, what: &str) -> Result<u32, CliError> {
    let t = text.trim().trim_end_matches(['d', 'D']);
    t.parse::<u32>().map_err(|_| {
        CliError::usage(format!(
            "{what} must be a number of days such as 30d, not '{text}'"
        ))
    })
}

/// The options from the settings, then the command line.
pub fn options(
    settings: &Settings,
    mode: Mode,
    args: &RotateArgs,
    actor: String,
) -> Result<Options, CliError> {
    let lifetime = args
        .lifetime
        .as_deref()
        .map(|l| days(l, "--lifetime"))
        .transpose()?;
    let retire = retire_old(args.retire_old.as_deref())?;
    // Checked in core, as for the app; the CLI says it in its own flags' words.
    let mut options = Options::from_settings(settings, mode, actor)
        .with_overrides(lifetime, retire)
        .map_err(|_| {
            CliError::usage("--lifetime must be between 1d and 730d (Azure's limit is two years)")
        })?;
    if let Some(c) = args.concurrency {
        options.concurrency = c.clamp(1, 64);
    }
    Ok(options)
}

/// The clusters `wanted` names: exact ARM IDs, or names (unique, any case). `rekey migrate` too.
pub fn by_name(wanted: &[String], rows: &[ClusterRow]) -> Result<Vec<String>, CliError> {
    let mut ids = Vec::new();
    for wanted in wanted {
        if wanted.starts_with('/') {
            ids.push(wanted.clone());
            continue;
        }
        let matches: Vec<&ClusterRow> = rows
            .iter()
            .filter(|r| r.name.eq_ignore_ascii_case(wanted))
            .collect();
        match matches.as_slice() {
            [one] => ids.push(one.id.clone()),
            [] => {
                return Err(CliError::usage(format!(
                    "no cluster is named '{wanted}' (see `rekey clusters`)"
                )))
            }
            many => {
                return Err(CliError::usage(format!(
                    "several clusters are named '{wanted}'; give the ARM ID of one:\n  {}",
                    many.iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join("\n  ")
                )))
            }
        }
    }
    Ok(ids)
}

/// The clusters the arguments name: exact ARM IDs, or names (unique, any case).
fn chosen(args: &RotateArgs, rows: &[ClusterRow], mode: Mode) -> Result<Vec<String>, CliError> {
    let aad_mode = mode == Mode::Aad;
    let mut ids = by_name(&args.chosen.clusters, rows)?;
    if let Some(within) = &args.all_expiring_within {
        let limit = i64::from(days(within, "--all-expiring-within")?);
        for row in rows {
            let expiring = row.rotatable_in(aad_mode)
                && (row.expiry.bucket == ExpiryBucket::Expired
                    || row.expiry.days_left.is_some_and(|d| d <= limit));
            if expiring && !ids.iter().any(|i| i.eq_ignore_ascii_case(&row.id)) {
                ids.push(row.id.clone());
            }
        }
    }
    if ids.is_empty() {
        return Err(CliError::usage(
            "name at least one cluster (--cluster NAME) or use --all-expiring-within 30d",
        ));
    }
    Ok(ids)
}

/// Asks on the terminal; production clusters need their name typed.
fn confirm(plan: &Plan) -> Result<(), CliError> {
    let names: Vec<String> = plan
        .clusters_to_confirm()
        .into_iter()
        .map(str::to_string)
        .collect();
    confirm_typed(&names, "rotate", "Rotate now? [y/N] ")
}

/// Asks on the terminal (`command` names the command in the refusal): each of `names` typed, then
/// `question` answered yes. `rekey migrate` too.
pub fn confirm_typed(names: &[String], command: &str, question: &str) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "rekey {command} changes Azure: confirm on a terminal, or add --yes (after reading --plan)"
        )));
    }
    let stdin = std::io::stdin();
    let ask = |prompt: &str| -> Result<String, CliError> {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::usage(format!("could not read the answer: {e}")))?;
        Ok(line.trim().to_string())
    };
    for name in names {
        let typed = ask(&format!(
            "{name} is a production cluster: type its name to go on: "
        ))?;
        if typed != *name {
            return Err(CliError::usage(format!(
                "'{typed}' is not {name}: nothing was changed"
            )));
        }
    }
    let answer = ask(question)?;
    if !matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes") {
        return Err(CliError::usage("cancelled: nothing was changed"));
    }
    Ok(())
}

pub async fn run(args: RotateArgs, cloud: &CloudArgs) -> Result<(), CliError> {
    let mode = Mode::parse(&args.mode).ok_or_else(|| {
        CliError::usage(format!(
            "--mode must be secret, new-sp or aad, not '{}'",
            args.mode
        ))
    })?;
    let found = scan(cloud, RefreshOptions::default()).await?;
    let rows = &found.inventory.clusters;
    let ids = chosen(&args, rows, mode)?;
    let (settings, problem) = Settings::load(&AppPaths::resolve()?);
    if let Some(p) = problem {
        home::warn(&p.to_string());
    }
    let estate = &found.estate;
    let tenant = ClusterRow::tenant_of(&ids, rows);
    let actor = estate.actor_for(tenant.as_deref()).await;
    let mut options = options(&settings, mode, &args, actor)?;
    if let Some(wanted) = &args.key_vault {
        let found = estate.key_vaults().await?;
        options.key_vault = Some(crate::keyvaults::choose(
            &found,
            wanted,
            args.key_vault_secret.clone(),
        )?);
    }
    let rotator = estate.rotator(true).await?;
    let plan = rotator.plan(&ids, rows, &options).await;
    if args.chosen.plan && args.az {
        let now = chrono::Utc::now();
        let scripts: Vec<AzScript> = plan
            .groups
            .iter()
            .filter_map(|g| az_terms::script(g, now))
            .collect();
        if args.chosen.json {
            return print_json(&scripts);
        }
        for script in &scripts {
            print!("{}", script.text);
        }
        if scripts.is_empty() {
            eprintln!("Nothing in this plan can run: there are no commands to show.");
        }
        return Ok(());
    }
    if args.chosen.plan {
        if args.chosen.json {
            return print_json(&plan);
        }
        print!("{}", render_plan(&plan));
        return Ok(());
    }
    eprint!("{}", render_plan(&plan));
    if plan.runnable_groups().next().is_none() {
        return Err(CliError::Incomplete(
            "nothing can be rotated: see the pre-flight above".into(),
        ));
    }
    if !args.chosen.yes {
        confirm(&plan)?;
    }
    let names: Vec<(String, String)> = plan
        .groups
        .iter()
        .flat_map(|g| g.clusters.iter().map(|c| (c.id.clone(), c.name.clone())))
        .collect();
    let results = rotator.run(&plan, options, Some(progress_printer(names))).await?;
    if args.chosen.json {
        print_json(&results)?;
    } else {
        print!("{}", render_results(&results));
    }
    let failed = results
        .iter()
        .filter(|r| {
            !matches!(
                r.outcome,
                Outcome::Succeeded | Outcome::RetirePending | Outcome::RetireHeld
            )
        })
        .count();
    if failed > 0 || !plan.problems.is_empty() {
        return Err(CliError::Incomplete(format!(
            "{failed} of {} rotations did not finish; the clusters are on their old, working secrets",
            results.len()
        )));
    }
    Ok(())
}
