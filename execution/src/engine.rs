//! [`ExecutionEngine`]: pre-trade risk, the simulated exchange and positions, driven by
//! explicit, synchronous calls. The same calls in the same order give the same updates.

use mycelium_market_data::{Instrument, InstrumentTable, MarketTick, Symbol};
use serde::{Deserialize, Serialize};

use crate::latency_model::OrderLatency;
use crate::matching::{ExchangeConfig, OrderState, SimulatedExchange};
use crate::order::{Cancel, CancelAction, ClientOrderId, Order, OrderUpdate, StrategyId};
use crate::positions::{FeeSchedule, Position, Positions};
use crate::risk::{RiskChecker, RiskLimits};
use crate::stats::ExecutionStats;

/// Everything the engine needs. Deserializes with every section optional, e.g. from
/// TOML:
///
/// ```toml
/// [risk]
/// max_order_qty = 50.0
/// [exchange]
/// order_latency_ns = 250000
/// [fees]
/// taker_bps = 2.0
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutionConfig {
    /// Pre-trade limits.
    pub risk: RiskLimits,
    /// Simulated exchange.
    pub exchange: ExchangeConfig,
    /// Fee overrides (the instruments' own rates apply otherwise).
    pub fees: FeeSchedule,
    /// Instrument definitions: how each symbol's fills settle and what they pay.
    pub instruments: InstrumentsConfig,
}

/// Instrument definitions: `[[instrument]]` entries laid over the shipped table, plus an
/// optional default for symbols neither lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstrumentsConfig {
    /// Start from [`InstrumentTable::shipped`] (the venues' conventions).
    pub shipped: bool,
    /// Definitions that add to or replace the shipped ones.
    pub instrument: Vec<Instrument>,
    /// The instrument of a symbol nothing else defines (boxed: the config travels in
    /// messages, and is mostly without one).
    pub default: Option<Box<Instrument>>,
}

impl Default for InstrumentsConfig {
    fn default() -> Self {
        Self { shipped: true, instrument: Vec::new(), default: None }
    }
}

impl InstrumentsConfig {
    /// The table these settings describe.
    pub fn table(&self) -> InstrumentTable {
        let mut table =
            if self.shipped { InstrumentTable::shipped() } else { InstrumentTable::new() };
        for i in &self.instrument {
            table.insert(i.clone());
        }
        table.set_default(self.default.as_deref().cloned());
        table
    }
}

/// Risk + simulated exchange + positions.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct ExecutionEngine {
    risk: RiskChecker,
    exchange: SimulatedExchange,
    positions: Positions,
}

impl ExecutionEngine {
    /// A fresh engine.
    pub fn new(config: ExecutionConfig) -> Self {
        let instruments = config.instruments.table();
        let mut exchange = SimulatedExchange::new(config.exchange);
        exchange.set_instruments(instruments.clone());
        load_latency(&mut exchange);
        Self {
            risk: RiskChecker::new(config.risk),
            exchange,
            positions: Positions::new(config.fees, instruments),
        }
    }

    /// Puts `config` back on an engine restored from a snapshot (which does not hold
    /// it).
    pub(crate) fn configure(&mut self, config: &ExecutionConfig) {
        self.risk.set_limits(config.risk.clone());
        let instruments = config.instruments.table();
        self.exchange.set_config(config.exchange.clone());
        self.exchange.set_instruments(instruments.clone());
        load_latency(&mut self.exchange);
        self.positions.configure(config.fees, instruments);
    }

    /// Submits an order. Answers at once with one update: the current status of a
    /// known order (resend), or `Accepted`, or `Rejected(reason)`.
    ///
    /// The order is first put on the decimal grid of the books' fixed point
    /// ([`Order::on_decimal_grid`]). Order of checks: resend/duplicate id (exchange
    /// records), then the exchange's
    /// shape, symbol and market checks, then risk (see [`crate::risk`]) with the
    /// strategy's worst-case position (filled, plus the working quantity of its open
    /// orders on the order's side), the reference price, and the order's
    /// `reacted_to` time.
    pub fn submit(&mut self, order: Order) -> Vec<OrderUpdate> {
        let order = order.on_decimal_grid();
        if let Some(answer) = self.exchange.resubmission(&order) {
            return answer;
        }
        if let Err(reason) = self.exchange.precheck(&order) {
            return self.exchange.reject(order, reason);
        }
        let filled = self.positions.get(order.strategy, order.symbol).qty.to_f64();
        let working = self.exchange.working_qty(order.strategy, order.symbol, order.side);
        let position = filled + order.sign() * working;
        let reference = self.exchange.reference_price(order.symbol);
        let now = order.reacted_to.exchange_ts_ns;
        let instrument = self.positions.instrument(order.symbol);
        match self.risk.check(&order, position, reference, instrument, now) {
            Ok(()) => self.exchange.submit(order),
            Err(reason) => self.exchange.reject(order, reason),
        }
    }

