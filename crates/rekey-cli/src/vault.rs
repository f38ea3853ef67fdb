//! `rekey vault …`: the secrets Rekey created, kept in the OS keyring. List them (never a value),
//! copy one to the clipboard, show one on the terminal, delete one. Every copy, reveal and delete
//! goes to the audit log, with who did it and without the value.

use std::collections::BTreeSet;

use clap::{Args, Subcommand};
use rekey_core::azure::reports::{LastUsed, CAVEAT};
use rekey_core::clipboard::{ClearOutcome, HOLD};
use rekey_core::error::IpcError;
use rekey_core::estate::Estate;
use rekey_core::vault::presence::{self, Reading};
use rekey_core::vault::{AzurePresence, Vault, VaultEntry, VaultRow};
use secrecy::ExposeSecret;

use crate::error::CliError;
use crate::home;
use crate::output::{print_json, table};
use crate::terminal::Terminal;

#[derive(Subcommand, Debug)]
pub enum VaultCommand {
    /// List the stored secrets (never their values): app, hint, expiry, the clusters each was given
    /// to, and whether the keyring and Azure still have it.
    List(ListArgs),
    /// Copy a secret to the clipboard. The command stays running, serving the clipboard, until the
    /// secret is cleared 30 s later (or something else is copied); Ctrl-C clears it at once.
    Copy(KeyArg),
    /// Show a secret on the terminal (never on stdout), after you confirm there.
    Reveal(KeyArg),
    /// Delete a secret from the keyring and the vault index. Asks first when clusters were given
    /// the secret and Azure still has its credential.
    Delete(DeleteArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print JSON (one object per secret, no values) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct KeyArg {
    /// The secret's key ID (as `rekey vault list` shows it), or its first six or more characters.
    key_id: String,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    key: KeyArg,
    /// Delete without asking, even when clusters may still use the secret.
    #[arg(long, short = 'y')]
    yes: bool,
}

pub async fn run(command: VaultCommand) -> Result<(), CliError> {
    // The keyring first: without it nothing here works, and the error says how to fix it.
    let estate = home::estate().await?;
    let vault = estate.saved_vault().await.map_err(CliError::Ipc)?;
    let estate = &estate;
    match command {
        VaultCommand::List(args) => list(&vault, estate, args).await,
        VaultCommand::Copy(key) => copy(&vault, estate, &key.key_id).await,
        VaultCommand::Reveal(key) => reveal(&vault, estate, &key.key_id).await,
        VaultCommand::Delete(args) => delete(&vault, estate, &args.key.key_id, args.yes).await,
    }
}

/// Who the audit log names: the signed-in account of the secret's tenant, or the OS user.
async fn actor(estate: &Estate, entry: &VaultEntry) -> String {
    estate.actor_for(Some(&entry.tenant_id)).await
}

async fn list(vault: &Vault, estate: &Estate, args: ListArgs) -> Result<(), CliError> {
    let rows = if vault.entries().await?.is_empty() {
        Vec::new()
    } else {
        home::say_demo(estate).await;
        estate.rows_of(vault).await.map_err(CliError::Ipc)?
    };
    if args.json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        println!("The vault is empty: Rekey keeps here the secrets its rotations create.");
        return Ok(());
    }
    println!("{}", render(&rows));
    let reasons: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.in_azure == AzurePresence::Unknown)
        .filter_map(|r| r.azure_problem.as_deref())
        .collect();
    for reason in reasons {
        eprintln!("unknown in Azure: {reason}");
    }
    let usage: BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| match &r.last_used {
            Some(LastUsed::Unknown { reason }) => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    for reason in usage {
        eprintln!("last used {reason}");
    }
    if rows
        .iter()
        .any(|r| matches!(r.last_used, Some(LastUsed::At { .. })))
    {
        eprintln!("last used: {CAVEAT}.");
    }
    Ok(())
}

fn render(rows: &[VaultRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.entry.key_id.clone(),
                r.entry.app_label().to_string(),
                r.entry.hint.clone().unwrap_or_default(),
                expires_label(&r.entry),
                clusters_label(&r.entry),
                if r.in_keyring { "yes" } else { "MISSING" }.to_string(),
                match r.in_azure {
                    AzurePresence::Present => "present",
                    AzurePresence::Removed => "removed",
                    AzurePresence::Unknown => "unknown",
                }
                .to_string(),
                r.last_used.as_ref().map_or("-".to_string(), LastUsed::label),
                r.entry
                    .key_vault
                    .as_ref()
                    .map_or("-".to_string(), |k| format!("{}/{}", k.vault_name, k.secret_name)),
            ]
        })
        .collect();
    table(
        &[
            "KEY ID",
            "APP",
            "HINT",
            "EXPIRES",
            "CLUSTERS",
            "IN KEYRING",
            "IN AZURE",
            "LAST USED",
            "ALSO IN KEY VAULT",
        ],
        &cells,
    )
}

