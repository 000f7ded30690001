//! The [`SimulatedExchange`]: order lifecycle and matching against the market data, in
//! exchange time.
//!
//! # Time
//!
//! An order (or cancel) whose `reacted_to.exchange_ts_ns` is `T` reaches the exchange at
//! `A = T + entry(T)`: [`ExchangeConfig::order_latency_ns`], or the entry latency of
//! [`ExchangeConfig::latency`] (constant or interpolated from a recorded file; a negative
//! one, a rejected row, refuses the request `ExchangeRefused`). An answer the exchange
//! produces at `X` reaches its strategy at `X + response(X)` (0 unless `latency` sets
//! it): the execution actor's books hold it until the clock passes that time
//! ([`Books`](crate::Books)). It is applied when the market-data clock passes `A`: on the
//! first tick with `exchange_ts_ns >= A` (or [`SimulatedExchange::advance_to`]), *before*
//! that tick's own content, against the book as it stood after the previous tick. Events
//! due at the same time apply in submission order. The clock is the largest tick time
//! seen, so a tick older than the clock updates the book but never goes back in time.
//! Driven in lockstep (each tick, then the orders reacting to it), a run is deterministic
//! and independent of wall-clock arrival; an order that arrives after the clock has
//! passed its `A` applies on the next tick, against the then-current book.
//!
//! # Fill rules
//!
//! (Also in `execution/FILL_RULES.md`, as a table.)
//!
//! The touch is the top of book of the last [`Quote`](mycelium_market_data::Quote) tick;
//! a displayed size of `0` means "unknown" and is taken as unlimited. Depth ticks keep
//! the levels behind it (`depth.rs`; the market-data adapter follows each depth event
//! with a book-derived quote, the touch). Rules for a buy (sells are the mirror image,
//! against the bid, with trades at or *above* the limit):
//!
//! 1. **On arrival**, a market buy, or a limit/IOC buy with `limit >= best ask`, takes
//!    the ask size left at the **best ask price**, then **walks the levels** behind it
//!    (from depth ticks, where the data has them), each at its own price and size left,
//!    up to its limit, until its leaves are filled (taker; one fill per level). The
//!    rest: market and IOC are **cancelled**; a limit **rests** at its limit price. A
//!    non-marketable IOC is cancelled unfilled; a non-marketable limit rests. A market
//!    order finding no opposite side is cancelled unfilled.
//! 2. **Liquidity taken** by simulated orders is removed from the simulated book: at the
//!    touch until the next quote replaces it, behind it until a depth tick sets that
//!    level again, so two orders cannot both take the same size.
//! 3. **Resting, on a quote**: when the ask moves to or below a resting buy's limit, the
//!    buy fills `min(leaves, ask size left)` at **its limit price** (maker).
//! 4. **Resting, on a trade**: a trade printing below a resting buy's limit (through it)
//!    fills it `min(leaves, trade qty left)`; one printing at its limit first consumes the
//!    queue ahead of it (rule 7) and fills it only for the quantity beyond, `min(leaves,
//!    beyond, trade qty left)`. Either at **its limit price** (maker). One print's
//!    quantity (unlimited if `0`, i.e. unknown) is shared by all the resting orders it
//!    crosses (buys first, then sells).
//! 5. **Priority** among resting orders of a symbol: best limit price, then arrival.
//! 6. Each fill yields `PartiallyFilled` (leaves left) or `Filled`, with the cumulative
//!    `filled_qty`; a market/IOC remainder then yields `Cancelled`.
//! 7. **Queue position** of a resting order (`queue.rs`, by the [`QueueModel`] set in
//!    [`ExchangeConfig::queue`], risk-averse by default): it joins behind the size
//!    displayed at its price (at the same side's touch; nothing ahead at a price better
//!    than the touch; an unseen quantity behind the touch, cut to its level's size when
//!    that level is next the touch). Prints at its price consume the queue ahead first;
//!    size decreases at its level move it up by the model; a level emptied at the venue
//!    puts it first. A print of unknown size fills it only at the front of its queue.
//!
//! # Order types and options
//!
//! (Each with its test, in `execution/FILL_RULES.md`.)
//!
//! - **Post-only**: on arrival, one whose limit crosses the opposite touch is rejected
//!   `WouldTake` ([`PostOnly::Reject`], the default) or repriced one tick behind the
//!   touch and rested ([`PostOnly::Reprice`]); otherwise it rests.
//! - **FOK**: on arrival, fills its whole quantity if the levels within its limit hold
//!   it (walking them as rule 1), else is cancelled unfilled.
//! - **GTD**: an expiry is scheduled like a cancel at the order's expiry time; what is
//!   left then is `Expired`.
//! - **Reduce-only**: cut at submit to the filled position it reduces (rejected
//!   `ReduceOnlyNoPosition` with none); every fill is capped at what is left to reduce.
//! - **Amend** (cancel-replace) and **cancel-all**: scheduled after the latency like a
//!   cancel. An amend that changes the price or increases the size takes a new arrival
//!   number (loses time priority); a size decrease keeps it.
//!
//! # Lifecycle and deduplication
//!
//! `submit` answers at once: `Accepted`, or `Rejected(reason)`. Fills and cancels come
//! from [`on_tick`](SimulatedExchange::on_tick)/[`advance_to`](SimulatedExchange::advance_to).
//! A cancel of an open order takes effect after the latency (`Cancelled`, leaves 0); a
//! cancel of a finished order, at the call or when it takes effect, is answered with a
//! status report of its final state; a cancel of an unknown order with
//! `Rejected(UnknownOrder)`. Orders are keyed by (strategy, client order id): resending
//! the *same* order (every field equal) returns its current status and never executes
//! twice; a *different* order with a used id gets `Rejected(DuplicateClientOrderId)`
//! (the existing order is untouched). Open orders are always remembered; finished ones
//! for the last [`ExchangeConfig::max_terminal_orders`].

