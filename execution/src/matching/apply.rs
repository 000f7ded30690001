//! How orders, cancels and ticks change the exchange's state: arrival of an order
//! (post-only, FOK, reduce-only; take, then rest or cancel), arrival of a cancel, an
//! amend or a cancel-all, a good-till-date expiry, resting orders hit by quotes and
//! trades, and the fill and finish transitions.

use mycelium_market_data::{Price, Qty, Side, Symbol};

use super::market::{crosses, raw_qty, Top};
use super::queue::Queue;
use super::store::{OrderKey, Resting};
use super::{PostOnly, SimulatedExchange};
use crate::order::{
    Fill, Liquidity, Order, OrderStatus, OrderType, OrderUpdate, RejectReason, StrategyId,
};

impl SimulatedExchange {
    /// The order reaches the exchange: take what is marketable, then rest or cancel.
    pub(super) fn activate(&mut self, key: OrderKey, at: i64, out: &mut Vec<OrderUpdate>) {
        let Some(record) = self.store.get_mut(&key) else {
            return;
        };
        if record.state.status.is_terminal() {
            return; // cancelled (or expired) before it arrived
        }
        record.state.active = true;
        let arrival = (record.state.order.clone(), record.arrival, record.state.leaves_qty);
        self.trade_on_arrival(key, arrival, at, out);
    }

    /// An order that just arrived (or was repriced by an amend) meets the book: a
    /// post-only order rests or is refused, a FOK fills whole or not at all, others take
    /// what is marketable; then a limit rests and the rest of the others is cancelled.
    /// `(order, arrival, leaves)` are the order's, passed in rather than looked up again
    /// (the store holds every remembered order: a lookup is not free).
    fn trade_on_arrival(
        &mut self,
        key: OrderKey,
        (mut order, arrival, leaves): (Order, u64, f64),
        at: i64,
        out: &mut Vec<OrderUpdate>,
    ) {
        let cap = self.fillable(&order, leaves);
        if order.options.reduce_only && cap <= 0.0 {
            let reason = RejectReason::ReduceOnlyNoPosition;
            return self.finish(key, OrderStatus::Rejected(reason), at, out);
        }
        let top = *self.market(order.symbol).opposite(order.side);
        let marketable =
            top.filter(|t| order.limit_px.is_none_or(|l| crosses(order.side, l, t.px)));
        if order.options.post_only {
            if let Some(touch) = marketable {
                match self.reprice(&order, touch.px) {
                    Some(px) => {
                        self.set_limit(key, px);
                        order.limit_px = Some(px);
                    }
                    None => {
                        let reason = RejectReason::WouldTake;
                        return self.finish(key, OrderStatus::Rejected(reason), at, out);
                    }
                }
            }
            return self.rest(key, &order, arrival, None);
        }
        // The levels it can take, best first: the touch, then the depth behind it; sizes
        // in fixed point, so that taking level after level leaves no dust (`None`: a size
        // the venue does not give, unlimited, with nothing behind it needed).
        let mut levels = Vec::new();
        if let Some(touch) = marketable {
            levels.push((touch.px, raw_qty(touch.avail)));
            let depth = self.depths.get(&order.symbol).filter(|_| touch.avail.is_finite());
            if let Some(depth) = depth {
                let behind = depth.beyond(order.side, touch.px, order.limit_px);
                levels.extend(behind.map(|(px, size)| (px, raw_qty(size))));
            }
        }
        let total =
            levels.iter().try_fold(0i64, |sum, (_, size)| size.map(|s| sum.saturating_add(s)));
        let (leaves, cap) = (raw_qty(leaves).unwrap_or(0), raw_qty(cap).unwrap_or(0));
        let avail = total.map_or(cap, |t| t.min(cap));
        let want = match order.kind {
            // All or nothing: the whole quantity, only if it is there.
            OrderType::Fok if avail < leaves => 0,
            _ => leaves.min(avail),
        };
        let mut taken = 0;
        for (i, (px, size)) in levels.into_iter().enumerate() {
            let take = size.map_or(want - taken, |s| (want - taken).min(s));
            if take <= 0 {
                continue;
            }
            let qty = Qty(take).to_f64();
            if i == 0 {
                if let Some(top) = self.market(order.symbol).opposite(order.side) {
                    top.avail -= qty;
                }
            } else if let Some(depth) = self.depths.get_mut(&order.symbol) {
                depth.take(order.side, px, qty);
            }
            self.fill(key, (px, qty), Liquidity::Taker, at, out);
            taken += take;
        }
        if taken >= leaves {
            return;
        }
        match order.kind {
            OrderType::Limit => self.rest(key, &order, arrival, None),
            _ => self.finish(key, OrderStatus::Cancelled, at, out),
        }
    }

