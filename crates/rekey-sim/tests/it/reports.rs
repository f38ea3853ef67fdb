//! Microsoft Graph beta's sign-in activity reports: fed by real client-credentials sign-ins and by
//! the control API's played ones, filtered, paged, and refused without permission or licence.

use std::collections::HashSet;

use crate::common::Fixture;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
const CREDENTIALS: &str = "/beta/reports/appCredentialSignInActivities";
const PRINCIPALS: &str = "/beta/reports/servicePrincipalSignInActivities";
const ARM_APP_ID: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

async fn graph_token(f: &Fixture) -> String {
    let body: Value = f.token(GRAPH_SCOPE).await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// A Graph token for any principal of the world, from the control API.
async fn token_for(f: &Fixture, principal: &str) -> String {
    f.minted_token(principal, "graph").await
}

/// The demo app `name`: (application object ID, app ID).
fn demo_app(f: &Fixture, name: &str) -> (Uuid, Uuid) {
    let world = f.sim.sim().state.world();
    let app = world
        .applications
        .iter()
        .find(|a| a.display_name == name)
        .unwrap();
    (app.object_id, app.app_id)
}

fn rows(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

fn filtered(report: &str, app_id: Uuid) -> String {
    format!("{report}?$filter=appId eq '{app_id}'")
}

/// A client-credentials sign-in; returns the response's `x-ms-request-id`.
async fn sign_in(f: &Fixture, app_id: Uuid, secret: &str, scope: &str) -> String {
    let resp = f
        .http
        .post(f.url(&format!("{}/oauth2/v2.0/token", f.sim.tenant_id())))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &app_id.to_string()),
            ("client_secret", secret),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.headers()["x-ms-request-id"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_client_credentials_sign_in_shows_up_under_its_key_id() {
    let f = Fixture::new(Default::default()).await;
    // The demo's stand-in pipeline would be ARM's latest client below: it moved on.
    let stopped = f
        .control(reqwest::Method::DELETE, "pipelines")
        .send()
        .await
        .unwrap();
    assert!(stopped.status().is_success());
    let token = graph_token(&f).await;
    let (object_id, app_id) = demo_app(&f, "aks-stg-sp");
    let (status, _, added) = f
        .send(
            Method::POST,
            &format!("/v1.0/applications/{object_id}/addPassword"),
            &token,
            Some(json!({"passwordCredential": {"displayName": "pipeline"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let key_id = added["keyId"].as_str().unwrap().to_string();
    // Never used yet: no row (only credentials with sign-in activity have one).
    let (_, _, before) = f.get(&filtered(CREDENTIALS, app_id), Some(&token)).await;
    assert!(
        rows(&before).iter().all(|r| r["keyId"] != key_id.as_str()),
        "{before}"
    );

    let request_id = sign_in(
        &f,
        app_id,
        added["secretText"].as_str().unwrap(),
        "https://management.azure.com/.default",
    )
    .await;
    let (status, _, after) = f.get(&filtered(CREDENTIALS, app_id), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let row = rows(&after)
        .into_iter()
        .find(|r| r["keyId"] == key_id.as_str())
        .expect("a row for the new key");
    assert_eq!(row["appId"], app_id.to_string());
    assert_eq!(row["appObjectId"], object_id.to_string());
    assert_eq!(row["credentialOrigin"], "application");
    assert_eq!(row["keyType"], "clientSecret");
    assert_eq!(row["resourceId"], ARM_APP_ID);
    assert_eq!(row["signInActivity"]["lastSignInRequestId"], request_id.as_str());
    let when =
        chrono::DateTime::parse_from_rfc3339(row["signInActivity"]["lastSignInDateTime"].as_str().unwrap())
            .unwrap();
    assert!(
        (chrono::Utc::now() - when.to_utc()).num_seconds().abs() < 60,
        "{row}"
    );
    // The id is base64 of "{keyId}|{origin}", as in Graph's examples; GET by it answers the same row.
    use base64::Engine;
    let id = row["id"].as_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD.decode(id).unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        format!("{key_id}|application")
    );
    let (status, _, one) = f.get(&format!("{CREDENTIALS}/{id}"), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["keyId"], key_id.as_str());
    assert!(one["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("beta/$metadata#reports/appCredentialSignInActivities/$entity"));

    // The service principal report: the app signed in as a client, app-only, with that request.
    let (status, _, sps) = f.get(&filtered(PRINCIPALS, app_id), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{sps}");
    let sp = &rows(&sps)[0];
    assert_eq!(
        sp["applicationAuthenticationClientSignInActivity"]["lastSignInRequestId"],
        request_id.as_str()
    );
    assert_eq!(
        sp["lastSignInActivity"]["lastSignInRequestId"],
        request_id.as_str()
    );
    assert!(sp["delegatedClientSignInActivity"].is_null());
    // ARM, the resource, shows up as signed in to.
    let (_, _, arm) = f
        .get(
            &format!("{PRINCIPALS}?$filter=appId eq '{ARM_APP_ID}'"),
            Some(&token),
        )
        .await;
    assert_eq!(
        rows(&arm)[0]["applicationAuthenticationResourceSignInActivity"]["lastSignInRequestId"],
        request_id.as_str()
    );
}

#[tokio::test]
async fn a_filter_by_app_id_keeps_that_apps_credentials_only() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (_, app_id) = demo_app(&f, "aks-payments-sp");
    let (status, _, body) = f.get(&filtered(CREDENTIALS, app_id), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found = rows(&body);
    // Its application secret and the older one on its service principal object.
    assert_eq!(found.len(), 2, "{body}");
    assert!(found.iter().all(|r| r["appId"] == app_id.to_string()));
    let origins: HashSet<_> = found
        .iter()
        .map(|r| r["credentialOrigin"].as_str().unwrap())
        .collect();
    assert_eq!(origins, HashSet::from(["application", "servicePrincipal"]));
    let key = found[0]["keyId"].as_str().unwrap();
    let (_, _, one) = f
        .get(
            &format!("{CREDENTIALS}?$filter=appId eq '{app_id}' and keyId eq '{key}'"),
            Some(&token),
        )
        .await;
    assert_eq!(rows(&one).len(), 1);
    let (status, _, refused) = f
        .get(
            &format!("{CREDENTIALS}?$filter=resourceId eq '{ARM_APP_ID}'"),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["code"], "Request_UnsupportedQuery");
}

#[tokio::test]
async fn every_demo_secret_has_a_last_use() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let state: Value = f
        .control(Method::GET, "state")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let contoso = f.sim.tenant_id().to_string();
    let (_, _, body) = f.get(&format!("{CREDENTIALS}?$top=999"), Some(&token)).await;
    let used: HashSet<String> = rows(&body)
        .iter()
        .map(|r| r["keyId"].as_str().unwrap().to_string())
        .collect();
    let mut count = 0;
    for object in state["applications"]
        .as_array()
        .unwrap()
        .iter()
        .chain(state["servicePrincipals"].as_array().unwrap())
    {
        if object["tenantId"] != contoso.as_str() {
            continue;
        }
        for c in object["passwordCredentials"]
            .as_array()
            .unwrap()
            .iter()
            .chain(object["keyCredentials"].as_array().unwrap())
        {
            count += 1;
            assert!(
                used.contains(c["keyId"].as_str().unwrap()),
                "{} {} has no last use",
                object["displayName"],
                c["keyId"]
            );
        }
    }
    assert!(count >= 13, "{count}");
}

#[tokio::test]
async fn without_the_permission_or_a_reports_role_graph_answers_403() {
    let f = Fixture::new(Default::default()).await;
    let reader = "reader@contoso-demo.onmicrosoft.com";
    let check = |body: &Value| {
        assert_eq!(body["error"]["code"], "Authorization_RequestDenied", "{body}");
        assert_eq!(
            body["error"]["message"],
            "Insufficient privileges to complete the operation."
        );
    };
    // A person with Application.Read.All only.
    let token = token_for(&f, reader).await;
    let (status, _, body) = f.get(CREDENTIALS, Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check(&body);
    // An app without AuditLog.Read.All.
    let app = token_for(&f, "aks-stg-sp").await;
    let (status, _, body) = f.get(PRINCIPALS, Some(&app)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check(&body);
    // The permission alone is not enough for a person: a reports role too.
    let reader_id = {
        let mut world = f.sim.sim().state.world();
        let id = world
            .users
            .iter()
            .find(|u| u.user_principal_name == reader)
            .unwrap()
            .object_id;
        world.graph_grants.push(rekey_sim::state::GraphGrant {
            principal_id: id,
            permission: "AuditLog.Read.All".into(),
        });
        id
    };
    let (status, _, body) = f.get(CREDENTIALS, Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check(&body);
    f.sim
        .sim()
        .state
        .world()
        .directory_roles
        .push(rekey_sim::state::DirectoryRoleAssignment {
            tenant_id: f.sim.tenant_id(),
            principal_id: reader_id,
            role: "Global Reader".into(),
        });
    let (status, _, body) = f.get(CREDENTIALS, Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_tenant_without_premium_gets_403_naming_the_licence() {
    let f = Fixture::new(Default::default()).await;
    let check = |status: StatusCode, body: &Value| {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            body["error"]["code"],
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
        );
        assert_eq!(
            body["error"]["message"],
            "Neither tenant is B2C or tenant doesn't have premium license"
        );
    };
    // Fabrikam's tenant has no P1/P2 in the demo: even an app with the permission is refused.
    {
        let mut world = f.sim.sim().state.world();
        let sp = world
            .service_principals
            .iter()
            .find(|s| s.display_name == "aks-fabrikam-sp")
            .unwrap()
            .object_id;
        world.graph_grants.push(rekey_sim::state::GraphGrant {
            principal_id: sp,
            permission: "AuditLog.Read.All".into(),
        });
    }
    let fabrikam = token_for(&f, "aks-fabrikam-sp").await;
    let (status, _, body) = f.get(CREDENTIALS, Some(&fabrikam)).await;
    check(status, &body);
    // Contoso's admin reads them until the licence goes.
    let token = graph_token(&f).await;
    assert_eq!(f.get(PRINCIPALS, Some(&token)).await.0, StatusCode::OK);
    for t in f.sim.sim().state.world().tenants.iter_mut() {
        t.premium = false;
    }
    let (status, _, body) = f.get(PRINCIPALS, Some(&token)).await;
    check(status, &body);
}

#[tokio::test]
async fn the_control_api_plays_a_sign_in_as_the_token_endpoint_records_it() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (_, app_id) = demo_app(&f, "aks-edge-sp");
    // The old secret on its service principal object: a pipeline still uses it.
    let old_key = {
        let world = f.sim.sim().state.world();
        world
            .service_principal_by_app_id(app_id)
            .unwrap()
            .password_credentials[0]
            .key_id
    };
    let clock: Value = f
        .control(Method::POST, "clock")
        .json(&json!({"advance_days": 2}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = f
        .control(Method::POST, "sign-ins")
        .json(&json!({"tenant": "contoso-demo", "appId": app_id, "keyId": old_key, "resource": "graph"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let played: Value = resp.json().await.unwrap();
    assert_eq!(played["credentialOrigin"], "servicePrincipal");
    // At the simulated clock's now, two days ahead.
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(played["at"].as_str().unwrap()).unwrap();
    assert!((at - now).num_seconds().abs() < 60, "{played} vs {clock}");

    let (_, _, body) = f
        .get(
            &format!("{CREDENTIALS}?$filter=keyId eq '{old_key}'"),
            Some(&token),
        )
        .await;
    let row = &rows(&body)[0];
    assert_eq!(row["credentialOrigin"], "servicePrincipal");
    assert_eq!(row["resourceId"], "00000003-0000-0000-c000-000000000000");
    assert_eq!(row["signInActivity"]["lastSignInRequestId"], played["requestId"]);

    // A sign-in played for an earlier time does not hide the later one.
    let earlier = (now - chrono::Duration::hours(5)).to_rfc3339();
    let resp = f.control(Method::POST, "sign-ins")
        .json(&json!({"tenant": f.sim.tenant_id(), "appId": app_id, "keyId": old_key, "resource": "graph", "at": earlier}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (_, _, again) = f
        .get(
            &format!("{CREDENTIALS}?$filter=keyId eq '{old_key}'"),
            Some(&token),
        )
        .await;
    assert_eq!(rows(&again)[0]["signInActivity"], row["signInActivity"]);

    let listed: Value = f
        .control(Method::GET, &format!("sign-ins?appId={app_id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = listed["signIns"].as_array().unwrap();
    assert!(listed
        .iter()
        .any(|s| s["keyId"] == old_key.to_string() && s["resource"] == "https://graph.microsoft.com/"));
    assert!(listed.iter().all(|s| s["appId"] == app_id.to_string()));

    // Bad input: an unknown key, an unknown app, a time in the future, an expired secret.
    let (_, portal) = demo_app(&f, "aks-portal-sp");
    let expired = f
        .sim
        .sim()
        .state
        .world()
        .application_by_app_id(portal)
        .unwrap()
        .password_credentials[0]
        .key_id;
    for (body, status, says) in [
        (
            json!({"tenant": "contoso-demo", "appId": portal, "keyId": expired}),
            StatusCode::CONFLICT,
            "AADSTS7000222",
        ),
        (
            json!({"tenant": "contoso-demo", "appId": app_id, "keyId": Uuid::new_v4()}),
            StatusCode::NOT_FOUND,
            "no secret or certificate with keyId",
        ),
        (
            json!({"tenant": "contoso-demo", "appId": Uuid::new_v4(), "keyId": old_key}),
            StatusCode::NOT_FOUND,
            "no application or service principal",
        ),
        (
            json!({"tenant": "nowhere", "appId": app_id, "keyId": old_key}),
            StatusCode::NOT_FOUND,
            "no tenant",
        ),
        (
            json!({"tenant": "contoso-demo", "appId": app_id, "keyId": old_key, "at": (now + chrono::Duration::days(1)).to_rfc3339()}),
            StatusCode::BAD_REQUEST,
            "in the future",
        ),
    ] {
        let resp = f
            .control(Method::POST, "sign-ins")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{body}");
        let error: Value = resp.json().await.unwrap();
        assert!(
            error["error"]["message"].as_str().unwrap().contains(says),
            "{error}"
        );
    }
}

#[tokio::test]
async fn the_reports_page_with_top_and_next_link() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    for report in [CREDENTIALS, PRINCIPALS] {
        let (_, _, all) = f.get(report, Some(&token)).await;
        assert!(all["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with(&format!("beta/$metadata#reports/{}", &report[14..])));
        let everything: Vec<String> = rows(&all)
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        assert!(everything.len() > 3, "{all}");
        let mut paged = Vec::new();
        let mut next = Some(f.url(&format!("{report}?$top=2")));
        while let Some(url) = next {
            let (status, _, page) = f.send(Method::GET, &url, &token, None).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert!(rows(&page).len() <= 2);
            paged.extend(rows(&page).iter().map(|r| r["id"].as_str().unwrap().to_string()));
            next = page["@odata.nextLink"].as_str().map(str::to_string);
        }
        assert_eq!(paged, everything);
    }
}

#[tokio::test]
async fn a_stand_in_pipeline_keeps_signing_in_until_it_is_stopped() {
    let f = Fixture::new(Default::default()).await;
    let token = graph_token(&f).await;
    let (_, app_id) = demo_app(&f, "aks-payments-sp");
    let last = |page: &Value| -> Vec<String> {
        rows(page)
            .iter()
            .filter(|r| r["credentialOrigin"] == "application")
            .map(|r| {
                r["signInActivity"]["lastSignInDateTime"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    let (status, _, first) = f.get(&filtered(CREDENTIALS, app_id), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let at = chrono::DateTime::parse_from_rfc3339(&last(&first)[0]).unwrap();
    assert!(
        (chrono::Utc::now() - at.to_utc()).num_seconds().abs() < 60,
        "signed in just now: {first}"
    );

    let stopped = f
        .control(reqwest::Method::DELETE, "pipelines")
        .send()
        .await
        .unwrap();
    assert!(stopped.status().is_success());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, _, later) = f.get(&filtered(CREDENTIALS, app_id), Some(&token)).await;
    assert_eq!(last(&later), last(&first), "no sign-in since it stopped");
}
