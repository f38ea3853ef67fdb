//! Rotation: the seed procedure done the way it should have been written. Plan and pre-flight
//! (reads only), then the step engine (add secret → keyring → prove → reset → verify → retire old),
//! journaled per step so a crash resumes, locked per cluster and principal across processes, and
//! run for many clusters with bounded concurrency.

pub mod az_terms;
pub mod bulk;
mod cluster_checks;
pub mod engine;
pub mod journal;
pub mod key_vault;
pub mod lock;
pub mod model;
pub mod options;
pub mod orphans;
pub mod preflight;
pub mod retry;
pub mod rules;
pub mod service;
pub mod steps;

pub use engine::{roll_back, Context, ProgressSink};
pub use journal::{parse_journal, RotationSummary};
pub use model::{GroupResult, Mode, Options, Outcome, Plan, PlanGroup, Progress, Retire, Step};
pub use preflight::plan;
pub use rules::RotationError;
pub use service::Rotator;
