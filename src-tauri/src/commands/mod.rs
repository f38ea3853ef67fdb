//! Tauri commands, one file per area; each is a thin bridge to `rekey-core`.

pub mod alerts;
pub mod auth;
pub mod inventory;
pub mod rotation;
pub mod session;
pub mod settings;
pub mod vault;
