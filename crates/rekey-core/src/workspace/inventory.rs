//! The inventory across accounts: each account's clusters (and its guest tenants'), read side by
//! side, merged into one list with one progress.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::task::JoinSet;

use super::progress::{AccountsProgress, Phase};
use super::sessions::{other_tenants, tenant_session};
use super::{arm_error, Workspace};
use crate::accounts::{AccountInfo, Selection};
use crate::auth::Credential;
use crate::azure::models::Subscription;
use crate::azure::CallError;
use crate::error::IpcError;
use crate::inventory::model::{ExpiryBucket, InventorySource, Progress};
use crate::inventory::refresh::ProgressSink;
use crate::inventory::{self, Inventory, RefreshOptions};
use crate::session::Session;

impl Workspace {
    pub async fn set_selection(&self, id: &str, selection: Selection) -> Result<AccountInfo, IpcError> {
        self.accounts
            .set_selection(id, selection)
            .await
            .map_err(|e| IpcError::from(&e))
    }

    /// Clusters of every account's selected tenants and subscriptions, with expiry. An account that
    /// fails adds a warning; the others still answer.
    pub async fn inventory(&self) -> Inventory {
        self.inventory_with(RefreshOptions::default()).await
    }

    /// [`Workspace::inventory`] with thresholds, a subscription filter, progress, cancellation and
    /// known keys. Accounts refresh side by side. A subscription in the home tenant of a signed-in
    /// account is read by that account, whose Graph token can read that tenant's service principals;
    /// a cluster seen by several accounts is kept once, the best-rated copy.
    pub async fn inventory_with(&self, options: RefreshOptions) -> Inventory {
        let accounts = self.accounts.list().await;
        self.inventory_of(accounts, options)
            .await
            .with_failures_as_warnings()
    }

    /// [`Workspace::inventory_with`] over `accounts` (some of the signed-in ones, e.g. those of one
    /// cloud), with the accounts that could not be listed at all kept apart from the warnings, for a
    /// caller that reports them on their own (the CLI, in its exit code).
    pub async fn inventory_of(
        &self,
        accounts: Vec<AccountInfo>,
        options: RefreshOptions,
    ) -> AccountsInventory {
        let mut failed = Vec::new();
        let homes: Vec<String> = accounts
            .iter()
            .map(|a| a.tenant_id.to_ascii_lowercase())
            .collect();
        let progress = AccountsProgress::new(options.progress.clone(), accounts.len());
        let mut all = Inventory {
            thresholds: options.thresholds,
            ..Inventory::default()
        };
        let mut tasks = JoinSet::new();
        for (index, info) in accounts.into_iter().enumerate() {
            let session = match self.session(&info.id).await {
                Ok(s) => s,
                Err(error) => {
                    failed.push(AccountFailure { account: info, error });
                    progress.finish(index);
                    continue;
                }
            };
            let own = info.tenant_id.to_ascii_lowercase();
            let others: Vec<String> = homes.iter().filter(|h| **h != own).cloned().collect();
            let selection = info.selection.clone();
            let outer = options.keep_subscription.clone();
            let keep = move |s: &Subscription| {
                let tenant = s.tenant_id.as_deref().map(str::to_ascii_lowercase);
                let routed = tenant.as_ref().is_none_or(|t| *t == own || !others.contains(t));
                routed
                    && selection.keeps(&s.subscription_id, s.tenant_id.as_deref())
                    && outer.as_ref().is_none_or(|k| k(s))
            };
            let account_options = RefreshOptions {
                keep_subscription: Some(Arc::new(keep)),
                progress: Some(progress.sink(index)),
                ..options.clone()
            };
            // A person's other tenants (guest access) are each read with a token of that tenant,
            // Graph included; a tenant that is another signed-in account's home is left to it.
            let guest = GuestScan {
                skip: homes.clone(),
                selection: info.selection.clone(),
                outer: options.keep_subscription.clone(),
            };
            tasks.spawn(async move {
                let result = refresh_account(&session, account_options, guest).await;
                (info, result)
            });
        }
        let mut rows: HashMap<String, crate::inventory::ClusterRow> = HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (info, result) = match joined {
                Ok(done) => done,
                Err(e) => {
                    let why = format!("An account's inventory stopped unexpectedly: {e}");
                    all.warnings.push(why.clone());
                    all.blind_spots.push(crate::inventory::blind::BlindSpot::new(
                        crate::inventory::blind::BlindSpotKind::Listing,
                        "",
                        why,
                    ));
                    continue;
                }
            };
            match result {
                Ok(found) => {
                    merge_counts(&mut all, &found);
                    for row in found.clusters {
                        let key = row.id.to_ascii_lowercase();
                        let better = rows.get(&key).is_none_or(|kept| {
                            kept.expiry.bucket == ExpiryBucket::Unknown
                                && row.expiry.bucket != ExpiryBucket::Unknown
                        });
                        if better {
                            rows.insert(key, row);
                        }
                    }
                    all.warnings.extend(
                        found
                            .warnings
                            .into_iter()
                            .map(|w| format!("{}: {w}", info.username)),
                    );
                    for spot in found.blind_spots {
                        crate::inventory::blind::add(&mut all.blind_spots, spot);
                    }
                }
                Err(e) => failed.push(AccountFailure {
                    error: self.account_arm_error(&info.id, e),
                    account: info,
                }),
            }
        }
        all.clusters = rows.into_values().collect();
        all.clusters
            .sort_by(|a, b| (&a.subscription_name, &a.name).cmp(&(&b.subscription_name, &b.name)));
        all.stats.clusters = u32::try_from(all.clusters.len()).unwrap_or(u32::MAX);
        all.generated_at = Some(chrono::Utc::now());
        AccountsInventory {
            inventory: all,
            failed,
        }
    }
}