fn expires_label(entry: &VaultEntry) -> String {
    match entry.expires {
        Some(at) => {
            let days = (at - chrono::Utc::now()).num_days();
            if at < chrono::Utc::now() {
                format!("{} (expired {} d ago)", at.format("%Y-%m-%d"), -days)
            } else {
                format!("{} ({days} d)", at.format("%Y-%m-%d"))
            }
        }
        None => "never".into(),
    }
}

/// The clusters' names (the last part of each ARM ID).
fn cluster_names(entry: &VaultEntry) -> Vec<&str> {
    entry
        .clusters
        .iter()
        .map(|id| id.rsplit('/').find(|s| !s.is_empty()).unwrap_or(id))
        .collect()
}

fn clusters_label(entry: &VaultEntry) -> String {
    if entry.clusters.is_empty() {
        "-".into()
    } else {
        cluster_names(entry).join(",")
    }
}

/// "the secret 1a2b… (app, hint abc)", to name a secret in messages.
fn describe(entry: &VaultEntry) -> String {
    let hint = entry
        .hint
        .as_deref()
        .map(|h| format!(", hint {h}"))
        .unwrap_or_default();
    format!("the secret {} ({}{hint})", entry.key_id, entry.app_label())
}

async fn copy(vault: &Vault, estate: &Estate, key: &str) -> Result<(), CliError> {
    let entry = vault.find(key).await?;
    let actor = actor(estate, &entry).await;
    // Listening before the secret is on the clipboard: a Ctrl-C from now on clears it.
    let mut stop = Stop::listen()?;
    let (entry, guard) = vault.copy(&entry.key_id, &actor, HOLD).await?;
    println!(
        "Copied {} to the clipboard. It is cleared in {} s unless you copy something else meanwhile; \
         keep this command running until then (Ctrl-C clears it now).",
        describe(&entry),
        HOLD.as_secs()
    );
    let clear_now = guard.clear_handle();
    let mut waiting = tokio::task::spawn_blocking(move || guard.wait());
    let outcome = tokio::select! {
        outcome = &mut waiting => outcome,
        () = stop.next() => {
            clear_now.clear();
            waiting.await
        }
    }
    .unwrap_or_else(|e| ClearOutcome::Failed(e.to_string()));
    match outcome {
        ClearOutcome::Cleared => {
            println!("The clipboard was cleared.");
            Ok(())
        }
        ClearOutcome::Replaced => {
            println!("Something else was copied since; the clipboard was left alone.");
            Ok(())
        }
        ClearOutcome::Failed(detail) => Err(CliError::Ipc(IpcError::new(
            "clipboard_not_cleared",
            format!(
                "The secret may still be on the clipboard: clearing it failed ({detail}). Copy \
                 something else to replace it."
            ),
        ))),
    }
}

