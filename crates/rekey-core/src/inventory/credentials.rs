//! The credentials behind the clusters: for each distinct app (a cluster's service principal, or a
//! legacy AAD server app), the application and the service principal object, read through Graph
//! `$batch`, each app once however many clusters share it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::model::{AppRole, CredentialInfo, CredentialKind, CredentialOwner};
use crate::azure::directory::{is_guid, object_of_answer, CredentialMetadata, DirectoryObject, ObjectKind};
use crate::azure::graph::{BatchResponse, GraphClient, MAX_BATCH};
use crate::azure::AzureError;
use crate::azure::CallError;

/// Apps named in a warning before the rest are only counted.
const NAMED_IN_WARNING: usize = 5;

/// Why a read failed, as Graph (or the network) put it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Option<u16>,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(
                f,
                "Microsoft Graph answered {status} {}: {}",
                self.code, self.message
            ),
            None => f.write_str(&self.message),
        }
    }
}

impl From<&CallError> for Failure {
    fn from(e: &CallError) -> Self {
        match e {
            CallError::Azure(AzureError::Api {
                status,
                code,
                message,
                ..
            }) => Failure {
                status: Some(*status),
                code: code.clone(),
                message: message.clone(),
            },
            other => Failure {
                status: None,
                code: other.code(),
                message: other.to_string(),
            },
        }
    }
}

/// What reading one directory object gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found,
    NotFound,
    Failed(Failure),
}

/// Everything Graph said about one app.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: String,
    /// The service principal's display name, else the application's.
    pub display_name: Option<String>,
    /// Every password and certificate on the application and on the service principal object.
    pub credentials: Vec<CredentialInfo>,
    pub application: Lookup,
    pub service_principal: Lookup,
}

impl AppCredentials {
    fn new(app_id: &str) -> Self {
        AppCredentials {
            app_id: app_id.to_string(),
            display_name: None,
            credentials: Vec::new(),
            application: Lookup::NotFound,
            service_principal: Lookup::NotFound,
        }
    }

    /// An app Rekey did not or could not read, for `failure`.
    pub fn unread(app_id: &str, failure: Failure) -> Self {
        AppCredentials {
            application: Lookup::Failed(failure.clone()),
            service_principal: Lookup::Failed(failure),
            ..AppCredentials::new(app_id)
        }
    }

    /// Why the credentials may be incomplete (then no rating can be trusted), if they may be.
    pub fn problem(&self) -> Option<String> {
        match (&self.application, &self.service_principal) {
            (Lookup::Failed(f), _) | (_, Lookup::Failed(f)) => Some(f.to_string()),
            (Lookup::NotFound, Lookup::NotFound) => {
                Some("neither the application nor its service principal exists in this directory.".into())
            }
            _ => None,
        }
    }
}

/// The apps read, keyed by lowercase app ID, and what went wrong on the way.
#[derive(Debug, Default)]
pub struct Resolution {
    pub apps: HashMap<String, AppCredentials>,
    pub warnings: Vec<String>,
    pub cancelled: bool,
}

/// One credential of a directory object as the inventory shows it.
fn info(
    c: CredentialMetadata,
    app_id: &str,
    owner: CredentialOwner,
    kind: CredentialKind,
    now: DateTime<Utc>,
) -> CredentialInfo {
    let end = c.end_date_time;
    CredentialInfo {
        owner,
        kind,
        app_id: app_id.to_string(),
        key_id: c.key_id,
        hint: c.hint.filter(|h| !h.is_empty()),
        display_name: c.display_name.filter(|d| !d.is_empty()),
        start: c.start_date_time,
        end,
        expired: end.is_some_and(|e| e <= now),
        last_used: None,
    }
}

