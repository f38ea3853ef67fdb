//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz, `scripts/fuzz`): each one feeds bytes
//! to the parsers Rekey runs on what Azure and the identity platform send, then does with the result
//! what the product does (classify clusters, rate credentials, explain errors), and checks the
//! promises the product makes about it. Not an API: hidden from the docs, free to change with the
//! targets. The seed inputs in `fuzz/seeds/<target>/` are run by this module's tests, so the entry
//! points stay in step with the product on every `cargo test`.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use url::Url;

use crate::auth::entra::{EntraDeviceFields, EntraError, EntraTokenResponse, Grant, IdClaims, Tokens};
use crate::auth::AuthError;
use crate::azure::arg::{QueryPage, QueryResponse};
use crate::azure::arm::checked_next_link;
use crate::azure::directory::{object_of_answer, ObjectKind};
use crate::azure::graph::{item_response, token_tenant, BatchReply};
use crate::azure::models::{ManagedCluster, Page, Subscription, Tenant};
use crate::azure::retry::parse_hms;
use crate::azure::CallError;
use crate::cloud::Cloud;
use crate::error::IpcError;
use crate::inventory::credentials::{record, warnings, Answer, AppCredentials, Failure};
use crate::inventory::discover::{arg_row, ArgCluster};
use crate::inventory::expiry::{rate_app, rate_cluster};
use crate::inventory::model::{AppRole, Thresholds};
use crate::inventory::{classify, ClusterRow};
use crate::transport::error::api_error;
use crate::transport::{decode_json, AzureError};
use crate::workspace::TokenIdentity;

/// A fixed "now" (2026-01-01T00:00:00Z), so that a crash reproduces on another day.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

fn subscription() -> Subscription {
    Subscription {
        subscription_id: "00000000-0000-0000-0000-0000000000aa".into(),
        tenant_id: Some("00000000-0000-0000-0000-0000000000bb".into()),
        display_name: "Fuzzing".into(),
        state: Some("Enabled".into()),
    }
}

/// Every rendering of an error the UI, the CLI or a log may show.
fn render_azure(e: AzureError) {
    let _ = (e.to_string(), e.code(), IpcError::from(&e));
    let arm = CallError::Azure(e);
    let _ = (arm.to_string(), arm.code(), Failure::from(&arm).to_string());
}

fn render_auth(e: &AuthError) {
    let _ = (e.to_string(), e.code(), crate::auth::explain(e));
}

/// Reads `body` as a success and as an error answer of ARM. An error status always gives
/// [`AzureError::Api`] with that status, whatever the body.
fn both_ways<T: serde::de::DeserializeOwned>(path: &str, body: &[u8]) -> Option<T> {
    match decode_json::<serde_json::Value>(path, 409, Some("request-id".into()), body) {
        Err(e @ AzureError::Api { status: 409, .. }) => render_azure(e),
        other => panic!("an error status must give an API error, not {other:?}"),
    }
    match decode_json::<T>(path, 200, None, body) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            render_azure(e);
            None
        }
    }
}

/// Classifies a cluster and rates it with no credentials read, as the dashboard does first.
fn classify_cluster(cluster: &ManagedCluster) -> ClusterRow {
    let row = classify(cluster, &subscription());
    let _ = rate_cluster(&row, &HashMap::new(), None, &Thresholds::default(), now());
    row
}

/// ARM: cluster lists and single clusters (classified as the dashboard does), subscription and
/// tenant lists, a list's `nextLink` (which must never leave the ARM host), the cloud metadata
/// document (whose endpoints must all be HTTPS), and error answers.
pub fn arm_response(data: &[u8]) {
    let path = "/subscriptions/x/providers/Microsoft.ContainerService/managedClusters";
    if let Some(page) = both_ways::<Page<ManagedCluster>>(path, data) {
        for cluster in &page.value {
            classify_cluster(cluster);
        }
        if let Some(link) = page.next_link {
            let arm = Url::parse("https://management.azure.com/").unwrap_or_else(|_| unreachable!());
            match checked_next_link(&arm, &link) {
                Ok(next) => assert_eq!(next.origin(), arm.origin(), "nextLink left the ARM host"),
                Err(e) => render_azure(e),
            }
        }
    }
    if let Some(cluster) = both_ways::<ManagedCluster>(path, data) {
        classify_cluster(&cluster);
    }
    let _ = both_ways::<Page<Subscription>>("/subscriptions", data);
    let _ = both_ways::<Page<Tenant>>("/tenants", data);
    if let Some(answer) = both_ways::<serde_json::Value>("/metadata/endpoints", data) {
        let asked = Url::parse("https://arm.example/metadata/endpoints").unwrap_or_else(|_| unreachable!());
        match Cloud::from_metadata_answer(answer, &asked) {
            Ok(cloud) => {
                for endpoint in [&cloud.login_endpoint, &cloud.arm_endpoint, &cloud.graph_endpoint] {
                    assert_eq!(endpoint.scheme(), "https", "a cloud endpoint that is not HTTPS");
                }
                assert_eq!(
                    cloud.arm_endpoint.host_str(),
                    Some("arm.example"),
                    "another cloud was taken"
                );
                let _ = (
                    cloud.arm_scope(),
                    cloud.graph_scope(),
                    cloud.login_outside_arm_domain(),
                );
            }
            Err(e) => render_azure(e),
        }
    }
}