/// Ctrl-C, and on Unix the signals a closing terminal or `kill` send: each ends a copy early,
/// clearing the clipboard first.
struct Stop {
    #[cfg(unix)]
    signals: [tokio::signal::unix::Signal; 3],
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Stop {
    fn listen() -> Result<Stop, CliError> {
        let failed = |e: std::io::Error| {
            CliError::Ipc(IpcError::new(
                "signals",
                format!("Could not listen for Ctrl-C, so a copy could not be ended safely: {e}"),
            ))
        };
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Stop {
                signals: [
                    signal(SignalKind::interrupt()).map_err(failed)?,
                    signal(SignalKind::terminate()).map_err(failed)?,
                    signal(SignalKind::hangup()).map_err(failed)?,
                ],
            })
        }
        #[cfg(windows)]
        {
            Ok(Stop {
                ctrl_c: tokio::signal::windows::ctrl_c().map_err(failed)?,
            })
        }
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let [interrupt, terminate, hangup] = &mut self.signals;
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
                _ = hangup.recv() => {}
            }
        }
        #[cfg(windows)]
        {
            let _ = self.ctrl_c.recv().await;
        }
    }
}

async fn reveal(vault: &Vault, estate: &Estate, key: &str) -> Result<(), CliError> {
    let entry = vault.find(key).await?;
    let Some(mut terminal) = Terminal::open() else {
        return Err(CliError::usage(
            "`rekey vault reveal` shows a secret on a terminal only, and this command has none \
             (it never writes a secret to stdout or a pipe). Run it in a terminal, or use `rekey \
             vault copy` in a desktop session",
        ));
    };
    let question = format!(
        "Show {} on this terminal? Anyone who can see your screen will see it.",
        describe(&entry)
    );
    if !terminal.confirm(&question).map_err(terminal_error)? {
        return Err(CliError::Ipc(IpcError::new(
            "cancelled",
            "Not revealed: you did not confirm.",
        )));
    }
    let actor = actor(estate, &entry).await;
    let (_, secret) = vault.reveal(&entry.key_id, &actor).await?;
    terminal
        .write(secret.expose_secret())
        .and_then(|()| {
            terminal.write("\n(The secret is on your screen and in its scrollback; clear them when done.)\n")
        })
        .map_err(terminal_error)?;
    Ok(())
}

fn terminal_error(e: std::io::Error) -> CliError {
    CliError::Ipc(IpcError::new(
        "terminal",
        format!("The terminal could not be used: {e}"),
    ))
}

async fn delete(vault: &Vault, estate: &Estate, key: &str, yes: bool) -> Result<(), CliError> {
    let entry = vault.find(key).await?;
    let names = cluster_names(&entry);
    if !names.is_empty() {
        home::say_demo(estate).await;
        let found =
            presence::check_reachable(estate, std::slice::from_ref(&entry), Reading::PresenceOnly).await;
        let (in_azure, problem) = found
            .get(&entry.key_id.to_ascii_lowercase())
            .map_or((AzurePresence::Unknown, None), |s| {
                (s.in_azure, s.problem.clone())
            });
        let still = match in_azure {
            AzurePresence::Removed => None,
            AzurePresence::Present => Some("Azure still has its credential".to_string()),
            AzurePresence::Unknown => Some(format!(
                "Rekey could not check whether Azure still has its credential ({})",
                problem.as_deref().unwrap_or("no answer")
            )),
        };
        if let Some(still) = still {
            eprintln!(
                "warning: {} was given to {} cluster{} ({}), and {still}. A cluster may still be \
                 using it: once it is deleted Rekey has no copy left, and changing that cluster's \
                 credential again means rotating it.",
                describe(&entry),
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
            );
            if !yes {
                let Some(mut terminal) = Terminal::open() else {
                    return Err(CliError::usage(
                        "not deleted: there is no terminal to confirm on; run it again with --yes to \
                         delete it anyway",
                    ));
                };
                if !terminal.confirm("Delete it anyway?").map_err(terminal_error)? {
                    return Err(CliError::Ipc(IpcError::new(
                        "cancelled",
                        "Not deleted: you did not confirm.",
                    )));
                }
            }
        }
    }
    let actor = actor(estate, &entry).await;
    let deleted = vault.delete(&entry.key_id, &actor).await?;
    println!(
        "Deleted {} from the keyring and the vault index.",
        describe(&deleted)
    );
    Ok(())
}
