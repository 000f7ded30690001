//! [`ExchangeSim`]: the [`SimulatedExchange`] itself, fed the derived L2 stream as a
//! replay feeds it (depth ticks, each followed by the book-derived quote, and trades),
//! with the quoting rule's orders as post-only limits; so the table measures the queue
//! rules a backtest runs, not only the models on their own.

use mycelium_market_data::l3::{Grid, Lots, OrderId, Ticks};
use mycelium_market_data::{MarketTick, OrderBook, Side, Symbol, TickEvent};

use super::fills::FillLog;
use crate::matching::{ExchangeConfig, SimulatedExchange};
use crate::order::{Cancel, ClientOrderId, Order, OrderUpdate, StrategyId, TickStamp};
use crate::queue_model::QueueModel;

/// The quoting rule's one strategy.
const QUOTER: StrategyId = StrategyId(1);

/// The simulated exchange under one queue model (see the [module docs](self)).
#[derive(Debug)]
pub struct ExchangeSim {
    model: QueueModel,
    grid: Grid,
    symbol: Symbol,
    exchange: SimulatedExchange,
    /// The L2 book the depth ticks build, whose top is each quote (as the adapter's).
    book: OrderBook,
    fills: FillLog,
}

impl ExchangeSim {
    /// An exchange under `model` with no latency of its own (orders are handed to it as
    /// they arrive), reading prices and sizes on `grid`.
    pub fn new(model: QueueModel, grid: Grid, symbol: Symbol) -> Self {
        let config =
            ExchangeConfig { order_latency_ns: 0, queue: model, ..ExchangeConfig::default() };
        Self {
            model,
            grid,
            symbol,
            exchange: SimulatedExchange::new(config),
            book: OrderBook::new(),
            fills: FillLog::default(),
        }
    }

    /// The model.
    pub fn model(&self) -> QueueModel {
        self.model
    }

    /// Its fills so far.
    pub fn fills(&self) -> &FillLog {
        &self.fills
    }

    /// Order `id` reaches the exchange at `at_ns`: a post-only limit at `px`.
    pub fn place(&mut self, id: OrderId, (side, px, qty): (Side, Ticks, Lots), at_ns: i64) {
        let level = self.grid.level(px, qty);
        let stamp = TickStamp { exchange_ts_ns: at_ns, seq: 0 };
        let order = Order::limit(
            QUOTER,
            ClientOrderId(id),
            self.symbol,
            side,
            level.qty,
            level.price,
            stamp,
        );
        let answer = self.exchange.submit(order.post_only());
        self.record(&answer);
        let arrived = self.exchange.advance_to(at_ns);
        self.record(&arrived);
    }

    /// The cancel of order `id` reaches the exchange at `at_ns`.
    pub fn cancel(&mut self, id: OrderId, at_ns: i64) {
        let stamp = TickStamp { exchange_ts_ns: at_ns, seq: 0 };
        let answer =
            self.exchange.cancel(Cancel::order(QUOTER, ClientOrderId(id), self.symbol, stamp));
        self.record(&answer);
        let done = self.exchange.advance_to(at_ns);
        self.record(&done);
    }

    /// One tick of the L2 stream; a depth tick is followed by the quote of the book's top.
    pub fn on_tick(&mut self, tick: &MarketTick) {
        let updates = self.exchange.on_tick(tick);
        self.record(&updates);
        if let TickEvent::Depth(d) = &tick.event {
            self.book.apply_levels(&d.bids, &d.asks);
            if let Some(top) = self.book.top() {
                let quote = MarketTick { event: TickEvent::Quote(top), ..tick.clone() };
                let updates = self.exchange.on_tick(&quote);
                self.record(&updates);
            }
        }
    }

    fn record(&mut self, updates: &[OrderUpdate]) {
        for u in updates {
            if let Some(fill) = u.last_fill {
                self.fills.record(u.client_order_id.0, self.grid.lots(fill.qty), u.ts_ns);
            }
        }
    }
}
