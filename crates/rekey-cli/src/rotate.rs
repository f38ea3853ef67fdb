//! `rekey rotate`: plan, confirm and run a zero-downtime rotation for one cluster or many, with the
//! core's engine (the app runs the very same).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use clap::Args;
use rekey_core::inventory::model::ExpiryBucket;
use rekey_core::inventory::{ClusterRow, RefreshOptions};
use rekey_core::paths::AppPaths;
use rekey_core::rotation::model::{CheckLevel, GroupResult, Outcome, Plan, Progress, StepStatus};
use rekey_core::rotation::{Mode, Options, Retire};
use rekey_core::settings::Settings;

use crate::cloud_args::CloudArgs;
use crate::error::CliError;
use crate::home;
use crate::output::{print_json, table};
use crate::scan::scan;

#[derive(Args, Debug)]
pub struct RotateArgs {
    /// A cluster by name or ARM ID; repeat for several.
    #[arg(long = "cluster", value_name = "NAME|ID")]
    clusters: Vec<String>,
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
    /// Show the plan and the pre-flight checks, change nothing.
    #[arg(long)]
    plan: bool,
    /// Do not ask for confirmation (production clusters included).
    #[arg(long)]
    yes: bool,
    /// Print the plan (with --plan) or the results as JSON.
    #[arg(long)]
    json: bool,
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
    let retire = args
        .retire_old
        .as_deref()
        .map(|r| {
            Retire::parse(r).ok_or_else(|| {
                CliError::usage(format!(
                    "--retire-old must be now, never or a duration such as 24h, not '{r}'"
                ))
            })
        })
        .transpose()?;
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

/// The clusters the arguments name: exact ARM IDs, or names (unique, any case).
fn chosen(args: &RotateArgs, rows: &[ClusterRow], mode: Mode) -> Result<Vec<String>, CliError> {
    let aad_mode = mode == Mode::Aad;
    let mut ids = Vec::new();
    for wanted in &args.clusters {
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

pub fn render_plan(plan: &Plan) -> String {
    let mut out = String::new();
    for problem in &plan.problems {
        out.push_str(&format!("✗ {}: {}\n", problem.name, problem.detail));
    }
    for group in &plan.groups {
        out.push_str(&format!(
            "\n{} ({}) — mode {}, new secret valid {} days, old secrets retired: {}{}\n",
            group.app_display_name.as_deref().unwrap_or("?"),
            group.app_id,
            group.mode.label(),
            group.lifetime_days,
            group.retire.label(),
            if group.blocked() { "  [BLOCKED]" } else { "" }
        ));
        for check in &group.checks {
            out.push_str(&format!(
                "  {} {}: {}\n",
                mark(check.level),
                check.name,
                check.detail
            ));
        }
        let rows: Vec<Vec<String>> = group
            .clusters
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.resource_group.clone(),
                    c.node_count.to_string(),
                    if c.production {
                        "production".into()
                    } else {
                        String::new()
                    },
                    if c.added_as_shared {
                        "shares the SP".into()
                    } else {
                        String::new()
                    },
                    if c.blocked() {
                        "blocked".into()
                    } else {
                        "ready".into()
                    },
                ]
            })
            .collect();
        out.push_str(&table(
            &["CLUSTER", "RESOURCE GROUP", "NODES", "TAG", "WHY", "PRE-FLIGHT"],
            &rows,
        ));
        out.push('\n');
        for c in &group.clusters {
            for check in c.checks.iter().filter(|c| c.level != CheckLevel::Ok) {
                out.push_str(&format!(
                    "  {} {}: {}: {}\n",
                    mark(check.level),
                    c.name,
                    check.name,
                    check.detail
                ));
            }
        }
        if !group.old_secrets.is_empty() {
            out.push_str("  old secrets: ");
            out.push_str(
                &group
                    .old_secrets
                    .iter()
                    .map(|o| {
                        format!(
                            "{} ({}…, on the {})",
                            o.key_id,
                            o.hint.as_deref().unwrap_or(""),
                            o.on
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            out.push('\n');
        }
        for role in &group.role_assignments {
            out.push_str(&format!(
                "  role to copy: {} at {}\n",
                role.role_definition_id, role.scope
            ));
        }
    }
    out
}

fn mark(level: CheckLevel) -> &'static str {
    match level {
        CheckLevel::Ok => "✓",
        CheckLevel::Warn => "!",
        CheckLevel::Block => "✗",
    }
}

/// Asks on the terminal; production clusters need their name typed.
fn confirm(plan: &Plan) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "rekey rotate changes Azure: confirm on a terminal, or add --yes (after reading --plan)",
        ));
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
    for name in plan.clusters_to_confirm() {
        let typed = ask(&format!(
            "{name} is a production cluster: type its name to go on: "
        ))?;
        if typed != name {
            return Err(CliError::usage(format!(
                "'{typed}' is not {name}: nothing was changed"
            )));
        }
    }
    let answer = ask("Rotate now? [y/N] ")?;
    if !matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes") {
        return Err(CliError::usage("cancelled: nothing was changed"));
    }
    Ok(())
}

