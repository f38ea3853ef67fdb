//! Exactly-once secrets: every `addPassword` carries its rotation's marker in the credential's
//! displayName, so that when the answer is lost (a timeout, a 5xx, a cut connection after Azure
//! wrote the secret) the secret can be found again and removed. Nobody holds its value, so it must
//! not stay behind.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::azure::directory::{DirectoryObject, ObjectKind};
use crate::azure::graph::GraphClient;
use crate::azure::CallError;
use crate::rotation::retry::{retrying, Budget, Kind};

/// How long a read may lag behind a write Graph just did (directory replication): after a lost
/// answer, a read that shows no marked secret is repeated for this long before it is believed.
pub const READ_LAG: Duration = Duration::from_secs(6);

/// `r:` and the rotation ID's first 8 hex digits: short, and unique enough within one app.
pub fn marker(rotation_id: &str) -> String {
    let hex: String = rotation_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    format!("r:{hex}")
}

/// The displayName of a secret a rotation adds: `rekey <date> r:<8 hex> <installation ID>` — the
/// rotation's marker finds it again after a lost answer ([`is_marked`] looks for it as a word), the
/// installation's ID keeps another installation's clean-up away ([`crate::installation::is_ours`]).
/// Short plain ASCII: what Azure accepts and people recognise in the portal.
pub fn credential_name(rotation_id: &str, now: DateTime<Utc>, installation: &str) -> String {
    format!(
        "rekey {} {} {installation}",
        now.format("%Y-%m-%d"),
        marker(rotation_id)
    )
}

/// Whether `display_name` carries the marker of `rotation_id`.
pub fn is_marked(display_name: &str, rotation_id: &str) -> bool {
    let marker = marker(rotation_id);
    display_name
        .split_whitespace()
        .any(|word| word.eq_ignore_ascii_case(&marker))
}

/// What identifies this rotation's secrets, and which of them are accounted for.
pub struct Ours<'a> {
    pub rotation_id: &'a str,
    /// The name journaled with the request (a journal from before markers: matched exactly).
    pub requested_name: &'a str,
    /// Key IDs that must stay: the old secrets and whatever the vault holds.
    pub keep: &'a [String],
}

impl Ours<'_> {
    /// Key IDs on `object` that carry this rotation's marker (or its exact requested name) and that
    /// nobody holds.
    pub fn orphans(&self, object: &DirectoryObject) -> Vec<String> {
        object
            .password_credentials
            .iter()
            .filter(|c| {
                let name = c.display_name.as_deref().unwrap_or_default();
                is_marked(name, self.rotation_id) || name == self.requested_name
            })
            .filter(|c| !self.keep.iter().any(|k| k.eq_ignore_ascii_case(&c.key_id)))
            .map(|c| c.key_id.clone())
            .collect()
    }
}

/// Reads the object that received `addPassword` and returns the orphans on it. With `lag`, a read
/// that shows none is repeated (on the one step-level back-off) until `lag` has passed, since a
/// secret Azure just wrote may not be visible to the next read yet.
pub async fn find(
    graph: &GraphClient,
    kind: ObjectKind,
    app_id: &str,
    ours: &Ours<'_>,
    lag: Option<Duration>,
) -> Result<Vec<String>, CallError> {
    /// A read that found nothing yet, or failed (the caller retries transient failures).
    enum Look {
        Nothing,
        Failed(CallError),
    }
    let mut budget = Budget::waiting(lag.unwrap_or_default());
    let found = retrying(
        &mut budget,
        |_| async {
            let object = match kind {
                ObjectKind::Application => graph.application(app_id).await,
                ObjectKind::ServicePrincipal => graph.service_principal(app_id).await,
            }
            .map_err(Look::Failed)?;
            let found = object.as_ref().map(|o| ours.orphans(o)).unwrap_or_default();
            match found.is_empty() && lag.is_some() {
                true => Err(Look::Nothing),
                false => Ok(found),
            }
        },
        |look, budget| match look {
            Look::Nothing => budget.next(Kind::Replication),
            Look::Failed(_) => None,
        },
    )
    .await;
    match found {
        Ok(found) => Ok(found),
        Err(Look::Nothing) => Ok(Vec::new()),
        Err(Look::Failed(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::directory::CredentialMetadata;

    fn credential(key: &str, name: &str) -> CredentialMetadata {
        serde_json::from_value(serde_json::json!({"keyId": key, "displayName": name}))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_name_carries_the_rotation_marker() {
        let id = "3F2A9C01-77aa-4bcd-9e0f-0123456789ab";
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            credential_name(id, now, "1a2b3c4d"),
            "rekey 2026-12-07 r:3f2a9c01 1a2b3c4d"
        );
        assert!(is_marked("rekey 2026-12-07 r:3f2a9c01 inst:abcd", id));
        assert!(!is_marked("rekey 2026-12-07 r:3f2a9c02", id));
        assert!(!is_marked("rekey 2026-12-07", id));
    }

    #[test]
    fn orphans_are_marked_and_held_by_nobody() {
        let id = "3f2a9c01-0000-0000-0000-000000000000";
        let object = DirectoryObject {
            id: "o".into(),
            app_id: "a".into(),
            display_name: None,
            key_credentials: Vec::new(),
            password_credentials: vec![
                credential("k-old", "rekey 2026-01-01 r:11111111"),
                credential("k-lost", "rekey 2026-12-07 r:3f2a9c01"),
                credential("k-held", "rekey 2026-12-07 r:3f2a9c01"),
                credential("k-other", "rekey 2026-12-07 r:22222222"),
                credential("k-legacy", "rekey 2026-12-06"),
            ],
        };
        let keep = vec!["k-old".to_string(), "K-HELD".to_string()];
        let ours = Ours {
            rotation_id: id,
            requested_name: "rekey 2026-12-06",
            keep: &keep,
        };
        assert_eq!(ours.orphans(&object), vec!["k-lost", "k-legacy"]);
    }
}