/// Reads the apps in `wanted` (app ID and what it is to its clusters) with at most `limit`
/// `$batch` calls in flight. `on_resolved` gets the number of apps read so far after each call.
/// When `cancel` fires, what was read so far is returned with `cancelled` set.
pub async fn resolve(
    graph: &GraphClient,
    wanted: &[(String, AppRole)],
    limit: &Arc<Semaphore>,
    cancel: &CancellationToken,
    now: DateTime<Utc>,
    mut on_resolved: impl FnMut(u32),
) -> Resolution {
    // One entry per app, whatever the letter case; a cluster identity outranks a server app.
    let mut distinct: BTreeMap<String, (String, AppRole)> = BTreeMap::new();
    for (app_id, role) in wanted {
        let entry = distinct
            .entry(app_id.to_ascii_lowercase())
            .or_insert_with(|| (app_id.clone(), *role));
        if *role == AppRole::ClusterIdentity {
            entry.1 = AppRole::ClusterIdentity;
        }
    }
    let mut resolution = Resolution::default();
    let mut roles = HashMap::new();
    let mut to_read: Vec<String> = Vec::new();
    for (key, (app_id, role)) in distinct {
        roles.insert(key.clone(), role);
        if is_guid(&app_id) {
            to_read.push(key);
        } else {
            let failure = Failure {
                status: None,
                code: "invalid_app_id".into(),
                message: format!("'{app_id}' is not an application ID."),
            };
            resolution
                .apps
                .insert(key, AppCredentials::unread(&app_id, failure));
        }
    }

    let apps: Vec<(usize, String)> = to_read.iter().cloned().enumerate().collect();
    let mut tasks = JoinSet::new();
    // Two requests per app: every `$batch` call holds whole apps.
    for chunk in apps.chunks(MAX_BATCH / 2) {
        let (graph, limit, chunk) = (graph.clone(), limit.clone(), chunk.to_vec());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let answer = graph.objects_by_app_id(&chunk).await;
            (chunk, answer)
        });
    }
    let mut read = 0u32;
    loop {
        let joined = tokio::select! {
            () = cancel.cancelled() => {
                resolution.cancelled = true;
                break;
            }
            joined = tasks.join_next() => joined,
        };
        let Some(joined) = joined else { break };
        let (chunk, answer) = match joined {
            Ok(done) => done,
            Err(e) => {
                resolution
                    .warnings
                    .push(format!("A credential lookup stopped unexpectedly: {e}"));
                continue;
            }
        };
        match answer {
            Ok(answers) => {
                for BatchResponse { id, result } in answers {
                    if let Some(object) = object_of_answer(&id) {
                        record(&mut resolution.apps, &to_read, object, Answer::from(result), now);
                    }
                }
            }
            Err(e) => {
                // The whole call failed (a 403 on `$batch`, a network error): so did each request in it.
                let failure = Failure::from(&e);
                for (index, _) in &chunk {
                    for kind in [ObjectKind::Application, ObjectKind::ServicePrincipal] {
                        let answer = Answer::Failed(failure.clone());
                        record(&mut resolution.apps, &to_read, (*index, kind), answer, now);
                    }
                }
            }
        }
        read += u32::try_from(chunk.len()).unwrap_or(u32::MAX);
        on_resolved(read);
    }
    resolution.warnings.extend(warnings(&resolution.apps, &roles));
    resolution
}

/// What Graph answered for one object.
pub(crate) enum Answer {
    Body(serde_json::Value),
    Missing,
    Failed(Failure),
}

impl From<Result<serde_json::Value, AzureError>> for Answer {
    fn from(result: Result<serde_json::Value, AzureError>) -> Self {
        match result {
            Ok(body) => Answer::Body(body),
            Err(AzureError::Api { status: 404, .. }) => Answer::Missing,
            Err(e) => Answer::Failed(Failure::from(&CallError::Azure(e))),
        }
    }
}

