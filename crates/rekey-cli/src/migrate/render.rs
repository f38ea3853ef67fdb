//! What `rekey migrate` prints: each cluster's move (identity, roles to grant and why, the
//! principal's roles and what becomes of them, node-image upgrades, checks) and the results.

use rekey_core::migration::model::{CheckLevel, Who};
use rekey_core::migration::{MigrationPlan, MoveOutcome, MoveResult};

use crate::output::table;

fn mark(level: CheckLevel) -> &'static str {
    match level {
        CheckLevel::Ok => "✓",
        CheckLevel::Warn => "!",
        CheckLevel::Block => "✗",
    }
}

pub fn plan(plan: &MigrationPlan) -> String {
    let mut out = String::new();
    for p in &plan.problems {
        out.push_str(&format!("✗ {}: {}\n", p.name, p.detail));
    }
    for c in &plan.clusters {
        out.push_str(&format!(
            "\n{} — service principal {} → {}{}\n",
            c.name,
            c.app_id,
            c.identity.label(),
            if c.blocked() { "  [BLOCKED]" } else { "" }
        ));
        for check in &c.checks {
            out.push_str(&format!(
                "  {} {}: {}\n",
                mark(check.level),
                check.name,
                check.detail
            ));
        }
        if c.grants.is_empty() {
            out.push_str("  Roles to grant: none (no custom network, private DNS zone or registry)\n");
        } else {
            out.push_str("  Roles to grant:\n");
            let rows: Vec<Vec<String>> = c
                .grants
                .iter()
                .map(|g| {
                    vec![
                        g.who.label().to_string(),
                        g.role.clone(),
                        g.scope.clone(),
                        match (g.already, g.who) {
                            (Some(true), _) => "already held".into(),
                            (_, Who::Kubelet) => "after the update".into(),
                            (None, Who::ControlPlane) => "after the update".into(),
                            (Some(false), _) => "before the update".into(),
                        },
                        g.source.clone(),
                    ]
                })
                .collect();
            out.push_str(&indent(&table(
                &["IDENTITY", "ROLE", "SCOPE", "WHEN", "RULE"],
                &rows,
            )));
        }
        if !c.held.is_empty() {
            out.push_str("  The service principal's roles:\n");
            for h in &c.held {
                out.push_str(&format!(
                    "    {} at {}: {}\n",
                    h.assignment.role_name, h.assignment.scope, h.verdict
                ));
            }
        }
        out.push_str("  Node image upgrades (one pool after another):\n");
        for p in &c.pools {
            out.push_str(&format!("    {}: {}\n", p.name, p.impact));
        }
        out.push_str(&format!(
            "  Afterwards, the service principal: {}\n",
            c.principal_after.note
        ));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

pub fn results(results: &[MoveResult]) -> String {
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                match r.outcome {
                    MoveOutcome::Succeeded => "Succeeded".into(),
                    MoveOutcome::RetirePending => "Succeeded (secrets retire later)".into(),
                    MoveOutcome::Failed => "Failed".into(),
                },
                r.principal_id.clone().unwrap_or_default(),
                r.pools_upgraded.join(", "),
                r.message.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["CLUSTER", "OUTCOME", "IDENTITY", "POOLS MOVED", "MESSAGE"],
        &rows,
    )
}
