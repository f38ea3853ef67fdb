//! Startup marks for `scripts/bench-startup`: with `REKEY_BENCH` set, each mark is one line on
//! stderr with the time (Unix ms), which the benchmark turns into milliseconds from exec. Without it
//! a mark costs one check of a flag read once.

use std::sync::OnceLock;

/// The variable the benchmark sets.
const BENCH_ENV: &str = "REKEY_BENCH";

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os(BENCH_ENV).is_some())
}

/// Logs `what` with the time now, when benchmarking.
pub fn mark(what: &str) {
    if !enabled() {
        return;
    }
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    eprintln!("rekey-bench: {what} at_unix_ms={at}");
}

/// The page's own startup steps, as the window reports them with its first painted rows (its
/// TypeScript type is written in the command table).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageTimings {
    /// `performance.timeOrigin`: the Unix time (ms) the page's clock starts at.
    origin_ms: f64,
    marks: Vec<PageMark>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMark {
    name: String,
    /// ms since the page's time origin.
    at_ms: f64,
}

/// The most marks a page may report, and the longest name: the window is not trusted to be brief.
const MAX_PAGE_MARKS: usize = 12;
const MAX_MARK_NAME: usize = 40;

/// Logs each of the page's marks as `page <name>` with its Unix time, when benchmarking. Names
/// that are not short plain words and times that are not finite are skipped.
pub fn page_marks(page: &PageTimings) {
    if !enabled() {
        return;
    }
    for line in page_lines(page) {
        eprintln!("rekey-bench: {line}");
    }
}

fn page_lines(page: &PageTimings) -> Vec<String> {
    page.marks
        .iter()
        .take(MAX_PAGE_MARKS)
        .filter(|m| {
            !m.name.is_empty()
                && m.name.len() <= MAX_MARK_NAME
                && m.name.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
        })
        .filter_map(|m| {
            let at = page.origin_ms + m.at_ms;
            (at.is_finite() && at > 0.0).then(|| format!("page {} at_unix_ms={}", m.name, at.round() as u64))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(marks: &[(&str, f64)]) -> PageTimings {
        PageTimings {
            origin_ms: 1_796_000_000_000.0,
            marks: marks
                .iter()
                .map(|(n, at)| PageMark {
                    name: (*n).into(),
                    at_ms: *at,
                })
                .collect(),
        }
    }

    #[test]
    fn page_marks_become_unix_times_and_odd_ones_are_dropped() {
        let lines = page_lines(&page(&[
            ("script", 61.4),
            ("inventory received", 250.0),
            ("rekey-bench: forged at_unix_ms=1", 1.0),
            ("x\nrekey-bench", 1.0),
            ("nan", f64::NAN),
        ]));
        assert_eq!(
            lines,
            vec![
                "page script at_unix_ms=1796000000061".to_string(),
                "page inventory received at_unix_ms=1796000000250".to_string(),
            ]
        );
    }

    #[test]
    fn a_page_reports_at_most_twelve_marks() {
        let many: Vec<(&str, f64)> = (0..40).map(|i| ("step", f64::from(i))).collect();
        assert_eq!(page_lines(&page(&many)).len(), MAX_PAGE_MARKS);
    }
}
