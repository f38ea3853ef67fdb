//! Tauri commands, one file per area; each is a thin bridge to `rekey-core`.

pub mod auth;
pub mod clusters;
pub mod inventory;
pub mod session;