    /// Requests a cancel, an amend or a cancel-all (effective after the latency; see
    /// [`crate::matching`]). An amend's replacement (the order at its new quantity and
    /// price) must pass the risk checks that need no history
    /// ([`RiskChecker::check_amend`]), or the amend is refused with the reason.
    pub fn cancel(&mut self, cancel: Cancel) -> Vec<OrderUpdate> {
        let cancel = cancel.on_decimal_grid();
        if let CancelAction::Amend { qty, limit_px } = cancel.action {
            let key = cancel.client_order_id;
            let open =
                self.exchange.order(cancel.strategy, key).filter(|s| !s.status.is_terminal());
            if let Some(state) = open {
                let replacement = Order { qty, limit_px: Some(limit_px), ..state.order.clone() };
                let position = self.positions.get(cancel.strategy, cancel.symbol).qty.to_f64();
                let reference = self.exchange.reference_price(cancel.symbol);
                let instrument = self.positions.instrument(cancel.symbol);
                let check = self.risk.check_amend(&replacement, position, reference, instrument);
                if let Err(reason) = check {
                    let update = state.update(None, cancel.reacted_to.exchange_ts_ns);
                    self.exchange.count_cancel_request();
                    return vec![self.exchange.refuse(update, reason)];
                }
            }
        }
        self.exchange.cancel(cancel)
    }

    /// Feeds one tick; returns the updates it caused (fills are applied to positions).
    pub fn on_tick(&mut self, tick: &MarketTick) -> Vec<OrderUpdate> {
        let updates = self.exchange.on_tick(tick);
        self.book_fills(&updates);
        updates
    }

    /// Moves the exchange clock to `ts_ns` without a tick (e.g. at the end of a replay),
    /// applying the orders and cancels due by then.
    pub fn advance_to(&mut self, ts_ns: i64) -> Vec<OrderUpdate> {
        let updates = self.exchange.advance_to(ts_ns);
        self.book_fills(&updates);
        updates
    }

    fn book_fills(&mut self, updates: &[OrderUpdate]) {
        for u in updates {
            if let Some(fill) = &u.last_fill {
                self.positions.apply(u.strategy, u.symbol, fill);
            }
        }
    }

    /// The positions' books: fee overrides, instruments, each fill's fee.
    pub fn books(&self) -> &Positions {
        &self.positions
    }

    /// The strategy's position in `symbol` (flat if it never traded).
    pub fn position(&self, strategy: StrategyId, symbol: Symbol) -> Position {
        self.positions.get(strategy, symbol)
    }

    /// Every position that traded, by strategy then symbol.
    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.iter()
    }

    /// The mark price of `symbol` for unrealized PnL: mid, else last trade.
    pub fn mark(&self, symbol: Symbol) -> Option<f64> {
        self.exchange.reference_price(symbol)
    }

    /// The strategy's open orders (including those in flight), by client order id.
    pub fn open_orders(&self, strategy: StrategyId) -> Vec<OrderState> {
        self.exchange.open_orders(strategy)
    }

    /// An order's state, if execution still remembers it.
    pub fn order(&self, strategy: StrategyId, id: ClientOrderId) -> Option<&OrderState> {
        self.exchange.order(strategy, id)
    }

    /// Orders, fills, cancels, rejects by reason.
    pub fn stats(&self) -> &ExecutionStats {
        self.exchange.stats()
    }

    /// The risk checker.
    pub fn risk(&self) -> &RiskChecker {
        &self.risk
    }

    /// The simulated exchange.
    pub fn exchange(&self) -> &SimulatedExchange {
        &self.exchange
    }
}

/// Reads the latency files the exchange's config names. A config is checked before a run
/// starts (an unreadable file is a config error there); one that goes missing after
/// that leaves the config's constants in force, logged.
fn load_latency(exchange: &mut SimulatedExchange) {
    let Some(config) = exchange.config().latency.clone() else {
        return;
    };
    match OrderLatency::from_config(&config) {
        Ok(latency) => exchange.set_latency(latency),
        Err(e) => tracing::error!(%e, "order latency file unreadable; the constants stay in force"),
    }
}
