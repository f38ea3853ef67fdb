//! `rekey-sim`: a faithful Azure on loopback TLS — identity platform, ARM, Resource Graph,
//! Microsoft Graph and Key Vault — for demo mode, every test and every benchmark.

// Handlers return early with a ready Azure error response; boxing it would only add noise.
#![allow(clippy::result_large_err)]

pub mod api_versions;
pub mod arg;
pub mod arm;
pub mod context;
pub mod control;
pub mod directory;
pub mod faults;
pub mod graph;
pub mod identity;
pub mod keyvault;
pub mod kql;
pub mod request;
pub mod request_log;
pub mod responses;
pub mod router;
pub mod scenario;
pub mod secrets;
pub mod server;
pub mod signing;
pub mod state;
pub mod throttle;
pub mod tls;
pub mod vault_hosts;

pub use scenario::{DemoAdmin, GenerateParams, ScenarioFile, ScenarioSource};
pub use server::{start, start_demo, RunningSim, SimConfig, StartError};
pub use state::Behaviour;