mod apply;
mod depth;
mod market;
mod queue;
mod store;

use std::collections::BTreeMap;

use mycelium_market_data::{InstrumentTable, MarketTick, Qty, Side, Symbol, TickEvent};
use serde::{Deserialize, Serialize};

use crate::latency_model::{Latency, OrderLatency, OrderLatencyConfig};
use crate::order::{
    Cancel, CancelAction, ClientOrderId, Order, OrderStatus, OrderType, OrderUpdate, RejectReason,
    StrategyId,
};
use crate::queue_model::QueueModel;
use crate::stats::ExecutionStats;
use depth::Depth;
use market::{displayed, MarketState};
pub use store::OrderState;
use store::{OrderKey, OrderStore, Record, RestingBooks};

/// Configuration of the [`SimulatedExchange`]. Deserializes with every field optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangeConfig {
    /// Time from the tick an order reacted to until it reaches the exchange, in
    /// exchange-time ns. Default `100_000` (100 µs). [`latency`](Self::latency), when
    /// set, takes its place.
    pub order_latency_ns: i64,
    /// Order entry and response latency, each constant or interpolated from a recorded
    /// latency file ([`OrderLatencyConfig`]; TOML `[execution.exchange.latency]` with
    /// `entry = { constant_ns = 100000 }`, `response = { file = "latency.csv" }`). Unset
    /// (the default): entry is `order_latency_ns` and answers reach strategies at once.
    pub latency: Option<OrderLatencyConfig>,
    /// Tradable symbols; empty (the default) means any symbol.
    #[serde(with = "crate::serde_util::symbols")]
    pub symbols: Vec<Symbol>,
    /// How many finished orders are remembered for resend deduplication. Default `65_536`.
    pub max_terminal_orders: usize,
    /// What a post-only order that would take on arrival becomes. Default: rejected.
    pub post_only: PostOnly,
    /// How a resting order advances in its price level's queue (FILL_RULES.md, "Queue
    /// position"). Default: risk-averse (only trades at its price advance it).
    pub queue: QueueModel,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            order_latency_ns: 100_000,
            latency: None,
            symbols: Vec::new(),
            max_terminal_orders: 65_536,
            post_only: PostOnly::Reject,
            queue: QueueModel::RiskAverse,
        }
    }
}

/// What a post-only order that would take liquidity on arrival becomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostOnly {
    /// Rejected `WouldTake` (the default: the venues' GTX).
    #[default]
    Reject,
    /// Repriced one tick behind the touch (a buy to the best ask minus one tick) and
    /// rested there; rejected `WouldTake` when the symbol has no instrument (no tick).
    Reprice,
}