/// Resource Graph: a query page of cluster rows (turned into table rows as discovery does), a page
/// of any rows, and the quota header `x-ms-user-quota-resets-after` (never more than an hour).
pub fn arg_response(data: &[u8]) {
    let path = "/providers/Microsoft.ResourceGraph/resources";
    if let Some(page) = both_ways::<QueryResponse<ArgCluster>>(path, data) {
        let page = QueryPage::from(page);
        let known = subscription();
        let by_id = HashMap::from([(known.subscription_id.to_ascii_lowercase(), &known)]);
        for row in page.rows {
            let row = arg_row(row, &by_id);
            let _ = rate_cluster(&row, &HashMap::new(), None, &Thresholds::default(), now());
        }
        assert!(page.skip_token.is_none_or(|t| !t.is_empty()));
    }
    let _ = both_ways::<QueryResponse<serde_json::Value>>(path, data).map(QueryPage::from);
    if let Ok(header) = std::str::from_utf8(data) {
        if let Some(wait) = parse_hms(header) {
            assert!(
                wait <= Duration::from_secs(3600),
                "quota wait {wait:?} over an hour"
            );
        }
    }
}

/// The app IDs the Graph target's `$batch` answers are filed under (ids `0a`, `0s`, `1a`…).
const APPS: [&str; 3] = [
    "00000000-0000-0000-0000-000000000001",
    "00000000-0000-0000-0000-000000000002",
    "00000000-0000-0000-0000-000000000003",
];

/// Microsoft Graph: a `$batch` answer (throttling waits, inner errors, the application and service
/// principal objects filed under their apps, the ratings and warnings made from them), a single
/// object, and the tenant of a Graph token.
pub fn graph_response(data: &[u8]) {
    let to_read: Vec<String> = APPS.iter().map(|a| a.to_string()).collect();
    let mut apps: HashMap<String, AppCredentials> = HashMap::new();
    if let Some(reply) = both_ways::<BatchReply>("/v1.0/$batch", data) {
        for item in reply.responses {
            for attempt in [0, 3, 6] {
                if let Some(wait) = item.retry_wait(attempt) {
                    assert!(wait <= Duration::from_secs(60), "a Graph retry wait of {wait:?}");
                }
            }
            let answer = item_response(item);
            if let Some(object) = object_of_answer(&answer.id) {
                record(&mut apps, &to_read, object, Answer::from(answer.result), now());
            }
        }
    }
    if let Some(object) = both_ways::<serde_json::Value>("/v1.0/applications", data) {
        let object_2s = (2, ObjectKind::ServicePrincipal);
        record(&mut apps, &to_read, object_2s, Answer::Body(object), now());
    }
    let roles: HashMap<String, AppRole> = to_read
        .iter()
        .map(|a| (a.clone(), AppRole::ClusterIdentity))
        .collect();
    let _ = warnings(&apps, &roles);
    let thresholds = Thresholds::default();
    for app in apps.values() {
        let _ = app.problem();
        let known = app.credentials.first().map(|c| c.key_id.clone());
        for role in [AppRole::ClusterIdentity, AppRole::AadServer] {
            let _ = rate_app(app, role, None, &thresholds, now());
            let _ = rate_app(app, role, known.as_deref(), &thresholds, now());
        }
    }
    if let Ok(jwt) = std::str::from_utf8(data) {
        let _ = token_tenant(jwt);
    }
}

/// A JWT whose payload is `payload`, for the claim readers.
fn jwt_with_payload(payload: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
    format!("eyJhbGciOiJub25lIn0.{encoded}.c2ln")
}

/// Reads a JWT as each of Rekey's unverified-claims readers does.
fn read_claims(jwt: &str) {
    let _ = crate::auth::token::unverified_claims(jwt);
    let _ = TokenIdentity::read(jwt);
    let _ = token_tenant(jwt);
    for (client, nonce) in [
        ("client", None),
        ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", Some("n")),
    ] {
        match IdClaims::verified(jwt, client, nonce) {
            Ok(claims) => {
                assert!(claims.aud.eq_ignore_ascii_case(client));
                let _ = claims.username();
            }
            Err(e) => render_auth(&e),
        }
    }
}

