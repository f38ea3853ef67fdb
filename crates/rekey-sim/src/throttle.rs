//! Throttling: a request budget per window; past it, 429 with `Retry-After`, as ARM and Graph do.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Requests allowed per window.
    pub limit: u32,
    pub window_seconds: u64,
}

struct Window {
    config: Option<ThrottleConfig>,
    started: Instant,
    used: u32,
}

/// Off by default.
pub struct Throttle {
    window: Mutex<Window>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            window: Mutex::new(Window {
                config: None,
                started: Instant::now(),
                used: 0,
            }),
        }
    }
}

/// The outcome for one request.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Allowed; how many remain in the window (`None` when throttling is off).
    Allowed(Option<u32>),
    /// Refused; seconds until the window resets.
    Throttled { retry_after_secs: u64 },
}

impl Throttle {
    pub fn configure(&self, config: Option<ThrottleConfig>) {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        *w = Window {
            config,
            started: Instant::now(),
            used: 0,
        };
    }

    pub fn config(&self) -> Option<ThrottleConfig> {
        self.window.lock().unwrap_or_else(|p| p.into_inner()).config
    }

    pub fn admit(&self) -> Admission {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let Some(config) = w.config else {
            return Admission::Allowed(None);
        };
        let window = Duration::from_secs(config.window_seconds.max(1));
        if w.started.elapsed() >= window {
            w.started = Instant::now();
            w.used = 0;
        }
        if w.used >= config.limit {
            let left = window.saturating_sub(w.started.elapsed());
            return Admission::Throttled {
                retry_after_secs: left.as_secs().max(1),
            };
        }
        w.used += 1;
        Admission::Allowed(Some(config.limit - w.used))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_runs_out_then_says_when_to_retry() {
        let t = Throttle::default();
        assert_eq!(t.admit(), Admission::Allowed(None));
        t.configure(Some(ThrottleConfig {
            limit: 2,
            window_seconds: 60,
        }));
        assert_eq!(t.admit(), Admission::Allowed(Some(1)));
        assert_eq!(t.admit(), Admission::Allowed(Some(0)));
        assert!(
            matches!(t.admit(), Admission::Throttled { retry_after_secs } if (1..=60).contains(&retry_after_secs))
        );
    }
}
