//! A plan in the Azure CLI's terms: the `az` commands that do what Rekey will do, step by step, for
//! admins who know the AKS article "Update or rotate the credentials" and want to check Rekey
//! against it. Shell variables (`$SP_SECRET`) stand where a secret goes: no command ever holds a
//! value, and the secret is captured from Azure's answer, never typed or echoed.
//!
//! Where Rekey differs from the article, the step says so: the article's `credential reset`
//! replaces every secret before the cluster has the new one; here it is `--append`, and the old
//! secrets go only after every cluster is verified.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{Mode, PlanGroup, PlannedCluster, Retire};

#[cfg(test)]
mod tests;

/// One step: what it does, in words, and the commands (one per line; `#` lines are comments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AzStep {
    pub what: String,
    pub commands: Vec<String>,
}

/// The commands of one group (one principal and its clusters), as a script an admin can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AzScript {
    pub rotation_id: String,
    pub steps: Vec<AzStep>,
    /// The whole script as the admin copies it: each step's words as a comment, then its commands.
    pub text: String,
}

/// The steps as one script to copy: each step's words as a numbered comment, then its commands
/// (the move's script, [`crate::migration::az_terms`], reads the same).
pub(crate) fn text(steps: &[AzStep]) -> String {
    let mut out = String::new();
    for (n, step) in steps.iter().enumerate() {
        out.push_str(&format!("# {}. {}\n", n + 1, step.what));
        for line in &step.commands {
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The script for `group` as planned at `now` (the new secret's end date counts from it). Blocked
/// clusters are left out; a blocked group gets none.
pub fn script(group: &PlanGroup, now: DateTime<Utc>) -> Option<AzScript> {
    let clusters: Vec<&PlannedCluster> = group.clusters.iter().filter(|c| c.blocked_by.is_none()).collect();
    if group.blocked_by.is_some() || clusters.is_empty() {
        return None;
    }
    let end = (now + Duration::days(i64::from(group.lifetime_days))).format("%Y-%m-%d");
    let mut steps = vec![AzStep {
        what: "Sign in to the tenant of this principal.".into(),
        commands: vec![format!("az login --tenant {}", sh(&group.tenant_id))],
    }];
    let (app, secret_var) = match group.mode {
        Mode::Secret | Mode::Aad => (sh(&group.app_id), "SP_SECRET"),
        Mode::NewSp => ("\"$NEW_APP_ID\"".to_string(), "SP_SECRET"),
    };
    if group.mode == Mode::NewSp {
        steps.push(new_principal(group));
    }
    steps.push(AzStep {
        what: format!(
            "Add a new secret, keeping the old ones (--append: the article's reset would delete them before \
             the cluster has the new one). It lives {} days; Rekey keeps it in the OS keyring.",
            group.lifetime_days
        ),
        commands: vec![format!(
            "{secret_var}=$(az ad app credential reset --id {app} --append --display-name rekey \
             --end-date {end} --query password --output tsv)"
        )],
    });
    steps.push(AzStep {
        what: "Prove that the new secret signs in, before any cluster uses it: in a throw-away az \
               profile with your cloud settings, so your own sign-in stays."
            .into(),
        commands: vec![
            "PROVE_DIR=$(mktemp -d); cp \"${AZURE_CONFIG_DIR:-$HOME/.azure}\"/{config,clouds.config} \
             \"$PROVE_DIR\"/ 2>/dev/null || true"
                .to_string(),
            format!(
                "AZURE_CONFIG_DIR=\"$PROVE_DIR\" az login --service-principal --username {app} \
                 --password \"${secret_var}\" --tenant {} --allow-no-subscriptions --output none",
                sh(&group.tenant_id)
            ),
            "rm -rf \"$PROVE_DIR\"".to_string(),
        ],
    });
    steps.push(reset(group, &clusters, &app, secret_var));
    steps.push(AzStep {
        what: "Check that each cluster is back to Succeeded on the new credentials.".into(),
        commands: clusters
            .iter()
            .map(|c| {
                let query = match group.mode {
                    Mode::Aad => "\"{state: provisioningState, serverApp: aadProfile.serverAppId}\"",
                    _ => "\"{state: provisioningState, clientId: servicePrincipalProfile.clientId}\"",
                };
                format!("az aks show {} --query {query} --output table", cluster_args(c))
            })
            .collect(),
    });
    steps.push(retire(group));
    Some(AzScript {
        rotation_id: group.rotation_id.clone(),
        text: text(&steps),
        steps,
    })
}

/// Mode new-sp: a new application and service principal, with the chosen role assignments.
fn new_principal(group: &PlanGroup) -> AzStep {
    let name = format!("{}-rekey", group.app_display_name.as_deref().unwrap_or("aks"));
    let mut commands = vec![
        format!(
            "NEW_APP_ID=$(az ad app create --display-name {} --query appId --output tsv)",
            sh(&name)
        ),
        "az ad sp create --id \"$NEW_APP_ID\" --output none".to_string(),
    ];
    commands.extend(group.role_assignments.iter().map(|r| {
        format!(
            "az role assignment create --assignee \"$NEW_APP_ID\" --role {} --scope {}  # {}",
            sh(&r.role_definition_id),
            sh(&r.scope),
            r.role_name
        )
    }));
    AzStep {
        what: "Create a new application and service principal, and give it the old one's role \
               assignments."
            .into(),
        commands,
    }
}

/// The reset of each cluster onto the new credentials (re-images its nodes).
fn reset(group: &PlanGroup, clusters: &[&PlannedCluster], app: &str, secret_var: &str) -> AzStep {
    let commands = clusters
        .iter()
        .flat_map(|c| match group.mode {
            Mode::Aad => vec![
                format!(
                    "CLIENT_APP_ID=$(az aks show {} --query aadProfile.clientAppId --output tsv)",
                    cluster_args(c)
                ),
                format!(
                    "az aks update-credentials {} --reset-aad --aad-server-app-id {app} \
                     --aad-server-app-secret \"${secret_var}\" --aad-client-app-id \"$CLIENT_APP_ID\" \
                     --aad-tenant-id {}",
                    cluster_args(c),
                    sh(&group.tenant_id)
                ),
            ],
            _ => vec![format!(
                "az aks update-credentials {} --reset-service-principal --service-principal {app} \
                 --client-secret \"${secret_var}\"",
                cluster_args(c)
            )],
        })
        .collect();
    AzStep {
        what: "Reset each cluster onto the new credentials (the nodes are re-imaged, node by node, \
               with the cluster's max surge)."
            .into(),
        commands,
    }
}

/// The old secrets, by the plan's policy.
fn retire(group: &PlanGroup) -> AzStep {
    let deletes: Vec<String> = group
        .old_secrets
        .iter()
        .map(|s| {
            let object = if s.on == "servicePrincipal" { "sp" } else { "app" };
            format!(
                "az ad {object} credential delete --id {} --key-id {}",
                sh(&group.app_id),
                sh(&s.key_id)
            )
        })
        .collect();
    if deletes.is_empty() {
        return AzStep {
            what: "No old secret to remove.".into(),
            commands: Vec::new(),
        };
    }
    by_policy(
        group.retire,
        &group.shared_outside,
        "Remove the old secrets, now that every cluster is on the new one.",
        deletes,
    )
}

/// Deletes of old secrets as the retire policy says: run now (`now_words`), later (commented with
/// when), or not at all; kept, commented, while clusters outside the plan (`shared`) use them.
pub(crate) fn by_policy(retire: Retire, shared: &[String], now_words: &str, deletes: Vec<String>) -> AzStep {
    let (what, commands): (String, Vec<String>) = if !shared.is_empty() {
        (
            format!(
                "Keep the old secrets: clusters outside this plan still use them ({}).",
                shared.join(", ")
            ),
            deletes.into_iter().map(|d| format!("# later: {d}")).collect(),
        )
    } else {
        match retire {
            Retire::Now => (now_words.into(), deletes),
            Retire::After { hours } => (
                format!("Remove the old secrets {hours} hours after every cluster is verified."),
                deletes
                    .into_iter()
                    .map(|d| format!("# after {hours} h: {d}"))
                    .collect(),
            ),
            Retire::Never => (
                "Leave the old secrets to expire by themselves.".into(),
                deletes.into_iter().map(|d| format!("# not run: {d}")).collect(),
            ),
        }
    };
    AzStep { what, commands }
}

fn cluster_args(c: &PlannedCluster) -> String {
    cluster_flags(&c.subscription_id, &c.resource_group, &c.name, "--name")
}

/// A cluster named as `az aks` takes it: `--subscription S --resource-group RG {name_flag} N`
/// (`--name` for `az aks`, `--cluster-name` for `az aks nodepool`).
pub(crate) fn cluster_flags(subscription: &str, resource_group: &str, name: &str, name_flag: &str) -> String {
    format!(
        "--subscription {} --resource-group {} {name_flag} {}",
        sh(subscription),
        sh(resource_group),
        sh(name)
    )
}

/// `s` as one shell word: as it is when it is plainly safe, else in single quotes.
pub(crate) fn sh(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
