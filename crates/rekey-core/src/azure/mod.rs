//! The one HTTP layer to Azure: trust, bearer tokens, paging and Azure's error bodies.
//! No other module builds HTTP requests.

pub mod arg;
pub mod arm;
pub mod builtin_roles;
pub mod directory;
pub mod error;
pub mod graph;
pub mod http;
pub mod lenient;
pub mod lro;
pub mod models;
pub mod pager;
pub mod retry;
pub mod roles;

pub use error::AzureError;
