//! One progress for several accounts refreshing side by side.

use std::sync::Arc;

use crate::inventory::model::Progress;
use crate::inventory::refresh::ProgressSink;

/// The progress of several accounts refreshing at once, as one: totals summed, the phase of the
/// account furthest behind. Sent under a lock, so the sink sees it in order.
pub(super) struct AccountsProgress {
    sink: Option<ProgressSink>,
    slots: Arc<std::sync::Mutex<Vec<Progress>>>,
}

/// The phases of a refresh, in order ([`Progress::phase`] names them as text for the UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Phase {
    Subscriptions,
    Clusters,
    Credentials,
    Done,
}

impl Phase {
    /// The phase `progress` is in; a name not known counts as the first.
    pub(super) fn of(progress: &Progress) -> Phase {
        match progress.phase.as_str() {
            "clusters" => Phase::Clusters,
            "credentials" => Phase::Credentials,
            "done" => Phase::Done,
            _ => Phase::Subscriptions,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Phase::Subscriptions => "subscriptions",
            Phase::Clusters => "clusters",
            Phase::Credentials => "credentials",
            Phase::Done => "done",
        }
    }
}

impl AccountsProgress {
    pub(super) fn new(sink: Option<ProgressSink>, accounts: usize) -> Self {
        AccountsProgress {
            sink,
            slots: Arc::new(std::sync::Mutex::new(vec![Progress::default(); accounts])),
        }
    }

    pub(super) fn sink(&self, index: usize) -> ProgressSink {
        let (sink, slots) = (self.sink.clone(), self.slots.clone());
        Arc::new(move |p: Progress| {
            let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(slot) = slots.get_mut(index) {
                *slot = p;
            }
            if let Some(sink) = &sink {
                sink(Self::total(&slots));
            }
        })
    }

    /// An account that will not refresh counts as done.
    pub(super) fn finish(&self, index: usize) {
        let done = Progress {
            phase: Phase::Done.name().into(),
            ..Progress::default()
        };
        (self.sink(index))(done);
    }

    fn total(slots: &[Progress]) -> Progress {
        let phase = slots.iter().map(Phase::of).min().unwrap_or(Phase::Done);
        Progress {
            phase: phase.name().to_string(),
            subscriptions_scanned: slots.iter().map(|p| p.subscriptions_scanned).sum(),
            clusters_found: slots.iter().map(|p| p.clusters_found).sum(),
            credentials_resolved: slots.iter().map(|p| p.credentials_resolved).sum(),
        }
    }
}
