//! Expiry alerts: which credentials crossed a notification threshold (60, 30, 7, 1 days, expired)
//! since Rekey last looked, remembered in a ledger so that each credential is notified once per
//! threshold across restarts; the daily digest; and the summary the tray shows (worst bucket,
//! counts, the next expiries). Pure logic over the inventory and a given "now", plus the ledger file.
//!
//! What is watched: the client secrets (password credentials with an end date) of every cluster
//! that signs in with a service principal, and of legacy AAD server apps — the secrets Rekey rates
//! clusters by. Certificates are not: AKS never signs in with one.
//!
//! Crossing several thresholds at once (the first run, or Rekey was off for weeks) notifies the
//! most urgent one only. A secret already expired when Rekey first sees it is notified only if its
//! app has no other unexpired secret (the cluster is cut off); otherwise it is an old, replaced
//! secret, and saying so every time would teach people to ignore Rekey.
//!
//! Here: the re-exports; the ledger, the notices' wording, the tray's summary and the watcher (the
//! refresh schedule and the status the app shows) each have their own file.

mod crossing;
mod ledger;
mod notices;
mod summary;
#[cfg(test)]
mod tests;
mod watcher;

pub use crossing::{ClusterRef, Crossing, Threshold};
pub use ledger::{AlertRules, AlertsError, Ledger};
pub use notices::{freedesktop_body, held as held_notice, line, Notice, MAX_SEPARATE_NOTICES};
pub use summary::{summarize, summarize_inventory, AlertSummary, BucketCounts, UpcomingExpiry};
pub use watcher::{AlertStatus, AppEvent, Watcher, TRAY_NEXT};
