//! `rekey clusters`: the cluster inventory of the signed-in accounts (their selected tenants and
//! subscriptions), or of the simulated demo tenant when no account is signed in.

use std::collections::HashSet;

use rekey_core::accounts::{AccountInfo, Selection};
use rekey_core::azure::arm::ArmClient;
use rekey_core::azure::models::Subscription;
use rekey_core::inventory::{self, classify, AadIntegration, ClusterRow, IdentityKind, Inventory};
use tokio::task::JoinSet;

use crate::cloud_args::CloudArgs;
use crate::error::CliError;
use crate::home::{warn, Home};
use crate::output::{print_json, table};
use crate::sessions;

pub async fn run(json: bool, cloud: &CloudArgs) -> Result<(), CliError> {
    let home = Home::open().await?;
    let all = home.accounts.list().await;
    if all.is_empty() {
        return demo(json).await;
    }
    let accounts: Vec<AccountInfo> = all.into_iter().filter(|a| cloud.includes(&a.cloud)).collect();
    if accounts.is_empty() {
        return Err(CliError::usage(
            "no signed-in account is on that cloud: see `rekey account show`",
        ));
    }
    let mut rows = Vec::new();
    let mut failed = 0;
    for account in &accounts {
        match account_inventory(&home, account).await {
            Ok(found) => {
                for warning in &found.warnings {
                    warn(&format!("{}: {warning}", account.username));
                }
                rows.extend(found.clusters);
            }
            Err(e) => {
                failed += 1;
                let shown = e.to_ipc();
                warn(&format!(
                    "{}: {} (code: {})",
                    account.username, shown.message, shown.code
                ));
            }
        }
    }
    // Two accounts can see the same cluster.
    let mut seen = HashSet::new();
    rows.retain(|r| seen.insert(r.id.to_ascii_lowercase()));
    rows.sort_by(|a, b| (&a.subscription_name, &a.name).cmp(&(&b.subscription_name, &b.name)));
    print(json, &rows)?;
    if failed > 0 {
        return Err(CliError::Incomplete(format!(
            "{failed} of {} accounts could not be listed (see the warnings above)",
            accounts.len()
        )));
    }
    Ok(())
}

/// No account is signed in: the built-in simulator's tenant, said so on stderr.
async fn demo(json: bool) -> Result<(), CliError> {
    let demo = rekey_core::demo::start()
        .await
        .map_err(|e| CliError::Ipc((&e).into()))?;
    eprintln!(
        "Demo mode: simulated tenant {} (no account is signed in; sign in with `rekey login`).",
        demo.session.info.tenant_label
    );
    let found = inventory::list_clusters(&demo.session.arm).await?;
    for warning in &found.warnings {
        warn(warning);
    }
    print(json, &found.clusters)
}

async fn account_inventory(home: &Home, info: &AccountInfo) -> Result<Inventory, CliError> {
    let account = home
        .accounts
        .get(&info.id)
        .await
        .ok_or_else(|| rekey_core::accounts::AccountsError::UnknownAccount(info.id.clone()))?;
    let session = sessions::open(home, &account).await?;
    let subscriptions = session.arm.list_subscriptions().await?;
    let selected = subscriptions
        .into_iter()
        .filter(|s| selected(&info.selection, s))
        .collect();
    Ok(list_in(&session.arm, selected).await)
}

/// Whether a subscription is in the selection: an empty list selects all; subscriptions are named
/// by ID or display name.
fn selected(selection: &Selection, sub: &Subscription) -> bool {
    let tenant_ok = selection.tenants.is_empty()
        || sub
            .tenant_id
            .as_deref()
            .is_some_and(|t| selection.tenants.iter().any(|s| s.eq_ignore_ascii_case(t)));
    let sub_ok = selection.subscriptions.is_empty()
        || selection.subscriptions.iter().any(|s| {
            s.eq_ignore_ascii_case(&sub.subscription_id) || s.eq_ignore_ascii_case(&sub.display_name)
        });
    tenant_ok && sub_ok
}

/// Clusters in `subscriptions`, one subscription per task; a subscription that fails is a warning.
async fn list_in(arm: &ArmClient, subscriptions: Vec<Subscription>) -> Inventory {
    let mut tasks = JoinSet::new();
    for sub in subscriptions {
        let arm = arm.clone();
        tasks.spawn(async move {
            let result = arm.list_managed_clusters(&sub.subscription_id).await;
            (sub, result)
        });
    }
    let mut found = Inventory::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((sub, Ok(clusters))) => found.clusters.extend(clusters.iter().map(|c| classify(c, &sub))),
            Ok((sub, Err(e))) => found.warnings.push(format!(
                "subscription {} ({}): {}",
                sub.display_name,
                sub.subscription_id,
                CliError::from(e).to_ipc().message
            )),
            Err(e) => found
                .warnings
                .push(format!("a subscription listing stopped unexpectedly: {e}")),
        }
    }
    found
}

fn print(json: bool, rows: &[ClusterRow]) -> Result<(), CliError> {
    if json {
        print_json(&rows)
    } else {
        println!("{}", render(rows));
        Ok(())
    }
}

fn identity_label(row: &ClusterRow) -> String {
    let kind = match row.identity_kind {
        IdentityKind::ServicePrincipal => "Service principal",
        IdentityKind::ManagedIdentity => "Managed identity",
    };
    match row.aad_integration {
        AadIntegration::Legacy => format!("{kind} + legacy AAD"),
        _ => kind.to_string(),
    }
}

fn render(rows: &[ClusterRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.subscription_name.clone(),
                r.resource_group.clone(),
                identity_label(r),
                r.provisioning_state.clone(),
                r.power_state.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "NAME",
            "SUBSCRIPTION",
            "RESOURCE GROUP",
            "IDENTITY",
            "PROVISIONING",
            "POWER",
        ],
        &cells,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, name: &str, tenant: &str) -> Subscription {
        serde_json::from_value(serde_json::json!({
            "subscriptionId": id, "displayName": name, "tenantId": tenant
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_selection_matches_ids_and_names_in_any_case() {
        let all = Selection::default();
        let prod = sub("1111", "Production", "T1");
        assert!(selected(&all, &prod));
        let by_name = Selection {
            tenants: vec![],
            subscriptions: vec!["production".into()],
        };
        assert!(selected(&by_name, &prod));
        assert!(!selected(&by_name, &sub("2222", "Test", "T1")));
        let by_tenant = Selection {
            tenants: vec!["t2".into()],
            subscriptions: vec![],
        };
        assert!(!selected(&by_tenant, &prod));
        assert!(selected(&by_tenant, &sub("3333", "Other", "T2")));
    }
}