/// Files the answer about `object` (the index of its app in `to_read`, and which object) under
/// its app.
pub(crate) fn record(
    apps: &mut HashMap<String, AppCredentials>,
    to_read: &[String],
    (index, kind): (usize, ObjectKind),
    answer: Answer,
    now: DateTime<Utc>,
) {
    let owner = match kind {
        ObjectKind::Application => CredentialOwner::Application,
        ObjectKind::ServicePrincipal => CredentialOwner::ServicePrincipal,
    };
    let Some(app_id) = to_read.get(index) else {
        return;
    };
    let app = apps
        .entry(app_id.clone())
        .or_insert_with(|| AppCredentials::new(app_id));
    let lookup = match answer {
        Answer::Body(body) => match serde_json::from_value::<DirectoryObject>(body) {
            Ok(object) => {
                let name = object.display_name.filter(|n| !n.is_empty());
                if owner == CredentialOwner::ServicePrincipal || app.display_name.is_none() {
                    app.display_name = name.or(app.display_name.take());
                }
                let passwords = object
                    .password_credentials
                    .into_iter()
                    .map(|c| info(c, app_id, owner, CredentialKind::Password, now));
                let certificates = object
                    .key_credentials
                    .into_iter()
                    .map(|c| info(c, app_id, owner, CredentialKind::Certificate, now));
                app.credentials.extend(passwords.chain(certificates));
                Lookup::Found
            }
            Err(e) => Lookup::Failed(Failure {
                status: None,
                code: "malformed_response".into(),
                message: format!("Microsoft Graph sent an object Rekey cannot read: {e}"),
            }),
        },
        Answer::Missing => Lookup::NotFound,
        Answer::Failed(failure) => Lookup::Failed(failure),
    };
    match owner {
        CredentialOwner::Application => app.application = lookup,
        CredentialOwner::ServicePrincipal => app.service_principal = lookup,
    }
}

/// One warning per app that is missing or half there; failures that many apps share (a 403 for
/// every lookup) are said once, with a few of the apps named.
pub(crate) fn warnings(
    apps: &HashMap<String, AppCredentials>,
    roles: &HashMap<String, AppRole>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut failures: BTreeMap<String, (Failure, Vec<&str>)> = BTreeMap::new();
    let mut sorted: Vec<(&String, &AppCredentials)> = apps.iter().collect();
    sorted.sort_by_key(|(k, _)| k.as_str());
    for (key, app) in sorted {
        let identity = roles.get(key) == Some(&AppRole::ClusterIdentity);
        match (&app.application, &app.service_principal) {
            (Lookup::Failed(f), _) | (_, Lookup::Failed(f)) => {
                let group = format!("{:?}/{}", f.status, f.code);
                failures
                    .entry(group)
                    .or_insert_with(|| (f.clone(), Vec::new()))
                    .1
                    .push(&app.app_id);
            }
            (Lookup::NotFound, Lookup::NotFound) => out.push(format!(
                "App {} was not found in the directory (deleted, or registered in another tenant); its \
                 clusters show as Unknown.",
                app.app_id
            )),
            (Lookup::Found, Lookup::NotFound) if identity => out.push(format!(
                "App {} has no service principal in this directory: the clusters that use it cannot sign in.",
                app.app_id
            )),
            (Lookup::NotFound, Lookup::Found) if identity => out.push(format!(
                "The app registration of {} is not in this directory (registered in another tenant?): only \
                 the secrets on its service principal object could be rated.",
                app.app_id
            )),
            _ => {}
        }
    }
    for (failure, app_ids) in failures.into_values() {
        let named = app_ids
            .iter()
            .take(NAMED_IN_WARNING)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let more = app_ids.len().saturating_sub(NAMED_IN_WARNING);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let advice = if failure.status == Some(403) {
            " The signed-in account needs permission to read applications (Application.Read.All, or a \
             directory role such as Directory Readers)."
        } else {
            ""
        };
        out.push(format!(
            "Could not read the credentials of {} app{} ({named}{more}): {failure}.{advice} Their clusters show \
             as Unknown.",
            app_ids.len(),
            if app_ids.len() == 1 { "" } else { "s" },
        ));
    }
    out
}

#[cfg(test)]
mod tests;
