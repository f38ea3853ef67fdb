//! The journal file, any engine's (rotations, moves to a managed identity): one JSON event per line
//! with its time, appended and flushed to disk before the step it records goes on, and read back
//! whole. A last line cut short by a crash is ignored; any other unreadable line is an error.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// An event an engine journals.
pub trait Entry: Serialize + DeserializeOwned + Clone + Send + 'static {
    /// The event with its outside text (Azure's codes and messages) scrubbed, as it is journaled.
    fn scrubbed(self) -> Self;
}

/// One line of a journal: the event and when it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line<E> {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: E,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("could not write the journal {path}: {detail}. The run stopped before its next step")]
    Write { path: String, detail: String },
    #[error("the journal {path} cannot be read ({detail}); it was left untouched for inspection")]
    Read { path: String, detail: String },
}

/// One run's journal file.
#[derive(Debug, Clone)]
pub struct JournalFile<E> {
    path: PathBuf,
    event: PhantomData<fn() -> E>,
}

impl<E: Entry> JournalFile<E> {
    /// The journal of the run `id` in `dir`: the ID is ours (a UUID), but a name from a file is
    /// never trusted as a path.
    pub fn at(dir: &Path, id: &str) -> JournalFile<E> {
        let safe: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        JournalFile {
            path: dir.join(format!("{safe}.jsonl")),
            event: PhantomData,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `event` (scrubbed) and waits until it is on disk.
    pub async fn append(&self, event: E) -> Result<(), JournalError> {
        let path = self.path.clone();
        let shown = path.display().to_string();
        let write = move || {
            let line = Line {
                at: Utc::now(),
                event: event.scrubbed(),
            };
            crate::paths::append_json_line(&path, &line).map_err(|e| JournalError::Write {
                path: path.display().to_string(),
                detail: e.to_string(),
            })
        };
        tokio::task::spawn_blocking(write)
            .await
            .map_err(|e| JournalError::Write {
                path: shown,
                detail: e.to_string(),
            })?
    }

    pub async fn read(&self) -> Result<Vec<Line<E>>, JournalError> {
        read_lines(&self.path).await
    }
}

/// Parses a journal's bytes (see the module's words on a line cut short).
pub fn parse_lines<T: DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<T>(line) {
            Ok(l) => out.push(l),
            Err(_) if i + 1 == lines.len() && !complete => break,
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(out)
}

/// The lines of the journal at `path`.
pub async fn read_lines<L: DeserializeOwned>(path: &Path) -> Result<Vec<L>, JournalError> {
    let shown = path.display().to_string();
    let bytes = tokio::fs::read(path).await.map_err(|e| JournalError::Read {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    parse_lines(&bytes).map_err(|detail| JournalError::Read { path: shown, detail })
}

/// Every journal in `dir` replayed with `replay`, newest first by `started`, with the journals that
/// could not be read or do not start with a plan.
pub async fn replay_all<E, S>(
    dir: &Path,
    replay: impl Fn(&[Line<E>]) -> Option<S>,
    started: impl Fn(&S) -> DateTime<Utc>,
) -> (Vec<S>, Vec<String>)
where
    E: Entry,
{
    let mut states = Vec::new();
    let mut problems = Vec::new();
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (states, problems),
        Err(e) => {
            problems.push(format!("could not read {}: {e}", dir.display()));
            return (states, problems);
        }
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        match read_lines::<Line<E>>(&path).await {
            Ok(lines) => match replay(&lines) {
                Some(state) => states.push(state),
                None => problems.push(format!("{}: it does not start with a plan", path.display())),
            },
            Err(e) => problems.push(e.to_string()),
        }
    }
    states.sort_by_key(|s| std::cmp::Reverse(started(s)));
    (states, problems)
}
