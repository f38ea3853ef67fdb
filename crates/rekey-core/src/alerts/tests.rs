//! The alerts' tests: thresholds, the ledger, the wording and the summary.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

use super::*;
use crate::inventory::model::{CredentialInfo, CredentialKind, CredentialOwner, ExpiryBucket, ExpiryStatus};
use crate::inventory::{AadIntegration, ClusterRow, IdentityKind};
use crate::paths::{broken_path, AppPaths};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn secret(app: &str, key: &str, end_days: i64) -> CredentialInfo {
    CredentialInfo {
        owner: CredentialOwner::Application,
        kind: CredentialKind::Password,
        app_id: app.into(),
        key_id: key.into(),
        hint: Some("abc".into()),
        display_name: None,
        start: Some(t0() - Duration::days(300)),
        end: Some(t0() + Duration::days(end_days)),
        expired: end_days < 0,
        last_used: None,
    }
}

fn row(name: &str, app: &str, credentials: Vec<CredentialInfo>, bucket: ExpiryBucket) -> ClusterRow {
    ClusterRow {
        rotatable: true,
        id: format!(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}"
        ),
        name: name.into(),
        subscription_id: "s".into(),
        subscription_name: "S".into(),
        resource_group: "rg".into(),
        location: "westeurope".into(),
        identity_kind: IdentityKind::ServicePrincipal,
        aad_integration: AadIntegration::None,
        sp_client_id: Some(app.into()),
        provisioning_state: "Succeeded".into(),
        power_state: None,
        kubernetes_version: None,
        tenant_id: None,
        tenant_name: None,
        node_count: None,
        aad_server_app_id: None,
        sp_display_name: Some(format!("{app}-sp")),
        expiry: ExpiryStatus {
            bucket,
            expires_at: credentials.first().and_then(|c| c.end),
            days_left: None,
            assumed: true,
            key_id: None,
            reason: String::new(),
        },
        credentials,
    }
}

fn thresholds_of(notices: &[Notice]) -> Vec<(String, Threshold)> {
    notices
        .iter()
        .flat_map(|n| n.crossings.iter().map(|c| (c.key_id.clone(), c.threshold)))
        .collect()
}

#[test]
fn each_threshold_once_and_the_most_urgent_when_several_are_crossed() {
    let rows = vec![row(
        "a",
        "app-a",
        vec![secret("app-a", "k1", 65)],
        ExpiryBucket::Ok,
    )];
    let rules = AlertRules::default();
    let mut ledger = Ledger::default();
    let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
    let mut seen = Vec::new();
    for day in 0..70 {
        let now = t0() + Duration::days(day) + Duration::minutes(1);
        for (key, t) in thresholds_of(&ledger.evaluate(&rows, now, utc, &rules)) {
            seen.push((day, key, t));
        }
    }
    let expect = |d, t| (d, "k1".to_string(), t);
    assert_eq!(
        seen,
        vec![
            // 60 days and 23 hours left is "60 days" (whole days, rounded down).
            expect(4, Threshold::Days(60)),
            expect(34, Threshold::Days(30)),
            expect(57, Threshold::Days(7)),
            expect(63, Threshold::Days(1)),
            expect(65, Threshold::Expired),
        ]
    );
    // Weeks away: the next look sees only the most urgent.
    let mut fresh = Ledger::default();
    let late = fresh.crossings(&rows, t0() + Duration::days(60), &rules);
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].threshold, Threshold::Days(7));
    assert!(fresh
        .crossings(&rows, t0() + Duration::days(60), &rules)
        .is_empty());
}

#[test]
fn an_old_replaced_secret_is_not_news_but_a_cut_off_cluster_is() {
    let rows = vec![
        row(
            "replaced",
            "app-r",
            vec![secret("app-r", "old", -40), secret("app-r", "new", 300)],
            ExpiryBucket::Ok,
        ),
        row(
            "broken",
            "app-b",
            vec![secret("app-b", "only", -3)],
            ExpiryBucket::Expired,
        ),
    ];
    let mut ledger = Ledger::default();
    let found = ledger.crossings(&rows, t0(), &AlertRules::default());
    assert_eq!(
        found
            .iter()
            .map(|c| (c.key_id.as_str(), c.threshold))
            .collect::<Vec<_>>(),
        vec![("only", Threshold::Expired)]
    );
}

