//! `rekey account show|select`: the signed-in accounts, and which of their tenants and subscriptions
//! `rekey clusters` looks at. Subscriptions are chosen by ID or name in any case, and saved by ID
//! as the app saves them.

use clap::Subcommand;
use rekey_core::accounts::{AccountInfo, AccountsError, Selection, SignInMethod};
use rekey_core::workspace::{SubscriptionInfo, TenantInfo, Workspace};

use crate::cloud_args::{describe, CloudArgs};
use crate::error::CliError;
use crate::home::{self, warn};
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
    let workspace = home::open().await?;
    match command {
        AccountCommand::Show { json } => {
            let accounts: Vec<AccountInfo> = workspace
                .accounts()
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
            let info = workspace
                .accounts()
                .await
                .into_iter()
                .find(|a| a.id == account)
                .ok_or_else(|| AccountsError::UnknownAccount(account.clone()))?;
            let (tenants, wanted) = (tidy(tenants), tidy(subscriptions));
            // Names need the subscriptions the account can read; "all" needs none.
            let readable = match wanted.is_empty() {
                true => Vec::new(),
                false => workspace.subscriptions(&info.id).await?,
            };
            let subscriptions = pick_subscriptions(&wanted, &readable).map_err(|unknown| {
                CliError::usage(format!(
                    "{} cannot read a subscription named {unknown}; it can read: {}",
                    info.username,
                    named(&readable.iter().collect::<Vec<_>>())
                ))
            })?;
            let tenant_ids = pick_tenants(&workspace, &info, &tenants).await;
            let selection = Selection {
                tenants: tenant_ids,
                subscriptions: subscriptions.iter().map(|s| s.subscription_id.clone()).collect(),
            };
            let saved = workspace.set_selection(&info.id, selection).await?;
            let subscriptions = match subscriptions.is_empty() {
                true => "all".to_string(),
                false => named(&subscriptions),
            };
            println!(
                "{}: tenants {}; subscriptions {subscriptions}",
                saved.username,
                listed(&saved.selection.tenants)
            );
        }
    }
    Ok(())
}

/// The subscriptions `wanted` names (by ID or display name, in any case), in that order, or the first
/// name that matches none. A name several subscriptions share picks them all.
fn pick_subscriptions<'a>(
    wanted: &[String],
    readable: &'a [SubscriptionInfo],
) -> Result<Vec<&'a SubscriptionInfo>, String> {
    let mut picked: Vec<&SubscriptionInfo> = Vec::new();
    for name in wanted {
        let matches: Vec<&SubscriptionInfo> = readable
            .iter()
            .filter(|s| {
                s.subscription_id.eq_ignore_ascii_case(name) || s.display_name.eq_ignore_ascii_case(name)
            })
            .collect();
        if matches.is_empty() {
            return Err(format!("'{name}'"));
        }
        for sub in matches {
            if !picked.iter().any(|p| p.subscription_id == sub.subscription_id) {
                picked.push(sub);
            }
        }
    }
    Ok(picked)
}

/// Tenant IDs for tenants named by ID, default domain or display name (any case). One the account
/// cannot reach (or when its tenants cannot be listed) is kept as given, with a warning: it selects
/// no subscription until the account can reach it.
async fn pick_tenants(workspace: &Workspace, info: &AccountInfo, wanted: &[String]) -> Vec<String> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let reachable = match workspace.tenants(&info.id).await {
        Ok(tenants) => tenants,
        Err(e) => {
            warn(&format!(
                "the tenants of {} could not be listed ({}), so the tenants are saved as given",
                info.username, e.message
            ));
            Vec::new()
        }
    };
    let mut ids: Vec<String> = Vec::new();
    for name in wanted {
        let id = match tenant_named(&reachable, name) {
            Some(tenant) => tenant.tenant_id.clone(),
            None => {
                if !reachable.is_empty() {
                    warn(&format!(
                        "{} cannot reach the tenant {name}: it selects no subscription",
                        info.username
                    ));
                }
                name.to_ascii_lowercase()
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn tenant_named<'a>(tenants: &'a [TenantInfo], name: &str) -> Option<&'a TenantInfo> {
    let is = |value: &Option<String>| value.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(name));
    tenants
        .iter()
        .find(|t| t.tenant_id.eq_ignore_ascii_case(name) || is(&t.default_domain) || is(&t.display_name))
}

/// Subscriptions as people know them: "Name (ID)", comma-separated.
fn named(subscriptions: &[&SubscriptionInfo]) -> String {
    subscriptions
        .iter()
        .map(|s| format!("{} ({})", s.display_name, s.subscription_id))
        .collect::<Vec<_>>()
        .join(", ")
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

    fn sub(id: &str, name: &str) -> SubscriptionInfo {
        SubscriptionInfo {
            subscription_id: id.into(),
            display_name: name.into(),
            tenant_id: Some("t".into()),
            state: None,
        }
    }

    #[test]
    fn subscriptions_are_picked_by_id_or_name_in_any_case() {
        let readable = [
            sub("1111", "Production"),
            sub("2222", "Test"),
            sub("3333", "test"),
        ];
        let ids = |wanted: &[&str]| {
            let wanted: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
            pick_subscriptions(&wanted, &readable).map(|subs| {
                subs.iter()
                    .map(|s| s.subscription_id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            })
        };
        assert_eq!(ids(&["production"]), Ok("1111".into()));
        assert_eq!(ids(&["TEST", "1111"]), Ok("2222,3333,1111".into()));
        assert_eq!(ids(&["2222", "test"]), Ok("2222,3333".into()));
        assert_eq!(ids(&["staging"]), Err("'staging'".into()));
    }

    #[test]
    fn tenants_are_named_by_id_domain_or_name() {
        let tenants = [TenantInfo {
            tenant_id: "72f988bf-aaaa".into(),
            display_name: Some("Contoso".into()),
            default_domain: Some("contoso.onmicrosoft.com".into()),
        }];
        for name in ["72F988BF-AAAA", "Contoso.onmicrosoft.com", "contoso"] {
            assert_eq!(
                tenant_named(&tenants, name).map(|t| t.tenant_id.as_str()),
                Some("72f988bf-aaaa")
            );
        }
        assert!(tenant_named(&tenants, "fabrikam").is_none());
    }

    #[test]
    fn selections_drop_blanks_and_repeats() {
        let tidied = tidy(vec!["a".into(), " ".into(), "A".into(), " b ".into()]);
        assert_eq!(tidied, ["a", "b"]);
        assert_eq!(listed(&[]), "all");
    }
}
