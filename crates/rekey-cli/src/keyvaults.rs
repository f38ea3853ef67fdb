//! `rekey keyvaults`: the Azure key vaults a rotation can also write its new secret to, and the
//! `--key-vault NAME|ID` choice of `rekey rotate` resolved against them.

use clap::Args;
use rekey_core::estate::key_vaults::KeyVaults;
use rekey_core::rotation::key_vault::KeyVaultChoice;

use crate::error::CliError;
use crate::home;
use crate::output::{print_json, table};

#[derive(Args, Debug)]
pub struct KeyVaultsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: KeyVaultsArgs) -> Result<(), CliError> {
    let estate = home::estate().await?;
    home::say_demo(&estate).await;
    let found = estate.key_vaults().await?;
    for p in &found.problems {
        home::warn(p);
    }
    if args.json {
        return print_json(&found.vaults);
    }
    if found.vaults.is_empty() {
        println!("No key vault can be seen with the signed-in accounts.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = found
        .vaults
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                v.resource_group.clone(),
                v.location.clone(),
                if v.rbac { "Azure RBAC" } else { "access policies" }.to_string(),
                v.vault_uri.clone(),
            ]
        })
        .collect();
    println!(
        "{}",
        table(
            &["NAME", "RESOURCE GROUP", "LOCATION", "PERMISSIONS", "URI"],
            &rows
        )
    );
    Ok(())
}

/// The vault `wanted` names (its ARM ID, or a name that is unique among `found`), with `secret` as
/// the secret's name (none: one per application).
pub fn choose(found: &KeyVaults, wanted: &str, secret: Option<String>) -> Result<KeyVaultChoice, CliError> {
    let matches: Vec<_> = found
        .vaults
        .iter()
        .filter(|v| v.id.eq_ignore_ascii_case(wanted) || v.name.eq_ignore_ascii_case(wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(KeyVaultChoice {
            vault_id: one.id.clone(),
            secret_name: secret,
        }),
        [] => Err(CliError::usage(format!(
            "no key vault '{wanted}' can be seen with the signed-in accounts (see `rekey keyvaults`){}",
            if found.problems.is_empty() {
                String::new()
            } else {
                format!("; not listed: {}", found.problems.join("; "))
            }
        ))),
        many => Err(CliError::usage(format!(
            "several key vaults are named '{wanted}'; give the ARM ID of one:\n  {}",
            many.iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>()
                .join("\n  ")
        ))),
    }
}
