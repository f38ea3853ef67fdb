//! Issue 17 against the simulator: who still uses an old secret (Graph's sign-in activity report,
//! fed by the simulator's token endpoint and its "a pipeline signs in" control), the held
//! retirement and its release, and Key Vault as a second destination — each checked from the
//! simulator's own state, never from Rekey's word.

use rekey_core::azure::reports::LastUsed;
use rekey_core::inventory::{refresh, RefreshOptions};
use rekey_core::rotation::engine::{self, HoldAnswer};
use rekey_core::rotation::journal;
use rekey_core::rotation::key_vault::KeyVaultChoice;
use rekey_core::rotation::model::{CheckLevel, Mode, Outcome, Retire};
use rekey_core::rotation::{bulk, plan};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::control::control;
use crate::rotation::{append_journal, fixture, Fixture};

const TENANT: &str = "contoso-demo";

/// A stand-in pipeline signs in with `key_id` of `app_id`, as the token endpoint would record it.
async fn pipeline_signs_in(f: &Fixture, app_id: &str, key_id: &str) {
    let body = json!({"tenant": TENANT, "appId": app_id, "keyId": key_id});
    control(&f.sim, reqwest::Method::POST, "sign-ins", Some(body)).await;
}

/// Rotates `cluster` with retirement after a grace period, then moves the grace period into the past:
/// the next resume is the retirement. Returns the rotation ID, the app and the old key.
async fn rotated_with_grace_over(f: &Fixture, cluster: &str) -> (String, String, String) {
    let (app_id, old_key) = f.holds(cluster);
    let old_key = old_key.expect("old key");
    let options = f.options(Mode::Secret, Retire::After { hours: 1 });
    let plan = plan(&f.session, &[f.id(cluster)], &f.known, &options).await;
    let result = bulk::run(&f.context(options), &f.sessions(), &plan)
        .await
        .remove(0);
    assert_eq!(result.outcome, Outcome::RetirePending, "{:?}", result.message);
    grace_over(f, &result.rotation_id);
    (result.rotation_id, app_id, old_key)
}

fn grace_over(f: &Fixture, rotation_id: &str) {
    append_journal(
        &f.paths,
        rotation_id,
        json!({"at": chrono::Utc::now(), "type": "retireScheduled", "notBefore": "2001-01-01T00:00:00Z"}),
    );
}

async fn resume(f: &Fixture, rotation_id: &str, hold_hours: u32) -> rekey_core::rotation::GroupResult {
    let mut options = f.options(Mode::Secret, Retire::After { hours: 1 });
    options.hold_hours = hold_hours;
    engine::resume(&f.context(options), rotation_id).await
}

async fn summary(f: &Fixture, rotation_id: &str) -> journal::RotationSummary {
    journal::list(&f.paths)
        .await
        .0
        .iter()
        .find(|s| s.group.rotation_id == rotation_id)
        .map(|s| s.summary())
        .expect("journal")
}

#[tokio::test]
async fn an_old_secret_used_after_the_move_holds_its_retirement_until_the_pipeline_moves() {
    let f = fixture().await;
    let (rotation, app_id, old_key) = rotated_with_grace_over(&f, "aks-stg-weu").await;

    // A pipeline still signs in with the old secret after the cluster moved: held, and said.
    pipeline_signs_in(&f, &app_id, &old_key).await;
    let held = resume(&f, &rotation, 0).await;
    assert_eq!(held.outcome, Outcome::RetireHeld, "{:?}", held.message);
    let hold = held.hold.clone().expect("the hold is explained");
    assert!(
        hold.contains(&old_key) && hold.contains("retire it anyway"),
        "{hold}"
    );
    assert!(
        hold.contains("did not complete"),
        "the report's caveat is said: {hold}"
    );
    assert!(
        f.app_keys(&app_id)
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&old_key)),
        "the old secret stays"
    );
    let listed = summary(&f, &rotation).await;
    assert_eq!(listed.held.len(), 1);
    assert_eq!(listed.held[0].key_id, old_key.to_ascii_lowercase());
    assert!(listed.due, "with no wait, the next pass looks again");

    // It signs in again before the next look: still held.
    pipeline_signs_in(&f, &app_id, &old_key).await;
    let again = resume(&f, &rotation, 0).await;
    assert_eq!(again.outcome, Outcome::RetireHeld, "{:?}", again.message);
    assert!(f
        .app_keys(&app_id)
        .iter()
        .any(|k| k.eq_ignore_ascii_case(&old_key)));

    // The pipeline moved to the new secret (no sign-in with the old one since): retired.
    let released = resume(&f, &rotation, 0).await;
    assert_eq!(released.outcome, Outcome::Succeeded, "{:?}", released.message);
    assert!(
        !f.app_keys(&app_id)
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&old_key)),
        "retired"
    );
    assert!(summary(&f, &rotation).await.held.is_empty());
}

