//! `rekey migrate --plan --az [--json]`: each move of the plan as the Azure CLI commands that do the
//! same, step by step ([`rekey_core::migration::az_terms`]): shell variables where a value Azure
//! gives back goes, never a secret. The commands change nothing until the admin runs them.

use clap::Args;
use rekey_core::migration::az_terms;
use rekey_core::migration::model::MoveAzScript;
use rekey_core::migration::MigrationPlan;

use crate::error::CliError;
use crate::output::print_json;

#[derive(Args, Debug)]
pub struct AzArgs {
    /// With --plan: print each move as the `az` commands that do the same (identity, role
    /// assignments, `az aks update --enable-managed-identity`, node-image upgrades, the old secrets),
    /// to check against the AKS docs or to run by hand. With --json: one script object per cluster.
    #[arg(long, requires = "plan")]
    pub az: bool,
}

/// Prints the scripts of the clusters that can move; says so when none can.
pub fn print(plan: &MigrationPlan, json: bool) -> Result<(), CliError> {
    let scripts: Vec<MoveAzScript> = az_terms::scripts(&plan.clusters);
    if json {
        return print_json(&scripts);
    }
    for script in &scripts {
        println!("# {} ({})", script.cluster, script.migration_id);
        print!("{}", script.text);
    }
    if scripts.is_empty() {
        eprintln!("Nothing in this plan can move: there are no commands to show (see rekey migrate --plan).");
    }
    Ok(())
}
