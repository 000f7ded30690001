//! The [`Strategy`] trait a user implements, and the [`StrategyContext`] it trades
//! through.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use mycelium_execution::{
    Cancel, ClientOrderId, Holding, Order, OrderStatus, OrderType, OrderUpdate, StrategyId,
    TickStamp,
};
use mycelium_market_data::{MarketTick, Side, Symbol};

/// A trading strategy. Callbacks are synchronous and run on the strategy's own actor:
/// they see one event at a time and never share state. Orders placed through the
/// context are sent when the callback returns.
///
/// Time in a strategy is exchange time (the timestamps of the ticks), so a replay
/// runs the same however fast it goes.
pub trait Strategy: Send + 'static {
    /// Once, before the first tick (and again after each restart).
    fn on_start(&mut self, ctx: &mut StrategyContext) {
        let _ = ctx;
    }
    /// For each tick of the feed.
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext);
    /// For each change of one of this strategy's orders, fills included. When
    /// execution stops answering, each open order gets one last update with
    /// [`OrderStatus::Unknown`](mycelium_execution::OrderStatus::Unknown) before the
    /// strategy is restarted and recovers what execution still has.
    fn on_order_update(&mut self, update: &OrderUpdate, ctx: &mut StrategyContext) {
        let _ = (update, ctx);
    }
    /// When a timer set with [`StrategyContext::set_timer`] is due.
    fn on_timer(&mut self, timer: TimerId, ctx: &mut StrategyContext) {
        let _ = (timer, ctx);
    }
    /// Once, when the strategy stops.
    fn on_stop(&mut self, ctx: &mut StrategyContext) {
        let _ = ctx;
    }
}

impl<S: Strategy + ?Sized> Strategy for Box<S> {
    fn on_start(&mut self, ctx: &mut StrategyContext) {
        (**self).on_start(ctx)
    }
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        (**self).on_tick(tick, ctx)
    }
    fn on_order_update(&mut self, update: &OrderUpdate, ctx: &mut StrategyContext) {
        (**self).on_order_update(update, ctx)
    }
    fn on_timer(&mut self, timer: TimerId, ctx: &mut StrategyContext) {
        (**self).on_timer(timer, ctx)
    }
    fn on_stop(&mut self, ctx: &mut StrategyContext) {
        (**self).on_stop(ctx)
    }
}

/// A timer's id, as returned by [`StrategyContext::set_timer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub u64);

/// An order of this strategy that is not finished.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOrder {
    /// The order as sent.
    pub order: Order,
    /// Its last known status (`New` until execution answers).
    pub status: OrderStatus,
    /// Quantity filled so far.
    pub filled_qty: f64,
}

/// What a strategy sees of the world and how it acts on it.
pub struct StrategyContext {
    id: StrategyId,
    now: TickStamp,
    next_order: u64,
    orders: Vec<Order>,
    cancels: Vec<Cancel>,
    positions: HashMap<Symbol, Holding>,
    open: BTreeMap<ClientOrderId, OpenOrder>,
    timers: BinaryHeap<Reverse<(i64, TimerId)>>,
    next_timer: u64,
}

impl StrategyContext {
    /// A context for strategy `id`; client order ids start after `first_order_id`.
    pub fn new(id: StrategyId, first_order_id: u64) -> Self {
        Self {
            id,
            now: TickStamp::default(),
            next_order: first_order_id,
            orders: Vec::new(),
            cancels: Vec::new(),
            positions: HashMap::new(),
            open: BTreeMap::new(),
            timers: BinaryHeap::new(),
            next_timer: 0,
        }
    }

    /// This strategy's id.
    pub fn id(&self) -> StrategyId {
        self.id
    }

    /// Exchange time of the event being handled, in ns since the epoch.
    pub fn now_ns(&self) -> i64 {
        self.now.exchange_ts_ns
    }

    /// A limit order; returns its client order id.
    pub fn limit(&mut self, symbol: Symbol, side: Side, qty: f64, px: f64) -> ClientOrderId {
        self.submit(symbol, side, qty, Some(px), OrderType::Limit)
    }

