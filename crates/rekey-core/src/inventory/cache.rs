//! The last inventory, kept as JSON in the app data folder so that the app opens instantly on it.
//! An inventory holds no secret (credential metadata only), so plain JSON is fine; the file is
//! still private to the user, as it maps the estate.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Inventory;
use crate::paths::{write_private, AppPaths};

/// Bumped when the saved shape changes; an older file is then ignored, never misread.
const FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("could not save the inventory cache {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("could not encode the inventory cache: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the inventory cache writer stopped unexpectedly: {0}")]
    Task(String),
}

#[derive(Serialize)]
struct SavedRef<'a> {
    format: u32,
    inventory: &'a Inventory,
}

#[derive(Deserialize)]
struct Saved {
    format: u32,
    inventory: Inventory,
}

pub fn cache_file(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("inventory-cache.json")
}

/// Replaces the cache with `inventory`, all at once (a crash leaves the old file or the new one).
pub async fn save(paths: &AppPaths, inventory: &Inventory) -> Result<(), CacheError> {
    let bytes = serde_json::to_vec(&SavedRef {
        format: FORMAT,
        inventory,
    })?;
    let path = cache_file(paths);
    tokio::task::spawn_blocking(move || {
        write_private(&path, &bytes).map_err(|source| CacheError::Write { path, source })
    })
    .await
    .map_err(|e| CacheError::Task(e.to_string()))?
}

/// The cached inventory, or `None` when there is none. A file that cannot be read (corrupt, or
/// from another Rekey version) is ignored with a warning in the log: the next refresh replaces it.
pub async fn load(paths: &AppPaths) -> Option<Inventory> {
    let path = cache_file(paths);
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::read(path)).await
    };
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Ok(Err(e)) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring the inventory cache: it cannot be read");
            return None;
        }
        Err(e) => {
            tracing::warn!(error = %e, "ignoring the inventory cache: the reader stopped");
            return None;
        }
    };
    match serde_json::from_slice::<Saved>(&bytes) {
        Ok(saved) if saved.format == FORMAT => {
            // A cache written before `rotatable` was sent: decided again, by the same rule.
            let mut inventory = saved.inventory;
            inventory
                .clusters
                .iter_mut()
                .for_each(|r| r.rotatable = r.can_rotate());
            Some(inventory)
        }
        Ok(saved) => {
            tracing::warn!(path = %path.display(), format = saved.format, "ignoring an inventory cache of another format");
            None
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring a corrupt inventory cache");
            None
        }
    }
}
