//! rekey-core's integration tests, one module per capability, built as one binary (one link
//! instead of one per file on a 2-core machine).

mod alerts_against_simulator;
mod common;
mod demo_folder;
mod inventory;
mod inventory_against_simulator;
mod key_vault_and_usage;
mod migration;
mod module_graph;
mod retry_policy;
mod rotation;
mod sign_in;
mod sign_in_again;
mod tenants;
mod token_store;
mod vault;
mod workspace;
mod workspace_cli;
