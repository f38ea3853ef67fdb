//! Whether Azure still has the credentials the vault holds secrets for: a stored secret whose
//! credential was removed no longer works anywhere and can go.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{AzurePresence, Vault, VaultEntry, VaultError, VaultRow};
use crate::azure::graph::GraphClient;
use crate::azure::reports::LastUsed;
use crate::inventory::credentials::{resolve, Lookup};
use crate::inventory::model::AppRole;
use crate::session::TenantSessions;

/// Whether a check also reads when each credential last signed in: the Vault page shows it; a
/// deletion needs only presence, and the tenant's whole sign-in report is not worth reading for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    PresenceOnly,
    WithUsage,
}

/// [`check`] for entries of any tenants: each tenant's entries are checked with the session
/// `sessions` (the estate) has for that tenant; the entries of a tenant no session reaches are
/// `Unknown`, with the reason.
pub async fn check_reachable(
    sessions: &dyn TenantSessions,
    entries: &[VaultEntry],
    reading: Reading,
) -> Presence {
    let mut by_tenant: BTreeMap<String, Vec<VaultEntry>> = BTreeMap::new();
    for entry in entries {
        by_tenant
            .entry(entry.tenant_id.to_ascii_lowercase())
            .or_default()
            .push(entry.clone());
    }
    let mut presence = Presence::new();
    for (tenant, entries) in by_tenant {
        let found = match sessions.session_for_tenant(Some(&tenant)).await {
            Ok(session) => check(&session.graph, &entries, reading).await,
            Err(e) => unknown(&entries, &e.message),
        };
        presence.extend(found);
    }
    presence
}

fn unknown(entries: &[VaultEntry], reason: &str) -> Presence {
    entries
        .iter()
        .map(|e| {
            (
                e.key_id.to_ascii_lowercase(),
                Seen {
                    in_azure: AzurePresence::Unknown,
                    problem: Some(reason.to_string()),
                    last_used: None,
                },
            )
        })
        .collect()
}

/// The Vault page's rows, each checked against Azure with the estate's sessions.
pub async fn list(vault: &Vault, sessions: &dyn TenantSessions) -> Result<Vec<VaultRow>, VaultError> {
    let entries = vault.entries().await?;
    let presence = check_reachable(sessions, &entries, Reading::WithUsage).await;
    rows(vault, &presence).await
}

/// What Graph says about each entry's credential, keyed by lowercase key ID.
pub type Presence = HashMap<String, Seen>;

/// What Graph says about one stored secret's credential.
#[derive(Debug, Clone)]
pub struct Seen {
    pub in_azure: AzurePresence,
    /// Why `in_azure` is unknown, when it is.
    pub problem: Option<String>,
    /// When it last signed in (the sign-in activity report), or why that is unknown.
    pub last_used: Option<LastUsed>,
}

/// Reads the apps of `entries` from Graph (batched) and says, per key ID, whether the credential is
/// still on the application or its service principal, and (with [`Reading::WithUsage`]) when it
/// last signed in.
pub async fn check(graph: &GraphClient, entries: &[VaultEntry], reading: Reading) -> Presence {
    let usage = match reading {
        Reading::WithUsage => Some(graph.usage(None).await),
        Reading::PresenceOnly => None,
    };
    let wanted: Vec<(String, AppRole)> = entries
        .iter()
        .map(|e| (e.app_id.clone(), AppRole::ClusterIdentity))
        .collect();
    let resolution = resolve(
        graph,
        &wanted,
        &Arc::new(Semaphore::new(4)),
        &CancellationToken::new(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    entries
        .iter()
        .map(|entry| {
            let key = entry.key_id.to_ascii_lowercase();
            let (in_azure, problem) = match resolution.apps.get(&entry.app_id.to_ascii_lowercase()) {
                None => (
                    AzurePresence::Unknown,
                    Some("Graph did not answer for this app.".into()),
                ),
                Some(app) => {
                    let failed =
                        [&app.application, &app.service_principal]
                            .into_iter()
                            .find_map(|l| match l {
                                Lookup::Failed(f) => Some(f.to_string()),
                                _ => None,
                            });
                    let found = app
                        .credentials
                        .iter()
                        .any(|c| c.key_id.eq_ignore_ascii_case(&entry.key_id));
                    match (found, failed) {
                        (true, _) => (AzurePresence::Present, None),
                        (false, Some(problem)) => (AzurePresence::Unknown, Some(problem)),
                        (false, None) => (AzurePresence::Removed, None),
                    }
                }
            };
            let last_used = usage.as_ref().map(|u| u.last_used(&entry.key_id));
            (
                key,
                Seen {
                    in_azure,
                    problem,
                    last_used,
                },
            )
        })
        .collect()
}

/// The Vault page's rows: every entry, whether the keyring still has it, and `presence` (entries
/// not in it are `Unknown`).
pub async fn rows(vault: &Vault, presence: &Presence) -> Result<Vec<VaultRow>, VaultError> {
    let mut rows = Vec::new();
    for entry in vault.entries().await? {
        let in_keyring = vault.in_keyring(&entry).await?;
        let seen = presence
            .get(&entry.key_id.to_ascii_lowercase())
            .cloned()
            .unwrap_or(Seen {
                in_azure: AzurePresence::Unknown,
                problem: Some("Not checked against Azure.".into()),
                last_used: None,
            });
        rows.push(VaultRow {
            entry,
            in_keyring,
            in_azure: seen.in_azure,
            azure_problem: seen.problem,
            last_used: seen.last_used,
        });
    }
    Ok(rows)
}