/// Adds `found`'s source (ARM listing wins over Resource Graph: the table says the slower path was
/// needed somewhere) and counts to `all`; clusters are counted by the caller (they may be merged).
fn merge_counts(all: &mut Inventory, found: &Inventory) {
    all.source = match (all.source, found.source) {
        (Some(InventorySource::Arm), _) | (_, Some(InventorySource::Arm)) => Some(InventorySource::Arm),
        (a, b) => a.or(b),
    };
    let s = &mut all.stats;
    s.subscriptions += found.stats.subscriptions;
    s.service_principals += found.stats.service_principals;
    s.credentials += found.stats.credentials;
    s.requests += found.stats.requests;
}

/// What an account's scan of its guest tenants needs: the tenants other accounts read (their homes),
/// and the account's selection and the caller's filter.
struct GuestScan {
    skip: Vec<String>,
    selection: Selection,
    outer: Option<crate::inventory::refresh::SubscriptionFilter>,
}

/// One account's inventory: its own session's, then each of a person's other (selected) tenants with
/// that tenant's session. A guest tenant that fails adds a warning; the account's own scan failing
/// fails the account.
async fn refresh_account(
    session: &Arc<Session>,
    options: RefreshOptions,
    guest: GuestScan,
) -> Result<Inventory, CallError> {
    let progress = options.progress.clone();
    let base = Arc::new(std::sync::Mutex::new(Progress::default()));
    let last = Arc::new(std::sync::Mutex::new(Progress::default()));
    let counted = |sink: Option<ProgressSink>, done_is_final: bool| -> Option<ProgressSink> {
        let (base, last) = (base.clone(), last.clone());
        sink.map(|sink| -> ProgressSink {
            Arc::new(move |p: Progress| {
                let b = base.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let total = Progress {
                    phase: if Phase::of(&p) == Phase::Done && !done_is_final {
                        Phase::Credentials.name().into()
                    } else {
                        p.phase
                    },
                    subscriptions_scanned: b.subscriptions_scanned + p.subscriptions_scanned,
                    clusters_found: b.clusters_found + p.clusters_found,
                    credentials_resolved: b.credentials_resolved + p.credentials_resolved,
                };
                *last.lock().unwrap_or_else(|e| e.into_inner()) = total.clone();
                sink(total)
            })
        })
    };
    // A person may have other tenants: their `done` is sent once those are read too.
    let person = matches!(session.arm.credential(), Credential::User(_));
    let mut all = inventory::refresh(
        session,
        RefreshOptions {
            progress: counted(progress.clone(), !person),
            ..options.clone()
        },
    )
    .await?;
    let tenants: Vec<String> = if person {
        other_tenants(session, &[], &guest.skip)
            .await
            .into_iter()
            .filter(|t| {
                guest.selection.tenants.is_empty()
                    || guest.selection.tenants.iter().any(|s| s.eq_ignore_ascii_case(t))
            })
            .collect()
    } else {
        Vec::new()
    };
    for tenant in &tenants {
        if options.cancel.is_cancelled() {
            break;
        }
        *base.lock().unwrap_or_else(|e| e.into_inner()) =
            last.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let own = tenant.to_ascii_lowercase();
        let (selection, outer) = (guest.selection.clone(), guest.outer.clone());
        let keep = move |s: &Subscription| {
            s.tenant_id
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(&own))
                && selection.keeps(&s.subscription_id, s.tenant_id.as_deref())
                && outer.as_ref().is_none_or(|k| k(s))
        };
        let tenant_options = RefreshOptions {
            keep_subscription: Some(Arc::new(keep)),
            progress: counted(progress.clone(), false),
            ..options.clone()
        };
        match inventory::refresh(&tenant_session(session, tenant), tenant_options).await {
            Ok(found) => {
                merge_counts(&mut all, &found);
                all.stats.clusters += found.stats.clusters;
                all.clusters.extend(found.clusters);
                all.warnings.extend(found.warnings);
                all.blind_spots.extend(found.blind_spots);
            }
            Err(e) => {
                tracing::warn!(tenant = %tenant, error = %e, "a guest tenant could not be read");
                let code = e.code();
                let message = arm_error(e).message;
                all.warnings
                    .push(format!("tenant {tenant} could not be read: {message}"));
                let spot = crate::inventory::blind::BlindSpot::new(
                    crate::inventory::blind::BlindSpotKind::Tenant,
                    tenant.as_str(),
                    message,
                )
                .code(code);
                crate::inventory::blind::add(&mut all.blind_spots, spot);
            }
        }
    }
    if person {
        if let Some(sink) = &progress {
            let mut done = last.lock().unwrap_or_else(|e| e.into_inner()).clone();
            done.phase = Phase::Done.name().into();
            sink(done);
        }
    }
    Ok(all)
}

