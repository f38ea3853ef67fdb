//! The wording of the notifications: one per crossing, a summary when there are many, the daily
//! digest, and a body safe for freedesktop notification servers that read markup.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::crossing::{Crossing, Threshold};

/// What to show as one OS notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The cluster a click opens (with its rotate action ready); none for a digest or a summary,
    /// which open the dashboard.
    pub cluster_id: Option<String>,
    /// The crossings this notice tells of.
    pub crossings: Vec<Crossing>,
}

/// The notification of a retirement that a rotation just held (an old secret still in use).
/// `hold` says which secret, when it was last used and what the admin can do; a click opens
/// `cluster`, one of the rotation's clusters.
pub fn held(app: &str, hold: &str, cluster: Option<String>) -> Notice {
    Notice {
        title: format!("Old secret of {app} still in use: retirement held"),
        body: hold.to_string(),
        cluster_id: cluster,
        crossings: Vec::new(),
    }
}

/// Above this many crossings at once, one summary notification replaces one each.
pub const MAX_SEPARATE_NOTICES: usize = 5;

/// A notice's body as a freedesktop notification body, which servers that support markup (KDE,
/// for one) read as `<b>`, `<i>`, `<a href>` and entities: escaped, so that application and cluster
/// names from Azure show as the text they are. Summaries are plain text by the spec and need none.
pub fn freedesktop_body(body: &str) -> String {
    let mut escaped = String::with_capacity(body.len());
    for ch in body.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            _ => escaped.push(ch),
        }
    }
    escaped
}

fn clusters_label(c: &Crossing) -> String {
    match c.clusters.as_slice() {
        [] => c.app_label.clone(),
        [one] => one.name.clone(),
        [first, rest @ ..] => format!("{} (+{} more)", first.name, rest.len()),
    }
}

fn what(c: &Crossing) -> String {
    let hint = c.hint.as_deref().map(|h| format!(" {h}…")).unwrap_or_default();
    format!("The secret{hint} of {}", c.app_label)
}

fn when(c: &Crossing) -> String {
    match c.threshold {
        Threshold::Expired => "expired".to_string(),
        Threshold::Days(_) => match c.days_left {
            0 => "expires today".to_string(),
            1 => "expires in 1 day".to_string(),
            n => format!("expires in {n} days"),
        },
    }
}

/// One line of a summary or digest.
pub fn line(c: &Crossing) -> String {
    format!(
        "{}: {} ({})",
        clusters_label(c),
        when(c),
        c.expires_at.format("%Y-%m-%d")
    )
}

fn single(c: Crossing) -> Notice {
    let date = c.expires_at.format("%Y-%m-%d");
    let used_by = match c.clusters.as_slice() {
        [_, rest @ ..] if !rest.is_empty() => format!(
            " It is also used by {}.",
            rest.iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    };
    let body = match c.threshold {
        Threshold::Expired => format!(
            "{} expired on {date}: the cluster cannot sign in to Azure with it. Rotate it now.{used_by}",
            what(&c)
        ),
        Threshold::Days(_) => format!("{} {} ({date}). Rotate it in Rekey.{used_by}", what(&c), when(&c)),
    };
    Notice {
        title: format!("{}: secret {}", clusters_label(&c), when(&c)),
        body,
        cluster_id: c.clusters.first().map(|k| k.id.clone()),
        crossings: vec![c],
    }
}

pub(super) fn digest(crossings: Vec<Crossing>, heading: &str) -> Notice {
    let n = crossings.len();
    let mut lines: Vec<String> = crossings.iter().take(MAX_SEPARATE_NOTICES).map(line).collect();
    if n > MAX_SEPARATE_NOTICES {
        lines.push(format!("…and {} more in Rekey.", n - MAX_SEPARATE_NOTICES));
    }
    Notice {
        title: format!(
            "{heading}: {n} {} need attention",
            if n == 1 { "secret" } else { "secrets" }
        ),
        body: lines.join("\n"),
        cluster_id: None,
        crossings,
    }
}

/// One notice per crossing, or one summary when there are too many to show one by one.
pub(super) fn notices(crossings: Vec<Crossing>) -> Vec<Notice> {
    if crossings.len() > MAX_SEPARATE_NOTICES {
        vec![digest(crossings, "Rekey")]
    } else {
        crossings.into_iter().map(single).collect()
    }
}