    /// Puts open limit order `key` (`order`, with time priority `arrival`) in its
    /// resting book at its limit price, with `queue` (an amend that only shrinks it keeps
    /// its place) or, by default, at the back of its level's queue.
    fn rest(&mut self, key: OrderKey, order: &Order, arrival: u64, queue: Option<Queue>) {
        let Some(px) = order.limit_px else {
            return;
        };
        let queue = queue.unwrap_or_else(|| {
            let touch = self.markets.get(&order.symbol).and_then(|m| m.same(order.side));
            Queue::join(order.side, px, touch)
        });
        let book = self.resting.entry(order.symbol).or_default();
        book.insert(order.side, (px, arrival), Resting { key, queue });
    }

    /// A quote set each side's touch (`bid`, `ask`): every resting order's queue sees its
    /// level as the touch now shows it.
    pub(super) fn queue_on_quote(&mut self, symbol: Symbol, bid: Option<Top>, ask: Option<Top>) {
        let Some(book) = self.resting.get_mut(&symbol) else {
            return;
        };
        let model = &self.config.queue;
        for (side, touch) in [(Side::Buy, bid), (Side::Sell, ask)] {
            for (limit, queue) in book.queues_mut(side) {
                queue.on_touch(model, side, limit, touch);
            }
        }
    }

    /// The symbol's lot in fixed-point units (1 without an instrument).
    fn lot(&self, symbol: Symbol) -> i64 {
        self.instruments.get(symbol).map_or(1, |i| i.lot_size.raw().max(1))
    }

    /// The price one tick behind `touch` for a post-only `order` that would take there,
    /// if the exchange reprices and the symbol has a tick; `None` means rejected.
    fn reprice(&self, order: &Order, touch: f64) -> Option<f64> {
        if self.config.post_only != PostOnly::Reprice {
            return None;
        }
        let tick = self.instruments.get(order.symbol).ok()?.tick_size;
        let touch = Price::from_f64(touch)?;
        let px = match order.side {
            Side::Buy => touch - tick,
            Side::Sell => touch + tick,
        };
        (px.raw() > 0).then(|| px.to_f64())
    }

    /// Changes an open order's limit price (it is not resting while this runs).
    fn set_limit(&mut self, key: OrderKey, px: f64) {
        if let Some(record) = self.store.get_mut(&key) {
            record.state.order.limit_px = Some(px);
        }
    }

    /// What `order` may fill now of `leaves`: all of it, or for a reduce-only order no
    /// more than the position it reduces.
    fn fillable(&self, order: &Order, leaves: f64) -> f64 {
        if order.options.reduce_only {
            leaves.min(self.reducible(order.strategy, order.symbol, order.side))
        } else {
            leaves
        }
    }

    /// An amend reaches the exchange: refused for a finished order or a quantity not
    /// above the filled one; otherwise the order takes its new quantity and price. A
    /// price change or a size increase loses time priority (a new arrival number) and a
    /// repriced order meets the book again as on arrival; a size decrease keeps its
    /// place.
    pub(super) fn apply_amend(
        &mut self,
        key: OrderKey,
        (qty, px): (f64, f64),
        at: i64,
        out: &mut Vec<OrderUpdate>,
    ) {
        let Some(record) = self.store.get(&key) else {
            return;
        };
        let state = &record.state;
        let refusal = if state.status.is_terminal() {
            Some(RejectReason::OrderFinished)
        } else if !qty.is_finite() || qty <= state.filled_qty {
            Some(RejectReason::InvalidOrder)
        } else {
            None
        };
        if let Some(reason) = refusal {
            let update = state.update(None, at);
            let update = self.refuse(update, reason);
            return out.push(update);
        }
        let repriced = state.order.limit_px != Some(px);
        let loses_priority = repriced || qty > state.order.qty;
        let (active, kept) = (state.active, record.arrival);
        let queue = self.unrest(key).filter(|_| !loses_priority);
        let arrival = if loses_priority { self.arrival() } else { kept };
        let Some(record) = self.store.get_mut(&key) else {
            return;
        };
        record.arrival = arrival;
        let state = &mut record.state;
        state.order.qty = qty;
        state.order.limit_px = Some(px);
        state.leaves_qty = qty - state.filled_qty;
        out.push(state.update(None, at));
        let amended = (state.order.clone(), arrival, state.leaves_qty);
        match (active, repriced) {
            (false, _) => {} // still in flight: it meets the book on arrival
            (true, true) => self.trade_on_arrival(key, amended, at, out),
            (true, false) => self.rest(key, &amended.0, arrival, queue),
        }
    }

