//! [`Input`]: one record of execution's journal.

use mycelium_market_data::MarketTick;

use crate::order::{Cancel, Order, StrategyId};

/// Everything the deterministic core reads, in the order it read it. Replaying the
/// same inputs in the same order on the same config gives the same [`Books`](super::Books).
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum Input {
    /// The execution config in force from here on, as JSON (serde's form of
    /// [`ExecutionConfig`](crate::ExecutionConfig)): the first record of a journal,
    /// and again whenever execution starts on it with another config. So a journal
    /// replays under the config it was written with, whatever the reader's.
    Config(String),
    /// A strategy registered (or registered again after a restart).
    Register {
        /// The strategy.
        strategy: StrategyId,
        /// It trades live, outside the barrier.
        live: bool,
    },
    /// The barrier released feed tick `seq`: the tick, if the steps carried one, was
    /// applied to the market before the orders of the steps for it.
    Tick {
        /// The feed's sequence number.
        seq: u64,
        /// The tick.
        tick: Option<MarketTick>,
    },
    /// A strategy's step for feed tick `seq` (0: orders placed at start): its orders
    /// submitted, then its cancels, then its reply taken: every update for the
    /// strategy not yet delivered.
    Step {
        /// The strategy.
        strategy: StrategyId,
        /// The feed sequence of the tick it answers.
        seq: u64,
        /// New orders.
        orders: Vec<Order>,
        /// Cancels.
        cancels: Vec<Cancel>,
    },
    /// A strategy ended for good: the barrier no longer waits for it.
    Unregister {
        /// The strategy.
        strategy: StrategyId,
    },
    /// The exchange clock moved to this exchange time without a tick.
    AdvanceTo(i64),
    /// The feed starts again from its first tick (the pipeline, feed included, was
    /// started again on this journal): the barrier's position goes back to 0, and
    /// every strategy registers again.
    FeedRestart,
}

impl Input {
    /// The exchange time the input carries, if it carries one.
    pub fn exchange_ts_ns(&self) -> Option<i64> {
        match self {
            Input::Tick { tick: Some(t), .. } => Some(t.exchange_ts_ns),
            Input::Step { orders, cancels, .. } => orders
                .first()
                .map(|o| o.reacted_to.exchange_ts_ns)
                .or_else(|| cancels.first().map(|c| c.reacted_to.exchange_ts_ns)),
            Input::AdvanceTo(ts) => Some(*ts),
            Input::Config(_)
            | Input::Register { .. }
            | Input::Unregister { .. }
            | Input::Tick { tick: None, .. }
            | Input::FeedRestart => None,
        }
    }
}
