//! Expiry alerts against the simulator: its clock moves forward one day at a time, Rekey refreshes
//! the inventory over HTTPS each day, and the alert ledger (reloaded from disk every day, as after
//! a restart) must announce exactly the expected threshold crossings, each once.

use chrono::{DateTime, FixedOffset, Utc};
use rekey_core::alerts::{AlertRules, Ledger, Notice, Threshold};
use rekey_core::inventory::{self, RefreshOptions};
use rekey_core::paths::AppPaths;
use serde_json::{json, Value};

fn client(sim: &rekey_sim::RunningSim) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).expect("the simulator's CA"),
        )
        .build()
        .expect("client")
}

/// The simulator's clock (`/_sim/clock`), moved forward by `advance_seconds` first.
async fn clock(sim: &rekey_sim::RunningSim, http: &reqwest::Client, advance_seconds: i64) -> DateTime<Utc> {
    let url = format!("{}_sim/clock", sim.base_url);
    let request = if advance_seconds == 0 {
        http.get(url)
    } else {
        http.post(url).json(&json!({"advance_seconds": advance_seconds}))
    };
    let body: Value = request
        .bearer_auth(sim.admin_token())
        .send()
        .await
        .expect("clock request")
        .json()
        .await
        .expect("clock JSON");
    body["now"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .expect("the clock's now")
}

/// (day, clusters, threshold, days left) of each crossing a notice tells of.
type Seen = (i64, String, Threshold, i64);

fn seen(day: i64, notices: &[Notice]) -> Vec<Seen> {
    notices
        .iter()
        .flat_map(|n| {
            n.crossings.iter().map(move |c| {
                let clusters: Vec<&str> = c.clusters.iter().map(|k| k.name.as_str()).collect();
                (day, clusters.join(","), c.threshold, c.days_left)
            })
        })
        .collect()
}

#[tokio::test]
async fn day_by_day_each_secret_is_notified_once_per_threshold_across_restarts() {
    let simulator = rekey_sim::start_demo(rekey_sim::SimConfig::default())
        .await
        .expect("simulator");
    let demo_session = rekey_demo::connect(&simulator).await.expect("demo starts");
    let http = client(&simulator);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::at(dir.path());
    let utc = FixedOffset::east_opt(0).expect("UTC");
    let rules = AlertRules::default();
    let mut all: Vec<Seen> = Vec::new();
    let mut notices_per_day: Vec<(i64, usize)> = Vec::new();
    for day in 0..=70 {
        // Day 0 is an hour after the simulator's start (its secrets' dates are relative to the
        // start), so that whole days left do not depend on how fast the test runs.
        let step = if day == 0 { 3_600 } else { 86_400 };
        let now = clock(&simulator, &http, step).await;
        let found = inventory::refresh(&demo_session, RefreshOptions::default())
            .await
            .expect("the inventory refreshes");
        assert_eq!(found.clusters.len(), 12, "day {day}: {:?}", found.warnings);
        // Each day is a new start of Rekey: the ledger comes from disk.
        let mut ledger = Ledger::load(&paths);
        let notices = ledger.evaluate(&found.clusters, now, utc, &rules);
        ledger.save(&paths).expect("ledger saved");
        if !notices.is_empty() {
            notices_per_day.push((day, notices.len()));
        }
        all.extend(seen(day, &notices));
        // Restarted again the same day: nothing is repeated.
        let mut restarted = Ledger::load(&paths);
        assert_eq!(
            restarted.evaluate(&found.clusters, now, utc, &rules),
            Vec::new(),
            "day {day}"
        );
    }
    let d = Threshold::Days;
    let x = Threshold::Expired;
    let s = |day: i64, clusters: &str, t: Threshold, left: i64| (day, clusters.to_string(), t, left);
    // The demo's secrets (expires_in_days at the simulator's start) and the day each threshold is
    // crossed: N - day - 1 whole days are left on day `day` (an hour after the start + `day` days).
    let expected = vec![
        // Day 0, the first look: the most urgent crossing of each secret only, and the old replaced
        // secrets are not news. Seven at once come as one summary.
        s(0, "aks-ci-runners", x, -13),               // aks-ci-sp, -12: cut off
        s(0, "aks-portal-legacy", x, -4),             // aks-portal-sp, -3: cut off
        s(0, "aks-prod-weu,aks-prod-weu-2", d(7), 4), // aks-prod-weu-sp, 5 (shared)
        s(0, "aks-edge-legacy", d(30), 14),           // aks-edge-sp on the SP object, 15
        s(0, "aks-edge-legacy,aks-portal-legacy", d(30), 19), // aks-aad-server, 20 (shared)
        s(0, "aks-stg-weu", d(30), 24),               // aks-stg-sp, 25
        s(0, "aks-edge-legacy", d(60), 44),           // aks-edge-sp on the app, 45
        s(3, "aks-prod-weu,aks-prod-weu-2", d(1), 1),
        s(5, "aks-prod-weu,aks-prod-weu-2", x, -1),
        s(7, "aks-edge-legacy", d(7), 7),
        s(9, "aks-stg-batch", d(60), 60), // aks-batch-sp, 70
        s(12, "aks-edge-legacy,aks-portal-legacy", d(7), 7),
        s(13, "aks-edge-legacy", d(1), 1),
        s(14, "aks-edge-legacy", d(30), 30),
        s(15, "aks-edge-legacy", x, -1), // seen before: told, though the app has another
        s(17, "aks-stg-weu", d(7), 7),
        s(18, "aks-edge-legacy,aks-portal-legacy", d(1), 1),
        s(20, "aks-edge-legacy,aks-portal-legacy", x, -1),
        s(23, "aks-stg-weu", d(1), 1),
        s(25, "aks-stg-weu", x, -1),
        s(37, "aks-edge-legacy", d(7), 7),
        s(39, "aks-stg-batch", d(30), 30),
        s(43, "aks-edge-legacy", d(1), 1),
        s(45, "aks-edge-legacy", x, -1),
        s(62, "aks-stg-batch", d(7), 7),
        s(68, "aks-stg-batch", d(1), 1),
        s(69, "aks-payments", d(60), 60), // aks-payments-sp on the SP object, 130
        s(70, "aks-stg-batch", x, -1),
    ];
    assert_eq!(all, expected);
    // One summary on day 0 (seven at once), then one notification per crossing.
    assert_eq!(notices_per_day.first(), Some(&(0, 1)));
    assert!(
        notices_per_day[1..].iter().all(|(_, n)| *n == 1),
        "{notices_per_day:?}"
    );
}

#[tokio::test]
async fn the_daily_digest_tells_each_day_s_crossings_in_one_notification() {
    let simulator = rekey_sim::start_demo(rekey_sim::SimConfig::default())
        .await
        .expect("simulator");
    let demo_session = rekey_demo::connect(&simulator).await.expect("demo starts");
    let http = client(&simulator);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::at(dir.path());
    let utc = FixedOffset::east_opt(0).expect("UTC");
    let rules = AlertRules {
        daily_digest: true,
        ..AlertRules::default()
    };
    let mut digests = Vec::new();
    for day in 0..=20 {
        // Day 0 is an hour after the simulator's start (its secrets' dates are relative to the
        // start), so that whole days left do not depend on how fast the test runs.
        let step = if day == 0 { 3_600 } else { 86_400 };
        let now = clock(&simulator, &http, step).await;
        let found = inventory::refresh(&demo_session, RefreshOptions::default())
            .await
            .expect("the inventory refreshes");
        let mut ledger = Ledger::load(&paths);
        let notices = ledger.evaluate(&found.clusters, now, utc, &rules);
        ledger.save(&paths).expect("ledger saved");
        for n in &notices {
            assert!(n.title.starts_with("Rekey daily digest"), "{}", n.title);
            assert_eq!(n.cluster_id, None);
            digests.push((day, n.crossings.len()));
        }
    }
    // The days with crossings in the test above, each as one digest.
    assert_eq!(
        digests,
        vec![
            (0, 7),
            (3, 1),
            (5, 1),
            (7, 1),
            (9, 1),
            (12, 1),
            (13, 1),
            (14, 1),
            (15, 1),
            (17, 1),
            (18, 1),
            (20, 1)
        ]
    );
}
