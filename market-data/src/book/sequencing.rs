//! Binance's depth-stream sequencing on top of an [`OrderBook`] (see the [parent
//! module](super) for the rules).

use std::collections::VecDeque;

use super::OrderBook;
use crate::tick::{DepthKind, DepthUpdate};

/// A break in a venue's update-id chain. The offending diff was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    /// The first diff after the snapshot does not cover the snapshot's id.
    #[error(
        "first diff after snapshot {snapshot_id} does not bridge it: U={first} u={last} \
         (need U <= {need} <= u)"
    )]
    NoBridge {
        /// Snapshot `lastUpdateId`.
        snapshot_id: u64,
        /// The id the first diff has to cover (`L` for futures, `L + 1` for spot).
        need: u64,
        /// The diff's `U`.
        first: u64,
        /// The diff's `u`.
        last: u64,
    },
    /// Futures: `pu` differs from the previous diff's `u`.
    #[error("gap: diff pu={prev} but previous u={expected} (U={first} u={last})")]
    PrevMismatch {
        /// Previous applied `u`.
        expected: u64,
        /// The diff's `pu`.
        prev: u64,
        /// The diff's `U`.
        first: u64,
        /// The diff's `u`.
        last: u64,
    },
    /// Spot: `U` is not the previous `u + 1`.
    #[error("gap: diff U={first} but expected previous u + 1 = {expected} (u={last})")]
    FirstMismatch {
        /// Previous applied `u + 1`.
        expected: u64,
        /// The diff's `U`.
        first: u64,
        /// The diff's `u`.
        last: u64,
    },
}

/// What [`SequencedBook::apply`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// Applied to the book (for a snapshot: the snapshot plus `n` buffered diffs).
    Applied,
    /// A diff older than the snapshot, dropped as the rules require.
    Stale,
    /// Held until a snapshot arrives.
    Buffered,
}

/// Synchronisation state of a [`SequencedBook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// No usable snapshot yet (or a gap invalidated it): diffs are buffered.
    AwaitingSnapshot,
    /// Snapshot applied, waiting for the diff that bridges it.
    AwaitingBridge {
        /// Snapshot `lastUpdateId`.
        snapshot_id: u64,
    },
    /// In sync: `last` is the last applied `u`.
    Synced {
        /// Last applied final update id.
        last: u64,
    },
    /// Unsequenced source (no update ids): everything is applied.
    Unsequenced,
}

/// An [`OrderBook`] kept in sync with a venue by update ids (see the module docs).
#[derive(Debug, Clone)]
pub struct SequencedBook {
    book: OrderBook,
    state: SyncState,
    pending: VecDeque<DepthUpdate>,
    max_pending: usize,
    /// Diffs dropped from the full buffer while waiting for a snapshot.
    dropped: u64,
    /// Whether a snapshot has ever been applied.
    had_snapshot: bool,
    in_snapshot: bool,
}

impl Default for SequencedBook {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl SequencedBook {
    /// A book that buffers at most `max_pending` diffs while waiting for a snapshot.
    pub fn new(max_pending: usize) -> Self {
        Self {
            book: OrderBook::new(),
            state: SyncState::AwaitingSnapshot,
            pending: VecDeque::new(),
            max_pending,
            dropped: 0,
            had_snapshot: false,
            in_snapshot: false,
        }
    }

    /// The underlying book (only meaningful when [`Self::is_synced`]).
    pub fn book(&self) -> &OrderBook {
        &self.book
    }

    /// Current sync state.
    pub fn state(&self) -> SyncState {
        self.state
    }

    /// `true` when the book reflects the venue's (synced or unsequenced).
    pub fn is_synced(&self) -> bool {
        matches!(self.state, SyncState::Synced { .. } | SyncState::Unsequenced)
    }

    /// Applies one depth event (snapshot or diff) following the sequencing rules.
    ///
    /// On `Err`, the offending diff was not applied, the book is cleared and waits for a
    /// new snapshot.
    pub fn apply(&mut self, update: &DepthUpdate) -> Result<ApplyOutcome, SequenceError> {
        match update.kind {
            DepthKind::Snapshot => self.apply_snapshot(update),
            DepthKind::Diff => self.apply_diff(update, true),
        }
    }

    /// Diffs that never reached the book because no snapshot came for them: dropped
    /// from the full buffer, or still buffered.
    pub fn unused_diffs(&self) -> u64 {
        self.dropped + self.pending.len() as u64
    }

    /// Whether a snapshot has ever been applied.
    pub fn had_snapshot(&self) -> bool {
        self.had_snapshot
    }