    /// A cancel-all reaches the exchange: every open order of `strategy` in `symbol`
    /// that has reached it is cancelled, in client order id order (one still in flight
    /// arrives after the request).
    pub(super) fn apply_cancel_all(
        &mut self,
        strategy: StrategyId,
        symbol: Symbol,
        at: i64,
        out: &mut Vec<OrderUpdate>,
    ) {
        let keys: Vec<OrderKey> = self
            .store
            .open_of(strategy)
            .filter(|s| s.active && s.order.symbol == symbol)
            .map(|s| (strategy, s.order.client_order_id))
            .collect();
        for key in keys {
            self.finish(key, OrderStatus::Cancelled, at, out);
        }
    }

    /// A good-till-date order's expiry time is reached: what is left of it expires.
    pub(super) fn expire(&mut self, key: OrderKey, at: i64, out: &mut Vec<OrderUpdate>) {
        if self.store.get(&key).is_some_and(|r| !r.state.status.is_terminal()) {
            self.finish(key, OrderStatus::Expired, at, out);
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
    /// while `avail` lasts. For a trade `print`, an order whose limit is the print's price
    /// fills only beyond the queue ahead of it (the print advances that queue first).
    pub(super) fn match_resting(
        &mut self,
        symbol: Symbol,
        (side, px, print): (Side, f64, bool),
        avail: &mut f64,
        ts: i64,
        out: &mut Vec<OrderUpdate>,
    ) {
        let Some(candidates) = self.resting.get(&symbol).map(|b| b.crossing(side, px)) else {
            return;
        };
        if candidates.is_empty() {
            return;
        }
        let (traded, lot, print_px) = (raw_qty(*avail), self.lot(symbol), Price::from_f64(px));
        for (key, limit, arrival) in candidates {
            // Every order at the print's price sees the whole print pass its queue, even
            // when earlier orders' fills used it up; `None`: not limited by a queue.
            let beyond = if print && Price::from_f64(limit) == print_px {
                let book = self.resting.get_mut(&symbol);
                let queue = book.and_then(|b| b.queue_mut(side, limit, arrival));
                queue.and_then(|q| q.on_print(&self.config.queue, traded, lot))
            } else {
                None
            };
            if *avail <= 0.0 {
                continue;
            }
            let Some(state) = self.store.get(&key).map(|r| &r.state) else {
                continue;
            };
            let cap = self.fillable(&state.order, state.leaves_qty);
            if cap <= 0.0 {
                // A reduce-only order with nothing left to reduce can never fill.
                self.finish(key, OrderStatus::Cancelled, ts, out);
                continue;
            }
            let qty = beyond.map_or(*avail, |raw| avail.min(Qty(raw).to_f64())).min(cap);
            if qty <= 0.0 {
                continue;
            }
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
            // Exact when the order was not cut: its whole quantity, not a sum of parts.
            state.filled_qty = if state.order.options.reduce_only {
                state.filled_qty + state.leaves_qty
            } else {
                state.order.qty
            };
            state.leaves_qty = 0.0;
            state.status = OrderStatus::Filled;
        } else {
            state.leaves_qty -= qty;
            state.filled_qty += qty;
            state.status = OrderStatus::PartiallyFilled;
        }
        let fill = Fill { px, qty, side: state.order.side, liquidity };
        out.push(state.update(Some(fill), ts));
        let signed = Qty::from_f64(qty).unwrap_or_default();
        let net = self.net.entry((state.order.strategy, state.order.symbol)).or_default();
        match state.order.side {
            Side::Buy => *net += signed,
            Side::Sell => *net -= signed,
        }
        self.stats.count_fill(state.order.strategy, state.order.symbol);
        self.stats.filled_qty += qty;
        if state.status == OrderStatus::Filled {
            self.stats.filled_orders += 1;
            self.unrest(key);
            self.store.retire(key);
        }
    }

    /// Ends an open order with `status` (cancelled, expired or rejected), leaves 0.
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
        let (strategy, symbol) = (record.state.order.strategy, record.state.order.symbol);
        match status {
            OrderStatus::Expired => self.stats.expired_orders += 1,
            OrderStatus::Rejected(reason) => self.stats.count_reject(strategy, symbol, reason),
            _ => self.stats.cancelled_orders += 1,
        }
        self.unrest(key);
        self.store.retire(key);
    }

    /// Removes an order from its resting book, if it rests; its queue back.
    pub(super) fn unrest(&mut self, key: OrderKey) -> Option<Queue> {
        let record = self.store.get(&key)?;
        let order = &record.state.order;
        let book = self.resting.get_mut(&order.symbol)?;
        book.remove(order.side, order.limit_px?, record.arrival)
    }
}
