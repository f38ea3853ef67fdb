//! `rekey-core`: everything in Rekey that is not GUI. The desktop app and the CLI both call it;
//! neither holds logic the other lacks.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod azure;
pub mod binding;
pub mod clipboard;
pub mod cloud;
pub mod error;
pub mod estate;
#[doc(hidden)]
pub mod fuzzing;
pub mod installation;
pub mod inventory;
pub mod migration;
pub mod paths;
pub mod rotation;
pub mod secure_store;
pub mod session;
pub mod settings;
pub mod transport;
pub mod updates;
pub mod vault;
pub mod workspace;