#[tokio::test]
async fn a_held_retirement_waits_its_hours_and_the_admin_may_retire_anyway() {
    let f = fixture().await;
    let (rotation, app_id, old_key) = rotated_with_grace_over(&f, "aks-stg-weu").await;
    pipeline_signs_in(&f, &app_id, &old_key).await;
    assert_eq!(resume(&f, &rotation, 24).await.outcome, Outcome::RetireHeld);

    // Looked at again before its wait is over: nothing is removed, however quiet the pipeline is.
    let early = resume(&f, &rotation, 24).await;
    assert_eq!(early.outcome, Outcome::RetireHeld);
    assert!(
        !summary(&f, &rotation).await.due,
        "not due before the wait is over"
    );
    assert!(f
        .app_keys(&app_id)
        .iter()
        .any(|k| k.eq_ignore_ascii_case(&old_key)));

    // Extending keeps it; retiring anyway removes it at once, whoever uses it.
    let options = f.options(Mode::Secret, Retire::After { hours: 1 });
    let extended = engine::answer_hold(
        &f.context(options.clone()),
        &rotation,
        HoldAnswer::Extend { hours: 48 },
    )
    .await;
    assert_eq!(extended.outcome, Outcome::RetireHeld);
    let after = summary(&f, &rotation).await.retire_after.expect("a new time");
    assert!(
        after > chrono::Utc::now() + chrono::Duration::hours(47),
        "{after}"
    );
    let refused = engine::answer_hold(
        &f.context(options.clone()),
        &rotation,
        HoldAnswer::Extend { hours: 0 },
    )
    .await;
    assert_eq!(refused.outcome, Outcome::Failed, "0 hours is refused");

    let forced = engine::answer_hold(&f.context(options), &rotation, HoldAnswer::RetireAnyway).await;
    assert_eq!(forced.outcome, Outcome::Succeeded, "{:?}", forced.message);
    assert!(!f
        .app_keys(&app_id)
        .iter()
        .any(|k| k.eq_ignore_ascii_case(&old_key)));
}

#[tokio::test]
async fn unreadable_usage_is_said_and_the_policy_followed() {
    let f = fixture().await;
    let (rotation, app_id, old_key) = rotated_with_grace_over(&f, "aks-stg-weu").await;
    let denied = json!({"error": {"code": "Authorization_RequestDenied",
        "message": "Insufficient privileges to complete the operation."}});
    let rule = json!({"method": "GET", "path": "/beta/reports/appCredentialSignInActivities",
        "action": {"type": "respond", "status": 403, "body": denied}});
    control(&f.sim, reqwest::Method::POST, "faults", Some(rule)).await;
    pipeline_signs_in(&f, &app_id, &old_key).await;

    let result = resume(&f, &rotation, 0).await;
    assert_eq!(
        result.outcome,
        Outcome::Succeeded,
        "the policy is followed: {:?}",
        result.message
    );
    assert!(!f
        .app_keys(&app_id)
        .iter()
        .any(|k| k.eq_ignore_ascii_case(&old_key)));
    let why = summary(&f, &rotation)
        .await
        .usage_unknown
        .expect("usage unknown is recorded");
    assert!(why.contains("AuditLog.Read.All"), "{why}");
}

#[tokio::test]
async fn the_inventory_shows_when_every_demo_secret_was_last_used() {
    let f = fixture().await;
    let inventory = refresh(&f.session, RefreshOptions::default())
        .await
        .expect("inventory");
    let secrets: Vec<_> = inventory
        .clusters
        .iter()
        .flat_map(|c| c.credentials.iter())
        .filter(|c| c.kind == rekey_core::inventory::model::CredentialKind::Password)
        .collect();
    assert!(secrets.len() >= 9, "{}", secrets.len());
    for secret in secrets {
        assert!(
            matches!(secret.last_used, Some(LastUsed::At { .. })),
            "{} of {}: {:?}",
            secret.key_id,
            secret.app_id,
            secret.last_used
        );
    }
}

/// The simulator's own record of `secret` in `vault`: its current version's value digest and tags.
async fn vault_witness(f: &Fixture, vault: &str, secret: &str) -> serde_json::Value {
    control(
        &f.sim,
        reqwest::Method::GET,
        &format!("vaults/{vault}/secrets/{secret}"),
        None,
    )
    .await
}

fn vault_id(f: &Fixture, name: &str) -> String {
    f.world()
        .vaults
        .iter()
        .find(|v| v.name == name)
        .map(|v| v.id())
        .expect("demo vault")
}

