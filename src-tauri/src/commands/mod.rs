//! Tauri commands, one file per area; each is a one-line bridge to `rekey-core`.

pub mod clusters;
pub mod session;