/// A scheduled order arrival, cancel, amend, cancel-all or expiry.
#[derive(Debug, Clone, Copy, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
enum Pending {
    Activate(OrderKey),
    Cancel(OrderKey),
    Amend { key: OrderKey, qty: f64, limit_px: f64 },
    CancelAll(StrategyId, Symbol),
    Expire(OrderKey),
}

/// A deterministic simulated exchange (see the [module docs](self) for the rules).
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct SimulatedExchange {
    /// Not in a snapshot: the engine restoring one supplies its own.
    #[rkyv(with = rkyv::with::Skip)]
    config: ExchangeConfig,
    #[rkyv(with = rkyv::with::AsVec)]
    markets: BTreeMap<Symbol, MarketState>,
    /// The levels behind each symbol's touch, from depth ticks (none for quote-only data).
    #[rkyv(with = rkyv::with::AsVec)]
    depths: BTreeMap<Symbol, Depth>,
    store: OrderStore,
    #[rkyv(with = rkyv::with::AsVec)]
    resting: RestingBooks,
    /// Keyed by (due time, arrival number).
    #[rkyv(with = rkyv::with::AsVec)]
    pending: BTreeMap<(i64, u64), Pending>,
    next_arrival: u64,
    clock_ns: Option<i64>,
    stats: ExecutionStats,
    /// Each strategy's filled position per symbol, in fixed point: what a reduce-only
    /// order may reduce at each fill.
    #[rkyv(with = rkyv::with::AsVec)]
    net: BTreeMap<(StrategyId, Symbol), Qty>,
    /// Not in a snapshot, like `config`: tick sizes for repricing post-only orders.
    #[rkyv(with = rkyv::with::Skip)]
    instruments: InstrumentTable,
    /// Not in a snapshot, like `config`: entry and response latency, from the config
    /// (its files loaded by [`set_latency`](Self::set_latency)).
    #[rkyv(with = rkyv::with::Skip)]
    latency: OrderLatency,
}

impl SimulatedExchange {
    /// An exchange with no market data and no orders.
    pub fn new(config: ExchangeConfig) -> Self {
        let store = OrderStore::new(config.max_terminal_orders);
        Self {
            markets: BTreeMap::new(),
            depths: BTreeMap::new(),
            store,
            resting: RestingBooks::new(),
            pending: BTreeMap::new(),
            next_arrival: 0,
            clock_ns: None,
            stats: ExecutionStats::default(),
            net: BTreeMap::new(),
            instruments: InstrumentTable::new(),
            latency: constant_latency(&config),
            config,
        }
    }

    pub(crate) fn set_config(&mut self, config: ExchangeConfig) {
        self.store.set_max_terminal(config.max_terminal_orders);
        self.latency = constant_latency(&config);
        self.config = config;
    }

    /// Sets the entry and response latency (loaded from the config's
    /// [`latency`](ExchangeConfig::latency), its files read).
    pub fn set_latency(&mut self, latency: OrderLatency) {
        self.latency = latency;
    }

    /// When the strategy receives an answer the exchange produced at `exch_ts_ns`.
    pub fn answer_reaches_strategy_at(&self, exch_ts_ns: i64) -> i64 {
        exch_ts_ns.saturating_add(self.latency.response(exch_ts_ns).max(0))
    }

    /// Sets the instruments whose tick sizes a repriced post-only order uses.
    pub fn set_instruments(&mut self, instruments: InstrumentTable) {
        self.instruments = instruments;
    }

