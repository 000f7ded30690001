//! The [`Strategy`] trait a user implements, and the [`StrategyContext`] it trades
//! through.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use mycelium_execution::{
    Cancel, ClientOrderId, Holding, Order, OrderOptions, OrderStatus, OrderType, OrderUpdate,
    StrategyId, Terms, TickStamp,
};
use mycelium_market_data::{Instrument, InstrumentTable, MarketTick, Side, Symbol};

/// A trading strategy. Callbacks are synchronous and run on the strategy's own actor:
/// they see one event at a time and never share state. Orders placed through the
/// context are sent when the callback returns.
///
/// Time in a strategy is exchange time (the timestamps of the ticks), so a replay
/// runs the same however fast it goes.
///
/// A strategy lives in the user's own crate and is registered by name in a
/// [`StrategyRegistry`](crate::StrategyRegistry), so that a config's `[[strategy]]`
/// table picks it with its parameters; the pipeline's [`StrategyHost`](crate::StrategyHost)
/// then calls it. Here the calls are made by hand:
///
/// ```
/// use mycelium_execution::StrategyId;
/// use mycelium_market_data::{MarketTick, Quote, Side, Symbol, TickEvent};
/// use mycelium_strategies::{Strategy, StrategyContext, StrategyRegistry};
///
/// /// Joins the bid when the spread is wide enough, one order at a time.
/// #[derive(Clone, serde::Deserialize)]
/// struct JoinParams {
///     qty: f64,
///     min_spread: f64,
/// }
///
/// struct JoinTheBid {
///     p: JoinParams,
/// }
///
/// impl Strategy for JoinTheBid {
///     fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
///         let TickEvent::Quote(q) = &tick.event else { return };
///         if q.ask_px - q.bid_px >= self.p.min_spread && ctx.open_orders().next().is_none() {
///             ctx.limit(tick.symbol, Side::Buy, self.p.qty, q.bid_px);
///         }
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut registry = StrategyRegistry::with_samples();
/// registry.register_params("join_the_bid", |p: JoinParams| JoinTheBid { p });
/// // What a config's `[strategy.params]` table holds; checked once, here.
/// let params = toml::from_str("qty = 0.5\nmin_spread = 1.0")?;
/// let make = registry.prepare("join_the_bid", &params)?;
///
/// let mut strategy = make(); // a fresh instance at every (re)start
/// let mut ctx = StrategyContext::new(StrategyId(1), 0);
/// let quote = Quote { bid_px: 100.0, bid_qty: 3.0, ask_px: 101.5, ask_qty: 2.0, from_book: false };
/// let tick = MarketTick {
///     symbol: Symbol::new("BTCUSDT")?,
///     seq: 1,
///     exchange_ts_ns: 1_700_000_000_000_000_000,
///     local_ts_ns: 1_700_000_000_000_000_000,
///     event: TickEvent::Quote(quote),
/// };
/// strategy.on_tick(&tick, &mut ctx);
/// strategy.on_tick(&tick, &mut ctx); // one order at a time: no second one
///
/// let open: Vec<_> = ctx.open_orders().collect();
/// assert_eq!(open.len(), 1);
/// assert_eq!((open[0].order.side, open[0].order.qty), (Side::Buy, 0.5));
/// assert_eq!(open[0].order.limit_px, Some(100.0));
///
/// // A parameter table that does not fit is an error naming the strategy.
/// let bad = toml::from_str("qty = 0.5")?;
/// assert!(registry.prepare("join_the_bid", &bad).is_err());
/// # Ok(()) }
/// ```
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
///
/// Orders and cancels placed during a callback are sent to execution when the callback
/// returns; the context tracks them as open until execution says they are finished, and
/// keeps the strategy's positions from the fills that come back.
///
/// ```
/// use mycelium_execution::{ClientOrderId, OrderStatus, StrategyId};
/// use mycelium_market_data::{Side, Symbol};
/// use mycelium_strategies::{Holding, StrategyContext};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let btc = Symbol::new("BTCUSDT")?;
/// // Client order ids continue after the last one this strategy used (0: none yet).
/// let mut ctx = StrategyContext::new(StrategyId(7), 0);
///
/// let bid = ctx.limit(btc, Side::Buy, 0.5, 64_000.0);
/// let hit = ctx.ioc(btc, Side::Sell, 0.5, 64_100.0);
/// assert_eq!((bid, hit), (ClientOrderId(1), ClientOrderId(2)));
/// assert!(ctx.open_orders().all(|o| o.status == OrderStatus::New)); // not answered yet
///
/// assert!(ctx.cancel(bid)); // a request: the order stays open until execution confirms
/// assert!(!ctx.cancel(ClientOrderId(99))); // not an open order of this strategy
/// assert_eq!(ctx.open_orders().count(), 2);
///
/// assert_eq!(ctx.position(&btc), Holding::default()); // flat until a fill comes back
/// let _timer = ctx.set_timer(1_000_000); // `on_timer` 1 ms of exchange time from now
/// # Ok(()) }
/// ```
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
    instruments: InstrumentTable,
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
            instruments: InstrumentTable::shipped(),
        }
    }

    /// Replaces the instrument definitions (by default the shipped table, which has the
    /// synthetic feed's symbols).
    pub fn set_instruments(&mut self, instruments: InstrumentTable) {
        self.instruments = instruments;
    }

    /// The instrument of `symbol` (tick and lot size, minimums, fees), if defined.
    pub fn instrument(&self, symbol: &Symbol) -> Option<&Instrument> {
        self.instruments.get(*symbol).ok()
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

    /// A fill-or-kill limit order: all of it on arrival, or nothing.
    pub fn fok(&mut self, symbol: Symbol, side: Side, qty: f64, px: f64) -> ClientOrderId {
        self.submit(symbol, side, qty, Some(px), OrderType::Fok)
    }

    /// A limit order with options (post-only, reduce-only, good-till-date).
    pub fn limit_with(
        &mut self,
        symbol: Symbol,
        side: Side,
        qty: f64,
        px: f64,
        options: OrderOptions,
    ) -> ClientOrderId {
        self.submit_with(symbol, side, qty, Some(px), OrderType::Limit, options)
    }

    fn submit(
        &mut self,
        symbol: Symbol,
        side: Side,
        qty: f64,
        limit_px: Option<f64>,
        kind: OrderType,
    ) -> ClientOrderId {
        self.submit_with(symbol, side, qty, limit_px, kind, OrderOptions::default())
    }

    fn submit_with(
        &mut self,
        symbol: Symbol,
        side: Side,
        qty: f64,
        limit_px: Option<f64>,
        kind: OrderType,
        options: OrderOptions,
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
            options,
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
        self.cancels.push(Cancel::order(self.id, id, open.order.symbol, self.now));
        true
    }

    /// Asks to amend (cancel-replace) an open limit order to a new total quantity and
    /// price; false if it is not open. The local copy of the order takes the new values
    /// at once; execution applies them after the latency (a price change or a size
    /// increase loses time priority) or answers with a status report whose `refused`
    /// says why not.
    pub fn amend(&mut self, id: ClientOrderId, qty: f64, px: f64) -> bool {
        let Some(open) = self.open.get_mut(&id) else {
            return false;
        };
        open.order.qty = qty;
        open.order.limit_px = Some(px);
        let symbol = open.order.symbol;
        self.cancels.push(Cancel::amend(self.id, id, symbol, qty, px, self.now));
        true
    }

    /// Asks execution to cancel every open order of this strategy in `symbol`, in one
    /// request.
    pub fn cancel_symbol(&mut self, symbol: Symbol) {
        self.cancels.push(Cancel::all(self.id, symbol, self.now));
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
        apply_to(&mut self.positions, &mut self.open, &self.instruments, update);
    }

    /// Whether this view, with the `pending` updates it has yet to apply, holds
    /// exactly execution's `positions` and `open` orders (flat positions aside): after
    /// a replay, the check that it rebuilt the same.
    pub(crate) fn agrees_with<'a>(
        &self,
        pending: impl IntoIterator<Item = &'a OrderUpdate>,
        positions: &HashMap<Symbol, Holding>,
        open: &[OpenOrder],
    ) -> bool {
        let (mut mine, mut mine_open) = (self.positions.clone(), self.open.clone());
        for update in pending {
            apply_to(&mut mine, &mut mine_open, &self.instruments, update);
        }
        let held = |m: &HashMap<Symbol, Holding>| -> HashMap<Symbol, Holding> {
            m.iter().filter(|(_, h)| **h != Holding::default()).map(|(s, h)| (*s, *h)).collect()
        };
        let theirs: BTreeMap<ClientOrderId, &OpenOrder> =
            open.iter().map(|o| (o.order.client_order_id, o)).collect();
        held(&mine) == held(positions) && mine_open.values().eq(theirs.into_values())
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

/// Applies one of execution's updates to a view of positions and open orders.
fn apply_to(
    positions: &mut HashMap<Symbol, Holding>,
    open: &mut BTreeMap<ClientOrderId, OpenOrder>,
    instruments: &InstrumentTable,
    update: &OrderUpdate,
) {
    if let Some(fill) = &update.last_fill {
        // Execution's rule, so that this view and execution's positions agree.
        let terms = instruments.get(update.symbol).map(Terms::of).unwrap_or_default();
        positions.entry(update.symbol).or_default().apply_fill(fill, terms);
    }
    if update.status.is_terminal() {
        open.remove(&update.client_order_id);
    } else if let Some(open) = open.get_mut(&update.client_order_id) {
        open.status = update.status;
        open.filled_qty = update.filled_qty;
    }
}

#[cfg(test)]
mod tests {
    use mycelium_execution::CancelAction;

    use super::*;

    #[test]
    fn an_amend_and_a_symbol_cancel_are_sent_as_one_request_each() {
        let btc = Symbol::new("BTCUSDT").expect("symbol");
        let mut ctx = StrategyContext::new(StrategyId(7), 0);
        let bid = ctx.limit(btc, Side::Buy, 0.5, 64_000.0);
        assert!(!ctx.amend(ClientOrderId(99), 1.0, 1.0), "not an open order");
        assert!(ctx.amend(bid, 0.4, 63_900.0));
        let open = ctx.open_orders().next().expect("still open").order.clone();
        assert_eq!((open.qty, open.limit_px), (0.4, Some(63_900.0)), "the local copy follows");
        ctx.cancel_symbol(btc);
        let (_, cancels) = ctx.take_outbox();
        let actions: Vec<_> = cancels.iter().map(|c| (c.client_order_id, c.action)).collect();
        assert_eq!(
            actions,
            [
                (bid, CancelAction::Amend { qty: 0.4, limit_px: 63_900.0 }),
                (ClientOrderId(0), CancelAction::CancelAll)
            ]
        );
        assert!(cancels.iter().all(|c| c.symbol == btc && c.strategy == StrategyId(7)));
    }
}
