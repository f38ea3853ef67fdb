//! Moving a service-principal cluster to a managed identity, with rotation's safety: discovery and
//! the AKS rules (reads only), a plan per cluster with blocked-and-why, and an engine that grants
//! the roles first, updates the cluster, upgrades each node pool's image and only then deals with
//! the principal's secrets — journaled, locked and audited like a rotation, so that a crash resumes.

pub mod az_terms;
pub mod discovery;
pub mod engine;
pub mod journal;
pub mod model;
pub mod plan;
pub mod rules;
pub mod service;
#[cfg(test)]
mod tests;

pub use model::{
    ClusterMove, MigrationPlan, MoveOutcome, MoveResult, MoveSummary, ResumedMoves, StoredMigration,
};
pub use plan::{IdentityRequest, PlanOptions};
