//! Blind spots: what an inventory could not read (a subscription's clusters, a tenant, an app's
//! credentials, a whole listing), with the reason. Monitoring must never call a blind spot OK, so
//! they are structured data, not only warning text.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum BlindSpotKind {
    /// A subscription whose clusters could not be listed.
    Subscription,
    /// A tenant (a guest tenant, or one whose directory no account reads).
    Tenant,
    /// An app's credentials (Graph could not be read for it).
    Credentials,
    /// A listing that stopped part-way (truncated, cancelled, a task that failed).
    Listing,
}

/// One thing the inventory could not see, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BlindSpot {
    pub kind: BlindSpotKind,
    /// The subscription ID, tenant ID or app ID (empty for a listing).
    pub id: String,
    /// A display name when one is known.
    pub name: Option<String>,
    /// Azure's code (`AuthorizationFailed`, `Http500`…) when there is one.
    pub code: Option<String>,
    /// Why, in Azure's words.
    pub reason: String,
}

impl BlindSpot {
    pub fn new(kind: BlindSpotKind, id: impl Into<String>, reason: impl Into<String>) -> BlindSpot {
        BlindSpot {
            kind,
            id: id.into(),
            name: None,
            code: None,
            reason: reason.into(),
        }
    }

    pub fn named(mut self, name: Option<String>) -> BlindSpot {
        self.name = name.filter(|n| !n.is_empty());
        self
    }

    pub fn code(mut self, code: impl Into<String>) -> BlindSpot {
        let code = code.into();
        self.code = (!code.is_empty()).then_some(code);
        self
    }

    /// `subscription Prod (0000…): AuthorizationFailed …`, for one-line reports.
    pub fn label(&self) -> String {
        let what = match self.kind {
            BlindSpotKind::Subscription => "subscription",
            BlindSpotKind::Tenant => "tenant",
            BlindSpotKind::Credentials => "credentials of app",
            BlindSpotKind::Listing => "listing",
        };
        match (&self.name, self.id.is_empty()) {
            (Some(name), false) => format!("{what} {name} ({})", self.id),
            (Some(name), true) => format!("{what} {name}"),
            (None, false) => format!("{what} {}", self.id),
            (None, true) => what.to_string(),
        }
    }
}

/// Adds `spot` unless the same thing is already listed (several clusters share an app).
pub fn add(spots: &mut Vec<BlindSpot>, spot: BlindSpot) {
    let same = |s: &BlindSpot| s.kind == spot.kind && s.id.eq_ignore_ascii_case(&spot.id);
    if !spots.iter().any(same) {
        spots.push(spot);
    }
}
