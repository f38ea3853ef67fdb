//! `rekey rotations list|resume|rollback`: the journal's rotations, and going on with unfinished
//! ones after a crash (or when a grace period for retiring old secrets is over).

use clap::Subcommand;
use rekey_core::paths::AppPaths;
use rekey_core::rotation::model::Outcome;
use rekey_core::rotation::service;
use rekey_core::rotation::{Mode, Options};
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
                        "LAST FAILURE"
                    ],
                    &rows
                )
            );
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
                        Outcome::Succeeded | Outcome::RetirePending | Outcome::RolledBack
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
