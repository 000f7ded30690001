//! The fill comparison's shared parts: the recorded capture it replays, the market data
//! it takes from it, and one line of report per engine.
//!
//! Both sides replay the same messages of the capture: the REST depth snapshot, the
//! `depth@0ms` diffs and the trades (the `bookTicker` top-of-book stream is left out: an
//! L2 book is built from the diffs). Both drive the same quoting rule, [`QuoteRule`]:
//! every N market-data messages, a side whose quote is not at the touch is cancelled
//! and requoted there (post-only), so the orders depend on the data only.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mycelium_execution::fidelity::{QuoteAction, QuoteRule};
use mycelium_execution::{
    Cancel, ClientOrderId, ExchangeConfig, Order, OrderUpdate, QueueModel, SimulatedExchange,
    StrategyId, TickStamp,
};
use mycelium_market_data::{
    MarketDataReader, MarketTick, ReadError, ReaderOptions, RecordedEvent, TickAdapter, TickEvent,
};

/// The capture's file name in the shared data directory.
pub const CAPTURE: &str = "hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz";

/// BTCUSDT USD-M's price tick and lot.
pub const TICK_SIZE: f64 = 0.1;
/// See [`TICK_SIZE`].
pub const LOT_SIZE: f64 = 0.001;

/// The capture's path: in `$MYCELIUM_DATA_DIR`, else `../shared/data` beside the
/// checkout.
pub fn capture_path() -> PathBuf {
    let dir = std::env::var_os("MYCELIUM_DATA_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
        PathBuf::from,
    );
    dir.join(CAPTURE)
}

/// The capture's messages that both sides replay (depth snapshot and diffs, trades), in
/// file order.
pub fn load_messages(path: &std::path::Path) -> Result<Vec<RecordedEvent>, ReadError> {
    let reader = MarketDataReader::open(path, ReaderOptions::default())?;
    let mut out = Vec::new();
    for ev in reader {
        let ev = ev?;
        if matches!(ev.event, TickEvent::Depth(_) | TickEvent::Trade(_)) {
            out.push(ev);
        }
    }
    Ok(out)
}

/// One engine's replay of the capture.
#[derive(Debug, Clone, PartialEq)]
pub struct FillRun {
    /// Engine and version.
    pub engine: String,
    /// Queue model, as the engine names it.
    pub model: String,
    /// Market-data messages replayed.
    pub messages: u64,
    /// Wall time of the replay (data already in memory).
    pub elapsed: Duration,
    /// Orders placed.
    pub orders: u64,
    /// Fills.
    pub fills: u64,
    /// Filled quantity (base units).
    pub filled_qty: f64,
}

impl FillRun {
    /// The header of the table [`FillRun`]'s `Display` rows belong to.
    pub const HEADER: &'static str = "| engine | queue model | messages | messages/s | orders | fills | filled qty |\n|---|---|---|---|---|---|---|";

    /// Messages per second.
    pub fn rate(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for FillRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "| {} | {} | {} | {:.0} | {} | {} | {:.3} |",
            self.engine,
            self.model,
            self.messages,
            self.rate(),
            self.orders,
            self.fills,
            self.filled_qty
        )
    }
}

/// Quote size of the rule, lots (0.01 BTC).
pub const QUOTE_LOTS: i64 = 10;

/// The capture's messages as Mycelium's replay turns them into ticks (the adapter adds
/// the book-derived quote after each depth message), each with the touch the rule sees
/// after it, in ticks.
pub struct PreparedMessages {
    messages: Vec<(Vec<MarketTick>, Option<i64>, Option<i64>)>,
}

impl PreparedMessages {
    /// Runs `messages` through the market-data adapter (before any timing).
    pub fn new(messages: &[RecordedEvent]) -> Self {
        let mut adapter = TickAdapter::new();
        let ticks_of = |px: f64| (px / TICK_SIZE).round() as i64;
        let messages = messages
            .iter()
            .map(|m| {
                let mut ticks = Vec::new();
                // A sequence gap resynchronises the adapter's book; its ticks still go.
                let _ = adapter.push(m.clone(), &mut ticks);
                let top = adapter.book(&m.symbol).map(|b| b.book());
                let bid = top.and_then(|b| b.best_bid()).map(|(px, _)| ticks_of(px));
                let ask = top.and_then(|b| b.best_ask()).map(|(px, _)| ticks_of(px));
                (ticks, bid, ask)
            })
            .collect();
        Self { messages }
    }
}

/// Mycelium's side of the comparison: the prepared ticks into the
/// [`SimulatedExchange`] a backtest runs (queue positions under `model`, the book walk,
/// 100 µs entry latency), the quoting rule checking every `every` messages, its quotes
/// post-only limits.
pub fn mycelium_replay(prepared: &PreparedMessages, every: u64, model: QueueModel) -> FillRun {
    let config =
        ExchangeConfig { order_latency_ns: 100_000, queue: model, ..ExchangeConfig::default() };
    let mut exchange = SimulatedExchange::new(config);
    let mut rule = QuoteRule::new(every, QUOTE_LOTS);
    let (mut actions, mut orders, mut fills, mut filled_qty) = (Vec::new(), 0u64, 0u64, 0.0);
    let mut count = |updates: Vec<OrderUpdate>| {
        for fill in updates.iter().filter_map(|u| u.last_fill) {
            fills += 1;
            filled_qty += fill.qty;
        }
    };
    let started = Instant::now();
    for (ticks, bid, ask) in &prepared.messages {
        let Some(last) = ticks.last() else {
            continue;
        };
        for tick in ticks {
            count(exchange.on_tick(tick));
        }
        rule.on_event(*bid, *ask, &mut actions);
        let stamp = TickStamp { exchange_ts_ns: last.exchange_ts_ns, seq: last.seq };
        for action in actions.drain(..) {
            let answer = match action {
                QuoteAction::Place { id, side, px, qty } => {
                    orders += 1;
                    let (px, qty) = (px as f64 * TICK_SIZE, qty as f64 * LOT_SIZE);
                    let id = ClientOrderId(id);
                    let order = Order::limit(QUOTER, id, last.symbol, side, qty, px, stamp);
                    exchange.submit(order.post_only())
                }
                QuoteAction::Cancel { id } => {
                    exchange.cancel(Cancel::order(QUOTER, ClientOrderId(id), last.symbol, stamp))
                }
            };
            count(answer);
        }
    }
    FillRun {
        engine: format!("Mycelium {}", env!("CARGO_PKG_VERSION")),
        model: format!("{model}, SimulatedExchange"),
        messages: prepared.messages.len() as u64,
        elapsed: started.elapsed(),
        orders,
        fills,
        filled_qty,
    }
}

/// The rule's one strategy.
const QUOTER: StrategyId = StrategyId(1);
