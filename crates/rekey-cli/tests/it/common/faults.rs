//! The fault matrices' shared pieces: Azure's error answers by name, and watching a journal folder
//! for the event after which a fault is armed or the CLI killed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rekey_sim::faults::FaultAction;

use super::Run;

/// Azure's error answer: `status`, `{"error": {code, message}}`, and a `Retry-After` if given.
pub fn respond(status: u16, code: &str, message: &str, retry_after: Option<&str>) -> FaultAction {
    FaultAction::Respond {
        status,
        body: Some(serde_json::json!({"error": {"code": code, "message": message}})),
        headers: retry_after
            .map(|r| [("Retry-After".to_string(), r.to_string())].into_iter().collect())
            .unwrap_or_default(),
    }
}

/// The HTTP faults, by name: 429, 500, drop (a cut connection), timeout (longer than
/// `REKEY_HTTP_TIMEOUT_SECS=2`), token expiry, 409 (another operation).
pub fn http_fault(name: &str) -> FaultAction {
    match name {
        "429" => respond(
            429,
            "TooManyRequests",
            "Too many requests, retry later.",
            Some("1"),
        ),
        "500" => respond(500, "InternalServerError", "An internal error occurred.", None),
        "drop" => FaultAction::Drop,
        "timeout" => FaultAction::Delay { ms: 3_000 },
        "token expiry" => respond(
            401,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
            None,
        ),
        "409" => respond(
            409,
            "OperationNotAllowed",
            "Operation is not allowed because there's an in progress operation on the managed cluster.",
            None,
        ),
        other => panic!("unknown fault {other}"),
    }
}

/// The journals in `folder`.
pub fn journals(folder: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect()
}

/// Waits until a journal of `folder` not in `known` contains `needle`.
pub async fn wait_for_event(folder: &Path, known: &[PathBuf], needle: &str, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        for path in journals(folder).iter().filter(|p| !known.contains(p)) {
            if std::fs::read_to_string(path).unwrap_or_default().contains(needle) {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// `kill -9` of `child` (a `rekey` run) once a new journal of `folder` (not in `known`) shows
/// `event` and `pause` has passed, as a crash would. Returns the run as the matrix settles it (its
/// words name `retry`) and the matrix row's outcome.
pub async fn kill_after(
    mut child: tokio::process::Child,
    folder: &Path,
    known: &[PathBuf],
    event: &str,
    wait: Duration,
    pause: Duration,
    retry: &str,
) -> (Run, String) {
    let seen = wait_for_event(folder, known, event, wait).await;
    tokio::time::sleep(pause).await;
    let _ = child.start_kill();
    let _ = child.wait().await;
    let killed = Run {
        code: None,
        stdout: String::new(),
        stderr: format!("rekey: killed (code: kill)\n  retry: {retry}"),
    };
    let outcome = if seen {
        "killed, resumed"
    } else {
        "finished before the kill"
    };
    (killed, outcome.into())
}

/// A fault matrix row's outcome: the run went through, or failed (each matrix then resumes it).
pub fn outcome(run: &Run) -> String {
    if run.success() {
        "ok".into()
    } else {
        "failed, resumed".into()
    }
}