    fn apply_snapshot(&mut self, snap: &DepthUpdate) -> Result<ApplyOutcome, SequenceError> {
        self.had_snapshot = true;
        if !self.in_snapshot {
            self.book.clear();
        }
        self.book.apply_levels(&snap.bids, &snap.asks);
        self.in_snapshot = !snap.end_of_event;
        let Some(ids) = snap.ids else {
            self.state = SyncState::Unsequenced;
            self.pending.clear();
            return Ok(ApplyOutcome::Applied);
        };
        self.state = SyncState::AwaitingBridge { snapshot_id: ids.last };
        let mut first_err = None;
        while let Some(diff) = self.pending.pop_front() {
            if let Err(e) = self.apply_diff(&diff, false) {
                first_err.get_or_insert(e);
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(ApplyOutcome::Applied),
        }
    }

    fn apply_diff(
        &mut self,
        diff: &DepthUpdate,
        may_buffer: bool,
    ) -> Result<ApplyOutcome, SequenceError> {
        self.in_snapshot = false;
        let Some(ids) = diff.ids else {
            self.book.apply_levels(&diff.bids, &diff.asks);
            self.state = SyncState::Unsequenced;
            return Ok(ApplyOutcome::Applied);
        };
        match self.state {
            SyncState::AwaitingSnapshot | SyncState::Unsequenced => {
                if !may_buffer {
                    return Ok(ApplyOutcome::Stale);
                }
                self.state = SyncState::AwaitingSnapshot;
                // Bounded: past `max_pending`, the oldest buffered diff goes (a snapshot
                // bridges to the newest ones), counted in `unused_diffs`.
                self.pending.push_back(diff.clone());
                if self.pending.len() > self.max_pending {
                    self.pending.pop_front();
                    self.dropped += 1;
                }
                Ok(ApplyOutcome::Buffered)
            }
            SyncState::AwaitingBridge { snapshot_id: l } => {
                let futures = ids.prev.is_some();
                let need = if futures { l } else { l + 1 };
                if ids.last < need {
                    return Ok(ApplyOutcome::Stale);
                }
                if ids.first > need {
                    self.lose_sync();
                    return Err(SequenceError::NoBridge {
                        snapshot_id: l,
                        need,
                        first: ids.first,
                        last: ids.last,
                    });
                }
                self.commit(diff, ids.last)
            }
            SyncState::Synced { last } => {
                let err = match ids.prev {
                    Some(pu) if pu != last => Some(SequenceError::PrevMismatch {
                        expected: last,
                        prev: pu,
                        first: ids.first,
                        last: ids.last,
                    }),
                    None if ids.first != last + 1 => Some(SequenceError::FirstMismatch {
                        expected: last + 1,
                        first: ids.first,
                        last: ids.last,
                    }),
                    _ => None,
                };
                if let Some(e) = err {
                    self.lose_sync();
                    return Err(e);
                }
                self.commit(diff, ids.last)
            }
        }
    }

    fn commit(&mut self, diff: &DepthUpdate, last: u64) -> Result<ApplyOutcome, SequenceError> {
        self.book.apply_levels(&diff.bids, &diff.asks);
        self.state = SyncState::Synced { last };
        Ok(ApplyOutcome::Applied)
    }

    fn lose_sync(&mut self) {
        self.book.clear();
        self.state = SyncState::AwaitingSnapshot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tick::{Level, UpdateIds};

    fn lv(price: f64, qty: f64) -> Level {
        Level { price, qty }
    }

    fn diff(first: u64, last: u64, prev: Option<u64>, bids: Vec<Level>) -> DepthUpdate {
        DepthUpdate {
            kind: DepthKind::Diff,
            ids: Some(UpdateIds { first, last, prev }),
            end_of_event: true,
            bids,
            asks: vec![],
        }
    }

    fn snap(id: u64) -> DepthUpdate {
        DepthUpdate {
            kind: DepthKind::Snapshot,
            ids: Some(UpdateIds { first: id, last: id, prev: None }),
            end_of_event: true,
            bids: vec![lv(100.0, 1.0), lv(99.0, 2.0)],
            asks: vec![lv(101.0, 1.0)],
        }
    }

    #[test]
    fn futures_buffer_bridge_and_gap() {
        let mut s = SequencedBook::default();
        assert_eq!(s.apply(&diff(5, 8, Some(4), vec![])), Ok(ApplyOutcome::Buffered));
        assert_eq!(
            s.apply(&diff(9, 12, Some(8), vec![lv(100.0, 5.0)])),
            Ok(ApplyOutcome::Buffered)
        );
        // Snapshot 10: diff 5..8 is stale, 9..12 bridges.
        assert_eq!(s.apply(&snap(10)), Ok(ApplyOutcome::Applied));
        assert_eq!(s.state(), SyncState::Synced { last: 12 });
        assert_eq!(s.book().best_bid(), Some((100.0, 5.0)));
        let err = s.apply(&diff(14, 15, Some(13), vec![])).expect_err("gap");
        assert!(matches!(err, SequenceError::PrevMismatch { expected: 12, .. }));
        assert_eq!(s.state(), SyncState::AwaitingSnapshot);
    }

    #[test]
    fn spot_rules() {
        let mut s = SequencedBook::default();
        s.apply(&snap(10)).expect("snapshot");
        assert_eq!(s.apply(&diff(5, 10, None, vec![])), Ok(ApplyOutcome::Stale));
        assert_eq!(s.apply(&diff(9, 13, None, vec![])), Ok(ApplyOutcome::Applied));
        assert_eq!(s.apply(&diff(14, 14, None, vec![])), Ok(ApplyOutcome::Applied));
        let err = s.apply(&diff(16, 17, None, vec![])).expect_err("gap");
        assert_eq!(err, SequenceError::FirstMismatch { expected: 15, first: 16, last: 17 });
    }

    #[test]
    fn no_bridge_is_an_error() {
        let mut s = SequencedBook::default();
        s.apply(&snap(10)).expect("snapshot");
        let err = s.apply(&diff(12, 20, Some(11), vec![])).expect_err("no bridge");
        assert!(matches!(err, SequenceError::NoBridge { snapshot_id: 10, .. }));
    }
}
