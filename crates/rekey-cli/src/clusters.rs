//! `rekey clusters`: the cluster inventory with each cluster's credential expiry, as a table, JSON
//! (the rows) or CSV (the app's export).

use clap::Args;
use rekey_core::inventory::export::to_csv;
use rekey_core::inventory::model::ExpiryBucket;
use rekey_core::inventory::{AadIntegration, ClusterRow, IdentityKind, RefreshOptions};

use crate::cloud_args::CloudArgs;
use crate::error::CliError;
use crate::output::{print_json, table};
use crate::scan::scan;

#[derive(Args, Debug)]
pub struct ClustersArgs {
    /// Print JSON (one object per cluster) instead of a table.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV (RFC 4180, the columns of the app's export) instead of a table.
    #[arg(long)]
    csv: bool,
}

pub async fn run(args: ClustersArgs, cloud: &CloudArgs) -> Result<(), CliError> {
    let found = scan(cloud, RefreshOptions::default()).await?;
    let rows = &found.inventory.clusters;
    if args.json {
        print_json(rows)?;
    } else if args.csv {
        print!("{}", to_csv(&found.inventory));
    } else {
        println!("{}", render(rows));
        if rows.iter().any(|r| status_label(r).ends_with('?')) {
            eprintln!(
                "?: rated by the earliest unexpired credential that could be in use (which one the cluster \
                 holds is not known)"
            );
        }
    }
    if !found.failed.is_empty() {
        return Err(CliError::Incomplete(format!(
            "{} of {} accounts could not be listed (see the warnings above)",
            found.failed.len(),
            found.accounts
        )));
    }
    Ok(())
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

/// The bucket in a word, with `?` when the rating assumed which credential the cluster holds.
fn status_label(row: &ClusterRow) -> String {
    let word = match row.expiry.bucket {
        ExpiryBucket::Expired => "expired",
        ExpiryBucket::Critical => "critical",
        ExpiryBucket::Warning => "warning",
        ExpiryBucket::Notice => "notice",
        ExpiryBucket::Ok => "ok",
        ExpiryBucket::AutoRotated => "auto-rotated",
        ExpiryBucket::Unknown => "unknown",
    };
    let rated = matches!(
        row.expiry.bucket,
        ExpiryBucket::Critical | ExpiryBucket::Warning | ExpiryBucket::Notice | ExpiryBucket::Ok
    );
    if rated && row.expiry.assumed {
        format!("{word}?")
    } else {
        word.to_string()
    }
}

/// The expiry date, and the days left (negative: days since it expired).
fn expires_label(row: &ClusterRow) -> String {
    match (row.expiry.expires_at, row.expiry.days_left) {
        (Some(at), Some(days)) => format!("{} ({days} d)", at.format("%Y-%m-%d")),
        (Some(at), None) => at.format("%Y-%m-%d").to_string(),
        _ => String::new(),
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
                status_label(r),
                expires_label(r),
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
            "STATUS",
            "EXPIRES",
            "PROVISIONING",
            "POWER",
        ],
        &cells,
    )
}
