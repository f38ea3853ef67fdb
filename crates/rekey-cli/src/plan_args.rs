//! The flags `rekey rotate` and `rekey migrate` share: which clusters, plan only, no question, JSON,
//! and when the old secrets go.

use clap::Args;
use rekey_core::rotation::Retire;

use crate::error::CliError;

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// A cluster by name or ARM ID; repeat for several.
    #[arg(long = "cluster", value_name = "NAME|ID")]
    pub clusters: Vec<String>,
    /// Show the plan and its pre-flight checks, change nothing.
    #[arg(long)]
    pub plan: bool,
    /// Do not ask for confirmation (production clusters included).
    #[arg(long)]
    pub yes: bool,
    /// Print the plan (with --plan) or the results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--retire-old`: now, never or a grace period such as 24h; none given, none here (the setting).
pub fn retire_old(text: Option<&str>) -> Result<Option<Retire>, CliError> {
    text.map(|r| {
        Retire::parse(r).ok_or_else(|| {
            CliError::usage(format!(
                "--retire-old must be now, never or a duration such as 24h, not '{r}'"
            ))
        })
    })
    .transpose()
}
