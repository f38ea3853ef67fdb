//! The expiry rating of a cluster, never optimistic. Rekey cannot see which secret a cluster holds
//! unless Rekey put it there: otherwise it rates the cluster by the earliest unexpired secret that
//! could be the one in use, and says that this is an assumption.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::classify::{AadIntegration, ClusterRow, IdentityKind};
use super::credentials::AppCredentials;
use super::model::{
    AppRole, CredentialInfo, CredentialKind, CredentialOwner, ExpiryBucket, ExpiryStatus, Thresholds,
};

const SECONDS_PER_DAY: i64 = 86_400;

/// Whole days from `now` until `end`, rounded down: 7.9 days left is 7, half a day ago is -1.
pub fn days_left(end: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (end - now).num_seconds().div_euclid(SECONDS_PER_DAY)
}

/// The bucket of a credential that is still valid for `days_left` whole days.
pub fn bucket(days_left: i64, thresholds: &Thresholds) -> ExpiryBucket {
    if days_left < 0 {
        ExpiryBucket::Expired
    } else if days_left <= thresholds.critical_days {
        ExpiryBucket::Critical
    } else if days_left <= thresholds.warning_days {
        ExpiryBucket::Warning
    } else if days_left <= thresholds.notice_days {
        ExpiryBucket::Notice
    } else {
        ExpiryBucket::Ok
    }
}

fn date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn owner(c: &CredentialInfo) -> &'static str {
    match c.owner {
        CredentialOwner::Application => "app registration",
        CredentialOwner::ServicePrincipal => "service principal object",
    }
}

fn status(
    bucket: ExpiryBucket,
    credential: Option<&CredentialInfo>,
    now: DateTime<Utc>,
    assumed: bool,
    reason: String,
) -> ExpiryStatus {
    let expires_at = credential.and_then(|c| c.end);
    ExpiryStatus {
        bucket,
        expires_at,
        days_left: expires_at.map(|end| days_left(end, now)),
        assumed,
        key_id: credential.map(|c| c.key_id.clone()),
        reason,
    }
}

fn unknown(reason: String) -> ExpiryStatus {
    ExpiryStatus::unknown(reason)
}

