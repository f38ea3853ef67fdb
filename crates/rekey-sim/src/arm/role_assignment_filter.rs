//! ARM's `$filter` on a role-assignment list: `atScope()`, `principalId eq '{id}'` and
//! `assignedTo('{id}')`, joined by `and`.

use axum::http::StatusCode;
use axum::response::Response;

use crate::responses::arm_error;

/// What a role-assignment list's `$filter` asks for.
#[derive(Default)]
pub(super) struct Filter<'f> {
    /// `atScope()`: only assignments at the scope and above it, not those below.
    pub(super) at_scope: bool,
    /// The principal the list is restricted to (`principalId eq` or `assignedTo()`).
    pub(super) principal: Option<&'f str>,
}

impl<'f> Filter<'f> {
    pub(super) fn parse(filter: &'f str) -> Result<Self, Response> {
        let mut parsed = Filter::default();
        for clause in clauses(filter) {
            let clause = clause.trim();
            if clause.eq_ignore_ascii_case("atScope()") {
                parsed.at_scope = true;
                continue;
            }
            match principal_eq(clause).or_else(|| assigned_to(clause)) {
                Some(p) => parsed.principal = Some(p),
                None => {
                    return Err(arm_error(
                        StatusCode::BAD_REQUEST,
                        "UnsupportedQuery",
                        &format!("The filter '{filter}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{{value}}' or assignedTo('{{value}}')'."),
                    ))
                }
            }
        }
        Ok(parsed)
    }
}

/// The clauses of a filter joined by `and` (any case).
fn clauses(filter: &str) -> Vec<&str> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` cut `filter` too.
    let lower = filter.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, sep) in lower.match_indices(" and ") {
        parts.push(filter.get(start..at).unwrap_or_default());
        start = at + sep.len();
    }
    parts.push(filter.get(start..).unwrap_or_default());
    parts
}

/// `principalId eq '{id}'`
fn principal_eq(clause: &str) -> Option<&str> {
    let rest = strip_prefix_ci(clause, "principalId")?.trim_start();
    quoted(strip_prefix_ci(rest, "eq")?.trim())
}

/// `assignedTo('{id}')`
fn assigned_to(clause: &str) -> Option<&str> {
    quoted(strip_prefix_ci(clause, "assignedTo(")?.strip_suffix(')')?.trim())
}

fn quoted(text: &str) -> Option<&str> {
    text.strip_prefix('\'')?.strip_suffix('\'')
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .and_then(|_| text.get(prefix.len()..))
}
