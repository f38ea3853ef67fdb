//! The inventory `rekey clusters` and `rekey check` report: the core's, across the signed-in accounts
//! (their selected tenants and subscriptions), or of the simulated demo tenant when no account is
//! signed in. Warnings go to stderr; accounts that could not be listed are returned as well.

use rekey_core::accounts::{AccountInfo, SignInMethod};
use rekey_core::inventory::{self, Inventory, RefreshOptions};
use rekey_core::workspace::AccountFailure;

use crate::cloud_args::CloudArgs;
use crate::error::CliError;
use crate::home::{self, storage_warning, warn};

pub struct Scan {
    pub inventory: Inventory,
    /// Accounts whose clusters could not be listed at all (already said on stderr).
    pub failed: Vec<AccountFailure>,
    /// How many accounts were listed (none: the demo tenant).
    pub accounts: usize,
}

pub async fn scan(cloud: &CloudArgs, options: RefreshOptions) -> Result<Scan, CliError> {
    let workspace = home::open().await?;
    let all = workspace.accounts().await;
    if all.is_empty() {
        return demo(options).await;
    }
    let accounts: Vec<AccountInfo> = all.into_iter().filter(|a| cloud.includes(&a.cloud)).collect();
    if accounts.is_empty() {
        return Err(CliError::usage(
            "no signed-in account is on that cloud: see `rekey account show`",
        ));
    }
    let found = workspace.inventory_of(accounts.clone(), options).await;
    for warning in &found.inventory.warnings {
        warn(warning);
    }
    for failure in &found.failed {
        warn(&format!(
            "{}: {} (code: {})",
            failure.account.username, failure.error.message, failure.error.code
        ));
        if let Some(how) = sign_in_again(&failure.account, &failure.error.code) {
            eprintln!("         Sign in again with `{how}`.");
        }
    }
    if !found.failed.is_empty() {
        if let Some(problem) = storage_warning(&workspace) {
            warn(&problem);
        }
    }
    Ok(Scan {
        inventory: found.inventory,
        failed: found.failed,
        accounts: accounts.len(),
    })
}

/// No account is signed in: the built-in simulator's tenant, said so on stderr.
async fn demo(options: RefreshOptions) -> Result<Scan, CliError> {
    let demo = rekey_core::demo::start()
        .await
        .map_err(|e| CliError::Ipc((&e).into()))?;
    eprintln!(
        "Demo mode: simulated tenant {} (no account is signed in; sign in with `rekey login`).",
        demo.session.info.tenant_label
    );
    let found = inventory::refresh(&demo.session, options).await?;
    for warning in &found.warnings {
        warn(warning);
    }
    Ok(Scan {
        inventory: found,
        failed: Vec::new(),
        accounts: 0,
    })
}

/// The command that signs `account` in again, when that is what its failure (`code`) calls for.
pub fn sign_in_again(account: &AccountInfo, code: &str) -> Option<String> {
    let signing_in = code == "sign_in_required"
        || code == "secret_unreadable"
        || code == "azure_cli"
        || code.starts_with("AADSTS");
    if !signing_in {
        return None;
    }
    Some(match account.method {
        SignInMethod::Browser => "rekey login --browser".to_owned(),
        SignInMethod::DeviceCode => "rekey login --device-code".to_owned(),
        SignInMethod::AzureCli => "az login`, then `rekey login --azure-cli".to_owned(),
        SignInMethod::ServicePrincipal => format!(
            "rekey login --service-principal --tenant {} --client-id {} --client-secret-file <file>",
            account.tenant_id, account.username
        ),
    })
}
