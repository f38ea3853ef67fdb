//! `rekey account show|select`: the signed-in accounts, and which of their tenants and subscriptions
//! `rekey clusters` looks at.

use clap::Subcommand;
use rekey_core::accounts::{AccountInfo, Selection, SignInMethod};

use crate::cloud_args::{describe, CloudArgs};
use crate::error::CliError;
use crate::home::Home;
use crate::output::{print_json, table};

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// List the signed-in accounts with the tenants and subscriptions selected for each.
    Show {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Choose the tenants and subscriptions whose clusters are listed (none given: all of them).
    Select {
        /// The account's ID, as `rekey account show` prints it.
        #[arg(long, value_name = "ID")]
        account: String,
        /// A tenant ID to include; repeat for several.
        #[arg(long = "tenant", value_name = "TENANT")]
        tenants: Vec<String>,
        /// A subscription ID or name to include; repeat for several.
        #[arg(long = "subscription", value_name = "SUBSCRIPTION")]
        subscriptions: Vec<String>,
    },
}

pub async fn run(command: AccountCommand, cloud: &CloudArgs) -> Result<(), CliError> {
    let home = Home::open().await?;
    match command {
        AccountCommand::Show { json } => {
            let accounts: Vec<AccountInfo> = home
                .accounts
                .list()
                .await
                .into_iter()
                .filter(|a| cloud.includes(&a.cloud))
                .collect();
            if json {
                print_json(&accounts)?;
            } else if accounts.is_empty() {
                eprintln!("No account is signed in: `rekey clusters` shows the demo tenant. Sign in with `rekey login`.");
            } else {
                println!("{}", render(&accounts));
            }
        }
        AccountCommand::Select {
            account,
            tenants,
            subscriptions,
        } => {
            let selection = Selection {
                tenants: tidy(tenants),
                subscriptions: tidy(subscriptions),
            };
            let info = home.accounts.set_selection(&account, selection).await?;
            println!(
                "{}: tenants {}; subscriptions {}",
                info.username,
                listed(&info.selection.tenants),
                listed(&info.selection.subscriptions)
            );
        }
    }
    Ok(())
}

/// Without blanks and repeats, in the order given.
fn tidy(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values.into_iter().map(|v| v.trim().to_owned()) {
        if !value.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&value)) {
            out.push(value);
        }
    }
    out
}

fn listed(values: &[String]) -> String {
    if values.is_empty() {
        "all".into()
    } else {
        values.join(", ")
    }
}

fn method(m: SignInMethod) -> &'static str {
    match m {
        SignInMethod::Browser => "browser",
        SignInMethod::DeviceCode => "device code",
        SignInMethod::AzureCli => "Azure CLI",
        SignInMethod::ServicePrincipal => "service principal",
    }
}

fn render(accounts: &[AccountInfo]) -> String {
    let rows: Vec<Vec<String>> = accounts
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.username.clone(),
                a.tenant_id.clone(),
                describe(&a.cloud),
                method(a.method).into(),
                listed(&a.selection.tenants),
                listed(&a.selection.subscriptions),
            ]
        })
        .collect();
    table(
        &[
            "ACCOUNT",
            "USER",
            "TENANT",
            "CLOUD",
            "SIGNED IN WITH",
            "TENANTS",
            "SUBSCRIPTIONS",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_drop_blanks_and_repeats() {
        let tidied = tidy(vec!["a".into(), " ".into(), "A".into(), " b ".into()]);
        assert_eq!(tidied, ["a", "b"]);
        assert_eq!(listed(&[]), "all");
    }
}
