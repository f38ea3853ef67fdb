//! The inventory `rekey clusters` and `rekey check` report: the core's, across the signed-in accounts
//! (their selected tenants and subscriptions), or of the simulated demo tenant when no account is
//! signed in. Warnings go to stderr; accounts that could not be listed are returned as well.

use std::io::IsTerminal;

use rekey_core::accounts::{AccountInfo, SignInMethod};
use rekey_core::cloud::CloudSetting;
use rekey_core::estate::Estate;
use rekey_core::inventory::{Inventory, RefreshOptions};
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
    /// What was scanned; commands that go on (`rekey rotate`) keep using it (and its simulator).
    pub estate: Estate,
}

pub async fn scan(cloud: &CloudArgs, options: RefreshOptions) -> Result<Scan, CliError> {
    let estate = home::estate().await?;
    home::say_demo(&estate).await;
    let found = match estate.refresh(options, |a| cloud.includes(&a.cloud)).await {
        Err(e) if e.code == "no_account_on_cloud" => return Err(CliError::usage(e.message)),
        other => other?,
    };
    for warning in &found.inventory.warnings {
        warn(warning);
    }
    let workspace = estate.workspace().await?;
    let needs_sign_in = workspace.needs_sign_in();
    for failure in &found.failed {
        warn(&format!(
            "{}: {} (code: {})",
            failure.account.username, failure.error.message, failure.error.code
        ));
        if needs_sign_in.contains(&failure.account.id) {
            // Azure wants the person (MFA, conditional access): only a browser sign-in will do, and
            // none is opened from here, least of all in a non-interactive run.
            let how = browser_login_command(&failure.account);
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "         Azure asks you to sign in again (for example multi-factor authentication): \
                     run `{how}`."
                );
            } else {
                eprintln!("         Azure asks for a new sign-in: run `{how}` in a terminal.");
            }
        } else if let Some(how) = sign_in_again(&failure.account, &failure.error.code) {
            eprintln!("         Sign in again with `{how}`.");
        }
    }
    if !found.failed.is_empty() {
        if let Some(problem) = storage_warning(workspace) {
            warn(&problem);
        }
    }
    Ok(Scan {
        inventory: found.inventory,
        failed: found.failed,
        accounts: found.accounts,
        estate,
    })
}

/// The command that signs a person's `account` in again in the browser, in its tenant and cloud.
pub fn browser_login_command(account: &AccountInfo) -> String {
    let mut command = format!(
        "rekey login --browser --tenant {}",
        shell_word(&account.tenant_id)
    );
    match &account.cloud {
        CloudSetting::Public => {}
        CloudSetting::China => command.push_str(" --cloud china"),
        CloudSetting::UsGov => command.push_str(" --cloud usgov"),
        CloudSetting::Custom {
            metadata_url,
            ca_file,
        } => {
            command.push_str(&format!(" --cloud {}", shell_word(metadata_url)));
            if let Some(ca) = ca_file {
                command.push_str(&format!(" --ca-file {}", shell_word(ca)));
            }
        }
    }
    command
}

/// `text` as one shell word: as it is when that is safe, else in single quotes.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rekey_core::accounts::Selection;

    fn person(tenant: &str, cloud: CloudSetting) -> AccountInfo {
        AccountInfo {
            id: format!("oid.{tenant}"),
            username: "a@b.example".into(),
            tenant_id: tenant.into(),
            cloud,
            method: SignInMethod::Browser,
            selection: Selection::default(),
        }
    }

    #[test]
    fn the_browser_login_command_names_the_tenant_and_cloud() {
        let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        assert_eq!(
            browser_login_command(&person(tenant, CloudSetting::Public)),
            format!("rekey login --browser --tenant {tenant}")
        );
        assert_eq!(
            browser_login_command(&person(tenant, CloudSetting::UsGov)),
            format!("rekey login --browser --tenant {tenant} --cloud usgov")
        );
        assert_eq!(
            browser_login_command(&person(tenant, CloudSetting::China)),
            format!("rekey login --browser --tenant {tenant} --cloud china")
        );
        let custom = CloudSetting::Custom {
            metadata_url: "https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01".into(),
            ca_file: Some("/home/me/my ca.pem".into()),
        };
        assert_eq!(
            browser_login_command(&person(tenant, custom)),
            format!(
                "rekey login --browser --tenant {tenant} --cloud \
                 'https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01' --ca-file '/home/me/my ca.pem'"
            )
        );
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("contoso.onmicrosoft.com"), "contoso.onmicrosoft.com");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
