//! `rekey clusters`: the cluster inventory as a table or JSON.

use rekey_core::error::IpcError;
use rekey_core::inventory::{self, AadIntegration, ClusterRow, IdentityKind};

use crate::output::table;

pub async fn run(json: bool) -> Result<(), IpcError> {
    let demo = rekey_core::demo::start().await.map_err(|e| IpcError::from(&e))?;
    let found = inventory::list_clusters(&demo.session.arm)
        .await
        .map_err(|e| IpcError::new(e.code(), e.to_string()))?;
    for warning in &found.warnings {
        eprintln!("warning: {warning}");
    }
    if json {
        let text = serde_json::to_string_pretty(&found.clusters)
            .map_err(|e| IpcError::new("output", format!("could not write JSON: {e}")))?;
        println!("{text}");
    } else {
        eprintln!(
            "Demo mode: simulated tenant {} (no real Azure account is configured).",
            demo.session.info.tenant_label
        );
        println!("{}", render(&found.clusters));
    }
    Ok(())
}

fn identity_label(row: &ClusterRow) -> String {
    let kind = match row.identity_kind {
        IdentityKind::ServicePrincipal => "Service principal",
        IdentityKind::ManagedIdentity => "Managed identity",
    };
    match row.aad_integration {
        AadIntegration::Legacy => format!("{kind} + legacy AAD"),
        _ => kind.to_string(),
    }
}

fn render(rows: &[ClusterRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.subscription_name.clone(),
                r.resource_group.clone(),
                identity_label(r),
                r.provisioning_state.clone(),
                r.power_state.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "NAME",
            "SUBSCRIPTION",
            "RESOURCE GROUP",
            "IDENTITY",
            "PROVISIONING",
            "POWER",
        ],
        &cells,
    )
}