/// An account whose clusters could not be listed at all: its sign-in, or its subscriptions, failed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountFailure {
    pub account: AccountInfo,
    pub error: IpcError,
}

impl AccountFailure {
    /// The account's tenant, as what could not be read.
    pub fn blind_spot(&self) -> crate::inventory::blind::BlindSpot {
        crate::inventory::blind::BlindSpot::new(
            crate::inventory::blind::BlindSpotKind::Tenant,
            self.account.tenant_id.as_str(),
            format!("account {}: {}", self.account.username, self.error.message),
        )
        .code(self.error.code.clone())
    }
}

/// The inventory of some accounts, and the accounts that could not be listed.
#[derive(Debug, Clone, Default)]
pub struct AccountsInventory {
    pub inventory: Inventory,
    pub failed: Vec<AccountFailure>,
}

impl AccountsInventory {
    /// The inventory with each failed account as a warning and a blind spot (its tenant), as the
    /// app shows it.
    pub fn with_failures_as_warnings(self) -> Inventory {
        let mut inventory = self.inventory;
        inventory.warnings.extend(
            self.failed
                .iter()
                .map(|f| format!("{}: {}", f.account.username, f.error.message)),
        );
        inventory
            .blind_spots
            .extend(self.failed.iter().map(AccountFailure::blind_spot));
        inventory
    }
}