/// Rates one app: by `known_key` when Rekey put that secret on the cluster and it still exists,
/// else by the earliest-expiring unexpired secret. Certificates are listed but never
/// rated: AKS signs in with the client secret it was given, never with a certificate.
pub fn rate_app(
    app: &AppCredentials,
    role: AppRole,
    known_key: Option<&str>,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> ExpiryStatus {
    let what = role.label();
    if let Some(problem) = app.problem() {
        return unknown(format!(
            "Rekey could not read every credential of the {what} {}: {problem}",
            app.app_id
        ));
    }
    let secrets: Vec<&CredentialInfo> = app
        .credentials
        .iter()
        .filter(|c| c.kind == CredentialKind::Password)
        .collect();
    if let Some(known) = known_key.and_then(|k| secrets.iter().find(|c| c.key_id.eq_ignore_ascii_case(k))) {
        return match known.end {
            Some(end) if end <= now => status(
                ExpiryBucket::Expired,
                Some(known),
                now,
                false,
                format!("The secret Rekey put on this cluster expired on {}.", date(end)),
            ),
            Some(end) => status(
                bucket(days_left(end, now), thresholds),
                Some(known),
                now,
                false,
                format!(
                    "Rekey put this secret on the cluster; it expires on {}.",
                    date(end)
                ),
            ),
            None => status(
                ExpiryBucket::Ok,
                Some(known),
                now,
                false,
                "Rekey put this secret on the cluster; it does not expire.".into(),
            ),
        };
    }
    // Any unexpired secret could be the one in use, even one whose start date is still ahead (it
    // was handed out already): counting more secrets can only make the rating earlier.
    let valid: Vec<&CredentialInfo> = secrets
        .iter()
        .copied()
        .filter(|c| c.end.is_none_or(|e| e > now))
        .collect();
    // Never expiring sorts last: any dated secret could run out first.
    let earliest = valid.iter().copied().min_by_key(|c| (c.end.is_none(), c.end));
    let Some(earliest) = earliest else {
        let last = secrets.iter().copied().max_by_key(|c| c.end);
        let reason = match last.and_then(|c| c.end) {
            Some(end) => format!(
                "Every secret of the {what} {} has expired (the last on {}): the cluster cannot sign in.",
                app.app_id,
                date(end)
            ),
            None => format!(
                "The {what} {} has no secret at all: the cluster cannot sign in.",
                app.app_id
            ),
        };
        return status(ExpiryBucket::Expired, last, now, false, reason);
    };
    let others = match valid.len() {
        1 => "the only unexpired secret".to_string(),
        n => format!("the earliest-expiring of {n} unexpired secrets"),
    };
    let named = earliest
        .hint
        .as_deref()
        .map(|h| format!(" ({h}…, on the {})", owner(earliest)))
        .unwrap_or_else(|| format!(" (on the {})", owner(earliest)));
    match earliest.end {
        Some(end) => status(
            bucket(days_left(end, now), thresholds),
            Some(earliest),
            now,
            true,
            format!(
                "Assumed: Rekey cannot see which secret the cluster holds, so it is rated by {others} of the \
                 {what}{named}, which expires on {}.",
                date(end)
            ),
        ),
        None => status(
            ExpiryBucket::Ok,
            Some(earliest),
            now,
            true,
            format!("Assumed: the unexpired secrets of the {what} do not expire."),
        ),
    }
}

/// The worse of two ratings: expired wins, then unknown (it could be expired), then the earlier
/// expiry. On a tie the first one is kept.
pub fn worse(a: ExpiryStatus, b: ExpiryStatus) -> ExpiryStatus {
    use ExpiryBucket::{AutoRotated, Expired, Unknown};
    match (a.bucket, b.bucket) {
        (Expired, _) => a,
        (_, Expired) => b,
        (Unknown, _) => a,
        (_, Unknown) => b,
        (AutoRotated, _) => b,
        (_, AutoRotated) => a,
        _ => match (a.expires_at, b.expires_at) {
            (Some(x), Some(y)) if y < x => b,
            (None, Some(_)) => b,
            _ => a,
        },
    }
}

/// Rates a cluster: managed identities are rotated by Azure; a service principal by its secrets;
/// a legacy AAD integration also by its server app's secrets (whichever is worse). `apps` holds
/// what Graph said, keyed by lowercase app ID; an app missing from it is rated Unknown.
pub fn rate_cluster(
    row: &ClusterRow,
    apps: &HashMap<String, AppCredentials>,
    known_key: Option<&str>,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> ExpiryStatus {
    let rate = |app_id: &str, role: AppRole| match apps.get(&app_id.to_ascii_lowercase()) {
        Some(app) => rate_app(app, role, known_key, thresholds, now),
        None => unknown(format!(
            "The credentials of the {} {app_id} were not read.",
            role.label()
        )),
    };
    let identity = match (&row.identity_kind, &row.sp_client_id) {
        (IdentityKind::ServicePrincipal, Some(app_id)) => rate(app_id, AppRole::ClusterIdentity),
        (IdentityKind::ServicePrincipal, None) => unknown("The cluster names no service principal.".into()),
        (IdentityKind::ManagedIdentity, _) => ExpiryStatus::auto_rotated(),
    };
    match (&row.aad_integration, &row.aad_server_app_id) {
        (AadIntegration::Legacy, Some(server)) => {
            let mut server = rate(server, AppRole::AadServer);
            server.reason = format!(
                "Legacy AAD integration (deprecated, migrate it): {}",
                server.reason
            );
            worse(identity, server)
        }
        _ => identity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::credentials::Lookup;
    use chrono::Duration;

    fn secret(key: &str, owner: CredentialOwner, end_days: i64, now: DateTime<Utc>) -> CredentialInfo {
        CredentialInfo {
            owner,
            kind: CredentialKind::Password,
            app_id: "app".into(),
            key_id: key.into(),
            hint: Some("abc".into()),
            display_name: None,
            start: Some(now - Duration::days(400)),
            end: Some(now + Duration::days(end_days) + Duration::hours(1)),
            expired: end_days < 0,
            last_used: None,
        }
    }

    fn app(credentials: Vec<CredentialInfo>) -> AppCredentials {
        AppCredentials {
            app_id: "app".into(),
            display_name: None,
            credentials,
            application: Lookup::Found,
            service_principal: Lookup::Found,
        }
    }

    #[test]
    fn buckets_follow_the_thresholds() {
        let t = Thresholds::default();
        assert_eq!(bucket(-1, &t), ExpiryBucket::Expired);
        assert_eq!(bucket(0, &t), ExpiryBucket::Critical);
        assert_eq!(bucket(7, &t), ExpiryBucket::Critical);
        assert_eq!(bucket(8, &t), ExpiryBucket::Warning);
        assert_eq!(bucket(30, &t), ExpiryBucket::Warning);
        assert_eq!(bucket(90, &t), ExpiryBucket::Notice);
        assert_eq!(bucket(91, &t), ExpiryBucket::Ok);
        let now = Utc::now();
        assert_eq!(days_left(now + Duration::hours(191), now), 7);
        assert_eq!(days_left(now - Duration::hours(1), now), -1);
    }

    #[test]
    fn the_earliest_valid_secret_rates_and_it_is_an_assumption() {
        let now = Utc::now();
        let a = app(vec![
            secret("old", CredentialOwner::Application, -5, now),
            secret("sp", CredentialOwner::ServicePrincipal, 20, now),
            secret("new", CredentialOwner::Application, 200, now),
        ]);
        let s = rate_app(&a, AppRole::ClusterIdentity, None, &Thresholds::default(), now);
        assert_eq!(s.bucket, ExpiryBucket::Warning);
        assert_eq!(s.key_id.as_deref(), Some("sp"));
        assert_eq!(s.days_left, Some(20));
        assert!(s.assumed && s.reason.starts_with("Assumed"), "{}", s.reason);
    }

    #[test]
    fn a_known_secret_is_not_an_assumption_and_all_expired_is_broken() {
        let now = Utc::now();
        let a = app(vec![
            secret("soon", CredentialOwner::Application, 3, now),
            secret("mine", CredentialOwner::Application, 300, now),
        ]);
        let s = rate_app(
            &a,
            AppRole::ClusterIdentity,
            Some("MINE"),
            &Thresholds::default(),
            now,
        );
        assert_eq!((s.bucket, s.assumed), (ExpiryBucket::Ok, false));
        let gone = app(vec![secret("x", CredentialOwner::Application, -1, now)]);
        let s = rate_app(&gone, AppRole::ClusterIdentity, None, &Thresholds::default(), now);
        assert_eq!((s.bucket, s.assumed), (ExpiryBucket::Expired, false));
        let none = app(Vec::new());
        let s = rate_app(&none, AppRole::AadServer, None, &Thresholds::default(), now);
        assert_eq!(s.bucket, ExpiryBucket::Expired);
    }

    #[test]
    fn an_unreadable_app_is_unknown_and_worse_prefers_expired_then_unknown() {
        let now = Utc::now();
        let mut a = app(vec![secret("x", CredentialOwner::Application, 300, now)]);
        a.service_principal = Lookup::Failed(crate::inventory::credentials::Failure {
            status: Some(403),
            code: "Authorization_RequestDenied".into(),
            message: "no".into(),
        });
        let unknown = rate_app(&a, AppRole::ClusterIdentity, None, &Thresholds::default(), now);
        assert_eq!(unknown.bucket, ExpiryBucket::Unknown);
        let ok = rate_app(
            &app(vec![secret("y", CredentialOwner::Application, 300, now)]),
            AppRole::ClusterIdentity,
            None,
            &Thresholds::default(),
            now,
        );
        let soon = rate_app(
            &app(vec![secret("z", CredentialOwner::Application, 2, now)]),
            AppRole::AadServer,
            None,
            &Thresholds::default(),
            now,
        );
        assert_eq!(worse(ok.clone(), soon.clone()).key_id.as_deref(), Some("z"));
        assert_eq!(worse(ok, unknown.clone()).bucket, ExpiryBucket::Unknown);
        let expired = rate_app(
            &app(Vec::new()),
            AppRole::AadServer,
            None,
            &Thresholds::default(),
            now,
        );
        assert_eq!(worse(unknown, expired).bucket, ExpiryBucket::Expired);
    }
}
