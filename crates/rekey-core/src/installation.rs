//! This installation of Rekey (one data folder): a random ID, made once, that marks the secrets it
//! creates in Azure, so that its clean-up of lost secrets never touches another installation's on the
//! same application (a colleague's Rekey, the CLI on a build agent).

use std::io::{Read as _, Write as _};
use std::path::PathBuf;

use rand::RngCore as _;

use crate::paths::AppPaths;

/// What the display name of a secret Rekey creates starts with.
pub const NAME_PREFIX: &str = "rekey ";

fn file(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("installation-id")
}

fn valid(id: &str) -> bool {
    id.len() == 8
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// This installation's ID (8 lowercase hex digits), made and kept (0600) in the data folder the
/// first time. Blocking: call it off the async runtime, or use [`id`].
pub fn id_blocking(paths: &AppPaths) -> std::io::Result<String> {
    let path = file(paths);
    let read = |path: &PathBuf| -> std::io::Result<String> {
        let mut text = String::new();
        crate::paths::open_private(path, std::fs::OpenOptions::new().read(true))?
            .take(64)
            .read_to_string(&mut text)?;
        Ok(text.trim().to_string())
    };
    match read(&path) {
        Ok(id) if valid(&id) => return Ok(id),
        Ok(_) => {
            // Unreadable as an ID: a new one. Secrets the old one marked are left alone (at worst a
            // lost secret stays until it expires, never someone else's removed).
            tracing::warn!("{} is not an installation ID; making a new one", path.display());
            let id = new_id();
            crate::paths::write_private(&path, format!("{id}\n").as_bytes())?;
            return Ok(id);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let id = new_id();
    // Created exclusively: two processes starting at once agree on the first one written.
    match crate::paths::open_private(&path, std::fs::OpenOptions::new().write(true).create_new(true)) {
        Ok(mut f) => {
            f.write_all(format!("{id}\n").as_bytes())?;
            f.sync_all()?;
            Ok(id)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let id = read(&path)?;
            if valid(&id) {
                Ok(id)
            } else {
                Err(std::io::Error::other(format!(
                    "{} is being written by another Rekey; try again",
                    path.display()
                )))
            }
        }
        Err(e) => Err(e),
    }
}

/// [`id_blocking`] on a blocking thread; the error in words.
pub async fn id(paths: &AppPaths) -> Result<String, String> {
    let paths = paths.clone();
    tokio::task::spawn_blocking(move || id_blocking(&paths))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("could not read or create this installation's ID: {e}"))
}

fn new_id() -> String {
    let mut bytes = [0u8; 4];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `name` is the display name of a secret this installation (`id`) created.
pub fn is_ours(name: &str, id: &str) -> bool {
    name.starts_with(NAME_PREFIX) && name.strip_suffix(id).is_some_and(|rest| rest.ends_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn made_once_kept_private_and_distinct_per_data_folder() {
        let one = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let two = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = (AppPaths::at(one.path()), AppPaths::at(two.path()));
        let id_a = id_blocking(&a).unwrap_or_else(|e| panic!("{e}"));
        assert!(valid(&id_a), "{id_a}");
        assert_eq!(id_blocking(&a).unwrap_or_default(), id_a, "kept");
        assert_ne!(id_blocking(&b).unwrap_or_default(), id_a);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file(&a)).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.unwrap_or(0), 0o600);
        }
        let name = crate::rotation::orphans::credential_name("3f2a9c01", Utc::now(), &id_a);
        assert!(is_ours(&name, &id_a));
        assert!(!is_ours(&name, "00000000"));
        assert!(!is_ours(
            &format!("rekey {}", Utc::now().format("%Y-%m-%d")),
            &id_a
        ));
        assert!(name.len() <= 40 && name.is_ascii(), "{name}");
    }
}
