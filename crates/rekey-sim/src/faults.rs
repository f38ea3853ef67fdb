//! Fault injection: rules that match a method and path and then answer with a given status and body,
//! add latency, or cut the connection — for the next N hits or with a probability.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Assigned by the simulator.
    #[serde(default)]
    pub id: u64,
    /// `GET`, `POST`, …; any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// A glob over the request path, case-insensitive; `*` matches any run of characters.
    pub path: String,
    pub action: FaultAction,
    /// Applies to the next `times` matching requests, then disappears; forever when absent.
    #[serde(default)]
    pub times: Option<u32>,
    /// Chance that a matching request is affected (0..=1).
    #[serde(default = "always")]
    pub probability: f64,
}

fn always() -> f64 {
    1.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer instead of the simulator: e.g. a 500 or a 429 with `Retry-After`.
    Respond {
        status: u16,
        #[serde(default)]
        body: Option<Value>,
        #[serde(default)]
        headers: BTreeMap<String, String>,
    },
    /// Wait, then handle the request normally.
    Delay { ms: u64 },
    /// Cut the connection mid-response: the client sees a network failure.
    Drop,
    /// Handle the request normally, then cut the connection: the work is done (a secret written)
    /// but the client never hears of it.
    Lose,
}

#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("status must be 100..=599, not {0}")]
    Status(u16),
    #[error("probability must be between 0 and 1, not {0}")]
    Probability(f64),
    #[error("delay must be at most 600000 ms, not {0}")]
    Delay(u64),
    #[error("path must not be empty")]
    Path,
}

/// What the matching rules decided for one request.
#[derive(Debug, Default)]
pub struct Verdict {
    pub delay_ms: u64,
    /// A response or a dropped connection that replaces normal handling.
    pub outcome: Option<FaultAction>,
    pub rule_ids: Vec<u64>,
}

#[derive(Default)]
pub struct FaultSet {
    rules: Mutex<Vec<FaultRule>>,
    next_id: AtomicU64,
    /// Latency added to every request (not the control API).
    latency_ms: AtomicU64,
}

impl FaultSet {
    pub fn add(&self, mut rule: FaultRule) -> Result<FaultRule, FaultError> {
        if rule.path.trim().is_empty() {
            return Err(FaultError::Path);
        }
        if !(0.0..=1.0).contains(&rule.probability) || rule.probability.is_nan() {
            return Err(FaultError::Probability(rule.probability));
        }
        match &rule.action {
            FaultAction::Respond { status, .. } if !(100..=599).contains(status) => {
                return Err(FaultError::Status(*status))
            }
            FaultAction::Delay { ms } if *ms > 600_000 => return Err(FaultError::Delay(*ms)),
            _ => {}
        }
        rule.id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.lock().push(rule.clone());
        Ok(rule)
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|r| r.id != id);
        rules.len() != before
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn set_latency_ms(&self, ms: u64) {
        self.latency_ms.store(ms, Ordering::Relaxed);
    }

    pub fn latency_ms(&self) -> u64 {
        self.latency_ms.load(Ordering::Relaxed)
    }

    /// Applies the rules to a request, in the order they were added, using up `times`.
    pub fn check(&self, method: &str, path: &str) -> Verdict {
        let mut verdict = Verdict {
            delay_ms: self.latency_ms(),
            ..Verdict::default()
        };
        let mut rules = self.lock();
        for rule in rules.iter_mut() {
            if verdict.outcome.is_some() {
                break;
            }
            let method_ok = rule
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method));
            if !method_ok || !glob_match(&rule.path, path) || rule.times == Some(0) {
                continue;
            }
            if rule.probability < 1.0 && rand::random::<f64>() >= rule.probability {
                continue;
            }
            if let Some(times) = rule.times.as_mut() {
                *times -= 1;
            }
            verdict.rule_ids.push(rule.id);
            match &rule.action {
                FaultAction::Delay { ms } => verdict.delay_ms = verdict.delay_ms.saturating_add(*ms),
                other => verdict.outcome = Some(other.clone()),
            }
        }
        rules.retain(|r| r.times != Some(0));
        verdict
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Case-insensitive glob where `*` matches any run of characters (including `/`).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matcher with backtracking to the last star: linear in practice, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_shell_patterns() {
        assert!(glob_match("*/resetServicePrincipalProfile", "/subscriptions/x/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/c/resetserviceprincipalprofile"));
        assert!(glob_match("/subscriptions", "/subscriptions"));
        assert!(!glob_match("/subscriptions", "/subscriptions/x"));
        assert!(glob_match("/v1.0/*", "/v1.0/applications"));
        assert!(!glob_match("a*b", "acd"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn a_rule_with_times_is_used_up() {
        let set = FaultSet::default();
        set.add(FaultRule {
            id: 0,
            method: Some("GET".into()),
            path: "/x".into(),
            action: FaultAction::Drop,
            times: Some(2),
            probability: 1.0,
        })
        .expect("valid rule");
        assert!(set.check("POST", "/x").outcome.is_none());
        assert!(set.check("get", "/x").outcome.is_some());
        assert!(set.check("GET", "/x").outcome.is_some());
        assert!(set.check("GET", "/x").outcome.is_none());
        assert!(set.list().is_empty());
    }

    #[test]
    fn invalid_rules_are_refused() {
        let set = FaultSet::default();
        let rule = |action, probability| FaultRule {
            id: 0,
            method: None,
            path: "/x".into(),
            action,
            times: None,
            probability,
        };
        assert!(set
            .add(rule(
                FaultAction::Respond {
                    status: 1000,
                    body: None,
                    headers: BTreeMap::new()
                },
                1.0
            ))
            .is_err());
        assert!(set.add(rule(FaultAction::Drop, 1.5)).is_err());
        assert!(set.add(rule(FaultAction::Drop, f64::NAN)).is_err());
    }
}
