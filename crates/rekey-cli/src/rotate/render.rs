//! What `rekey rotate` prints: the plan with its pre-flight checks, each step as it happens, and
//! the results.

use std::sync::Arc;

use rekey_core::rotation::model::{CheckLevel, GroupResult, Outcome, Plan, Progress, StepStatus};

use crate::output::table;

pub fn render_plan(plan: &Plan) -> String {
    let mut out = String::new();
    for problem in &plan.problems {
        out.push_str(&format!("✗ {}: {}\n", problem.name, problem.detail));
    }
    for group in &plan.groups {
        out.push_str(&format!(
            "\n{} ({}) — mode {}, new secret valid {} days, old secrets retired: {}{}\n",
            group.app_display_name.as_deref().unwrap_or("?"),
            group.app_id,
            group.mode.label(),
            group.lifetime_days,
            group.retire.label(),
            if group.blocked() { "  [BLOCKED]" } else { "" }
        ));
        for check in &group.checks {
            out.push_str(&format!(
                "  {} {}: {}\n",
                mark(check.level),
                check.name,
                check.detail
            ));
        }
        let rows: Vec<Vec<String>> = group
            .clusters
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.resource_group.clone(),
                    c.node_count.to_string(),
                    if c.production {
                        "production".into()
                    } else {
                        String::new()
                    },
                    if c.added_as_shared {
                        "shares the SP".into()
                    } else {
                        String::new()
                    },
                    if c.blocked() {
                        "blocked".into()
                    } else {
                        "ready".into()
                    },
                ]
            })
            .collect();
        out.push_str(&table(
            &["CLUSTER", "RESOURCE GROUP", "NODES", "TAG", "WHY", "PRE-FLIGHT"],
            &rows,
        ));
        out.push('\n');
        for c in &group.clusters {
            for check in c.checks.iter().filter(|c| c.level != CheckLevel::Ok) {
                out.push_str(&format!(
                    "  {} {}: {}: {}\n",
                    mark(check.level),
                    c.name,
                    check.name,
                    check.detail
                ));
            }
        }
        if !group.old_secrets.is_empty() {
            out.push_str("  old secrets: ");
            out.push_str(
                &group
                    .old_secrets
                    .iter()
                    .map(|o| {
                        format!(
                            "{} ({}…, on the {})",
                            o.key_id,
                            o.hint.as_deref().unwrap_or(""),
                            o.on
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            out.push('\n');
        }
        for role in &group.role_assignments {
            out.push_str(&format!(
                "  role to copy: {} at {}\n",
                role.role_definition_id, role.scope
            ));
        }
    }
    out
}

fn mark(level: CheckLevel) -> &'static str {
    match level {
        CheckLevel::Ok => "✓",
        CheckLevel::Warn => "!",
        CheckLevel::Block => "✗",
    }
}

/// Progress lines on stderr, one per step change (waiting lines at most every 10 s per cluster).
pub fn progress_printer(names: Vec<(String, String)>) -> Arc<dyn Fn(Progress) + Send + Sync> {
    let last_wait = Arc::new(std::sync::Mutex::new(
        std::collections::HashMap::<String, u64>::new(),
    ));
    Arc::new(move |p: Progress| {
        let who = p
            .cluster
            .as_ref()
            .and_then(|c| {
                names
                    .iter()
                    .find(|(id, _)| id.eq_ignore_ascii_case(c))
                    .map(|(_, n)| n.clone())
            })
            .unwrap_or_else(|| p.rotation_id.chars().take(8).collect());
        if p.status == StepStatus::Waiting {
            let mut seen = last_wait.lock().unwrap_or_else(|e| e.into_inner());
            let key = format!("{who}/{:?}", p.step);
            let tick = p.elapsed_ms / 10_000;
            if seen.get(&key) == Some(&tick) {
                return;
            }
            seen.insert(key, tick);
        }
        eprintln!(
            "[{who}] {}: {:?} {} ({:.1} s)",
            p.step.label(),
            p.status,
            p.detail,
            p.elapsed_ms as f64 / 1000.0
        );
    })
}

pub fn render_results(results: &[GroupResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "{} {} — {:?}{}{}\n",
            match r.outcome {
                Outcome::Succeeded | Outcome::RetirePending => "✓",
                Outcome::RetireHeld => "!",
                _ => "✗",
            },
            r.rotation_id,
            r.outcome,
            r.new_key_id
                .as_ref()
                .map(|k| format!(", new key {k} ({}…)", r.new_hint.as_deref().unwrap_or("")))
                .unwrap_or_default(),
            r.retire_after
                .filter(|_| r.outcome == Outcome::RetirePending)
                .map(|t| format!(", old secrets removed after {}", t.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default(),
        ));
        if let Some(m) = &r.message {
            out.push_str(&format!("  {m}\n"));
        }
        if let Some(hold) = &r.hold {
            out.push_str(&format!(
                "  {hold}\n  retire anyway: rekey rotations retire-anyway {id}   wait longer: rekey rotations extend {id} --by 24h\n",
                id = r.rotation_id
            ));
        }
        if r.outcome == Outcome::Failed {
            out.push_str(&format!(
                "  retry: rekey rotations resume {id}   roll back: rekey rotations rollback {id}\n",
                id = r.rotation_id
            ));
        }
    }
    out
}