/// The identity platform: a client-credentials token answer (whose parse errors must never quote
/// the body: it holds a token), the authorization-code / refresh token answer and its ID token,
/// Entra's error body for both grants, the device-code answer, and unverified JWT claims (of the
/// bytes as a JWT, and of the bytes as a JWT's payload).
pub fn token_response(data: &[u8]) {
    use reqwest::StatusCode;
    match crate::auth::client_secret::read_token_reply(StatusCode::OK, data) {
        Ok(token) => assert!(token.expires_at <= Utc::now() + chrono::Duration::days(2)),
        Err(AuthError::Malformed(message)) => {
            let rest = message
                .strip_prefix("unexpected token response at line ")
                .unwrap_or_else(|| panic!("a token parse error that may quote the body: {message}"));
            assert!(
                rest.chars().all(|c| c.is_ascii_digit() || " column".contains(c)),
                "a token parse error that may quote the body: {message}"
            );
        }
        Err(e) => panic!("a 200 answer gave {e:?}"),
    }
    for status in [StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED] {
        match crate::auth::client_secret::read_token_reply(status, data) {
            Ok(_) => panic!("an error status gave a token"),
            Err(e) => render_auth(&e),
        }
    }
    if let Ok(response) = serde_json::from_slice::<EntraTokenResponse>(data) {
        let tokens = Tokens::from(response);
        assert!(tokens.access.expires_at <= Utc::now() + chrono::Duration::days(2));
        if let Some(id_token) = tokens.id_token {
            read_claims(&id_token);
        }
    }
    if let Ok(error) = serde_json::from_slice::<EntraError>(data) {
        for grant in [Grant::AuthorizationCode, Grant::RefreshToken] {
            render_auth(&error.clone().into_auth_error(grant));
        }
    }
    if let Ok(details) =
        serde_json::from_slice::<oauth2::DeviceAuthorizationResponse<EntraDeviceFields>>(data)
    {
        let prompt = crate::auth::device_code::prompt_of(&details, now());
        assert!(
            prompt.expires_at >= now(),
            "a device code that expired before it was shown"
        );
    }
    if let Ok(jwt) = std::str::from_utf8(data) {
        read_claims(jwt);
    }
    read_claims(&jwt_with_payload(data));
}

/// Azure's error bodies: the first two bytes are the HTTP status (mapped to 100–599), the rest the
/// body, as ARM, Resource Graph and Graph send it (and Entra's error body, as the sign-in reads it).
pub fn azure_error(data: &[u8]) {
    let (status, body) = match data {
        [a, b, rest @ ..] => (100 + u16::from_be_bytes([*a, *b]) % 500, rest),
        _ => (500, data),
    };
    let e = api_error(status, Some("request-id".into()), body);
    match &e {
        AzureError::Api {
            status: s, message, ..
        } => {
            assert_eq!(*s, status);
            // A body that is not Azure's envelope is quoted, cut to its first 300 bytes.
            assert!(message.len() <= body.len().max(300 * 3));
        }
        other => panic!("api_error gave {other:?}"),
    }
    render_azure(e);
    if (200..300).contains(&status) {
        let _ = decode_json::<serde_json::Value>("/", status, None, body).map_err(render_azure);
    } else {
        match decode_json::<serde_json::Value>("/", status, None, body) {
            Err(e @ AzureError::Api { .. }) => render_azure(e),
            other => panic!("status {status} gave {other:?}"),
        }
    }
    if let Ok(error) = serde_json::from_slice::<EntraError>(body) {
        render_auth(&error.into_auth_error(Grant::RefreshToken));
    }
}

/// The status of a credential reset's long-running operation: any answer (status code and body) reads
/// as running, succeeded or failed with words, or as an error; never a panic. A failure always carries a
/// code and a message to show.
pub fn lro_status(data: &[u8]) {
    use crate::azure::lro::{operation_state, OperationState};
    let (status, body) = match data.split_first() {
        Some((&first, rest)) => (if first % 4 == 0 { 500 } else { 200 }, rest),
        None => (200, data),
    };
    if let Ok(OperationState::Failed { code, message }) = operation_state("/operations/x", status, body, None)
    {
        assert!(
            !code.is_empty() || !message.is_empty(),
            "a failed operation must say something"
        );
    }
}

/// The rotation journal reader: a journal's bytes (a last line cut short by a crash is ignored, any
/// other bad line is an error), replayed into a rotation's state and summary. Every line read back
/// must write out and read back as the same line, since the journal writer writes what it reads.
pub fn journal(data: &[u8]) {
    use crate::rotation::journal::{parse_journal, Line, State};
    let Ok(lines) = parse_journal(data) else { return };
    for line in &lines {
        let written = serde_json::to_string(line).expect("a journal line serialises");
        let read: Line = serde_json::from_str(&written)
            .unwrap_or_else(|e| panic!("a journal line does not read back ({e}): {written}"));
        assert_eq!(&read, line, "a journal line changed on the way through the file");
    }
    if let Some(state) = State::replay(&lines) {
        let _ = (state.summary(), state.new_secret_may_be_in_use());
        for cluster in state.resets.keys() {
            assert!(state.verified(cluster) == state.resets[cluster].verified);
        }
    }
}

#[cfg(test)]
mod tests;