    /// How much of its filled position in `symbol` `strategy` can reduce with an order
    /// on `side`: the position's size when it is on the other side, else 0.
    pub fn reducible(&self, strategy: StrategyId, symbol: Symbol, side: Side) -> f64 {
        let net = self.net.get(&(strategy, symbol)).copied().unwrap_or_default();
        match side {
            Side::Buy if net.raw() < 0 => net.abs().to_f64(),
            Side::Sell if net.raw() > 0 => net.to_f64(),
            _ => 0.0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ExchangeConfig {
        &self.config
    }

    /// The exchange clock: the largest tick time (or `advance_to` time) seen.
    pub fn now_ns(&self) -> Option<i64> {
        self.clock_ns
    }

    /// Counters.
    pub fn stats(&self) -> &ExecutionStats {
        &self.stats
    }

    /// The symbol's reference price: mid when both sides are quoted, else the last trade.
    pub fn reference_price(&self, symbol: Symbol) -> Option<f64> {
        self.markets.get(&symbol)?.reference_price()
    }

    /// An order known to the exchange (open, or among the remembered finished ones).
    pub fn order(&self, strategy: StrategyId, id: ClientOrderId) -> Option<&OrderState> {
        self.store.get(&(strategy, id)).map(|r| &r.state)
    }

    /// The strategy's open orders (including those still in flight), by client order id.
    pub fn open_orders(&self, strategy: StrategyId) -> Vec<OrderState> {
        self.store.open_of(strategy).cloned().collect()
    }

    /// Leaves quantity of the strategy's open orders in `symbol` on `side`.
    pub fn working_qty(&self, strategy: StrategyId, symbol: Symbol, side: Side) -> f64 {
        let mine = |s: &&OrderState| s.order.symbol == symbol && s.order.side == side;
        self.store.open_of(strategy).filter(mine).map(|s| s.leaves_qty).sum()
    }

    /// If the order's id is known for its strategy, the answer: the order's current
    /// status when `order` is the same order (a resend), else a
    /// `Rejected(DuplicateClientOrderId)`. `None` for a new id.
    pub fn resubmission(&mut self, order: &Order) -> Option<Vec<OrderUpdate>> {
        let record = self.store.get(&(order.strategy, order.client_order_id))?;
        let ts = order.reacted_to.exchange_ts_ns;
        if record.state.order.same_as(order) {
            self.stats.resends += 1;
            Some(vec![record.state.update(None, ts)])
        } else {
            self.stats.count_order(order.strategy, order.symbol);
            let reason = RejectReason::DuplicateClientOrderId;
            self.stats.count_reject(order.strategy, order.symbol, reason);
            Some(vec![rejection(order, RejectReason::DuplicateClientOrderId)])
        }
    }

    /// The exchange's own checks: shape, known symbol, and for a market order a quote
    /// on the side it would take.
    pub fn precheck(&self, order: &Order) -> Result<(), RejectReason> {
        order.validate()?;
        if !self.config.symbols.is_empty() && !self.config.symbols.contains(&order.symbol) {
            return Err(RejectReason::UnknownSymbol);
        }
        if order.kind == OrderType::Market {
            let quoted = self.markets.get(&order.symbol).and_then(|m| match order.side {
                Side::Buy => m.ask,
                Side::Sell => m.bid,
            });
            if quoted.is_none() {
                return Err(RejectReason::NoMarket);
            }
        }
        Ok(())
    }

    /// Rejects a new order for `reason` (e.g. a risk check) and remembers it, so that a
    /// resend gets the same answer.
    pub fn reject(&mut self, order: Order, reason: RejectReason) -> Vec<OrderUpdate> {
        if let Some(answer) = self.resubmission(&order) {
            return answer;
        }
        self.stats.count_order(order.strategy, order.symbol);
        self.stats.count_reject(order.strategy, order.symbol, reason);
        let update = rejection(&order, reason);
        let key = (order.strategy, order.client_order_id);
        let state = OrderState {
            active_at_ns: order.reacted_to.exchange_ts_ns,
            order,
            status: OrderStatus::Rejected(reason),
            filled_qty: 0.0,
            leaves_qty: 0.0,
            active: false,
        };
        let arrival = self.arrival();
        self.store.insert(key, Record { state, arrival });
        vec![update]
    }

    /// Submits an order: a resend is answered with its status; otherwise the
    /// [`precheck`](Self::precheck) runs and the order is `Accepted` (scheduled to reach
    /// the exchange after the latency) or `Rejected`. No risk checks here: the
    /// [`ExecutionEngine`](crate::ExecutionEngine) runs them before.
    ///
    /// A reduce-only order is cut to the filled position it reduces (its leaves quantity
    /// is the cut size), or rejected `ReduceOnlyNoPosition` when there is none. A
    /// good-till-date order is scheduled to expire at its expiry time.
    pub fn submit(&mut self, order: Order) -> Vec<OrderUpdate> {
        if let Some(answer) = self.resubmission(&order) {
            return answer;
        }
        if let Err(reason) = self.precheck(&order) {
            return self.reject(order, reason);
        }
        let mut leaves = order.qty;
        if order.options.reduce_only {
            let reducible = self.reducible(order.strategy, order.symbol, order.side);
            if reducible <= 0.0 {
                return self.reject(order, RejectReason::ReduceOnlyNoPosition);
            }
            leaves = leaves.min(reducible);
        }
        let ts = order.reacted_to.exchange_ts_ns;
        let entry = self.latency.entry(ts);
        if entry < 0 {
            return self.reject(order, RejectReason::ExchangeRefused);
        }
        self.stats.count_order(order.strategy, order.symbol);
        self.stats.accepted += 1;
        self.stats.accepted_qty += leaves;
        let key = (order.strategy, order.client_order_id);
        let due = ts.saturating_add(entry);
        let expiry = order.options.expire_at_ns;
        let state = OrderState {
            leaves_qty: leaves,
            order,
            status: OrderStatus::Accepted,
            filled_qty: 0.0,
            active_at_ns: due,
            active: false,
        };
        let update = state.update(None, ts);
        let arrival = self.arrival();
        self.store.insert(key, Record { state, arrival });
        self.pending.insert((due, arrival), Pending::Activate(key));
        if let Some(at) = expiry {
            let arrival = self.arrival();
            self.pending.insert((at, arrival), Pending::Expire(key));
        }
        vec![update]
    }

    /// Requests a cancel, an amend or a cancel-all, effective after the latency (see the
    /// [module docs](self)).
    pub fn cancel(&mut self, cancel: Cancel) -> Vec<OrderUpdate> {
        self.stats.cancel_requests += 1;
        let key = (cancel.strategy, cancel.client_order_id);
        let ts = cancel.reacted_to.exchange_ts_ns;
        let entry = self.latency.entry(ts);
        if entry < 0 {
            // Refused by the exchange: the order works on, unchanged.
            let reason = RejectReason::ExchangeRefused;
            return match self.store.get(&key) {
                Some(record) if cancel.action != CancelAction::CancelAll => {
                    let update = record.state.update(None, ts);
                    vec![self.refuse(update, reason)]
                }
                _ => {
                    self.stats.count_reject(cancel.strategy, cancel.symbol, reason);
                    Vec::new()
                }
            };
        }
        let due = ts.saturating_add(entry);
        if cancel.action == CancelAction::CancelAll {
            let arrival = self.arrival();
            self.pending.insert((due, arrival), Pending::CancelAll(cancel.strategy, cancel.symbol));
            return Vec::new();
        }
        let Some(record) = self.store.get(&key) else {
            let reason = RejectReason::UnknownOrder;
            self.stats.count_reject(cancel.strategy, cancel.symbol, reason);
            return vec![OrderUpdate {
                client_order_id: cancel.client_order_id,
                strategy: cancel.strategy,
                symbol: cancel.symbol,
                status: OrderStatus::Rejected(RejectReason::UnknownOrder),
                filled_qty: 0.0,
                last_fill: None,
                leaves_qty: 0.0,
                ts_ns: ts,
                refused: None,
            }];
        };
        let pending = match cancel.action {
            CancelAction::Amend { .. } if record.state.status.is_terminal() => {
                let update = record.state.update(None, ts);
                return vec![self.refuse(update, RejectReason::OrderFinished)];
            }
            CancelAction::Amend { qty, limit_px } => {
                if record.state.order.kind != OrderType::Limit {
                    let update = record.state.update(None, ts);
                    return vec![self.refuse(update, RejectReason::InvalidOrder)];
                }
                Pending::Amend { key, qty, limit_px }
            }
            _ if record.state.status.is_terminal() => {
                self.stats.late_cancels += 1;
                return vec![record.state.update(None, ts)];
            }
            _ => Pending::Cancel(key),
        };
        let arrival = self.arrival();
        self.pending.insert((due, arrival), pending);
        Vec::new()
    }

    /// Counts a cancel request answered before it reaches [`cancel`](Self::cancel).
    pub(crate) fn count_cancel_request(&mut self) {
        self.stats.cancel_requests += 1;
    }

    /// `update` (a status report) as the answer to a refused amend, counted as a reject.
    pub(crate) fn refuse(&mut self, update: OrderUpdate, reason: RejectReason) -> OrderUpdate {
        self.stats.count_reject(update.strategy, update.symbol, reason);
        OrderUpdate { refused: Some(reason), ..update }
    }

    /// Feeds one tick: first applies the orders and cancels due by its time, then the
    /// tick itself (which may fill resting orders).
    pub fn on_tick(&mut self, tick: &MarketTick) -> Vec<OrderUpdate> {
        let mut out = self.advance_to(tick.exchange_ts_ns);
        let ts = tick.exchange_ts_ns;
        let symbol = tick.symbol;
        match &tick.event {
            TickEvent::Quote(q) => {
                let market = self.markets.entry(symbol).or_default();
                let was = (market.bid, market.ask);
                market.apply_quote(q);
                let (bid, ask) = (market.bid, market.ask);
                // An unchanged touch changes no queue (most depth events move other levels).
                if (bid, ask) != was {
                    self.queue_on_quote(symbol, bid, ask);
                }
                if let Some(mut ask) = ask {
                    let buys = (Side::Buy, ask.px, false);
                    self.match_resting(symbol, buys, &mut ask.avail, ts, &mut out);
                    self.market(symbol).ask = Some(ask);
                }
                if let Some(mut bid) = bid {
                    let sells = (Side::Sell, bid.px, false);
                    self.match_resting(symbol, sells, &mut bid.avail, ts, &mut out);
                    self.market(symbol).bid = Some(bid);
                }
            }
            TickEvent::Trade(t) if t.px.is_finite() && t.px > 0.0 => {
                self.market(symbol).last_trade = Some(t.px);
                let mut avail = displayed(t.qty);
                self.match_resting(symbol, (Side::Buy, t.px, true), &mut avail, ts, &mut out);
                self.match_resting(symbol, (Side::Sell, t.px, true), &mut avail, ts, &mut out);
            }
            TickEvent::Depth(update) => self.depths.entry(symbol).or_default().apply(update),
            TickEvent::Trade(_) => {}
        }
        out
    }

    /// Moves the clock to `ts_ns` (if later) and applies the orders and cancels due by
    /// then, against the current book.
    pub fn advance_to(&mut self, ts_ns: i64) -> Vec<OrderUpdate> {
        let now = self.clock_ns.map_or(ts_ns, |c| c.max(ts_ns));
        self.clock_ns = Some(now);
        let mut out = Vec::new();
        while let Some(entry) = self.pending.first_entry() {
            let (due, _) = *entry.key();
            if due > now {
                break;
            }
            match entry.remove() {
                Pending::Activate(key) => self.activate(key, due, &mut out),
                Pending::Cancel(key) => self.apply_cancel(key, due, &mut out),
                Pending::Amend { key, qty, limit_px } => {
                    self.apply_amend(key, (qty, limit_px), due, &mut out)
                }
                Pending::CancelAll(strategy, symbol) => {
                    self.apply_cancel_all(strategy, symbol, due, &mut out)
                }
                Pending::Expire(key) => self.expire(key, due, &mut out),
            }
        }
        out
    }

    fn arrival(&mut self) -> u64 {
        self.next_arrival += 1;
        self.next_arrival
    }

    fn market(&mut self, symbol: Symbol) -> &mut MarketState {
        self.markets.entry(symbol).or_default()
    }
}

/// The latency of a config before its files are loaded: `order_latency_ns` to enter,
/// answers at once (or the config's constants).
fn constant_latency(config: &ExchangeConfig) -> OrderLatency {
    use crate::latency_model::LatencySetting::ConstantNs;
    let constant = |setting: Option<&crate::latency_model::LatencySetting>, default| match setting {
        Some(ConstantNs(ns)) => Latency::Constant(*ns),
        _ => Latency::Constant(default),
    };
    let latency = config.latency.as_ref();
    OrderLatency::new(
        constant(latency.map(|l| &l.entry), config.order_latency_ns),
        constant(latency.map(|l| &l.response), 0),
    )
}

/// The reject update of `order`.
fn rejection(order: &Order, reason: RejectReason) -> OrderUpdate {
    OrderUpdate {
        client_order_id: order.client_order_id,
        strategy: order.strategy,
        symbol: order.symbol,
        status: OrderStatus::Rejected(reason),
        filled_qty: 0.0,
        last_fill: None,
        leaves_qty: 0.0,
        ts_ns: order.reacted_to.exchange_ts_ns,
        refused: None,
    }
}