#[test]
fn without_expired_notifications_an_expired_secret_is_never_told_as_expiring() {
    let rows = vec![
        row(
            "gone",
            "app-g",
            vec![secret("app-g", "g", -12)],
            ExpiryBucket::Expired,
        ),
        row(
            "soon",
            "app-s",
            vec![secret("app-s", "s", 2)],
            ExpiryBucket::Critical,
        ),
    ];
    let rules = AlertRules {
        days: vec![7],
        expired: false,
        daily_digest: false,
    };
    let mut ledger = Ledger::default();
    let found = ledger.crossings(&rows, t0(), &rules);
    assert_eq!(
        found
            .iter()
            .map(|c| (c.key_id.as_str(), c.threshold))
            .collect::<Vec<_>>(),
        vec![("s", Threshold::Days(7))]
    );
    // "s" expires later: still nothing, expired notifications are off.
    assert!(ledger
        .crossings(&rows, t0() + Duration::days(3), &rules)
        .is_empty());
}

#[test]
fn a_shared_secret_is_one_notice_naming_every_cluster() {
    let rows = vec![
        row(
            "one",
            "shared",
            vec![secret("shared", "k", 3)],
            ExpiryBucket::Critical,
        ),
        row(
            "two",
            "shared",
            vec![secret("shared", "k", 3)],
            ExpiryBucket::Critical,
        ),
    ];
    let mut ledger = Ledger::default();
    let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
    let notices = ledger.evaluate(&rows, t0(), utc, &AlertRules::default());
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, "one (+1 more): secret expires in 3 days");
    assert!(
        notices[0].body.contains("also used by two"),
        "{}",
        notices[0].body
    );
    assert!(notices[0]
        .cluster_id
        .as_deref()
        .is_some_and(|id| id.ends_with("/one")));
}

#[test]
fn names_from_azure_are_escaped_for_a_freedesktop_body() {
    let app = "<a href=\"https://evil.example\">Click</a> & <b>pay</b>";
    let rows = vec![row(
        "cluster <i>x</i>",
        app,
        vec![secret(app, "k", 3)],
        ExpiryBucket::Critical,
    )];
    let mut ledger = Ledger::default();
    let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
    let notices = ledger.evaluate(&rows, t0(), utc, &AlertRules::default());
    assert_eq!(notices.len(), 1);
    let body = freedesktop_body(&notices[0].body);
    assert!(!body.contains('<') && !body.contains('>'), "{body}");
    assert!(
        body.contains("&lt;a href=\"https://evil.example\"&gt;Click&lt;/a&gt; &amp; &lt;b&gt;pay&lt;/b&gt;"),
        "{body}"
    );
    // The plain text (other platforms, the UI) is left as it is.
    assert!(notices[0].body.contains(app), "{}", notices[0].body);
    assert_eq!(freedesktop_body("a&amp;b"), "a&amp;amp;b");
}

