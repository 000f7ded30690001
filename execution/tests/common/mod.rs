//! Shared helpers for the integration tests: ticks, orders and engines in a few words.

#![allow(dead_code, unreachable_pub)]

use mycelium_execution::{
    Cancel, ClientOrderId, ExchangeConfig, ExecutionConfig, ExecutionEngine, InstrumentsConfig,
    Order, OrderStatus, OrderUpdate, RiskLimits, StrategyId, TickStamp,
};
use mycelium_market_data::{MarketTick, Quote, Side, Symbol, TickEvent, Trade};

/// The strategy of most tests.
pub const S1: StrategyId = StrategyId(1);

/// The symbol of most tests.
pub fn sym() -> Symbol {
    Symbol::new("BTCUSDT").expect("valid symbol")
}

/// The stamp of a tick at `ts` (sequence = time, good enough for tests).
pub fn at(ts: i64) -> TickStamp {
    TickStamp { exchange_ts_ns: ts, seq: ts as u64 }
}

/// A quote tick.
pub fn quote(ts: i64, bid_px: f64, bid_qty: f64, ask_px: f64, ask_qty: f64) -> MarketTick {
    MarketTick {
        symbol: sym(),
        seq: ts as u64,
        exchange_ts_ns: ts,
        local_ts_ns: ts,
        event: TickEvent::Quote(Quote { bid_px, bid_qty, ask_px, ask_qty, from_book: false }),
    }
}

/// A trade tick.
pub fn trade(ts: i64, px: f64, qty: f64) -> MarketTick {
    MarketTick {
        symbol: sym(),
        seq: ts as u64,
        exchange_ts_ns: ts,
        local_ts_ns: ts,
        event: TickEvent::Trade(Trade { px, qty, aggressor: None }),
    }
}

/// Limits loose enough never to reject the orders of the matching tests.
pub fn loose_limits() -> RiskLimits {
    RiskLimits {
        max_order_qty: 1e9,
        max_notional: 1e15,
        max_position: 1e12,
        max_orders_per_sec: 1_000_000,
        price_collar_bps: 1e6,
        dedup_window: 1_000_000,
    }
}

/// No instruments: the matching and risk rules these tests pin do not depend on a
/// symbol's grid (instruments have tests of their own).
pub fn no_instruments() -> InstrumentsConfig {
    InstrumentsConfig { shipped: false, ..InstrumentsConfig::default() }
}

/// An engine with `latency_ns` and the given limits.
pub fn engine_with(latency_ns: i64, risk: RiskLimits) -> ExecutionEngine {
    ExecutionEngine::new(ExecutionConfig {
        risk,
        exchange: ExchangeConfig { order_latency_ns: latency_ns, ..ExchangeConfig::default() },
        instruments: no_instruments(),
        ..ExecutionConfig::default()
    })
}

/// An engine with `latency_ns` and loose limits.
pub fn engine(latency_ns: i64) -> ExecutionEngine {
    engine_with(latency_ns, loose_limits())
}

/// A limit order of strategy [`S1`] reacting to the tick at `ts`.
pub fn limit(id: u64, side: Side, qty: f64, px: f64, ts: i64) -> Order {
    Order::limit(S1, ClientOrderId(id), sym(), side, qty, px, at(ts))
}

/// An IOC order of strategy [`S1`].
pub fn ioc(id: u64, side: Side, qty: f64, px: f64, ts: i64) -> Order {
    Order::ioc(S1, ClientOrderId(id), sym(), side, qty, px, at(ts))
}

/// A market order of strategy [`S1`].
pub fn market(id: u64, side: Side, qty: f64, ts: i64) -> Order {
    Order::market(S1, ClientOrderId(id), sym(), side, qty, at(ts))
}

/// A cancel of order `id` of strategy [`S1`].
pub fn cancel(id: u64, ts: i64) -> Cancel {
    Cancel::order(S1, ClientOrderId(id), sym(), at(ts))
}

/// The statuses of `updates`, in order.
pub fn statuses(updates: &[OrderUpdate]) -> Vec<OrderStatus> {
    updates.iter().map(|u| u.status).collect()
}

/// The (price, qty) of each fill in `updates`.
pub fn fills(updates: &[OrderUpdate]) -> Vec<(f64, f64)> {
    updates.iter().filter_map(|u| u.last_fill.map(|f| (f.px, f.qty))).collect()
}
