//! The admin's answer to a retirement that waits (held because an old secret is still in use, or
//! pending its grace period): retire the old secrets now anyway, or wait longer.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{failed_before_start, open_locked, Context};
use crate::rotation::journal::Event;
use crate::rotation::model::{GroupResult, Outcome};

/// What the admin chose for a waiting retirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum HoldAnswer {
    /// Remove the old secrets now, whoever still uses them.
    RetireAnyway,
    /// Look again (and retire if nothing used them) only after this many more hours (1 to 720).
    Extend { hours: u32 },
}

/// Applies `answer` to the rotation `rotation_id`: journaled (who, when), then, for a retirement
/// anyway, the retirement runs at once.
pub async fn answer(ctx: &Context, rotation_id: &str, answer: HoldAnswer) -> GroupResult {
    let (run, _locks) = match open_locked(ctx, rotation_id).await {
        Ok(r) => r,
        Err(result) => return *result,
    };
    let state = run.snapshot().await;
    if !matches!(state.finished, Some(Outcome::RetireHeld | Outcome::RetirePending)) {
        return failed_before_start(
            &state.group,
            format!("Rotation {rotation_id} has no retirement waiting: nothing was changed."),
        );
    }
    let events = match answer {
        HoldAnswer::RetireAnyway => vec![
            Event::RetireForced {
                actor: ctx.options.actor.clone(),
            },
            Event::RetireScheduled {
                not_before: Utc::now(),
            },
        ],
        HoldAnswer::Extend { hours } if (1..=720).contains(&hours) => vec![Event::RetireScheduled {
            not_before: state.retire_after.unwrap_or_else(Utc::now).max(Utc::now())
                + chrono::Duration::hours(i64::from(hours)),
        }],
        HoldAnswer::Extend { hours } => {
            return failed_before_start(
                &state.group,
                format!("Extend the wait by 1 to 720 hours, not {hours}: nothing was changed."),
            )
        }
    };
    for event in events {
        if let Err(e) = run.book.record(event).await {
            return failed_before_start(&state.group, e.to_string());
        }
    }
    match answer {
        HoldAnswer::RetireAnyway => run.drive().await,
        HoldAnswer::Extend { .. } => run.result(None).await,
    }
}