#[test]
fn many_at_once_make_one_summary_and_the_digest_comes_once_a_day() {
    let rows: Vec<ClusterRow> = (0..7)
        .map(|i| {
            let app = format!("app{i}");
            let key = format!("k{i}");
            row(
                &format!("c{i}"),
                &app,
                vec![secret(&app, &key, 10 + i)],
                ExpiryBucket::Warning,
            )
        })
        .collect();
    let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
    let mut ledger = Ledger::default();
    let notices = ledger.evaluate(&rows, t0(), utc, &AlertRules::default());
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].crossings.len(), 7);
    assert!(notices[0].body.contains("…and 2 more"), "{}", notices[0].body);
    assert_eq!(notices[0].cluster_id, None);

    let digest = AlertRules {
        daily_digest: true,
        ..AlertRules::default()
    };
    let mut ledger = Ledger::default();
    let first = ledger.evaluate(&rows, t0(), utc, &digest);
    assert_eq!(first.len(), 1);
    assert!(
        first[0].title.starts_with("Rekey daily digest: 7 secrets"),
        "{}",
        first[0].title
    );
    // Later the same day: a new crossing waits for tomorrow's digest.
    let mut more = rows.clone();
    more.push(row(
        "late",
        "app-late",
        vec![secret("app-late", "kl", 3)],
        ExpiryBucket::Critical,
    ));
    let later = ledger.evaluate(&more, t0() + Duration::hours(6), utc, &digest);
    assert!(later.is_empty());
    assert_eq!(ledger.pending().len(), 1);
    let next = ledger.evaluate(&more, t0() + Duration::hours(13), utc, &digest);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].crossings.len(), 1);
    assert_eq!(next[0].crossings[0].key_id, "kl");
    assert!(ledger.pending().is_empty());
    // In another time zone the day turns at another hour (noon UTC is 21:00 in Tokyo).
    let mut ledger = Ledger::default();
    let tokyo = FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!());
    assert_eq!(ledger.evaluate(&rows, t0(), tokyo, &digest).len(), 1);
    assert!(ledger
        .evaluate(
            &more,
            t0() + Duration::hours(2) + Duration::minutes(59),
            tokyo,
            &digest
        )
        .is_empty());
    assert_eq!(
        ledger
            .evaluate(&more, t0() + Duration::hours(3), tokyo, &digest)
            .len(),
        1
    );
}

#[test]
fn the_ledger_survives_a_restart_and_a_broken_one_is_set_aside() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let paths = AppPaths::at(dir.path());
    let rows = vec![row(
        "a",
        "app",
        vec![secret("app", "k", 20)],
        ExpiryBucket::Warning,
    )];
    let mut ledger = Ledger::load(&paths);
    assert_eq!(ledger.crossings(&rows, t0(), &AlertRules::default()).len(), 1);
    ledger.save(&paths).unwrap_or_else(|e| panic!("{e}"));
    let mut again = Ledger::load(&paths);
    assert!(again.crossings(&rows, t0(), &AlertRules::default()).is_empty());
    std::fs::write(Ledger::file(&paths), b"{oops").unwrap_or_else(|e| panic!("{e}"));
    let fresh = Ledger::load(&paths);
    assert_eq!(fresh, Ledger::default());
    assert!(broken_path(&Ledger::file(&paths)).exists());
}

#[test]
fn the_summary_has_the_worst_bucket_counts_and_next_expiries() {
    let rows = vec![
        row("ok", "a", vec![secret("a", "1", 200)], ExpiryBucket::Ok),
        row("warn", "b", vec![secret("b", "2", 20)], ExpiryBucket::Warning),
        row("crit", "c", vec![secret("c", "3", 5)], ExpiryBucket::Critical),
        row("unknown", "d", Vec::new(), ExpiryBucket::Unknown),
    ];
    let s = summarize(&rows, t0(), 5);
    assert_eq!(s.worst, ExpiryBucket::Critical);
    assert_eq!(
        (s.counts.ok, s.counts.warning, s.counts.critical, s.counts.unknown),
        (1, 1, 1, 1)
    );
    assert_eq!(
        s.next.iter().map(|n| n.cluster_name.as_str()).collect::<Vec<_>>(),
        vec!["crit", "warn"]
    );
    assert_eq!(summarize(&rows[..1], t0(), 5).worst, ExpiryBucket::Ok);
    let mut blind = crate::inventory::Inventory {
        clusters: rows[..1].to_vec(),
        ..Default::default()
    };
    assert_eq!(summarize_inventory(&blind, t0(), 5).worst, ExpiryBucket::Ok);
    blind.blind_spots.push(crate::inventory::blind::BlindSpot::new(
        crate::inventory::blind::BlindSpotKind::Subscription,
        "s",
        "403",
    ));
    assert_eq!(
        summarize_inventory(&blind, t0(), 5).worst,
        ExpiryBucket::Unknown,
        "never green over a blind spot"
    );
}
