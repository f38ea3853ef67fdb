//! rekey-cli's integration tests, one module per capability, built as one binary (one link
//! instead of one per file on a 2-core machine).

mod azure_cli;
mod check_blind_spots;
mod cli;
mod common;
mod interactive;
mod keyring;
mod migrate;
mod migration_faults;
mod migration_retire_faults;
mod rotation_faults;
mod service_principal;
mod vault;
