//! Who still uses a secret: Microsoft Graph's sign-in activity report per credential
//! (`GET /beta/reports/appCredentialSignInActivities`, Graph beta; application or delegated
//! `AuditLog.Read.All`, for a person also a reports role; tenants with Microsoft Entra ID P1 or P2;
//! the global cloud only). What cannot be read is [`Usage::Unknown`] with the reason, never "unused".

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::error::CallError;
use super::graph::GraphClient;
use crate::transport::AzureError;

/// The report's own caveat, for every place that shows its dates.
pub const CAVEAT: &str = "Microsoft Graph's sign-in activity can include sign-ins that did not complete, \
     and it may trail real use by some hours";

/// One row of `appCredentialSignInActivities`: a credential that signed in (one never used has no row).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(default)]
    key_id: String,
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    sign_in_activity: Option<Activity>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Activity {
    #[serde(default)]
    last_sign_in_date_time: Option<DateTime<Utc>>,
}

/// When each credential (by key ID, lower case) last signed in, as far as the report shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignIns {
    /// Key IDs → the latest sign-in (the report has a row per resource: the latest is kept).
    by_key: HashMap<String, DateTime<Utc>>,
}

impl SignIns {
    pub fn last(&self, key_id: &str) -> Option<DateTime<Utc>> {
        self.by_key.get(&key_id.to_ascii_lowercase()).copied()
    }

    fn from_rows(rows: Vec<Row>, app_id: Option<&str>) -> SignIns {
        let mut by_key: HashMap<String, DateTime<Utc>> = HashMap::new();
        for row in rows {
            if app_id.is_some_and(|a| !row.app_id.eq_ignore_ascii_case(a)) {
                continue;
            }
            let Some(at) = row.sign_in_activity.and_then(|a| a.last_sign_in_date_time) else {
                continue;
            };
            let slot = by_key.entry(row.key_id.to_ascii_lowercase()).or_insert(at);
            *slot = (*slot).max(at);
        }
        SignIns { by_key }
    }
}

/// What Rekey knows about a credential's use: read from the report, or not, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    Known(SignIns),
    Unknown(String),
}

/// What the window and the CLI show for one secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum LastUsed {
    /// Its latest sign-in in the report.
    #[serde(rename_all = "camelCase")]
    At {
        #[ts(type = "string")]
        at: DateTime<Utc>,
    },
    /// The report has no sign-in with it.
    NotSeen,
    /// The report could not be read: why.
    Unknown { reason: String },
}

impl LastUsed {
    /// How the CLI says it: the time, `not seen`, or `unknown`.
    pub fn label(&self) -> String {
        match self {
            LastUsed::At { at } => at.format("%Y-%m-%d %H:%M UTC").to_string(),
            LastUsed::NotSeen => "not seen".into(),
            LastUsed::Unknown { .. } => "unknown".into(),
        }
    }
}

impl Usage {
    pub fn last_used(&self, key_id: &str) -> LastUsed {
        match self {
            Usage::Known(s) => s.last(key_id).map_or(LastUsed::NotSeen, |at| LastUsed::At { at }),
            Usage::Unknown(reason) => LastUsed::Unknown {
                reason: reason.clone(),
            },
        }
    }
}

impl GraphClient {
    /// The sign-in activity of `app_id`'s credentials, or of every credential of the tenant.
    pub async fn credential_sign_ins(&self, app_id: Option<&str>) -> Result<SignIns, CallError> {
        let path = match app_id {
            Some(app) => {
                super::directory::checked("application ID", app)?;
                format!("reports/appCredentialSignInActivities?$filter=appId eq '{app}'")
            }
            None => "reports/appCredentialSignInActivities".to_string(),
        };
        let rows: Vec<Row> = self.list_at("beta", &path).await?;
        Ok(SignIns::from_rows(rows, app_id))
    }

    /// [`Self::credential_sign_ins`], with what cannot be read said in words.
    pub async fn usage(&self, app_id: Option<&str>) -> Usage {
        if !self.cloud().may_have_sign_in_reports() {
            return Usage::Unknown(
                "usage unknown: Microsoft Graph's sign-in activity reports exist only in Azure's global cloud"
                    .into(),
            );
        }
        match self.credential_sign_ins(app_id).await {
            Ok(s) => Usage::Known(s),
            Err(e) => Usage::Unknown(unknown_because(&e)),
        }
    }
}

/// Why the report could not be read, and what would make it readable.
pub fn unknown_because(e: &CallError) -> String {
    let api = match e {
        CallError::Azure(AzureError::Api { status, code, .. }) => Some((*status, code.as_str())),
        _ => None,
    };
    match api {
        Some((403, code))
            if code.eq_ignore_ascii_case("Authentication_RequestFromNonPremiumTenantOrB2CTenant") =>
        {
            "usage unknown: the tenant has no Microsoft Entra ID P1 or P2 licence, which the sign-in \
             activity report needs"
                .into()
        }
        Some((401 | 403, _)) => "usage unknown: this account may not read sign-in activity (it needs \
             AuditLog.Read.All and, for a person, a role such as Reports Reader)"
            .into(),
        Some((400 | 404, _)) => {
            "usage unknown: this cloud does not publish the sign-in activity report".into()
        }
        _ => format!("usage unknown: the sign-in activity report could not be read ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, app: &str, at: Option<&str>) -> Row {
        Row {
            key_id: key.into(),
            app_id: app.into(),
            sign_in_activity: Some(Activity {
                last_sign_in_date_time: at.and_then(|t| t.parse().ok()),
            }),
        }
    }

    #[test]
    fn the_latest_sign_in_of_each_key_is_kept_and_other_apps_are_ignored() {
        let s = SignIns::from_rows(
            vec![
                row("K1", "a", Some("2026-01-01T00:00:00Z")),
                row("k1", "a", Some("2026-02-01T00:00:00Z")),
                row("k2", "b", Some("2026-03-01T00:00:00Z")),
                row("k3", "a", None),
            ],
            Some("A"),
        );
        assert_eq!(
            s.last("k1").map(|t| t.to_rfc3339()),
            Some("2026-02-01T00:00:00+00:00".into())
        );
        assert_eq!(s.last("k2"), None);
        assert_eq!(Usage::Known(s.clone()).last_used("k3"), LastUsed::NotSeen);
        assert!(matches!(
            Usage::Unknown("x".into()).last_used("k1"),
            LastUsed::Unknown { .. }
        ));
    }

    /// The caveat's one home is here: the window reads it from a generated binding, beside ts-rs's
    /// (checked in CI like them).
    #[test]
    fn export_bindings_usage_caveat() {
        let dir = std::env::var_os("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings")
            });
        let text = format!(
            "// Generated from rekey-core's azure::reports::CAVEAT (its export_bindings_usage_caveat test). Do not edit.\n\
             export const USAGE_CAVEAT = {};\n",
            serde_json::to_string(CAVEAT).unwrap_or_default()
        );
        std::fs::write(dir.join("UsageCaveat.ts"), text).unwrap_or_else(|e| panic!("UsageCaveat.ts: {e}"));
    }

    #[test]
    fn refusals_say_what_is_missing() {
        let api = |status, code: &str| {
            CallError::Azure(AzureError::Api {
                status,
                code: code.into(),
                message: String::new(),
                request_id: None,
            })
        };
        assert!(
            unknown_because(&api(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"))
                .contains("P1 or P2")
        );
        assert!(unknown_because(&api(403, "Authorization_RequestDenied")).contains("AuditLog.Read.All"));
        assert!(unknown_because(&api(404, "NotFound")).contains("does not publish"));
    }
}
