//! [`FillLog`]: what one simulation filled, per order; and the resting orders' common
//! bookkeeping.

use std::collections::BTreeMap;

use mycelium_market_data::l3::{Lots, OrderId, Ticks};
use mycelium_market_data::Side;

/// The fills of one order in one simulation. Fills at the same exchange time (one
/// taker's executions) count as one fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderFills {
    /// Total filled.
    pub qty: Lots,
    /// Number of fills.
    pub count: u32,
    /// Exchange time of the first fill.
    pub first_ts_ns: Option<i64>,
    last_ts_ns: Option<i64>,
}

/// Every order's fills in one simulation, by our order id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FillLog {
    orders: BTreeMap<OrderId, OrderFills>,
}

impl FillLog {
    /// Records a fill of `qty` (> 0) of order `id` at `ts`.
    pub(crate) fn record(&mut self, id: OrderId, qty: Lots, ts: i64) {
        let f = self.orders.entry(id).or_default();
        f.qty += qty;
        if f.last_ts_ns != Some(ts) {
            f.count += 1;
        }
        f.first_ts_ns.get_or_insert(ts);
        f.last_ts_ns = Some(ts);
    }

    /// The fills of order `id` (zero if it never filled).
    pub fn of(&self, id: OrderId) -> OrderFills {
        self.orders.get(&id).copied().unwrap_or_default()
    }

    /// Orders with at least one fill.
    pub fn filled_orders(&self) -> impl Iterator<Item = (OrderId, OrderFills)> + '_ {
        self.orders.iter().map(|(id, f)| (*id, *f))
    }

    /// Total number of fills.
    pub fn fills(&self) -> u64 {
        self.orders.values().map(|f| u64::from(f.count)).sum()
    }

    /// Total filled quantity.
    pub fn qty(&self) -> Lots {
        self.orders.values().map(|f| f.qty).sum()
    }
}

/// A resting simulated order: what both simulations track besides its queue position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resting {
    pub(crate) side: Side,
    pub(crate) px: Ticks,
    pub(crate) leaves: Lots,
}

impl Resting {
    /// `true` when a maker execution on our side at `px` is at a worse price than our
    /// limit: the taker went through our price, so it reached us whatever our place.
    pub(crate) fn traded_through(&self, px: Ticks) -> bool {
        match self.side {
            Side::Buy => px < self.px,
            Side::Sell => px > self.px,
        }
    }

    /// `true` when the opposite best has reached our limit (a resting order is then
    /// filled in full, as hftbacktest fills it).
    pub(crate) fn crossed(&self, best_bid: Option<Ticks>, best_ask: Option<Ticks>) -> bool {
        match self.side {
            Side::Buy => best_ask.is_some_and(|a| a <= self.px),
            Side::Sell => best_bid.is_some_and(|b| b >= self.px),
        }
    }
}
