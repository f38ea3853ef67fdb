//! `rekey check`: the inventory as a monitoring plugin reports it (Nagios, Icinga, Zabbix…): one line
//! with performance data, and the exit code says the worst state: 0 OK, 1 WARNING, 2 CRITICAL
//! (something expired or expires within the critical days), 3 UNKNOWN (clusters or accounts that
//! could not be rated, a subscription, tenant or app that could not be read, or the check itself
//! failed). What could not be read is named, even when the state is CRITICAL.

use std::process::ExitCode;

use clap::Args;
use rekey_core::alerts::BucketCounts;
use rekey_core::inventory::blind::BlindSpot;
use rekey_core::inventory::model::{ExpiryBucket, Thresholds};
use rekey_core::inventory::{ClusterRow, RefreshOptions};
use serde::Serialize;

use crate::cloud_args::CloudArgs;
use crate::error::CliError;
use crate::output::print_json;
use crate::scan::{scan, Scan};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// A credential that expires within this many days is a WARNING.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    warn_days: i64,
    /// A credential that expires within this many days is CRITICAL (as is one that has expired).
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    critical_days: i64,
    /// Print the result as JSON (with the clusters that need attention) instead of one line.
    #[arg(long)]
    json: bool,
}

/// The monitoring states. A known CRITICAL always wins. Anything that could not be read (an account,
/// a subscription, a tenant, an app's credentials) makes the rest UNKNOWN: a WARNING or OK over a
/// blind spot could hide a worse state. Clusters merely rated unknown rank below WARNING (as the
/// monitoring plugins' `max_state_alt` ranks them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum State {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl State {
    fn code(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    fn word(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

/// Clusters that need nothing within the warning days: a check reports the notice bucket as ok.
fn ok(counts: &BucketCounts) -> u32 {
    counts.ok + counts.notice
}

/// The counts as `--json` has always given them: `ok` includes the notice bucket.
fn check_counts<S: serde::Serializer>(counts: &BucketCounts, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut out = serializer.serialize_struct("Counts", 6)?;
    out.serialize_field("expired", &counts.expired)?;
    out.serialize_field("critical", &counts.critical)?;
    out.serialize_field("warning", &counts.warning)?;
    out.serialize_field("ok", &ok(counts))?;
    out.serialize_field("autoRotated", &counts.auto_rotated)?;
    out.serialize_field("unknown", &counts.unknown)?;
    out.end()
}

/// What the check found, as `--json` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    status: State,
    exit_code: u8,
    summary: String,
    thresholds: Thresholds,
    #[serde(serialize_with = "check_counts")]
    counts: BucketCounts,
    failed_accounts: Vec<FailedAccount<'a>>,
    /// What could not be read and why (failed accounts included, as their tenants).
    blind_spots: &'a [BlindSpot],
    warnings: &'a [String],
    /// The clusters that are not OK: expired, critical, warning or unknown, most urgent first.
    clusters: Vec<&'a ClusterRow>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FailedAccount<'a> {
    account: &'a str,
    username: &'a str,
    code: &'a str,
    message: &'a str,
}

pub async fn run(args: CheckArgs, cloud: &CloudArgs) -> ExitCode {
    let outcome = match thresholds(&args) {
        Ok(thresholds) => {
            let options = RefreshOptions {
                thresholds,
                ..RefreshOptions::default()
            };
            scan(cloud, options).await.map(|found| (thresholds, found))
        }
        Err(e) => Err(e),
    };
    let (thresholds, found) = match outcome {
        Ok(done) => done,
        Err(e) => return failed(&e, args.json),
    };
    let counts = BucketCounts::of(&found.inventory.clusters);
    let blind = blind_spots(&found);
    let state = state(&counts, found.failed.len() + blind.len());
    let summary = summary(state, &counts, &thresholds, found.failed.len(), &blind);
    if !args.json {
        println!("{summary}");
        return ExitCode::from(state.code());
    }
    let report = report(state, summary, thresholds, counts, &found, &blind);
    match print_json(&report) {
        Ok(()) => ExitCode::from(state.code()),
        Err(e) => failed(&e, false),
    }
}

/// The thresholds as the core rates with them; the notice bucket stays at least as wide.
fn thresholds(args: &CheckArgs) -> Result<Thresholds, CliError> {
    if args.critical_days < 0 || args.warn_days < args.critical_days {
        return Err(CliError::usage(format!(
            "--critical-days ({}) must be at least 0 and at most --warn-days ({})",
            args.critical_days, args.warn_days
        )));
    }
    let defaults = Thresholds::default();
    Ok(Thresholds {
        critical_days: args.critical_days,
        warning_days: args.warn_days,
        notice_days: defaults.notice_days.max(args.warn_days),
    })
}

/// Everything that could not be read: the inventory's blind spots, then each failed account's tenant.
fn blind_spots(found: &Scan) -> Vec<BlindSpot> {
    let mut spots = found.inventory.blind_spots.clone();
    for failure in &found.failed {
        rekey_core::inventory::blind::add(&mut spots, failure.blind_spot());
    }
    spots
}

/// `unread` counts failed accounts and blind spots.
fn state(counts: &BucketCounts, unread: usize) -> State {
    if counts.expired + counts.critical > 0 {
        State::Critical
    } else if unread > 0 {
        State::Unknown
    } else if counts.warning > 0 {
        State::Warning
    } else if counts.unknown > 0 {
        State::Unknown
    } else {
        State::Ok
    }
}

/// `REKEY CRITICAL - 2 expired, 1 within 7 days, … | expired=2 critical=1 …`
fn summary(
    state: State,
    counts: &BucketCounts,
    thresholds: &Thresholds,
    failed_accounts: usize,
    blind: &[BlindSpot],
) -> String {
    let mut parts = vec![
        format!("{} expired", counts.expired),
        format!("{} within {} days", counts.critical, thresholds.critical_days),
        format!("{} within {} days", counts.warning, thresholds.warning_days),
        format!("{} ok", ok(counts)),
        format!("{} auto-rotated", counts.auto_rotated),
    ];
    if counts.unknown > 0 {
        parts.push(format!("{} unknown", counts.unknown));
    }
    if failed_accounts > 0 {
        let s = if failed_accounts == 1 { "" } else { "s" };
        parts.push(format!("{failed_accounts} account{s} not checked"));
    }
    if !blind.is_empty() {
        // Named, so that an operator knows what the state does not cover; `|` would start the
        // performance data.
        let named: Vec<String> = blind
            .iter()
            .map(|b| match &b.code {
                Some(code) => format!("{} ({code})", b.label()),
                None => b.label(),
            })
            .collect();
        parts.push(format!("not read: {}", named.join("; ").replace('|', "/")));
    }
    format!(
        "REKEY {} - {} | expired={} critical={} warning={} unknown={} ok={} auto_rotated={}",
        state.word(),
        parts.join(", "),
        counts.expired,
        counts.critical,
        counts.warning,
        counts.unknown,
        ok(counts),
        counts.auto_rotated
    )
}

fn report<'a>(
    state: State,
    summary: String,
    thresholds: Thresholds,
    counts: BucketCounts,
    found: &'a Scan,
    blind: &'a [BlindSpot],
) -> Report<'a> {
    let mut clusters: Vec<&ClusterRow> = found
        .inventory
        .clusters
        .iter()
        .filter(|r| {
            matches!(
                r.expiry.bucket,
                ExpiryBucket::Expired
                    | ExpiryBucket::Critical
                    | ExpiryBucket::Warning
                    | ExpiryBucket::Unknown
            )
        })
        .collect();
    clusters.sort_by_key(|r| (r.expiry.bucket, r.expiry.days_left));
    Report {
        status: state,
        exit_code: state.code(),
        summary,
        thresholds,
        counts,
        failed_accounts: found
            .failed
            .iter()
            .map(|f| FailedAccount {
                account: &f.account.id,
                username: &f.account.username,
                code: &f.error.code,
                message: &f.error.message,
            })
            .collect(),
        blind_spots: blind,
        warnings: &found.inventory.warnings,
        clusters,
    }
}

