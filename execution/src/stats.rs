//! Counters of what execution did.

use std::collections::BTreeMap;

use mycelium_market_data::Symbol;
use serde::{Deserialize, Serialize};

use crate::order::{RejectReason, StrategyId};

/// Orders, fills, cancels and rejects (by reason) since the start.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct ExecutionStats {
    /// New orders submitted (resends of a known order excluded, rejected ones included).
    pub orders: u64,
    /// Resends of a known order, answered with its current status.
    pub resends: u64,
    /// Orders accepted.
    pub accepted: u64,
    /// Rejects of orders and cancels, by reason.
    #[rkyv(with = rkyv::with::AsVec)]
    pub rejected: BTreeMap<RejectReason, u64>,
    /// Fills (executions).
    pub fills: u64,
    /// Quantity filled, all sides.
    pub filled_qty: f64,
    /// Quantity of the orders accepted (for the fill ratio).
    #[serde(skip)]
    pub accepted_qty: f64,
    /// Orders that ended `Filled`.
    pub filled_orders: u64,
    /// Orders that ended `Cancelled` (by request, or as a market/IOC remainder).
    pub cancelled_orders: u64,
    /// Good-till-date orders that ended `Expired`.
    #[serde(default)]
    pub expired_orders: u64,
    /// Cancel requests received (cancels, amends and cancel-alls).
    pub cancel_requests: u64,
    /// Cancels that found their order already finished (answered with its status).
    pub late_cancels: u64,
    /// Orders, fills and rejects of each strategy in each instrument (what a metrics
    /// endpoint labels by strategy and instrument); the totals above are their sums.
    #[serde(skip)]
    #[rkyv(with = rkyv::with::AsVec)]
    pub by_book: BTreeMap<(StrategyId, Symbol), BookCounts>,
}

/// One strategy's orders, fills and rejects in one instrument.
#[derive(Debug, Clone, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct BookCounts {
    /// New orders submitted (as [`ExecutionStats::orders`]).
    pub orders: u64,
    /// Fills.
    pub fills: u64,
    /// Rejects of orders and cancels, by reason.
    #[rkyv(with = rkyv::with::AsVec)]
    pub rejected: BTreeMap<RejectReason, u64>,
}

impl ExecutionStats {
    /// Total rejects.
    pub fn rejects(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Rejects for `reason`.
    pub fn rejects_for(&self, reason: RejectReason) -> u64 {
        self.rejected.get(&reason).copied().unwrap_or(0)
    }

    /// Counts a new order of `strategy` in `symbol`.
    pub(crate) fn count_order(&mut self, strategy: StrategyId, symbol: Symbol) {
        self.orders += 1;
        self.by_book.entry((strategy, symbol)).or_default().orders += 1;
    }

    /// Counts a reject of an order or cancel of `strategy` in `symbol`.
    pub(crate) fn count_reject(
        &mut self,
        strategy: StrategyId,
        symbol: Symbol,
        reason: RejectReason,
    ) {
        *self.rejected.entry(reason).or_insert(0) += 1;
        let book = self.by_book.entry((strategy, symbol)).or_default();
        *book.rejected.entry(reason).or_insert(0) += 1;
    }

    /// Counts a fill of `strategy` in `symbol`.
    pub(crate) fn count_fill(&mut self, strategy: StrategyId, symbol: Symbol) {
        self.fills += 1;
        self.by_book.entry((strategy, symbol)).or_default().fills += 1;
    }
}
