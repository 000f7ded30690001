//! How orders, cancels and ticks change the exchange's state: arrival of an order
//! (take, then rest or cancel), arrival of a cancel, resting orders hit by quotes and
//! trades, and the fill and finish transitions.

use mycelium_market_data::{Side, Symbol};

use super::market::crosses;
use super::store::OrderKey;
use super::SimulatedExchange;
use crate::order::{Fill, Liquidity, OrderStatus, OrderType, OrderUpdate};

impl SimulatedExchange {
    /// The order reaches the exchange: take what is marketable, then rest or cancel.
    pub(super) fn activate(&mut self, key: OrderKey, at: i64, out: &mut Vec<OrderUpdate>) {
        let Some(record) = self.store.get_mut(&key) else {
            return;
        };
        if record.state.status.is_terminal() {
            return; // cancelled before it arrived
        }
        record.state.active = true;
        let order = record.state.order.clone();
        let arrival = record.arrival;
        let mut leaves = record.state.leaves_qty;
        let taken = match self.market(order.symbol).opposite(order.side) {
            Some(top)
                if top.avail > 0.0
                    && order.limit_px.is_none_or(|l| crosses(order.side, l, top.px)) =>
            {
                let qty = leaves.min(top.avail);
                top.avail -= qty;
                Some((top.px, qty))
            }
            _ => None,
        };
        if let Some((px, qty)) = taken {
            self.fill(key, (px, qty), Liquidity::Taker, at, out);
            leaves -= qty;
        }
        if leaves <= 0.0 {
            return;
        }
        match (order.kind, order.limit_px) {
            (OrderType::Limit, Some(px)) => {
                let book = self.resting.entry(order.symbol).or_default();
                book.insert(order.side, px, arrival, key);
            }
            _ => self.finish(key, OrderStatus::Cancelled, at, out),
        }
    }

    /// A cancel reaches the exchange.
    pub(super) fn apply_cancel(&mut self, key: OrderKey, at: i64, out: &mut Vec<OrderUpdate>) {
        let Some(record) = self.store.get(&key) else {
            return;
        };
        if record.state.status.is_terminal() {
            self.stats.late_cancels += 1;
            out.push(record.state.update(None, at));
        } else {
            self.finish(key, OrderStatus::Cancelled, at, out);
        }
    }

    /// Fills the resting `side` orders of `symbol` that cross `px`, at their limit price,
    /// while `avail` lasts.
    pub(super) fn match_resting(
        &mut self,
        symbol: Symbol,
        side: Side,
        px: f64,
        avail: &mut f64,
        ts: i64,
        out: &mut Vec<OrderUpdate>,
    ) {
        let Some(candidates) = self.resting.get(&symbol).map(|b| b.crossing(side, px)) else {
            return;
        };
        for (key, limit) in candidates {
            if *avail <= 0.0 {
                break;
            }
            let Some(leaves) = self.store.get(&key).map(|r| r.state.leaves_qty) else {
                continue;
            };
            let qty = leaves.min(*avail);
            *avail -= qty;
            self.fill(key, (limit, qty), Liquidity::Maker, ts, out);
        }
    }

    /// Applies one fill to an open order and pushes its update.
    pub(super) fn fill(
        &mut self,
        key: OrderKey,
        (px, qty): (f64, f64),
        liquidity: Liquidity,
        ts: i64,
        out: &mut Vec<OrderUpdate>,
    ) {
        let Some(record) = self.store.get_mut(&key) else {
            return;
        };
        let state = &mut record.state;
        if qty >= state.leaves_qty {
            state.leaves_qty = 0.0;
            state.filled_qty = state.order.qty;
            state.status = OrderStatus::Filled;
        } else {
            state.leaves_qty -= qty;
            state.filled_qty += qty;
            state.status = OrderStatus::PartiallyFilled;
        }
        let fill = Fill { px, qty, side: state.order.side, liquidity };
        out.push(state.update(Some(fill), ts));
        self.stats.count_fill(state.order.strategy, state.order.symbol);
        self.stats.filled_qty += qty;
        if state.status == OrderStatus::Filled {
            self.stats.filled_orders += 1;
            self.unrest(key);
            self.store.retire(key);
        }
    }

    /// Ends an open order with `status` (cancelled), leaves 0.
    pub(super) fn finish(
        &mut self,
        key: OrderKey,
        status: OrderStatus,
        at: i64,
        out: &mut Vec<OrderUpdate>,
    ) {
        let Some(record) = self.store.get_mut(&key) else {
            return;
        };
        record.state.status = status;
        record.state.leaves_qty = 0.0;
        out.push(record.state.update(None, at));
        self.stats.cancelled_orders += 1;
        self.unrest(key);
        self.store.retire(key);
    }

    /// Removes an order from its resting book, if it rests.
    pub(super) fn unrest(&mut self, key: OrderKey) {
        let Some(record) = self.store.get(&key) else {
            return;
        };
        let order = &record.state.order;
        if let (Some(px), Some(book)) = (order.limit_px, self.resting.get_mut(&order.symbol)) {
            book.remove(order.side, px, record.arrival);
        }
    }
}
