//! `rekey rotations list|resume|rollback`: the journal's rotations, and going on with unfinished
//! ones after a crash (or when a grace period for retiring old secrets is over).

use clap::Subcommand;
use rekey_core::paths::AppPaths;
use rekey_core::rotation::engine::HoldAnswer;
use rekey_core::rotation::model::Outcome;
use rekey_core::rotation::service;
use rekey_core::rotation::{Mode, Options, Retire};
use rekey_core::settings::Settings;

use crate::error::CliError;
use crate::home;
use crate::output::{print_json, table};
use crate::rotate::{progress_printer, render_results};

#[derive(Subcommand, Debug)]
pub enum RotationsCommand {
    /// Every rotation in the journal, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Finish unfinished rotations (after a crash, a failure, or when old secrets are due to go).
    Resume {
        /// Only this rotation.
        id: Option<String>,
    },
    /// Remove the unused new secret of a failed rotation (refused once a cluster was sent it).
    Rollback { id: String },
    /// Retire the old secrets of a held (or pending) retirement now, even if something still uses them.
    RetireAnyway { id: String },
    /// Wait longer before a held (or pending) retirement is looked at again.
    Extend {
        id: String,
        /// How much longer, e.g. 24h or 2d (1h to 30d).
        #[arg(long, value_name = "DURATION")]
        by: String,
    },
}

pub async fn run(command: RotationsCommand) -> Result<(), CliError> {
    let paths = AppPaths::resolve()?;
    match command {
        RotationsCommand::List { json } => {
            let (list, problems) = service::list(&paths).await;
            for p in &problems {
                home::warn(p);
            }
            if json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|r| {
                    vec![
                        r.rotation_id.clone(),
                        r.started.format("%Y-%m-%d %H:%M").to_string(),
                        r.mode.label().to_string(),
                        r.cluster_names.join(","),
                        match r.outcome {
                            None => "unfinished".into(),
                            Some(o) => format!("{o:?}"),
                        },
                        r.new_key_id.clone().unwrap_or_default(),
                        r.last_failure.clone().unwrap_or_default(),
                        r.key_vault.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            println!(
                "{}",
                table(
                    &[
                        "ROTATION",
                        "STARTED",
                        "MODE",
                        "CLUSTERS",
                        "STATE",
                        "NEW KEY",
                        "LAST FAILURE",
                        "KEY VAULT"
                    ],
                    &rows
                )
            );
            for r in &list {
                if let Some(hold) = &r.hold {
                    println!("\n{}: {hold}", r.rotation_id);
                    println!(
                        "  retire anyway: rekey rotations retire-anyway {id}   wait longer: rekey rotations extend {id} --by 24h",
                        id = r.rotation_id
                    );
                }
                if let Some(why) = r.usage_unknown.as_ref().filter(|_| r.outcome.is_some()) {
                    println!("\n{}: retired by policy, {why}", r.rotation_id);
                }
            }
            Ok(())
        }
        RotationsCommand::Resume { id } => {
            // In demo mode the estate's rotations are this command's own (none): nothing to resume.
            let estate = home::estate().await?;
            let (settings, _) = Settings::load(&paths);
            let actor = estate.actor_for(None).await;
            let rotator = estate.rotator(true).await?;
            let options = Options::from_settings(&settings, Mode::Secret, actor);
            let (results, problems) = rotator
                .resume(options, Some(progress_printer(Vec::new())), id.as_deref())
                .await?;
            for p in &problems {
                home::warn(p);
            }
            if results.is_empty() {
                println!("Nothing to resume.");
                return Ok(());
            }
            print!("{}", render_results(&results));
            let failed = results
                .iter()
                .filter(|r| {
                    !matches!(
                        r.outcome,
                        Outcome::Succeeded
                            | Outcome::RetirePending
                            | Outcome::RetireHeld
                            | Outcome::RolledBack
                    )
                })
                .count();
            if failed > 0 {
                return Err(CliError::Incomplete(format!(
                    "{failed} rotation(s) did not finish"
                )));
            }
            Ok(())
        }
        RotationsCommand::RetireAnyway { id } => answer(&paths, &id, HoldAnswer::RetireAnyway).await,
        RotationsCommand::Extend { id, by } => {
            let hours = match Retire::parse(&by) {
                Some(Retire::After { hours }) if (1..=720).contains(&hours) => hours,
                _ => {
                    return Err(CliError::usage(format!(
                        "--by must be a duration from 1h to 30d, such as 24h or 2d, not '{by}'"
                    )))
                }
            };
            answer(&paths, &id, HoldAnswer::Extend { hours }).await
        }
        RotationsCommand::Rollback { id } => {
            let estate = home::estate().await?;
            let (settings, _) = Settings::load(&paths);
            let rotator = estate.rotator(true).await?;
            let options = Options::from_settings(&settings, Mode::Secret, estate.actor_for(None).await);
            let result = rotator.roll_back(options, &id).await?;
            print!("{}", render_results(std::slice::from_ref(&result)));
            if result.outcome != Outcome::RolledBack {
                return Err(CliError::Incomplete("the rotation was not rolled back".into()));
            }
            Ok(())
        }
    }
}

/// The admin's answer to a waiting retirement, given to the engine; its result printed.
async fn answer(paths: &AppPaths, id: &str, answer: HoldAnswer) -> Result<(), CliError> {
    let estate = home::estate().await?;
    let (settings, _) = Settings::load(paths);
    let rotator = estate.rotator(true).await?;
    let options = Options::from_settings(&settings, Mode::Secret, estate.actor_for(None).await);
    let result = rotator.answer_hold(options, id, answer).await?;
    print!("{}", render_results(std::slice::from_ref(&result)));
    if result.outcome == Outcome::Failed {
        return Err(CliError::Incomplete("nothing was changed".into()));
    }
    Ok(())
}