    /// An immediate-or-cancel limit order.
    pub fn ioc(&mut self, symbol: Symbol, side: Side, qty: f64, px: f64) -> ClientOrderId {
        self.submit(symbol, side, qty, Some(px), OrderType::Ioc)
    }

    /// A market order.
    pub fn market(&mut self, symbol: Symbol, side: Side, qty: f64) -> ClientOrderId {
        self.submit(symbol, side, qty, None, OrderType::Market)
    }

    fn submit(
        &mut self,
        symbol: Symbol,
        side: Side,
        qty: f64,
        limit_px: Option<f64>,
        kind: OrderType,
    ) -> ClientOrderId {
        self.next_order += 1;
        let id = ClientOrderId(self.next_order);
        let order = Order {
            client_order_id: id,
            strategy: self.id,
            symbol,
            side,
            qty,
            limit_px,
            kind,
            reacted_to: self.now,
        };
        self.open.insert(
            id,
            OpenOrder { order: order.clone(), status: OrderStatus::New, filled_qty: 0.0 },
        );
        self.orders.push(order);
        id
    }

    /// Asks to cancel an open order; false if it is not open.
    pub fn cancel(&mut self, id: ClientOrderId) -> bool {
        let Some(open) = self.open.get(&id) else {
            return false;
        };
        self.cancels.push(Cancel {
            client_order_id: id,
            strategy: self.id,
            symbol: open.order.symbol,
            reacted_to: self.now,
        });
        true
    }

    /// Cancels every open order; returns how many.
    pub fn cancel_all(&mut self) -> usize {
        let ids: Vec<_> = self.open.keys().copied().collect();
        ids.into_iter().filter(|id| self.cancel(*id)).count()
    }

    /// This strategy's position in `symbol` (quantity and average entry price, as
    /// execution keeps them).
    pub fn position(&self, symbol: &Symbol) -> Holding {
        self.positions.get(symbol).copied().unwrap_or_default()
    }

    /// This strategy's unfinished orders, by client order id.
    pub fn open_orders(&self) -> impl Iterator<Item = &OpenOrder> {
        self.open.values()
    }

    /// Calls [`Strategy::on_timer`] once exchange time reaches now + `after_ns`.
    pub fn set_timer(&mut self, after_ns: i64) -> TimerId {
        self.next_timer += 1;
        let id = TimerId(self.next_timer);
        self.timers.push(Reverse((self.now.exchange_ts_ns.saturating_add(after_ns), id)));
        id
    }

    pub(crate) fn set_now(&mut self, now: TickStamp) {
        self.now = now;
    }

    /// The next timer due at `now`, if any.
    pub(crate) fn due_timer(&mut self) -> Option<TimerId> {
        let Reverse((due, id)) = *self.timers.peek()?;
        (due <= self.now.exchange_ts_ns).then(|| {
            self.timers.pop();
            id
        })
    }

    pub(crate) fn take_outbox(&mut self) -> (Vec<Order>, Vec<Cancel>) {
        (std::mem::take(&mut self.orders), std::mem::take(&mut self.cancels))
    }

    pub(crate) fn has_outbox(&self) -> bool {
        !self.orders.is_empty() || !self.cancels.is_empty()
    }

    /// Applies an update from execution to the local view of orders and positions.
    pub(crate) fn apply_update(&mut self, update: &OrderUpdate) {
        if let Some(fill) = &update.last_fill {
            // Execution's rule, so that this view and execution's positions agree.
            self.positions.entry(update.symbol).or_default().apply(fill.side, fill.qty, fill.px);
        }
        if update.status.is_terminal() {
            self.open.remove(&update.client_order_id);
        } else if let Some(open) = self.open.get_mut(&update.client_order_id) {
            open.status = update.status;
            open.filled_qty = update.filled_qty;
        }
    }

    /// Replaces the local view with execution's (after a restart).
    pub(crate) fn restore(
        &mut self,
        positions: HashMap<Symbol, Holding>,
        open: Vec<OpenOrder>,
        last_order_id: u64,
    ) {
        self.positions = positions;
        self.open = open.into_iter().map(|o| (o.order.client_order_id, o)).collect();
        self.next_order = self.next_order.max(last_order_id);
    }
}
