//! rekey-sim's integration tests, one module per capability, built as one binary (one link
//! instead of one per file on a 2-core machine).

mod arg;
mod arm_reset;
mod bad_input;
mod common;
mod conformance;
mod control;
mod graph;
mod identity;
mod keyvault;
mod migration;
mod reports;
mod wire;