/// Progress lines on stderr, one per step change (waiting lines at most every 10 s per cluster).
pub fn progress_printer(names: Vec<(String, String)>) -> Arc<dyn Fn(Progress) + Send + Sync> {
    let last_wait = Arc::new(std::sync::Mutex::new(
        std::collections::HashMap::<String, u64>::new(),
    ));
    Arc::new(move |p: Progress| {
        let who = p
            .cluster
            .as_ref()
            .and_then(|c| {
                names
                    .iter()
                    .find(|(id, _)| id.eq_ignore_ascii_case(c))
                    .map(|(_, n)| n.clone())
            })
            .unwrap_or_else(|| p.rotation_id.chars().take(8).collect());
        if p.status == StepStatus::Waiting {
            let mut seen = last_wait.lock().unwrap_or_else(|e| e.into_inner());
            let key = format!("{who}/{:?}", p.step);
            let tick = p.elapsed_ms / 10_000;
            if seen.get(&key) == Some(&tick) {
                return;
            }
            seen.insert(key, tick);
        }
        eprintln!(
            "[{who}] {}: {:?} {} ({:.1} s)",
            p.step.label(),
            p.status,
            p.detail,
            p.elapsed_ms as f64 / 1000.0
        );
    })
}

pub fn render_results(results: &[GroupResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "{} {} — {:?}{}{}\n",
            match r.outcome {
                Outcome::Succeeded | Outcome::RetirePending => "✓",
                _ => "✗",
            },
            r.rotation_id,
            r.outcome,
            r.new_key_id
                .as_ref()
                .map(|k| format!(", new key {k} ({}…)", r.new_hint.as_deref().unwrap_or("")))
                .unwrap_or_default(),
            r.retire_after
                .filter(|_| r.outcome == Outcome::RetirePending)
                .map(|t| format!(", old secrets removed after {}", t.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default(),
        ));
        if let Some(m) = &r.message {
            out.push_str(&format!("  {m}\n"));
        }
        if r.outcome == Outcome::Failed {
            out.push_str(&format!(
                "  retry: rekey rotations resume {id}   roll back: rekey rotations rollback {id}\n",
                id = r.rotation_id
            ));
        }
    }
    out
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
    let tenant = ids
        .iter()
        .find_map(|id| rows.iter().find(|r| r.id.eq_ignore_ascii_case(id)))
        .and_then(|r| r.tenant_id.clone());
    let actor = estate.actor_for(tenant.as_deref()).await;
    let options = options(&settings, mode, &args, actor)?;
    let rotator = estate.rotator(true).await?;
    let plan = rotator.plan(&ids, rows, &options).await;
    if args.plan {
        if args.json {
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
    if !args.yes {
        confirm(&plan)?;
    }
    let names: Vec<(String, String)> = plan
        .groups
        .iter()
        .flat_map(|g| g.clusters.iter().map(|c| (c.id.clone(), c.name.clone())))
        .collect();
    let results = rotator.run(&plan, options, Some(progress_printer(names))).await?;
    if args.json {
        print_json(&results)?;
    } else {
        print!("{}", render_results(&results));
    }
    let failed = results
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Succeeded | Outcome::RetirePending))
        .count();
    if failed > 0 || !plan.problems.is_empty() {
        return Err(CliError::Incomplete(format!(
            "{failed} of {} rotations did not finish; the clusters are on their old, working secrets",
            results.len()
        )));
    }
    Ok(())
}
