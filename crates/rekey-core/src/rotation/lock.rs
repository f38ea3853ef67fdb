//! One rotation per cluster and per principal at a time, also across two running copies of Rekey
//! (the app and the CLI, two terminals): an exclusive OS file lock per resource in the app data
//! folder's `locks/`. The OS releases it when the process dies, so a crash never leaves a cluster
//! locked.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::paths::AppPaths;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{what} is being rotated by another Rekey window or command right now ({holder}); wait for it to finish")]
    Busy { what: String, holder: String },
    #[error("could not take the rotation lock {path}: {detail}")]
    Io { path: String, detail: String },
}

/// Held locks; released on drop.
#[derive(Debug)]
pub struct Locks {
    _files: Vec<File>,
}

/// Locks every resource in `names` (cluster IDs, app IDs), all or none.
pub fn acquire(paths: &AppPaths, names: &[(String, String)]) -> Result<Locks, LockError> {
    let dir = paths.data_dir.join("locks");
    crate::paths::create_private_dir(&dir).map_err(|e| LockError::Io {
        path: dir.display().to_string(),
        detail: e.to_string(),
    })?;
    let mut files = Vec::new();
    let mut sorted: Vec<&(String, String)> = names.iter().collect();
    // One order for every process, so two bulk rotations cannot each hold half.
    sorted.sort_by_key(|(key, _)| key.to_ascii_lowercase());
    sorted.dedup_by_key(|(key, _)| key.to_ascii_lowercase());
    for (key, what) in sorted {
        let path = lock_path(&dir, key);
        let io = |e: std::io::Error| LockError::Io {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let mut file = crate::paths::open_private(
            &path,
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true),
        )
        .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(LockError::Busy {
                    what: what.clone(),
                    holder: if holder.trim().is_empty() {
                        "another process".into()
                    } else {
                        holder.trim().to_string()
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for the other process's message.
        let _ = file.set_len(0);
        let _ = writeln!(file, "process {}", std::process::id());
        files.push(file);
    }
    Ok(Locks { _files: files })
}

fn lock_path(dir: &std::path::Path, key: &str) -> PathBuf {
    let digest = Sha256::digest(key.to_ascii_lowercase().as_bytes());
    let name: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{name}.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() -> Result<(), LockError> {
        let dir = tempfile::tempdir().map_err(|e| LockError::Io {
            path: "tmp".into(),
            detail: e.to_string(),
        })?;
        let paths = AppPaths::at(dir.path());
        let names = vec![("/subscriptions/s/x".to_string(), "cluster x".to_string())];
        let held = acquire(&paths, &names)?;
        // File locks are per open file description: a second open in this process conflicts too.
        let again = acquire(
            &paths,
            &[("/SUBSCRIPTIONS/S/X".to_string(), "cluster x".to_string())],
        );
        assert!(matches!(again, Err(LockError::Busy { .. })), "{again:?}");
        drop(held);
        acquire(&paths, &names)?;
        Ok(())
    }
}
