//! [`HistoryStep`]: a strategy's own steps as execution's journal holds them, so that
//! a strategy whose process died can rebuild its state by replaying its inputs: the
//! tick each step answered and the updates it got back, with the orders and cancels
//! it sent (which a replay must make again, the same, if the strategy is
//! deterministic).

use std::path::Path;

use mycelium_journal::{Codec, JournalError, Reader, Rkyv};
use mycelium_market_data::MarketTick;

use super::{Books, Input};
use crate::order::{Cancel, Order, OrderUpdate, StrategyId};

/// One step of a strategy, as journaled and answered.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct HistoryStep {
    /// The feed sequence of the tick it answered (0: orders placed at start).
    pub seq: u64,
    /// That tick (none for a step at start).
    pub tick: Option<MarketTick>,
    /// The orders it sent.
    pub orders: Vec<Order>,
    /// The cancels it sent.
    pub cancels: Vec<Cancel>,
    /// The updates execution answered it with.
    pub updates: Vec<OrderUpdate>,
}

/// Why a strategy's history cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A record does not decode.
    #[error("journal record {seq} does not decode: {error}")]
    Decode {
        /// Its sequence.
        seq: u64,
        /// Why.
        error: String,
    },
    /// The log no longer starts at its first record (segments covered by snapshots
    /// were deleted): the strategy's first steps are gone.
    #[error("the journal starts at record {0}: the steps before it were deleted after snapshots")]
    Pruned(u64),
}

/// Every step `strategy` took since the feed last started, through journal record
/// `through`, each with its reply: the journal in `dir` replayed from its first record.
/// Costs a replay of the whole journal (it runs only when a strategy registers again).
pub(super) fn read(
    dir: &Path,
    strategy: StrategyId,
    through: u64,
) -> Result<Vec<HistoryStep>, HistoryError> {
    let mut books = Books::before_journal();
    let mut steps = Vec::new();
    let mut last_tick: Option<(u64, MarketTick)> = None;
    let mut first = None;
    Reader::open(dir)?.visit_range(0, through, |r| {
        if first.replace(r.seq).is_none() && r.seq != 1 {
            return Err(HistoryError::Pruned(r.seq));
        }
        let input = Rkyv::<Input>::decode(r.payload)
            .map_err(|error| HistoryError::Decode { seq: r.seq, error })?;
        let reply = books.apply(&input);
        match input {
            Input::Tick { seq, tick } => last_tick = tick.map(|t| (seq, t)),
            // The feed starts again: what the strategy did before is not what it will
            // be fed again.
            Input::FeedRestart => steps.clear(),
            Input::Step { strategy: s, seq, orders, cancels } if s == strategy => {
                let tick = last_tick.as_ref().filter(|(at, _)| *at == seq).map(|(_, t)| t.clone());
                steps.push(HistoryStep { seq, tick, orders, cancels, updates: reply });
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(steps)
}