#[tokio::test]
async fn the_new_secret_is_also_in_key_vault_before_the_cluster_is_reset() {
    let f = fixture().await;
    let (app_id, _) = f.holds("aks-stg-weu");
    let mut options = f.options(Mode::Secret, Retire::Now);
    options.key_vault = Some(KeyVaultChoice {
        vault_id: vault_id(&f, "kv-contoso-platform"),
        secret_name: Some("aks-stg-pipeline".into()),
    });
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let group = &plan.groups[0];
    let check = group
        .checks
        .iter()
        .find(|c| c.name == "key vault")
        .expect("checked");
    assert_eq!(check.level, CheckLevel::Ok, "{}", check.detail);
    assert!(
        plan.confirmation().contains("kv-contoso-platform"),
        "the native dialog names the vault"
    );

    let result = bulk::run(&f.context(options), &f.sessions(), &plan)
        .await
        .remove(0);
    assert_eq!(result.outcome, Outcome::Succeeded, "{:?}", result.message);
    let new_key = result.new_key_id.clone().expect("new key");

    let witness = vault_witness(&f, "kv-contoso-platform", "aks-stg-pipeline").await;
    let version = &witness["versions"].as_array().expect("versions")[0];
    let entry = f.vault.find(&new_key).await.expect("in the keyring");
    let value = f.vault.secret(&entry).await.expect("value");
    let digest: String = Sha256::digest(value.expose_secret().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        version["valueSha256"],
        digest.as_str(),
        "Key Vault holds the keyring's value: {witness}"
    );
    assert_eq!(version["tags"]["appId"], app_id.as_str());
    assert_eq!(version["tags"]["keyId"], new_key.as_str());
    assert_eq!(version["tags"]["rotation"], result.rotation_id.as_str());
    let end = entry.expires.expect("end").timestamp();
    assert_eq!(version["attributes"]["exp"], end, "exp is the credential's end");
    assert_eq!(
        entry.key_vault.as_ref().map(|k| k.secret_name.as_str()),
        Some("aks-stg-pipeline"),
        "the vault index says where it was also written"
    );
    assert!(summary(&f, &result.rotation_id).await.key_vault.is_some());
}

#[tokio::test]
async fn a_vault_that_refuses_the_write_stops_the_rotation_before_any_reset() {
    let f = fixture().await;
    let (app_id, old_key) = f.holds("aks-stg-weu");
    let mut options = f.options(Mode::Secret, Retire::Now);
    options.key_vault = Some(KeyVaultChoice {
        vault_id: vault_id(&f, "kv-contoso-platform"),
        secret_name: None,
    });
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let forbidden = json!({"error": {"code": "Forbidden", "message": "Caller is not authorized to perform action on resource.",
        "innererror": {"code": "ForbiddenByRbac"}}});
    let rule = json!({"method": "PUT", "path": "/secrets/aks-stg-sp-secret",
        "action": {"type": "respond", "status": 403, "body": forbidden}});
    control(&f.sim, reqwest::Method::POST, "faults", Some(rule)).await;

    let result = bulk::run(&f.context(options.clone()), &f.sessions(), &plan)
        .await
        .remove(0);
    assert_eq!(result.outcome, Outcome::Failed);
    let message = result.message.clone().unwrap_or_default();
    assert!(
        message.contains("write to Key Vault") && message.contains("No cluster was reset"),
        "{message}"
    );
    assert_eq!(
        f.holds("aks-stg-weu"),
        (app_id.clone(), old_key),
        "the cluster is untouched"
    );

    // The vault's access fixed: the same rotation goes on from the Key Vault step and finishes.
    control(&f.sim, reqwest::Method::DELETE, "faults", None).await;
    let resumed = engine::resume(&f.context(options), &result.rotation_id).await;
    assert_eq!(resumed.outcome, Outcome::Succeeded, "{:?}", resumed.message);
    assert!(
        vault_witness(&f, "kv-contoso-platform", "aks-stg-sp-secret").await["versions"][0]["valueSha256"]
            .is_string()
    );
}

#[tokio::test]
async fn a_vault_without_set_rights_is_refused_by_the_pre_flight() {
    let f = fixture().await;
    let mut options = f.options(Mode::Secret, Retire::Now);
    options.key_vault = Some(KeyVaultChoice {
        vault_id: vault_id(&f, "kv-contoso-legacy"),
        secret_name: None,
    });
    let planned = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let check = planned.groups[0]
        .checks
        .iter()
        .find(|c| c.name == "key vault")
        .expect("checked");
    assert_eq!(check.level, CheckLevel::Block, "{}", check.detail);
    assert!(planned.runnable_groups().next().is_none(), "nothing runs");

    // A vault ID that is not a vault is refused before any request.
    options.key_vault = Some(KeyVaultChoice {
        vault_id: f.id("aks-stg-weu"),
        secret_name: None,
    });
    let planned = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let check = planned.groups[0]
        .checks
        .iter()
        .find(|c| c.name == "key vault")
        .expect("checked");
    assert_eq!(check.level, CheckLevel::Block, "{}", check.detail);
}
