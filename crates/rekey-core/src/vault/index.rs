//! The vault's metadata index: `vault-index.json` in the app data folder, the list of secrets the
//! keyring holds for Rekey (keyrings cannot be listed portably). It never holds a secret value.
//! Changes are read-modify-write under an exclusive lock on `vault-index.lock`, so the app and the
//! CLI running at once never lose each other's entries.

use std::fs::File;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::entry::VaultEntry;
use super::VaultError;
use crate::paths::{write_private, AppPaths};

#[derive(Debug, Default, Serialize, Deserialize)]
struct IndexFile {
    version: u32,
    entries: Vec<VaultEntry>,
}

const VERSION: u32 = 1;

#[derive(Debug, Clone)]
pub(crate) struct Index {
    path: PathBuf,
    lock_path: PathBuf,
}

impl Index {
    pub fn new(paths: &AppPaths) -> Index {
        Index {
            path: paths.data_dir.join("vault-index.json"),
            lock_path: paths.data_dir.join("vault-index.lock"),
        }
    }

    /// Every entry. Blocking.
    pub fn read(&self) -> Result<Vec<VaultEntry>, VaultError> {
        let _lock = self.lock()?;
        self.load()
    }

    /// Applies `change` to the entries and writes them back, all under the lock. Blocking.
    pub fn update<T>(&self, change: impl FnOnce(&mut Vec<VaultEntry>) -> T) -> Result<T, VaultError> {
        let _lock = self.lock()?;
        let mut entries = self.load()?;
        let result = change(&mut entries);
        let file = IndexFile {
            version: VERSION,
            entries,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| self.write_error(e))?;
        write_private(&self.path, &bytes).map_err(|e| self.write_error(e))?;
        Ok(result)
    }

    fn load(&self) -> Result<Vec<VaultEntry>, VaultError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.read_error(e)),
        };
        // A broken index is never overwritten: the secrets it lists are still in the keyring, and
        // the admin must be able to recover them, so every change is refused until it is fixed.
        let file: IndexFile = serde_json::from_slice(&bytes).map_err(|e| self.read_error(e))?;
        if file.version > VERSION {
            return Err(VaultError::Index {
                path: self.path.display().to_string(),
                detail: format!(
                    "it was written by a newer Rekey (format {}); update Rekey to use it",
                    file.version
                ),
            });
        }
        Ok(file.entries)
    }

    fn lock(&self) -> Result<File, VaultError> {
        let file = crate::paths::open_private(
            &self.lock_path,
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true),
        )
        .map_err(|e| self.write_error(e))?;
        // Held until the returned file is dropped.
        file.lock().map_err(|e| self.write_error(e))?;
        Ok(file)
    }

    fn read_error(&self, e: impl std::fmt::Display) -> VaultError {
        VaultError::Index {
            path: self.path.display().to_string(),
            detail: format!("{e}; fix or move the file away (the secrets stay in the keyring)"),
        }
    }

    fn write_error(&self, e: impl std::fmt::Display) -> VaultError {
        VaultError::Index {
            path: self.path.display().to_string(),
            detail: format!("could not write it: {e}"),
        }
    }
}
