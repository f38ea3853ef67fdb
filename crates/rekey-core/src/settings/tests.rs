//! The settings' tests: defaults, round trips, a message per bad value.

use super::*;

fn temp() -> (tempfile::TempDir, AppPaths) {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::at(dir.path());
    (dir, paths)
}

#[test]
fn a_bad_file_falls_back_to_defaults_with_a_reason() {
    let (_dir, paths) = temp();
    std::fs::create_dir_all(&paths.config_dir).expect("config dir");
    std::fs::write(paths.config_dir.join("settings.json"), "{not json").expect("write");
    let (settings, problem) = Settings::load(&paths);
    assert_eq!(settings, Settings::default());
    assert!(matches!(problem, Some(SettingsError::Invalid { .. })));
}

#[test]
fn the_client_id_round_trips_and_must_be_a_guid() {
    let (_dir, paths) = temp();
    let ok = Settings {
        client_id: Some("11111111-2222-3333-4444-555555555555".into()),
        ..Settings::default()
    };
    ok.save(&paths).expect("saved");
    let (loaded, problem) = Settings::load(&paths);
    assert_eq!(loaded, ok);
    assert!(problem.is_none());
    let bad = Settings {
        client_id: Some("my-app".into()),
        ..Settings::default()
    };
    let err = bad.save(&paths).expect_err("refused");
    assert_eq!(err.problems()[0].field, "clientId");
    assert!(err.to_string().contains("'my-app'"), "{err}");
}

#[test]
fn an_old_file_loads_with_the_new_defaults() {
    let (_dir, paths) = temp();
    std::fs::create_dir_all(&paths.config_dir).expect("config dir");
    std::fs::write(
        paths.config_dir.join("settings.json"),
        r#"{"clientId": "11111111-2222-3333-4444-555555555555"}"#,
    )
    .expect("write");
    let (loaded, problem) = Settings::load(&paths);
    assert!(problem.is_none());
    assert_eq!(loaded.refresh_interval_hours, 6);
    assert_eq!(loaded.notify_days, vec![60, 30, 7, 1]);
    assert_eq!(loaded.retire_policy, RetirePolicy::AfterGrace);
    assert_eq!(loaded.rotation_lifetime_days, 180);
    assert!(loaded.close_to_tray && loaded.notify_expired && !loaded.start_at_login);
}

#[test]
fn each_bad_value_gets_its_own_message_and_its_default() {
    let (settings, problems) = Settings::from_value(&serde_json::json!({
        "refreshIntervalHours": "six",
        "rotationConcurrency": 0,
        "rotationLifetimeDays": 9000,
        "retirePolicy": "sometimes",
        "expiryBuckets": {"criticalDays": 30, "warningDays": 7, "noticeDays": 90},
        "notifyDays": [7, 400],
        "closeToTray": false,
        "retireGraceHours": -1,
    }));
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    for f in [
        "refreshIntervalHours",
        "rotationConcurrency",
        "rotationLifetimeDays",
        "retirePolicy",
        "expiryBuckets",
        "notifyDays",
        "retireGraceHours",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert!(problems.iter().all(|p| p.message.ends_with('.')), "{problems:?}");
    let d = Settings::default();
    assert_eq!(settings.refresh_interval_hours, d.refresh_interval_hours);
    assert_eq!(settings.rotation_concurrency, d.rotation_concurrency);
    assert_eq!(settings.expiry_buckets, d.expiry_buckets);
    assert_eq!(settings.notify_days, d.notify_days);
    // The good value is kept.
    assert!(!settings.close_to_tray);
}

#[test]
fn retire_policy_is_camel_case_and_thresholds_are_normalized() {
    let (settings, problems) = Settings::from_value(&serde_json::json!({
        "retirePolicy": "never",
        "notifyDays": [1, 30, 30, 60],
        "clientId": "  ",
    }));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(settings.retire_policy, RetirePolicy::Never);
    assert_eq!(settings.notify_days, vec![60, 30, 1]);
    assert_eq!(settings.client_id, None);
    let json = serde_json::to_value(RetirePolicy::AfterGrace).expect("json");
    assert_eq!(json, serde_json::json!("afterGrace"));
}

#[test]
fn a_bad_value_in_the_file_keeps_the_others() {
    let (_dir, paths) = temp();
    std::fs::create_dir_all(&paths.config_dir).expect("config dir");
    std::fs::write(
        paths.config_dir.join("settings.json"),
        r#"{"dailyDigest": true, "refreshIntervalHours": 0}"#,
    )
    .expect("write");
    let (loaded, problem) = Settings::load(&paths);
    assert!(loaded.daily_digest);
    assert_eq!(loaded.refresh_interval_hours, 6);
    let message = problem.expect("a problem").to_string();
    assert!(message.contains("refresh interval"), "{message}");
}

#[test]
fn the_theme_defaults_to_the_system_and_a_bad_one_is_said() {
    let (settings, problems) = Settings::from_value(&serde_json::json!({"theme": "dark"}));
    assert_eq!(settings.theme, Theme::Dark);
    assert!(problems.is_empty(), "{problems:?}");
    let (settings, problems) = Settings::from_value(&serde_json::json!({"theme": "purple"}));
    assert_eq!(settings.theme, Theme::System);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "theme");
    assert!(
        problems[0].message.contains("system, light or dark"),
        "{problems:?}"
    );
    let (settings, _) = Settings::from_value(&serde_json::json!({}));
    assert_eq!(settings.theme, Theme::System);
}

#[test]
fn update_checks_are_on_by_default_and_can_be_turned_off() {
    // A file from before the setting existed keeps checking.
    let (settings, problems) = Settings::from_value(&serde_json::json!({"dailyDigest": true}));
    assert!(settings.check_for_updates);
    assert!(problems.is_empty(), "{problems:?}");
    let (settings, problems) = Settings::from_value(&serde_json::json!({"checkForUpdates": false}));
    assert!(!settings.check_for_updates);
    assert!(problems.is_empty(), "{problems:?}");
    let (settings, problems) = Settings::from_value(&serde_json::json!({"checkForUpdates": "no"}));
    assert!(settings.check_for_updates);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "checkForUpdates");
    assert!(problems[0].message.contains("on or off"), "{problems:?}");
    let (_dir, paths) = temp();
    let off = Settings {
        check_for_updates: false,
        ..Settings::default()
    };
    off.save(&paths).expect("saved");
    assert_eq!(Settings::load(&paths).0, off);
}
