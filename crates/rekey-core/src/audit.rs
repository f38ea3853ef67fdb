//! The audit log: one JSON object per line in the app data folder, appended and flushed per record.
//! It says who did what to which cluster or secret and how it went; it never holds a secret value
//! (records carry key IDs and hints only).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::paths::AppPaths;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditRecord {
    pub time: DateTime<Utc>,
    /// The person: the signed-in account (UPN or app ID) when known, else the OS user.
    pub actor: String,
    /// What was done, e.g. `vault.copy`, `vault.reveal`, `rotation.step`.
    pub action: String,
    /// `ok`, `failed`, `started`, `skipped`…
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The cluster's ARM ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub old_key_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_key_id: Option<String>,
    /// The first characters Azure shows of a secret (its `hint`), never more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
    /// What happened, in words (Azure's message on failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditRecord {
    pub fn new(actor: impl Into<String>, action: impl Into<String>, outcome: impl Into<String>) -> Self {
        AuditRecord {
            time: Utc::now(),
            actor: actor.into(),
            action: action.into(),
            outcome: outcome.into(),
            tenant_id: None,
            cluster: None,
            app_id: None,
            rotation_id: None,
            mode: None,
            step: None,
            old_key_ids: Vec::new(),
            new_key_id: None,
            hint: None,
            duration_ms: None,
            detail: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("could not write the audit log {path}: {detail}. Check that the folder exists and you may write to it")]
    Write { path: String, detail: String },
    #[error("could not read the audit log {path}: {detail}")]
    Read { path: String, detail: String },
}

/// The audit log of one Rekey profile. Appends from several threads or processes interleave whole
/// lines: each record is one `write` on a file opened for appending.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

/// The OS user running Rekey, for records no Azure account is attached to.
pub fn local_actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .map(|u| format!("local:{u}"))
        .unwrap_or_else(|_| "local".to_string())
}

impl AuditLog {
    pub fn new(paths: &AppPaths) -> AuditLog {
        AuditLog {
            path: paths.data_dir.join("audit.jsonl"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` and flushes it to disk. Blocking: call it off the async runtime, or use
    /// [`AuditLog::record`].
    pub fn append_blocking(&self, record: &AuditRecord) -> Result<(), AuditError> {
        // The detail may carry Azure's words: scrubbed here, whoever wrote the record.
        let mut record = record.clone();
        record.detail = record.detail.as_deref().map(crate::azure::error::scrub);
        crate::paths::append_json_line(&self.path, &record).map_err(|e| AuditError::Write {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        })
    }

    /// Appends `record` on a blocking thread.
    pub async fn record(&self, record: AuditRecord) -> Result<(), AuditError> {
        let log = self.clone();
        match tokio::task::spawn_blocking(move || log.append_blocking(&record)).await {
            Ok(result) => result,
            Err(e) => Err(AuditError::Write {
                path: self.path.display().to_string(),
                detail: e.to_string(),
            }),
        }
    }

    /// Appends `record`, logging (not failing) if the log cannot be written: used where the action
    /// itself already happened and must not be reported as failed.
    pub async fn record_or_warn(&self, record: AuditRecord) {
        if let Err(e) = self.record(record).await {
            tracing::warn!("{e}");
        }
    }

    /// Every record, oldest first. A line that is not a record (a torn write after a crash) is
    /// skipped and counted.
    pub fn read_blocking(&self) -> Result<(Vec<AuditRecord>, usize), AuditError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
            Err(e) => {
                return Err(AuditError::Read {
                    path: self.path.display().to_string(),
                    detail: e.to_string(),
                })
            }
        };
        let mut skipped = 0;
        let records = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| match serde_json::from_str(l) {
                Ok(r) => Some(r),
                Err(_) => {
                    skipped += 1;
                    None
                }
            })
            .collect();
        Ok((records, skipped))
    }

    pub async fn read(&self) -> Result<(Vec<AuditRecord>, usize), AuditError> {
        let log = self.clone();
        match tokio::task::spawn_blocking(move || log.read_blocking()).await {
            Ok(result) => result,
            Err(e) => Err(AuditError::Read {
                path: self.path.display().to_string(),
                detail: e.to_string(),
            }),
        }
    }
}

/// The records as CSV (RFC 4180, formula-guarded like the inventory export), for spreadsheets and
/// tickets.
pub fn to_csv(records: &[AuditRecord]) -> String {
    use crate::inventory::export::{guard_formula, push_record};
    const HEADER: [&str; 15] = [
        "time",
        "actor",
        "action",
        "outcome",
        "tenant",
        "cluster",
        "app ID",
        "rotation",
        "mode",
        "step",
        "old key IDs",
        "new key ID",
        "hint",
        "duration ms",
        "detail",
    ];
    let mut out = String::new();
    push_record(&mut out, HEADER.iter().map(|h| h.to_string()));
    for r in records {
        let text = |s: Option<&String>| guard_formula(s.map(String::as_str).unwrap_or_default());
        let fields = [
            r.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            guard_formula(&r.actor),
            r.action.clone(),
            r.outcome.clone(),
            text(r.tenant_id.as_ref()),
            text(r.cluster.as_ref()),
            text(r.app_id.as_ref()),
            text(r.rotation_id.as_ref()),
            text(r.mode.as_ref()),
            text(r.step.as_ref()),
            r.old_key_ids.join(" "),
            text(r.new_key_id.as_ref()),
            text(r.hint.as_ref()),
            r.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
            text(r.detail.as_ref()),
        ];
        push_record(&mut out, fields.into_iter());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn records_append_and_read_back_skipping_a_torn_line() -> Result<(), AuditError> {
        let dir = tempfile::tempdir().map_err(|e| AuditError::Read {
            path: "tmp".into(),
            detail: e.to_string(),
        })?;
        let log = AuditLog::new(&AppPaths::at(dir.path()));
        let mut first = AuditRecord::new("a@contoso.com", "vault.copy", "ok");
        first.new_key_id = Some("k1".into());
        log.append_blocking(&first)?;
        std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .and_then(|mut f| f.write_all(b"{\"time\":\"2026-"))
            .map_err(|e| AuditError::Write {
                path: "x".into(),
                detail: e.to_string(),
            })?;
        // A torn line without a newline is followed by the next record on its own line only if
        // the writer starts a new line; the reader must still skip the broken one.
        std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .and_then(|mut f| f.write_all(b"\n"))
            .map_err(|e| AuditError::Write {
                path: "x".into(),
                detail: e.to_string(),
            })?;
        log.append_blocking(&AuditRecord::new("b", "vault.reveal", "ok"))?;
        let (records, skipped) = log.read_blocking()?;
        assert_eq!(records.len(), 2);
        assert_eq!(skipped, 1);
        assert_eq!(records[0], first);
        let csv = to_csv(&records);
        assert!(csv
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("vault.copy") && l.contains("k1")));
        Ok(())
    }
}
