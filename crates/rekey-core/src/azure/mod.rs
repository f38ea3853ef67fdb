//! The Azure clients, over the authorized [`pipeline`]: ARM, Resource Graph, Microsoft Graph and
//! its directory writes, role assignments, long-running operations, one pager and one retry
//! policy. No other module builds Azure requests. Layers, each importing only downward:
//! [`crate::transport`] → [`crate::cloud`] → [`crate::auth`] → [`pipeline`] → the clients.

pub mod arg;
pub mod arm;
pub mod builtin_roles;
pub mod directory;
pub mod error;
pub mod graph;
pub mod identity;
pub mod keyvault;
pub mod lro;
pub mod models;
pub mod pager;
pub mod pipeline;
pub mod reports;
pub mod retry;
pub mod roles;

pub use error::{AzureError, CallError};