/// The check could not run: UNKNOWN, in the same shape as a result.
fn failed(e: &CliError, json: bool) -> ExitCode {
    let shown = e.to_ipc();
    if json {
        let value = serde_json::json!({
            "status": State::Unknown,
            "exitCode": State::Unknown.code(),
            "summary": format!("REKEY UNKNOWN - {}", shown.message),
            "error": shown,
        });
        println!("{value}");
    } else {
        println!("REKEY UNKNOWN - {} (code: {})", shown.message, shown.code);
    }
    ExitCode::from(State::Unknown.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(expired: u32, critical: u32, warning: u32, unknown: u32) -> BucketCounts {
        BucketCounts {
            expired,
            critical,
            warning,
            notice: 10,
            ok: 30,
            auto_rotated: 12,
            unknown,
        }
    }

    #[test]
    fn the_worst_known_state_wins() {
        assert_eq!(state(&counts(0, 0, 0, 0), 0), State::Ok);
        assert_eq!(state(&counts(0, 0, 0, 1), 0), State::Unknown);
        assert_eq!(state(&counts(0, 0, 0, 0), 1), State::Unknown);
        assert_eq!(state(&counts(0, 0, 3, 1), 0), State::Warning);
        assert_eq!(
            state(&counts(0, 0, 3, 1), 1),
            State::Unknown,
            "a warning over a blind spot is not the whole story"
        );
        assert_eq!(state(&counts(1, 0, 0, 0), 2), State::Critical);
        assert_eq!(state(&counts(1, 0, 3, 1), 0), State::Critical);
        assert_eq!(state(&counts(0, 1, 0, 0), 0), State::Critical);
    }

    #[test]
    fn one_line_with_performance_data() {
        let line = summary(
            State::Critical,
            &counts(2, 1, 3, 0),
            &Thresholds::default(),
            0,
            &[],
        );
        assert_eq!(
            line,
            "REKEY CRITICAL - 2 expired, 1 within 7 days, 3 within 30 days, 40 ok, 12 auto-rotated | \
             expired=2 critical=1 warning=3 unknown=0 ok=40 auto_rotated=12"
        );
        let blind = [BlindSpot::new(
            rekey_core::inventory::blind::BlindSpotKind::Subscription,
            "sub-1",
            "403",
        )
        .named(Some("Prod".into()))
        .code("AuthorizationFailed")];
        let partial = summary(
            State::Unknown,
            &counts(0, 0, 0, 2),
            &Thresholds::default(),
            1,
            &blind,
        );
        assert!(
            partial.starts_with("REKEY UNKNOWN - 0 expired")
                && partial.contains(
                    "2 unknown, 1 account not checked, not read: subscription Prod (sub-1) (AuthorizationFailed) |"
                ),
            "{partial}"
        );
    }

    #[test]
    fn thresholds_must_be_ordered() {
        let args = |warn_days, critical_days| CheckArgs {
            warn_days,
            critical_days,
            json: false,
        };
        let wide = thresholds(&args(120, 14)).ok();
        assert_eq!(
            wide,
            Some(Thresholds {
                critical_days: 14,
                warning_days: 120,
                notice_days: 120
            })
        );
        assert!(thresholds(&args(7, 30)).is_err());
        assert!(thresholds(&args(30, -1)).is_err());
    }
}
